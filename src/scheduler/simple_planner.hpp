#pragma once
// The first, simple plan: every operation runs alone over whole tensors, all feature maps live
// in the arena in NHWC, constants in flash. Later strategies (cascading, weight buffering)
// start from it.
#include <string>

#include "arch/system_config.hpp"
#include "scheduler/allocator.hpp"
#include "scheduler/plan.hpp"

namespace euc::scheduler {

struct PlanOptions {
  AllocatorKind allocator = AllocatorKind::kHillClimb;
  int64_t arena_limit = INT64_MAX;    // --arena-cache-size: a plan above it is an error
  int64_t cpu_tensor_alignment = 16;  // --cpu-tensor-alignment: segment inputs and outputs
  int hill_climb_iterations = 99999;  // --hillclimb-max-iterations
  bool feature_map_layouts = true;    // NHCWB16 where allowed (false: every feature map NHWC)
};

// The block config request for one lowered operation.
arch::BlockConfigRequest block_request(const ir::NpuGraph& graph, const ir::NpuOp& op);

Plan plan_whole_tensors(const ir::NpuGraph& graph, const arch::SystemConfig& system,
                        const PlanOptions& options);

}  // namespace euc::scheduler
