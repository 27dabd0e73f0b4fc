// BLOCKDEP from codegen's block walk, against values derived by hand from the walk (depth
// fastest, then columns, then rows) and the job rule.
#include <gtest/gtest.h>

#include "codegen/block_dependency.hpp"

namespace euc::codegen {
namespace {

const arch::AcceleratorConfig& u55_256() {
  return arch::accelerator_config(arch::Accelerator::kEthosU55_256);
}

// A 4x4x8 int8 NHWC view at `base` of region 1.
FeatureMapView view(uint64_t base) {
  FeatureMapView v;
  v.region = 1;
  v.base = base;
  v.shape = ir::Shape4{1, 4, 4, 8};
  v.storage = v.shape;
  return v;
}

// A 1x1 pool from `in` to `out` in 2x2x8 blocks.
LaunchedKernel pool(uint64_t in, uint64_t out) {
  arch::WalkedKernel w;
  w.kernel = arch::NpuKernel::kPooling;
  w.block_height = 2;
  w.block_width = 2;
  w.block_depth = 8;
  return launched_kernel(w, view(in), std::nullopt, view(out));
}

// `k` with its walk's shapes taken again from its views (after a test changed them).
LaunchedKernel resized(const LaunchedKernel& k) {
  return launched_kernel(k.walk, k.ifm, k.ifm2, k.ofm);
}

TEST(BlockDependency, SameWalkOverTheSameTensorAllowsThree) {
  // Block k of the next pool reads exactly what block k of the previous one wrote: the last
  // 3 - k blocks are always later ones.
  EXPECT_EQ(block_dependency(pool(0x000, 0x100), pool(0x100, 0x200), false, u55_256(), 3), 3);
  EXPECT_EQ(block_dependency(pool(0x000, 0x100), pool(0x100, 0x200), false, u55_256(), 2), 2);
}

TEST(BlockDependency, WiderBlocksReachTheLastBlockSooner) {
  // Next in 2x4 blocks: job 0 reads rows 0-1, job 1 rows 2-3 (the previous kernel's blocks 2
  // and 3). BLOCKDEP 2 would let job 1 run beside block 3: 1 is the largest safe value.
  LaunchedKernel next = pool(0x100, 0x200);
  next.walk.block_width = 4;
  EXPECT_EQ(block_dependency(pool(0x000, 0x100), next, false, u55_256(), 3), 1);
}

TEST(BlockDependency, ReadingEverythingAtOnceAllowsNone) {
  // A 4x4 window over the previous OFM: the first job reads its last block.
  LaunchedKernel next = pool(0x100, 0x200);
  next.walk.window.width = next.walk.window.height = 4;
  next.ofm.shape = next.ofm.storage = ir::Shape4{1, 1, 1, 8};
  EXPECT_EQ(block_dependency(pool(0x000, 0x100), resized(next), false, u55_256(), 3), 0);
}

TEST(BlockDependency, UnrelatedTensorsAndTheLutRules) {
  EXPECT_EQ(block_dependency(pool(0x000, 0x100), pool(0x200, 0x300), false, u55_256(), 3), 3);
  // A table was loaded for the next kernel.
  EXPECT_EQ(block_dependency(pool(0x000, 0x100), pool(0x200, 0x300), true, u55_256(), 3), 0);
  // On a 16-bank core the LUT banks change hands between a kernel with a table and one
  // without.
  const auto& small = arch::accelerator_config(arch::Accelerator::kEthosU55_64);
  LaunchedKernel with_lut = pool(0x000, 0x100);
  with_lut.walk.uses_lut = true;
  EXPECT_EQ(block_dependency(with_lut, pool(0x200, 0x300), false, small, 3), 0);
  EXPECT_EQ(block_dependency(with_lut, pool(0x200, 0x300), false, u55_256(), 3), 3);
  // --max-block-dependency 0.
  EXPECT_EQ(block_dependency(pool(0x000, 0x100), pool(0x200, 0x300), false, u55_256(), 0), 0);
}

TEST(BlockDependency, ConvolutionJobsReadOneIfmDepthSliceEach) {
  // A 1x1 convolution over a 64-channel IFM in one OFM block: its jobs read channels 0-31 and
  // 32-63 (or 0-15, 16-31, ... with 16-channel slices). The previous kernel writes channels
  // 48-63 last: job 0 never reads them, job 1 (channels 32-63, or 16-31) may.
  LaunchedKernel prev = pool(0x000, 0x1000);
  prev.ofm.shape = prev.ofm.storage = ir::Shape4{1, 1, 1, 64};
  prev.ifm.shape = prev.ifm.storage = ir::Shape4{1, 1, 1, 64};
  prev.walk.block_depth = 16;  // blocks: channels 0-15, 16-31, 32-47, 48-63
  prev = resized(prev);
  arch::WalkedKernel w;
  w.kernel = arch::NpuKernel::kConvolution;
  w.block_height = w.block_width = 1;
  w.block_depth = 8;
  FeatureMapView out = view(0x2000);
  out.shape = out.storage = ir::Shape4{1, 1, 1, 8};
  const LaunchedKernel conv = launched_kernel(w, prev.ofm, std::nullopt, out);
  // b = 2: job 1 (channels 32-63 or 16-31) beside block 3 (48-63): unsafe with 32-channel
  // slices. b = 1: job 0 (0-31) beside block 3: safe.
  EXPECT_EQ(block_dependency(prev, conv, false, u55_256(), 3), 1);
}

}  // namespace
}  // namespace euc::codegen
