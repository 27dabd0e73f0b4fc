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

// Places ranges in `order`, each at the lowest aligned address clear of the ranges already
// placed that are live at the same time.
Allocation place_in_order(const std::vector<LiveRange>& ranges, const std::vector<int>& order,
                          const std::vector<std::vector<int>>& conflicts) {
  Allocation a;
  a.addresses.assign(ranges.size(), -1);
  std::vector<std::pair<int64_t, int64_t>> busy;
  for (int i : order) {
    const LiveRange& r = ranges[static_cast<size_t>(i)];
    busy.clear();
    for (int p : conflicts[static_cast<size_t>(i)]) {
      if (a.addresses[static_cast<size_t>(p)] >= 0) {
        busy.push_back({a.addresses[static_cast<size_t>(p)],
                        a.addresses[static_cast<size_t>(p)] + ranges[static_cast<size_t>(p)].size});
      }
    }
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto& [lo, hi] : busy) {
      if (align_up(at, r.alignment) + r.size <= lo)
        break;
      at = std::max(at, hi);
    }
    at = align_up(at, r.alignment);
    a.addresses[static_cast<size_t>(i)] = at;
    a.peak = std::max(a.peak, at + r.size);
  }
  return a;
}

}  // namespace

Allocation allocate_hill_climb(const std::vector<LiveRange>& ranges, int max_iterations) {
  const size_t n = ranges.size();
  if (n == 0)
    return {};
  std::vector<std::vector<int>> conflicts(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i != j && overlap_in_time(ranges[i], ranges[j]))
        conflicts[i].push_back(static_cast<int>(j));
    }
  }
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
  Allocation best;
  best.peak = INT64_MAX;
  for (const std::vector<int>& o : {by(size), by(area), by(early)}) {
    Allocation a = place_in_order(ranges, o, conflicts);
    if (a.peak < best.peak) {
      best = std::move(a);
      order = o;
    }
  }
  // Hill climbing: move a range that ends at the peak (or one live with it) earlier in the
  // order; keep the change unless the peak grows. Seeded, so the result is deterministic.
  std::mt19937 rng(0x5eed);
  int since_improvement = 0;
  for (int it = 0; it < max_iterations && best.peak > bound && since_improvement < 500; ++it) {
    std::vector<int> top;
    for (size_t i = 0; i < n; ++i) {
      if (best.addresses[i] + ranges[i].size == best.peak)
        top.push_back(static_cast<int>(i));
    }
    const int victim = top[rng() % top.size()];
    const auto& neighbours = conflicts[static_cast<size_t>(victim)];
    const int partner = neighbours.empty() || rng() % 10 < 3
                            ? static_cast<int>(rng() % n)
                            : neighbours[rng() % neighbours.size()];
    std::vector<int> trial = order;
    auto pv = std::find(trial.begin(), trial.end(), victim);
    auto pp = std::find(trial.begin(), trial.end(), partner);
    std::iter_swap(pv, pp);
    Allocation a = place_in_order(ranges, trial, conflicts);
    if (a.peak <= best.peak) {
      since_improvement = a.peak < best.peak ? 0 : since_improvement + 1;
      best = std::move(a);
      order = std::move(trial);
    } else {
      ++since_improvement;
    }
  }
  // Never worse than the greedy allocator.
  Allocation greedy = allocate_greedy(ranges);
  return greedy.peak < best.peak ? greedy : best;
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
