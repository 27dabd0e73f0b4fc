#pragma once
// The fixed-point arithmetic of the NPU's output stage: value * multiplier / 2^shift rounded as
// the OFM_PRECISION rounding field asks.
//
// What the rounding modes are (Vela 3.10 api.py NpuRoundingMode): TRUNCATE rounds towards zero,
// NATURAL rounds to nearest with ties towards +infinity, TFL is "TensorFlow Lite rounding". The
// hardware definition of TFL is not public; we model it as TFLite's MultiplyByQuantizedMultiplier
// because that is the only reading under which Vela's register values give TFLite's results:
//   - shift > 31: a rounding doubling high multiply (value * multiplier rounded at bit 31, ties
//     up) followed by a rounding right shift by shift - 31 (ties away from zero);
//   - shift <= 31: one rounding at bit `shift`, ties up (TFLite's left shift followed by the
//     doubling high multiply rounds exactly so).
// Evidence that the first rounding sits at bit 31 of the product: for int16 ADD with equal input
// scales Vela halves the operand scales and the shift "to align the double rounding with that of
// advanced scaling" (register_command_stream_generator.py), which only matters if the rounding
// point is fixed at bit 31; and the golden tests of this module (conv, pooling, add) reproduce
// TFLite Micro bit for bit with it.
#include <cstdint>

#include "npu/command_tables.hpp"

namespace euc::npusim {

using Int128 = __int128;

// value / 2^shift rounded by `mode` (shift 0..127).
Int128 rounding_shift(Int128 value, int shift, npu::Rounding mode);

// value * multiplier / 2^shift with the rounding of `mode` (see above).
int64_t apply_scale(int64_t value, uint32_t multiplier, int shift, npu::Rounding mode);

inline int64_t saturate(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}
inline int64_t saturate128(Int128 v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : static_cast<int64_t>(v));
}

}  // namespace euc::npusim
