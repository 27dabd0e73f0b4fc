#pragma once
// The hazard checker: from a command stream alone (and the accelerator it runs on), which
// commands may be in flight together and whether any two of them touch the same bytes with at
// least one writing. The functional model (npusim) runs commands one after another, so it cannot
// see a race; this check can. It shares nothing with the compiler (codegen decides waits and
// BLOCKDEP on its own); it reads only npu/ (decoding) and arch/ (accelerator facts).
//
// The concurrency model (docs/npu_architecture.md §Command stream; Vela's
// register_command_stream_util for the limits):
// - DMAs run in order on one channel beside the kernels (block operations). A DMA is outstanding
//   from its NPU_OP_DMA_START until NPU_OP_DMA_WAIT n leaves fewer than it, or until more DMAs
//   than the accelerator keeps in flight (1 on Ethos-U55, 2 on Ethos-U65) are issued: issuing
//   one more stalls the command reader until the oldest has finished. Kernels likewise with
//   NPU_OP_KERNEL_WAIT n and at most 2 in flight.
// - A DMA must not touch what an outstanding kernel touches (one of the two writing), and a
//   kernel not what an outstanding DMA touches. A kernel's accesses: every IFM/IFM2 element it
//   may read, weights and scales of each core, its LUT slot, every OFM element, and the SHRAM
//   banks it uses for IFM and accumulator buffers (all below the LUT unless it uses a LUT; on
//   accelerators without reserved LUT banks that includes the LUT area). A DMA's: its source and
//   destination bytes (SHRAM for `internal` endpoints).
// - Kernel after kernel: with BLOCKDEP 0 a kernel starts when the previous one has finished.
//   With BLOCKDEP b > 0 it overlaps the previous kernel (if that one is still outstanding): its
//   k-th OFM block (k < b) may run while the last b - k OFM blocks of the previous kernel have
//   not finished (Vela counts jobs the same way; counting whole OFM blocks on both sides is
//   conservative: a block is one job or several). Blocks are walked as block_walk.hpp says. The
//   k-th block's IFM/IFM2 input area, weights, scales and LUT must not overlap those blocks'
//   OFM bytes; a kernel's LUT read must not meet the other's use of the LUT banks for buffers.
//   The block pipeline runs in order (a block's output is written after every earlier block's
//   input was read), so the new kernel's OFM writes are not checked against the previous
//   kernel's reads (`strict` does check them, and its OFM writes, against the last blocks).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "arch/accelerator.hpp"
#include "ir/model.hpp"
#include "npu/command.hpp"
#include "npu/operation.hpp"
#include "npuhazard/footprint.hpp"

namespace euc::npuhazard {

struct Hazard {
  std::size_t earlier = 0;  // operation indices (npu::extract_operations order)
  std::size_t later = 0;
  std::string message;  // "command stream byte offset 0x1c8: DMA (operation 5) ..."
};

struct CheckOptions {
  MemoryMap memory;
  bool strict = false;  // also the later kernel's OFM writes against the earlier kernel's blocks
};

// Every hazard, in stream order. Throws an input error for a stream it cannot follow (2D/3D
// DMA modes, a region above 7, an empty block config).
std::vector<Hazard> find_hazards(std::span<const npu::DecodedCommand> commands,
                                 std::span<const npu::NpuOperation> operations,
                                 const arch::AcceleratorConfig& accelerator,
                                 const CheckOptions& options = {});
std::vector<Hazard> find_hazards(std::span<const uint32_t> command_words,
                                 const arch::AcceleratorConfig& accelerator,
                                 const CheckOptions& options = {});

// The largest BLOCKDEP (0-3) under which `next` may follow `previous` with no hazard.
int safe_blockdep(const npu::NpuOperation& previous, const npu::NpuOperation& next,
                  const arch::AcceleratorConfig& accelerator, const CheckOptions& options = {});

// Every ethos-u operator of a compiled model (euc's or Vela's): the accelerator from its
// payload's CONFIG word, regions bound to the same tensor (Vela 5.1's scratch as scratch and
// scratch_fast) as one memory, separately addressed IFMs/OFMs placed in the arena when the
// OfflineMemoryAllocation gives their offsets.
struct OperatorHazards {
  std::size_t subgraph = 0;
  std::size_t operator_index = 0;
  arch::Accelerator accelerator = arch::kDefaultAccelerator;
  std::size_t operations = 0;
  std::vector<Hazard> hazards;
};
std::vector<OperatorHazards> check_model(const ir::Model& model, std::string_view source,
                                         bool strict = false);

// "<source>: subgraph 0 operator 1 (ethos-u): <hazard>" lines; empty when there is none.
std::string format_hazards(const std::vector<OperatorHazards>& result, std::string_view source);

}  // namespace euc::npuhazard
