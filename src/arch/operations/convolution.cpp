// Convolutions: CONV_2D (and the lowerings that become one), DEPTHWISE_CONV_2D and
// FULLY_CONNECTED. Their scale records travel in the weight stream.
#include "arch/operation_kinds.hpp"

namespace euc::arch::operations {
namespace {

OperationKind convolution() {
  OperationKind k;
  k.type = ir::NpuOpType::kConv2D;
  k.name = "Conv2D";
  k.vela_name = "Conv2DBias";
  k.kernel = NpuKernel::kConvolution;
  k.block = BlockKind::kConvolution;
  k.scaling = OutputScalingRule::kPerChannel;
  k.macs = MacRule::kKernelTimesDepth;
  k.rows = RowRule::kKernelWindow;
  k.weights = WeightLayout::kOhwi;
  k.buffers_weights = true;
  return k;
}

OperationKind depthwise() {
  OperationKind k = convolution();
  k.type = ir::NpuOpType::kDepthwiseConv2D;
  k.name = "DepthwiseConv2D";
  k.vela_name = "DepthwiseConv2DBias";
  k.kernel = NpuKernel::kDepthwise;
  k.block = BlockKind::kDepthwise;
  k.macs = MacRule::kKernel;
  k.weights = WeightLayout::kDepthwise;
  return k;
}

// A vector times a matrix: the NPU runs it as a 1x1 convolution over a vector.
OperationKind fully_connected() {
  OperationKind k = convolution();
  k.type = ir::NpuOpType::kFullyConnected;
  k.name = "FullyConnected";
  k.vela_name = "FullyConnected";
  k.block = BlockKind::kVectorProduct;
  k.rows = RowRule::kNever;
  k.weights = WeightLayout::kMatrix;
  k.linear_feature_maps = true;
  k.buffers_weights = true;
  k.float32_scale_product = true;
  return k;
}

}  // namespace

std::span<const OperationKind> convolution_kinds() {
  // Built on first use (the table may be read during other files' static initialisation).
  static const OperationKind kKinds[] = {convolution(), depthwise(), fully_connected()};
  return kKinds;
}

}  // namespace euc::arch::operations
