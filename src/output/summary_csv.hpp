#pragma once
// <stem>_summary_<system_config>.csv with the columns of Vela 3.10's summary (docs/scheduling.md
// §Summary CSV), so scripts written for Vela keep working; euc adds one column at the end,
// cycles_simulated. Without a performance estimate (a model
// with no NPU operation) its figures are left empty, never invented.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arch/system_config.hpp"
#include "scheduler/plan_cost.hpp"

namespace euc::output {

struct SummaryFigures {
  std::string network;
  int passes_before_fusing = 0;  // network operators
  int passes_after_fusing = 0;   // NPU operations plus CPU operators
  int64_t arena_bytes = 0;
  int64_t fast_arena_bytes = 0;  // the SRAM cache (Dedicated_Sram)
  int64_t read_only_bytes = 0;   // flash tensors and command streams
  int64_t original_weight_bytes = 0;
  int64_t encoded_weight_bytes = 0;
  int64_t macs = 0;
  // The performance model's totals over every NPU operation.
  std::optional<scheduler::PlanCost> performance;
  // The timing model's (nputiming) cycles for the compiled command streams: an extra last
  // column, cycles_simulated, after Vela's (empty without NPU operations).
  std::optional<int64_t> simulated_cycles;
};

// The columns in order: Vela's name and the cell's text ("" where there is no figure).
std::vector<std::pair<std::string, std::string>> summary_columns(const arch::SystemConfig& system,
                                                                 const SummaryFigures& figures);

std::string format_summary_csv(const arch::SystemConfig& system, const SummaryFigures& figures);

}  // namespace euc::output
