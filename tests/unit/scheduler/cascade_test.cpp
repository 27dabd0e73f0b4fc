// Cascade geometry, against windows derived by hand from kernel, stride and padding.
#include <gtest/gtest.h>

#include "scheduler/cascade.hpp"

namespace euc::scheduler {
namespace {

ir::NpuOp conv(int ifm_h, int ofm_h, int k, int stride, int pad_top, int pad_bottom) {
  ir::NpuOp op;
  op.type = ir::NpuOpType::kConv2D;
  op.ifm.shape = {1, ifm_h, 8, 8};
  op.ofm.shape = {1, ofm_h, 8, 8};
  op.kernel.height = op.kernel.width = k;
  op.kernel.stride_y = op.kernel.stride_x = stride;
  op.padding = {pad_top, 0, pad_bottom, 0};
  return op;
}

TEST(Cascade, InputRowsFollowStrideKernelAndPadding) {
  // 3x3 stride 2 over 96 rows into 48 (SAME: no padding on top, one row below).
  const ir::NpuOp s2 = conv(96, 48, 3, 2, 0, 1);
  RowWindow w = input_rows(s2, 0, 4);  // rows 0..3 read 0..(3*2+2) = 0..8
  EXPECT_EQ(w.begin, 0);
  EXPECT_EQ(w.end, 9);
  EXPECT_EQ(w.pad_top, 0);
  EXPECT_EQ(w.pad_bottom, 0);
  w = input_rows(s2, 47, 48);  // row 47 reads 94..96: the last one is the padding row
  EXPECT_EQ(w.begin, 94);
  EXPECT_EQ(w.end, 96);
  EXPECT_EQ(w.pad_bottom, 1);
  // 3x3 stride 1, SAME: one padding row above and below.
  const ir::NpuOp s1 = conv(10, 10, 3, 1, 1, 1);
  w = input_rows(s1, 0, 1);
  EXPECT_EQ(w.begin, 0);
  EXPECT_EQ(w.end, 2);
  EXPECT_EQ(w.pad_top, 1);
  w = input_rows(s1, 4, 6);  // rows 4, 5 read 3..6
  EXPECT_EQ(w.begin, 3);
  EXPECT_EQ(w.end, 7);
  EXPECT_EQ(w.pad_top + w.pad_bottom, 0);
}

TEST(Cascade, PassesProduceEveryRowOnceAndRollingBuffersHoldTheWindow) {
  // Two 3x3 stride-1 SAME convolutions on 10 rows, the second in stripes of 2 rows.
  ir::NpuGraph g;
  for (int t = 0; t < 3; ++t) {
    ir::NpuTensor tensor;
    tensor.shape = {1, 10, 8, 8};
    g.tensors.push_back(tensor);
  }
  for (int k = 0; k < 2; ++k) {
    ir::NpuOp op = conv(10, 10, 3, 1, 1, 1);
    op.ifm.tensor = k;
    op.ofm.tensor = k + 1;
    g.ops.push_back(op);
  }
  g.inputs = {0};
  g.outputs = {2};
  ASSERT_TRUE(can_cascade(g, 0, 1));
  const Cascade c{0, 1, 2};
  std::vector<Pass> passes = cascade_passes(g, c);
  // Stripe 0 needs rows 0..2 of the first OFM (rows 0..1 of the second read 0..2).
  ASSERT_GE(passes.size(), 2u);
  EXPECT_EQ(passes[0].op, 0);
  EXPECT_EQ(passes[0].row_begin, 0);
  EXPECT_EQ(passes[0].row_end, 3);
  EXPECT_EQ(passes[1].op, 1);
  EXPECT_EQ(passes[1].row_end, 2);
  std::vector<int> done(2, 0);
  for (const Pass& p : passes) {
    EXPECT_EQ(p.row_begin, done[static_cast<size_t>(p.op)]);
    done[static_cast<size_t>(p.op)] = p.row_end;
  }
  EXPECT_EQ(done, (std::vector<int>{10, 10}));
  // Two OFM rows read four IFM rows: the rolling buffer holds 4 of the 10.
  EXPECT_EQ(rolling_rows(g, c, 1), 4);
  // A tensor read by anything else cannot be cascaded through.
  ir::NpuOp extra = g.ops[1];
  extra.ifm.tensor = 1;
  g.ops.push_back(extra);
  EXPECT_FALSE(can_cascade(g, 0, 1));
}

// t0 -> op0 -> t1 -> op1 -> t2, single-batch 8-wide maps.
ir::NpuGraph chain(const ir::NpuOp& first, const ir::NpuOp& second, int t1_depth) {
  ir::NpuGraph g;
  for (const ir::Shape4& s :
       {first.ifm.shape, ir::Shape4{1, first.ofm.shape.h, 8, t1_depth}, second.ofm.shape}) {
    ir::NpuTensor t;
    t.shape = s;
    g.tensors.push_back(t);
  }
  g.ops = {first, second};
  g.ops[0].ifm.tensor = 0;
  g.ops[0].ofm.tensor = 1;
  g.ops[0].ofm.shape.c = t1_depth;
  g.ops[1].ifm.tensor = 1;
  g.ops[1].ifm.shape.c = t1_depth;
  g.ops[1].ofm.tensor = 2;
  g.inputs = {0};
  g.outputs = {2};
  return g;
}

TEST(Cascade, RollingBufferHoldsTheLargestWindowAndIsSizedInItsLayout) {
  // 3x3 stride 1 SAME (10 -> 10 rows, 24 channels) into 3x3 stride 2 (10 -> 5, padding one row
  // below), one OFM row per stripe. OFM row r reads rows 2r..2r+2: the producer runs rows
  // [0,3), [3,5), [5,7), [7,9), [9,10) and the consumer's windows are 3 rows (the last 2).
  const ir::NpuGraph g = chain(conv(10, 10, 3, 1, 1, 1), conv(10, 5, 3, 2, 0, 1), 24);
  ASSERT_TRUE(can_cascade(g, 0, 1));
  Plan plan;
  plan.ops.resize(2);
  plan.tensors.resize(3);
  plan.tensors[1].layout = Layout::kNhcwb16;
  apply_cascade(g, plan, Cascade{0, 1, 1});
  std::vector<std::pair<int, int>> producer;
  for (const Pass& p : plan.passes) {
    if (p.op == 0)
      producer.push_back({p.row_begin, p.row_end});
  }
  EXPECT_EQ(producer, (std::vector<std::pair<int, int>>{{0, 3}, {3, 5}, {5, 7}, {7, 9}, {9, 10}}));
  EXPECT_EQ(plan.tensors[1].rolling_rows, 3);
  // 3 rows of 8 x 32 (24 channels in 16-channel bricks) bytes; NHWC would be 3 x 8 x 24.
  EXPECT_EQ(plan.tensors[1].size, 3 * 8 * 32);
  EXPECT_EQ(plan.ops[1].ofm_stripe.h, 1);
  EXPECT_EQ(plan.ops[0].ofm_stripe.h, 10);
  EXPECT_EQ(plan.cascades.size(), 1u);
  EXPECT_EQ(plan.ops[0].cascade, 0);
  EXPECT_EQ(plan.ops[1].cascade, 0);
}

TEST(Cascade, AStrideAboveTheKernelStillHoldsAllRowsOfAProducerPass) {
  // 1x1 pooling stride 2 (the shape of an old cascade bug): OFM row r reads IFM row 2r only, but
  // the producer writes rows [1, 3) in one pass before row 1: tile addressing wraps once, so the
  // buffer holds 2 rows, not 1.
  ir::NpuOp pool = conv(10, 5, 1, 2, 0, 0);
  pool.type = ir::NpuOpType::kMaxPool;
  const ir::NpuGraph g = chain(conv(10, 10, 3, 1, 1, 1), pool, 16);
  const Cascade c{0, 1, 1};
  EXPECT_EQ(rolling_rows(g, c, 1), 2);
  // Two OFM rows per stripe: windows [0, 3), [4, 7), [8, 9); producer passes of 3 and 4 rows.
  EXPECT_EQ(rolling_rows(g, Cascade{0, 1, 2}, 1), 4);
}

}  // namespace
}  // namespace euc::scheduler
