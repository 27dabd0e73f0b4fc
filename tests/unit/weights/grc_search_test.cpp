// Golomb-Rice code costs (derived by hand from the unary/remainder layout) and the slice search.
#include <gtest/gtest.h>

#include <vector>

#include "weights/grc_search.hpp"

namespace euc::weights::grc {
namespace {

constexpr int kDiv2 = 2;           // kWeightCodes[2]: divisor 2, not truncated
constexpr int kTruncatedDiv2 = 8;  // kWeightCodes[8]: divisor 2, truncated

TEST(GrcSearch, WeightCodeCostsFollowTheUnaryLayout) {
  ASSERT_EQ(kWeightCodes[kDiv2].div, 2);
  ASSERT_FALSE(kWeightCodes[kDiv2].truncated);
  ASSERT_TRUE(kWeightCodes[kTruncatedDiv2].truncated);
  // 13 = 3 << 2 | 1: quotient 3 costs 3 + 1 unary bits (positions 2,1 = WUNARY0 1,1 and
  // WUNARY1 1,0), plus 2 remainder bits.
  EXPECT_EQ(weight_bits(kDiv2, 13, 0), 6);
  // Truncated codes stop at quotient 2, which costs 2 unary bits like quotient 1.
  EXPECT_EQ(weight_bits(kTruncatedDiv2, 9, 0), 4);
  EXPECT_EQ(weight_bits(kTruncatedDiv2, 5, 0), 4);
  EXPECT_EQ(weight_bits(kTruncatedDiv2, 1, 0), 3);
  EXPECT_EQ(weight_bits(kTruncatedDiv2, 13, 0), kImpossible);
  // Quotients above 31 are never used.
  EXPECT_EQ(weight_bits(0, 31, 0), 32);
  EXPECT_EQ(weight_bits(0, 32, 0), kImpossible);
  // Uncompressed: the index width, when the index fits and the section allows it.
  EXPECT_EQ(weight_bits(kUncompressedCode, 31, 5), 5);
  EXPECT_EQ(weight_bits(kUncompressedCode, 32, 5), kImpossible);
  EXPECT_EQ(weight_bits(kUncompressedCode, 0, 0), kImpossible);
  for (int code = 0; code < kWeightCodeCount; ++code) {
    EXPECT_EQ(weight_bits_row(77, 7)[static_cast<std::size_t>(code)], weight_bits(code, 77, 7));
  }
}

TEST(GrcSearch, ZeroRunCostIsUnaryQuotientPlusRemainder) {
  EXPECT_EQ(zero_run_bits(0, 0), 1);
  EXPECT_EQ(zero_run_bits(3, 20), 2 + 1 + 3);
  EXPECT_EQ(zero_run_bits(1, 5), 2 + 1 + 1);
}

TEST(GrcSearch, OneSliceForUniformData) {
  const std::vector<std::uint16_t> indices(1000, 3);
  const SliceCodePlan plan = choose_slice_codes(indices, {}, 0, 40);
  ASSERT_EQ(plan.slices.size(), 1u);
  EXPECT_EQ(plan.slices[0].begin, 0u);
  EXPECT_EQ(plan.slices[0].end, 1000u);
  // Index 3 costs 3 bits at best: divisor 2 (quotient 0: 1 unary + 2 remainder bits) or
  // truncated divisor 1 (quotient 1: 2 + 1).
  EXPECT_EQ(plan.estimated_bits, 3000);
}

TEST(GrcSearch, StartsNewSliceWhereStatisticsChange) {
  std::vector<std::uint16_t> indices(2000, 0);
  for (std::size_t i = 1000; i < 2000; ++i) {
    indices[i] = 200;
  }
  const SliceCodePlan plan = choose_slice_codes(indices, {}, 0, 40);
  ASSERT_EQ(plan.slices.size(), 2u);
  EXPECT_EQ(plan.slices[0].end, 1000u);
  EXPECT_EQ(plan.slices[1].begin, 1000u);
  EXPECT_EQ(plan.slices[1].end, 2000u);
  // 1 bit per 0 (divisor 0); 200 = 6 << 5 | 8 costs 6 + 1 + 5 = 12 bits with divisor 5, the
  // cheapest code for it (uncompressed is not allowed here); plus one switch.
  EXPECT_EQ(plan.estimated_bits, 1000 + 1000 * 12 + 40);
}

TEST(GrcSearch, ChoosesZeroRunCodePerSlice) {
  // Runs of 0 between weights, then runs of 40.
  std::vector<std::uint16_t> indices(600, 0);
  std::vector<std::uint32_t> runs(601, 0);
  for (std::size_t k = 301; k < runs.size(); ++k) {
    runs[k] = 40;
  }
  const SliceCodePlan plan = choose_slice_codes(indices, runs, 0, 40);
  ASSERT_EQ(plan.slices.size(), 2u);
  EXPECT_EQ(plan.slices[0].zero_run_code, 0);
  EXPECT_EQ(plan.slices[1].zero_run_code, 3);
  EXPECT_EQ(plan.slices[1].begin, 300u);  // weight 300 is followed by run 301
}

}  // namespace
}  // namespace euc::weights::grc
