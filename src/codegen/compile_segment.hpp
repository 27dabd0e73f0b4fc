#pragma once
// Everything the ethos-u operator of one NPU segment carries: the driver payload with its
// command stream, the flash (read-only) bytes, the arena sizes and the arena addresses of the
// segment's inputs and outputs.
#include <cstdint>
#include <vector>

#include "arch/system_config.hpp"
#include "codegen/command_stream.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/constant_layout.hpp"
#include "scheduler/plan.hpp"

namespace euc::codegen {

struct CompiledSegment {
  std::vector<uint8_t> payload;  // COP1 driver payload (command stream tensor)
  std::vector<uint8_t> flash;
  int64_t arena_size = 0;
  int64_t fast_arena_size = 0;
  std::vector<int64_t> input_addresses;   // parallel to NpuGraph::inputs
  std::vector<int64_t> output_addresses;  // parallel to NpuGraph::outputs
  size_t command_words = 0;
  int64_t original_weight_bytes = 0;
  int64_t encoded_weight_bytes = 0;
  // Per operation: its encoded weights and scales (all cores), -1 without weights.
  std::vector<int64_t> op_encoded_weight_bytes;
  // Every NPU operation of the command stream in order (kernels and DMAs), offsets relative to
  // the first command word (the payload header comes before it).
  std::vector<StreamLaunch> launches;
};

// The segment's code for its final plan and the constants the scheduler had encoded for it.
// With `separate_io_regions` the inputs and outputs are addressed in their own regions (see
// generate_command_stream) and their addresses are -1 (the runtime places them). BLOCKDEP is
// at most `max_block_dependency`.
CompiledSegment compile_segment(const ir::NpuGraph& graph, const scheduler::Plan& plan,
                                const scheduler::ConstantLayout& constants,
                                const arch::SystemConfig& system, bool separate_io_regions = false,
                                int max_block_dependency = 3);

}  // namespace euc::codegen
