// Data movement on the NPU against the reference interpreter (TFLite Micro's gathers): every
// permutation of ranks 2 to 4, reversals along each axis, strided slices, pads, PADV2 and mirror
// pads including the channel and batch axes, int8 and int16, on the U55 and the U65. Each model
// must compile to one ethos-u operator whose outputs equal the reference's on random inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "small_network.hpp"
#include "support/test_paths.hpp"

namespace euc::test {
namespace {

using B = ir::BuiltinOp;
using DT = ir::DataType;

const char* const kAccelerators[] = {"ethos-u55-128", "ethos-u65-256"};

// One ethos-u operator, the same outputs as the reference's on random inputs.
void expect_on_npu(const ir::Model& original, const std::string& accelerator) {
  const ir::Model compiled = expect_same_outputs(original, accelerator);
  ASSERT_EQ(compiled.subgraphs.at(0).operators.size(), 1u);
  EXPECT_EQ(compiled.subgraphs[0].operators[0].type, B::CUSTOM) << "left on the CPU";
}

std::vector<int32_t> permuted(const std::vector<int32_t>& shape, const std::vector<int32_t>& p) {
  std::vector<int32_t> out;
  for (int32_t a : p)
    out.push_back(shape[static_cast<size_t>(a)]);
  return out;
}

ir::Model transpose_model(const std::vector<int32_t>& shape, const std::vector<int32_t>& perm,
                          DT type) {
  Net n;
  const int x = n.tensor("x", shape, 0.05f, type == DT::kInt8 ? 3 : 0, type);
  const int p = n.int32_constant("perm", perm);
  const int y = n.tensor("y", permuted(shape, perm), 0.05f, type == DT::kInt8 ? 3 : 0, type);
  tflite::TransposeOptionsT o;
  n.op<tflite::TransposeOptions>(B::TRANSPOSE, {x, p}, {y}, o);
  n.io({x}, {y});
  return n.model();
}

std::string text(const std::vector<int32_t>& v) {
  std::string s;
  for (int32_t x : v)
    s += std::to_string(x) + ",";
  return s;
}

TEST(DataMovement, EveryPermutationOfRanksTwoToFourMatchesTheReference) {
  const std::vector<std::vector<int32_t>> shapes = {{12, 20}, {6, 10, 12}, {2, 5, 6, 8}};
  for (const auto& shape : shapes) {
    std::vector<int32_t> perm(shape.size());
    std::iota(perm.begin(), perm.end(), 0);
    do {
      for (DT type : {DT::kInt8, DT::kInt16}) {
        for (const char* acc : kAccelerators) {
          SCOPED_TRACE(text(shape) + " perm " + text(perm) + " " + acc);
          expect_on_npu(transpose_model(shape, perm, type), acc);
        }
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(DataMovement, VelaSizedTransposesMatchTheReference) {
  // The shapes of Vela 5.1's examples: [0,3,1,2] on [1,40,40,144], [0,1,3,2] on [1,4,16,2100].
  expect_on_npu(transpose_model({1, 40, 40, 144}, {0, 3, 1, 2}, DT::kInt8), "ethos-u55-256");
  expect_on_npu(transpose_model({1, 4, 16, 2100}, {0, 1, 3, 2}, DT::kInt8), "ethos-u65-256");
}

// A PyTorch-style NCHW input transposed to NHWC in front of a convolution: one ethos-u operator.
TEST(DataMovement, NchwInputTransposeInFrontOfAConvolutionIsOneNpuOperator) {
  Net n;
  const int x = n.tensor("x", {1, 4, 9, 11}, 0.05f, -2);
  const int p = n.int32_constant("perm", {0, 2, 3, 1});
  const int t = n.tensor("t", {1, 9, 11, 4}, 0.05f, -2);
  tflite::TransposeOptionsT to;
  n.op<tflite::TransposeOptions>(B::TRANSPOSE, {x, p}, {t}, to);
  std::vector<int8_t> w(8 * 3 * 3 * 4);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<int8_t>(static_cast<int>((i * 37 + 11) % 255) - 127);
  std::vector<int32_t> bias(8);
  for (size_t i = 0; i < bias.size(); ++i)
    bias[i] = static_cast<int32_t>(i * 97) - 300;
  const int wt = n.constant("w", {8, 3, 3, 4}, DT::kInt8, w.data(), w.size(), 0.01f, 0);
  const int bt = n.constant("b", {8}, DT::kInt32, bias.data(), bias.size() * 4, 0.0005f, 0);
  const int y = n.tensor("y", {1, 9, 11, 8}, 0.2f, 5);
  tflite::Conv2DOptionsT co;
  co.padding = tflite::Padding::SAME;
  co.stride_w = 1;
  co.stride_h = 1;
  co.fused_activation_function = tflite::ActivationFunctionType::RELU;
  n.op<tflite::Conv2DOptions>(B::CONV_2D, {t, wt, bt}, {y}, co);
  n.io({x}, {y});
  for (const char* acc : kAccelerators)
    expect_on_npu(n.model(), acc);
}

TEST(DataMovement, ReversalAlongEachAxisAndSeveralMatchesTheReference) {
  const std::vector<int32_t> shape{2, 5, 6, 8};
  for (const std::vector<int32_t>& axes :
       std::vector<std::vector<int32_t>>{{0}, {1}, {2}, {3}, {-1}, {1, 2}, {0, 3}, {0, 1, 2, 3}}) {
    for (DT type : {DT::kInt8, DT::kInt16}) {
      for (const char* acc : kAccelerators) {
        SCOPED_TRACE("axes " + text(axes) + " " + acc);
        Net n;
        const int x = n.tensor("x", shape, 0.1f, 0, type);
        const int a = n.int32_constant("axes", axes);
        const int y = n.tensor("y", shape, 0.1f, 0, type);
        tflite::ReverseV2OptionsT o;
        n.op<tflite::ReverseV2Options>(B::REVERSE_V2, {x, a}, {y}, o);
        n.io({x}, {y});
        expect_on_npu(n.model(), acc);
      }
    }
  }
}

TEST(DataMovement, StridedSlicesMatchTheReference) {
  struct Case {
    std::vector<int32_t> begin, end, strides;
    std::vector<int32_t> out;
    int begin_mask = 0, end_mask = 0;
  };
  const std::vector<int32_t> shape{1, 16, 15, 12};
  const std::vector<Case> cases = {
      {{0, 0, 0, 0}, {1, 16, 15, 12}, {1, 2, 2, 1}, {1, 8, 8, 12}},
      {{0, 1, 2, 0}, {1, 16, 15, 12}, {1, 3, 4, 1}, {1, 5, 4, 12}},
      {{0, 0, 0, 1}, {1, 16, 15, 12}, {1, 1, 1, 2}, {1, 16, 15, 6}},  // channels
      {{0, 2, 0, 0}, {1, 9, 15, 12}, {1, 2, 5, 3}, {1, 4, 3, 4}},
      {{0, 5, 0, 3}, {1, 0, 0, 0}, {1, 4, 7, 5}, {1, 3, 3, 2}, 0, 0b1110},
  };
  for (const Case& c : cases) {
    for (DT type : {DT::kInt8, DT::kInt16}) {
      for (const char* acc : kAccelerators) {
        SCOPED_TRACE("strides " + text(c.strides) + " " + acc);
        Net n;
        const int x = n.tensor("x", shape, 0.1f, 0, type);
        const int b = n.int32_constant("begin", c.begin);
        const int e = n.int32_constant("end", c.end);
        const int s = n.int32_constant("strides", c.strides);
        const int y = n.tensor("y", c.out, 0.1f, 0, type);
        tflite::StridedSliceOptionsT o;
        o.begin_mask = c.begin_mask;
        o.end_mask = c.end_mask;
        n.op<tflite::StridedSliceOptions>(B::STRIDED_SLICE, {x, b, e, s}, {y}, o);
        n.io({x}, {y});
        expect_on_npu(n.model(), acc);
      }
    }
  }
}

struct PadCase {
  std::vector<int32_t> shape;
  std::vector<int32_t> pads;  // [rank, 2]
};

std::vector<int32_t> padded(const PadCase& c) {
  std::vector<int32_t> out = c.shape;
  for (size_t d = 0; d < out.size(); ++d)
    out[d] += c.pads[2 * d] + c.pads[2 * d + 1];
  return out;
}

const std::vector<PadCase> kPads = {
    {{1, 6, 7, 8}, {0, 0, 1, 2, 2, 1, 0, 0}},  // height and width (no convolution to fold into)
    {{1, 6, 7, 8}, {0, 0, 0, 0, 0, 0, 3, 5}},  // channels only
    {{1, 6, 7, 8}, {0, 0, 2, 1, 1, 3, 1, 2}},  // all three
    {{2, 4, 5, 6}, {1, 1, 1, 0, 0, 2, 2, 0}},  // batch too
    {{5, 9, 10}, {1, 0, 2, 3, 1, 4}},          // rank 3
};

TEST(DataMovement, PadsAndPadV2MatchTheReference) {
  for (const PadCase& c : kPads) {
    for (DT type : {DT::kInt8, DT::kInt16}) {
      for (bool v2 : {false, true}) {
        for (const char* acc : kAccelerators) {
          SCOPED_TRACE("pads " + text(c.pads) + (v2 ? " PADV2 " : " PAD ") + acc);
          Net n;
          const int64_t zp = type == DT::kInt8 ? -7 : 0;
          const int x = n.tensor("x", c.shape, 0.1f, zp, type);
          const int p = n.constant("pads", {static_cast<int32_t>(c.shape.size()), 2}, DT::kInt32,
                                   c.pads.data(), c.pads.size() * 4);
          const int y = n.tensor("y", padded(c), 0.1f, zp, type);
          if (v2) {
            const int16_t value16 = -1234;
            const int8_t value8 = 77;
            const int v = type == DT::kInt8 ? n.constant("value", {1}, type, &value8, 1, 0.1f, zp)
                                            : n.constant("value", {1}, type, &value16, 2, 0.1f, zp);
            tflite::PadV2OptionsT o;
            n.op<tflite::PadV2Options>(B::PADV2, {x, p, v}, {y}, o);
          } else {
            tflite::PadOptionsT o;
            n.op<tflite::PadOptions>(B::PAD, {x, p}, {y}, o);
          }
          n.io({x}, {y});
          expect_on_npu(n.model(), acc);
        }
      }
    }
  }
}

TEST(DataMovement, MirrorPadsMatchTheReference) {
  for (const PadCase& c : kPads) {
    for (auto mode : {tflite::MirrorPadMode::REFLECT, tflite::MirrorPadMode::SYMMETRIC}) {
      for (DT type : {DT::kInt8, DT::kInt16}) {
        const char* acc = type == DT::kInt8 ? kAccelerators[0] : kAccelerators[1];
        SCOPED_TRACE("pads " + text(c.pads) + " mode " + std::to_string(static_cast<int>(mode)) +
                     " " + acc);
        Net n;
        const int x = n.tensor("x", c.shape, 0.1f, 0, type);
        const int p = n.constant("pads", {static_cast<int32_t>(c.shape.size()), 2}, DT::kInt32,
                                 c.pads.data(), c.pads.size() * 4);
        const int y = n.tensor("y", padded(c), 0.1f, 0, type);
        tflite::MirrorPadOptionsT o;
        o.mode = mode;
        n.op<tflite::MirrorPadOptions>(B::MIRROR_PAD, {x, p}, {y}, o);
        n.io({x}, {y});
        expect_on_npu(n.model(), acc);
      }
    }
  }
}

// The data movement models of both corpora compile to one ethos-u operator and nothing else;
// the operator golden suite (compile_golden_test.cpp) checks their bytes under six setups.
TEST(DataMovement, CorpusModelsRunEntirelyOnTheNpu) {
  EUC_REQUIRE_SHARED();
  const std::vector<std::string> models = {"ops/pad_asym_h0_1_w1_0_int8",
                                           "ops/pad_h1w2_int8",
                                           "ops/strided_slice_s2_int8",
                                           "ops/transpose_0213_int8",
                                           "ops/transpose_0312_int8",
                                           "ops51/mirror_pad_reflect_h1_2_w2_1_int8",
                                           "ops51/mirror_pad_symmetric_h1_2_w2_1_int8",
                                           "ops51/padv2_h1w1_val1p0_int8",
                                           "ops51/reverse_v2_axis1_8x8x16_int8",
                                           "ops51/reverse_v2_axis2_8x8x16_int8",
                                           "ops51/strided_slice_s2_b1_16x16x8_int8",
                                           "ops51/transpose_0132_4x8x16_int8",
                                           "ops51/transpose_0213_4x8x16_int8",
                                           "ops51/transpose_0312_4x8x16_int8"};
  const arch::SystemConfig system =
      arch::resolve_system_config(arch::builtin_config_library(), arch::SystemConfigOptions{});
  for (const std::string& stem : models) {
    const ir::Model compiled =
        driver::compile_model(
            tfl::read_model_file(test::shared_dir() / "models" / (stem + ".tflite")), system, {})
            .model;
    ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u) << stem;
    EXPECT_EQ(compiled.subgraphs[0].operators[0].type, B::CUSTOM) << stem;
  }
}

}  // namespace
}  // namespace euc::test
