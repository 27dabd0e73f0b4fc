// The listing: payload header, tensors, then one line per command with the operation each
// NPU_OP_* launches summarised under it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "disassembly.hpp"
#include "npu/format.hpp"
#include "npu/operation_format.hpp"

namespace euc::dis {
namespace {

std::string shape_text(const std::vector<int32_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

void append_payload(std::string& out, const npu::DriverPayload& p) {
  const npu::ConfigRegisterImage& c = p.config;
  const npu::IdRegisterImage& id = p.id;
  out += fmt::format("  payload: COP1, CONFIG release {} patch {}\n", p.config_release,
                     p.config_patch);
  out += fmt::format(
      "    config {:#010x}: {}, {} MACs/cycle (macs_per_cc {}), SHRAM {} KiB, command stream "
      "version {}\n",
      c.word(), npu::product_name(c.product), c.macs_per_cycle(), c.macs_per_cc_log2,
      c.shram_size_kib, c.cmd_stream_version);
  out += fmt::format(
      "    id {:#010x}: architecture {}, product major {}, version {}.{} status {}\n", id.word(),
      id.arch_version(), id.product_major, id.version_major, id.version_minor, id.version_status);
  std::vector<std::string> actions;
  for (const npu::DriverAction& a : p.actions) {
    std::string text = fmt::format("{}@{:#x}", npu::driver_action_name(a.id), a.byte_offset);
    if (a.id == npu::DriverActionId::kCommandStream)
      text += fmt::format("({} words)", a.data_words);
    if (a.id == npu::DriverActionId::kReadApb)
      text += fmt::format("(index {} count {})", a.param & 0xFFF, (a.param >> 12) + 1);
    actions.push_back(std::move(text));
  }
  out += fmt::format("    actions: {}\n", fmt::join(actions, " "));
}

void append_tensors(std::string& out, const std::vector<TensorEntry>& tensors) {
  out += "  tensors:\n";
  for (const TensorEntry& t : tensors) {
    out +=
        fmt::format("    {:<14} t{:<4} {:<8} {:<16} {:>9} bytes  arena offset {:<8} '{}'\n", t.role,
                    t.index, ir::data_type_name(t.type), shape_text(t.shape), t.bytes,
                    t.arena_offset ? fmt::format("{}", *t.arena_offset) : std::string("-"), t.name);
  }
}

}  // namespace

std::string format_text(const Disassembly& d) {
  std::string out = fmt::format("{}: {} ethos-u operator{}\n", d.file, d.operators.size(),
                                d.operators.size() == 1 ? "" : "s");
  for (std::size_t k = 0; k < d.operators.size(); ++k) {
    const OperatorDisassembly& od = d.operators[k];
    out += fmt::format("\nethos-u operator {} (subgraph {}, operator {})\n", k, od.op.subgraph,
                       od.op.operator_index);
    append_payload(out, od.op.payload);
    append_tensors(out, od.tensors);
    std::size_t dma = 0;
    for (const npu::NpuOperation& op : od.operations)
      dma += op.kind == npu::OperationKind::kDma ? 1 : 0;
    out += fmt::format("  commands: {} ({} bytes), operations: {} ({} block, {} DMA)\n",
                       od.commands.size(), od.op.payload.command_words.size() * 4,
                       od.operations.size(), od.operations.size() - dma, dma);
    for (std::size_t i = 0; i < od.commands.size(); ++i) {
      const npu::DecodedCommand& c = od.commands[i];
      out += fmt::format("    {:#06x}: {:<17} {}\n", c.byte_offset, npu::format_words(c.command),
                         npu::format_command(c));
      const int op_index = od.operation_of_command[i];
      if (op_index < 0)
        continue;
      const npu::NpuOperation& op = od.operations[static_cast<std::size_t>(op_index)];
      out += fmt::format("    {:>6}  -> op {}: {}\n", "", op_index, npu::summarize_operation(op));
      if (!op.unset_registers.empty()) {
        std::vector<std::string_view> names;
        for (npu::Opcode reg : op.unset_registers)
          names.push_back(npu::opcode_name(reg));
        out += fmt::format("    {:>6}     never written: {}\n", "", fmt::join(names, " "));
      }
    }
  }
  return out;
}

}  // namespace euc::dis
