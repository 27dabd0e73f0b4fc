// The hazard checker on hand-made streams: each kind of race it must find, the wait or BLOCKDEP
// that removes it, and the largest safe BLOCKDEP derived by hand from the block walk.
#include <gtest/gtest.h>

#include <string>

#include "npu/command.hpp"
#include "npu/operation.hpp"
#include "npuhazard/hazard_check.hpp"
#include "stream_builder.hpp"

namespace euc::npuhazard {
namespace {

using npusim::test::Fm;
using npusim::test::StreamBuilder;

const arch::AcceleratorConfig& u55() {
  return arch::accelerator_config(arch::Accelerator::kEthosU55_256);
}

std::vector<Hazard> hazards_of(const StreamBuilder& s) {
  return find_hazards(s.words(), u55());
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// 4x4x8 int8 NHWC feature maps in region 1: 128 bytes each.
const Fm kA{1, 0x000, 4, 4, 8, 8, true, false, 0};
const Fm kB{1, 0x100, 4, 4, 8, 8, true, false, 0};
const Fm kC{1, 0x200, 4, 4, 8, 8, true, false, 0};

// A 1x1 max pool from `in` to `out` in 2x2x8 OFM blocks (StreamBuilder::block), BLOCKDEP `dep`.
StreamBuilder& pool(StreamBuilder& s, const Fm& in, const Fm& out, int dep = 0) {
  s.ifm(in).ofm(out).kernel(1, 1).block(8).cmd0(npu::Opcode::kSetBlockdep,
                                                static_cast<uint16_t>(dep));
  return s.pool(npu::PoolingMode::kMax);
}

TEST(HazardCheck, DmaOverwritingTheIfmOfARunningKernelNeedsAKernelWait) {
  StreamBuilder racing;
  pool(racing, kA, kB).dma(0, 0, 1, kA.base + 16, 16).stop();
  const auto found = hazards_of(racing);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].earlier, 0u);
  EXPECT_EQ(found[0].later, 1u);
  EXPECT_TRUE(contains(found[0].message, "NPU_OP_KERNEL_WAIT is missing")) << found[0].message;
  EXPECT_TRUE(contains(found[0].message, "[0x10, 0x20) of region 1")) << found[0].message;

  StreamBuilder waiting;
  pool(waiting, kA, kB).kernel_wait(0).dma(0, 0, 1, kA.base + 16, 16).stop();
  EXPECT_TRUE(hazards_of(waiting).empty());

  // KERNEL_WAIT 1 leaves the one kernel running.
  StreamBuilder half;
  pool(half, kA, kB).kernel_wait(1).dma(0, 0, 1, kA.base + 16, 16).stop();
  EXPECT_EQ(hazards_of(half).size(), 1u);

  // A copy elsewhere needs no wait.
  StreamBuilder elsewhere;
  pool(elsewhere, kA, kB).dma(0, 0, 1, kC.base, 16).stop();
  EXPECT_TRUE(hazards_of(elsewhere).empty());
}

TEST(HazardCheck, KernelReadingAnOutstandingDmaDestinationNeedsADmaWait) {
  StreamBuilder racing;
  racing.dma(0, 0, 1, kA.base, 128);
  pool(racing, kA, kB).stop();
  const auto found = hazards_of(racing);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(contains(found[0].message, "NPU_OP_DMA_WAIT is missing")) << found[0].message;

  StreamBuilder waiting;
  waiting.dma(0, 0, 1, kA.base, 128).dma_wait(0);
  pool(waiting, kA, kB).stop();
  EXPECT_TRUE(hazards_of(waiting).empty());

  // The U55 keeps one DMA in flight: issuing a second waits for the first, so only the second
  // can race with the kernel.
  StreamBuilder second;
  second.dma(0, 0, 1, kA.base, 128).dma(0, 0, 1, kC.base, 128);
  pool(second, kA, kB).stop();
  EXPECT_TRUE(hazards_of(second).empty());
}

TEST(HazardCheck, BlockdepThreeWhereTheNextIfmReadsThePreviousLastBlockIsARace) {
  // A 4x4 max pool of B (its one OFM block reads every element of B) after a pool writing B
  // in four 2x2 blocks: the first job reads the last block the previous kernel writes.
  const Fm one{1, 0x300, 1, 1, 8, 8, true, false, 0};
  StreamBuilder racing;
  pool(racing, kA, kB);
  racing.ifm(kB).ofm(one).kernel(4, 4).block(8).cmd0(npu::Opcode::kSetBlockdep, 3);
  racing.pool(npu::PoolingMode::kMax).stop();
  const auto found = hazards_of(racing);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].earlier, 0u);
  EXPECT_EQ(found[0].later, 1u);
  EXPECT_TRUE(contains(found[0].message, "BLOCKDEP 3")) << found[0].message;
  EXPECT_TRUE(contains(found[0].message, "OFM block 3 (4 blocks in all)")) << found[0].message;
  EXPECT_TRUE(contains(found[0].message, "at most 0 is safe")) << found[0].message;

  StreamBuilder serial;
  pool(serial, kA, kB);
  serial.ifm(kB).ofm(one).kernel(4, 4).block(8).cmd0(npu::Opcode::kSetBlockdep, 0);
  serial.pool(npu::PoolingMode::kMax).stop();
  EXPECT_TRUE(hazards_of(serial).empty());

  // Unrelated tensors may overlap fully.
  StreamBuilder apart;
  pool(apart, kA, kB);
  pool(apart, kC, Fm{1, 0x380, 4, 4, 8, 8, true, false, 0}, 3).stop();
  EXPECT_TRUE(hazards_of(apart).empty());
}

TEST(HazardCheck, SafeBlockdepFollowsTheBlockWalk) {
  // Previous: B in 2x2 blocks, walked (rows 0-1, cols 0-1), (0-1, 2-3), (2-3, 0-1), (2-3, 2-3).
  // Next, a 1x1 pool of B with the same blocks reads block k exactly what block k wrote: its
  // job k never meets the last 3 - k blocks, so 3 is safe.
  StreamBuilder same;
  pool(same, kA, kB);
  pool(same, kB, kC, 3).stop();
  const auto decoded = npu::decode_stream(same.words());
  const auto ops = npu::extract_operations(decoded);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(safe_blockdep(ops[0], ops[1], u55()), 3);
  EXPECT_TRUE(hazards_of(same).empty());

  // Next in 2-row x 4-column blocks: job 0 reads rows 0-1 (blocks 0 and 1 of the previous
  // kernel), job 1 rows 2-3, which its last block writes. BLOCKDEP 1 lets job 0 overlap block
  // 3 only: safe. BLOCKDEP 2 lets job 1 overlap block 3: a race.
  StreamBuilder wide;
  pool(wide, kA, kB);
  wide.ifm(kB).ofm(kC).kernel(1, 1).block(8).cmd0(npu::Opcode::kSetOfmBlkWidthM1, 3);
  wide.cmd0(npu::Opcode::kSetBlockdep, 2).pool(npu::PoolingMode::kMax).stop();
  const auto wide_ops = npu::extract_operations(npu::decode_stream(wide.words()));
  EXPECT_EQ(safe_blockdep(wide_ops[0], wide_ops[1], u55()), 1);
  const auto found = hazards_of(wide);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(contains(found[0].message, "job 1 (OFM block 1)")) << found[0].message;
  EXPECT_TRUE(contains(found[0].message, "at most 1 is safe")) << found[0].message;
}

TEST(HazardCheck, AKernelWaitEndsTheOverlap) {
  const Fm one{1, 0x300, 1, 1, 8, 8, true, false, 0};
  StreamBuilder s;
  pool(s, kA, kB).kernel_wait(0);
  s.ifm(kB).ofm(one).kernel(4, 4).block(8).cmd0(npu::Opcode::kSetBlockdep, 3);
  s.pool(npu::PoolingMode::kMax).stop();
  EXPECT_TRUE(hazards_of(s).empty());
}

TEST(HazardCheck, InOrderOutputIsNotARaceUnlessStrict) {
  // The next kernel overwrites the previous one's IFM: the pipeline writes a block's output
  // after every earlier block read its input, so only the strict check reports it.
  StreamBuilder s;
  pool(s, kA, kB);
  s.ifm(kC).ofm(kA).kernel(1, 1).block(8).cmd0(npu::Opcode::kSetOfmBlkWidthM1, 3);
  s.cmd0(npu::Opcode::kSetOfmBlkHeightM1, 3).cmd0(npu::Opcode::kSetBlockdep, 3);
  s.pool(npu::PoolingMode::kMax).stop();
  EXPECT_TRUE(hazards_of(s).empty());
  CheckOptions strict;
  strict.strict = true;
  EXPECT_EQ(find_hazards(s.words(), u55(), strict).size(), 1u);
}

}  // namespace
}  // namespace euc::npuhazard
