#pragma once
// Runs one `ethos-u` operator of a compiled model on the functional model, the way TensorFlow
// Lite Micro's Ethos-U kernel drives the NPU: region 0 is the flash tensor, region 1 the scratch
// tensor (the arena the IFMs and OFMs live in) and region 2 the scratch_fast tensor (its own
// memory unless it is the same tensor as scratch, as Vela 5.1 writes it without a split arena).
// IFMs are placed and OFMs read at the arena offsets OfflineMemoryAllocation gives, relative to
// the scratch tensor's offset.
//
// The ethos-u operators of a subgraph name the same scratch and scratch_fast tensors (Vela's
// output and euc's), and TensorFlow Lite Micro gives them the same bytes: data one operator
// leaves in scratch is there for a later one. A SharedScratch gives every runner built with it
// one memory per scratch tensor, kept across runs until clear().
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <array>
#include <map>
#include <utility>

#include "ir/model.hpp"

#include "npu/ethosu_op.hpp"
#include "npusim/memory.hpp"
#include "npusim/simulator.hpp"

namespace euc::npusim {

// One memory per scratch tensor (by subgraph and tensor index) of a model.
class SharedScratch {
 public:
  std::shared_ptr<MemoryBuffer> buffer(std::size_t subgraph, int tensor, const std::string& name,
                                       std::size_t size);
  // A fresh arena (a new inference): no byte holds data.
  void clear();

 private:
  std::map<std::pair<std::size_t, int>, std::shared_ptr<MemoryBuffer>> buffers_;
};

class EthosuRunner {
 public:
  // Throws an input error "<source>: subgraph S operator O (ethos-u): ..." for a tensor the
  // arena plan does not place, or places outside the scratch tensor. With `shared`, the scratch
  // memories are the ones of every runner built with it, and run() keeps what they hold;
  // without, the runner has its own and every run starts from a fresh arena.
  EthosuRunner(const ir::Model& model, const npu::EthosuOperator& op, std::string source,
               std::shared_ptr<SharedScratch> shared = nullptr);

  const npu::EthosuOperator& ethosu_operator() const { return op_; }
  const Simulator& simulator() const { return *simulator_; }

  struct RunOptions {
    // Per IFM: its bytes are in scratch already (an earlier ethos-u operator wrote them there);
    // the span given for it is not copied in.
    std::vector<bool> ifm_in_scratch;
    // Per OFM: later ethos-u operators complete it (Vela writes pieces of one concatenation from
    // several operators), so bytes this run leaves unwritten are no error yet; reading them is.
    std::vector<bool> ofm_may_be_partial;
  };

  // Runs the command stream (on a fresh arena unless the scratch is shared: then over what
  // earlier operators left) and returns the bytes of every OFM. Two IFMs placed over each other
  // must agree on the shared bytes; every OFM byte must have been written.
  std::vector<std::vector<uint8_t>> run(std::span<const std::span<const uint8_t>> ifms,
                                        const OperationObserver& observer = {},
                                        const RunOptions& options = {});

  // The scratch bytes at an arena offset (OfflineMemoryAllocation's), nullopt when the range is
  // not inside the scratch tensor.
  std::optional<std::span<const uint8_t>> scratch_bytes(int64_t arena_offset,
                                                        std::size_t size) const;
  // Writes bytes a CPU operator produced at an arena offset into scratch, as TensorFlow Lite
  // Micro's CPU kernels write the arena; false (nothing written) when outside the scratch.
  bool write_scratch(int64_t arena_offset, std::span<const uint8_t> bytes);

  // The bytes the command stream of the last run moved in each region (0 flash, 1 scratch,
  // 2 scratch_fast; when scratch_fast is the scratch tensor, region 2 reports nothing).
  MemoryBuffer::Traffic region_traffic(int region) const;

 private:
  struct Placement {
    uint64_t address = 0;  // in region 1, or 0 in its own region
    std::size_t size = 0;
    std::string name;
    // A tensor OfflineMemoryAllocation leaves to the runtime: its own memory, the base pointer
    // TensorFlow Lite Micro gives it (region 3 + its position among the IFMs, then the OFMs).
    std::shared_ptr<MemoryBuffer> own;
  };

  [[noreturn]] void fail(const std::string& what) const;

  npu::EthosuOperator op_;
  std::string where_;
  std::unique_ptr<Simulator> simulator_;
  std::shared_ptr<SharedScratch> shared_;
  NpuMemory memory_;
  std::shared_ptr<MemoryBuffer> scratch_;
  std::shared_ptr<MemoryBuffer> scratch_fast_;
  std::vector<Placement> ifms_;
  std::vector<Placement> ofms_;
  std::array<MemoryBuffer::Traffic, 3> traffic_{};
};

}  // namespace euc::npusim
