#pragma once
// The compiler's self-check of one segment's command stream, run before anything is written:
// the stream is decoded on its own (npu/), not read back from the plan that made it, and every
// memory access is followed through it. A violation is an internal error naming the segment,
// the operation and the bytes; a compile that fails it writes no file.
//
// What it checks:
// - every feature-map, weight, scale and DMA access lies inside its region (flash, scratch, or
//   scratch_fast) and every segment input and output inside the scratch;
// - every byte an operation or DMA reads in scratch or scratch_fast was written before: by the
//   runtime (segment inputs), by an earlier operation's OFM, or by a DMA the stream waited for
//   (NPU_OP_DMA_WAIT) before the read; a DMA reading an OFM waits for its kernel
//   (NPU_OP_KERNEL_WAIT);
// - a table-lookup activation reads a LUT slot a DMA loaded into SHRAM before;
// - every byte of every segment output is written when the stream ends.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace euc::selfcheck {

struct PlacedTensor {
  std::string name;
  int region = 1;
  int64_t address = 0;
  int64_t size = 0;
};

struct SegmentStream {
  std::string segment;                 // for messages, e.g. "subgraph 0 segment 1"
  std::span<const uint32_t> commands;  // the command words
  // flash, scratch, scratch_fast, then (--separate-io-regions) each input's and output's region:
  // bytes (0: absent).
  std::array<int64_t, 8> region_size{};
  int64_t shram_bytes = 0;            // SHRAM size; its last 2 KiB hold the LUT slots
  std::vector<PlacedTensor> inputs;   // written by the runtime before the stream runs
  std::vector<PlacedTensor> outputs;  // read by the runtime after it
  // Names of the block operations (CONV, DEPTHWISE, POOL, ELEMENTWISE launches) in stream
  // order, for messages; may be shorter.
  std::vector<std::string> block_names;
};

// Throws an internal error at the first violation.
void check_segment_stream(const SegmentStream& stream);

}  // namespace euc::selfcheck
