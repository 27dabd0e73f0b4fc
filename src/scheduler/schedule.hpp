#pragma once
// The scheduler's one entry point. For each NPU segment of a subgraph it makes every scheduling
// decision (block configs, cascades, spills, staged inputs, weight buffers sized on the weight
// encoder's estimates, the weights then encoded once in the chosen depth slices and the buffers
// sized exactly, identical buffers shared, passes); then it gives the subgraph's segments one
// arena, checks the arena limit and verifies each plan. What comes out is final: codegen only
// turns it into commands.
#include <string>
#include <vector>

#include "arch/system_config.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/constant_layout.hpp"
#include "scheduler/plan.hpp"
#include "scheduler/plan_options.hpp"
#include "scheduler/subgraph_arena.hpp"
#include "scheduler/weight_encoder.hpp"

namespace euc::scheduler {

// One NPU segment's final plan and its encoded constants (the read-only region).
struct Schedule {
  Plan plan;
  ConstantLayout constants;
};

// The NPU segments of one subgraph in execution order, each with the step of its first
// operation on the subgraph's timeline, and where CPU operators touch network tensors.
struct SubgraphTimeline {
  struct Segment {
    const ir::NpuGraph* graph = nullptr;
    int first_step = 0;
    std::string name;  // in the plan verifier's messages ("subgraph 0 segment 1")
  };
  std::vector<Segment> segments;
  std::vector<CpuTensorUse> cpu_uses;
  int steps = 0;  // steps of the whole timeline
};

// One segment planned on its own (its own arena), not yet checked against the arena limit.
Schedule schedule_segment(const ir::NpuGraph& graph, const arch::SystemConfig& system,
                          const PlanOptions& options, const WeightEncoder& encoder);

// Every segment of a subgraph: planned, given one arena when there are several, checked against
// the arena limit (an input error naming what does not fit) and verified.
std::vector<Schedule> schedule(const SubgraphTimeline& timeline, const arch::SystemConfig& system,
                               const PlanOptions& options, const WeightEncoder& encoder);

}  // namespace euc::scheduler
