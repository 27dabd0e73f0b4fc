#pragma once
// The plan verifier (STYLE.md): checks a finished plan of one NPU segment (after weight
// buffering, buffer sharing, passes and arena allocation) against the graph and throws an
// internal error naming the segment, operation or tensor and what is wrong. It looks for what
// would corrupt data at run time, not for what would only be slow:
// - placement: every feature map, weight buffer and staged copy inside its region (arena, fast
//   arena, flash), aligned (16 bytes; segment inputs and outputs to the CPU's alignment), big
//   enough for the tensor as stored (NHCWB16 rounds depth up; a rolling buffer holds its rows);
// - overlap: nothing shares bytes with anything live at the same step in the same region, except
//   what shares storage on purpose (reshape aliases, a buffer reused by the next operation with
//   identical weights, ranges holding one network tensor);
// - passes: every (operation, depth slice) computes its OFM rows exactly once, in order;
//   operations run in graph order except inside a cascade, where each pass finds the rows it
//   reads produced and still held by the rolling buffer;
// - weight buffers: filled from the previous step to the last pass that reads them, depth slices
//   covering the OFM channels on 16-channel boundaries, halves big enough for every slice;
// - cascades and staged inputs as plan.hpp documents them.
// It costs a few sorts over the segment's tensors and one walk over the passes.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "arch/system_config.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/plan.hpp"

namespace euc::scheduler {

struct PlanCheckContext {
  std::string segment = "segment";    // names the segment in messages
  int64_t cpu_tensor_alignment = 16;  // --cpu-tensor-alignment: segment inputs and outputs
  int64_t flash_size = -1;            // bytes of the read-only region, -1: not known yet
  // The bytes of operation i's encoded weight slices (one per depth slice; empty: not known),
  // when the weights are encoded: each buffer must hold them.
  std::function<std::vector<int64_t>(size_t op)> slice_bytes;
};

void verify_plan(const ir::NpuGraph& graph, const Plan& plan, const arch::SystemConfig& system,
                 const PlanCheckContext& context = {});

}  // namespace euc::scheduler
