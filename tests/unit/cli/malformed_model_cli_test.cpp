// Malformed models end in one named input error (exit 1), never an internal error (exit 3), a
// crash or undefined behaviour. tests/data/malformed holds the four models of
// shared/regressions/malformed; the other cases (operator arity, output shapes, biases, scales,
// most found by tests/fuzz/fuzz_compile) are one-operator models built here.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>

#include <tflite/schema_generated.h>

#include "support/test_paths.hpp"
#include "tflite/writer.hpp"

namespace euc {
namespace {

using test::run_tool;

// Compiles `model` into `dir` and expects exit 1 with one "euc: error: " line holding every
// needle, and no output.
void expect_input_error(const std::filesystem::path& dir, const std::string& model,
                        const std::vector<std::string>& needles) {
  const auto out = dir / "out";
  auto r = run_tool("euc", {model, "--output-dir", out.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("euc: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const std::string& needle : needles)
    EXPECT_NE(r.err.find(needle), std::string::npos) << needle << " not in: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(
      out / (std::filesystem::path(model).stem().string() + "_vela.tflite")));
}

std::string malformed(const std::string& name) {
  return (test::source_dir() / "tests/data/malformed" / name).string();
}

TEST(MalformedModel, OperatorOutputOfMinusOneIsNamed) {
  const std::string file = malformed("output_index_minus_one.tflite");
  expect_input_error(test::temp_dir(), file,
                     {file + ": ", "subgraph 0 operator 0 (ADD): output 0 is omitted"});
}

TEST(MalformedModel, OperatorWithoutInputsOrOutputsLeavesTheSubgraphOutputUnwritten) {
  const std::string file = malformed("empty_operator_io.tflite");
  expect_input_error(test::temp_dir(), file,
                     {file + ": ", "output tensor 1 'output' has no value"});
}

TEST(MalformedModel, OperatorWritingAConstantIsNamed) {
  const std::string file = malformed("output_is_constant.tflite");
  expect_input_error(
      test::temp_dir(), file,
      {file + ": ", "operator 0 (CONV_2D): output 0 is tensor 1 'weights'", "a constant"});
}

TEST(MalformedModel, NegativeScaleIsNamed) {
  const std::string file = malformed("negative_scale.tflite");
  expect_input_error(test::temp_dir(), file,
                     {file + ": ", "tensor 0 'input': quantisation scale is -1"});
}

// A one-operator network written to a file: tensors 0 and 1 are int8 feature maps [1,4,4,8] (the
// subgraph's inputs), tensor 2 constant 1x1 convolution weights [8,1,1,8], tensor 3 constant
// fully connected weights [8,8], tensor 4 an int32 bias of 2 values; the outputs are new tensors
// (of `output_shape`) and the subgraph's outputs.
struct OneOp {
  ir::BuiltinOp type;
  std::vector<int32_t> inputs;  // tensor indices as above, -1 omitted
  int outputs = 1;
  std::vector<int32_t> output_shape = {1, 4, 4, 8};
  ir::OpaqueTable options = {};
  std::function<void(ir::Model&)> edit = {};  // a last change to the model
};

// Builtin options of table type T, as an operator stores them.
template <class T>
ir::OpaqueTable options(const typename T::NativeTableType& native) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(T::Pack(fbb, &native));
  ir::OpaqueTable o;
  o.type = static_cast<uint8_t>(tflite::BuiltinOptionsTraits<T>::enum_value);
  o.table.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  return o;
}

std::string write_one_op(const std::filesystem::path& dir, const OneOp& spec) {
  ir::Model m;
  m.buffers.emplace_back();
  ir::Subgraph& sg = m.subgraphs.emplace_back();
  auto tensor = [&](const std::string& name, std::vector<int32_t> shape) {
    ir::Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.type = ir::DataType::kInt8;
    t.quantization = ir::Quantization{{0.05f}, {0}, {}, {}, 0, {}};
    sg.tensors.push_back(std::move(t));
    return static_cast<int32_t>(sg.tensors.size() - 1);
  };
  auto constant = [&](const std::string& name, std::vector<int32_t> shape) {
    const int32_t t = tensor(name, std::move(shape));
    m.buffers.push_back(ir::Buffer{
        std::make_shared<ir::Bytes>(static_cast<size_t>(sg.tensors[t].num_elements()), 1)});
    sg.tensors[t].buffer = static_cast<uint32_t>(m.buffers.size() - 1);
    return t;
  };
  tensor("input1", {1, 4, 4, 8});
  tensor("input2", {1, 4, 4, 8});
  constant("conv_weights", {8, 1, 1, 8});
  constant("fc_weights", {8, 8});
  const int32_t bias = constant("short_bias", {2});
  sg.tensors[bias].type = ir::DataType::kInt32;
  m.buffers.back().data = std::make_shared<ir::Bytes>(8, 0);
  ir::Operator op;
  op.type = spec.type;
  op.inputs = spec.inputs;
  op.builtin_options = spec.options;
  for (int i = 0; i < spec.outputs; ++i)
    op.outputs.push_back(tensor("output" + std::to_string(i), spec.output_shape));
  sg.operators.push_back(op);
  sg.inputs = {0, 1};
  sg.outputs = op.outputs.empty() ? std::vector<int32_t>{0} : op.outputs;
  if (spec.edit)
    spec.edit(m);
  auto file = dir / "model.tflite";
  tfl::write_model_file(file, m);
  return file.string();
}

tflite::Conv2DOptionsT conv_options() {
  tflite::Conv2DOptionsT o;
  o.padding = tflite::Padding::SAME;
  o.stride_w = o.stride_h = 1;
  o.dilation_w_factor = o.dilation_h_factor = 1;
  return o;
}

tflite::Pool2DOptionsT pool_options(int size = 2) {
  tflite::Pool2DOptionsT o;
  o.padding = tflite::Padding::VALID;
  o.stride_w = o.stride_h = size;
  o.filter_width = o.filter_height = size;
  return o;
}

ir::OpaqueTable add_options() {
  return options<tflite::AddOptions>(tflite::AddOptionsT{});
}

// The operators below would otherwise go to the NPU; lowering would read inputs that are not
// there (an internal error, exit 3).
TEST(MalformedModel, NpuOperatorWithTooFewInputsIsNamed) {
  const auto dir = test::temp_dir();
  expect_input_error(dir,
                     write_one_op(dir, {ir::BuiltinOp::ADD, {0}, 1, {1, 4, 4, 8}, add_options()}),
                     {"subgraph 0 operator 0 (ADD): 1 inputs, but ADD takes 2"});
}

TEST(MalformedModel, NpuOperatorWithTooManyInputsIsNamed) {
  const auto dir = test::temp_dir();
  expect_input_error(dir,
                     write_one_op(dir, {ir::BuiltinOp::AVERAGE_POOL_2D,
                                        {0, 1},
                                        1,
                                        {1, 4, 4, 8},
                                        options<tflite::Pool2DOptions>(pool_options(1))}),
                     {"subgraph 0 operator 0 (AVERAGE_POOL_2D): 2 inputs, but AVERAGE_POOL_2D "
                      "takes 1"});
}

TEST(MalformedModel, NpuOperatorWithoutOutputsIsNamed) {
  const auto dir = test::temp_dir();
  expect_input_error(dir,
                     write_one_op(dir, {ir::BuiltinOp::MAX_POOL_2D,
                                        {0},
                                        0,
                                        {1, 4, 4, 8},
                                        options<tflite::Pool2DOptions>(pool_options(1))}),
                     {"subgraph 0 operator 0 (MAX_POOL_2D): 0 outputs, but MAX_POOL_2D takes 1"});
}

TEST(MalformedModel, NpuOperatorWithTooManyOutputsIsNamed) {
  const auto dir = test::temp_dir();
  expect_input_error(
      dir, write_one_op(dir, {ir::BuiltinOp::ADD, {0, 1}, 2, {1, 4, 4, 8}, add_options()}),
      {"subgraph 0 operator 0 (ADD): 2 outputs, but ADD takes 1"});
}

TEST(MalformedModel, FullyConnectedWithASecondOutputIsNamed) {
  // Found by fuzz_compile: TFLite's shuffled-weights workspace output, which TensorFlow Lite
  // Micro refuses, was accepted and never written, and the compiled model did not read back.
  const auto dir = test::temp_dir();
  expect_input_error(
      dir, (test::source_dir() / "tests/fuzz/seeds/compile/fc_second_output.tflite").string(),
      {"subgraph 0 operator 2 (FULLY_CONNECTED): 2 outputs, but FULLY_CONNECTED takes 1"});
}

TEST(MalformedModel, OmittedRequiredInputIsNamed) {
  const auto dir = test::temp_dir();
  tflite::ConcatenationOptionsT concat;
  concat.axis = 3;
  expect_input_error(dir,
                     write_one_op(dir, {ir::BuiltinOp::CONCATENATION,
                                        {0, -1, 1},
                                        1,
                                        {1, 4, 4, 16},
                                        options<tflite::ConcatenationOptions>(concat)}),
                     {"subgraph 0 operator 0 (CONCATENATION): input 1 is omitted (tensor index "
                      "-1), but CONCATENATION requires it"});
  expect_input_error(
      dir, write_one_op(dir, {ir::BuiltinOp::ADD, {0, -1}, 1, {1, 4, 4, 8}, add_options()}),
      {"subgraph 0 operator 0 (ADD): input 1 is omitted"});
}

TEST(MalformedModel, OmittedOptionalInputIsAccepted) {
  // CONV_2D without a bias (-1) is well formed.
  const auto dir = test::temp_dir();
  auto r = run_tool("euc", {write_one_op(dir, {ir::BuiltinOp::CONV_2D,
                                               {0, 2, -1},
                                               1,
                                               {1, 4, 4, 8},
                                               options<tflite::Conv2DOptions>(conv_options())}),
                            "--output-dir", (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Found by fuzz_compile: an output shape other than the operator's definition gives had the NPU
// write outside the output tensor (the codegen self-check's internal error, exit 3).
TEST(MalformedModel, ConvolutionOutputShapeDisagreeingWithItsInputsIsNamed) {
  const auto dir = test::temp_dir();
  expect_input_error(dir,
                     write_one_op(dir, {ir::BuiltinOp::CONV_2D,
                                        {0, 2},
                                        1,
                                        {2, 4, 4, 8},
                                        options<tflite::Conv2DOptions>(conv_options())}),
                     {"subgraph 0 operator 0 (CONV_2D): output 'output0' has shape [2,4,4,8], "
                      "but the input, weights, strides, dilation and padding give [1,4,4,8]"});
}

// Found by mutating a convolution's bias: a bias shorter than the output depth was read past
// its end by the weight encoder (a heap-buffer-overflow under ASan).
TEST(MalformedModel, BiasOfTheWrongLengthIsNamed) {
  const auto dir = test::temp_dir();
  expect_input_error(dir,
                     write_one_op(dir, {ir::BuiltinOp::CONV_2D,
                                        {0, 2, 4},
                                        1,
                                        {1, 4, 4, 8},
                                        options<tflite::Conv2DOptions>(conv_options())}),
                     {"subgraph 0 operator 0 (CONV_2D): bias 'short_bias' has 2 values for 8 "
                      "output channels"});
}

TEST(MalformedModel, PoolingOutputShapeDisagreeingWithItsInputIsNamed) {
  const auto dir = test::temp_dir();
  expect_input_error(dir,
                     write_one_op(dir, {ir::BuiltinOp::AVERAGE_POOL_2D,
                                        {0},
                                        1,
                                        {1, 3, 2, 8},
                                        options<tflite::Pool2DOptions>(pool_options())}),
                     {"operator 0 (AVERAGE_POOL_2D): output 'output0' has shape [1,3,2,8], but "
                      "the input, filter, strides and padding give [1,2,2,8]"});
}

TEST(MalformedModel, FullyConnectedOutputSizeDisagreeingWithItsInputsIsNamed) {
  const auto dir = test::temp_dir();
  expect_input_error(
      dir,
      write_one_op(dir, {ir::BuiltinOp::FULLY_CONNECTED,
                         {0, 3},
                         1,
                         {16, 9},
                         options<tflite::FullyConnectedOptions>(tflite::FullyConnectedOptionsT{})}),
      {"operator 0 (FULLY_CONNECTED): output 'output0' has 144 elements, but the input and "
       "weights give 128"});
}

TEST(MalformedModel, WellFormedOperatorsCompile) {
  const auto dir = test::temp_dir();
  for (const OneOp& op :
       {OneOp{ir::BuiltinOp::CONV_2D,
              {0, 2},
              1,
              {1, 4, 4, 8},
              options<tflite::Conv2DOptions>(conv_options())},
        OneOp{ir::BuiltinOp::AVERAGE_POOL_2D,
              {0},
              1,
              {1, 2, 2, 8},
              options<tflite::Pool2DOptions>(pool_options())},
        OneOp{ir::BuiltinOp::ADD,
              {0, 1},
              1,
              {1, 4, 4, 8},
              options<tflite::AddOptions>(tflite::AddOptionsT{})},
        OneOp{ir::BuiltinOp::FULLY_CONNECTED,
              {0, 3},
              1,
              {16, 8},
              options<tflite::FullyConnectedOptions>(tflite::FullyConnectedOptionsT{})}}) {
    auto r = run_tool("euc", {write_one_op(dir, op), "--output-dir", (dir / "out").string()});
    EXPECT_EQ(r.exit_code, 0) << ir::builtin_op_name(op.type) << ": " << r.err;
    EXPECT_NE(r.out.find("NPU operators (network)                                    1"),
              std::string::npos)
        << ir::builtin_op_name(op.type) << ": " << r.out;
  }
}

// Found by fuzz_compile: a convolution whose bias is a variable tensor (no data, yet not
// "constant by position") went to the NPU, and the weight encoder read its missing data.
TEST(MalformedModel, VariableBiasKeepsTheOperatorOnTheCpu) {
  const auto dir = test::temp_dir();
  auto variable_bias = [](ir::Model& m) {
    ir::Tensor& bias = m.subgraphs[0].tensors[4];
    bias.shape = {8};
    bias.buffer = 0;
    bias.is_variable = true;
  };
  auto r = run_tool("euc", {write_one_op(dir, {ir::BuiltinOp::CONV_2D,
                                               {0, 2, 4},
                                               1,
                                               {1, 4, 4, 8},
                                               options<tflite::Conv2DOptions>(conv_options()),
                                               variable_bias}),
                            "--output-dir", (dir / "out").string(), "--show-cpu-operations"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CPU operators = 1 of 1"), std::string::npos) << r.out;
}

// Found by fuzz_compile: an IFM/OFM scale ratio whose average-pool scale needs more than 32 bits
// was converted to the 32-bit OFM scale regardless (undefined behaviour).
TEST(MalformedModel, AveragePoolRescaleBeyondTheOutputScaleIsNamed) {
  const auto dir = test::temp_dir();
  auto tiny_output_scale = [](ir::Model& m) {
    m.subgraphs[0].tensors[5].quantization->scale = {1e-9f};
  };
  expect_input_error(dir,
                     write_one_op(dir, {ir::BuiltinOp::AVERAGE_POOL_2D,
                                        {0},
                                        1,
                                        {1, 2, 2, 8},
                                        options<tflite::Pool2DOptions>(pool_options()),
                                        tiny_output_scale}),
                     {"average pool 'output0': IFM scale 0.05 / OFM scale 1e-09 is beyond the "
                      "NPU's 32-bit output scale"});
}

// Found by fuzz_compile: RELU6 over an OFM scale of 1e-37 put 6 / scale far outside int32 before
// the conversion (undefined behaviour; caught in the sanitizer build of this test).
TEST(MalformedModel, FusedActivationOverATinyOutputScaleCompiles) {
  const auto dir = test::temp_dir();
  tflite::Conv2DOptionsT relu6 = conv_options();
  relu6.fused_activation_function = tflite::ActivationFunctionType::RELU6;
  auto tiny_output_scale = [](ir::Model& m) {
    m.subgraphs[0].tensors[5].quantization->scale = {1e-37f};
  };
  auto r = run_tool("euc", {write_one_op(dir, {ir::BuiltinOp::CONV_2D,
                                               {0, 2},
                                               1,
                                               {1, 4, 4, 8},
                                               options<tflite::Conv2DOptions>(relu6),
                                               tiny_output_scale}),
                            "--output-dir", (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Found by fuzz_compile: a RESHAPE from int8 to int16 became a storage alias, and the operation
// after it read twice the bytes the tensor has (the codegen self-check's internal error).
TEST(MalformedModel, ReshapeChangingTheElementTypeIsNamed) {
  const auto dir = test::temp_dir();
  auto int16_output = [](ir::Model& m) { m.subgraphs[0].tensors[5].type = ir::DataType::kInt16; };
  tflite::ReshapeOptionsT reshape;
  reshape.new_shape = {1, 4, 4, 8};
  expect_input_error(dir,
                     write_one_op(dir, {ir::BuiltinOp::RESHAPE,
                                        {0},
                                        1,
                                        {1, 4, 4, 8},
                                        options<tflite::ReshapeOptions>(reshape),
                                        int16_output}),
                     {"subgraph 0 operator 0 (RESHAPE): output 'output0' is int16, but input "
                      "'input1' is int8"});
}

}  // namespace
}  // namespace euc
