#pragma once
// The cost of a Plan: every operation of a segment described to the performance model (where
// its tensors live, its block config, its weights and DMAs) and the whole plan scored as the
// sum of its operations' costs, as Vela totals them. This is the one cost function plans are
// compared with.
#include <optional>
#include <span>
#include <vector>

#include "arch/performance.hpp"
#include "arch/system_config.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/plan.hpp"

namespace euc::scheduler {

// One operation as the performance model sees it.
struct OpCostInput {
  bool dma_only = false;  // a copy by DMA: no compute
  // How much of the previous operation's compute this one's first DMA can hide under: all of
  // it, or, where cascades interleave them, the one stripe of it launched just before.
  double slack_fraction = 1.0;
  arch::OpQuery query;
  std::optional<arch::WeightTraffic> weights;
  std::optional<arch::DmaTraffic> dma;
};

// The memory area a placed tensor lives in.
arch::MemArea area_of(const arch::SystemConfig& system, Region region);

// The share of operation `index - 1`'s cycles that run between the start of the DMA issued
// for operation `index` and that operation's first launch (see OpCostInput::slack_fraction).
double slack_fraction(const ir::NpuGraph& graph, const Plan& plan, size_t index);

// Describes operation `index` of `graph` under `plan`. `encoded_weight_bytes` is the operation's
// encoded weight stream (scales included) when known; otherwise the weights and 10-byte scale
// records uncompressed stand in for it.
OpCostInput cost_input(const ir::NpuGraph& graph, const Plan& plan,
                       const arch::SystemConfig& system, size_t index,
                       std::optional<int64_t> encoded_weight_bytes = std::nullopt);

struct PlanCost {
  std::vector<arch::OpCost> ops;  // parallel to the operations
  int64_t macs = 0;
  double npu_cycles = 0;
  std::array<double, arch::kMemAreaCount> access_cycles{};
  double total_cycles = 0;
  std::array<arch::AreaBytes, arch::kMemAreaCount> feature_map_bytes{};
  std::array<arch::AreaBytes, arch::kMemAreaCount> weight_bytes{};
  // Appends one operation's cost to the totals.
  void add(const arch::OpCost& op);
};

// Scores operations in order: each may hide its DMA under the previous one's compute.
PlanCost score(const arch::PerformanceModel& model, std::span<const OpCostInput> ops);

// Keeps a plan's operation costs and re-scores only what changes: replacing operation i
// re-estimates it and its successor (whose DMA hides under it), then updates the totals.
class PlanScorer {
 public:
  PlanScorer(const arch::PerformanceModel& model, std::vector<OpCostInput> ops);
  void replace(size_t index, OpCostInput op);
  double total_cycles() const { return total_; }

 private:
  arch::OpCost estimate(size_t index) const;
  const arch::PerformanceModel& model_;
  std::vector<OpCostInput> ops_;
  std::vector<arch::OpCost> costs_;
  double total_ = 0;
};

}  // namespace euc::scheduler
