// SQUARED_DIFFERENCE's lowering on the corpus model (input scales 0.03 and 0.04, output 0.3212):
// the operation chain and its fixed-point constants, derived by hand from TFLite's kernel.
#include "frontend/lowering/squared_difference.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "frontend/lowering/lowering.hpp"
#include "refmath/quant_math.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::frontend {
namespace {

int32_t constant_value(const ir::NpuGraph& g, const ir::TensorSlice& s) {
  const ir::NpuTensor& t = g.tensors.at(static_cast<size_t>(s.tensor));
  EXPECT_EQ(t.type, ir::DataType::kInt32);
  if (!t.data || t.data->size() != 4)
    return 0;
  int32_t v = 0;
  std::memcpy(&v, t.data->data(), 4);
  return v;
}

TEST(SquaredDifferenceLowering, CorpusModelIsFiveOperations) {
  EUC_REQUIRE_SHARED();
  const ir::Model m =
      tfl::read_model_file(test::shared_dir() / "models/ops/squared_difference_int8.tflite");
  ASSERT_EQ(squared_difference_why_not(m, 0, 0), std::nullopt);
  const LoweredSubgraph l = lower_subgraph(m, 0, {true});
  ASSERT_EQ(l.segments.size(), 1u);
  ASSERT_TRUE(l.segments[0].on_npu);
  const ir::NpuGraph& g = l.segments[0].graph;
  ASSERT_EQ(g.ops.size(), 5u);
  using T = ir::NpuOpType;
  // Input 1: 0.03 / (2 * 0.04) = 0.375 = 0.75 * 2^-1, TFLite's multiplier 0.75 * 2^31 with
  // exponent -1: (x - z) * 2^7, then times m shifted right by 31 + 1.
  EXPECT_EQ(g.ops[0].type, T::kMul);
  EXPECT_EQ(constant_value(g, g.ops[0].ifm2), 128);
  EXPECT_EQ(g.ops[0].explicit_scale, (std::pair<uint32_t, int>{1, 0}));
  EXPECT_EQ(g.ops[1].type, T::kMul);
  EXPECT_NEAR(constant_value(g, g.ops[1].ifm2), 0.75 * 2147483648.0, 256.0);
  EXPECT_EQ(g.ops[1].explicit_scale, (std::pair<uint32_t, int>{1, 32}));
  EXPECT_EQ(g.ops[1].rounding, ir::RoundingMode::kTfl);
  // Input 2, the larger scale: exactly one half, 2^30 with exponent 0: one MUL, the rounding at
  // bit 31 of (x - z) * 2^7 * m being at bit 24 of (x - z) * m.
  EXPECT_EQ(g.ops[2].type, T::kMul);
  EXPECT_EQ(constant_value(g, g.ops[2].ifm2), 1 << 30);
  EXPECT_EQ(g.ops[2].explicit_scale, (std::pair<uint32_t, int>{1, 24}));
  EXPECT_EQ(g.ops[3].type, T::kSub);
  EXPECT_EQ(g.tensors[g.ops[3].ofm.tensor].type, ir::DataType::kInt16);
  // (2 * 0.04)^2 / (2^14 * 0.32118627) = 1.2162e-6 = 0.6376 * 2^-19: right shift 31 + 19.
  EXPECT_EQ(g.ops[4].type, T::kMul);
  EXPECT_EQ(g.ops[4].ifm.tensor, g.ops[4].ifm2.tensor);
  ASSERT_TRUE(g.ops[4].explicit_scale.has_value());
  EXPECT_EQ(g.ops[4].explicit_scale->second, 50);
  EXPECT_NEAR(g.ops[4].explicit_scale->first / 2147483648.0, 0.6376, 1e-3);
  EXPECT_EQ(g.ops[4].rounding, ir::RoundingMode::kTfl);
}

TEST(SquaredDifferenceLowering, Int16StaysOnTheCpuWithAReason) {
  EUC_REQUIRE_SHARED();
  ir::Model m =
      tfl::read_model_file(test::shared_dir() / "models/ops/squared_difference_int8.tflite");
  for (ir::Tensor& t : m.subgraphs[0].tensors)
    t.type = ir::DataType::kInt16;
  const auto why = squared_difference_why_not(m, 0, 0);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("int8"), std::string::npos) << *why;
}

}  // namespace
}  // namespace euc::frontend
