// The resampling lowerings on the corpus models: the operations, upscaling modes, kernels and
// paddings derived by hand from TFLite Micro's reference kernels (resampling.cpp's header).
#include "frontend/lowering/resampling.hpp"

#include <gtest/gtest.h>

#include "frontend/lowering/lowering.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::frontend {
namespace {

using T = ir::NpuOpType;

ir::Model corpus(const char* path) {
  return tfl::read_model_file(test::shared_dir() / "models" / path);
}

ir::NpuGraph single_segment(const ir::Model& m) {
  LoweredSubgraph l = lower_subgraph(m, 0, {true});
  EXPECT_EQ(l.segments.size(), 1u);
  EXPECT_TRUE(!l.segments.empty() && l.segments[0].on_npu);
  return l.segments.empty() ? ir::NpuGraph{} : std::move(l.segments[0].graph);
}

TEST(ResamplingLowering, NearestByTwoIsOneUpscalingByteCopy) {
  EUC_REQUIRE_SHARED();
  const ir::Model m = corpus("ops/resize_nearest_2x_int8.tflite");
  ASSERT_EQ(resize_nearest_why_not(m, 0, 0), std::nullopt);
  const ir::NpuGraph g = single_segment(m);
  ASSERT_EQ(g.ops.size(), 1u);
  EXPECT_EQ(g.ops[0].type, T::kMaxPool);
  EXPECT_TRUE(g.ops[0].byte_copy);
  EXPECT_EQ(g.ops[0].upscale, ir::Upscale::kNearest);
  EXPECT_EQ(g.ops[0].kernel, ir::Kernel{});
  EXPECT_EQ(g.ops[0].ofm.shape.h, 2 * g.ops[0].ifm.shape.h);
}

TEST(ResamplingLowering, NearestHalfPixelAndAlignCornersByTwoAreFloorPositions) {
  EUC_REQUIRE_SHARED();
  // half_pixel_centers: floor((o + 0.5) / 2) = floor(o / 2).
  EXPECT_EQ(resize_nearest_why_not(corpus("ops51/resize_nearest_2x_hpc_int8.tflite"), 0, 0),
            std::nullopt);
  // align_corners from 8 to 16: round(o * 7 / 15) = floor(o / 2) at every o; Vela 5.1's resize
  // rule still keeps this one on the CPU (OFM - 1 is not a multiple of IFM - 1).
  EXPECT_EQ(resize_nearest_why_not(corpus("ops51/resize_nearest_2x_ac_int8.tflite"), 0, 0),
            std::nullopt);
}

TEST(ResamplingLowering, BilinearByTwoIsATwoByTwoAverageOfTheNearestUpscale) {
  EUC_REQUIRE_SHARED();
  const ir::Model m = corpus("ops/resize_bilinear_2x_int8.tflite");
  ASSERT_EQ(resize_bilinear_why_not(m, 0, 0), std::nullopt);
  const ir::NpuGraph g = single_segment(m);
  ASSERT_EQ(g.ops.size(), 1u);
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, T::kAvgPool);
  EXPECT_FALSE(op.byte_copy);
  EXPECT_EQ(op.upscale, ir::Upscale::kNearest);
  EXPECT_EQ(op.kernel.height, 2);
  EXPECT_EQ(op.kernel.width, 2);
  EXPECT_EQ(op.kernel.stride_x, 1);
  // The last output row and column average one upscaled row or column with the padding.
  EXPECT_EQ(op.padding, (ir::Padding{0, 0, 1, 1}));
}

TEST(ResamplingLowering, BilinearHalfPixelByTwoConvolvesTheEdgeRepeatedInput) {
  EUC_REQUIRE_SHARED();
  const ir::Model m = corpus("ops/resize_bilinear_2x_hpc_int8.tflite");
  ASSERT_EQ(resize_bilinear_why_not(m, 0, 0), std::nullopt);
  const ir::NpuGraph g = single_segment(m);
  // Nine byte copies (the input, four edges, four corners) into the (H + 2) x (W + 2) map, then
  // the 4x4 depthwise convolution of its NEAREST upscale.
  ASSERT_EQ(g.ops.size(), 10u);
  const ir::NpuOp& first = g.ops[0];
  const ir::Shape4 in = first.ifm.shape;
  const ir::Shape4 edges = g.tensors.at(static_cast<size_t>(first.ofm.tensor)).shape;
  EXPECT_EQ(edges.h, in.h + 2);
  EXPECT_EQ(edges.w, in.w + 2);
  for (size_t k = 0; k < 9; ++k) {
    EXPECT_TRUE(g.ops[k].byte_copy);
    EXPECT_EQ(g.ops[k].ofm.tensor, first.ofm.tensor);
  }
  const ir::NpuOp& conv = g.ops[9];
  EXPECT_EQ(conv.type, T::kDepthwiseConv2D);
  EXPECT_EQ(conv.upscale, ir::Upscale::kNearest);
  EXPECT_EQ(conv.ifm.tensor, first.ofm.tensor);
  EXPECT_EQ(conv.kernel.height, 4);
  EXPECT_EQ(conv.padding, ir::Padding{});
  EXPECT_TRUE(conv.byte_copy);
  EXPECT_EQ(conv.explicit_scale, (std::pair<uint32_t, int>{uint32_t{1} << 31, 35}));
  // The kernel a a^T, a = (0, 1, 2, 1): 16 in all.
  const auto& w = *g.tensors.at(static_cast<size_t>(conv.weights)).data;
  const int c = in.c;
  const int a[4] = {0, 1, 2, 1};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      EXPECT_EQ(static_cast<int8_t>(w[(static_cast<size_t>(y) * 4 + x) * c]), a[y] * a[x]);
}

// Returns the weights of `op` as stored (OHWI bytes).
const std::vector<uint8_t>& weights_of(const ir::NpuGraph& g, const ir::NpuOp& op) {
  return *g.tensors.at(static_cast<size_t>(op.weights)).data;
}

TEST(ResamplingLowering, TransposeConvIsAFlippedConvolutionOfTheZeroInsertedIfm) {
  EUC_REQUIRE_SHARED();
  // k3s2 SAME: the reference pads (3 - 2) / 2 = 0 before, so the stride-1 convolution pads
  // 3 - 1 - 0 = 2 before; it reads (OFM - 1) + 3 - 2 = 2 IFM + 0 rows after: no trailing padding.
  const ir::Model m = corpus("ops/transpose_conv_k3s2_same_int8.tflite");
  ASSERT_EQ(transpose_conv_why_not(m, 0, 0), std::nullopt);
  const ir::NpuGraph g = single_segment(m);
  ASSERT_EQ(g.ops.size(), 1u);
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, T::kConv2D);
  EXPECT_EQ(op.upscale, ir::Upscale::kTranspose);
  EXPECT_EQ(op.kernel.height, 3);
  EXPECT_EQ(op.kernel.stride_y, 1);
  EXPECT_EQ(op.padding, (ir::Padding{2, 2, 0, 0}));
  EXPECT_EQ(op.ofm.shape.h, 2 * op.ifm.shape.h);
  // Weight (o, y, x, i) is the original's (o, 2 - y, 2 - x, i).
  const ir::Operator& tc = m.subgraphs[0].operators[0];
  const ir::Tensor& w = m.subgraphs[0].tensors.at(static_cast<size_t>(tc.inputs[1]));
  const auto original = m.tensor_data(w);
  const std::vector<uint8_t>& flipped = weights_of(g, op);
  ASSERT_EQ(flipped.size(), original.size());
  const int o = w.shape[0], i = w.shape[3];
  for (int a = 0; a < o; ++a)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 3; ++x)
        for (int c = 0; c < i; ++c)
          ASSERT_EQ(flipped[((static_cast<size_t>(a) * 3 + y) * 3 + x) * i + c],
                    original[((static_cast<size_t>(a) * 3 + (2 - y)) * 3 + (2 - x)) * i + c]);
}

TEST(ResamplingLowering, TransposeConvValidPadsTheKernelMinusOneBefore) {
  EUC_REQUIRE_SHARED();
  // k2s2 VALID: OFM = 2 IFM; padding 1 before, and the last row of the window is the zero
  // after the last input row: nothing after.
  const ir::Model m = corpus("ops/transpose_conv_k2s2_valid_int8.tflite");
  const ir::NpuGraph g = single_segment(m);
  ASSERT_EQ(g.ops.size(), 1u);
  EXPECT_EQ(g.ops[0].upscale, ir::Upscale::kTranspose);
  EXPECT_EQ(g.ops[0].padding, (ir::Padding{1, 1, 0, 0}));
}

}  // namespace
}  // namespace euc::frontend
