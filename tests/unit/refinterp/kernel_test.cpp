// Single-operator graphs built by hand, with expectations derived on paper.
#include <gtest/gtest.h>
#include <tflite/schema_generated.h>

#include <cmath>
#include <cstring>

#include "core/error.hpp"
#include "refinterp/interpreter.hpp"

namespace euc::refinterp {
namespace {

ir::Buffer buffer_of(const void* data, size_t size) {
  ir::Buffer b;
  const auto* p = static_cast<const uint8_t*>(data);
  b.data = std::make_shared<const ir::Bytes>(p, p + size);
  return b;
}

ir::Tensor tensor(std::string name, ir::DataType type, std::vector<int32_t> shape,
                  std::vector<float> scales, std::vector<int64_t> zero_points, uint32_t buffer = 0,
                  int32_t axis = 0) {
  ir::Tensor t;
  t.name = std::move(name);
  t.type = type;
  t.shape = std::move(shape);
  t.buffer = buffer;
  ir::Quantization q;
  q.scale = std::move(scales);
  q.zero_point = std::move(zero_points);
  q.quantized_dimension = axis;
  t.quantization = q;
  return t;
}

template <class Options>
ir::OpaqueTable options_table(ir::BuiltinOp, flatbuffers::FlatBufferBuilder& fbb,
                              flatbuffers::Offset<Options> offset) {
  fbb.Finish(offset);
  ir::OpaqueTable t;
  t.type = static_cast<uint8_t>(tflite::BuiltinOptionsTraits<Options>::enum_value);
  t.table.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  return t;
}

// A 1x1 convolution over one pixel of two channels, with per-channel filter scales 0.5 and
// 0.25, input and output scale 1 and zero point 0, weights [[2, 1], [4, -1]], bias [1, 0].
ir::Model per_axis_conv_model(int activation) {
  ir::Model m;
  m.buffers.resize(3);
  const int8_t weights[] = {2, 1, 4, -1};
  const int32_t bias[] = {1, 0};
  m.buffers[1] = buffer_of(weights, sizeof(weights));
  m.buffers[2] = buffer_of(bias, sizeof(bias));
  ir::Subgraph g;
  g.tensors.push_back(tensor("in", ir::DataType::kInt8, {1, 1, 1, 2}, {1.0f}, {0}));
  g.tensors.push_back(tensor("w", ir::DataType::kInt8, {2, 1, 1, 2}, {0.5f, 0.25f}, {0, 0}, 1, 0));
  g.tensors.push_back(tensor("b", ir::DataType::kInt32, {2}, {0.5f, 0.25f}, {0, 0}, 2));
  g.tensors.push_back(tensor("out", ir::DataType::kInt8, {1, 1, 1, 2}, {1.0f}, {0}));
  ir::Operator op;
  op.type = ir::BuiltinOp::CONV_2D;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  flatbuffers::FlatBufferBuilder fbb;
  op.builtin_options = options_table(
      op.type, fbb,
      tflite::CreateConv2DOptions(fbb, tflite::Padding::VALID, 1, 1,
                                  static_cast<tflite::ActivationFunctionType>(activation)));
  g.operators.push_back(op);
  g.inputs = {0};
  g.outputs = {3};
  m.subgraphs.push_back(g);
  return m;
}

std::vector<int8_t> run_conv(const std::vector<int8_t>& input, int activation = 0) {
  Interpreter interp(per_axis_conv_model(activation));
  interp.set_input(0, {reinterpret_cast<const uint8_t*>(input.data()), input.size()});
  interp.invoke();
  const auto out = interp.output(0);
  return {reinterpret_cast<const int8_t*>(out.data()),
          reinterpret_cast<const int8_t*>(out.data()) + out.size()};
}

TEST(ConvPerAxis, EachChannelUsesItsOwnScaleAndPositiveTiesRoundUp) {
  // acc0 = 3*2 - 2*1 + 1 = 5 -> 5 * 0.5 = 2.5 -> 3; acc1 = 12 + 2 = 14 -> 14 * 0.25 = 3.5 -> 4.
  EXPECT_EQ(run_conv({3, -2}), (std::vector<int8_t>{3, 4}));
}

TEST(ConvPerAxis, NegativeTiesRoundDifferentlyInTheTwoRoundingStages) {
  // acc0 = -6 + 2 + 1 = -3 -> -1.5: the high multiply rounds it up to -1.
  // acc1 = -12 - 2 = -14 -> -3.5: the multiply is exact (-7), the shift rounds away to -4.
  EXPECT_EQ(run_conv({-3, 2}), (std::vector<int8_t>{-1, -4}));
}

TEST(ConvPerAxis, SaturatesAtTheInt8Range) {
  // acc0 = 382 -> 191 -> 127. acc1 = 381 -> 95.25, but double rounding gives 96: the high
  // multiply rounds 190.5 up to 191, then the shift rounds 95.5 away from zero.
  EXPECT_EQ(run_conv({127, 127}), (std::vector<int8_t>{127, 96}));
  // acc0 = -384 + 1 = -383 -> -191.5 -> -128 after clamping.
  EXPECT_EQ(run_conv({-128, -128}), (std::vector<int8_t>{-128, -96}));
}

TEST(ConvPerAxis, FusedReluClampsAtTheOutputZeroPoint) {
  EXPECT_EQ(run_conv({-3, 2}, 1), (std::vector<int8_t>{0, 0}));
}

TEST(Interpreter, UnsupportedOperatorIsAnErrorNamingItsIndexAndName) {
  ir::Model m = per_axis_conv_model(0);
  m.subgraphs[0].operators[0].type = ir::BuiltinOp::CUMSUM;
  try {
    Interpreter interp(m);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("operator 0 (CUMSUM)"), std::string::npos) << e.what();
  }
}

TEST(Interpreter, InputOfTheWrongSizeIsAnError) {
  Interpreter interp(per_axis_conv_model(0));
  const uint8_t three[] = {1, 2, 3};
  EXPECT_THROW(interp.set_input(0, three), Error);
}

TEST(Interpreter, FilterScaleCountDifferentFromChannelsIsAnError) {
  ir::Model m = per_axis_conv_model(0);
  m.subgraphs[0].tensors[1].quantization->scale = {0.5f, 0.25f, 0.125f};
  EXPECT_THROW(Interpreter{m}, Error);
}

// A one-operator model: input 0 (int8, scale 1, zero point 0) of `in_shape`, an optional
// constant second input, output (scale 1, zero point `out_zp`) of `out_shape`.
struct OneOp {
  ir::Model model;
  OneOp(ir::BuiltinOp type, std::vector<int32_t> in_shape, std::vector<int32_t> out_shape,
        ir::Tensor constant, const void* data, size_t size, ir::OpaqueTable options,
        int64_t out_zp = 0) {
    model.buffers.resize(2);
    model.buffers[1] = buffer_of(data, size);
    ir::Subgraph g;
    g.tensors.push_back(tensor("in", ir::DataType::kInt8, std::move(in_shape), {1.0f}, {0}));
    constant.buffer = 1;
    g.tensors.push_back(std::move(constant));
    g.tensors.push_back(tensor("out", ir::DataType::kInt8, std::move(out_shape), {1.0f}, {out_zp}));
    ir::Operator op;
    op.type = type;
    op.inputs = {0, 1};
    op.outputs = {2};
    op.builtin_options = std::move(options);
    g.operators.push_back(op);
    g.inputs = {0};
    g.outputs = {2};
    model.subgraphs.push_back(g);
  }
  std::vector<int8_t> run(const std::vector<int8_t>& input) const {
    Interpreter interp(model);
    interp.set_input(0, {reinterpret_cast<const uint8_t*>(input.data()), input.size()});
    interp.invoke();
    const auto out = interp.output(0);
    return {reinterpret_cast<const int8_t*>(out.data()),
            reinterpret_cast<const int8_t*>(out.data()) + out.size()};
  }
};

ir::Tensor int32_constant(std::vector<int32_t> shape) {
  ir::Tensor t;
  t.name = "constant";
  t.type = ir::DataType::kInt32;
  t.shape = std::move(shape);
  return t;
}

TEST(BatchMatMul, AdjointFlagsReadTheOperandsTransposedAndBatchesBroadcast) {
  // lhs [2,2,3] (two batches), rhs one [3,2] matrix broadcast over them, stored transposed as
  // [1,2,3] (adj_y); with adj_x the lhs is stored as [2,3,2]. out[b][i][j] = sum_k lhs*rhs + 3.
  const int8_t rhs_t[] = {1, 0, -1, 2, 1, 0};
  const std::vector<int8_t> lhs = {1, 2, 3, 4, 5, 6, -1, 0, 1, 2, -2, 0};
  std::vector<int8_t> lhs_t(12);
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 3; ++k)
        lhs_t[static_cast<size_t>(b * 6 + k * 2 + i)] = lhs[static_cast<size_t>(b * 6 + i * 3 + k)];
  // b0: [1,2,3].[1,0,-1] = -2, [1,2,3].[2,1,0] = 4, [4,5,6] -> -2, 13; b1: -2, -2, 2, 2.
  const std::vector<int8_t> want = {1, 7, 1, 16, 1, 1, 5, 5};
  for (const bool adj_x : {false, true}) {
    flatbuffers::FlatBufferBuilder fbb;
    ir::Tensor rhs = tensor("rhs", ir::DataType::kInt8, {1, 2, 3}, {1.0f}, {0});
    OneOp m(ir::BuiltinOp::BATCH_MATMUL,
            adj_x ? std::vector<int32_t>{2, 3, 2} : std::vector<int32_t>{2, 2, 3}, {2, 2, 2}, rhs,
            rhs_t, sizeof(rhs_t),
            options_table(ir::BuiltinOp::BATCH_MATMUL, fbb,
                          tflite::CreateBatchMatMulOptions(fbb, adj_x, true)),
            3);
    EXPECT_EQ(m.run(adj_x ? lhs_t : lhs), want) << "adj_x " << adj_x;
  }
}

TEST(BatchMatMul, DepthMismatchIsAnError) {
  const int8_t rhs_t[6] = {};
  flatbuffers::FlatBufferBuilder fbb;
  OneOp m(ir::BuiltinOp::BATCH_MATMUL, {2, 2, 2}, {2, 2, 2},
          tensor("rhs", ir::DataType::kInt8, {1, 2, 3}, {1.0f}, {0}), rhs_t, sizeof(rhs_t),
          options_table(ir::BuiltinOp::BATCH_MATMUL, fbb,
                        tflite::CreateBatchMatMulOptions(fbb, false, true)));
  EXPECT_THROW(Interpreter{m.model}, Error);
}

TEST(MirrorPad, ReflectSkipsTheEdgeAndSymmetricRepeatsIt) {
  const int32_t pads[] = {0, 0, 2, 2};
  const std::vector<int8_t> in = {1, 2, 3};
  for (const auto mode : {tflite::MirrorPadMode::REFLECT, tflite::MirrorPadMode::SYMMETRIC}) {
    flatbuffers::FlatBufferBuilder fbb;
    OneOp m(
        ir::BuiltinOp::MIRROR_PAD, {1, 3}, {1, 7}, int32_constant({2, 2}), pads, sizeof(pads),
        options_table(ir::BuiltinOp::MIRROR_PAD, fbb, tflite::CreateMirrorPadOptions(fbb, mode)));
    const std::vector<int8_t> want = mode == tflite::MirrorPadMode::REFLECT
                                         ? std::vector<int8_t>{3, 2, 1, 2, 3, 2, 1}
                                         : std::vector<int8_t>{2, 1, 1, 2, 3, 3, 2};
    EXPECT_EQ(m.run(in), want);
  }
}

TEST(MirrorPad, ReflectPaddingAsWideAsTheInputIsAnError) {
  const int32_t pads[] = {0, 0, 3, 0};
  flatbuffers::FlatBufferBuilder fbb;
  OneOp m(ir::BuiltinOp::MIRROR_PAD, {1, 3}, {1, 6}, int32_constant({2, 2}), pads, sizeof(pads),
          options_table(ir::BuiltinOp::MIRROR_PAD, fbb,
                        tflite::CreateMirrorPadOptions(fbb, tflite::MirrorPadMode::REFLECT)));
  EXPECT_THROW(Interpreter{m.model}, Error);
}

TEST(ReverseV2, ReversesEveryListedAxis) {
  const int32_t axes[] = {0, -1};
  OneOp m(ir::BuiltinOp::REVERSE_V2, {2, 3}, {2, 3}, int32_constant({2}), axes, sizeof(axes), {});
  EXPECT_EQ(m.run({1, 2, 3, 4, 5, 6}), (std::vector<int8_t>{6, 5, 4, 3, 2, 1}));
}

ir::Model exp_model(ir::DataType type) {
  ir::Model m;
  m.buffers.resize(1);
  ir::Subgraph g;
  g.tensors.push_back(tensor("in", type, {1, 3}, {0.05f}, {0}));
  g.tensors.push_back(tensor("out", type, {1, 3}, {0.2f}, {0}));
  ir::Operator op;
  op.type = ir::BuiltinOp::EXP;
  op.inputs = {0};
  op.outputs = {1};
  g.operators.push_back(op);
  g.inputs = {0};
  g.outputs = {1};
  m.subgraphs.push_back(g);
  return m;
}

// TensorFlow Lite Micro's EXP kernel accepts float32 tensors only: int8 and int16 models are
// refused when they are prepared, naming the operator.
TEST(Exp, IntegerTensorsAreRefusedAsTfliteMicrosKernelDoes) {
  for (ir::DataType type : {ir::DataType::kInt8, ir::DataType::kInt16}) {
    try {
      Interpreter interp(exp_model(type));
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(std::string(e.what()).find("operator 0 (EXP)"), std::string::npos) << e.what();
    }
  }
}

TEST(Exp, Float32IsTheExponentialOfEachElement) {
  Interpreter interp(exp_model(ir::DataType::kFloat32));
  const float in[] = {0.0f, 1.0f, -2.0f};
  interp.set_input(0, {reinterpret_cast<const uint8_t*>(in), sizeof(in)});
  interp.invoke();
  const auto out = interp.output(0);
  ASSERT_EQ(out.size(), sizeof(in));
  float r[3];
  std::memcpy(r, out.data(), sizeof(r));
  EXPECT_EQ(r[0], 1.0f);
  EXPECT_FLOAT_EQ(r[1], 2.7182817f);
  EXPECT_FLOAT_EQ(r[2], 0.13533528f);
}

// ADD and SUB rescale the sum by 2*max(input scales)/(2^20*output scale) for int8, a multiplier
// TFLite's kernels require below 1: input and operand scale 1 with output scale 2^-19 give
// exactly 1 (refused when the model is prepared), 2^-18 gives 1/2 (runs: 1 + 1 = 2 / 2^-18
// saturates at 127).
TEST(AddSub, OutputRescaleOfOneOrMoreIsRefusedAsTflitesKernelDoes) {
  const int8_t one[] = {1};
  for (const auto type : {ir::BuiltinOp::ADD, ir::BuiltinOp::SUB}) {
    OneOp refused(type, {1}, {1}, tensor("b", ir::DataType::kInt8, {1}, {1.0f}, {0}), one,
                  sizeof(one), {});
    refused.model.subgraphs[0].tensors[2].quantization->scale = {std::ldexp(1.0f, -19)};
    try {
      Interpreter interp(refused.model);
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("not below 1"), std::string::npos) << e.what();
    }
    OneOp runs(type, {1}, {1}, tensor("b", ir::DataType::kInt8, {1}, {1.0f}, {0}), one, sizeof(one),
               {});
    runs.model.subgraphs[0].tensors[2].quantization->scale = {std::ldexp(1.0f, -18)};
    EXPECT_EQ(runs.run({1}),
              (std::vector<int8_t>{type == ir::BuiltinOp::ADD ? int8_t{127} : int8_t{0}}));
  }
}

TEST(ReduceMax, DifferentOutputQuantisationIsAnError) {
  const int32_t axes[] = {1};
  OneOp m(ir::BuiltinOp::REDUCE_MAX, {2, 3}, {2}, int32_constant({1}), axes, sizeof(axes), {}, 1);
  EXPECT_THROW(Interpreter{m.model}, Error);
  OneOp same(ir::BuiltinOp::REDUCE_MIN, {2, 3}, {2}, int32_constant({1}), axes, sizeof(axes), {});
  EXPECT_EQ(same.run({4, -2, 7, 0, 9, -5}), (std::vector<int8_t>{-2, -5}));
}

// SVDF, one input, filter and unit, memory 2, all scales 1 (both rescales exactly 1), state
// zero point 100, time weights [0, 1], no bias: input 100 gives the feature sum 100, plus the
// zero point 200, saturated to 127 in the state (TFLite Micro adds the zero point before the
// saturation; adding it after would wrap 100 + 100 around to -56). Output (127 - 100) * 1 = 27.
TEST(Svdf, StateZeroPointGoesOnBeforeTheSaturation) {
  ir::Model m;
  m.buffers.resize(3);
  const int8_t feature[] = {1};
  const int8_t time[] = {0, 1};
  m.buffers[1] = buffer_of(feature, sizeof(feature));
  m.buffers[2] = buffer_of(time, sizeof(time));
  ir::Subgraph g;
  g.tensors.push_back(tensor("in", ir::DataType::kInt8, {1, 1}, {1.0f}, {0}));
  g.tensors.push_back(tensor("feature", ir::DataType::kInt8, {1, 1}, {1.0f}, {0}, 1));
  g.tensors.push_back(tensor("time", ir::DataType::kInt8, {1, 2}, {1.0f}, {0}, 2));
  g.tensors.push_back(tensor("state", ir::DataType::kInt8, {1, 2}, {1.0f}, {100}));
  g.tensors.back().is_variable = true;
  g.tensors.push_back(tensor("out", ir::DataType::kInt8, {1, 1}, {1.0f}, {0}));
  ir::Operator op;
  op.type = ir::BuiltinOp::SVDF;
  op.inputs = {0, 1, 2, -1, 3};
  op.outputs = {4};
  flatbuffers::FlatBufferBuilder fbb;
  op.builtin_options = options_table(op.type, fbb, tflite::CreateSVDFOptions(fbb, 1));
  g.operators.push_back(op);
  g.inputs = {0};
  g.outputs = {4};
  m.subgraphs.push_back(g);
  Interpreter interp(m);
  const int8_t input[] = {100};
  interp.set_input(0, {reinterpret_cast<const uint8_t*>(input), 1});
  interp.invoke();
  ASSERT_EQ(interp.output(0).size(), 1u);
  EXPECT_EQ(static_cast<int8_t>(interp.output(0)[0]), 27);
  const auto state = interp.tensor_bytes(3);
  ASSERT_EQ(state.size(), 2u);
  EXPECT_EQ(static_cast<int8_t>(state[1]), 127);
}

}  // namespace
}  // namespace euc::refinterp
