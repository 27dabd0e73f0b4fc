#pragma once
// The first, simple plan: every operation runs alone over whole tensors, all feature maps live
// in the arena in NHWC, constants in flash. Later strategies (cascading, weight buffering)
// start from it.
#include <span>
#include <string>

#include "arch/system_config.hpp"
#include "scheduler/allocator.hpp"
#include "scheduler/plan.hpp"

namespace euc::scheduler {

enum class Strategy {
  kPerformance,  // fewest cycles within the arena limit
  kSize,         // least arena; then buffer weights only below that peak (Vela c2c3063)
};

struct PlanOptions {
  AllocatorKind allocator = AllocatorKind::kHillClimb;
  int64_t arena_limit = INT64_MAX;    // --arena-cache-size: a plan above it is an error
  int64_t cpu_tensor_alignment = 16;  // --cpu-tensor-alignment: segment inputs and outputs
  int hill_climb_iterations = 99999;  // --hillclimb-max-iterations
  bool feature_map_layouts = true;    // NHCWB16 where allowed (false: every feature map NHWC)
  Strategy strategy = Strategy::kPerformance;
  bool weight_buffering = true;  // false: --disable-buffering
  bool cascading = true;         // false: --disable-cascading
  // Dedicated_Sram: segment inputs may be copied into the SRAM cache (false: always read in
  // DRAM, for comparison).
  bool input_staging = true;
};

// A feature map shape as the NPU sees it: batch folded into height.
arch::Hwc hwc(const ir::Shape4& s);
// Bits of one element (8 for types without a fixed size).
int bits_of(ir::DataType type);

// The kind of NPU block an operation runs as.
arch::BlockKind block_kind(ir::NpuOpType type);

// The block config request for one lowered operation.
arch::BlockConfigRequest block_request(const ir::NpuGraph& graph, const ir::NpuOp& op);

Plan plan_whole_tensors(const ir::NpuGraph& graph, const arch::SystemConfig& system,
                        const PlanOptions& options);

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
