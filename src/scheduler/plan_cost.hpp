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
  // BLOCKDEP of its first launch after the previous kernel (arch/block_dependency.hpp): how
  // many of that kernel's last OFM blocks may still run when this one starts.
  int block_dependency = 0;
  arch::OpQuery query;
  std::optional<arch::WeightTraffic> weights;
  std::optional<arch::DmaTraffic> dma;
};

// The memory area a placed tensor lives in.
arch::MemArea area_of(const arch::SystemConfig& system, Region region);

// The share of operation `index - 1`'s cycles that run between the start of the DMA issued
// for operation `index` and that operation's first launch (see OpCostInput::slack_fraction).
double slack_fraction(const ir::NpuGraph& graph, const Plan& plan, size_t index);

// The BLOCKDEP the command stream gives operation `index`'s launch after the kernel before it
// (at most `max`), by the block walk over the tensor elements the two touch; 0 inside
// cascades, after a copy into the operation's input, and where a table is loaded for it.
int block_dependency(const ir::NpuGraph& graph, const Plan& plan,
                     const arch::AcceleratorConfig& accelerator, size_t index, bool lut_loaded,
                     int max = 3);

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

// Where the NPU stands after an operation, for the next one's start (the static timeline):
// the kernel queue (launches run one after the other, the next one's first blocks overlapping
// the last blocks of the one before as far as its BLOCKDEP allows), the one DMA queue (copies
// run one after the other, each running under the launch preceding its consumer), and each
// memory's bandwidth, which a copy and a kernel reading the same memory share.
struct TimelineState {
  // A command stream starts with the register writes of its first launch, read at about one
  // word a cycle (euc's streams: some 70 words), before anything runs.
  static constexpr double kStreamStart = 70;
  double kernel_end = kStreamStart;  // the last launch ended
  double last_launch = 0;            // cycles of the last launch (the next copy can run under it)
  double queue_free = kStreamStart;  // the DMA queue is free
  std::array<double, arch::kMemAreaCount> memory_free{};  // each memory's bandwidth is free
  // The last kernel's pipeline, for the next one's overlap (BLOCKDEP > 0): when its last launch
  // started fetching, its MAC stage is free, the output stages of its last and second-last
  // blocks end, and the MAC stages of its last 1, 2 and 3 blocks started.
  double launch_start = 0;
  double mac_free = 0;
  double out_end = 0;
  double out_two_back = 0;
  std::array<double, 3> block_start{};
  // The same state seen from kernel_end (what the rest of the timeline depends on).
  bool same_relative(const TimelineState& other) const;
};

// Advances the timeline by one operation and returns its cost: `cost` (its estimate) with
// npu_cycles and total_cycles set to how much later the last launch ends because of it (the
// `first` operation of a stream also counts the stream's start).
arch::OpCost advance(const arch::PerformanceModel& model, const OpCostInput& in, arch::OpCost cost,
                     TimelineState& state, bool first);

// Scores operations in order on the timeline: each operation's copies queue behind the
// previous ones' and run under the launches before it; the total is when the last launch ends.
PlanCost score(const arch::PerformanceModel& model, std::span<const OpCostInput> ops);

// Keeps a plan's operation costs and re-scores only what changes: replacing operation i
// re-estimates it and advances the timeline from it until the state matches the old one's.
class PlanScorer {
 public:
  PlanScorer(const arch::PerformanceModel& model, std::vector<OpCostInput> ops);
  void replace(size_t index, OpCostInput op);
  // The total with operation `index` replaced by `op`, leaving the scorer unchanged.
  double total_with(size_t index, const OpCostInput& op) const;
  double total_cycles() const { return total_; }
  const OpCostInput& input(size_t index) const { return ops_.at(index); }

 private:
  arch::OpCost estimate(const OpCostInput& in) const;
  // Advances from operation `index` (with `first` in its place) to the end or until the state
  // matches; returns the change of the total, and the new costs and states when asked.
  double delta(size_t index, const OpCostInput& first, std::vector<arch::OpCost>* costs,
               std::vector<TimelineState>* states) const;
  const arch::PerformanceModel& model_;
  std::vector<OpCostInput> ops_;
  std::vector<arch::OpCost> raw_;     // estimates without the timeline
  std::vector<arch::OpCost> costs_;   // on the timeline
  std::vector<TimelineState> after_;  // the state after each operation
  double total_ = 0;
};

}  // namespace euc::scheduler
