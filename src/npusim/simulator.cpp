#include "npusim/simulator.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "npu/driver_payload.hpp"
#include "npusim/block_checks.hpp"
#include "npusim/dma.hpp"
#include "npusim/hazards.hpp"
#include "npusim/kernels.hpp"

namespace euc::npusim {
namespace {

// NPU_OP_DMA_WAIT / NPU_OP_KERNEL_WAIT param: outstanding count in bits 0-3, channel above
// (Vela register_command_stream_generator.py, cmd_wait).
constexpr uint16_t kWaitCountMask = 0xF;

// "POOL AVERAGE (operation 3)": the kind, the mode for POOL and ELEMENTWISE, the index.
std::string operation_name(const npu::NpuOperation& op, std::size_t index) {
  std::string name(npu::operation_kind_name(op.kind));
  auto mode = [&](std::string_view enumeration, uint32_t value) {
    if (const npu::EnumInfo* info = npu::find_enum(enumeration))
      if (const auto text = npu::enum_value_name(*info, value))
        name += fmt::format(" {}", *text);
  };
  if (op.block && op.kind == npu::OperationKind::kPool)
    mode("pooling_mode", static_cast<uint32_t>(op.block->pooling_mode));
  if (op.block && op.kind == npu::OperationKind::kElementwise)
    mode("elementwise_mode", static_cast<uint32_t>(op.block->elementwise_mode));
  return fmt::format("{} (operation {})", name, index);
}

std::string where(const npu::NpuOperation& op, std::size_t index) {
  return fmt::format("command stream byte offset {:#x}: {}", op.byte_offset,
                     operation_name(op, index));
}

}  // namespace

arch::Accelerator accelerator_from_config(uint32_t config_word) {
  return arch::accelerator_from_config_word(config_word);
}

Simulator::Simulator(std::span<const uint32_t> command_words, arch::Accelerator accelerator)
    : commands_(npu::decode_stream(command_words)),
      operations_(npu::extract_operations(commands_)),
      accelerator_(&arch::accelerator_config(accelerator)) {}

std::shared_ptr<MemoryBuffer> Simulator::make_shram() const {
  return std::make_shared<MemoryBuffer>(
      "SHRAM", static_cast<std::size_t>(accelerator_->shram_banks) * arch::kShramBankBytes);
}

void Simulator::run(NpuMemory& memory, const OperationObserver& observer) {
  HazardTracker hazards(accelerator_->max_outstanding_dma, arch::kMaxOutstandingKernels);
  std::size_t next = 0;  // next operation
  for (const npu::DecodedCommand& command : commands_) {
    const npu::Opcode opcode = command.command.opcode;
    if (opcode == npu::Opcode::kOpStop)
      return;
    if (opcode == npu::Opcode::kOpDmaWait) {
      hazards.wait_dmas(command.command.param & kWaitCountMask);
      continue;
    }
    if (opcode == npu::Opcode::kOpKernelWait) {
      hazards.wait_kernels(command.command.param & kWaitCountMask);
      continue;
    }
    if (!npu::launched_kind(opcode))
      continue;  // register writes were applied when the operations were read
    const std::size_t index = next++;
    const npu::NpuOperation& op = operations_.at(index);
    try {
      if (!op.unset_registers.empty()) {
        std::string names;
        for (npu::Opcode reg : op.unset_registers)
          names += fmt::format("{}{}", names.empty() ? "" : ", ", npu::opcode_name(reg));
        throw_input(fmt::format("reads registers no command wrote: {}", names));
      }
      const std::string name = where(op, index);
      if (op.kind == npu::OperationKind::kDma) {
        hazards.start_dma(dma_accesses(memory, *op.dma, *accelerator_), name);
        run_dma(memory, *op.dma, *accelerator_);
        if (observer)
          observer(OperationEvent{index, &op, nullptr});
        continue;
      }
      const npu::BlockOperation& block = *op.block;
      check_block_operation(memory, op.kind, block, *accelerator_);
      hazards.start_kernel(block_accesses(memory, block, *accelerator_), name);
      const KernelEnv env{memory, *accelerator_, weights_, index};
      DenseMap ofm;
      switch (op.kind) {
        case npu::OperationKind::kConv:
          ofm = run_convolution(env, block, false);
          break;
        case npu::OperationKind::kDepthwise:
          ofm = run_convolution(env, block, true);
          break;
        case npu::OperationKind::kPool:
          ofm = run_pooling(env, block);
          break;
        case npu::OperationKind::kElementwise:
          ofm = run_elementwise(env, block);
          break;
        case npu::OperationKind::kDma:
          break;
      }
      write_feature_map(memory, block.ofm, ofm, "OFM");
      clobber_shram(memory, block, *accelerator_);
      if (observer)
        observer(OperationEvent{index, &op, &ofm});
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kUsage)
        throw;
      throw Error(e.kind(), fmt::format("{}: {}", where(op, index), e.what()));
    }
  }
  throw_input("command stream ends without NPU_OP_STOP");
}

}  // namespace euc::npusim
