#include "vela_weight_ops.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "core/error.hpp"
#include "npu/command.hpp"
#include "npu/ethosu_op.hpp"
#include "tflite/reader.hpp"

namespace euc::test {
namespace {

// Vela addresses the flash tensor through region (base pointer) 0, scratch through 1 and
// scratch_fast through 2 (docs/npu_architecture.md §Feature maps and regions).
constexpr int kFlashRegion = 0;

// The flash bytes a register range reads: directly when it points into the flash region,
// otherwise through the latest DMA from flash that filled the SRAM it points at.
VelaFlashBytes trace(const npu::AddressRange& range, const std::vector<npu::DmaOperation>& dmas,
                     std::span<const std::uint8_t> flash, std::string_view what) {
  std::optional<std::uint64_t> offset;
  if (range.region == kFlashRegion) {
    offset = range.address;
  } else {
    for (auto it = dmas.rbegin(); it != dmas.rend(); ++it) {
      if (it->destination.region == range.region && !it->destination.internal &&
          it->source.region == kFlashRegion && range.address >= it->destination.address &&
          range.address + range.length <= it->destination.address + it->length) {
        offset = it->source.address + (range.address - it->destination.address);
        break;
      }
    }
  }
  if (!offset || *offset + range.length > flash.size()) {
    throw_input(fmt::format("{} at region {} address {:#x} not traced to the flash tensor", what,
                            range.region, range.address));
  }
  const auto begin = flash.begin() + static_cast<std::ptrdiff_t>(*offset);
  return {static_cast<std::size_t>(*offset),
          {begin, begin + static_cast<std::ptrdiff_t>(range.length)}};
}

}  // namespace

std::vector<VelaWeightOp> vela_weight_ops(const std::filesystem::path& model_path) {
  const ir::Model model = tfl::read_model_file(model_path);
  const std::string source = model_path.filename().string();
  std::vector<VelaWeightOp> found;
  const auto ethosu = npu::read_ethosu_operators(model, source);
  for (std::size_t e = 0; e < ethosu.size(); ++e) {
    const npu::EthosuOperator& op = ethosu[e];
    const ir::Subgraph& subgraph = model.subgraphs[op.subgraph];
    const auto flash =
        model.tensor_data(subgraph.tensors[static_cast<std::size_t>(op.flash.index)]);
    std::vector<npu::DmaOperation> dmas;
    const auto operations = npu::extract_operations(npu::decode_stream(op.payload.command_words));
    for (std::size_t i = 0; i < operations.size(); ++i) {
      const npu::NpuOperation& operation = operations[i];
      if (operation.dma) {
        dmas.push_back(*operation.dma);
        continue;
      }
      if (operation.kind != npu::OperationKind::kConv &&
          operation.kind != npu::OperationKind::kDepthwise) {
        continue;
      }
      const npu::BlockOperation& block = *operation.block;
      VelaWeightOp w;
      w.ethosu_operator = e;
      w.operation = i;
      w.kind = operation.kind;
      w.kernel = block.kernel.value_or(npu::Kernel{});
      w.block_depth = block.block_config.depth;
      w.ifm_depth = block.ifm.shape.depth;
      w.ofm_depth = block.ofm.shape.depth;
      w.ifm_bits = block.ifm.type.bits;
      const std::string where = fmt::format("{}: operation {}", source, i);
      for (const npu::AddressRange& r : block.weights) {
        w.weights.push_back(trace(r, dmas, flash, where + " weights"));
      }
      for (const npu::AddressRange& r : block.scales) {
        w.scales.push_back(trace(r, dmas, flash, where + " scales"));
      }
      found.push_back(std::move(w));
    }
  }
  return found;
}

}  // namespace euc::test
