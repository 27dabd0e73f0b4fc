#pragma once
// The Ethos-U55/U65 weight encoder the scheduler asks: each operation's weights reordered for
// its block config, MLW-compressed per depth slice and core with their scale records, and the
// read-only region laid out from them.
#include <cstdint>
#include <vector>

#include "arch/accelerator.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/weight_encoder.hpp"

namespace euc::weights {

// Whether an operation with weights scales its 64-bit (int40) accumulators as TFLite's int16
// kernels do: a 16-bit multiplier and one rounding, half up (MultiplyByQuantizedMultiplier for
// int64). int16 IFMs do, unless an int32 bias asks for 32-bit accumulation. Such operations
// round NATURAL: TFL rounding would round twice once the shift passes 31.
bool reduced_precision_scaling(const ir::NpuGraph& graph, const ir::NpuOp& op);

// A lookup table as the LUT DMA copies it into SHRAM: one byte per entry for an 8-bit OFM, a
// little-endian word per entry otherwise; throws an internal error for a table whose entry count
// or values do not fit its OFM type (docs/npu_architecture.md §Activation LUTs).
std::vector<uint8_t> lut_image(const ir::Lut& lut);

class NpuWeightEncoder final : public scheduler::WeightEncoder {
 public:
  explicit NpuWeightEncoder(const arch::AcceleratorConfig& accelerator)
      : accelerator_(accelerator) {}
  // EstimatedWeights' estimate: the weights' bytes, 10 bytes of scale record per OFM channel
  // and 32 of padding.
  int64_t estimate_stream_bytes(const ir::NpuGraph& graph, const ir::NpuOp& op) const override;
  scheduler::ConstantLayout encode(const ir::NpuGraph& graph,
                                   const scheduler::Plan& plan) const override;

 private:
  const arch::AcceleratorConfig& accelerator_;
};

}  // namespace euc::weights
