#pragma once
// Address allocation of live ranges in one memory area (the arena). The peak address after
// allocation is what counts and what is reported.
#include <cstdint>
#include <string_view>
#include <vector>

#include "scheduler/live_range.hpp"

namespace euc::scheduler {

enum class AllocatorKind { kLinear, kGreedy, kHillClimb };
AllocatorKind parse_allocator(std::string_view name);  // "LinearAlloc", "Greedy", "HillClimb"

struct Allocation {
  std::vector<int64_t> addresses;  // per range
  int64_t peak = 0;                // highest end address
};

// Linear: every range gets its own addresses, in order (no reuse).
Allocation allocate_linear(const std::vector<LiveRange>& ranges);
// Greedy: ranges by start step (larger first on ties) go to the lowest gap that fits among the
// ranges live at the same time.
Allocation allocate_greedy(const std::vector<LiveRange>& ranges);
// HillClimb: the best of a few orderings placed lowest-address-first, then improved by moving
// the ranges at the peak earlier in the order, until the peak reaches the lower bound, 500 tries
// bring nothing, `max_iterations` (--hillclimb-max-iterations) are spent, or a fixed budget of
// work (ranges examined while placing, about 4 million: far above what networks of a few
// hundred ranges use, reached by unrolled recurrent networks of thousands) is spent.
// Deterministic; never worse than Greedy.
Allocation allocate_hill_climb(const std::vector<LiveRange>& ranges, int max_iterations = 99999);
Allocation allocate(const std::vector<LiveRange>& ranges, AllocatorKind kind,
                    int hill_climb_iterations = 99999);

// The largest total size of ranges live at one step: no allocation can do better.
int64_t lower_bound(const std::vector<LiveRange>& ranges);

// Throws an internal error naming both ranges if two ranges live at the same step overlap in
// memory, or an address breaks its range's alignment.
void verify_allocation(const std::vector<LiveRange>& ranges, const Allocation& allocation);

}  // namespace euc::scheduler
