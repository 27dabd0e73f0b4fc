#include "scheduler/allocator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"

namespace euc::scheduler {
namespace {

int64_t align_up(int64_t v, int64_t a) {
  return (v + a - 1) / a * a;
}

bool overlap_in_time(const LiveRange& a, const LiveRange& b) {
  return a.start <= b.end && b.start <= a.end;
}

}  // namespace

AllocatorKind parse_allocator(std::string_view name) {
  if (name == "LinearAlloc")
    return AllocatorKind::kLinear;
  if (name == "Greedy")
    return AllocatorKind::kGreedy;
  if (name == "HillClimb")
    return AllocatorKind::kHillClimb;
  throw_usage(
      fmt::format("unknown tensor allocator '{}' (allowed: HillClimb, Greedy, LinearAlloc)", name));
}

Allocation allocate_linear(const std::vector<LiveRange>& ranges) {
  Allocation a;
  int64_t next = 0;
  for (const LiveRange& r : ranges) {
    next = align_up(next, r.alignment);
    a.addresses.push_back(next);
    next += r.size;
  }
  a.peak = next;
  return a;
}

Allocation allocate_greedy(const std::vector<LiveRange>& ranges) {
  std::vector<int> order(ranges.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
    if (ranges[x].start != ranges[y].start)
      return ranges[x].start < ranges[y].start;
    return ranges[x].size > ranges[y].size;
  });
  Allocation a;
  a.addresses.assign(ranges.size(), -1);
  std::vector<int> placed;
  for (int i : order) {
    const LiveRange& r = ranges[i];
    // Occupied intervals of ranges live at the same time, sorted by address.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (int p : placed) {
      if (overlap_in_time(ranges[p], r))
        busy.push_back({a.addresses[p], a.addresses[p] + ranges[p].size});
    }
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap that holds the range; else the top of the stack.
    int64_t best = -1;
    int64_t best_gap = INT64_MAX;
    int64_t cursor = 0;
    for (const auto& [lo, hi] : busy) {
      int64_t start = align_up(cursor, r.alignment);
      if (start + r.size <= lo && lo - start < best_gap) {
        best = start;
        best_gap = lo - start;
      }
      cursor = std::max(cursor, hi);
    }
    if (best < 0)
      best = align_up(cursor, r.alignment);
    a.addresses[i] = best;
    placed.push_back(i);
    a.peak = std::max(a.peak, best + r.size);
  }
  return a;
}

Allocation allocate(const std::vector<LiveRange>& ranges, AllocatorKind kind) {
  switch (kind) {
    case AllocatorKind::kLinear:
      return allocate_linear(ranges);
    // HillClimb arrives with the scheduler issue; until then it starts from the greedy result.
    case AllocatorKind::kHillClimb:
    case AllocatorKind::kGreedy:
      return allocate_greedy(ranges);
  }
  return allocate_greedy(ranges);
}

int64_t lower_bound(const std::vector<LiveRange>& ranges) {
  int last = 0;
  for (const auto& r : ranges)
    last = std::max(last, r.end);
  int64_t best = 0;
  for (int step = 0; step <= last; ++step) {
    int64_t live = 0;
    for (const auto& r : ranges) {
      if (r.start <= step && step <= r.end)
        live += r.size;
    }
    best = std::max(best, live);
  }
  return best;
}

void verify_allocation(const std::vector<LiveRange>& ranges, const Allocation& allocation) {
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (allocation.addresses[i] % ranges[i].alignment != 0) {
      throw Error(ErrorKind::kInternal,
                  fmt::format("range {} at {} breaks its {}-byte alignment", i,
                              allocation.addresses[i], ranges[i].alignment));
    }
    for (size_t j = i + 1; j < ranges.size(); ++j) {
      if (!overlap_in_time(ranges[i], ranges[j]))
        continue;
      int64_t a0 = allocation.addresses[i], a1 = a0 + ranges[i].size;
      int64_t b0 = allocation.addresses[j], b1 = b0 + ranges[j].size;
      if (a0 < b1 && b0 < a1) {
        throw Error(ErrorKind::kInternal,
                    fmt::format("ranges {} [{}, {}) and {} [{}, {}) overlap while both live", i, a0,
                                a1, j, b0, b1));
      }
    }
  }
}

}  // namespace euc::scheduler
