#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "core/error.hpp"
#include "scheduler/allocator.hpp"

namespace euc::scheduler {
namespace {

LiveRange range(int start, int end, int64_t size) {
  LiveRange r;
  r.start = start;
  r.end = end;
  r.size = size;
  return r;
}

TEST(Allocator, LinearGivesEveryRangeItsOwnAlignedAddresses) {
  std::vector<LiveRange> ranges = {range(0, 0, 10), range(1, 1, 20), range(2, 2, 16)};
  Allocation a = allocate_linear(ranges);
  EXPECT_EQ(a.addresses, (std::vector<int64_t>{0, 16, 48}));
  EXPECT_EQ(a.peak, 64);
}

TEST(Allocator, GreedyReusesMemoryOfFinishedRanges) {
  // A chain a -> b -> c: a and c never live together, so c can take a's place.
  std::vector<LiveRange> ranges = {range(0, 1, 100), range(1, 2, 200), range(2, 3, 100)};
  Allocation a = allocate_greedy(ranges);
  verify_allocation(ranges, a);
  EXPECT_EQ(a.peak, 312);  // a at 0 (100 bytes, next free 16-aligned address 112), b at 112
  EXPECT_EQ(a.addresses[2], a.addresses[0]);
  EXPECT_EQ(lower_bound(ranges), 300);
}

TEST(Allocator, VerifierCatchesOverlapsAndMisalignment) {
  std::vector<LiveRange> ranges = {range(0, 2, 64), range(1, 3, 64)};
  Allocation bad;
  bad.addresses = {0, 32};
  EXPECT_THROW(verify_allocation(ranges, bad), Error);
  bad.addresses = {0, 72};
  EXPECT_THROW(verify_allocation(ranges, bad), Error);  // 72 is not 16-aligned
  bad.addresses = {0, 64};
  EXPECT_NO_THROW(verify_allocation(ranges, bad));
}

TEST(Allocator, RandomRangesNeverOverlapAndGreedyBeatsLinear) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<LiveRange> ranges;
    for (int i = 0; i < 40; ++i) {
      int start = static_cast<int>(rng() % 30);
      ranges.push_back(range(start, start + static_cast<int>(rng() % 6), 1 + rng() % 5000));
    }
    Allocation g = allocate_greedy(ranges);
    Allocation l = allocate_linear(ranges);
    verify_allocation(ranges, g);
    verify_allocation(ranges, l);
    EXPECT_LE(g.peak, l.peak);
    EXPECT_GE(g.peak, lower_bound(ranges));
  }
}

TEST(Allocator, HillClimbIsValidDeterministicAndNeverWorseThanGreedy) {
  std::mt19937 rng(11);
  int at_bound = 0;
  int better = 0;
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<LiveRange> ranges;
    for (int i = 0; i < 40; ++i) {
      int start = static_cast<int>(rng() % 30);
      ranges.push_back(range(start, start + static_cast<int>(rng() % 6), 1 + rng() % 5000));
    }
    Allocation h = allocate_hill_climb(ranges);
    verify_allocation(ranges, h);
    const int64_t greedy = allocate_greedy(ranges).peak;
    EXPECT_LE(h.peak, greedy);
    better += h.peak < greedy ? 1 : 0;
    EXPECT_GE(h.peak, lower_bound(ranges));
    EXPECT_EQ(allocate_hill_climb(ranges).addresses, h.addresses);
    at_bound += h.peak <= lower_bound(ranges) + 16 * 40 ? 1 : 0;
  }
  EXPECT_GE(at_bound, 30);  // it usually packs to the bound (plus alignment)
  EXPECT_GE(better, 30);    // and nearly always beats Greedy
  std::printf("HillClimb: %d of 40 at the bound, %d better than Greedy\n", at_bound, better);
}

TEST(Allocator, HillClimbOnThousandsOfRangesStaysValidAndNeverWorseThanGreedy) {
  // The shape of an unrolled recurrent network: a few ranges live throughout (state, buffers),
  // thousands of short ones; enough that the hill climb's work budget ends the search.
  std::mt19937 rng(7);
  std::vector<LiveRange> ranges;
  for (int i = 0; i < 8; ++i)
    ranges.push_back(range(0, 2999, 64 + 16 * i));
  for (int step = 0; step < 3000; ++step)
    ranges.push_back(range(step, step + static_cast<int>(rng() % 4), 16 + rng() % 3000));
  const Allocation h = allocate_hill_climb(ranges);
  verify_allocation(ranges, h);
  EXPECT_LE(h.peak, allocate_greedy(ranges).peak);
  EXPECT_GE(h.peak, lower_bound(ranges));
  EXPECT_EQ(allocate_hill_climb(ranges).addresses, h.addresses);
}

LiveRange aligned(int start, int end, int64_t size, int64_t alignment) {
  LiveRange r = range(start, end, size);
  r.alignment = alignment;
  return r;
}

TEST(Allocator, EveryAllocatorKeepsEachRangesAlignment) {
  // Linear: 10 bytes at 0; 20 bytes at the next multiple of 64 after 10: 64; 30 bytes at the next
  // multiple of 16 after 84: 96.
  std::vector<LiveRange> ranges = {aligned(0, 1, 10, 16), aligned(0, 1, 20, 64),
                                   aligned(1, 1, 30, 16)};
  Allocation linear = allocate_linear(ranges);
  EXPECT_EQ(linear.addresses, (std::vector<int64_t>{0, 64, 96}));
  EXPECT_EQ(linear.peak, 126);
  // Greedy: the two ranges starting at step 0 larger first: 20 bytes at 0, 10 bytes at 32 (the
  // next multiple of 16 after 20); the last clears both: no 30-byte gap below 42, so 48.
  Allocation greedy = allocate_greedy(ranges);
  EXPECT_EQ(greedy.addresses, (std::vector<int64_t>{32, 0, 48}));
  EXPECT_EQ(greedy.peak, 78);
}

// Independent of verify_allocation: every pair live at one step apart in memory, every address
// a multiple of its range's alignment.
void expect_valid(const std::vector<LiveRange>& ranges, const Allocation& a) {
  ASSERT_EQ(a.addresses.size(), ranges.size());
  int64_t peak = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_EQ(a.addresses[i] % ranges[i].alignment, 0) << i;
    EXPECT_GE(a.addresses[i], 0) << i;
    peak = std::max(peak, a.addresses[i] + ranges[i].size);
    for (size_t j = 0; j < i; ++j) {
      const bool together = ranges[i].start <= ranges[j].end && ranges[j].start <= ranges[i].end;
      const bool apart = a.addresses[i] + ranges[i].size <= a.addresses[j] ||
                         a.addresses[j] + ranges[j].size <= a.addresses[i];
      EXPECT_TRUE(!together || apart) << i << " and " << j;
    }
  }
  EXPECT_EQ(a.peak, peak);
}

TEST(Allocator, RandomRangesWithMixedAlignmentsNeverOverlap) {
  std::mt19937 rng(7);
  const int64_t alignments[] = {16, 64, 256};
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<LiveRange> ranges;
    for (int i = 0; i < 30; ++i) {
      const int start = static_cast<int>(rng() % 20);
      ranges.push_back(aligned(start, start + static_cast<int>(rng() % 5), 1 + rng() % 3000,
                               alignments[rng() % 3]));
    }
    for (AllocatorKind kind :
         {AllocatorKind::kLinear, AllocatorKind::kGreedy, AllocatorKind::kHillClimb}) {
      const Allocation a = allocate(ranges, kind, 2000);
      expect_valid(ranges, a);
      EXPECT_GE(a.peak, lower_bound(ranges));
    }
  }
}

TEST(Allocator, NamesAreVelasAllocatorNames) {
  EXPECT_EQ(parse_allocator("LinearAlloc"), AllocatorKind::kLinear);
  EXPECT_EQ(parse_allocator("Greedy"), AllocatorKind::kGreedy);
  EXPECT_EQ(parse_allocator("HillClimb"), AllocatorKind::kHillClimb);
  EXPECT_THROW(parse_allocator("Best"), Error);
}

}  // namespace
}  // namespace euc::scheduler
