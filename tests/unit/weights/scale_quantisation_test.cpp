// Rescale quantisation, expected values derived by hand: scale = f * 2^e with f in [0.5, 1),
// multiplier = round-half-away(f * 2^31), shift = 31 - e, so scale ~= multiplier * 2^-shift.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "weights/scale_quantisation.hpp"

namespace euc::weights {
namespace {

constexpr std::uint32_t k2p30 = 1u << 30;
constexpr std::uint32_t k2p31 = 1u << 31;

TEST(ScaleQuantisation, QuantisesExactPowersAndFractions) {
  EXPECT_EQ(quantise_scale(0.5), (QuantisedScale{k2p30, 31}));  // 0.5 * 2^0
  EXPECT_EQ(quantise_scale(1.0), (QuantisedScale{k2p30, 30}));  // 0.5 * 2^1
  EXPECT_EQ(quantise_scale(0.25), (QuantisedScale{k2p30, 32}));
  EXPECT_EQ(quantise_scale(0.75), (QuantisedScale{1610612736u, 31}));  // 0.75 * 2^31
  EXPECT_EQ(quantise_scale(3.0), (QuantisedScale{1610612736u, 29}));   // 0.75 * 2^2
  // 1/3 = (2/3) * 2^-1; (2/3) * 2^31 = 1431655765.33
  EXPECT_EQ(quantise_scale(1.0 / 3.0), (QuantisedScale{1431655765u, 32}));
  EXPECT_EQ(quantise_scale(0.0), (QuantisedScale{0, 31}));  // frexp(0) = 0 * 2^0
}

TEST(ScaleQuantisation, RoundsHalfAwayFromZero) {
  // f = 0.5 + 2^-32: f * 2^31 = 2^30 + 0.5 exactly.
  EXPECT_EQ(quantise_scale(0.5 + std::ldexp(1.0, -32)), (QuantisedScale{k2p30 + 1, 31}));
  // Just below the half: rounds down.
  EXPECT_EQ(quantise_scale(0.5 + std::ldexp(1.0, -33)), (QuantisedScale{k2p30, 31}));
}

TEST(ScaleQuantisation, SignificandRoundingToOneGivesTwoToThe31) {
  // 1 - 2^-40 = f * 2^0 with f * 2^31 = 2^31 - 2^-9, which rounds to 2^31 (fits 32 bits).
  EXPECT_EQ(quantise_scale(1.0 - std::ldexp(1.0, -40)), (QuantisedScale{k2p31, 31}));
}

TEST(ScaleQuantisation, ShiftOutsideSixBitsGivesZeroScale) {
  EXPECT_EQ(quantise_scale(std::ldexp(1.0, -33)), (QuantisedScale{k2p30, 63}));  // shift 63
  EXPECT_EQ(quantise_scale(std::ldexp(1.0, -34)), (QuantisedScale{0, 16}));      // shift 64
  EXPECT_EQ(quantise_scale(std::ldexp(1.0, 30)), (QuantisedScale{k2p30, 0}));    // shift 0
  EXPECT_EQ(quantise_scale(std::ldexp(1.0, 31)), (QuantisedScale{0, 16}));       // shift -1
}

TEST(ScaleQuantisation, RejectsNegativeAndNonFiniteScales) {
  EXPECT_THROW(quantise_scale(-0.5), Error);
  EXPECT_THROW(quantise_scale(std::numeric_limits<double>::infinity()), Error);
  EXPECT_THROW(quantise_scale(std::numeric_limits<double>::quiet_NaN()), Error);
  EXPECT_THROW(quantise_conv_scale(0.5f, 0.5f, 0.0f), Error);  // division by zero
}

TEST(ScaleQuantisation, ReducedPrecisionKeepsFifteenBits) {
  // 2^30 -> (2^30 + 2^15) >> 16 = 16384, shift 31 - 16.
  EXPECT_EQ(quantise_scale_reduced(0.5), (QuantisedScale{16384, 15}));
  // 0.75 * 2^31 = 1610612736 -> 24576.
  EXPECT_EQ(quantise_scale_reduced(0.75), (QuantisedScale{24576, 15}));
  // (2/3) * 2^31 = 1431655765 -> (1431655765 + 32768) >> 16 = 21845, shift 32 - 16.
  EXPECT_EQ(quantise_scale_reduced(1.0 / 3.0), (QuantisedScale{21845, 16}));
  // Multipliers from 32767 << 16 up saturate at 32767: 1 - 2^-20 gives 2^31 - 2^11.
  EXPECT_EQ(quantise_scale_reduced(1.0 - std::ldexp(1.0, -20)), (QuantisedScale{32767, 15}));
  // Vela's zero scale (0, 16) becomes (0, 0).
  EXPECT_EQ(quantise_scale_reduced(std::ldexp(1.0, -40)), (QuantisedScale{0, 0}));
}

TEST(ScaleQuantisation, ReducedPrecisionRejectsScalesNeedingNegativeShift) {
  // 2^20 = 0.5 * 2^21: shift 10, reduced shift -6.
  try {
    quantise_scale_reduced(std::ldexp(1.0, 20));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("-6"), std::string::npos) << e.what();
  }
}

TEST(ScaleQuantisation, ConvScaleIsIfmTimesWeightOverOfm) {
  // 0.5 * 0.25 / 0.5 = 0.25 = 0.5 * 2^-1.
  EXPECT_EQ(quantise_conv_scale(0.5f, 0.25f, 0.5f), (QuantisedScale{k2p30, 32}));
  ConvScaleOptions away;
  away.round_away_from_zero = true;
  EXPECT_EQ(quantise_conv_scale(0.5f, 0.25f, 0.5f, away), (QuantisedScale{k2p30 + 1, 32}));
  ConvScaleOptions reduced;
  reduced.reduced_precision = true;
  EXPECT_EQ(quantise_conv_scale(0.5f, 0.25f, 0.5f, reduced), (QuantisedScale{16384, 16}));
}

TEST(ScaleQuantisation, Float32ProductIsRoundedBeforeTheDivision) {
  // 0.1f * 0.3f is not exact in float; the float32 variant rounds the product to float first.
  const float a = 0.1f;
  const float b = 0.3f;
  const double exact = static_cast<double>(a) * static_cast<double>(b);
  const double rounded = static_cast<double>(static_cast<float>(exact));
  ASSERT_NE(exact, rounded);
  EXPECT_EQ(conv_rescale(a, b, 1.0f, ScaleProduct::kDouble), exact);
  EXPECT_EQ(conv_rescale(a, b, 1.0f, ScaleProduct::kFloat32), rounded);
  EXPECT_EQ(conv_rescale(a, b, 0.5f, ScaleProduct::kFloat32), rounded / 0.5);
}

}  // namespace
}  // namespace euc::weights
