// The waits codegen's SyncTracker asks for, derived by hand from the outstanding queues.
#include <gtest/gtest.h>

#include "codegen/sync_tracker.hpp"

namespace euc::codegen {
namespace {

Touches reads(int region, int64_t begin, int64_t end) {
  return {{region, begin, end, false}};
}
Touches writes(int region, int64_t begin, int64_t end) {
  return {{region, begin, end, true}};
}

TEST(SyncTracker, ADmaWaitsOnlyForTheNewestConflictingKernel) {
  SyncTracker s(2);
  s.kernel_started(reads(1, 0x000, 0x100));  // kernel A reads [0, 0x100)
  s.kernel_started(reads(1, 0x200, 0x300));  // kernel B elsewhere
  // Overwriting A's input: KERNEL_WAIT 1 (B may keep running).
  EXPECT_EQ(s.kernel_wait_for(writes(1, 0x80, 0x90)), 1);
  // A is retired; B's input is still outstanding: KERNEL_WAIT 0.
  EXPECT_EQ(s.kernel_wait_for(writes(1, 0x280, 0x290)), 0);
  // Nothing is outstanding any more.
  EXPECT_EQ(s.kernel_wait_for(writes(1, 0x280, 0x290)), std::nullopt);
}

TEST(SyncTracker, ReadsDoNotConflictAndRegionsAreApart) {
  SyncTracker s(2);
  s.kernel_started(reads(1, 0x000, 0x100));
  EXPECT_EQ(s.kernel_wait_for(reads(1, 0x000, 0x100)), std::nullopt);   // both read
  EXPECT_EQ(s.kernel_wait_for(writes(2, 0x000, 0x100)), std::nullopt);  // another memory
  EXPECT_EQ(s.kernel_wait_for(writes(kShramRegion, 0, 0x100)), std::nullopt);
  // Regions 3-7 may lie anywhere in the arena.
  EXPECT_EQ(s.kernel_wait_for(writes(3, 0x400, 0x500)), 0);
}

TEST(SyncTracker, AKernelWaitsForAllDmasOnlyWhenOneConflicts) {
  SyncTracker s(2);
  s.dma_started(writes(1, 0x1000, 0x1100));  // this launch's weights
  s.dma_started(writes(1, 0x2000, 0x2100));  // the next launch's weights
  EXPECT_FALSE(s.dma_wait_for(reads(1, 0x3000, 0x3100)));
  EXPECT_TRUE(s.dma_wait_for(reads(1, 0x1000, 0x1100)));
  EXPECT_FALSE(s.dma_wait_for(reads(1, 0x2000, 0x2100)));  // DMA_WAIT retired both
}

TEST(SyncTracker, AThirdKernelRetiresTheFirst) {
  SyncTracker s(2);
  s.kernel_started(writes(1, 0x000, 0x100));
  s.kernel_started(reads(1, 0x200, 0x300));
  s.kernel_started(reads(1, 0x400, 0x500));
  EXPECT_EQ(s.kernel_wait_for(reads(1, 0x000, 0x100)), std::nullopt);
}

}  // namespace
}  // namespace euc::codegen
