#pragma once
// A Plan holds every scheduling decision for one NPU segment, beside its immutable graph:
// per operation the block config and stripe, per tensor where it lives. Exploring schedules
// means making and scoring Plans, never editing the graph.
#include <cstdint>
#include <vector>

#include "arch/block_config.hpp"
#include "ir/npu_graph.hpp"

namespace euc::scheduler {

// Where a tensor lives, as the command stream's region numbers see it (docs/npu_architecture.md
// §Feature maps and regions).
enum class Region {
  kFlash = 0,      // read-only constants (the flash tensor)
  kArena = 1,      // scratch: feature maps and segment inputs/outputs
  kFastArena = 2,  // scratch_fast: the SRAM cache when spilling (Dedicated_Sram)
};

enum class Layout { kNhwc, kNhcwb16 };

struct TensorPlacement {
  Region region = Region::kArena;
  int64_t address = -1;  // byte offset in the region; constants get theirs when encoded
  int64_t size = 0;
  Layout layout = Layout::kNhwc;
  // A rolling buffer inside a cascade: only this many rows are stored, row y in slot
  // y mod rolling_rows (0: the whole tensor).
  int rolling_rows = 0;
};

// Weights copied by DMA from their permanent storage (flash or DRAM) into an arena buffer
// before the operation runs: the copy is issued before the previous operation starts, so it runs
// while that one computes, and the operation then reads its weights from SRAM once instead of
// fetching them from slow memory for every OFM block.
//
// With more than one depth slice the buffer is double: the operation runs slice by slice (OFM
// channels [s_k, s_k+1)), slice k's weights in half k mod 2 while slice k+1's copy into the other
// half, so most of the copy hides under the operation's own compute.
struct WeightBuffer {
  int64_t size = 0;                // bytes; 0: not buffered
  int64_t address = -1;            // in `region`
  Region region = Region::kArena;  // the SRAM arena, or the SRAM cache when spilling
  std::vector<int> depth_slices;   // [0, s1, ..., depth]; empty: one slice
  int64_t half = 0;                // bytes of each half when double buffered
  int64_t first = 0;               // bytes of the first slice (its copy runs before the op)
  double saving = 0;               // estimated cycles it saves (the last to go when SRAM is short)
  // The previous operation's buffer already holds this operation's stream (identical weights,
  // scales and encoding): it stays live through this operation, which copies nothing.
  bool reuses_previous = false;
  // With reuses_previous: the earlier operation whose buffer holds this operation's stream (-1:
  // the previous one). Operations that read one stream far apart (an unrolled recurrent layer's
  // steps) keep it resident in the first one's buffer, live until the last of them.
  int shared_from = -1;
  // Live from operation i - 2 rather than i - 1: codegen issues the copy right after launching
  // operation i - 2, which may still be running; a buffer clear of everything that operation
  // touches lets the copy start at once instead of waiting for it to end (and then sharing the
  // memories with operation i - 1). Set where it costs no SRAM (start_copies_early).
  bool early_copy = false;
  bool enabled() const { return size > 0; }
  bool double_buffered() const { return depth_slices.size() > 2; }
};

struct OpPlan {
  arch::BlockConfig block;
  ir::Shape4 ofm_stripe;  // the OFM stripe one pass computes (whole OFM: no striping)
  WeightBuffer weight_buffer;
  int cascade = -1;  // index into Plan::cascades, -1 when the operation runs alone
};

// Consecutive operations run stripe by stripe: each stripe of the last one's OFM rows, and
// before it the rows of the earlier ones it needs, so the tensors between them only ever hold
// a few rows (rolling buffers).
struct Cascade {
  int first = 0;  // operation indices, inclusive
  int last = 0;
  int stripe_rows = 1;  // OFM rows of the last operation per stripe
};

// One NPU operation launch: rows [row_begin, row_end) of operation `op`'s OFM, and of its
// channels depth slice `slice` (of its weight buffer's depth slices; 0 when it has none).
struct Pass {
  int op = 0;
  int row_begin = 0;
  int row_end = 0;
  int slice = 0;
};

// Dedicated_Sram: a segment input the CPU left in the DRAM arena, copied whole by one DMA into
// the SRAM cache before its first reader runs, so every NPU read of it hits SRAM. A DMA moves
// long contiguous bursts, where the NPU's own reads of a narrow NHWC map (an image's 1-3
// channels) fetch a few bytes per burst from DRAM. The copy lives until its last reader.
struct StagedInput {
  int tensor = -1;
  int64_t address = -1;  // in the fast arena (region kFastArena)
  int64_t size = 0;
  int first_reader = 0;  // the operation whose first launch issues the copy and waits for it
};

struct Plan {
  std::vector<OpPlan> ops;               // parallel to NpuGraph::ops
  std::vector<TensorPlacement> tensors;  // parallel to NpuGraph::tensors
  std::vector<Cascade> cascades;
  // The launches in execution order; empty: each operation once over its whole OFM.
  std::vector<Pass> passes;
  int64_t arena_size = 0;       // peak of the arena allocation
  int64_t fast_arena_size = 0;  // peak of the fast (SRAM cache) arena, when spilling
  // Dedicated_Sram: the arena is in DRAM and feature maps only the NPU sees live in the SRAM
  // cache (region kFastArena) where they fit within arena_cache_size.
  bool spilling = false;
  std::vector<StagedInput> staged;

  // The staged copy of `tensor`, if it has one.
  const StagedInput* staged_copy(int tensor) const {
    for (const StagedInput& s : staged) {
      if (s.tensor == tensor)
        return &s;
    }
    return nullptr;
  }
};

}  // namespace euc::scheduler
