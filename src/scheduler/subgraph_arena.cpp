#include "scheduler/subgraph_arena.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "scheduler/allocator.hpp"
#include "scheduler/arena.hpp"

namespace euc::scheduler {
namespace {

int find(std::vector<int>& parent, int x) {
  while (parent[static_cast<size_t>(x)] != x) {
    parent[static_cast<size_t>(x)] = parent[static_cast<size_t>(parent[static_cast<size_t>(x)])];
    x = parent[static_cast<size_t>(x)];
  }
  return x;
}

}  // namespace

void allocate_subgraph_arena(std::vector<ArenaSegment>& segments,
                             const std::vector<CpuTensorUse>& cpu_uses, int steps,
                             const PlanOptions& options) {
  // Every segment's ranges, shifted onto the subgraph's timeline.
  std::vector<ArenaRanges> per_segment;
  std::vector<size_t> first_range;
  std::vector<LiveRange> all;
  for (const ArenaSegment& seg : segments) {
    per_segment.push_back(arena_ranges(*seg.graph, *seg.plan, options));
    first_range.push_back(all.size());
    for (LiveRange lr : per_segment.back().live.ranges) {
      lr.start += seg.first_step;
      lr.end += seg.first_step;
      all.push_back(std::move(lr));
    }
  }
  // Ranges holding the same network tensor are one.
  std::vector<int> parent(all.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::map<int, int> range_of_network;  // network tensor -> a range holding it
  for (size_t s = 0; s < segments.size(); ++s) {
    const ir::NpuGraph& graph = *segments[s].graph;
    const LiveRanges& live = per_segment[s].live;
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
      const int network = graph.tensors[t].network_tensor;
      const int r = live.range_of[t];
      if (network < 0 || r < 0 || all[first_range[s] + static_cast<size_t>(r)].size == 0)
        continue;
      const int global = static_cast<int>(first_range[s]) + r;
      auto [it, fresh] = range_of_network.emplace(network, global);
      if (!fresh)
        parent[static_cast<size_t>(find(parent, global))] = find(parent, it->second);
    }
  }
  for (size_t r = 0; r < all.size(); ++r) {
    const int root = find(parent, static_cast<int>(r));
    if (root == static_cast<int>(r))
      continue;
    LiveRange& into = all[static_cast<size_t>(root)];
    LiveRange& from = all[r];
    into.start = std::min(into.start, from.start);
    into.end = std::max(into.end, from.end);
    into.size = std::max(into.size, from.size);
    into.alignment = std::max(into.alignment, from.alignment);
    from.size = 0;  // takes no room of its own; gets the root's address below
  }
  for (const CpuTensorUse& use : cpu_uses) {
    auto it = range_of_network.find(use.tensor);
    if (it == range_of_network.end())
      continue;
    LiveRange& lr = all[static_cast<size_t>(find(parent, it->second))];
    lr.start = std::min(lr.start, use.step);
    lr.end = std::max(lr.end, std::min(use.step, steps - 1));
  }
  Allocation alloc = allocate(all, options.allocator, options.hill_climb_iterations);
  verify_allocation(all, alloc);
  for (size_t s = 0; s < segments.size(); ++s) {
    std::vector<int64_t> addresses;
    for (size_t r = 0; r < per_segment[s].live.ranges.size(); ++r) {
      const int global = static_cast<int>(first_range[s] + r);
      addresses.push_back(alloc.addresses[static_cast<size_t>(find(parent, global))]);
    }
    apply_arena_addresses(*segments[s].graph, *segments[s].plan, per_segment[s], addresses);
    segments[s].plan->arena_size = alloc.peak;
  }
}

}  // namespace euc::scheduler
