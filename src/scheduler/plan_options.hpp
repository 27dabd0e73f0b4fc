#pragma once
// The user's scheduling choices (strategy, allocator, limits, feature switches): the options of
// scheduler::schedule.
#include <cstdint>

#include "scheduler/allocator.hpp"

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

}  // namespace euc::scheduler
