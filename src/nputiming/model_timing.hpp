#pragma once
// A timed run of every ethos-u operator of a compiled model (euc's output or Vela's): the
// accelerator comes from each driver payload's CONFIG word, the memory system from the system
// config and memory mode given (the compiled model does not record them).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "arch/config_file.hpp"
#include "arch/system_config.hpp"
#include "ir/model.hpp"
#include "nputiming/timing_model.hpp"

namespace euc::nputiming {

struct OperatorTiming {
  std::size_t subgraph = 0;
  std::size_t operator_index = 0;
  arch::Accelerator accelerator = arch::kDefaultAccelerator;
  std::vector<npu::NpuOperation> operations;  // of its command stream, parallel to result's
  TimingResult result;
};

struct ModelTiming {
  std::string system_config_name;
  std::string memory_mode_name;
  double core_clock = 0;  // Hz
  std::vector<OperatorTiming> operators;
  int64_t total_cycles = 0;  // sum over the ethos-u operators (they run one after another)
  std::array<MemoryTraffic, arch::kMemAreaCount> traffic{};
};

// Times every ethos-u operator. `options.accelerator` is replaced by each payload's; a model
// without ethos-u operators gives an empty result. Input errors name `source`.
ModelTiming time_model(const ir::Model& model, std::string_view source,
                       const arch::ConfigLibrary& library, arch::SystemConfigOptions options);
// The same on a resolved system config (the compiler's own, for its output): its memories and
// clock, each payload's accelerator.
ModelTiming time_model(const ir::Model& model, std::string_view source,
                       const arch::SystemConfig& system);

// The report euc-run --timing prints: per ethos-u operator its operations (kind, issue, start,
// end, cycles, blocks, MAC/output/memory bound) when `per_operation`, its total and stalls;
// then the model's total cycles and time, and bytes read and written per memory.
std::string format_model_timing(const ModelTiming& timing, bool per_operation);

}  // namespace euc::nputiming
