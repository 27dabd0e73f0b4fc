// SOFTMAX's lowering: its tables against the reference interpreter's arithmetic (an independent
// implementation of TFLite Micro's kernel, checked on goldens), and the shape of the lowered
// operation chain.
#include "frontend/lowering/softmax.hpp"

#include <gtest/gtest.h>

#include <random>

#include "core/error.hpp"
#include "frontend/lowering/lowering.hpp"
#include "refinterp/interpreter.hpp"
#include "refinterp/lut.hpp"
#include "refmath/fixed_point.hpp"
#include "refmath/quant_math.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::frontend {
namespace {

// The reference's exponential of an int8 difference d (refinterp/softmax.cpp's exp_of), 0 for
// differences it leaves out.
int32_t reference_exp(int32_t d, double beta, float scale) {
  const double real = std::min(beta * static_cast<double>(scale) * static_cast<double>(1 << 26),
                               static_cast<double>((int64_t{1} << 31) - 1));
  const auto m = refmath::quantize_multiplier(real);
  const int32_t diff_min = -refmath::input_radius(5, m.shift, 31);
  if (d < diff_min)
    return 0;
  const int32_t scaled =
      refmath::multiply_by_quantized_multiplier_greater_than_one(d, m.significand, m.shift);
  return refmath::fixed::exp_on_negative_values<int32_t>(scaled, 5);
}

TEST(SoftmaxTables, Int8ExpTableIsTheReferenceExponentialOfEachDifference) {
  std::mt19937 rng(15);
  std::uniform_real_distribution<float> log_scale(-9.0f, 1.0f);
  std::uniform_real_distribution<float> log_beta(-2.0f, 1.5f);
  std::vector<std::pair<double, float>> cases = {{1.0, 1.0f / 256}, {1.0, 0.1f}, {1.0, 1.0f}};
  for (int i = 0; i < 40; ++i)
    cases.emplace_back(std::pow(10.0, log_beta(rng)), std::pow(2.0f, log_scale(rng)));
  for (auto [beta, scale] : cases) {
    const std::vector<int32_t> table = softmax_exp_table_int8(beta, scale);
    ASSERT_EQ(table.size(), 256u) << beta << " " << scale;
    for (int i = 0; i < 256; ++i) {
      ASSERT_EQ(table[static_cast<size_t>(i)], reference_exp(i - 255, beta, scale))
          << "beta " << beta << " scale " << scale << " entry " << i;
    }
    EXPECT_EQ(table[255], INT32_MAX);  // exp(0) = 1
  }
}

// Interpolating the NPU's words at every int16 input gives the reference's lookup.
void expect_same_lookup(const std::vector<int32_t>& words, const std::vector<int16_t>& reference) {
  ASSERT_EQ(words.size(), 512u);
  for (int v = -32768; v <= 32767; ++v) {
    const auto i = static_cast<uint32_t>(v + 32768);
    const auto word = static_cast<uint32_t>(words[i >> 7]);
    const auto base = static_cast<int16_t>(word & 0xFFFF);
    const auto slope = static_cast<int16_t>(word >> 16);
    const int32_t npu = base + ((slope * static_cast<int32_t>(i & 127) + 64) >> 7);
    ASSERT_EQ(npu, refinterp::lut_lookup_int16(static_cast<int16_t>(v), reference)) << v;
  }
}

TEST(SoftmaxTables, Int16TablesInterpolateAsTheReference) {
  const float range = 65535;
  expect_same_lookup(softmax_exp_table_int16(),
                     refinterp::make_lut_int16(10.0f / range, 32767, 2.0f / range, 0,
                                               [](float v) { return std::exp(v); }));
  expect_same_lookup(softmax_reciprocal_table_int16(),
                     refinterp::make_lut_int16(1.0f / range, -32768, 2.0f / range, 0,
                                               [](float v) { return 1.0f / (1.0f + v); }));
}

LoweredSubgraph lower_all(const ir::Model& m) {
  std::vector<bool> all(m.subgraphs[0].operators.size(), true);
  return lower_subgraph(m, 0, all);
}

TEST(SoftmaxLowering, Int8IsAChainOf28OperationsWithOneExpTable) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/ops/softmax_7x7x16_int8.tflite");
  LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);
  ASSERT_TRUE(l.segments[0].on_npu);
  const ir::NpuGraph& g = l.segments[0].graph;
  ASSERT_EQ(g.ops.size(), 28u);
  using T = ir::NpuOpType;
  EXPECT_EQ(g.ops[0].type, T::kMaxPool);
  EXPECT_EQ(g.ops[0].kernel.width, 16);
  EXPECT_EQ(g.ops[0].ifm.shape, (ir::Shape4{1, 49, 16, 1}));
  EXPECT_EQ(g.ops[1].type, T::kSub);
  EXPECT_EQ(g.ops[1].activation.kind, ir::Activation::Kind::kLut);
  EXPECT_EQ(g.tensors[g.ops[1].ofm.tensor].quant.zero_point, 127);
  EXPECT_EQ(g.ops[3].type, T::kReduceSum);
  EXPECT_EQ(g.ops[4].type, T::kClz);
  EXPECT_EQ(g.ops.back().type, T::kShr);
  EXPECT_EQ(g.ops.back().rounding, ir::RoundingMode::kNatural);
  ASSERT_EQ(g.luts.size(), 1u);
  EXPECT_EQ(g.luts[0].type, ir::DataType::kInt32);
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.tensors[g.outputs[0]].network_tensor, m.subgraphs[0].outputs[0]);
}

TEST(SoftmaxLowering, Int16IsAChainOf10OperationsWithTwoInterpolatedTables) {
  EUC_REQUIRE_SHARED();
  ir::Model m =
      tfl::read_model_file(test::shared_dir() / "models/ops51/softmax_8x8x16_int16.tflite");
  LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);
  ASSERT_TRUE(l.segments[0].on_npu);
  const ir::NpuGraph& g = l.segments[0].graph;
  EXPECT_EQ(g.ops.size(), 10u);
  ASSERT_EQ(g.luts.size(), 2u);
  EXPECT_EQ(g.luts[0].type, ir::DataType::kInt16);
  EXPECT_EQ(g.luts[0].values.size(), 512u);
}

// TFLite Micro fixes SOFTMAX's output quantisation and refuses a model with any other (its
// kernels ignore the output scale): int8 exactly 1/256, int16 1/65536 (int8 input) or 1/32768
// (int16 input) within 0.1%. The reference interpreter refuses such a model and the lowering
// keeps it on the CPU (where TFLite Micro refuses it as it would the original); at the scales
// TFLite Micro accepts, both run.
TEST(SoftmaxLowering, OutputScalesTfliteMicroRefusesStayOnTheCpu) {
  EUC_REQUIRE_SHARED();
  struct Case {
    const char* model;
    float scale;
    bool accepted;
  };
  const Case cases[] = {
      {"models/ops/softmax_7x7x16_int8.tflite", 1.0f / 256, true},
      {"models/ops/softmax_7x7x16_int8.tflite", 1.0f / 256 * 1.0001f, false},
      {"models/ops/softmax_7x7x16_int8.tflite", 1.0f / 128, false},
      {"models/ops51/softmax_8x8x16_int8_to_int16.tflite", 1.0f / 65536, true},
      {"models/ops51/softmax_8x8x16_int8_to_int16.tflite", 1.0f / 65536 * 1.0005f, true},
      {"models/ops51/softmax_8x8x16_int8_to_int16.tflite", 1.0f / 65536 * 1.002f, false},
      {"models/ops51/softmax_8x8x16_int16.tflite", 1.0f / 32768, true},
      {"models/ops51/softmax_8x8x16_int16.tflite", 1.0f / 32768 * 0.9995f, true},
      {"models/ops51/softmax_8x8x16_int16.tflite", 1.0f / 32768 * 0.998f, false},
      {"models/ops51/softmax_8x8x16_int16.tflite", 1.0f / 16384, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.model << " output scale " << c.scale);
    ir::Model m = tfl::read_model_file(test::shared_dir() / c.model);
    ir::Subgraph& sg = m.subgraphs[0];
    ASSERT_EQ(sg.operators.size(), 1u);
    ir::Tensor& out = sg.tensors[static_cast<size_t>(sg.operators[0].outputs[0])];
    ASSERT_TRUE(out.quantization.has_value());
    out.quantization->scale = {c.scale};
    const auto why = softmax_why_not(m, 0, 0);
    EXPECT_EQ(!why.has_value(), c.accepted) << why.value_or("");
    if (why) {
      EXPECT_NE(why->find("TFLite Micro's requirement"), std::string::npos) << *why;
    }
    if (c.accepted)
      EXPECT_NO_THROW(refinterp::Interpreter{m});
    else
      EXPECT_THROW(refinterp::Interpreter{m}, Error);
  }
}

}  // namespace
}  // namespace euc::frontend
