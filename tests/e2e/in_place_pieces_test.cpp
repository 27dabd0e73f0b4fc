// Joins and splits inside an NPU segment move no data: producers write straight into a
// concatenation's output and readers read a split's pieces where they lie. Small networks built
// here (no shared files needed) are lowered, checked for the absence of copies, compiled, and run
// on the functional model; the reference interpreter running the original network is the
// expectation, byte for byte.
#include <gtest/gtest.h>

#include <random>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "frontend/lowering/lowering.hpp"
#include "npusim/ethosu_kernel.hpp"
#include "refinterp/interpreter.hpp"
#include "tflite/options.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc {
namespace {

// Builds subgraph 0 of a model one tensor and operator at a time.
class Net {
 public:
  Net() {
    model_.subgraphs.emplace_back();
    model_.buffers.emplace_back();  // buffer 0: empty by convention
  }

  int tensor(const std::string& name, std::vector<int32_t> shape, float scale, int64_t zero_point,
             ir::DataType type = ir::DataType::kInt8) {
    ir::Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.type = type;
    t.quantization = ir::Quantization{};
    t.quantization->scale = {scale};
    t.quantization->zero_point = {zero_point};
    sg().tensors.push_back(std::move(t));
    return static_cast<int>(sg().tensors.size() - 1);
  }

  int int32_constant(const std::string& name, const std::vector<int32_t>& values) {
    ir::Tensor t;
    t.name = name;
    t.shape = {static_cast<int32_t>(values.size())};
    t.type = ir::DataType::kInt32;
    auto bytes = std::make_shared<ir::Bytes>(values.size() * 4);
    std::memcpy(bytes->data(), values.data(), bytes->size());
    model_.buffers.push_back(ir::Buffer{std::move(bytes)});
    t.buffer = static_cast<uint32_t>(model_.buffers.size() - 1);
    sg().tensors.push_back(std::move(t));
    return static_cast<int>(sg().tensors.size() - 1);
  }

  template <class T>
  void op(ir::BuiltinOp type, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
          const typename T::NativeTableType& options) {
    ir::Operator o;
    o.type = type;
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    flatbuffers::FlatBufferBuilder fbb;
    fbb.Finish(T::Pack(fbb, &options));
    o.builtin_options.type = static_cast<uint8_t>(tflite::BuiltinOptionsTraits<T>::enum_value);
    o.builtin_options.table.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    sg().operators.push_back(std::move(o));
  }

  void io(std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
    sg().inputs = std::move(inputs);
    sg().outputs = std::move(outputs);
  }

  // Through the file format, so the reader's checks apply.
  ir::Model model() const { return tfl::read_model(tfl::write_model(model_), "net"); }

 private:
  ir::Subgraph& sg() { return model_.subgraphs[0]; }
  ir::Model model_;
};

tflite::Pool2DOptionsT pool(int k, int stride, tflite::Padding padding) {
  tflite::Pool2DOptionsT o;
  o.padding = padding;
  o.stride_w = o.stride_h = stride;
  o.filter_width = o.filter_height = k;
  return o;
}

// input [1,8,8,16] -> SPLIT on channels -> max pool 3x3 | ADD(piece, piece)
//   -> CONCATENATION on channels -> SLICE rows 2..5 -> average pool 2x2 stride 2 -> output
ir::Model split_pool_add_concat_slice_pool() {
  Net n;
  const float s = 0.05f;
  const int64_t zp = -3;
  int in = n.tensor("input", {1, 8, 8, 16}, s, zp);
  int axis = n.int32_constant("axis", {3});
  int a = n.tensor("piece_a", {1, 8, 8, 8}, s, zp);
  int b = n.tensor("piece_b", {1, 8, 8, 8}, s, zp);
  int pooled = n.tensor("pooled", {1, 8, 8, 8}, s, zp);
  int added = n.tensor("added", {1, 8, 8, 8}, s, zp);
  int joined = n.tensor("joined", {1, 8, 8, 16}, s, zp);
  int begin = n.int32_constant("begin", {0, 2, 0, 0});
  int size = n.int32_constant("size", {1, 4, 8, 16});
  int rows = n.tensor("rows", {1, 4, 8, 16}, s, zp);
  int out = n.tensor("output", {1, 2, 4, 16}, s, zp);
  tflite::SplitOptionsT split;
  split.num_splits = 2;
  n.op<tflite::SplitOptions>(ir::BuiltinOp::SPLIT, {axis, in}, {a, b}, split);
  n.op<tflite::Pool2DOptions>(ir::BuiltinOp::MAX_POOL_2D, {a}, {pooled},
                              pool(3, 1, tflite::Padding::SAME));
  n.op<tflite::AddOptions>(ir::BuiltinOp::ADD, {b, b}, {added}, tflite::AddOptionsT{});
  tflite::ConcatenationOptionsT concat;
  concat.axis = 3;
  n.op<tflite::ConcatenationOptions>(ir::BuiltinOp::CONCATENATION, {pooled, added}, {joined},
                                     concat);
  n.op<tflite::SliceOptions>(ir::BuiltinOp::SLICE, {joined, begin, size}, {rows},
                             tflite::SliceOptionsT{});
  n.op<tflite::Pool2DOptions>(ir::BuiltinOp::AVERAGE_POOL_2D, {rows}, {out},
                              pool(2, 2, tflite::Padding::VALID));
  n.io({in}, {out});
  return n.model();
}

// Two graph inputs joined on height (copies: nothing in the segment produces them), with
// different quantisation (TFLite joins bytes as they are), then split on width into two
// outputs of the graph (copies: the CPU reads them).
ir::Model inputs_joined_then_split_to_outputs() {
  Net n;
  int x = n.tensor("x", {1, 3, 6, 4}, 0.1f, 5);
  int y = n.tensor("y", {1, 5, 6, 4}, 0.02f, -7);
  int joined = n.tensor("joined", {1, 8, 6, 4}, 0.1f, 5);
  int axis = n.int32_constant("axis", {2});
  int sizes = n.int32_constant("sizes", {2, 4});
  int left = n.tensor("left", {1, 8, 2, 4}, 0.1f, 5);
  int right = n.tensor("right", {1, 8, 4, 4}, 0.1f, 5);
  tflite::ConcatenationOptionsT concat;
  concat.axis = 1;
  n.op<tflite::ConcatenationOptions>(ir::BuiltinOp::CONCATENATION, {x, y}, {joined}, concat);
  tflite::SplitVOptionsT split;
  split.num_splits = 2;
  n.op<tflite::SplitVOptions>(ir::BuiltinOp::SPLIT_V, {joined, sizes, axis}, {left, right}, split);
  n.io({x, y}, {left, right});
  return n.model();
}

int byte_copies(const frontend::LoweredSubgraph& l) {
  int copies = 0;
  for (const auto& seg : l.segments) {
    for (const ir::NpuOp& op : seg.graph.ops)
      copies += op.byte_copy ? 1 : 0;
  }
  return copies;
}

frontend::LoweredSubgraph lower_all(const ir::Model& m) {
  return frontend::lower_subgraph(m, 0, std::vector<bool>(m.subgraphs[0].operators.size(), true));
}

// Runs the original on the reference interpreter and the compiled model on the functional
// model with the same random inputs; every output must be identical.
void expect_same_outputs(const ir::Model& original, const std::string& accelerator) {
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator(accelerator);
  arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  ir::Model compiled = driver::compile_model(original, system, {}).model;
  ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u) << "one ethos-u operator expected";
  refinterp::Interpreter want(original);
  refinterp::Interpreter got(tfl::read_model(tfl::write_model(compiled), "compiled"),
                             npusim::ethosu_kernel_factory("compiled"));
  std::mt19937 rng(7);
  for (int run = 0; run < 3; ++run) {
    for (size_t k = 0; k < want.input_count(); ++k) {
      std::vector<uint8_t> bytes(static_cast<size_t>(want.input_tensor(k).num_elements()));
      for (uint8_t& v : bytes)
        v = static_cast<uint8_t>(rng());
      want.set_input(k, bytes);
      got.set_input(k, bytes);
    }
    want.invoke();
    got.invoke();
    ASSERT_EQ(got.output_count(), want.output_count());
    for (size_t k = 0; k < want.output_count(); ++k) {
      auto a = want.output(k);
      auto b = got.output(k);
      ASSERT_EQ(a.size(), b.size());
      EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()))
          << accelerator << " run " << run << " output " << k;
    }
  }
}

TEST(InPlacePieces, SplitConcatAndSliceInsideASegmentMoveNoData) {
  ir::Model m = split_pool_add_concat_slice_pool();
  frontend::LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);
  ASSERT_TRUE(l.segments[0].on_npu);
  const ir::NpuGraph& g = l.segments[0].graph;
  // Max pool, add, average pool: the split, the concatenation and the slice are addressing.
  EXPECT_EQ(g.ops.size(), 3u);
  EXPECT_EQ(byte_copies(l), 0);
  // The add reads the second half of the input's channels, twice.
  const ir::NpuOp& add = g.ops[1];
  EXPECT_EQ(add.ifm.tensor, g.inputs[0]);
  EXPECT_EQ(add.ifm.offset, (ir::Shape4{0, 0, 0, 8}));
  EXPECT_EQ(add.ifm.shape, (ir::Shape4{1, 8, 8, 8}));
  EXPECT_EQ(add.ifm2.offset, (ir::Shape4{0, 0, 0, 8}));
  // ... and writes the second half of the joined tensor, which the last pool reads from row 2.
  EXPECT_EQ(add.ofm.tensor, g.ops[0].ofm.tensor);
  EXPECT_EQ(add.ofm.offset, (ir::Shape4{0, 0, 0, 8}));
  EXPECT_EQ(g.ops[0].ofm.offset, (ir::Shape4{0, 0, 0, 0}));
  EXPECT_EQ(g.ops[2].ifm.tensor, add.ofm.tensor);
  EXPECT_EQ(g.ops[2].ifm.offset, (ir::Shape4{0, 2, 0, 0}));
  EXPECT_EQ(g.ops[2].ifm.shape, (ir::Shape4{1, 4, 8, 16}));
}

TEST(InPlacePieces, SplitConcatAndSliceGiveTheReferenceOutputs) {
  ir::Model m = split_pool_add_concat_slice_pool();
  for (const char* acc : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"})
    expect_same_outputs(m, acc);
}

TEST(InPlacePieces, GraphInputsAndOutputsAreCopiedAsRawBytes) {
  ir::Model m = inputs_joined_then_split_to_outputs();
  frontend::LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);
  // Two pieces into the join, two out of the split; the joined tensor is internal.
  EXPECT_EQ(byte_copies(l), 4);
  for (const char* acc : {"ethos-u55-64", "ethos-u65-256"})
    expect_same_outputs(m, acc);
}

}  // namespace
}  // namespace euc
