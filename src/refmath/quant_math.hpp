#pragma once
// Integer arithmetic of the TFLite reference kernels: multipliers as (Q0.31 significand, shift)
// pairs, saturating/rounding fixed-point products and rounding shifts. Every rounding rule here
// is the one TensorFlow Lite Micro's reference kernels apply (double rounding: a rounding
// doubling high multiply followed by a rounding right shift), so results are bit-exact.
#include <algorithm>
#include <cstdint>
#include <limits>

namespace euc::refmath {

// A real multiplier m ~= significand * 2^(shift - 31); significand in [2^30, 2^31) or 0.
struct QuantMultiplier {
  int32_t significand = 0;
  int shift = 0;
};

// Splits `real` with frexp and rounds the significand to 31 bits (half away from zero). A
// significand that rounds up to 2^31 is halved; multipliers below 2^-32 become 0.
QuantMultiplier quantize_multiplier(double real);

// High 32 bits of 2*a*b, rounded to nearest with ties rounded up (the nudge is added before a
// division that truncates towards zero); -1 * -1 saturates.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  const int64_t ab = int64_t{a} * int64_t{b};
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

inline int16_t saturating_rounding_doubling_high_mul(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min())
    return std::numeric_limits<int16_t>::max();
  const int32_t ab = int32_t{a} * int32_t{b};
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// x / 2^exponent rounded to nearest, ties away from zero (exponent in [0, 31]).
template <class T>
inline T rounding_divide_by_pot(T x, int exponent) {
  using Wide = std::conditional_t<(sizeof(T) > 4), T, int64_t>;
  const Wide mask = (Wide{1} << exponent) - 1;
  const Wide remainder = Wide{x} & mask;
  const Wide threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<T>((Wide{x} >> exponent) + (remainder > threshold ? 1 : 0));
}

// x * 2^exponent for a left shift with saturation, or a rounding right shift for exponent < 0.
template <class T>
inline T saturating_rounding_multiply_by_pot(T x, int exponent) {
  if (exponent == 0)
    return x;
  if (exponent < 0)
    return rounding_divide_by_pot(x, -exponent);
  constexpr int kBits = 8 * sizeof(T);
  const int64_t threshold = (int64_t{1} << (kBits - 1 - exponent)) - 1;
  if (x > threshold)
    return std::numeric_limits<T>::max();
  if (x < -threshold)
    return std::numeric_limits<T>::min();
  return static_cast<T>(static_cast<int64_t>(x) * (int64_t{1} << exponent));
}

// Applies a quantised multiplier to an int32 accumulator: left shift (wrapping, as the
// reference does), rounding doubling high multiply, then rounding right shift.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t significand, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, significand), right);
}
inline int32_t multiply_by_quantized_multiplier(int32_t x, QuantMultiplier m) {
  return multiply_by_quantized_multiplier(x, m.significand, m.shift);
}

// The 64-bit accumulator variant (16x8 kernels with int64 bias): the significand is first
// rounded to 16 bits, then one rounding shift; the result is truncated to 32 bits.
inline int32_t multiply_by_quantized_multiplier(int64_t x, int32_t significand, int shift) {
  const int64_t reduced =
      significand < 0x7FFF0000 ? ((int64_t{significand} + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t rounded = x * reduced + (int64_t{1} << (total_shift - 1));
  return static_cast<int32_t>(rounded >> total_shift);
}

// Variants with the shift split as the reference kernels name them.
inline int32_t multiply_by_quantized_multiplier_smaller_than_one_exp(int32_t x, int32_t significand,
                                                                     int left_shift) {
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, significand), -left_shift);
}
inline int32_t multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t significand,
                                                                 int left_shift) {
  const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return saturating_rounding_doubling_high_mul(shifted, significand);
}

// round(f / scale) + zero_point computed in float, as the reference's activation ranges do.
int32_t quantize_value(float scale, int32_t zero_point, float value);

// Bounds of fused activations (TFLite ActivationFunctionType codes) for an output with this
// scale, zero point and storage range.
struct ActivationRange {
  int32_t min = 0;
  int32_t max = 0;
};
ActivationRange activation_range(int activation, float scale, int32_t zero_point, int32_t qmin,
                                 int32_t qmax);

// Number of leading zero bits of a 32-bit value (32 for zero).
inline int count_leading_zeros(uint32_t v) {
  return v == 0 ? 32 : __builtin_clz(v);
}

// floor(((2^int_bits - 1) * 2^(total_bits - int_bits)) / 2^left_shift): the largest input
// magnitude that does not saturate fixed-point activation kernels.
int32_t input_radius(int int_bits, int left_shift, int total_bits);

}  // namespace euc::refmath
