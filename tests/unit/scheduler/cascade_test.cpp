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

}  // namespace
}  // namespace euc::scheduler
