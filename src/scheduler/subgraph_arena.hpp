#pragma once
// One arena for every NPU segment of a subgraph. TensorFlow Lite Micro gives all the ethos-u
// operators of a subgraph the same scratch tensor at arena offset 0 and places each NPU input and
// output at its OfflineMemoryAllocation offset inside it, so the offsets must come from one plan:
// a tensor one segment writes and a later one reads (or two segments read) has one address, and
// it is kept clear of everything else live between its first write and its last read, CPU
// operators in between included.
#include <vector>

#include "ir/npu_graph.hpp"
#include "scheduler/plan.hpp"
#include "scheduler/plan_options.hpp"

namespace euc::scheduler {

struct ArenaSegment {
  const ir::NpuGraph* graph = nullptr;
  Plan* plan = nullptr;
  int first_step = 0;  // the step of its first operation on the subgraph's timeline
};

// Where the CPU side touches a network tensor on the subgraph's timeline.
struct CpuTensorUse {
  int tensor = -1;  // network tensor index
  int step = 0;     // a CPU operator's step; subgraph inputs use 0, outputs the last step
};

// Allocates the arena ranges of all `segments` together on one timeline of `steps` steps
// (segments in execution order, their operations numbered from first_step on): ranges that hold
// the same network tensor become one range, stretched to the CPU uses given. Every plan gets
// its addresses and the common arena_size. The fast arenas (SRAM cache) keep their own
// allocations: nothing lives in them across segments.
void allocate_subgraph_arena(std::vector<ArenaSegment>& segments,
                             const std::vector<CpuTensorUse>& cpu_uses, int steps,
                             const PlanOptions& options);

}  // namespace euc::scheduler
