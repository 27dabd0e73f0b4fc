#pragma once
// How the output stage rescales each kind of operation: per-channel scale records (convolutions),
// or global OFM/OPA/OPB scales (pooling and elementwise), chosen as Vela 3.10 does
// (register_command_stream_generator.py, scaling.py) so that the hardware rounds exactly as the
// TFLite reference kernels.
#include <cstdint>
#include <optional>

#include "ir/npu_graph.hpp"
#include "npu/command_enums.gen.hpp"

namespace euc::codegen {

struct ScaleShift {
  uint32_t multiplier = 0;
  int shift = 0;
  friend bool operator==(const ScaleShift&, const ScaleShift&) = default;
};

struct OutputScaling {
  bool global = false;  // OFM_PRECISION scaling: one scale for all channels
  std::optional<ScaleShift> ofm;
  std::optional<ScaleShift> opa;
  std::optional<ScaleShift> opb;
  // IFM_PRECISION scale_mode: both operands 16-bit, or which one is rescaled at 32 bits.
  npu::IfmScaleMode operand_to_scale = npu::IfmScaleMode::kScale16bit;
};

OutputScaling output_scaling(const ir::NpuGraph& graph, const ir::NpuOp& op);

// The global scale of an average over `elements` values times `rescale` (Vela's
// quantise_pooling_scale followed by rounding the product away from zero).
ScaleShift pooling_scale(int elements, double rescale, int rescale_bits);

}  // namespace euc::codegen
