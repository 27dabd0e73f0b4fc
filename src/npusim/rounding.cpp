#include "npusim/rounding.hpp"

namespace euc::npusim {
namespace {

constexpr int kHighMulBits = 31;  // the doubling high multiply keeps bits 31 and up

// floor(value / 2^shift): arithmetic shift of a two's-complement value.
Int128 floor_shift(Int128 value, int shift) {
  return value >> shift;
}

Int128 half_up(Int128 value, int shift) {
  return floor_shift(value + (Int128{1} << (shift - 1)), shift);
}

Int128 half_away(Int128 value, int shift) {
  return value >= 0 ? half_up(value, shift) : -half_up(-value, shift);
}

Int128 towards_zero(Int128 value, int shift) {
  return value >= 0 ? floor_shift(value, shift) : -floor_shift(-value, shift);
}

}  // namespace

Int128 rounding_shift(Int128 value, int shift, npu::Rounding mode) {
  if (shift <= 0)
    return value;
  switch (mode) {
    case npu::Rounding::kTruncate:
      return towards_zero(value, shift);
    case npu::Rounding::kNatural:
      return half_up(value, shift);
    case npu::Rounding::kTfl:
      if (shift <= kHighMulBits)
        return half_up(value, shift);
      return half_away(half_up(value, kHighMulBits), shift - kHighMulBits);
  }
  return half_up(value, shift);
}

int64_t apply_scale(int64_t value, uint32_t multiplier, int shift, npu::Rounding mode) {
  const Int128 product = Int128{value} * Int128{multiplier};
  const Int128 r = rounding_shift(product, shift, mode);
  return saturate128(r, INT64_MIN, INT64_MAX);
}

}  // namespace euc::npusim
