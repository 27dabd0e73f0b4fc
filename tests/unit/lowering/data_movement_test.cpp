// Data movement lowerings on corpus models: the strided views each copy reads and writes,
// derived by hand from the shapes (linear NHWC element strides).
#include "frontend/lowering/data_movement.hpp"

#include <gtest/gtest.h>

#include "frontend/lowering/lowering.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::frontend {
namespace {

const ir::NpuGraph& only_segment(const LoweredSubgraph& l) {
  EXPECT_EQ(l.segments.size(), 1u);
  EXPECT_TRUE(l.segments.at(0).on_npu);
  return l.segments.at(0).graph;
}

ir::Model load(const std::string& relative) {
  return tfl::read_model_file(test::shared_dir() / relative);
}

TEST(DataMovementLowering, TransposeKeepingChannelsIsOneCopyWithSwappedStrides) {
  EUC_REQUIRE_SHARED();
  // [0,2,1,3] of [1,8,16,8]: output (w, h, c) reads input row stride 128, column stride 8.
  const ir::Model m = load("models/ops/transpose_0213_int8.tflite");
  ASSERT_EQ(data_movement_why_not(m, 0, 0), std::nullopt);
  const LoweredSubgraph l = lower_subgraph(m, 0, {true});
  const ir::NpuGraph& g = only_segment(l);
  ASSERT_EQ(g.ops.size(), 1u);
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.type, ir::NpuOpType::kMaxPool);
  EXPECT_TRUE(op.byte_copy);
  EXPECT_EQ(op.ifm.shape, (ir::Shape4{1, 16, 8, 8}));
  ASSERT_TRUE(op.ifm.strided() && op.ofm.strided());
  EXPECT_EQ(*op.ifm.strides, (ir::ElementStrides{0, 8, 128}));
  EXPECT_EQ(*op.ofm.strides, (ir::ElementStrides{0, 64, 8}));
}

TEST(DataMovementLowering, TransposeMovingChannelsCopiesDepthOneLattices) {
  EUC_REQUIRE_SHARED();
  // [0,3,1,2] of [1,8,16,8] -> [1,8,8,16]: out (c', h', w') = in (h, w, c) with input steps
  // 1, 128, 8 and output steps 128, 16, 1. The last two lie end to end in both (128 = 8 x 16,
  // 16 = 1 x 16) and merge into one axis of 128; the channel axis is contiguous in neither, so
  // one copy of a depth-1 lattice of 8 rows (input step 1, output step 128) by 128 columns
  // (input step 8, output step 1).
  const ir::Model m = load("models/ops/transpose_0312_int8.tflite");
  ASSERT_EQ(data_movement_operations(m, 0, 0), 1);
  const LoweredSubgraph l = lower_subgraph(m, 0, {true});
  const ir::NpuGraph& g = only_segment(l);
  ASSERT_EQ(g.ops.size(), 1u);
  const ir::NpuOp& op = g.ops[0];
  EXPECT_EQ(op.ifm.shape, (ir::Shape4{1, 8, 128, 1}));
  EXPECT_EQ(*op.ifm.strides, (ir::ElementStrides{0, 1, 8}));
  EXPECT_EQ(*op.ofm.strides, (ir::ElementStrides{0, 128, 1}));
  const auto [first, last] = ir::strided_footprint(op.ifm);
  EXPECT_EQ(first, 0);
  EXPECT_EQ(last, 7 + 127 * 8);
}

TEST(DataMovementLowering, ReverseWritesBackwardsFromTheLastRow) {
  EUC_REQUIRE_SHARED();
  // REVERSE_V2 along axis 1 of [1,8,8,16]: width and channels lie end to end in both tensors
  // and merge into one channel run of 128; the output's row step is -128 from row 7 (element
  // 896), as Vela 5.1's negative OFM stride.
  const ir::Model m = load("models/ops51/reverse_v2_axis1_8x8x16_int8.tflite");
  const LoweredSubgraph l = lower_subgraph(m, 0, {true});
  const ir::NpuGraph& g = only_segment(l);
  ASSERT_EQ(g.ops.size(), 1u);
  EXPECT_EQ(g.ops[0].ofm.shape, (ir::Shape4{1, 8, 1, 128}));
  EXPECT_EQ(*g.ops[0].ifm.strides, (ir::ElementStrides{0, 128, 128}));
  EXPECT_EQ(*g.ops[0].ofm.strides, (ir::ElementStrides{896, -128, 128}));
}

TEST(DataMovementLowering, StandalonePadIsACentreCopyAndFourFills) {
  EUC_REQUIRE_SHARED();
  // PAD h 1/1, w 2/2 of [1,16,16,8] read by no convolution: the centre copy (16 rows of 128
  // contiguous elements, from row 1 column 2), then slabs above and below (1 x 20 x 8, one run
  // of 160) and left and right (16 x 2 x 8) from one pad-value constant of 256 elements (the
  // largest slab) holding the output zero point.
  const ir::Model m = load("models/ops/pad_h1w2_int8.tflite");
  ASSERT_EQ(data_movement_why_not(m, 0, 0), std::nullopt);
  const LoweredSubgraph l = lower_subgraph(m, 0, {true});
  const ir::NpuGraph& g = only_segment(l);
  ASSERT_EQ(g.ops.size(), 5u);
  EXPECT_EQ(*g.ops[0].ofm.strides, (ir::ElementStrides{(1 * 20 + 2) * 8, 20 * 8, 128}));
  const ir::NpuTensor& fill = g.tensors.at(static_cast<size_t>(g.ops[1].ifm.tensor));
  ASSERT_TRUE(fill.is_constant());
  EXPECT_EQ(fill.data->size(), 256u);
  const auto zp =
      static_cast<uint8_t>(g.tensors.at(static_cast<size_t>(g.ops[0].ofm.tensor)).quant.zero_point);
  for (uint8_t b : *fill.data)
    EXPECT_EQ(b, zp);
}

TEST(DataMovementLowering, CopyCountsFollowTheShapes) {
  EUC_REQUIRE_SHARED();
  // The corpus' strided slice with stride 2 in H and W is one copy.
  EXPECT_EQ(data_movement_operations(load("models/ops/strided_slice_s2_int8.tflite"), 0, 0), 1);
  // [0,3,1,2] of [1,300,300,3]: depth-1 lattices of 300 x 300, one per channel.
  ir::Model m = load("models/ops/transpose_0312_int8.tflite");
  ir::Subgraph& sg = m.subgraphs[0];
  sg.tensors[sg.operators[0].inputs[0]].shape = {1, 300, 300, 3};
  sg.tensors[sg.operators[0].outputs[0]].shape = {1, 3, 300, 300};
  EXPECT_EQ(data_movement_operations(m, 0, 0), 3);
  // [0,3,1,2] of [1,70000,2,2]: rows longer than the NPU's 65536 cannot be a lattice axis, so
  // one copy would run per row: the CPU, with the reason.
  sg.tensors[sg.operators[0].inputs[0]].shape = {1, 70000, 2, 2};
  sg.tensors[sg.operators[0].outputs[0]].shape = {1, 2, 70000, 2};
  const auto why = data_movement_why_not(m, 0, 0);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("more than 256 NPU operations"), std::string::npos) << *why;
}

TEST(DataMovementLowering, TensorsOfAnExistingEthosuOperatorStayWhereTheyAre) {
  EUC_REQUIRE_SHARED();
  // A model Vela compiled: its transposes sit between ethos-u operators whose command streams
  // address their inputs and outputs at fixed arena offsets, so they stay on the CPU.
  const ir::Model m = load("regressions/vela_shared_scratch/yolo_style_vela.tflite");
  const ir::Subgraph& sg = m.subgraphs[0];
  int transposes = 0;
  for (size_t i = 0; i < sg.operators.size(); ++i) {
    if (sg.operators[i].type == ir::BuiltinOp::TRANSPOSE) {
      ++transposes;
      EXPECT_EQ(data_movement_why_not(m, 0, static_cast<int>(i)), std::nullopt);
    }
  }
  EXPECT_EQ(transposes, 4);
  const LoweredSubgraph l = lower_subgraph(m, 0, std::vector<bool>(sg.operators.size(), true));
  for (const Segment& s : l.segments)
    EXPECT_FALSE(s.on_npu);
}

}  // namespace
}  // namespace euc::frontend
