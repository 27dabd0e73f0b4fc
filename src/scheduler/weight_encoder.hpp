#pragma once
// What the scheduler asks of a weight encoder (weights/ implements it for the NPU at hand): an
// estimate of an operation's encoded stream before the plan is final (weight buffering is
// decided on it), then the encoding of every operation's weights as the final plan slices them.
#include <cstdint>

#include "ir/npu_graph.hpp"
#include "scheduler/constant_layout.hpp"
#include "scheduler/plan.hpp"

namespace euc::scheduler {

class WeightEncoder {
 public:
  virtual ~WeightEncoder() = default;
  // Bytes of operation `op`'s encoded weights and scale records, or -1 without weights.
  virtual int64_t estimate_stream_bytes(const ir::NpuGraph& graph, const ir::NpuOp& op) const = 0;
  // Every operation's weights encoded for its block config and depth slices, and the layout of
  // the read-only region.
  virtual ConstantLayout encode(const ir::NpuGraph& graph, const Plan& plan) const = 0;
};

}  // namespace euc::scheduler
