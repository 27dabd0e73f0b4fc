#pragma once
// What each kind of lowered NPU operation (ir::NpuOpType) is to the Ethos-U55/U65: the hardware
// operation and mode that runs it, its block kind, how its output is scaled, how its MACs and
// cycles are counted, whether it can run stripe by stripe, how its weights are laid out, and
// its names in reports. One entry per kind, in one file per family (operations/*.cpp); every
// stage reads this table instead of switching on the operation type, so a new kind is one
// enumerator in ir/npu_graph.hpp and one entry here.
#include <span>
#include <string_view>

#include "arch/block_config.hpp"
#include "arch/performance.hpp"
#include "ir/npu_graph.hpp"
#include "npu/command_enums.gen.hpp"

namespace euc::arch {

// The NPU command that launches the operation.
enum class NpuKernel {
  kConvolution,  // NPU_OP_CONV (also fully connected: a 1x1 convolution of a vector)
  kDepthwise,    // NPU_OP_DEPTHWISE
  kPooling,      // NPU_OP_POOL, with a pooling mode
  kElementwise,  // NPU_OP_ELEMENTWISE, with an elementwise mode
  kDma,          // NPU_OP_DMA_START: a copy, no block operation
};

// How the output stage scales the accumulator (codegen/output_scaling).
enum class OutputScalingRule {
  kPerChannel,   // scale records in the weight stream (convolutions)
  kNone,         // values pass unscaled (max pooling)
  kPooling,      // one scale for the kernel's element count and the IFM/OFM scale ratio
  kMultiply,     // ifm_scale * ifm2_scale / ofm_scale
  kAddSubtract,  // TFLite's add/sub operand and output multipliers
  kOfmScale,     // one multiplier for the OFM scale (LeakyReLU, ABS)
  kUnit,         // scale 1, shift 0 (MIN, MAX, shifts, CLZ)
};

// MACs of one OFM element.
enum class MacRule {
  kKernelTimesDepth,  // kernel elements x IFM depth (convolution, fully connected)
  kKernel,            // kernel elements (depthwise, pooling)
  kNone,              // elementwise and copies
};

// Whether the operation can compute a band of OFM rows from a band of IFM rows (a stripe).
enum class RowRule {
  kKernelWindow,  // yes, from the rows its kernel windows reach (not when upsampling)
  kElementwise,   // yes, the same rows, unless a second operand is broadcast over height
  kNever,         // needs its whole input (fully connected, reductions, copies)
};

// How the weights of the operation are stored (weights/constant_encoder).
enum class WeightLayout {
  kNone,       // no weights
  kOhwi,       // TFLite OHWI convolution weights
  kDepthwise,  // TFLite [1, H, W, C]: one kernel per channel
  kMatrix,     // TFLite [O, I] fully connected weights
};

struct OperationKind {
  ir::NpuOpType type = ir::NpuOpType::kConv2D;
  std::string_view name;       // in errors and logs ("Conv2D")
  std::string_view vela_name;  // in the per-layer report and schedule (Vela's name)
  NpuKernel kernel = NpuKernel::kElementwise;
  npu::PoolingMode pooling = npu::PoolingMode::kMax;              // kPooling only
  npu::ElementwiseMode elementwise = npu::ElementwiseMode::kAdd;  // kElementwise only
  int feature_map_inputs = 1;                                     // 2: binary elementwise
  BlockKind block = BlockKind::kElementwise;
  OutputKind output = OutputKind::kOther;  // for the performance model
  OutputScalingRule scaling = OutputScalingRule::kUnit;
  MacRule macs = MacRule::kNone;
  RowRule rows = RowRule::kElementwise;
  WeightLayout weights = WeightLayout::kNone;
  // Its IFM and OFM are read and written as plain NHWC (vectors, copies): no NHCWB16 bricks.
  bool linear_feature_maps = false;
  // Its weights may be copied into an SRAM buffer ahead of use (where the scheduler's timeline
  // says the copy pays: a fully connected layer reads each weight once, but from SRAM it skips
  // the slow memory's latency and its copy can run under the launch before).
  bool buffers_weights = false;
  // Its scale records use a float32 product of IFM and weight scales, as TFLite's kernel does
  // (with per-tensor weights; per-channel weights take the double product).
  bool float32_scale_product = false;

  bool is_elementwise() const { return kernel == NpuKernel::kElementwise; }
  bool is_binary() const { return is_elementwise() && feature_map_inputs == 2; }
  bool is_dma() const { return kernel == NpuKernel::kDma; }
};

// The entry of `type`.
const OperationKind& operation_kind(ir::NpuOpType type);
// Every entry, in ir::NpuOpType order.
std::span<const OperationKind> operation_kinds();

// The family files' entries (operations/*.cpp).
namespace operations {
std::span<const OperationKind> convolution_kinds();
std::span<const OperationKind> pooling_kinds();
std::span<const OperationKind> elementwise_kinds();
std::span<const OperationKind> data_movement_kinds();
}  // namespace operations

}  // namespace euc::arch
