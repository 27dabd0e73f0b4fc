#pragma once
// The register command stream of one NPU segment under a plan: per operation its registers and
// NPU_OP command, with the waits that order DMAs and kernels, then NPU_OP_STOP.
#include <cstdint>
#include <vector>

#include "arch/system_config.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/constant_layout.hpp"
#include "scheduler/plan.hpp"

namespace euc::codegen {

// An NPU operation the stream launches (a kernel or a DMA start): the byte offset of its launching
// command in the command words, and the graph operation it serves (a weight copy issued ahead
// serves the launch it feeds).
struct StreamLaunch {
  size_t byte_offset = 0;
  int op = -1;
};

// --separate-io-regions: the segment's input k is addressed in region kFirstIoRegion + k and its
// output j in region kFirstIoRegion + inputs + j, each from offset 0, instead of in the scratch
// (region 1): TensorFlow Lite Micro's ethos-u kernel gives the operator's tensors base pointers in
// that order, at most kMaxRegions of them (docs/output_formats.md §Separate I/O regions).
inline constexpr int kFirstIoRegion = 3;
inline constexpr int kMaxRegions = 8;

// With `launches`, also every launch in stream order. Each kernel's BLOCKDEP is the largest
// the block walk allows (block_dependency.hpp), at most `max_block_dependency`.
std::vector<uint32_t> generate_command_stream(const ir::NpuGraph& graph,
                                              const scheduler::Plan& plan,
                                              const scheduler::ConstantLayout& constants,
                                              const arch::SystemConfig& system,
                                              std::vector<StreamLaunch>* launches = nullptr,
                                              bool separate_io_regions = false,
                                              int max_block_dependency = 3);

}  // namespace euc::codegen
