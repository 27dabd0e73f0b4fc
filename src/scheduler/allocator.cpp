#include "scheduler/allocator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <random>

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

namespace {

// Ranges live at the same time as each range, ascending by index. Sorting by start step keeps
// the work proportional to the number of pairs that overlap, not to n^2.
std::vector<std::vector<int>> time_conflicts(const std::vector<LiveRange>& ranges) {
  const size_t n = ranges.size();
  std::vector<int> by_start(n);
  std::iota(by_start.begin(), by_start.end(), 0);
  std::stable_sort(by_start.begin(), by_start.end(), [&](int x, int y) {
    return ranges[static_cast<size_t>(x)].start < ranges[static_cast<size_t>(y)].start;
  });
  std::vector<std::vector<int>> conflicts(n);
  for (size_t k = 0; k < n; ++k) {
    const int i = by_start[k];
    const LiveRange& r = ranges[static_cast<size_t>(i)];
    for (size_t m = k + 1; m < n; ++m) {
      const int j = by_start[m];
      if (ranges[static_cast<size_t>(j)].start > r.end)
        break;
      if (overlap_in_time(r, ranges[static_cast<size_t>(j)])) {
        conflicts[static_cast<size_t>(i)].push_back(j);
        conflicts[static_cast<size_t>(j)].push_back(i);
      }
    }
  }
  for (std::vector<int>& c : conflicts)
    std::sort(c.begin(), c.end());
  return conflicts;
}

// A placement in a given order, with what lets a trial that changes the order from position
// `from` on keep everything placed before it.
struct Placement {
  Allocation allocation;
  std::vector<int64_t> peak_before;  // peak_before[k]: the peak of the first k placements
};

// Places the ranges at positions [from, n) of `order`, each at the lowest aligned address clear
// of the ranges already placed that are live at the same time; positions before `from` keep
// their addresses in `p` (placed for the same order prefix). Returns the number of conflicting
// ranges examined (the work done).
int64_t place_from(const std::vector<LiveRange>& ranges, const std::vector<int>& order,
                   const std::vector<std::vector<int>>& conflicts, size_t from, Placement& p) {
  Allocation& a = p.allocation;
  const size_t n = order.size();
  a.addresses.resize(ranges.size(), -1);
  p.peak_before.resize(n + 1, 0);
  for (size_t k = from; k < n; ++k)
    a.addresses[static_cast<size_t>(order[k])] = -1;
  int64_t work = 0;
  std::vector<std::pair<int64_t, int64_t>> busy;
  for (size_t k = from; k < n; ++k) {
    const int i = order[k];
    const LiveRange& r = ranges[static_cast<size_t>(i)];
    busy.clear();
    for (int q : conflicts[static_cast<size_t>(i)]) {
      const int64_t at = a.addresses[static_cast<size_t>(q)];
      if (at >= 0)
        busy.push_back({at, at + ranges[static_cast<size_t>(q)].size});
    }
    work += static_cast<int64_t>(conflicts[static_cast<size_t>(i)].size());
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto& [lo, hi] : busy) {
      if (align_up(at, r.alignment) + r.size <= lo)
        break;
      at = std::max(at, hi);
    }
    at = align_up(at, r.alignment);
    a.addresses[static_cast<size_t>(i)] = at;
    p.peak_before[k + 1] = std::max(p.peak_before[k], at + r.size);
  }
  a.peak = p.peak_before[n];
  return work;
}

}  // namespace

Allocation allocate_hill_climb(const std::vector<LiveRange>& ranges, int max_iterations) {
  const size_t n = ranges.size();
  if (n == 0)
    return {};
  const std::vector<std::vector<int>> conflicts = time_conflicts(ranges);
  const int64_t bound = lower_bound(ranges);
  // Start from the best of a few classic orders.
  std::vector<int> base(n);
  std::iota(base.begin(), base.end(), 0);
  auto by = [&](auto key) {
    std::vector<int> o = base;
    std::stable_sort(o.begin(), o.end(), [&](int x, int y) { return key(x) > key(y); });
    return o;
  };
  auto size = [&](int i) { return ranges[static_cast<size_t>(i)].size; };
  auto area = [&](int i) {
    const LiveRange& r = ranges[static_cast<size_t>(i)];
    return r.size * (r.end - r.start + 1);
  };
  auto early = [&](int i) { return -static_cast<int64_t>(ranges[static_cast<size_t>(i)].start); };
  std::vector<int> order;
  Placement best;
  best.allocation.peak = INT64_MAX;
  int64_t work = 0;
  for (const std::vector<int>& o : {by(size), by(area), by(early)}) {
    Placement p;
    work += place_from(ranges, o, conflicts, 0, p);
    if (p.allocation.peak < best.allocation.peak) {
      best = std::move(p);
      order = o;
    }
  }
  // Hill climbing: move a range that ends at the peak (or one live with it) earlier in the
  // order; keep the change unless the peak grows. Seeded, so the result is deterministic. A
  // trial re-places only the ranges from the first swapped position on. The work (conflicting
  // ranges examined) is bounded, so long unrolled networks with thousands of ranges stay fast;
  // the bound is far above what networks of a few hundred ranges use.
  constexpr int64_t kWorkBudget = int64_t{1} << 22;
  std::vector<int> position(n);
  for (size_t k = 0; k < n; ++k)
    position[static_cast<size_t>(order[k])] = static_cast<int>(k);
  std::mt19937 rng(0x5eed);
  int since_improvement = 0;
  std::vector<int> top;
  Placement trial;
  for (int it = 0; it < max_iterations && best.allocation.peak > bound && since_improvement < 500 &&
                   work < kWorkBudget;
       ++it) {
    top.clear();
    for (size_t i = 0; i < n; ++i) {
      if (best.allocation.addresses[i] + ranges[i].size == best.allocation.peak)
        top.push_back(static_cast<int>(i));
    }
    const int victim = top[rng() % top.size()];
    const auto& neighbours = conflicts[static_cast<size_t>(victim)];
    const int partner = neighbours.empty() || rng() % 10 < 3
                            ? static_cast<int>(rng() % n)
                            : neighbours[rng() % neighbours.size()];
    const auto pv = static_cast<size_t>(position[static_cast<size_t>(victim)]);
    const auto pp = static_cast<size_t>(position[static_cast<size_t>(partner)]);
    std::swap(order[pv], order[pp]);
    trial = best;
    work += place_from(ranges, order, conflicts, std::min(pv, pp), trial);
    if (trial.allocation.peak <= best.allocation.peak) {
      since_improvement = trial.allocation.peak < best.allocation.peak ? 0 : since_improvement + 1;
      std::swap(best, trial);
      std::swap(position[static_cast<size_t>(victim)], position[static_cast<size_t>(partner)]);
    } else {
      std::swap(order[pv], order[pp]);  // back to the best order
      ++since_improvement;
    }
  }
  // Never worse than the greedy allocator.
  Allocation greedy = allocate_greedy(ranges);
  return greedy.peak < best.allocation.peak ? greedy : std::move(best.allocation);
}

Allocation allocate(const std::vector<LiveRange>& ranges, AllocatorKind kind,
                    int hill_climb_iterations) {
  switch (kind) {
    case AllocatorKind::kLinear:
      return allocate_linear(ranges);
    case AllocatorKind::kHillClimb:
      return allocate_hill_climb(ranges, hill_climb_iterations);
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
