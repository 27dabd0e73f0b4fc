#pragma once
// Quantisation of a real rescale factor into the (multiplier, shift) pair of a scale record,
// as Arm's Vela 3.10 does it (ethosu/vela/scaling.py quantise_scale / reduced_quantise_scale,
// weight_compressor.py _prepare_scale_and_bias), so that euc's records match Vela's bit for bit.
//
// Convention: scale ~= multiplier * 2^-shift. With scale = f * 2^e, f in [0.5, 1) (frexp), the
// multiplier is f * 2^31 rounded half away from zero, so it lies in [2^30, 2^31] (2^31 when f
// rounds up to 1; it still fits the record's unsigned 32-bit field), and shift = 31 - e.
// Example: 0.5 = 0.5 * 2^0 gives multiplier 2^30, shift 31.
#include <cstdint>

namespace euc::weights {

struct QuantisedScale {
  std::uint32_t multiplier = 0;
  int shift = 0;

  bool operator==(const QuantisedScale&) const = default;
};

// The 31-bit quantisation. When the shift falls outside 0..63 (scale >= 2^31 or < 2^-33), the
// result is Vela's stand-in for "scale 0": multiplier 0, shift 16. Negative, infinite and NaN
// scales are an euc::Error.
QuantisedScale quantise_scale(double scale);

// The reduced-precision variant for int16 activations with an int64 bias (what TFLite's
// reference kernels do there): the 31-bit multiplier rounded to 15 bits ((m + 2^15) >> 16,
// saturated at 32767) and shift - 16. A scale too large for the reduced shift (shift - 16 < 0)
// is an euc::Error.
QuantisedScale quantise_scale_reduced(double scale);

// How the rescale factor ifm_scale * weight_scale / ofm_scale is computed. Vela follows
// TFLite: the product of the two float32 scales is rounded to float32 first for uint8 inputs
// and for FULLY_CONNECTED operators, and formed in double precision for int8 and int16
// convolutions.
enum class ScaleProduct { kDouble, kFloat32 };

double conv_rescale(float ifm_scale, float weight_scale, float ofm_scale, ScaleProduct product);

struct ConvScaleOptions {
  ScaleProduct product = ScaleProduct::kDouble;
  bool reduced_precision = false;     // int16 activations with an int64 bias
  bool round_away_from_zero = false;  // the operator rounds away from zero: multiplier + 1
};

// The (multiplier, shift) of one output channel of a convolution-like operator.
QuantisedScale quantise_conv_scale(float ifm_scale, float weight_scale, float ofm_scale,
                                   const ConvScaleOptions& options = {});

}  // namespace euc::weights
