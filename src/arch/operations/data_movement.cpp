// Data movement without a block operation: a DMA copy of a whole tensor (a reshape whose input
// is also needed elsewhere).
#include "arch/operation_kinds.hpp"

namespace euc::arch::operations {
namespace {

OperationKind memcpy_kind() {
  OperationKind k;
  k.type = ir::NpuOpType::kMemcpy;
  k.name = "Memcpy";
  k.vela_name = "Memcpy";
  k.kernel = NpuKernel::kDma;
  k.rows = RowRule::kNever;
  k.linear_feature_maps = true;
  return k;
}

}  // namespace

std::span<const OperationKind> data_movement_kinds() {
  // Built on first use (the table may be read during other files' static initialisation).
  static const OperationKind kKinds[] = {memcpy_kind()};
  return kKinds;
}

}  // namespace euc::arch::operations
