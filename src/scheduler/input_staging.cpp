#include "scheduler/input_staging.hpp"

#include <algorithm>
#include <vector>

#include "arch/operation_kinds.hpp"
#include "scheduler/arena.hpp"
#include "scheduler/plan_cost.hpp"

namespace euc::scheduler {
namespace {

double total_cycles(const ir::NpuGraph& graph, const Plan& plan, const arch::SystemConfig& system) {
  std::vector<OpCostInput> inputs;
  inputs.reserve(graph.ops.size());
  for (size_t i = 0; i < graph.ops.size(); ++i)
    inputs.push_back(cost_input(graph, plan, system, i));
  return score(arch::PerformanceModel(system), inputs).total_cycles;
}

// The first operation reading `tensor` as an IFM, or -1 when it cannot be staged: read by a
// DMA copy, written by an operation, reinterpreted by an alias, or not read at all.
int first_reader(const ir::NpuGraph& graph, int tensor) {
  for (const ir::NpuTensor& t : graph.tensors) {
    if (t.alias_of == tensor)
      return -1;
  }
  if (graph.tensors[static_cast<size_t>(tensor)].alias_of >= 0)
    return -1;
  int first = -1;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::NpuOp& op = graph.ops[i];
    if (op.ofm.tensor == tensor)
      return -1;
    const bool reads = op.ifm.tensor == tensor || (op.ifm2.tensor == tensor && !op.ifm2_scalar);
    if (!reads)
      continue;
    if (arch::operation_kind(op.type).is_dma())
      return -1;
    if (first < 0)
      first = static_cast<int>(i);
  }
  return first;
}

}  // namespace

void stage_inputs(const ir::NpuGraph& graph, Plan& plan, const arch::SystemConfig& system,
                  const PlanOptions& options) {
  if (!plan.spilling || !options.input_staging)
    return;
  std::vector<int> inputs(graph.inputs.begin(), graph.inputs.end());
  std::sort(inputs.begin(), inputs.end());
  inputs.erase(std::unique(inputs.begin(), inputs.end()), inputs.end());
  double best = total_cycles(graph, plan, system);
  for (int t : inputs) {
    const TensorPlacement& place = plan.tensors.at(static_cast<size_t>(t));
    // (A tensor the segment also writes back, such as an LSTM's state, is read in place.)
    if (std::find(graph.outputs.begin(), graph.outputs.end(), t) != graph.outputs.end())
      continue;
    if (graph.tensors[static_cast<size_t>(t)].is_constant() || place.region != Region::kArena ||
        place.layout != Layout::kNhwc || plan.staged_copy(t) != nullptr)
      continue;
    const int reader = first_reader(graph, t);
    if (reader < 0)
      continue;
    Plan trial = plan;
    trial.staged.push_back(StagedInput{t, -1, place.size, reader});
    allocate_arena(graph, trial, options);
    if (trial.fast_arena_size > system.arena_cache_size)
      continue;
    const double cycles = total_cycles(graph, trial, system);
    if (cycles < best) {
      best = cycles;
      plan = std::move(trial);
    }
  }
}

}  // namespace euc::scheduler
