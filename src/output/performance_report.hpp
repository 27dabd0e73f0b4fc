#pragma once
// Performance reports with Vela's names and columns: the per-layer table of
// --verbose-performance (console and <stem>_per-layer.csv) and the cycle, bandwidth and
// inference-time lines of the console summary.
#include <cstdint>
#include <string>
#include <vector>

#include "arch/performance.hpp"
#include "arch/system_config.hpp"
#include "scheduler/plan_cost.hpp"

namespace euc::output {

// One NPU operation of the compiled network.
struct LayerPerformance {
  std::string tflite_operator;  // the network operator it implements, e.g. "CONV_2D"
  std::string npu_operation;    // Vela's name for the NPU operation, e.g. "Conv2DBias"
  std::string name;             // its OFM
  int64_t sram_usage = 0;       // bytes of SRAM in use while it runs
  arch::OpCost cost;
};

// The per-layer table. `csv` selects Vela's CSV rows (full precision) instead of the aligned
// console table. `peak_sram` is the network's peak, for the Peak% column.
std::string format_per_layer(const std::vector<LayerPerformance>& layers,
                             const scheduler::PlanCost& totals, const arch::SystemConfig& system,
                             int64_t peak_sram, bool csv);

// The console summary's performance lines: bandwidths per area, MACs, cycles per area,
// inference time and inferences per second.
std::string format_performance_summary(const scheduler::PlanCost& totals,
                                       const arch::SystemConfig& system);

}  // namespace euc::output
