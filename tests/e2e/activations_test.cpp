// Activations on the NPU give TFLite Micro's values: fused activations of every kind on every
// operator that has one, and the standalone activations lowered without a lookup table, each
// compiled and run on the functional model against the reference interpreter on random inputs.
// A fused TANH or SIGN_BIT on a quantized operator only clamps to the type's range in TFLite
// Micro (CalculateActivationRangeQuantized); nothing here may make a compile fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "arch/config_file.hpp"
#include "refinterp/interpreter.hpp"
#include "runner/ethosu_kernel.hpp"
#include "small_network.hpp"

namespace euc {
namespace {

using DT = ir::DataType;
using AF = tflite::ActivationFunctionType;
using B = ir::BuiltinOp;

driver::CompileReport compile_and_compare(const ir::Model& original) {
  return test::compile_and_compare(original, "ethos-u55-256").report;
}

const AF kAllActivations[] = {AF::NONE,  AF::RELU, AF::RELU_N1_TO_1,
                              AF::RELU6, AF::TANH, AF::SIGN_BIT};

// One operator of `type` with fused activation `act` on [1, 6, 6, 8] feature maps of `data`
// (zero point 0 for int16, as TFLite requires). Scales put the results across the type's range
// so both the clamps and the type's limits are reached.
ir::Model fused_op(B type, AF act, DT data) {
  test::Net n;
  const bool wide = data == DT::kInt16;
  const int64_t zp_in = wide ? 0 : 3, zp_out = wide ? 0 : -7;
  const float in_scale = wide ? 0.0005f : 0.06f;
  const float out_scale = wide ? 0.0003f : 0.05f;
  const int a = n.tensor("a", {1, 6, 6, 8}, in_scale, zp_in, data);
  switch (type) {
    case B::ADD:
    case B::SUB:
    case B::MUL: {
      const int b = n.tensor("b", {1, 6, 6, 8}, in_scale * 1.5f, wide ? 0 : -5, data);
      const int out =
          n.tensor("out", {1, 6, 6, 8}, type == B::MUL ? in_scale : out_scale, zp_out, data);
      if (type == B::ADD) {
        tflite::AddOptionsT o;
        o.fused_activation_function = act;
        n.op<tflite::AddOptions>(type, {a, b}, {out}, o);
      } else if (type == B::SUB) {
        tflite::SubOptionsT o;
        o.fused_activation_function = act;
        n.op<tflite::SubOptions>(type, {a, b}, {out}, o);
      } else {
        tflite::MulOptionsT o;
        o.fused_activation_function = act;
        n.op<tflite::MulOptions>(type, {a, b}, {out}, o);
      }
      n.io({a, b}, {out});
      break;
    }
    case B::AVERAGE_POOL_2D:
    case B::MAX_POOL_2D: {
      const int out = n.tensor("out", {1, 3, 3, 8}, in_scale, zp_in, data);
      tflite::Pool2DOptionsT o;
      o.padding = tflite::Padding::VALID;
      o.stride_w = o.stride_h = 2;
      o.filter_width = o.filter_height = 2;
      o.fused_activation_function = act;
      n.op<tflite::Pool2DOptions>(type, {a}, {out}, o);
      n.io({a}, {out});
      break;
    }
    case B::CONV_2D:
    case B::DEPTHWISE_CONV_2D:
    case B::FULLY_CONNECTED: {
      std::vector<int8_t> w(type == B::FULLY_CONNECTED ? 4 * 288 : 4 * 3 * 3 * 8);
      for (size_t i = 0; i < w.size(); ++i)
        w[i] = static_cast<int8_t>(static_cast<int>((i * 37 + 11) % 255) - 127);
      const float w_scale = 0.01f;
      std::vector<int32_t> bias32(8, 0);
      std::vector<int64_t> bias64(8, 0);
      for (size_t i = 0; i < 8; ++i) {
        bias32[i] = static_cast<int32_t>(i * 97) - 300;
        bias64[i] = bias32[i];
      }
      const float conv_out_scale = wide ? 0.002f : 0.3f;
      if (type == B::FULLY_CONNECTED) {
        const int weights = n.constant("w", {4, 288}, DT::kInt8, w.data(), w.size(), w_scale, 0);
        const int bias =
            wide ? n.constant("bias", {4}, DT::kInt64, bias64.data(), 4 * 8, in_scale * w_scale, 0)
                 : n.constant("bias", {4}, DT::kInt32, bias32.data(), 4 * 4, in_scale * w_scale, 0);
        const int out = n.tensor("out", {1, 4}, conv_out_scale, zp_out, data);
        tflite::FullyConnectedOptionsT o;
        o.fused_activation_function = act;
        n.op<tflite::FullyConnectedOptions>(type, {a, weights, bias}, {out}, o);
        n.io({a}, {out});
        break;
      }
      const bool depthwise = type == B::DEPTHWISE_CONV_2D;
      const std::vector<int32_t> shape =
          depthwise ? std::vector<int32_t>{1, 3, 3, 8} : std::vector<int32_t>{4, 3, 3, 2};
      const int channels = depthwise ? 8 : 4;
      const int weights =
          n.constant("w", shape, DT::kInt8, w.data(), depthwise ? 72 : 72, w_scale, 0);
      const int bias = wide ? n.constant("bias", {channels}, DT::kInt64, bias64.data(),
                                         static_cast<size_t>(channels) * 8, in_scale * w_scale, 0)
                            : n.constant("bias", {channels}, DT::kInt32, bias32.data(),
                                         static_cast<size_t>(channels) * 4, in_scale * w_scale, 0);
      if (depthwise) {
        const int out = n.tensor("out", {1, 6, 6, 8}, conv_out_scale, zp_out, data);
        tflite::DepthwiseConv2DOptionsT o;
        o.padding = tflite::Padding::SAME;
        o.stride_w = o.stride_h = 1;
        o.depth_multiplier = 1;
        o.dilation_w_factor = o.dilation_h_factor = 1;
        o.fused_activation_function = act;
        n.op<tflite::DepthwiseConv2DOptions>(type, {a, weights, bias}, {out}, o);
        n.io({a}, {out});
      } else {
        // A 2-channel input keeps the weights small.
        test::Net c;
        const int in = c.tensor("a", {1, 6, 6, 2}, in_scale, zp_in, data);
        const int cw = c.constant("w", shape, DT::kInt8, w.data(), 72, w_scale, 0);
        const int cb =
            wide ? c.constant("bias", {4}, DT::kInt64, bias64.data(), 4 * 8, in_scale * w_scale, 0)
                 : c.constant("bias", {4}, DT::kInt32, bias32.data(), 4 * 4, in_scale * w_scale, 0);
        const int out = c.tensor("out", {1, 6, 6, 4}, conv_out_scale / 4, zp_out, data);
        tflite::Conv2DOptionsT o;
        o.padding = tflite::Padding::SAME;
        o.stride_w = o.stride_h = 1;
        o.dilation_w_factor = o.dilation_h_factor = 1;
        o.fused_activation_function = act;
        c.op<tflite::Conv2DOptions>(type, {in, cw, cb}, {out}, o);
        c.io({in}, {out});
        return c.model();
      }
      break;
    }
    default:
      ADD_FAILURE() << "no builder for this operator";
  }
  return n.model();
}

// Every fused activation on every lowered operator type that carries one, int8 and int16: the
// compile succeeds and the outputs are TFLite Micro's. Everything but SIGN_BIT (which Vela's
// constraints leave on the CPU) runs on the NPU.
TEST(FusedActivations, EveryKindOnEveryOperatorMatchesTheReference) {
  for (DT data : {DT::kInt8, DT::kInt16}) {
    for (B type : {B::ADD, B::SUB, B::MUL, B::AVERAGE_POOL_2D, B::MAX_POOL_2D, B::CONV_2D,
                   B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED}) {
      for (AF act : kAllActivations) {
        SCOPED_TRACE(testing::Message()
                     << ir::builtin_op_name(type) << " " << ir::data_type_name(data) << " "
                     << tflite::EnumNameActivationFunctionType(act));
        const driver::CompileReport report = compile_and_compare(fused_op(type, act, data));
        const bool npu = act != AF::SIGN_BIT;
        if (npu) {
          EXPECT_EQ(report.npu_network_ops, 1);
          EXPECT_TRUE(report.cpu_operators.empty());
        } else {
          ASSERT_EQ(report.cpu_operators.size(), 1u);
          ASSERT_FALSE(report.cpu_operators[0].reasons.empty());
          EXPECT_NE(report.cpu_operators[0].reasons[0].find("SIGN_BIT"), std::string::npos)
              << report.cpu_operators[0].reasons[0];
        }
      }
    }
  }
}

// The example of the issue: ADD with a fused TANH is ADD clamped to int8 only, on the NPU.
TEST(FusedActivations, AddWithFusedTanhIsAPlainAddOnTheNpu) {
  const ir::Model m = fused_op(B::ADD, AF::TANH, DT::kInt8);
  const ir::Model compiled = test::expect_same_outputs(m, "ethos-u55-256");
  const ir::Model plain =
      test::expect_same_outputs(fused_op(B::ADD, AF::NONE, DT::kInt8), "ethos-u55-256");
  // The same command stream as without the activation.
  ASSERT_EQ(compiled.buffers.size(), plain.buffers.size());
  for (size_t i = 0; i < compiled.buffers.size(); ++i) {
    const auto& a = compiled.buffers[i].data;
    const auto& b = plain.buffers[i].data;
    EXPECT_EQ(a == nullptr, b == nullptr);
    if (a && b) {
      EXPECT_TRUE(*a == *b) << "buffer " << i;
    }
  }
}

// CONCATENATION with a fused activation (TFLite Micro rejects it) compiles, left on the CPU.
TEST(FusedActivations, ConcatenationWithAnActivationStaysOnTheCpu) {
  for (AF act : kAllActivations) {
    if (act == AF::NONE)
      continue;
    test::Net n;
    const int a = n.tensor("a", {1, 4, 4, 8}, 0.1f, 0);
    const int b = n.tensor("b", {1, 4, 4, 8}, 0.1f, 0);
    const int out = n.tensor("out", {1, 4, 4, 16}, 0.1f, 0);
    tflite::ConcatenationOptionsT o;
    o.axis = 3;
    o.fused_activation_function = act;
    n.op<tflite::ConcatenationOptions>(B::CONCATENATION, {a, b}, {out}, o);
    n.io({a, b}, {out});
    arch::SystemConfigOptions so;
    const driver::CompileResult r = driver::compile_model(
        n.model(), arch::resolve_system_config(arch::builtin_config_library(), so), {});
    EXPECT_EQ(r.report.npu_network_ops, 0);
    EXPECT_EQ(r.report.cpu_operators.size(), 1u);
  }
}

// ---- Standalone activations.

// One unary operator of `type` on [1, 8, 8, 16] feature maps.
ir::Model unary(B type, DT data, float in_scale, int64_t zp_in, float out_scale, int64_t zp_out,
                float alpha = 0.0f) {
  test::Net n;
  const int in = n.tensor("in", {1, 8, 8, 16}, in_scale, zp_in, data);
  const int out = n.tensor("out", {1, 8, 8, 16}, out_scale, zp_out, data);
  if (type == B::LEAKY_RELU) {
    tflite::LeakyReluOptionsT o;
    o.alpha = alpha;
    n.op<tflite::LeakyReluOptions>(type, {in}, {out}, o);
  } else if (type == B::ABS) {
    n.op<tflite::AbsOptions>(type, {in}, {out}, tflite::AbsOptionsT{});
  } else {
    n.op(type, {in}, {out});
  }
  n.io({in}, {out});
  return n.model();
}

void expect_on_npu(const ir::Model& m) {
  const driver::CompileReport report = compile_and_compare(m);
  EXPECT_EQ(report.npu_network_ops, 1);
  EXPECT_TRUE(report.cpu_operators.empty());
}

// RELU6 keeps the stored input values clamped to the input's [0, 6] whatever the output's
// quantisation (TFLite Micro's Relu6 does not requantize).
TEST(StandaloneActivations, Relu6ClampsStoredValuesOnTheNpu) {
  expect_on_npu(unary(B::RELU6, DT::kInt8, 0.05f, 0, 0.0235f, -128));
  expect_on_npu(unary(B::RELU6, DT::kInt8, 0.03f, -20, 0.03f, -20));
  expect_on_npu(unary(B::RELU6, DT::kInt8, 0.01f, 100, 0.5f, 3));  // six above 127
  expect_on_npu(unary(B::RELU6, DT::kInt16, 0.0002f, 0, 0.0002f, 0));
  expect_on_npu(unary(B::RELU6, DT::kInt16, 0.0001f, 0, 0.0003f, 0));  // six = 60000 -> 32767
}

TEST(StandaloneActivations, ReluN1To1RequantizesAndClampsOnTheNpu) {
  expect_on_npu(unary(B::RELU_N1_TO_1, DT::kInt8, 0.02f, -3, 0.0079f, 0));
  expect_on_npu(unary(B::RELU_N1_TO_1, DT::kInt8, 0.05f, 10, 0.05f, 10));
  expect_on_npu(unary(B::RELU_N1_TO_1, DT::kInt8, 0.003f, 0, 0.1f, -100));
}

TEST(StandaloneActivations, AbsRescalesOnTheNpu) {
  expect_on_npu(unary(B::ABS, DT::kInt8, 0.05f, -4, 0.0257f, -128));
  expect_on_npu(unary(B::ABS, DT::kInt8, 0.05f, 7, 0.05f, 7));  // no rescale
  expect_on_npu(unary(B::ABS, DT::kInt8, 0.05f, 0, 0.2f, 50));
  expect_on_npu(unary(B::ABS, DT::kInt16, 0.0002f, 0, 0.00020001f, 0));
  expect_on_npu(unary(B::ABS, DT::kInt16, 0.0002f, 0, 0.0002f, 0));
  expect_on_npu(unary(B::ABS, DT::kInt16, 0.0002f, 0, 0.0001f, 0));  // saturates
}

// int8 LEAKY_RELU is a lookup table (lut_activations.cpp), exact for every alpha.
TEST(StandaloneActivations, Int8LeakyReluIsATable) {
  for (float alpha : {0.1f, -0.5f, 1.7f})
    expect_on_npu(unary(B::LEAKY_RELU, DT::kInt8, 0.05f, 5, 0.0265f, -103, alpha));
}

TEST(StandaloneActivations, Int16LeakyReluIsTheNpusLeakyReluMode) {
  for (float alpha : {0.1f, 0.0f, 0.5f, 1.0f, 1.7f, 0.013f})
    expect_on_npu(unary(B::LEAKY_RELU, DT::kInt16, 0.0002f, 0, 0.0002f, 0, alpha));
}

// With different input and output quantisations: two requantizing pools and the larger
// (alpha up to 1) or the smaller (alpha above 1) of them.
TEST(StandaloneActivations, Int16LeakyReluOfTwoQuantisationsCombinesTwoPools) {
  for (float alpha : {0.1f, 0.0f, 0.5f, 1.0f, 1.7f, 0.013f}) {
    SCOPED_TRACE(alpha);
    expect_on_npu(unary(B::LEAKY_RELU, DT::kInt16, 0.0002f, 0, 0.0003f, 0, alpha));
    expect_on_npu(unary(B::LEAKY_RELU, DT::kInt16, 0.0002f, 0, 0.00011f, 0, alpha));
  }
}

// What cannot be exact stays on the CPU with its reason, and still compiles.
TEST(StandaloneActivations, InexactInstancesStayOnTheCpuWithAReason) {
  auto expect_cpu = [](const ir::Model& m, const std::string& word) {
    const driver::CompileReport report = compile_and_compare(m);
    ASSERT_EQ(report.cpu_operators.size(), 1u);
    ASSERT_FALSE(report.cpu_operators[0].reasons.empty());
    EXPECT_NE(report.cpu_operators[0].reasons[0].find(word), std::string::npos)
        << report.cpu_operators[0].reasons[0];
  };
  // Negative alpha.
  expect_cpu(unary(B::LEAKY_RELU, DT::kInt16, 0.0002f, 0, 0.0002f, 0, -0.5f), "negative");
  expect_cpu(unary(B::LEAKY_RELU, DT::kInt16, 0.0002f, 0, 0.0003f, 0, -0.5f), "negative");
}

// PRELU: the identity requantisation and the product with alpha, the larger (alphas in [0, 1])
// or the smaller (alphas of 1 and more) of the two.
ir::Model prelu(const std::vector<int8_t>& alpha, std::vector<int32_t> alpha_shape,
                float alpha_scale, int64_t alpha_zp, float in_scale, int64_t zp_in, float out_scale,
                int64_t zp_out) {
  test::Net n;
  const int in = n.tensor("in", {1, 8, 8, 16}, in_scale, zp_in);
  const int a = n.constant("alpha", std::move(alpha_shape), DT::kInt8, alpha.data(), alpha.size(),
                           alpha_scale, alpha_zp);
  const int out = n.tensor("out", {1, 8, 8, 16}, out_scale, zp_out);
  n.op(B::PRELU, {in, a}, {out});
  n.io({in}, {out});
  return n.model();
}

TEST(StandaloneActivations, PreluCombinesTwoRequantizationsOnTheNpu) {
  std::vector<int8_t> per_channel(16);
  for (size_t i = 0; i < 16; ++i)
    per_channel[i] = static_cast<int8_t>(i * 8);  // 0 .. 120 / 128
  expect_on_npu(prelu(per_channel, {1, 1, 16}, 1.0f / 128, 0, 0.05f, 0, 0.0324f, -69));
  expect_on_npu(prelu({25}, {1}, 0.004f, 0, 0.05f, 3, 0.03f, -60));
  // Alphas from 1 to 2.5: the smaller of the two.
  std::vector<int8_t> large(16);
  for (size_t i = 0; i < 16; ++i)
    large[i] = static_cast<int8_t>(40 + i * 4);
  expect_on_npu(prelu(large, {1, 1, 1, 16}, 0.025f, 0, 0.05f, -2, 0.1f, 10));
}

TEST(StandaloneActivations, PreluWithAlphasOnBothSidesOfOneStaysOnTheCpu) {
  std::vector<int8_t> mixed(16);
  for (size_t i = 0; i < 16; ++i)
    mixed[i] = static_cast<int8_t>(static_cast<int>(i) * 16 - 120);  // negative to above 1
  const driver::CompileReport report =
      compile_and_compare(prelu(mixed, {16}, 0.02f, 0, 0.05f, 0, 0.05f, 0));
  ASSERT_EQ(report.cpu_operators.size(), 1u);
  EXPECT_NE(report.cpu_operators[0].reasons[0].find("alpha"), std::string::npos)
      << report.cpu_operators[0].reasons[0];
}

}  // namespace
}  // namespace euc
