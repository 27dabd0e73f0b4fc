// Lowering network operators to NPU primitives and partitioning into segments, checked on the
// shipped models with hand-derived expectations (TFLite padding and activation-range rules).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "frontend/lowering/lowering.hpp"
#include "support/test_paths.hpp"
#include "tflite/options.hpp"
#include "tflite/reader.hpp"

namespace euc::frontend {
namespace {

ir::Model load(const std::string& relative) {
  return tfl::read_model_file(test::source_dir() / relative);
}

LoweredSubgraph lower_all(const ir::Model& m) {
  std::vector<bool> all(m.subgraphs[0].operators.size(), true);
  return lower_subgraph(m, 0, all);
}

// A shared single-operator model that lowers to one NPU segment of one operation.
struct SingleOp {
  ir::Model model;
  LoweredSubgraph lowered;
  const ir::NpuGraph& graph() const { return lowered.segments.at(0).graph; }
};
SingleOp lower_single(const std::string& corpus_model) {
  SingleOp s{tfl::read_model_file(test::shared_dir() / "models" / (corpus_model + ".tflite")), {}};
  s.lowered = lower_all(s.model);
  if (s.lowered.segments.size() != 1 || !s.lowered.segments[0].on_npu || s.graph().ops.size() != 1)
    throw std::runtime_error(corpus_model + " is not one NPU operation");
  return s;
}

TEST(Lowering, PersonDetectIsOneNpuSegmentSoftmaxIncluded) {
  ir::Model m = load("models/person_detect.tflite");
  LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);
  const Segment& npu = l.segments[0];
  ASSERT_TRUE(npu.on_npu);
  // 14 depthwise + 14 pointwise convolutions + average pool, then SOFTMAX's 28 operations
  // (softmax.cpp); the reshape is an alias.
  EXPECT_EQ(npu.graph.ops.size(), 29u + 28u);
  EXPECT_EQ(npu.network_ops.size(), 31u);
  ASSERT_EQ(npu.graph.inputs.size(), 1u);
  EXPECT_EQ(npu.graph.tensors[npu.graph.inputs[0]].network_tensor, m.subgraphs[0].inputs[0]);
  ASSERT_EQ(npu.graph.outputs.size(), 1u);
  EXPECT_EQ(npu.graph.tensors[npu.graph.outputs[0]].network_tensor, m.subgraphs[0].outputs[0]);
}

TEST(Lowering, StemUsesTfliteSamePaddingAndRelu6Range) {
  ir::Model m = load("models/person_detect.tflite");
  LoweredSubgraph l = lower_all(m);
  const ir::NpuOp& stem = l.segments[0].graph.ops[0];
  // A depthwise convolution of the 1-channel input with depth multiplier 8 runs as an ordinary
  // convolution (the NPU's depthwise mode needs equal IFM and OFM depths).
  EXPECT_EQ(stem.type, ir::NpuOpType::kConv2D);
  EXPECT_EQ(stem.kernel.width, 3);
  EXPECT_EQ(stem.kernel.stride_x, 2);
  // SAME, 96 -> 48 with a 3-wide kernel and stride 2: total (48-1)*2+3-96 = 1, so 0 before and
  // 1 after.
  EXPECT_EQ(stem.padding, (ir::Padding{0, 0, 1, 1}));
  const ir::NpuTensor& ofm = l.segments[0].graph.tensors[stem.ofm.tensor];
  // RELU6 as a clamp in the OFM's quantised domain.
  int32_t lo = std::max(-128, ofm.quant.zero_point);
  int32_t hi = std::min<int32_t>(
      127, ofm.quant.zero_point +
               static_cast<int32_t>(std::round(6.0f / static_cast<float>(ofm.quant.scale))));
  EXPECT_EQ(stem.activation.kind, ir::Activation::Kind::kClamp);
  EXPECT_EQ(stem.activation.min, lo);
  EXPECT_EQ(stem.activation.max, hi);
  ASSERT_GE(stem.weights, 0);
  const ir::NpuTensor& w = l.segments[0].graph.tensors[stem.weights];
  EXPECT_TRUE(w.is_constant());
  EXPECT_EQ(w.weight_shape, (std::vector<int32_t>{8, 3, 3, 1}));
  // OHWI [c][y][x][0] is the depthwise [0][y][x][c].
  const ir::Subgraph& sg = m.subgraphs[0];
  auto original = m.tensor_data(sg.tensors[sg.operators[0].inputs[1]]);
  for (int c = 0; c < 8; ++c) {
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 3; ++x) {
        EXPECT_EQ((*w.data)[(c * 3 + y) * 3 + x], original[(y * 3 + x) * 8 + c]);
      }
    }
  }
  ASSERT_GE(stem.bias, 0);
}

TEST(Lowering, ReshapeOfTheGraphInputSharesItsStorage) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/micro_speech_quantized.tflite");
  LoweredSubgraph l = lower_all(m);
  ASSERT_GE(l.segments.size(), 1u);
  ASSERT_TRUE(l.segments[0].on_npu);
  const ir::NpuGraph& g = l.segments[0].graph;
  ASSERT_GE(g.ops.size(), 2u);
  // RESHAPE (input) -> DEPTHWISE (1 channel, multiplier 8, as a convolution) -> FC: the reshape
  // adds no operation; the convolution reads the segment input's bytes.
  EXPECT_EQ(g.ops[0].type, ir::NpuOpType::kConv2D);
  EXPECT_EQ(g.ops[1].type, ir::NpuOpType::kFullyConnected);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.tensors[g.ops[0].ifm.tensor].alias_of, g.inputs[0]);
}

TEST(Lowering, ReshapeOfAnInputNeededAfterTheSegmentIsCopied) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/micro_speech_quantized.tflite");
  // Make the reshape's output a network output too.
  ir::Subgraph& sg = m.subgraphs[0];
  ASSERT_EQ(sg.operators[0].type, ir::BuiltinOp::RESHAPE);
  sg.outputs.push_back(sg.operators[0].outputs[0]);
  LoweredSubgraph l = lower_all(m);
  const ir::NpuGraph& g = l.segments.at(0).graph;
  ASSERT_GE(g.ops.size(), 3u);
  const ir::NpuOp& copy = g.ops[0];
  EXPECT_EQ(copy.type, ir::NpuOpType::kMaxPool);  // a 1x1 identity pool
  EXPECT_EQ(copy.kernel.width * copy.kernel.height, 1);
  EXPECT_EQ(copy.ifm.tensor, g.inputs.at(0));
  EXPECT_LT(g.tensors[copy.ofm.tensor].alias_of, 0);
  bool copy_is_output = false;
  for (int o : g.outputs)
    copy_is_output |= o == copy.ofm.tensor;
  EXPECT_TRUE(copy_is_output);
}

TEST(Lowering, OperatorsMarkedForTheCpuStayThere) {
  ir::Model m = load("models/person_detect.tflite");
  std::vector<bool> on_npu(m.subgraphs[0].operators.size(), true);
  on_npu[5] = false;
  LoweredSubgraph l = lower_subgraph(m, 0, on_npu);
  ASSERT_GE(l.segments.size(), 3u);
  EXPECT_EQ(l.segments[0].network_ops.size(), 5u);
  EXPECT_FALSE(l.segments[1].on_npu);
  EXPECT_EQ(l.segments[1].network_ops, std::vector<int>{5});
  // The first segment's output is the CPU operator's input.
  const auto& first = l.segments[0].graph;
  ASSERT_EQ(first.outputs.size(), 1u);
  EXPECT_EQ(first.tensors[first.outputs[0]].network_tensor, m.subgraphs[0].operators[5].inputs[0]);
}

TEST(Lowering, BroadcastFirstOperandIsSwappedAndMarkedReversed) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/ops/sub_bcast_c_int8.tflite");
  auto& op = m.subgraphs[0].operators[0];
  std::swap(op.inputs[0], op.inputs[1]);  // now the [1,1,1,C] operand comes first
  LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);
  const ir::NpuOp& sub = l.segments[0].graph.ops.at(0);
  EXPECT_EQ(sub.type, ir::NpuOpType::kSub);
  EXPECT_TRUE(sub.reversed_operands);
  EXPECT_EQ(l.segments[0].graph.tensors[sub.ifm.tensor].shape,
            l.segments[0].graph.tensors[sub.ofm.tensor].shape);
  EXPECT_EQ(l.segments[0].graph.tensors[sub.ifm2.tensor].shape.h, 1);
}

TEST(Lowering, FullyConnectedBatchRowsBecomePixels) {
  EUC_REQUIRE_SHARED();
  ir::Model m =
      tfl::read_model_file(test::shared_dir() / "models/ops/fc_batch2_in128_out16_int8.tflite");
  LoweredSubgraph l = lower_all(m);
  const ir::NpuOp& fc = l.segments.at(0).graph.ops.at(0);
  EXPECT_EQ(fc.ifm.shape, (ir::Shape4{1, 1, 2, 128}));
  EXPECT_EQ(fc.ofm.shape, (ir::Shape4{1, 1, 2, 16}));
}

// keyword_scrambled: the seven SVDFs lower to the NPU (svdf.cpp), the whole model but the final
// int16 -> int32 QUANTIZE is one segment.
TEST(Lowering, KeywordSpotterSvdfsLowerToTheNpu) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/keyword_scrambled_8bit.tflite");
  LoweredSubgraph l = lower_all(m);
  int svdf_on_npu = 0;
  for (const Segment& s : l.segments) {
    for (int op : s.network_ops) {
      const ir::BuiltinOp type = m.subgraphs[0].operators[op].type;
      if (type == ir::BuiltinOp::SVDF) {
        EXPECT_TRUE(s.on_npu);
        svdf_on_npu += s.on_npu;
      }
      if (op == 14) {
        EXPECT_FALSE(s.on_npu);
      }
    }
  }
  EXPECT_EQ(svdf_on_npu, 7);
  EXPECT_EQ(l.segments.size(), 2u);
}

}  // namespace
}  // namespace euc::frontend

namespace euc::frontend {
namespace {

TEST(Lowering, PadBeforeAValidConvolutionFoldsIntoItsPadding) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/mobilenet_v2_224_int8.tflite");
  const ir::Subgraph& sg = m.subgraphs[0];
  LoweredSubgraph l = lower_all(m);
  int folded = 0;
  for (const Segment& seg : l.segments) {
    if (!seg.on_npu)
      continue;
    for (const ir::NpuOp& op : seg.graph.ops) {
      const ir::NpuTensor& ifm = seg.graph.tensors[op.ifm.tensor];
      // Find the network PAD whose input this convolution now reads.
      for (int i = 0; i < static_cast<int>(sg.operators.size()); ++i) {
        const ir::Operator& pad = sg.operators[i];
        if (pad.type != ir::BuiltinOp::PAD || pad.inputs[0] != ifm.network_tensor)
          continue;
        if (sg.operators[i + 1].inputs[0] != pad.outputs[0])
          continue;
        // MobileNetV2's PADs add one row and column after the IFM before a stride-2 VALID
        // depthwise convolution.
        EXPECT_EQ(op.type, ir::NpuOpType::kDepthwiseConv2D);
        EXPECT_EQ(op.padding, (ir::Padding{0, 0, 1, 1}));
        ++folded;
      }
    }
  }
  EXPECT_EQ(folded, 4);
}

}  // namespace
}  // namespace euc::frontend

namespace euc::frontend {
namespace {

TEST(Lowering, MeanOverHeightAndWidthIsAnAllOnesDepthwiseConvolution) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/mobilenet_v2_224_int8.tflite");
  LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);  // the whole network on the NPU
  const ir::NpuGraph& g = l.segments[0].graph;
  const ir::NpuOp* mean = nullptr;
  for (const ir::NpuOp& op : g.ops) {
    if (op.explicit_scale)
      mean = &op;
  }
  ASSERT_NE(mean, nullptr);
  // MobileNetV2's global average: 7x7x1280 -> 1x1x1280.
  EXPECT_EQ(mean->type, ir::NpuOpType::kDepthwiseConv2D);
  EXPECT_EQ(mean->kernel.height, 7);
  EXPECT_EQ(mean->kernel.width, 7);
  EXPECT_EQ(mean->ofm.shape, (ir::Shape4{1, 1, 1, 1280}));
  const ir::NpuTensor& w = g.tensors[mean->weights];
  ASSERT_EQ(w.data->size(), 7u * 7u * 1280u);
  EXPECT_TRUE(std::all_of(w.data->begin(), w.data->end(), [](uint8_t v) { return v == 1; }));
  // 1/49 folded into the significand: the record rescale is ifm/ofm scale over 49.
  const ir::NpuTensor& in = g.tensors[mean->ifm.tensor];
  const ir::NpuTensor& out = g.tensors[mean->ofm.tensor];
  double want = static_cast<float>(in.quant.scale) / static_cast<float>(out.quant.scale) / 49.0;
  double got = mean->explicit_scale->first * std::ldexp(1.0, -mean->explicit_scale->second);
  EXPECT_NEAR(got / want, 1.0, 1e-6);
}

}  // namespace
}  // namespace euc::frontend

namespace euc::frontend {
namespace {

// RELU: a requantizing 1x1 average pool whose activation clamps at the OFM zero point (TFLite's
// max(type min, zp_out + round(0 / scale))) and the type's maximum.
TEST(Lowering, ReluIsARequantizingPoolClampedAtTheOutputZeroPoint) {
  EUC_REQUIRE_SHARED();
  const SingleOp single = lower_single("ops/relu_int8");
  const ir::NpuGraph& g = single.graph();
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, ir::NpuOpType::kAvgPool);
  EXPECT_EQ(op.kernel.width, 1);
  EXPECT_EQ(op.kernel.height, 1);
  const ir::NpuTensor& in = g.tensors[op.ifm.tensor];
  const ir::NpuTensor& out = g.tensors[op.ofm.tensor];
  EXPECT_EQ(op.activation.kind, ir::Activation::Kind::kClamp);
  EXPECT_EQ(op.activation.min, std::max(-128, out.quant.zero_point));
  EXPECT_EQ(op.activation.max, 127);
  ASSERT_TRUE(op.explicit_scale.has_value());
  // The float32 scale ratio as significand * 2^-shift, the significand in [2^30, 2^31).
  const double want = static_cast<float>(in.quant.scale) / static_cast<float>(out.quant.scale);
  const double got = op.explicit_scale->first * std::ldexp(1.0, -op.explicit_scale->second);
  EXPECT_GE(op.explicit_scale->first, 1u << 30);
  EXPECT_NEAR(got / want, 1.0, 1e-9);
}

// int16 RELU stays on the CPU and says why.
TEST(Lowering, Int16ReluStaysOnTheCpuWithItsReason) {
  ir::Model m = load("models/person_detect.tflite");  // any model: the check reads one operator
  ir::Subgraph& sg = m.subgraphs[0];
  ir::Operator relu;
  relu.type = ir::BuiltinOp::RELU;
  const int t = static_cast<int>(sg.tensors.size());
  for (int k = 0; k < 2; ++k) {
    ir::Tensor tensor = sg.tensors[sg.inputs[0]];
    tensor.type = ir::DataType::kInt16;
    tensor.buffer = 0;
    sg.tensors.push_back(tensor);
  }
  relu.inputs = {t};
  relu.outputs = {t + 1};
  sg.operators.push_back(relu);
  const auto why = why_not_lowered(m, 0, static_cast<int>(sg.operators.size()) - 1);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("RELU"), std::string::npos) << *why;
}

// TFLite's quantised ADD/SUB need the output rescale 2*max(input scales)/(2^shift*output
// scale) below 1 (shift 20 for int8, 15 for int16); at 1 or above the kernel refuses the model,
// so the operator stays on the CPU and fails there as in the original. Input scales 0.5 and
// 0.25: the int8 boundary is an output scale of 2^-20 (multiplier 1), the int16 one 2^-15.
TEST(Lowering, AddWithAnOutputRescaleOfOneOrMoreStaysOnTheCpu) {
  for (const auto type : {ir::BuiltinOp::ADD, ir::BuiltinOp::SUB}) {
    for (const auto dtype : {ir::DataType::kInt8, ir::DataType::kInt16}) {
      const int shift = dtype == ir::DataType::kInt8 ? 20 : 15;
      for (const float factor : {0.5f, 1.0f, 1.25f}) {
        ir::Model m = load("models/person_detect.tflite");  // any model: one operator is read
        ir::Subgraph& sg = m.subgraphs[0];
        const int t = static_cast<int>(sg.tensors.size());
        for (const float scale : {0.5f, 0.25f, std::ldexp(factor, -shift)}) {
          ir::Tensor tensor = sg.tensors[sg.inputs[0]];
          tensor.type = dtype;
          tensor.buffer = 0;
          tensor.quantization->scale = {scale};
          tensor.quantization->zero_point = {0};
          sg.tensors.push_back(tensor);
        }
        ir::Operator op;
        op.type = type;
        op.inputs = {t, t + 1};
        op.outputs = {t + 2};
        sg.operators.push_back(op);
        const auto why = why_not_lowered(m, 0, static_cast<int>(sg.operators.size()) - 1);
        if (factor <= 1.0f) {
          ASSERT_TRUE(why.has_value()) << factor;
          EXPECT_NE(why->find("not below 1"), std::string::npos) << *why;
        } else {
          EXPECT_FALSE(why.has_value()) << *why;
        }
      }
    }
  }
}

// RELU6 (TFLite Micro's Relu6 clamps the stored input values to the input's quantised [0, 6]
// and does not requantize): a 1x1 max pool that moves bytes, clamped in the stored domain.
// relu6_int8's input has scale 0.05 and zero point 0, so [0, round(6 / 0.05)] = [0, 120],
// although its output's zero point is -128.
TEST(Lowering, Relu6IsAByteCopyClampedToTheInputsZeroAndSix) {
  EUC_REQUIRE_SHARED();
  const SingleOp single = lower_single("ops/relu6_int8");
  const ir::NpuGraph& g = single.graph();
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, ir::NpuOpType::kMaxPool);
  EXPECT_TRUE(op.byte_copy);
  EXPECT_EQ(op.kernel, ir::Kernel{});
  EXPECT_EQ(op.activation.kind, ir::Activation::Kind::kClamp);
  EXPECT_EQ(op.activation.min, 0);
  EXPECT_EQ(op.activation.max, 120);
}

// ABS: the NPU's ABS with TFLite's multiplier of the float32 scale ratio as its OFM scale
// (abs_int16: 0.0002 / 0.00020000609, just below 1: significand near 2^31, shift 31).
TEST(Lowering, AbsIsTheNpusAbsWithTflitesRescale) {
  EUC_REQUIRE_SHARED();
  const SingleOp single = lower_single("ops/abs_int16");
  const ir::NpuGraph& g = single.graph();
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, ir::NpuOpType::kAbs);
  ASSERT_TRUE(op.explicit_scale.has_value());
  EXPECT_EQ(op.explicit_scale->second, 31);
  const double ratio = static_cast<double>(0.00019999999494757503f / 0.00020000609220005572f);
  EXPECT_NEAR(op.explicit_scale->first / 2147483648.0, ratio, 1e-9);
}

// A fused TANH or SIGN_BIT on a quantized operator clamps to the type's range only in TFLite
// Micro (CalculateActivationRangeQuantized has no case for them): no activation.
TEST(Lowering, FusedTanhIsNoActivation) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/ops/add_same_shape_int8.tflite");
  ir::Operator& add = m.subgraphs[0].operators[0];
  ASSERT_EQ(add.type, ir::BuiltinOp::ADD);
  flatbuffers::FlatBufferBuilder fbb;
  tflite::AddOptionsT o;
  o.fused_activation_function = tflite::ActivationFunctionType::TANH;
  fbb.Finish(tflite::AddOptions::Pack(fbb, &o));
  add.builtin_options.type = static_cast<uint8_t>(tflite::BuiltinOptions::AddOptions);
  add.builtin_options.table.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  EXPECT_FALSE(why_not_lowered(m, 0, 0).has_value());
  LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);
  ASSERT_EQ(l.segments[0].graph.ops.size(), 1u);
  EXPECT_EQ(l.segments[0].graph.ops[0].activation.kind, ir::Activation::Kind::kNone);
}

// PRELU: an identity requantisation, a MUL by alpha and the larger of the two (prelu_int8's
// alphas lie in [0, 1]).
TEST(Lowering, PreluIsTheMaximumOfTwoRequantizations) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/ops/prelu_int8.tflite");
  LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);
  ASSERT_TRUE(l.segments[0].on_npu);
  const ir::NpuGraph& g = l.segments[0].graph;
  ASSERT_EQ(g.ops.size(), 3u);
  EXPECT_EQ(g.ops[0].type, ir::NpuOpType::kAvgPool);
  EXPECT_EQ(g.ops[1].type, ir::NpuOpType::kMul);
  EXPECT_EQ(g.ops[2].type, ir::NpuOpType::kMaximum);
  EXPECT_EQ(g.ops[2].ifm.tensor, g.ops[0].ofm.tensor);
  EXPECT_EQ(g.ops[2].ifm2.tensor, g.ops[1].ofm.tensor);
  EXPECT_EQ(g.tensors[g.ops[0].ofm.tensor].network_tensor, -1);
}

}  // namespace
}  // namespace euc::frontend
