#pragma once
// --verbose-schedule and --verbose-allocation: euc's plan for one NPU segment, per operation and
// per arena tensor, in the layout of Vela's reports so the two can be compared side by side.
#include <cstdint>
#include <string>
#include <vector>

#include "arch/system_config.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/plan.hpp"

namespace euc::output {

// Per operation: type, kernel, block config, OFM block, IFM/IFM2/OFM stripes, encoded weight
// bytes (`encoded_weight_bytes[i]`, -1 without weights), weight buffers, depth slices, cascade
// and the SRAM in use.
std::string format_schedule(const std::string& name, const ir::NpuGraph& graph,
                            const scheduler::Plan& plan,
                            const std::vector<int64_t>& encoded_weight_bytes,
                            const arch::SystemConfig& system);

// Per arena tensor: live steps, address range, size, memory in use when it becomes live, name;
// then the peak of live bytes and the allocated peak.
std::string format_allocation(const std::string& name, const ir::NpuGraph& graph,
                              const scheduler::Plan& plan, const arch::SystemConfig& system,
                              const std::string& allocator);

}  // namespace euc::output
