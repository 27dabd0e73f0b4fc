// The output-stage arithmetic against hand-derived values and against TFLite's
// MultiplyByQuantizedMultiplier (the refinterp implementation, bit-exact with TFLite Micro).
#include "npusim/rounding.hpp"

#include <gtest/gtest.h>

#include <random>

#include "refmath/quant_math.hpp"

namespace euc::npusim {
namespace {

using npu::Rounding;

TEST(Rounding, TruncateRoundsTowardsZero) {
  EXPECT_EQ(rounding_shift(7, 1, Rounding::kTruncate), 3);
  EXPECT_EQ(rounding_shift(-7, 1, Rounding::kTruncate), -3);
  EXPECT_EQ(rounding_shift(-8, 2, Rounding::kTruncate), -2);
}

TEST(Rounding, NaturalRoundsTiesTowardsPlusInfinity) {
  EXPECT_EQ(rounding_shift(5, 1, Rounding::kNatural), 3);    // 2.5 -> 3
  EXPECT_EQ(rounding_shift(-5, 1, Rounding::kNatural), -2);  // -2.5 -> -2
  EXPECT_EQ(rounding_shift(-7, 2, Rounding::kNatural), -2);  // -1.75 -> -2
}

TEST(Rounding, TflBelowBit31RoundsTiesUp) {
  EXPECT_EQ(rounding_shift(5, 1, Rounding::kTfl), 3);
  EXPECT_EQ(rounding_shift(-5, 1, Rounding::kTfl), -2);
}

TEST(Rounding, TflAboveBit31RoundsTwiceLikeTflite) {
  // value * 2^31 + 2^30 rounds up at bit 31 to value + 1, then the second rounding sees a tie.
  const Int128 v = (Int128{-3} << 31) - (Int128{1} << 30);  // -3.5 after the first step
  EXPECT_EQ(rounding_shift(v, 32, Rounding::kTfl), -2);     // -3 then -1.5 -> -2 (away)
  EXPECT_EQ(rounding_shift(v, 32, Rounding::kNatural), -2);
}

TEST(Rounding, TflScaleEqualsTfliteMultiplyByQuantizedMultiplier) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> acc(-(1 << 24), 1 << 24);
  std::uniform_int_distribution<int32_t> sig((1 << 30), INT32_MAX);
  std::uniform_int_distribution<int> exp(-20, 8);
  for (int i = 0; i < 200000; ++i) {
    const int32_t x = acc(rng);
    const int32_t m = sig(rng);
    const int e = exp(rng);
    // TFLite's shift e is a left shift for e > 0; the NPU shift is 31 - e.
    if (e > 0 && (x > (INT32_MAX >> e) || x < (INT32_MIN >> e)))
      continue;  // TFLite's left shift would overflow
    const int32_t want = refmath::multiply_by_quantized_multiplier(x, m, e);
    const int64_t got = apply_scale(x, static_cast<uint32_t>(m), 31 - e, Rounding::kTfl);
    ASSERT_EQ(got, want) << "x " << x << " m " << m << " e " << e;
  }
}

}  // namespace
}  // namespace euc::npusim
