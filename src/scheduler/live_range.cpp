#include "scheduler/live_range.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace euc::scheduler {

int64_t linear_size(const ir::NpuTensor& tensor) {
  auto esize = ir::element_size(tensor.type);
  if (!esize)
    throw_input("tensor '" + tensor.name + "' has no fixed element size");
  return tensor.shape.elements() * *esize;
}

LiveRanges compute_live_ranges(const ir::NpuGraph& graph, const Plan* plan) {
  const int n_tensors = static_cast<int>(graph.tensors.size());
  const int last_step = std::max(0, static_cast<int>(graph.ops.size()) - 1);
  LiveRanges out;
  out.range_of.assign(n_tensors, -1);
  auto root = [&](int t) {
    while (graph.tensors[t].alias_of >= 0)
      t = graph.tensors[t].alias_of;
    return t;
  };
  // One range per storage root, created in tensor order for determinism.
  std::vector<int> range_of_root(n_tensors, -1);
  for (int t = 0; t < n_tensors; ++t) {
    if (graph.tensors[t].is_constant())
      continue;
    int r = root(t);
    if (range_of_root[r] < 0) {
      range_of_root[r] = static_cast<int>(out.ranges.size());
      LiveRange lr;
      lr.start = INT32_MAX;
      lr.end = -1;
      out.ranges.push_back(lr);
    }
    LiveRange& lr = out.ranges[range_of_root[r]];
    lr.tensors.push_back(t);
    const int64_t size = plan != nullptr ? plan->tensors.at(static_cast<size_t>(t)).size
                                         : linear_size(graph.tensors[t]);
    lr.size = std::max(lr.size, size);
    out.range_of[t] = range_of_root[r];
  }
  auto touch = [&](int t, int step) {
    if (t < 0 || out.range_of[t] < 0)
      return;
    LiveRange& lr = out.ranges[out.range_of[t]];
    lr.start = std::min(lr.start, step);
    lr.end = std::max(lr.end, step);
  };
  for (int t : graph.inputs)
    touch(t, 0);
  for (int t : graph.outputs)
    touch(t, last_step);
  for (int step = 0; step < static_cast<int>(graph.ops.size()); ++step) {
    const ir::NpuOp& op = graph.ops[step];
    touch(op.ifm.tensor, step);
    touch(op.ifm2.tensor, step);
    touch(op.ofm.tensor, step);
  }
  // A cascade's operations interleave: everything they touch is live across all of them.
  if (plan != nullptr) {
    for (const Cascade& c : plan->cascades) {
      for (int step = c.first; step <= c.last; ++step) {
        const ir::NpuOp& op = graph.ops[static_cast<size_t>(step)];
        for (int t : {op.ifm.tensor, op.ifm2.tensor, op.ofm.tensor}) {
          touch(t, c.first);
          touch(t, c.last);
        }
      }
    }
  }
  for (LiveRange& lr : out.ranges) {
    if (lr.end < 0) {  // a tensor no operation touches (cannot happen for a built segment)
      lr.start = 0;
      lr.end = last_step;
    }
  }
  return out;
}

LiveRange staged_range(const LiveRanges& live, const StagedInput& staged) {
  const int r = live.range_of.at(static_cast<size_t>(staged.tensor));
  LiveRange lr;
  lr.start = staged.first_reader;
  lr.end = std::max(staged.first_reader, live.ranges.at(static_cast<size_t>(r)).end);
  lr.size = staged.size;
  return lr;
}

std::vector<int64_t> live_bytes_per_step(const LiveRanges& live, size_t steps) {
  std::vector<int64_t> bytes(steps, 0);
  for (const LiveRange& lr : live.ranges) {
    for (int s = std::max(lr.start, 0); s <= lr.end && s < static_cast<int>(steps); ++s)
      bytes[static_cast<size_t>(s)] += lr.size;
  }
  return bytes;
}

std::vector<int64_t> sram_bytes_per_step(const ir::NpuGraph& graph, const Plan& plan,
                                         bool arena_in_sram) {
  LiveRanges live = compute_live_ranges(graph, &plan);
  for (LiveRange& lr : live.ranges) {
    const Region region = plan.tensors.at(static_cast<size_t>(lr.tensors.front())).region;
    const bool in_sram = plan.spilling ? region == Region::kFastArena : arena_in_sram;
    if (!in_sram)
      lr.size = 0;
  }
  for (const StagedInput& staged : plan.staged)
    live.ranges.push_back(staged_range(live, staged));
  return live_bytes_per_step(live, graph.ops.size());
}

}  // namespace euc::scheduler
