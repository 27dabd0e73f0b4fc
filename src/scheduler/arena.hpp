#pragma once
// A segment's arena: the live ranges of its feature maps and weight buffers, their addresses
// from the chosen allocator, and the arena-limit check.
#include <span>
#include <string>

#include "scheduler/live_range.hpp"
#include "scheduler/plan.hpp"
#include "scheduler/plan_options.hpp"

namespace euc::scheduler {

// Assigns arena addresses to every feature map and weight buffer of `plan` with the chosen
// allocator and sets plan.arena_size. Does not check the arena limit.
void allocate_arena(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options);

// The live ranges the arena (region kArena) holds for a plan: one per feature-map storage group
// (those in the SRAM cache with size 0, so range indices stay those of compute_live_ranges),
// then one per weight buffer in the arena.
struct ArenaRanges {
  LiveRanges live;
  std::vector<size_t> buffer_slot;  // per operation: its weight buffer's range, or SIZE_MAX
};
ArenaRanges arena_ranges(const ir::NpuGraph& graph, const Plan& plan, const PlanOptions& options);
// Gives the plan's arena tensors and weight buffers the addresses of their ranges.
void apply_arena_addresses(const ir::NpuGraph& graph, Plan& plan, const ArenaRanges& ranges,
                           std::span<const int64_t> addresses);

// Throws the arena-limit error (naming the operations that do not fit alone) if the plan's
// arena is above options.arena_limit.
void check_arena_limit(const ir::NpuGraph& graph, const Plan& plan, const PlanOptions& options);

}  // namespace euc::scheduler
