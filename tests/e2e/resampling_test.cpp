// RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR and TRANSPOSE_CONV on the NPU against the reference
// interpreter (TFLite Micro's reference kernels) on random inputs: every factor the lowering
// takes, align_corners and half_pixel_centers, int8 and int16, transpose convolutions with SAME
// and VALID padding, odd sizes, with and without bias, per-channel weights and a fused RELU. The
// instances the lowering cannot match exactly must stay on the CPU with their reason.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "frontend/lowering/resampling.hpp"
#include "small_network.hpp"

namespace euc::test {
namespace {

using ir::BuiltinOp;

struct Resize {
  int h, w, oh, ow;
  bool align = false;
  bool half = false;
  ir::DataType type = ir::DataType::kInt8;
};

std::string describe(const Resize& r) {
  return fmt::format("{}x{} -> {}x{}{}{} {}", r.h, r.w, r.oh, r.ow, r.align ? " align_corners" : "",
                     r.half ? " half_pixel_centers" : "",
                     r.type == ir::DataType::kInt8 ? "int8" : "int16");
}

// One resize of a [1, h, w, 5] input; `out_zero_point` differs from the input's to ask for a
// requantisation (bilinear then stays on the CPU).
ir::Model resize_model(BuiltinOp type, const Resize& r, int64_t zero_point,
                       int64_t out_zero_point) {
  Net n;
  const int x = n.tensor("x", {1, r.h, r.w, 5}, 0.05f, zero_point, r.type);
  const int size = n.int32_constant("size", {r.oh, r.ow});
  const int y = n.tensor("y", {1, r.oh, r.ow, 5}, 0.05f, out_zero_point, r.type);
  if (type == BuiltinOp::RESIZE_BILINEAR) {
    tflite::ResizeBilinearOptionsT o;
    o.align_corners = r.align;
    o.half_pixel_centers = r.half;
    n.op<tflite::ResizeBilinearOptions>(type, {x, size}, {y}, o);
  } else {
    tflite::ResizeNearestNeighborOptionsT o;
    o.align_corners = r.align;
    o.half_pixel_centers = r.half;
    n.op<tflite::ResizeNearestNeighborOptions>(type, {x, size}, {y}, o);
  }
  n.io({x}, {y});
  return n.model();
}

void expect_on_npu(const ir::Model& m) {
  for (const char* accelerator : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"}) {
    const ir::Model compiled = expect_same_outputs(m, accelerator);
    ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u);
    EXPECT_EQ(compiled.subgraphs[0].operators[0].type, BuiltinOp::CUSTOM) << accelerator;
  }
}

// The model compiles with the operator left on the CPU and still matches the reference.
void expect_on_cpu(const ir::Model& m) {
  const driver::CompileResult r = compile_and_compare(m, "ethos-u55-128");
  for (const ir::Operator& op : r.model.subgraphs[0].operators)
    EXPECT_NE(op.type, BuiltinOp::CUSTOM);
}

const std::vector<Resize>& npu_resizes() {
  static const std::vector<Resize> cases = [] {
    std::vector<Resize> v;
    for (ir::DataType t : {ir::DataType::kInt8, ir::DataType::kInt16}) {
      v.push_back({4, 6, 4, 6, false, false, t});    // identity
      v.push_back({4, 6, 8, 12, false, false, t});   // x2
      v.push_back({3, 5, 6, 10, false, false, t});   // x2, odd sizes
      v.push_back({3, 5, 12, 20, false, false, t});  // x4
      v.push_back({2, 3, 16, 24, false, false, t});  // x8
      v.push_back({1, 1, 2, 2, false, false, t});    // 1x1 IFM
      v.push_back({1, 1, 8, 8, false, false, t});
      v.push_back({1, 1, 3, 5, false, false, t});
      v.push_back({1, 7, 2, 14, false, false, t});  // one row
    }
    return v;
  }();
  return cases;
}

TEST(ResizeNearest, UpscalesByTwoFourAndEightMatchTheReference) {
  std::mt19937 rng(16);
  std::uniform_int_distribution<int> zp(-128, 127);
  std::vector<Resize> cases = npu_resizes();
  // half_pixel_centers moves no position of an integer upscale.
  for (Resize r : npu_resizes()) {
    r.half = true;
    cases.push_back(r);
  }
  cases.push_back({4, 6, 4, 6, true, false});  // align_corners, identity
  for (const Resize& r : cases) {
    SCOPED_TRACE(describe(r));
    const int64_t z = zp(rng);
    // Nearest copies stored values: output quantisation is irrelevant to it.
    const ir::Model m = resize_model(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, r, z, z + 1);
    const auto why = frontend::resize_nearest_why_not(m, 0, 0);
    ASSERT_FALSE(why.has_value()) << *why;
    expect_on_npu(m);
  }
}

TEST(ResizeNearest, AlignCornersUpscalesCopyTheRoundedPositions) {
  // OFM - 1 = s (IFM - 1): the reference rounds o / s, taking the element s / 2 further along
  // the NEAREST upscale.
  const Resize cases[] = {{5, 4, 9, 7, true, false},
                          {3, 5, 9, 17, true, false},
                          {2, 3, 9, 17, true, false},
                          {1, 3, 1, 5, true, false},
                          {6, 2, 11, 3, true, false, ir::DataType::kInt16},
                          {3, 3, 17, 17, true, false, ir::DataType::kInt16}};
  for (const Resize& r : cases) {
    SCOPED_TRACE(describe(r));
    const ir::Model m = resize_model(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, r, 3, -20);
    const auto why = frontend::resize_nearest_why_not(m, 0, 0);
    ASSERT_FALSE(why.has_value()) << *why;
    expect_on_npu(m);
  }
}

TEST(ResizeNearest, PositionsNoUpscaleRepeatsStayOnTheCpu) {
  // 3 -> 4: floor(o * 3 / 4) is 0, 0, 1, 2: neither floor(o / s) nor floor((o + s / 2) / s).
  const Resize r{3, 3, 4, 4};
  const ir::Model m = resize_model(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, r, 3, 3);
  const auto why = frontend::resize_nearest_why_not(m, 0, 0);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("floor(o / s)"), std::string::npos) << *why;
  expect_on_cpu(m);
}

TEST(ResizeBilinear, UpscalesMatchTheReference) {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> zp(-128, 127);
  std::vector<Resize> cases = npu_resizes();
  for (ir::DataType t : {ir::DataType::kInt8, ir::DataType::kInt16}) {
    // align_corners: OFM - 1 = s (IFM - 1).
    cases.push_back({4, 6, 7, 11, true, false, t});
    cases.push_back({3, 5, 9, 17, true, false, t});
    cases.push_back({2, 3, 9, 17, true, false, t});
    cases.push_back({1, 3, 1, 5, true, false, t});
    // half_pixel_centers, twice the size: edge-repeated input and a 4x4 depthwise convolution.
    cases.push_back({4, 6, 8, 12, false, true, t});
    cases.push_back({3, 5, 6, 10, false, true, t});
    cases.push_back({1, 4, 2, 8, false, true, t});
    cases.push_back({2, 1, 4, 2, false, true, t});
    cases.push_back({9, 11, 18, 22, false, true, t});
    // A 1x1 IFM: every position reads its one element.
    cases.push_back({1, 1, 2, 2, false, true, t});
    cases.push_back({1, 1, 3, 5, false, false, t});
  }
  for (const Resize& r : cases) {
    SCOPED_TRACE(describe(r));
    const int64_t z = r.type == ir::DataType::kInt8 ? zp(rng) : 0;
    const ir::Model m = resize_model(BuiltinOp::RESIZE_BILINEAR, r, z, z);
    const auto why = frontend::resize_bilinear_why_not(m, 0, 0);
    ASSERT_FALSE(why.has_value()) << *why;
    expect_on_npu(m);
  }
}

TEST(ResizeBilinear, RequantisationStaysOnTheCpu) {
  const Resize plain{4, 6, 8, 12};
  const ir::Model requantised = resize_model(BuiltinOp::RESIZE_BILINEAR, plain, 5, 6);
  const auto why = frontend::resize_bilinear_why_not(requantised, 0, 0);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("quantisation differ"), std::string::npos) << *why;
  expect_on_cpu(requantised);
}

struct Tconv {
  int h, w, kh, kw, stride_h, stride_w;
  bool same;
  bool bias;
  int in_depth = 3, out_depth = 4;
  tflite::ActivationFunctionType act = tflite::ActivationFunctionType::NONE;
};

int tconv_out(int in, int k, int stride, bool same) {
  return same ? in * stride : in * stride + std::max(k - stride, 0);
}

ir::Model tconv_model(const Tconv& c, std::mt19937& rng, ir::DataType type = ir::DataType::kInt8) {
  std::uniform_int_distribution<int> byte(-127, 127);
  std::uniform_int_distribution<int> zp(-100, 100);
  std::uniform_real_distribution<float> wscale(0.002f, 0.02f);
  Net n;
  const int oh = tconv_out(c.h, c.kh, c.stride_h, c.same);
  const int ow = tconv_out(c.w, c.kw, c.stride_w, c.same);
  const bool wide = type == ir::DataType::kInt16;
  const int x = n.tensor("x", {1, c.h, c.w, c.in_depth}, 0.05f, wide ? 0 : zp(rng), type);
  const int shape = n.int32_constant("output_shape", {1, oh, ow, c.out_depth});
  std::vector<int8_t> weights(static_cast<size_t>(c.out_depth) * c.kh * c.kw * c.in_depth);
  for (int8_t& v : weights)
    v = static_cast<int8_t>(byte(rng));
  const int w = n.constant("w", {c.out_depth, c.kh, c.kw, c.in_depth}, ir::DataType::kInt8,
                           weights.data(), weights.size(), 0.01f);
  std::vector<float> scales;
  for (int k = 0; k < c.out_depth; ++k)
    scales.push_back(wscale(rng));
  n.per_channel(w, scales, 0);
  const int y = n.tensor("y", {1, oh, ow, c.out_depth}, 0.08f, wide ? 0 : zp(rng), type);
  std::vector<int32_t> inputs{shape, w, x};
  if (c.bias) {
    std::vector<int32_t> b(static_cast<size_t>(c.out_depth));
    std::uniform_int_distribution<int32_t> bias(-3000, 3000);
    for (int32_t& v : b)
      v = bias(rng);
    inputs.push_back(n.constant("b", {c.out_depth}, ir::DataType::kInt32, b.data(), b.size() * 4));
  }
  tflite::TransposeConvOptionsT o;
  o.padding = c.same ? tflite::Padding::SAME : tflite::Padding::VALID;
  o.stride_h = c.stride_h;
  o.stride_w = c.stride_w;
  o.fused_activation_function = c.act;
  n.op<tflite::TransposeConvOptions>(BuiltinOp::TRANSPOSE_CONV, inputs, {y}, o);
  n.io({x}, {y});
  return n.model();
}

TEST(TransposeConv, StridedAndUnitStridesMatchTheReference) {
  const Tconv cases[] = {
      {4, 5, 2, 2, 2, 2, false, false},  // the corpus kind: k2s2 VALID
      {4, 5, 3, 3, 2, 2, true, true},    // k3s2 SAME
      {3, 3, 3, 3, 2, 2, false, true},   // k3s2 VALID (OFM 2 IFM + 1)
      {5, 3, 4, 4, 2, 2, true, false},   // k4s2 SAME
      {3, 4, 5, 3, 2, 2, false, true},   // non-square kernel
      {4, 4, 1, 1, 2, 2, false, true},   // k1s2: odd rows and columns hold only the bias
      {6, 5, 3, 3, 1, 1, true, true},    // stride 1 SAME
      {4, 3, 2, 3, 1, 1, false, false},  // stride 1 VALID
      {1, 6, 1, 3, 1, 2, false, true},   // stride 2x1 on one row
      {4, 5, 3, 3, 2, 2, true, true, 16, 20, tflite::ActivationFunctionType::RELU},
  };
  std::mt19937 rng(18);
  for (const Tconv& c : cases) {
    SCOPED_TRACE(fmt::format("{}x{} kernel {}x{} stride {}x{} {} bias {}", c.h, c.w, c.kh, c.kw,
                             c.stride_h, c.stride_w, c.same ? "SAME" : "VALID", c.bias));
    const ir::Model m = tconv_model(c, rng);
    const auto why = frontend::transpose_conv_why_not(m, 0, 0);
    ASSERT_FALSE(why.has_value()) << *why;
    expect_on_npu(m);
  }
}

TEST(TransposeConv, Int16StaysOnTheCpuWithItsReason) {
  std::mt19937 rng(19);
  const ir::Model m = tconv_model({4, 5, 3, 3, 2, 2, true, false}, rng, ir::DataType::kInt16);
  const auto why = frontend::transpose_conv_why_not(m, 0, 0);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("int8"), std::string::npos) << *why;
}

}  // namespace
}  // namespace euc::test
