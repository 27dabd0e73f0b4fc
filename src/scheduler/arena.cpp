#include "scheduler/arena.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "arch/operation_kinds.hpp"
#include "core/error.hpp"
#include "scheduler/allocator.hpp"
#include "scheduler/input_staging.hpp"

namespace euc::scheduler {
namespace {

// The steps the weight buffer operation `i` fills is live: from the previous operation (its
// copy runs under it; from the one before with early_copy) to the operation itself, the last of
// those after it that reuse it, or the end of its cascade (a cascaded operation reads its weights
// in every stripe).
LiveRange buffer_range(const Plan& plan, size_t i) {
  LiveRange lr;
  lr.start = std::max(static_cast<int>(i) - (plan.ops[i].weight_buffer.early_copy ? 2 : 1), 0);
  size_t end = i;
  while (end + 1 < plan.ops.size() && plan.ops[end + 1].weight_buffer.reuses_previous &&
         plan.ops[end + 1].weight_buffer.shared_from < 0)
    ++end;
  for (size_t k = i + 1; k < plan.ops.size(); ++k) {
    if (plan.ops[k].weight_buffer.reuses_previous &&
        plan.ops[k].weight_buffer.shared_from == static_cast<int>(i))
      end = k;
  }
  lr.end = static_cast<int>(end);
  const int c = plan.ops[i].cascade;
  if (c >= 0 && static_cast<size_t>(c) < plan.cascades.size())
    lr.end = std::max(lr.end, plan.cascades[static_cast<size_t>(c)].last);
  lr.size = plan.ops[i].weight_buffer.size;
  return lr;
}

// Operations reusing the previous one's buffer (or an earlier one's) get its address.
void share_buffer_addresses(Plan& plan) {
  for (size_t i = 1; i < plan.ops.size(); ++i) {
    WeightBuffer& b = plan.ops[i].weight_buffer;
    if (b.reuses_previous) {
      const size_t from = b.shared_from >= 0 ? static_cast<size_t>(b.shared_from) : i - 1;
      b.address = plan.ops[from].weight_buffer.address;
    }
  }
}

}  // namespace

void allocate_arena(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options) {
  // The fast arena (SRAM cache) is allocated on its own.
  plan.fast_arena_size = 0;
  if (plan.spilling) {
    LiveRanges all = compute_live_ranges(graph, &plan);
    std::vector<LiveRange> fast;
    std::vector<size_t> fast_of(all.ranges.size(), SIZE_MAX);
    for (size_t r = 0; r < all.ranges.size(); ++r) {
      const int t = all.ranges[r].tensors.front();
      if (plan.tensors[static_cast<size_t>(t)].region == Region::kFastArena) {
        fast_of[r] = fast.size();
        fast.push_back(all.ranges[r]);
      }
    }
    // Weight buffers in the cache, live from the previous operation to their own (or the last
    // that reuses them).
    std::vector<size_t> fast_buffer(plan.ops.size(), SIZE_MAX);
    for (size_t i = 0; i < plan.ops.size(); ++i) {
      const WeightBuffer& b = plan.ops[i].weight_buffer;
      if (!b.enabled() || b.region != Region::kFastArena || b.reuses_previous)
        continue;
      fast_buffer[i] = fast.size();
      fast.push_back(buffer_range(plan, i));
    }
    // Staged inputs' copies.
    std::vector<size_t> fast_staged;
    for (const StagedInput& staged : plan.staged) {
      fast_staged.push_back(fast.size());
      fast.push_back(staged_range(all, staged));
    }
    Allocation a = allocate(fast, options.allocator, options.hill_climb_iterations);
    verify_allocation(fast, a);
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
      const int r = all.range_of[t];
      if (r >= 0 && fast_of[static_cast<size_t>(r)] != SIZE_MAX)
        plan.tensors[t].address = a.addresses[fast_of[static_cast<size_t>(r)]];
    }
    for (size_t i = 0; i < plan.ops.size(); ++i) {
      if (fast_buffer[i] != SIZE_MAX)
        plan.ops[i].weight_buffer.address = a.addresses[fast_buffer[i]];
    }
    for (size_t k = 0; k < plan.staged.size(); ++k)
      plan.staged[k].address = a.addresses[fast_staged[k]];
    plan.fast_arena_size = a.peak;
  }
  ArenaRanges ranges = arena_ranges(graph, plan, options);
  Allocation alloc = allocate(ranges.live.ranges, options.allocator, options.hill_climb_iterations);
  verify_allocation(ranges.live.ranges, alloc);
  apply_arena_addresses(graph, plan, ranges, alloc.addresses);
  plan.arena_size = alloc.peak;
}

ArenaRanges arena_ranges(const ir::NpuGraph& graph, const Plan& plan, const PlanOptions& options) {
  ArenaRanges out;
  LiveRanges& live = out.live;
  live = compute_live_ranges(graph, &plan);
  if (plan.spilling) {
    // The arena must not reserve room for ranges placed in the cache: they keep their slot in
    // the list (range indices stay valid) with no size.
    for (LiveRange& lr : live.ranges) {
      if (plan.tensors[static_cast<size_t>(lr.tensors.front())].region == Region::kFastArena)
        lr.size = 0;
    }
  }
  // Tensors the CPU side also sees (the segment's inputs and outputs) follow its alignment.
  for (int t : graph.inputs) {
    live.ranges[live.range_of[t]].alignment = std::max<int64_t>(16, options.cpu_tensor_alignment);
  }
  for (int t : graph.outputs) {
    live.ranges[live.range_of[t]].alignment = std::max<int64_t>(16, options.cpu_tensor_alignment);
  }
  // Weight buffers in the arena (live as buffer_range says).
  out.buffer_slot.assign(plan.ops.size(), SIZE_MAX);
  for (size_t i = 0; i < plan.ops.size(); ++i) {
    const WeightBuffer& b = plan.ops[i].weight_buffer;
    if (!b.enabled() || b.region != Region::kArena || b.reuses_previous)
      continue;
    out.buffer_slot[i] = live.ranges.size();
    live.ranges.push_back(buffer_range(plan, i));
  }
  return out;
}

void apply_arena_addresses(const ir::NpuGraph& graph, Plan& plan, const ArenaRanges& ranges,
                           std::span<const int64_t> addresses) {
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const int r = ranges.live.range_of[t];
    if (r >= 0 && plan.tensors[t].region == Region::kArena)
      plan.tensors[t].address = addresses[static_cast<size_t>(r)];
  }
  for (size_t i = 0; i < plan.ops.size(); ++i) {
    if (ranges.buffer_slot[i] != SIZE_MAX)
      plan.ops[i].weight_buffer.address = addresses[ranges.buffer_slot[i]];
  }
  share_buffer_addresses(plan);
}

void check_arena_limit(const ir::NpuGraph& graph, const Plan& plan, const PlanOptions& options) {
  // When spilling, the limit is the SRAM cache's, which spilling already respects; the DRAM
  // arena has none.
  if (!plan.spilling && plan.arena_size > options.arena_limit) {
    // Name the operations whose own working set (IFM + IFM2 + OFM) is above the limit.
    std::string culprits;
    for (const ir::NpuOp& op : graph.ops) {
      int64_t need = plan.tensors[op.ifm.tensor].size + plan.tensors[op.ofm.tensor].size +
                     (op.ifm2.valid() ? plan.tensors[op.ifm2.tensor].size : 0);
      if (need > options.arena_limit) {
        culprits +=
            fmt::format("\n  {} ({}): {} bytes", op.name, arch::operation_kind(op.type).name, need);
      }
    }
    throw_input(
        fmt::format("the plan needs {} bytes of arena but --arena-cache-size is {}{}",
                    plan.arena_size, options.arena_limit,
                    culprits.empty() ? "" : "; operations that do not fit alone:" + culprits));
  }
}

}  // namespace euc::scheduler
