#pragma once
// Runs one `ethos-u` operator of a compiled model on the functional model, the way TensorFlow
// Lite Micro's Ethos-U kernel drives the NPU: region 0 is the flash tensor, region 1 the scratch
// tensor (the arena the IFMs and OFMs live in) and region 2 the scratch_fast tensor (its own
// memory unless it is the same tensor as scratch, as Vela 5.1 writes it without a split arena).
// IFMs are placed and OFMs read at the arena offsets OfflineMemoryAllocation gives, relative to
// the scratch tensor's offset.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <array>
#include "ir/model.hpp"

#include "npu/ethosu_op.hpp"
#include "npusim/memory.hpp"
#include "npusim/simulator.hpp"

namespace euc::npusim {

class EthosuRunner {
 public:
  // Throws an input error "<source>: subgraph S operator O (ethos-u): ..." for a tensor the
  // arena plan does not place, or places outside the scratch tensor.
  EthosuRunner(const ir::Model& model, const npu::EthosuOperator& op, std::string source);

  const npu::EthosuOperator& ethosu_operator() const { return op_; }
  const Simulator& simulator() const { return *simulator_; }

  // Runs the command stream on a fresh arena (no byte holds data but the IFMs) and returns the
  // bytes of every OFM. Two IFMs placed over each other must agree on the shared bytes; every
  // OFM byte must have been written.
  std::vector<std::vector<uint8_t>> run(std::span<const std::span<const uint8_t>> ifms,
                                        const OperationObserver& observer = {});

  // The bytes the command stream of the last run moved in each region (0 flash, 1 scratch,
  // 2 scratch_fast; when scratch_fast is the scratch tensor, region 2 reports nothing).
  MemoryBuffer::Traffic region_traffic(int region) const;

 private:
  struct Placement {
    uint64_t address = 0;  // in region 1
    std::size_t size = 0;
    std::string name;
  };

  [[noreturn]] void fail(const std::string& what) const;

  npu::EthosuOperator op_;
  std::string where_;
  std::unique_ptr<Simulator> simulator_;
  NpuMemory memory_;
  std::shared_ptr<MemoryBuffer> scratch_;
  std::shared_ptr<MemoryBuffer> scratch_fast_;
  std::vector<Placement> ifms_;
  std::vector<Placement> ofms_;
  std::array<MemoryBuffer::Traffic, 3> traffic_{};
};

}  // namespace euc::npusim
