// SOFTMAX on the NPU against the reference interpreter on random inputs: random shapes (rows of
// 1 to 256 values, batches, ranks 1-4), input scales, zero points and betas, int8 -> int8 and
// int16 -> int16, on cores with and without dedicated LUT banks; and a SOFTMAX whose input is a
// piece of a split (read through a copy).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "frontend/lowering/lowering.hpp"
#include "small_network.hpp"

namespace euc::test {
namespace {

using ir::BuiltinOp;

struct SoftmaxCase {
  std::vector<int32_t> shape;
  float scale;
  int64_t zero_point;
  float beta;
  ir::DataType type;
};

std::string name_of(const SoftmaxCase& c) {
  std::string s = c.type == ir::DataType::kInt8 ? "int8 [" : "int16 [";
  for (int32_t d : c.shape)
    s += std::to_string(d) + " ";
  return s + "] scale " + std::to_string(c.scale) + " zp " + std::to_string(c.zero_point) +
         " beta " + std::to_string(c.beta);
}

ir::Model softmax_model(const SoftmaxCase& c) {
  Net n;
  const bool int8 = c.type == ir::DataType::kInt8;
  const int x = n.tensor("x", c.shape, c.scale, c.zero_point, c.type);
  const int y = n.tensor("y", c.shape, int8 ? 1.0f / 256 : 1.0f / 32768, int8 ? -128 : 0, c.type);
  tflite::SoftmaxOptionsT o;
  o.beta = c.beta;
  n.op<tflite::SoftmaxOptions>(BuiltinOp::SOFTMAX, {x}, {y}, o);
  n.io({x}, {y});
  return n.model();
}

TEST(Softmax, RandomShapesScalesAndBetasMatchTheReference) {
  std::mt19937 rng(1515);
  const std::vector<std::vector<int32_t>> shapes = {
      {10},           {1, 10},    {3, 37},  {1, 4, 4, 8}, {2, 3, 5, 7},
      {1, 1, 1, 256}, {5, 7, 16}, {1, 200}, {1, 1001},    {2, 4095}};
  std::uniform_real_distribution<float> log2_scale8(-8.0f, 1.0f);
  std::uniform_real_distribution<float> log2_scale16(-14.0f, -8.0f);
  std::uniform_real_distribution<float> beta(0.25f, 2.5f);
  std::uniform_int_distribution<int> zero_point(-128, 127);
  std::vector<SoftmaxCase> cases;
  for (const auto& shape : shapes) {
    cases.push_back({shape, std::exp2(log2_scale8(rng)), zero_point(rng),
                     cases.size() % 3 == 0 ? 1.0f : beta(rng), ir::DataType::kInt8});
    cases.push_back({shape, std::exp2(log2_scale16(rng)), 0,
                     cases.size() % 3 == 0 ? 1.0f : beta(rng), ir::DataType::kInt16});
  }
  for (const SoftmaxCase& c : cases) {
    SCOPED_TRACE(name_of(c));
    const ir::Model m = softmax_model(c);
    for (const char* accelerator : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"}) {
      // On the NPU: the compiled model is one ethos-u operator.
      const ir::Model compiled = expect_same_outputs(m, accelerator);
      ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u);
      EXPECT_EQ(compiled.subgraphs[0].operators[0].type, BuiltinOp::CUSTOM);
    }
  }
}

// The second half of a split's channels: a piece of another tensor, copied before the
// max pool can view it as rows.
TEST(Softmax, OfAPieceOfASplitMatchesTheReference) {
  Net n;
  const int x = n.tensor("x", {1, 4, 4, 16}, 0.07f, 9);
  const int32_t axis_value = 3;
  const int axis = n.int32_constant("axis", {axis_value});
  const int a = n.tensor("a", {1, 4, 4, 8}, 0.07f, 9);
  const int b = n.tensor("b", {1, 4, 4, 8}, 0.07f, 9);
  tflite::SplitOptionsT split;
  split.num_splits = 2;
  n.op<tflite::SplitOptions>(BuiltinOp::SPLIT, {axis, x}, {a, b}, split);
  const int y = n.tensor("y", {1, 4, 4, 8}, 1.0f / 256, -128);
  tflite::SoftmaxOptionsT o;
  o.beta = 1.0f;
  n.op<tflite::SoftmaxOptions>(BuiltinOp::SOFTMAX, {b}, {y}, o);
  n.io({x}, {a, y});
  const ir::Model m = n.model();
  const frontend::LoweredSubgraph l = frontend::lower_subgraph(m, 0, {true, true});
  ASSERT_EQ(l.segments.size(), 1u);
  EXPECT_TRUE(l.segments[0].on_npu);
  for (const char* accelerator : {"ethos-u55-64", "ethos-u65-256"}) {
    const ir::Model compiled = expect_same_outputs(m, accelerator);
    EXPECT_EQ(compiled.subgraphs[0].operators.size(), 1u);
  }
}

}  // namespace
}  // namespace euc::test
