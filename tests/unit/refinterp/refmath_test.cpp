// Hand-derived expectations for the integer arithmetic the kernels share.
#include "refmath/quant_math.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "refmath/fixed_point.hpp"

namespace euc::refmath {
namespace {

constexpr int32_t kHalf = 1 << 30;  // 0.5 as a Q0.31 significand

TEST(QuantizeMultiplier, SplitsIntoQ31SignificandAndShift) {
  EXPECT_EQ(quantize_multiplier(0.5).significand, kHalf);
  EXPECT_EQ(quantize_multiplier(0.5).shift, 0);
  EXPECT_EQ(quantize_multiplier(1.0).significand, kHalf);
  EXPECT_EQ(quantize_multiplier(1.0).shift, 1);
  EXPECT_EQ(quantize_multiplier(0.75).significand, 1610612736);  // 0.75 * 2^31
  EXPECT_EQ(quantize_multiplier(0.1).shift, -3);                 // 0.1 = 0.8 * 2^-3
}

TEST(QuantizeMultiplier, SignificandRoundingUpTo2Pow31IsHalvedAndShiftRaised) {
  const auto m = quantize_multiplier(1.0 - 1e-12);
  EXPECT_EQ(m.significand, kHalf);
  EXPECT_EQ(m.shift, 1);
}

TEST(QuantizeMultiplier, ZeroAndVanishinglySmallGiveZero) {
  EXPECT_EQ(quantize_multiplier(0.0).significand, 0);
  EXPECT_EQ(quantize_multiplier(1e-12).significand, 0);  // shift would be below -31
  EXPECT_EQ(quantize_multiplier(1e-12).shift, 0);
}

TEST(SaturatingRoundingDoublingHighMul, RoundsTiesUpwards) {
  // 1 * 0.5 = 0.5 -> 1; -1 * 0.5 = -0.5 -> 0; -3 * 0.5 = -1.5 -> -1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1, kHalf), 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-1, kHalf), 0);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, kHalf), -1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(5, kHalf), 3);
}

TEST(SaturatingRoundingDoublingHighMul, MinusOneTimesMinusOneSaturates) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMin), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(saturating_rounding_doubling_high_mul(int16_t{-32768}, int16_t{-32768}), 32767);
}

TEST(RoundingDivideByPot, RoundsHalfAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);    // 2.5
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);  // -2.5
  EXPECT_EQ(rounding_divide_by_pot(3, 1), 2);    // 1.5
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);  // -1.5
  EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);    // 1.75
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);  // -1.25
  EXPECT_EQ(rounding_divide_by_pot(12345, 0), 12345);
}

TEST(RoundingDivideByPot, LargeShiftsOfExtremeValues) {
  EXPECT_EQ(rounding_divide_by_pot(std::numeric_limits<int32_t>::max(), 31), 1);
  EXPECT_EQ(rounding_divide_by_pot(std::numeric_limits<int32_t>::min(), 31), -1);
  EXPECT_EQ(rounding_divide_by_pot(std::numeric_limits<int32_t>::min() + 1, 31), -1);
  EXPECT_EQ(rounding_divide_by_pot(1 << 29, 31), 0);  // 0.25
}

TEST(MultiplyByQuantizedMultiplier, RoundsTwiceHighMulThenShift) {
  // 14 * 0.25: the high multiply gives exactly 7, the shift rounds 3.5 to 4; -14 -> -4.
  EXPECT_EQ(multiply_by_quantized_multiplier(14, kHalf, -1), 4);
  EXPECT_EQ(multiply_by_quantized_multiplier(-14, kHalf, -1), -4);
  // -3 * 0.5: the high multiply rounds -1.5 up to -1 and the shift is exact.
  EXPECT_EQ(multiply_by_quantized_multiplier(-3, kHalf, 0), -1);
  // Left shifts happen before the multiply: 1000 * 0.5 * 4.
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, kHalf, 2), 2000);
  // A shift of -31 leaves nothing of a small value.
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, kHalf, -31), 0);
}

TEST(MultiplyByQuantizedMultiplier, Int64AccumulatorUses16BitSignificandAndOneRounding) {
  // 0.5 becomes 16384 / 2^15; 1000 * 0.5 = 500 exactly; 1001 * 0.5 = 500.5 -> 501 and
  // -1001 * 0.5 = -500.5 -> -500 (one rounding, ties up).
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{1000}, kHalf, 0), 500);
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{1001}, kHalf, 0), 501);
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{-1001}, kHalf, 0), -500);
  // Significands at or above 0x7FFF0000 saturate to 0x7FFF.
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{1} << 20, 0x7FFFFFFF, 0), 0x7FFF << 5);
}

TEST(ActivationRange, Relu6OnAsymmetricOutput) {
  // scale 0.05, zero point -10: 0.0 -> -10 and 6.0 -> 110.
  const auto r = activation_range(3, 0.05f, -10, -128, 127);
  EXPECT_EQ(r.min, -10);
  EXPECT_EQ(r.max, 110);
  const auto none = activation_range(0, 0.05f, -10, -128, 127);
  EXPECT_EQ(none.min, -128);
  EXPECT_EQ(none.max, 127);
}

TEST(FixedPoint, ExpOfZeroIsOneAndOfMinusOneIsCloseToOneOverE) {
  // Q5.26 input; result Q0.31.
  EXPECT_EQ(fixed::exp_on_negative_values<int32_t>(0, 5), std::numeric_limits<int32_t>::max());
  const int32_t e = fixed::exp_on_negative_values<int32_t>(-(1 << 26), 5);
  EXPECT_NEAR(e / 2147483648.0, 0.36787944, 1e-5);
}

TEST(FixedPoint, LogisticAndTanhAtZeroAndSymmetry) {
  EXPECT_EQ(fixed::logistic<int32_t>(0, 4), 1 << 30);
  EXPECT_EQ(fixed::tanh<int32_t>(0, 4), 0);
  const int32_t one_q4 = 1 << 27;
  EXPECT_NEAR(fixed::logistic<int32_t>(one_q4, 4) / 2147483648.0, 0.7310586, 1e-6);
  EXPECT_NEAR(fixed::tanh<int32_t>(-one_q4, 4) / 2147483648.0, -0.7615942, 1e-6);
  EXPECT_NEAR(fixed::logistic<int16_t>(int16_t{1 << 11}, 4) / 32768.0, 0.7310586, 1e-3);
}

}  // namespace
}  // namespace euc::refmath
