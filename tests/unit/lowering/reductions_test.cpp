// The reductions' lowering on the Vela 5.1 corpus models (8x8x16 int8 maps): which NPU
// operations, over which views of the NHWC bytes, with which windows and scales (derived by hand
// from TFLite Micro's reference kernels).
#include "frontend/lowering/reductions.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "frontend/lowering/lowering.hpp"
#include "refmath/quant_math.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::frontend {
namespace {

using T = ir::NpuOpType;

struct Lowered {
  ir::Model model;
  LoweredSubgraph lowered;
  const ir::NpuGraph& graph() const { return lowered.segments.at(0).graph; }
};

Lowered lower_corpus(const std::string& stem) {
  Lowered l{tfl::read_model_file(test::shared_dir() / "models/ops51" / (stem + ".tflite")), {}};
  EXPECT_EQ(reduction_why_not(l.model, 0, 0), std::nullopt);
  l.lowered = lower_subgraph(l.model, 0, {true});
  EXPECT_EQ(l.lowered.segments.size(), 1u);
  EXPECT_TRUE(l.lowered.segments.at(0).on_npu);
  return l;
}

float scale_of(const ir::Model& m, int t) {
  return m.subgraphs[0].tensors.at(static_cast<size_t>(t)).quantization->scale[0];
}

// Storage: every view the operations use shares the bytes of the input or output tensor.
int root(const ir::NpuGraph& g, int t) {
  while (g.tensors.at(static_cast<size_t>(t)).alias_of >= 0)
    t = g.tensors[static_cast<size_t>(t)].alias_of;
  return t;
}

TEST(ReductionLowering, MaxOverDepthIsOneMaxPoolOverTheDepthViewedAsWidth) {
  EUC_REQUIRE_SHARED();
  const Lowered l = lower_corpus("reduce_max_c_8x8x16_int8");
  const ir::NpuGraph& g = l.graph();
  ASSERT_EQ(g.ops.size(), 1u);
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, T::kMaxPool);
  EXPECT_TRUE(op.byte_copy);  // raw values: TFLite copies the extreme value
  // 64 pixels of 16 channels: (1, 64, 16, 1) pooled over a 1 x 16 window into (1, 64, 1, 1).
  EXPECT_EQ(op.ifm.shape, (ir::Shape4{1, 64, 16, 1}));
  EXPECT_EQ(op.ofm.shape, (ir::Shape4{1, 64, 1, 1}));
  EXPECT_EQ(op.kernel.width, 16);
  EXPECT_EQ(op.kernel.height, 1);
  EXPECT_EQ(root(g, op.ifm.tensor), g.inputs.at(0));
  EXPECT_EQ(root(g, op.ofm.tensor), g.outputs.at(0));
}

TEST(ReductionLowering, MinOverHeightAndWidthComplementsMaxPoolsAndComplementsBack) {
  EUC_REQUIRE_SHARED();
  const Lowered l = lower_corpus("reduce_min_hw_8x8x16_int8");
  const ir::NpuGraph& g = l.graph();
  ASSERT_EQ(g.ops.size(), 3u);
  // -1 - x: the constant -1 (an int8 byte 0xFF) minus the input, zero points 0, unit scale.
  for (size_t i : {0u, 2u}) {
    const ir::NpuOp& c = g.ops[i];
    EXPECT_EQ(c.type, T::kSub) << i;
    EXPECT_TRUE(c.reversed_operands) << i;
    EXPECT_EQ(c.explicit_scale, (std::pair<uint32_t, int>{1, 0})) << i;
    const ir::NpuTensor& k = g.tensors.at(static_cast<size_t>(c.ifm2.tensor));
    ASSERT_TRUE(k.is_constant());
    EXPECT_EQ(k.type, ir::DataType::kInt8);
    EXPECT_EQ(*k.data, std::vector<uint8_t>{0xFF});
    EXPECT_EQ(g.tensors.at(static_cast<size_t>(c.ifm.tensor)).quant.zero_point, 0) << i;
    EXPECT_EQ(g.tensors.at(static_cast<size_t>(c.ofm.tensor)).quant.zero_point, 0) << i;
  }
  // The 64 pixels as the width of one row of 16 channels: a 1 x 64 window.
  const ir::NpuOp& pool = g.ops[1];
  EXPECT_EQ(pool.type, T::kMaxPool);
  EXPECT_EQ(pool.ifm.shape, (ir::Shape4{1, 1, 64, 16}));
  EXPECT_EQ(pool.ofm.shape, (ir::Shape4{1, 1, 1, 16}));
  EXPECT_EQ(pool.kernel.width, 64);
  EXPECT_EQ(root(g, g.ops[2].ofm.tensor), g.outputs.at(0));
}

TEST(ReductionLowering, SumOverDepthIsAnAllOnesDepthwiseConvolutionWithTflitesMultiplier) {
  EUC_REQUIRE_SHARED();
  const Lowered l = lower_corpus("sum_c_8x8x16_int8");
  const ir::NpuGraph& g = l.graph();
  ASSERT_EQ(g.ops.size(), 1u);
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, T::kDepthwiseConv2D);
  EXPECT_EQ(op.ifm.shape, (ir::Shape4{1, 64, 16, 1}));
  EXPECT_EQ(op.ofm.shape, (ir::Shape4{1, 64, 1, 1}));
  EXPECT_EQ(op.kernel.width, 16);
  const ir::NpuTensor& w = g.tensors.at(static_cast<size_t>(op.weights));
  ASSERT_EQ(w.data->size(), 16u);
  EXPECT_EQ(*w.data, std::vector<uint8_t>(16, 1));
  // SUM: QuantizeMultiplier(s_in / s_out) unchanged; the record's shift is 31 - TFLite's.
  const ir::Operator& src = l.model.subgraphs[0].operators[0];
  const refmath::QuantMultiplier m =
      refmath::quantize_multiplier(static_cast<double>(scale_of(l.model, src.inputs[0])) /
                                   static_cast<double>(scale_of(l.model, src.outputs[0])));
  ASSERT_TRUE(op.explicit_scale.has_value());
  EXPECT_EQ(op.explicit_scale->first, static_cast<uint32_t>(m.significand));
  EXPECT_EQ(op.explicit_scale->second, 31 - m.shift);
}

TEST(ReductionLowering, MeanOverWidthFoldsTheCountIntoTheMultiplier) {
  EUC_REQUIRE_SHARED();
  const Lowered l = lower_corpus("mean_w_8x8x16_int8");
  const ir::NpuGraph& g = l.graph();
  ASSERT_EQ(g.ops.size(), 1u);
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, T::kDepthwiseConv2D);
  // Height kept before the width, depth after: (1, 8, 8, 16) with a 1 x 8 kernel.
  EXPECT_EQ(op.ifm.shape, (ir::Shape4{1, 8, 8, 16}));
  EXPECT_EQ(op.ofm.shape, (ir::Shape4{1, 8, 1, 16}));
  EXPECT_EQ(op.kernel.width, 8);
  EXPECT_EQ(op.kernel.height, 1);
  // TFLite: significand << 3 / 8 (exact), exponent - 3: the ratio's significand, shift + 3.
  const ir::Operator& src = l.model.subgraphs[0].operators[0];
  const refmath::QuantMultiplier m =
      refmath::quantize_multiplier(static_cast<double>(scale_of(l.model, src.inputs[0])) /
                                   static_cast<double>(scale_of(l.model, src.outputs[0])));
  ASSERT_TRUE(op.explicit_scale.has_value());
  EXPECT_EQ(op.explicit_scale->first, static_cast<uint32_t>(m.significand));
  EXPECT_EQ(op.explicit_scale->second, 31 - m.shift + 3);
}

TEST(ReductionLowering, SumOverHeightAndWidthUsesAHeightByWidthKernel) {
  EUC_REQUIRE_SHARED();
  const Lowered l = lower_corpus("sum_hw_8x8x16_int8");
  const ir::NpuOp& op = l.graph().ops.at(0);
  EXPECT_EQ(op.type, T::kDepthwiseConv2D);
  EXPECT_EQ(op.ifm.shape, (ir::Shape4{1, 8, 8, 16}));
  EXPECT_EQ(op.ofm.shape, (ir::Shape4{1, 1, 1, 16}));
  EXPECT_EQ(op.kernel.height, 8);
  EXPECT_EQ(op.kernel.width, 8);
}

}  // namespace
}  // namespace euc::frontend

namespace euc::frontend {
namespace {

// ARG_MAX along the depth of the corpus model: the position codes 2^k - 1 - i beside the value
// (k the smallest with 2^k >= depth), max pools of keys and values, two subtractions.
TEST(ReductionLowering, ArgMaxKeysThePositionIntoTheLowBits) {
  EUC_REQUIRE_SHARED();
  const ir::Model m =
      tfl::read_model_file(test::shared_dir() / "models/ops/arg_max_axis3_int8.tflite");
  ASSERT_EQ(reduction_why_not(m, 0, 0), std::nullopt);
  const LoweredSubgraph l = lower_subgraph(m, 0, {true});
  ASSERT_EQ(l.segments.size(), 1u);
  const ir::NpuGraph& g = l.segments[0].graph;
  const std::vector<int32_t>& in_shape =
      m.subgraphs[0].tensors[m.subgraphs[0].operators[0].inputs[0]].shape;
  const int depth = in_shape.back();
  int bits = 0;
  while ((1 << bits) < depth)
    ++bits;
  ASSERT_EQ(g.ops.size(), 7u);
  const T kinds[] = {T::kMul, T::kAdd, T::kMaxPool, T::kMaxPool, T::kMul, T::kSub, T::kSub};
  for (size_t i = 0; i < 7; ++i)
    EXPECT_EQ(g.ops[i].type, kinds[i]) << i;
  // The codes: int16, one per position along the width of the (1, 1, depth, 1) constant.
  const ir::NpuTensor& codes = g.tensors.at(static_cast<size_t>(g.ops[1].ifm2.tensor));
  ASSERT_TRUE(codes.is_constant());
  EXPECT_EQ(codes.type, ir::DataType::kInt16);
  ASSERT_EQ(codes.data->size(), static_cast<size_t>(2 * depth));
  for (int i = 0; i < depth; ++i) {
    int16_t v = 0;
    std::memcpy(&v, codes.data->data() + 2 * i, 2);
    EXPECT_EQ(v, (1 << bits) - 1 - i) << i;
  }
  EXPECT_EQ(g.ops[2].kernel.width, depth);
  EXPECT_EQ(g.tensors.at(static_cast<size_t>(g.ops[2].ofm.tensor)).type, ir::DataType::kInt16);
  EXPECT_EQ(g.tensors.at(static_cast<size_t>(g.ops[6].ofm.tensor)).type, ir::DataType::kInt32);
  EXPECT_TRUE(g.ops[6].reversed_operands);  // (2^k - 1) minus the code
}

}  // namespace
}  // namespace euc::frontend
