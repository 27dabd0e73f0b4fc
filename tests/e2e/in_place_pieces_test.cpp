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
#include "refinterp/interpreter.hpp"
#include "runner/ethosu_kernel.hpp"
#include "small_network.hpp"
#include "tflite/options.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc {
namespace {

using test::expect_same_outputs;
using test::Net;

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

// A network that only reshapes has no CPU operator to stay with: it runs on the NPU (one copy),
// as Vela places it. RESHAPE then SQUEEZE then EXPAND_DIMS, graph input to graph output.
TEST(InPlacePieces, ANetworkOfOnlyReshapesRunsOnTheNpu) {
  Net n;
  const float s = 0.1f;
  const int64_t zp = 5;
  int in = n.tensor("input", {1, 4, 4, 8}, s, zp);
  int shape = n.int32_constant("shape", {1, 1, 16, 8});
  int flat = n.tensor("flat", {1, 1, 16, 8}, s, zp);
  int squeezed = n.tensor("squeezed", {16, 8}, s, zp);
  int out = n.tensor("output", {16, 1, 8}, s, zp);
  int axis = n.int32_constant("axis", {1});
  tflite::ReshapeOptionsT reshape;
  reshape.new_shape = {1, 1, 16, 8};
  n.op<tflite::ReshapeOptions>(ir::BuiltinOp::RESHAPE, {in, shape}, {flat}, reshape);
  tflite::SqueezeOptionsT squeeze;
  squeeze.squeeze_dims = {0, 1};
  n.op<tflite::SqueezeOptions>(ir::BuiltinOp::SQUEEZE, {flat}, {squeezed}, squeeze);
  n.op<tflite::ExpandDimsOptions>(ir::BuiltinOp::EXPAND_DIMS, {squeezed, axis}, {out},
                                  tflite::ExpandDimsOptionsT{});
  n.io({in}, {out});
  ir::Model m = n.model();
  frontend::LoweredSubgraph l = lower_all(m);
  ASSERT_EQ(l.segments.size(), 1u);
  EXPECT_TRUE(l.segments[0].on_npu);
  for (const char* acc : {"ethos-u55-64", "ethos-u65-256"})
    expect_same_outputs(m, acc);
}

}  // namespace
}  // namespace euc
