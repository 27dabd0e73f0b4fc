#include "nputiming/model_timing.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "npu/ethosu_op.hpp"
#include "npusim/simulator.hpp"

namespace euc::nputiming {

namespace {

template <typename SystemOf>
ModelTiming time_each(const ir::Model& model, std::string_view source, SystemOf system_of) {
  ModelTiming timing;
  for (const npu::EthosuOperator& op : npu::read_ethosu_operators(model, source)) {
    const std::string where = fmt::format("{}: subgraph {} operator {} (ethos-u)", source,
                                          op.subgraph, op.operator_index);
    OperatorTiming t;
    t.subgraph = op.subgraph;
    t.operator_index = op.operator_index;
    std::vector<npu::DecodedCommand> commands;
    try {
      t.accelerator = npusim::accelerator_from_config(op.payload.config.word());
      commands = npu::decode_stream(op.payload.command_words);
      t.operations = npu::extract_operations(commands);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kUsage)
        throw;
      throw Error(e.kind(), fmt::format("{}: {}", where, e.what()));
    }
    const arch::SystemConfig system = system_of(t.accelerator);
    timing.system_config_name = system.system_config_name;
    timing.memory_mode_name = system.memory_mode_name;
    timing.core_clock = system.core_clock;
    try {
      t.result = time_stream(commands, t.operations, timing_setup(system, t.accelerator));
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kUsage)
        throw;
      throw Error(e.kind(), fmt::format("{}: {}", where, e.what()));
    }
    timing.total_cycles += t.result.total_cycles;
    for (std::size_t a = 0; a < timing.traffic.size(); ++a) {
      timing.traffic[a].read += t.result.traffic[a].read;
      timing.traffic[a].written += t.result.traffic[a].written;
    }
    timing.operators.push_back(std::move(t));
  }
  return timing;
}

}  // namespace

ModelTiming time_model(const ir::Model& model, std::string_view source,
                       const arch::ConfigLibrary& library, arch::SystemConfigOptions options) {
  return time_each(model, source, [&](arch::Accelerator accelerator) {
    options.accelerator = accelerator;
    return arch::resolve_system_config(library, options);
  });
}

ModelTiming time_model(const ir::Model& model, std::string_view source,
                       const arch::SystemConfig& system) {
  return time_each(model, source, [&](arch::Accelerator accelerator) {
    arch::SystemConfig s = system;
    s.accelerator = accelerator;
    return s;
  });
}

std::string format_model_timing(const ModelTiming& timing, bool per_operation) {
  std::string out;
  for (const OperatorTiming& op : timing.operators) {
    out += fmt::format("subgraph {} operator {} (ethos-u, {}): {} NPU operations\n", op.subgraph,
                       op.operator_index, arch::accelerator_name(op.accelerator),
                       op.result.operations.size());
    if (per_operation) {
      constexpr std::string_view kRow =
          "  {:>5} {:<22} {:>10} {:>10} {:>10} {:>10} {:>7} {:>10} {:>10} {:>10} {:>10} {:>11} "
          "{:>11}\n";
      out += fmt::format(kRow, "op", "kind", "issue", "start", "end", "cycles", "blocks", "mac",
                         "output", "memory", "port wait", "read B", "written B");
      for (const OperationTiming& o : op.result.operations) {
        std::string kind(npu::operation_kind_name(o.kind));
        const npu::NpuOperation& n = op.operations.at(o.index);
        if (n.block) {
          kind += fmt::format(" {}x{}x{}", n.block->ofm.shape.height, n.block->ofm.shape.width,
                              n.block->ofm.shape.depth);
        } else if (n.dma) {
          kind += fmt::format(" {} B", n.dma->length);
        }
        out += fmt::format(kRow, o.index, kind, o.issue, o.start, o.end, o.cycles(), o.blocks,
                           o.mac_cycles, o.output_cycles, o.memory_cycles, o.port_wait_cycles,
                           o.bytes_read, o.bytes_written);
      }
    }
    out += fmt::format(
        "  cycles {} (kernels busy {}, DMA busy {}, reader stalled in waits {}, waits for shared "
        "memory ports {})\n",
        op.result.total_cycles, op.result.kernel_busy_cycles, op.result.dma_busy_cycles,
        op.result.wait_stall_cycles, op.result.port_wait_cycles);
  }
  const double ms = timing.core_clock > 0
                        ? static_cast<double>(timing.total_cycles) / timing.core_clock * 1e3
                        : 0.0;
  out += fmt::format(
      "Simulated NPU cycles {} ({:.4f} ms at {:.0f} MHz; system config {}, memory "
      "mode {})\n",
      timing.total_cycles, ms, timing.core_clock / 1e6, timing.system_config_name,
      timing.memory_mode_name);
  for (arch::MemArea a : arch::kAllMemAreas) {
    const MemoryTraffic& t = timing.traffic[arch::index_of(a)];
    if (t.read == 0 && t.written == 0)
      continue;
    out += fmt::format("  {:<13} read {:>12} B  written {:>12} B\n", arch::mem_area_name(a), t.read,
                       t.written);
  }
  return out;
}

}  // namespace euc::nputiming
