#pragma once
// Live ranges of the feature maps of one NPU segment, in operation steps: a tensor is live from
// the operation that writes it to the last one that reads it. Segment inputs are live from the
// start, outputs to the end. Tensors that share storage (reshape aliases) share one range.
#include <cstdint>
#include <vector>

#include "ir/npu_graph.hpp"
#include "scheduler/plan.hpp"

namespace euc::scheduler {

struct LiveRange {
  int start = 0;  // first step (inclusive)
  int end = 0;    // last step (inclusive)
  int64_t size = 0;
  int64_t alignment = 16;
  std::vector<int> tensors;  // graph tensors stored in this range
};

// Byte size of a feature map stored linearly (NHWC).
int64_t linear_size(const ir::NpuTensor& tensor);

// One range per storage group of non-constant tensors; `range_of[t]` gives tensor t's range
// (-1 for constants).
struct LiveRanges {
  std::vector<LiveRange> ranges;
  std::vector<int> range_of;
};
// With a plan, ranges take the sizes the plan gave its tensors (NHCWB16 storage rounds depth up
// to 16); without, every feature map is stored linearly.
LiveRanges compute_live_ranges(const ir::NpuGraph& graph, const Plan* plan = nullptr);

// The steps a staged input's copy in the SRAM cache is live: from its first reader to the
// input's last (a cascade extends it), with the copy's size.
LiveRange staged_range(const LiveRanges& live, const StagedInput& staged);

// Bytes live at each of `steps` operation steps (the sum of the ranges that span it).
std::vector<int64_t> live_bytes_per_step(const LiveRanges& live, size_t steps);

// Bytes of feature maps in SRAM at each operation step: the arena's when the arena is SRAM, the
// cache's when feature maps spill to a DRAM arena (then only those kept in the cache).
std::vector<int64_t> sram_bytes_per_step(const ir::NpuGraph& graph, const Plan& plan,
                                         bool arena_in_sram);

}  // namespace euc::scheduler
