#include "frontend/lowering/requantize.hpp"

#include <cmath>

namespace euc::frontend {

std::pair<int64_t, int> tflite_multiplier(double real) {
  if (real == 0)
    return {0, 0};
  int shift = 0;
  double q = std::frexp(real, &shift);
  auto significand = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (significand == (int64_t{1} << 31)) {
    significand /= 2;
    ++shift;
  }
  return {significand, shift};
}

std::optional<std::pair<uint32_t, int>> output_stage_scale(double real) {
  if (!(real >= 0))
    return std::nullopt;
  auto [significand, shift] = tflite_multiplier(real);
  // The record's shift counts from bit 0: TFLite's exponent `shift` is 31 - record shift.
  if (31 - shift < 0 || 31 - shift > 63)
    return std::nullopt;
  return std::make_pair(static_cast<uint32_t>(significand), 31 - shift);
}

int64_t multiply_by_quantized_multiplier(int64_t x, int64_t significand, int shift) {
  // The doubling high multiply (x shifted left by a positive shift), rounded half up with
  // TFLite's nudge and truncating division, then a rounding right shift by a negative shift,
  // ties away from zero. Done in 64 bits: the callers' products stay far inside them.
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int64_t a = x * (int64_t{1} << left);
  if (a == INT32_MIN && significand == INT32_MIN)
    return INT32_MAX;
  const __int128 ab = static_cast<__int128>(a) * significand;
  const __int128 nudge = ab >= 0 ? (__int128{1} << 30) : 1 - (__int128{1} << 30);
  const auto high = static_cast<int64_t>((ab + nudge) / (__int128{1} << 31));
  if (right == 0)
    return high;
  if (right > 62)
    return 0;
  const int64_t mask = (int64_t{1} << right) - 1;
  const int64_t remainder = high & mask;
  const int64_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> right) + (remainder > threshold ? 1 : 0);
}

}  // namespace euc::frontend
