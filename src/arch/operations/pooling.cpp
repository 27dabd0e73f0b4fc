// Pooling: MAX_POOL_2D, AVERAGE_POOL_2D and the reductions lowered to a pool (MEAN as a sum,
// QUANTIZE as a 1x1 average with TFLite's own scale).
#include "arch/operation_kinds.hpp"

namespace euc::arch::operations {
namespace {

OperationKind pool(ir::NpuOpType type, std::string_view name, npu::PoolingMode mode) {
  OperationKind k;
  k.type = type;
  k.name = name;
  k.vela_name = name;
  k.kernel = NpuKernel::kPooling;
  k.pooling = mode;
  k.block = BlockKind::kPooling;
  k.scaling = OutputScalingRule::kPooling;
  k.macs = MacRule::kKernel;
  k.rows = RowRule::kKernelWindow;
  return k;
}

OperationKind max_pool() {
  OperationKind k = pool(ir::NpuOpType::kMaxPool, "MaxPool", npu::PoolingMode::kMax);
  k.output = OutputKind::kMaxPool;
  k.scaling = OutputScalingRule::kNone;
  return k;
}

OperationKind reduce_sum() {
  OperationKind k = pool(ir::NpuOpType::kReduceSum, "ReduceSum", npu::PoolingMode::kReduceSum);
  k.rows = RowRule::kNever;
  return k;
}

}  // namespace

std::span<const OperationKind> pooling_kinds() {
  // Built on first use (the table may be read during other files' static initialisation).
  static const OperationKind kKinds[] = {
      max_pool(),
      pool(ir::NpuOpType::kAvgPool, "AvgPool", npu::PoolingMode::kAverage),
      reduce_sum(),
  };
  return kKinds;
}

}  // namespace euc::arch::operations
