#pragma once
// Weight buffering: which operations copy their weights into an arena buffer by DMA before they
// run (Plan::ops[i].weight_buffer), decided with the plan cost function under an SRAM budget.
//
// Performance spends up to the arena limit; Size keeps the peak of the unbuffered plan and
// buffers only where the arena has room below it (the behaviour of Vela commit c2c3063).
#include <span>
#include <vector>

#include "arch/system_config.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/plan.hpp"
#include "scheduler/plan_options.hpp"

namespace euc::scheduler {

// Whether weights stored in the system's permanent area are worth copying: only from DRAM or
// off-chip flash into an SRAM arena.
bool weights_need_dma(const arch::SystemConfig& system);

// Buffers the weights of the operations where it saves the most cycles, largest saving first,
// while the arena stays within budget, then re-allocates the arena. `encoded_weight_bytes[i]` is
// operation i's encoded stream as estimated before encoding (-1 without weights). Fully
// connected layers stream their weights once anyway and are never buffered. Returns the SRAM
// budget it kept to (0 when nothing can be buffered).
int64_t buffer_weights(const ir::NpuGraph& graph, Plan& plan, const arch::SystemConfig& system,
                       const PlanOptions& options, std::span<const int64_t> encoded_weight_bytes);

// Once the weights are encoded in the chosen depth slices (`slice_bytes[i]`: operation i's slice
// streams), sizes every buffer exactly and re-allocates; while the SRAM used is above `budget`,
// drops the buffers that save least (their operations read permanent storage instead).
void settle_weight_buffers(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options,
                           const std::vector<std::vector<int64_t>>& slice_bytes, int64_t budget);

// Operations whose encoded stream is byte-identical to the previous operation's (weights
// shared by repeated layers), both buffered whole and outside cascades, share one buffer: the
// first's stays live through the second, which copies nothing. `stream_address[i]` identifies
// operation i's stream (identical streams are stored once, at one address; -1: no weights).
// Never needs more SRAM: the shared buffer replaces one of the same size.
void share_identical_buffers(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options,
                             std::span<const int64_t> stream_address);

// Operations that read one stream (`stream_address`) without a buffer of their own, not next to
// each other (an unrolled recurrent layer reads its recurrent weights once per time step), keep
// it resident: the first copies it into a buffer that stays live until the last, and the others
// read it there (WeightBuffer::shared_from) instead of fetching it from permanent storage again.
// Streams read most (times their size) first, each kept only while the SRAM used stays within
// `budget` (as returned by buffer_weights; 0: nothing is buffered). Single-slice,
// non-cascaded operations only.
void share_resident_streams(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options,
                            std::span<const int64_t> stream_address,
                            const std::vector<std::vector<int64_t>>& slice_bytes, int64_t budget);

// Marks weight buffers early_copy (live from two operations before theirs) wherever that leaves
// the SRAM used as it is: all at once when they fit, otherwise one at a time in operation order
// (at most kMaxEarlyCopyTrials allocations).
void start_copies_early(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options);
inline constexpr int kMaxEarlyCopyTrials = 256;

}  // namespace euc::scheduler
