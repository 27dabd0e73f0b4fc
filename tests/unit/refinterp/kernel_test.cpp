// Single-operator graphs built by hand, with expectations derived on paper.
#include <gtest/gtest.h>
#include <tflite/schema_generated.h>

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

}  // namespace
}  // namespace euc::refinterp
