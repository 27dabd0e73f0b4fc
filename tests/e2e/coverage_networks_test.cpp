// Networks shaped like the ones that used to split between the NPU and the CPU on data
// movement (issue 16): a PyTorch export's NCHW input transpose in front of a convolution
// network, and a YOLOv8-style detection head (resize, concatenation, reshape, transpose). Each
// must compile to one ethos-u operator with no operator left on the CPU, and give the bytes the
// reference interpreter gives for the original network.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "small_network.hpp"

namespace euc {
namespace {

using ir::BuiltinOp;
using test::Net;

std::vector<int8_t> pattern(size_t n, int mul, int mod) {
  std::vector<int8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<int8_t>(static_cast<int>(i * static_cast<size_t>(mul) % mod) - mod / 2);
  return v;
}

// A convolution with `k`x`k` kernels, SAME padding, stride 1, a bias and a fused RELU.
int conv(Net& n, const std::string& name, int x, int in_c, int out_c, int k,
         std::vector<int32_t> out_shape, float out_scale, int64_t out_zp) {
  const std::vector<int8_t> w = pattern(static_cast<size_t>(out_c * k * k * in_c), 37 + out_c, 251);
  const int weights = n.constant(name + "_w", {out_c, k, k, in_c}, ir::DataType::kInt8, w.data(),
                                 w.size(), 0.005f, 0);
  std::vector<int32_t> bias_values(static_cast<size_t>(out_c));
  for (int i = 0; i < out_c; ++i)
    bias_values[static_cast<size_t>(i)] = (i * 97) % 400 - 200;
  const int bias = n.int32_constant(name + "_b", bias_values);
  const int out = n.tensor(name, std::move(out_shape), out_scale, out_zp);
  tflite::Conv2DOptionsT o;
  o.padding = tflite::Padding::SAME;
  o.stride_w = o.stride_h = 1;
  o.fused_activation_function = tflite::ActivationFunctionType::RELU;
  n.op<tflite::Conv2DOptions>(BuiltinOp::CONV_2D, {x, weights, bias}, {out}, o);
  return out;
}

int transpose(Net& n, const std::string& name, int x, const std::vector<int32_t>& perm,
              std::vector<int32_t> out_shape, float scale, int64_t zp) {
  const int p = n.int32_constant(name + "_perm", perm);
  const int out = n.tensor(name, std::move(out_shape), scale, zp);
  n.op<tflite::TransposeOptions>(BuiltinOp::TRANSPOSE, {x, p}, {out}, tflite::TransposeOptionsT{});
  return out;
}

// PyTorch's MobileNet-style stem on an NCHW input: TRANSPOSE [0,2,3,1], convolution, depthwise
// convolution, average pool.
ir::Model nchw_input_network() {
  Net n;
  const float s = 0.04f;
  const int input = n.tensor("input", {1, 3, 12, 10}, s, -7);
  const int nhwc = transpose(n, "nhwc", input, {0, 2, 3, 1}, {1, 12, 10, 3}, s, -7);
  const int c1 = conv(n, "conv1", nhwc, 3, 16, 3, {1, 12, 10, 16}, 0.06f, -128);
  const std::vector<int8_t> dw = pattern(3 * 3 * 16, 29, 241);
  const int dw_w =
      n.constant("dw_w", {1, 3, 3, 16}, ir::DataType::kInt8, dw.data(), dw.size(), 0.01f, 0);
  const int dw_b = n.int32_constant("dw_b", std::vector<int32_t>(16, 40));
  const int d1 = n.tensor("dw1", {1, 12, 10, 16}, 0.05f, -128);
  tflite::DepthwiseConv2DOptionsT dwo;
  dwo.padding = tflite::Padding::SAME;
  dwo.stride_w = dwo.stride_h = 1;
  dwo.depth_multiplier = 1;
  dwo.fused_activation_function = tflite::ActivationFunctionType::RELU6;
  n.op<tflite::DepthwiseConv2DOptions>(BuiltinOp::DEPTHWISE_CONV_2D, {c1, dw_w, dw_b}, {d1}, dwo);
  const int pooled = n.tensor("pooled", {1, 6, 5, 16}, 0.05f, -128);
  tflite::Pool2DOptionsT po;
  po.padding = tflite::Padding::VALID;
  po.stride_w = po.stride_h = 2;
  po.filter_width = po.filter_height = 2;
  n.op<tflite::Pool2DOptions>(BuiltinOp::AVERAGE_POOL_2D, {d1}, {pooled}, po);
  n.io({input}, {pooled});
  return n.model();
}

// YOLOv8's neck and head in miniature: a low-resolution branch upsampled by
// RESIZE_NEAREST_NEIGHBOR x2 and concatenated with a high-resolution branch, a 1x1 convolution,
// then the head's RESHAPE to [1, H*W, C] and TRANSPOSE to [1, C, H*W].
ir::Model yolo_style_head() {
  Net n;
  const int low = n.tensor("low", {1, 4, 4, 16}, 0.05f, -3);
  const int high = n.tensor("high", {1, 8, 8, 8}, 0.05f, 2);
  const int l1 = conv(n, "low_conv", low, 16, 16, 1, {1, 4, 4, 16}, 0.07f, -128);
  const int size = n.int32_constant("size", {8, 8});
  const int up = n.tensor("upsampled", {1, 8, 8, 16}, 0.07f, -128);
  n.op<tflite::ResizeNearestNeighborOptions>(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, {l1, size}, {up},
                                             tflite::ResizeNearestNeighborOptionsT{});
  const int h1 = conv(n, "high_conv", high, 8, 8, 3, {1, 8, 8, 8}, 0.07f, -128);
  const int joined = n.tensor("joined", {1, 8, 8, 24}, 0.07f, -128);
  tflite::ConcatenationOptionsT co;
  co.axis = 3;
  n.op<tflite::ConcatenationOptions>(BuiltinOp::CONCATENATION, {up, h1}, {joined}, co);
  const int head = conv(n, "head_conv", joined, 24, 12, 1, {1, 8, 8, 12}, 0.09f, -128);
  const int shape = n.int32_constant("shape", {1, 64, 12});
  const int flat = n.tensor("flat", {1, 64, 12}, 0.09f, -128);
  tflite::ReshapeOptionsT ro;
  ro.new_shape = {1, 64, 12};
  n.op<tflite::ReshapeOptions>(BuiltinOp::RESHAPE, {head, shape}, {flat}, ro);
  const int out = transpose(n, "output", flat, {0, 2, 1}, {1, 12, 64}, 0.09f, -128);
  n.io({low, high}, {out});
  return n.model();
}

TEST(CoverageNetworks, NchwInputTransposeInFrontOfAConvolutionNetwork) {
  const ir::Model m = nchw_input_network();
  for (const char* acc : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"}) {
    const driver::CompileResult r = test::compile_and_compare(m, acc);
    EXPECT_EQ(r.report.cpu_ops, 0) << acc;
    EXPECT_EQ(r.report.segments.size(), 1u) << acc;
  }
}

TEST(CoverageNetworks, YoloStyleHeadIsOneEthosUOperator) {
  const ir::Model m = yolo_style_head();
  for (const char* acc : {"ethos-u55-64", "ethos-u55-256", "ethos-u65-256"}) {
    const driver::CompileResult r = test::compile_and_compare(m, acc);
    EXPECT_EQ(r.report.cpu_ops, 0) << acc;
    EXPECT_EQ(r.report.segments.size(), 1u) << acc;
  }
}

}  // namespace
}  // namespace euc
