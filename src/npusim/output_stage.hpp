#pragma once
// What happens to a value between the accumulator (or the elementwise/pooling result) and the
// OFM. Order, as far as Vela's register values pin it:
//   1. scale: (acc + bias) * multiplier >> shift (per-channel scale records for CONV and
//      DEPTHWISE, OFM_SCALE when OFM_PRECISION selects the global scale, identity otherwise)
//      with the OFM rounding mode (rounding.hpp);
//   2. add the OFM zero point, except for 32-bit results without a forced clip range: Vela
//      3.10's softmax lowering writes the IFM's zero point (-1 in person_detect) as OFM zero
//      point of its int32 SHR, REDUCE_SUM, CLZ and MUL steps (softmax.py passes a clone of the
//      IFM quantisation), and person_detect's golden output is reproduced only if those are not
//      added; the int32 SUB feeding the exp LUT (clip forced to int8) needs its zero point 127
//      to form the LUT index. Vela 5.1 writes 0 for every such int32 step;
//   3. the activation function: a table lookup in SHRAM indexed by the value clipped to the
//      act_clip_range (Vela forces an int8 clip for LUTs on int32 OFMs: the index must be a
//      byte), or TANH/SIGMOID (activation_functions.hpp) on the unclipped value;
//   4. clamp to ACTIVATION_MIN/MAX, only for 8- and 16-bit OFMs: Vela's softmax lowering
//      writes ACTIVATION_MIN/MAX of -128/127 on int32 intermediates that hold values near 2^30
//      (softmax.py), so the hardware cannot be clamping 32-bit results; and its exp LUT on an
//      int32 OFM returns values far outside the -128/127 it writes;
//   5. clip to act_clip_range and saturate to the OFM type.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "arch/accelerator.hpp"
#include "npu/operation.hpp"
#include "npusim/memory.hpp"
#include "weights/scale_record.hpp"

namespace euc::npusim {

class OutputStage {
 public:
  // Reads the LUT from SHRAM for table-lookup activations (every entry must hold data).
  OutputStage(const npu::BlockOperation& op, const NpuMemory& memory,
              const arch::AcceleratorConfig& accelerator);

  // Steps 1-5 with per-channel scale records (CONV, DEPTHWISE).
  int64_t finish_with_record(int64_t acc, const weights::ScaleRecord& record) const;
  // Steps 1-5 with the global OFM_SCALE (or no scaling when the operation has none).
  int64_t finish(int64_t value) const;
  // Steps 2-5 for a value already scaled.
  int64_t finish_scaled(int64_t scaled) const;

  npu::Rounding rounding() const { return rounding_; }

 private:
  int64_t activate(int64_t v) const;
  int64_t lookup(int64_t index_value) const;

  npu::Rounding rounding_;
  bool has_scale_ = false;
  npu::Scale scale_;
  int64_t acc_min_, acc_max_;  // accumulator width (32 or 40 bits)
  int32_t zero_point_;
  npu::ElementType ofm_type_;
  npu::ActivationSetting activation_;
  bool clamp_ = true;  // ACTIVATION_MIN/MAX apply
  int64_t clip_min_, clip_max_;
  std::vector<uint8_t> lut_;  // raw LUT bytes for table lookups
};

}  // namespace euc::npusim
