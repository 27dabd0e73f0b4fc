// BATCH_MATMUL's lowering on the two corpus models ([1, 8, 16] x [1, 16, 8], int8) and
// FULLY_CONNECTED's per-channel weights: the operations and constants, derived by hand from
// TFLite's kernels.
#include "frontend/lowering/batch_matmul.hpp"

#include <gtest/gtest.h>

#include "frontend/lowering/lower_ops.hpp"
#include "frontend/lowering/lowering.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::frontend {
namespace {

using T = ir::NpuOpType;

ir::NpuGraph lowered(const ir::Model& m) {
  const LoweredSubgraph l = lower_subgraph(m, 0, {true});
  EXPECT_EQ(l.segments.size(), 1u);
  EXPECT_TRUE(!l.segments.empty() && l.segments[0].on_npu);
  return l.segments.empty() ? ir::NpuGraph{} : l.segments[0].graph;
}

TEST(BatchMatMulLowering, ConstantRightHandSideIsOneConvolution) {
  EUC_REQUIRE_SHARED();
  const ir::Model m = tfl::read_model_file(
      test::shared_dir() / "models/ops51/batch_matmul_const_rhs_8x16x8_int8.tflite");
  ASSERT_EQ(batch_matmul_why_not(m, 0, 0), std::nullopt);
  const ir::NpuGraph g = lowered(m);
  ASSERT_EQ(g.ops.size(), 1u);
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, T::kConv2D);
  EXPECT_EQ(op.ifm.shape, (ir::Shape4{1, 1, 8, 16}));
  EXPECT_EQ(op.ofm.shape, (ir::Shape4{1, 1, 8, 8}));
  EXPECT_EQ(op.bias, -1);
  EXPECT_FALSE(op.explicit_scale.has_value());
  // Weights: output channel j holds column j of the [16, 8] right-hand matrix.
  const ir::Subgraph& sg = m.subgraphs[0];
  const ir::Tensor& rhs = sg.tensors[static_cast<size_t>(sg.operators[0].inputs[1])];
  const auto data = m.tensor_data(rhs);
  const ir::NpuTensor& w = g.tensors[static_cast<size_t>(op.weights)];
  ASSERT_EQ(w.weight_shape, (std::vector<int32_t>{8, 1, 1, 16}));
  for (int j = 0; j < 8; ++j) {
    for (int k = 0; k < 16; ++k)
      EXPECT_EQ((*w.data)[static_cast<size_t>(j * 16 + k)], data[static_cast<size_t>(k * 8 + j)]);
  }
  EXPECT_EQ(w.channel_scales, (std::vector<double>{rhs.quantization->scale[0]}));
  EXPECT_EQ(w.channel_zero_points, (std::vector<int64_t>{rhs.quantization->zero_point[0]}));
}

TEST(BatchMatMulLowering, TwoInputsAreTransposeMulAndSumPerColumn) {
  EUC_REQUIRE_SHARED();
  const ir::Model m = tfl::read_model_file(
      test::shared_dir() / "models/ops51/batch_matmul_two_input_8x16x8_int8.tflite");
  ASSERT_EQ(batch_matmul_why_not(m, 0, 0), std::nullopt);
  const ir::NpuGraph g = lowered(m);
  // The [16, 8] right-hand side transposed by 8 column copies, then per column a MUL and a sum.
  ASSERT_EQ(g.ops.size(), 24u);
  for (int i = 0; i < 8; ++i) {
    const ir::NpuOp& copy = g.ops[static_cast<size_t>(i)];
    EXPECT_EQ(copy.type, T::kMaxPool);
    EXPECT_TRUE(copy.byte_copy);
    EXPECT_EQ(copy.ifm.offset, (ir::Shape4{0, 0, 0, i}));
    EXPECT_EQ(copy.ifm.shape, (ir::Shape4{1, 1, 16, 1}));
    EXPECT_EQ(copy.ofm.offset, (ir::Shape4{0, i, 0, 0}));
  }
  // 0.05 * 0.03 / 1.0296018 = 0.745919 * 2^-9: TFLite's multiplier round(0.745919 * 2^31) with
  // exponent -9, a right shift of 31 + 9.
  for (int j = 0; j < 8; ++j) {
    const ir::NpuOp& mul = g.ops[static_cast<size_t>(8 + 2 * j)];
    const ir::NpuOp& sum = g.ops[static_cast<size_t>(9 + 2 * j)];
    EXPECT_EQ(mul.type, T::kMul);
    EXPECT_EQ(mul.ifm.shape, (ir::Shape4{1, 1, 8, 16}));
    EXPECT_EQ(mul.ifm2.shape, (ir::Shape4{1, 1, 1, 16}));
    EXPECT_EQ(mul.ifm2.offset, (ir::Shape4{0, 0, j, 0}));
    EXPECT_EQ(g.tensors[static_cast<size_t>(mul.ofm.tensor)].type, ir::DataType::kInt32);
    EXPECT_EQ(mul.explicit_scale, (std::pair<uint32_t, int>{1, 0}));
    EXPECT_EQ(sum.type, T::kReduceSum);
    EXPECT_EQ(sum.ifm.tensor, mul.ofm.tensor);
    EXPECT_EQ(sum.ofm.offset, (ir::Shape4{0, 0, 0, j}));
    EXPECT_EQ(sum.ofm.shape, (ir::Shape4{1, 1, 8, 1}));
    ASSERT_TRUE(sum.explicit_scale.has_value());
    EXPECT_EQ(sum.explicit_scale->second, 40);
    EXPECT_NEAR(sum.explicit_scale->first, 0.7459194 * 2147483648.0, 300.0);
  }
}

TEST(FullyConnectedLowering, PerChannelWeightsKeepOneScalePerOutputChannel) {
  EUC_REQUIRE_SHARED();
  const ir::Model m =
      tfl::read_model_file(test::shared_dir() / "models/ops/fc_in256_out32_int8.tflite");
  ASSERT_EQ(convolution_why_not(m, 0, 0), std::nullopt);
  const ir::NpuGraph g = lowered(m);
  ASSERT_EQ(g.ops.size(), 1u);
  EXPECT_EQ(g.ops[0].type, T::kFullyConnected);
  const ir::Subgraph& sg = m.subgraphs[0];
  const ir::Tensor& w = sg.tensors[static_cast<size_t>(sg.operators[0].inputs[1])];
  ASSERT_EQ(w.quantization->scale.size(), 32u);
  const ir::NpuTensor& lw = g.tensors[static_cast<size_t>(g.ops[0].weights)];
  ASSERT_EQ(lw.channel_scales.size(), 32u);
  for (size_t c = 0; c < 32; ++c)
    EXPECT_EQ(lw.channel_scales[c], w.quantization->scale[c]);
}

TEST(FullyConnectedLowering, PerAxisFeatureMapsStayOnTheCpu) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/ops/fc_in256_out32_int8.tflite");
  ir::Subgraph& sg = m.subgraphs[0];
  ir::Tensor& out = sg.tensors[static_cast<size_t>(sg.operators[0].outputs[0])];
  const int channels = out.shape.back();
  out.quantization->scale.assign(static_cast<size_t>(channels), out.quantization->scale[0]);
  out.quantization->zero_point.assign(static_cast<size_t>(channels), 0);
  out.quantization->quantized_dimension = static_cast<int32_t>(out.shape.size() - 1);
  const auto why = convolution_why_not(m, 0, 0);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("quantised per axis"), std::string::npos) << *why;
}

}  // namespace
}  // namespace euc::frontend
