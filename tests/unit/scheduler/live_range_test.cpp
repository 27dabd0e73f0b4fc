// Live ranges of a small hand-built segment, with the steps and bytes derived by hand.
#include <gtest/gtest.h>

#include "scheduler/allocator.hpp"
#include "scheduler/live_range.hpp"

namespace euc::scheduler {
namespace {

ir::NpuTensor feature_map(const ir::Shape4& shape) {
  ir::NpuTensor t;
  t.shape = shape;
  return t;
}

// t0 (input, 4x4x16 = 256 bytes) -> op0 -> t1 (256) -> op1 -> t2 (4x4x32 = 512), reshaped as t3
// (1x16x32, the same 512 bytes); op2 adds t3 and t1 (a residual) into t4 (512, the output).
// t5 is op0's constant weights.
ir::NpuGraph residual_chain() {
  ir::NpuGraph g;
  g.tensors = {feature_map({1, 4, 4, 16}),  feature_map({1, 4, 4, 16}),
               feature_map({1, 4, 4, 32}),  feature_map({1, 1, 16, 32}),
               feature_map({1, 1, 16, 32}), feature_map({16, 1, 1, 16})};
  g.tensors[3].alias_of = 2;
  g.tensors[5].data = std::make_shared<const std::vector<uint8_t>>(256, uint8_t{1});
  ir::NpuOp op0, op1, op2;
  op0.ifm.tensor = 0;
  op0.ofm.tensor = 1;
  op0.weights = 5;
  op1.ifm.tensor = 1;
  op1.ofm.tensor = 2;
  op2.type = ir::NpuOpType::kAdd;
  op2.ifm.tensor = 3;
  op2.ifm2.tensor = 1;
  op2.ofm.tensor = 4;
  g.ops = {op0, op1, op2};
  g.inputs = {0};
  g.outputs = {4};
  return g;
}

TEST(LiveRange, RangesRunFromWriterToLastReaderAndAliasesShareOne) {
  const ir::NpuGraph g = residual_chain();
  const LiveRanges live = compute_live_ranges(g);
  // One range per storage root, in tensor order; the constant has none.
  ASSERT_EQ(live.ranges.size(), 4u);
  EXPECT_EQ(live.range_of, (std::vector<int>{0, 1, 2, 2, 3, -1}));
  auto expect = [&](int r, int start, int end, int64_t size) {
    const LiveRange& lr = live.ranges[static_cast<size_t>(r)];
    EXPECT_EQ(lr.start, start) << r;
    EXPECT_EQ(lr.end, end) << r;
    EXPECT_EQ(lr.size, size) << r;
  };
  expect(0, 0, 0, 256);  // the input: from the start to op0
  expect(1, 0, 2, 256);  // written by op0, read by op1 and (as the residual) op2
  expect(2, 1, 2, 512);  // t2 and its reshape t3: op1 writes, op2 reads
  expect(3, 2, 2, 512);  // the output, to the end
  EXPECT_EQ(live.ranges[2].tensors, (std::vector<int>{2, 3}));
  // Bytes live per step: 256 + 256; 256 + 512; 256 + 512 + 512.
  EXPECT_EQ(live_bytes_per_step(live, 3), (std::vector<int64_t>{512, 768, 1280}));
  EXPECT_EQ(lower_bound(live.ranges), 1280);
}

TEST(LiveRange, CascadesStretchRangesOverTheirOperationsAndPlanSizesCount) {
  const ir::NpuGraph g = residual_chain();
  Plan plan;
  plan.ops.resize(3);
  plan.tensors.resize(6);
  for (size_t t = 0; t < 5; ++t)
    plan.tensors[t].size = linear_size(g.tensors[t]);
  // ops 0 and 1 cascaded: t1 is a rolling buffer of 2 rows (2 x 4 x 16 bytes).
  plan.cascades = {{0, 1, 1}};
  plan.tensors[1].rolling_rows = 2;
  plan.tensors[1].size = 128;
  const LiveRanges live = compute_live_ranges(g, &plan);
  // Everything ops 0 and 1 touch is live across both: t0 to step 1, t2 from step 0.
  EXPECT_EQ(live.ranges[0].end, 1);
  EXPECT_EQ(live.ranges[1].size, 128);
  EXPECT_EQ(live.ranges[2].start, 0);
  EXPECT_EQ(live_bytes_per_step(live, 3), (std::vector<int64_t>{896, 896, 1152}));
  // A staged copy of the input is live from its first reader to the input's last step.
  const LiveRange staged = staged_range(live, StagedInput{0, -1, 256, 0});
  EXPECT_EQ(staged.start, 0);
  EXPECT_EQ(staged.end, 1);
  EXPECT_EQ(staged.size, 256);
}

TEST(LiveRange, SramBytesCountOnlyWhatIsInSram) {
  const ir::NpuGraph g = residual_chain();
  Plan plan;
  plan.ops.resize(3);
  plan.tensors.resize(6);
  for (size_t t = 0; t < 5; ++t)
    plan.tensors[t].size = linear_size(g.tensors[t]);
  EXPECT_EQ(sram_bytes_per_step(g, plan, true), (std::vector<int64_t>{512, 768, 1280}));
  EXPECT_EQ(sram_bytes_per_step(g, plan, false), (std::vector<int64_t>{0, 0, 0}));
  // Spilling: only t1 is in the cache, plus a staged copy of the input for op0.
  plan.spilling = true;
  plan.tensors[1].region = Region::kFastArena;
  plan.staged = {StagedInput{0, 0, 256, 0}};
  EXPECT_EQ(sram_bytes_per_step(g, plan, false), (std::vector<int64_t>{512, 256, 256}));
}

TEST(LiveRange, AllocatorsOnTheHandBuiltRanges) {
  const LiveRanges live = compute_live_ranges(residual_chain());
  // Greedy by start (ties: larger first, then list order): r0 at 0, r1 at 256; r2 (steps 1-2)
  // clears r1 only but 512 bytes do not fit below 256: 512; r3 (step 2) clears r1 and r2: 1024.
  const Allocation greedy = allocate_greedy(live.ranges);
  EXPECT_EQ(greedy.addresses, (std::vector<int64_t>{0, 256, 512, 1024}));
  EXPECT_EQ(greedy.peak, 1536);
  // HillClimb's largest-first order reaches the lower bound: r2 at 0, r3 at 512, r0 at 0 (not
  // live with r2), r1 above them all at 1024.
  const Allocation climb = allocate_hill_climb(live.ranges);
  EXPECT_EQ(climb.peak, 1280);
  EXPECT_EQ(climb.addresses, (std::vector<int64_t>{0, 1024, 0, 512}));
}

}  // namespace
}  // namespace euc::scheduler
