#pragma once
// A weight encoder that encodes nothing: every operation's stream takes the estimate of
// estimate_stream_bytes, and each depth slice its share of it rounded up to 16 bytes; streams
// of the same weight tensor count as identical. It lets tests and benchmarks run the whole
// scheduler (scheduler::schedule_segment) without the cost of MLW encoding; the read-only region
// it describes holds no bytes.
#include "scheduler/weight_encoder.hpp"

namespace euc::scheduler {

class EstimatedWeights final : public WeightEncoder {
 public:
  // The weights' bytes plus 10 bytes of scale record per OFM channel and 32 of padding.
  int64_t estimate_stream_bytes(const ir::NpuGraph& graph, const ir::NpuOp& op) const override;
  ConstantLayout encode(const ir::NpuGraph& graph, const Plan& plan) const override;
};

}  // namespace euc::scheduler
