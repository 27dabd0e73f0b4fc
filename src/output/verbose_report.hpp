#pragma once
// The --verbose-* listings of one NPU segment, in euc's own words: what Vela prints for each
// option, told for euc's lowered graph, plan and command stream. Deterministic text, one block per
// option, each headed by a line naming the option's subject and the segment.
#include <string>
#include <vector>

#include "arch/system_config.hpp"
#include "codegen/compile_segment.hpp"
#include "ir/model.hpp"
#include "ir/npu_graph.hpp"
#include "output/performance_report.hpp"
#include "scheduler/plan.hpp"

namespace euc::output {

struct VerboseRequest {
  bool graph = false;                      // the lowered operations and their tensors
  bool quantization = false;               // ... with every tensor's scale and zero point
  bool packing = false;                    // network operators packed into each operation
  bool tensor_purpose = false;             // each tensor's role
  bool tensor_format = false;              // each tensor's memory layout and placement
  bool high_level_command_stream = false;  // the launches: stripes, slices, DMAs
  bool register_command_stream = false;    // every command word of the stream
  bool weights = false;                    // per operation: weights, encoded size, buffering
  bool any() const {
    return graph || quantization || packing || tensor_purpose || tensor_format ||
           high_level_command_stream || register_command_stream || weights;
  }
};

// The requested listings of segment `name`. `network` is the subgraph the segment was lowered
// from (for the names of network operators).
std::string format_verbose_segment(const VerboseRequest& request, const std::string& name,
                                   const ir::Subgraph& network, const ir::NpuGraph& graph,
                                   const scheduler::Plan& plan,
                                   const codegen::CompiledSegment& compiled,
                                   const arch::SystemConfig& system);

// --verbose-cycle-estimate: per NPU operation the performance model's cycle figures (compute,
// NPU with unhidden DMA, each memory area's access cycles, the total it takes) and the totals.
std::string format_cycle_estimate(const std::vector<LayerPerformance>& layers,
                                  const arch::SystemConfig& system);

}  // namespace euc::output
