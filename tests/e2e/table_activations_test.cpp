// Activation functions on the NPU: every table matches the reference interpreter on every input
// value (inputs of 1,024 random bytes, three runs, cover all 256 values of an int8 tensor), on
// cores with and without dedicated LUT banks; tables are shared; SiLU networks stay on the NPU.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "frontend/lowering/lowering.hpp"
#include "small_network.hpp"

namespace euc::test {
namespace {

using ir::BuiltinOp;

struct UnaryCase {
  BuiltinOp type;
  float in_scale;
  int64_t in_zero_point;
  float out_scale;
  int64_t out_zero_point;
  float alpha = 0.0f;  // LEAKY_RELU
  ir::DataType data_type = ir::DataType::kInt8;
};

std::string name_of(const UnaryCase& c) {
  return std::string(ir::builtin_op_name(c.type)) + " in " + std::to_string(c.in_scale) + "/" +
         std::to_string(c.in_zero_point) + " out " + std::to_string(c.out_scale) + "/" +
         std::to_string(c.out_zero_point);
}

ir::Model unary_model(const UnaryCase& c) {
  Net n;
  const int x = n.tensor("x", {1, 16, 16, 4}, c.in_scale, c.in_zero_point, c.data_type);
  const int y = n.tensor("y", {1, 16, 16, 4}, c.out_scale, c.out_zero_point, c.data_type);
  if (c.type == BuiltinOp::LEAKY_RELU) {
    tflite::LeakyReluOptionsT o;
    o.alpha = c.alpha;
    n.op<tflite::LeakyReluOptions>(c.type, {x}, {y}, o);
  } else {
    n.op<tflite::LeakyReluOptions>(c.type, {x}, {y}, {});
  }
  n.io({x}, {y});
  return n.model();
}

TEST(TableActivations, MatchTheReferenceOnEveryInputValue) {
  const std::vector<UnaryCase> cases = {
      {BuiltinOp::LOGISTIC, 0.1f, 3, 1.0f / 256, -128},
      {BuiltinOp::LOGISTIC, 0.0123f, -100, 1.0f / 256, -128},
      {BuiltinOp::TANH, 0.05f, -7, 1.0f / 128, 0},
      {BuiltinOp::TANH, 0.2f, 20, 1.0f / 128, 0},
      {BuiltinOp::HARD_SWISH, 0.04f, 5, 0.03f, -60},
      {BuiltinOp::HARD_SWISH, 0.1f, -128, 0.05f, -1},
      {BuiltinOp::LEAKY_RELU, 0.05f, 10, 0.04f, -20, 0.1f},
      {BuiltinOp::LEAKY_RELU, 0.05f, -3, 0.07f, 4, -0.5f},
      {BuiltinOp::LEAKY_RELU, 0.02f, 0, 0.05f, 1, 1.7f},
      // Every stored input at or above the zero point: no negative square roots.
      {BuiltinOp::RSQRT, 0.03f, -128, 0.02f, -100},
  };
  for (const UnaryCase& c : cases) {
    SCOPED_TRACE(name_of(c));
    for (const char* accelerator : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"})
      expect_same_outputs(unary_model(c), accelerator);
  }
}

// int16 LOGISTIC and TANH use the NPU's built-in functions after TFLite's input rescale: a
// power-of-two input scale (no rounding) and others (a rounding shift) on random inputs.
TEST(BuiltinActivations, Int16LogisticAndTanhMatchTheReference) {
  constexpr float kOut = 1.0f / 32768;
  constexpr auto kI16 = ir::DataType::kInt16;
  const std::vector<UnaryCase> cases = {
      {BuiltinOp::LOGISTIC, 1.0f / 4096, 0, kOut, 0, 0, kI16},
      {BuiltinOp::LOGISTIC, 0.00031f, 0, kOut, 0, 0, kI16},
      {BuiltinOp::LOGISTIC, 0.02f, 0, kOut, 0, 0, kI16},
      {BuiltinOp::TANH, 1.0f / 2048, 0, kOut, 0, 0, kI16},
      {BuiltinOp::TANH, 1.0f / 4096, 0, kOut, 0, 0, kI16},
      {BuiltinOp::TANH, 0.00071f, 0, kOut, 0, 0, kI16},
  };
  for (const UnaryCase& c : cases) {
    SCOPED_TRACE(name_of(c));
    for (const char* accelerator : {"ethos-u55-64", "ethos-u65-256"})
      expect_same_outputs(unary_model(c), accelerator);
  }
}

// Parameters whose fixed-point multipliers leave TFLite's 32-bit shifts (fuzz_compile found an
// alpha of this size reaching an oversized shift) stay on the CPU with the reason.
TEST(TableActivations, MultipliersBeyondFixedPointStayOnTheCpu) {
  // (Compiled only: the reference kernel itself is undefined for it.)
  UnaryCase c{BuiltinOp::LEAKY_RELU, 0.05f, 0, 0.05f, 0, 1e30f};
  const arch::SystemConfig system =
      arch::resolve_system_config(arch::builtin_config_library(), arch::SystemConfigOptions{});
  const driver::CompileResult r = driver::compile_model(unary_model(c), system, {});
  ASSERT_EQ(r.report.cpu_operators.size(), 1u);
  ASSERT_FALSE(r.report.cpu_operators[0].reasons.empty());
  EXPECT_NE(r.report.cpu_operators[0].reasons.back().find("outside 2^-31..2^31"), std::string::npos)
      << r.report.cpu_operators[0].reasons.back();
}

TEST(TableActivations, IdenticalTablesAreStoredOnce) {
  Net n;
  const int x = n.tensor("x", {1, 8, 8, 8}, 0.1f, 0);
  const int a = n.tensor("a", {1, 8, 8, 8}, 1.0f / 256, -128);
  const int b = n.tensor("b", {1, 8, 8, 8}, 0.1f, 0);
  const int c = n.tensor("c", {1, 8, 8, 8}, 1.0f / 256, -128);
  const int d = n.tensor("d", {1, 8, 8, 8}, 1.0f / 128, 0);
  n.op<tflite::LeakyReluOptions>(BuiltinOp::LOGISTIC, {x}, {a}, {});
  tflite::LeakyReluOptionsT leaky;
  leaky.alpha = 0.5f;
  n.op<tflite::LeakyReluOptions>(BuiltinOp::LEAKY_RELU, {a}, {b}, leaky);
  n.op<tflite::LeakyReluOptions>(BuiltinOp::LOGISTIC, {b}, {c}, {});  // x's quantisation again
  n.op<tflite::LeakyReluOptions>(BuiltinOp::TANH, {c}, {d}, {});
  n.io({x}, {d});
  const ir::Model m = n.model();
  const frontend::LoweredSubgraph l = frontend::lower_subgraph(m, 0, std::vector<bool>(4, true));
  ASSERT_EQ(l.segments.size(), 1u);
  const ir::NpuGraph& g = l.segments[0].graph;
  ASSERT_EQ(g.ops.size(), 4u);
  EXPECT_EQ(g.luts.size(), 3u);  // LOGISTIC of x's quantisation twice, LEAKY_RELU, TANH
  EXPECT_EQ(g.ops[0].activation.lut, g.ops[2].activation.lut);
  EXPECT_NE(g.ops[0].activation.lut, g.ops[1].activation.lut);
  expect_same_outputs(m, "ethos-u55-64");
}

// YOLOv8's SiLU after every convolution, x * LOGISTIC(x): one ethos-u operator, no CPU operator.
TEST(TableActivations, SiluNetworkIsOneNpuOperator) {
  Net n;
  int x = n.tensor("input", {1, 12, 12, 8}, 0.05f, -3);
  const int input = x;
  std::vector<int8_t> weights(8 * 3 * 3 * 8);
  for (size_t i = 0; i < weights.size(); ++i)
    weights[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  for (int layer = 0; layer < 3; ++layer) {
    const std::string l = std::to_string(layer);
    const int w = n.constant("w" + l, {8, 3, 3, 8}, ir::DataType::kInt8, weights.data(),
                             weights.size(), 0.004f + 0.001f * static_cast<float>(layer), 0);
    const std::vector<int32_t> bias_values(8, 100 * layer);
    const int bias = n.int32_constant("b" + l, bias_values);
    const int conv = n.tensor("conv" + l, {1, 12, 12, 8}, 0.08f, 5);
    tflite::Conv2DOptionsT co;
    co.padding = tflite::Padding::SAME;
    co.stride_w = co.stride_h = 1;
    n.op<tflite::Conv2DOptions>(BuiltinOp::CONV_2D, {x, w, bias}, {conv}, co);
    const int sig = n.tensor("sig" + l, {1, 12, 12, 8}, 1.0f / 256, -128);
    n.op<tflite::LeakyReluOptions>(BuiltinOp::LOGISTIC, {conv}, {sig}, {});
    const int silu = n.tensor("silu" + l, {1, 12, 12, 8}, 0.06f, -2);
    n.op<tflite::MulOptions>(BuiltinOp::MUL, {conv, sig}, {silu}, {});
    x = silu;
  }
  n.io({input}, {x});
  for (const char* accelerator : {"ethos-u55-32", "ethos-u55-128", "ethos-u65-256"})
    expect_same_outputs(n.model(), accelerator);
}

// A table of an activation whose input only it reads folds into the producer's output stage
// (MobileNetV3's convolution + HARD_SWISH), the producer's fused clamp moving into the table;
// an input read twice (SiLU above) keeps the table in an operation of its own.
TEST(TableActivations, FoldIntoTheProducerOfAnInputOnlyTheyRead) {
  Net n;
  const int input = n.tensor("input", {1, 10, 10, 8}, 0.05f, -3);
  std::vector<int8_t> weights(8 * 3 * 3 * 8);
  for (size_t i = 0; i < weights.size(); ++i)
    weights[i] = static_cast<int8_t>(static_cast<int>(i * 53 % 251) - 125);
  int x = input;
  const BuiltinOp activations[] = {BuiltinOp::HARD_SWISH, BuiltinOp::LOGISTIC};
  const tflite::ActivationFunctionType fused[] = {tflite::ActivationFunctionType::NONE,
                                                  tflite::ActivationFunctionType::RELU6};
  for (int layer = 0; layer < 2; ++layer) {
    const std::string l = std::to_string(layer);
    const int w = n.constant("w" + l, {8, 3, 3, 8}, ir::DataType::kInt8, weights.data(),
                             weights.size(), 0.006f, 0);
    const int bias = n.int32_constant("b" + l, std::vector<int32_t>(8, -50 + 90 * layer));
    const int conv = n.tensor("conv" + l, {1, 10, 10, 8}, 0.07f, 9);
    tflite::Conv2DOptionsT co;
    co.padding = tflite::Padding::SAME;
    co.stride_w = co.stride_h = 1;
    co.fused_activation_function = fused[layer];
    n.op<tflite::Conv2DOptions>(BuiltinOp::CONV_2D, {x, w, bias}, {conv}, co);
    const bool logistic = activations[layer] == BuiltinOp::LOGISTIC;
    const int act =
        n.tensor("act" + l, {1, 10, 10, 8}, logistic ? 1.0f / 256 : 0.04f, logistic ? -128 : -20);
    n.op<tflite::LeakyReluOptions>(activations[layer], {conv}, {act}, {});
    x = act;
  }
  n.io({input}, {x});
  const ir::Model m = n.model();
  const frontend::LoweredSubgraph l = frontend::lower_subgraph(m, 0, std::vector<bool>(4, true));
  ASSERT_EQ(l.segments.size(), 1u);
  const ir::NpuGraph& g = l.segments[0].graph;
  ASSERT_EQ(g.ops.size(), 2u);
  for (const ir::NpuOp& op : g.ops) {
    EXPECT_EQ(op.type, ir::NpuOpType::kConv2D);
    EXPECT_EQ(op.activation.kind, ir::Activation::Kind::kLut);
    EXPECT_EQ(op.source_ops.size(), 2u);
  }
  for (const char* accelerator : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"})
    expect_same_outputs(m, accelerator);
}

}  // namespace
}  // namespace euc::test
