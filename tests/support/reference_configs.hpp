#pragma once
// The four reference configurations of shared/reference/vela_outputs/README.md (a-d), under which
// Vela 3.10 and 5.1 compiled the shared models: the accelerator, system config, memory mode and
// strategy of each (the tests and the benchmarks bench/timing/timing_comparison and
// bench/scheduler/vela_comparison use these).
#include <array>

#include "scheduler/plan_options.hpp"

namespace euc::test {

struct ReferenceConfig {
  const char* name;
  const char* accelerator;
  const char* system;
  const char* memory;
  scheduler::Strategy strategy;
};

inline constexpr std::array<ReferenceConfig, 4> kReferenceConfigs = {{
    {"a", "ethos-u55-256", "internal-default", "internal-default",
     scheduler::Strategy::kPerformance},
    {"b", "ethos-u55-256", "internal-default", "internal-default", scheduler::Strategy::kSize},
    {"c", "ethos-u55-128", "Ethos_U55_High_End_Embedded", "Shared_Sram",
     scheduler::Strategy::kPerformance},
    {"d", "ethos-u65-256", "Ethos_U65_High_End", "Dedicated_Sram",
     scheduler::Strategy::kPerformance},
}};

}  // namespace euc::test
