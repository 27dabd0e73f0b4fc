#pragma once
// Input staging (Dedicated_Sram): which segment inputs, left by the CPU in the DRAM arena, are
// copied whole into the SRAM cache by one DMA before their first reader (Plan::staged).
#include "arch/system_config.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/plan.hpp"
#include "scheduler/plan_options.hpp"

namespace euc::scheduler {

// Stages each segment input whose copy fits the cache beside everything else live and makes
// the whole plan cheaper under the cost function (the copy's DMA against the readers' DRAM
// access), then re-allocates. Nothing happens without spilling, or for inputs a DMA copy or an
// alias also reads.
void stage_inputs(const ir::NpuGraph& graph, Plan& plan, const arch::SystemConfig& system,
                  const PlanOptions& options);

}  // namespace euc::scheduler
