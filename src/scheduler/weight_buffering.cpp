#include "scheduler/weight_buffering.hpp"

#include <algorithm>

#include "arch/performance.hpp"
#include "scheduler/allocator.hpp"
#include "scheduler/live_range.hpp"
#include "scheduler/plan_cost.hpp"

namespace euc::scheduler {

bool weights_need_dma(const arch::SystemConfig& system) {
  const arch::MemArea from = system.const_area();
  const bool sram_at_hand =
      system.arena_area() == arch::MemArea::kSram ||
      (system.spilling_enabled() && system.cache_area() == arch::MemArea::kSram);
  return (from == arch::MemArea::kDram || from == arch::MemArea::kOffChipFlash) && sram_at_hand;
}

void buffer_weights(const ir::NpuGraph& graph, Plan& plan, const arch::SystemConfig& system,
                    const PlanOptions& options, std::span<const int64_t> encoded_weight_bytes) {
  if (!options.weight_buffering || !weights_need_dma(system))
    return;
  // Buffers go to the SRAM: the arena, or the cache when feature maps spill to a DRAM arena.
  const Region region = plan.spilling ? Region::kFastArena : Region::kArena;
  auto used = [&](const Plan& p) { return plan.spilling ? p.fast_arena_size : p.arena_size; };
  const int64_t limit = plan.spilling ? system.arena_cache_size : options.arena_limit;
  const int64_t budget = options.strategy == Strategy::kSize ? used(plan) : limit;
  const arch::PerformanceModel model(system);
  auto encoded = [&](size_t i) -> std::optional<int64_t> {
    if (i < encoded_weight_bytes.size() && encoded_weight_bytes[i] > 0)
      return encoded_weight_bytes[i];
    return std::nullopt;
  };
  // Each operation's saving, from the cost function: its total with and without the buffer
  // (the previous operation's compute, under which the DMA runs, does not change).
  struct Candidate {
    size_t op;
    double saving;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::NpuOp& op = graph.ops[i];
    // (Cascaded operations run in stripes over a longer span: their weights stay in flash.)
    if (op.weights < 0 || op.type == ir::NpuOpType::kFullyConnected || !encoded(i) ||
        plan.ops[i].cascade >= 0)
      continue;
    const int64_t prev_slack =
        i > 0 ? model.op_cycles(cost_input(graph, plan, system, i - 1, encoded(i - 1)).query) : 0;
    OpCostInput plain = cost_input(graph, plan, system, i, encoded(i));
    Plan trial = plan;
    trial.ops[i].weight_buffer.size = *encoded(i);
    trial.ops[i].weight_buffer.region = region;
    OpCostInput buffered = cost_input(graph, trial, system, i, encoded(i));
    const double without =
        model.estimate(plain.query, plain.weights, plain.dma, prev_slack).total_cycles;
    const double with =
        model.estimate(buffered.query, buffered.weights, buffered.dma, prev_slack).total_cycles;
    if (with < without)
      candidates.push_back({i, without - with});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.saving > b.saving; });
  // Take them in order while the arena fits the budget.
  Plan accepted = plan;
  for (const Candidate& c : candidates) {
    Plan trial = accepted;
    trial.ops[c.op].weight_buffer.size = *encoded(c.op);
    trial.ops[c.op].weight_buffer.region = region;
    allocate_arena(graph, trial, options);
    if (used(trial) <= budget)
      accepted = std::move(trial);
  }
  plan = std::move(accepted);
}

}  // namespace euc::scheduler
