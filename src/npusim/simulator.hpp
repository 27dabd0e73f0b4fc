#pragma once
// The functional model of an Ethos-U55/U65: executes a command stream over NPU memory, operation
// by operation, with every memory access checked (inside its region, not into read-only flash,
// reading only bytes that hold data), every field checked, and the DMA/kernel synchronisation
// checked (hazards.hpp). Errors are input errors "command stream byte offset 0x148: CONV
// (operation 1): <what>".
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "arch/accelerator.hpp"
#include "npu/command.hpp"
#include "npu/operation.hpp"
#include "npusim/feature_map_io.hpp"
#include "npusim/memory.hpp"
#include "npusim/op_weights.hpp"

namespace euc::npusim {

// What an observer sees after each operation.
struct OperationEvent {
  std::size_t index = 0;  // in operations()
  const npu::NpuOperation* operation = nullptr;
  const DenseMap* ofm = nullptr;  // block operations: the OFM as written (dense H x W x C)
};
using OperationObserver = std::function<void(const OperationEvent&)>;

class Simulator {
 public:
  // Decodes the stream and reads every operation it launches (input errors for malformed
  // streams). The SHRAM size and LUT position come from the accelerator.
  Simulator(std::span<const uint32_t> command_words, arch::Accelerator accelerator);

  const std::vector<npu::NpuOperation>& operations() const { return operations_; }
  const arch::AcceleratorConfig& accelerator() const { return *accelerator_; }

  // A SHRAM buffer of this accelerator's size, holding no data.
  std::shared_ptr<MemoryBuffer> make_shram() const;

  // Runs the stream up to NPU_OP_STOP. `memory` must have its regions and SHRAM mapped.
  void run(NpuMemory& memory, const OperationObserver& observer = {});

 private:
  std::vector<npu::DecodedCommand> commands_;
  std::vector<npu::NpuOperation> operations_;
  const arch::AcceleratorConfig* accelerator_;
  WeightCache weights_;
};

// The accelerator a CONFIG register image (driver payload) describes: product, MACs per cycle
// over all cores. Throws an input error for a combination no Ethos-U55/U65 has.
arch::Accelerator accelerator_from_config(uint32_t config_word);

}  // namespace euc::npusim
