// Elementwise operations: binary arithmetic (with broadcast or a scalar second operand), the
// shifts, and the unary ABS, LeakyReLU and CLZ.
#include "arch/operation_kinds.hpp"

namespace euc::arch::operations {
namespace {

OperationKind elementwise(ir::NpuOpType type, std::string_view name, std::string_view vela_name,
                          npu::ElementwiseMode mode, int inputs, OutputScalingRule scaling) {
  OperationKind k;
  k.type = type;
  k.name = name;
  k.vela_name = vela_name;
  k.kernel = NpuKernel::kElementwise;
  k.elementwise = mode;
  k.feature_map_inputs = inputs;
  k.block = BlockKind::kElementwise;
  k.scaling = scaling;
  k.rows = RowRule::kElementwise;
  return k;
}

OperationKind with_output(OperationKind k, OutputKind output) {
  k.output = output;
  return k;
}

using ir::NpuOpType;
using npu::ElementwiseMode;
using Rule = OutputScalingRule;
}  // namespace

std::span<const OperationKind> elementwise_kinds() {
  // Built on first use (the table may be read during other files' static initialisation).
  static const OperationKind kKinds[] = {
      with_output(
          elementwise(NpuOpType::kAdd, "Add", "Add", ElementwiseMode::kAdd, 2, Rule::kAddSubtract),
          OutputKind::kAddSub),
      with_output(
          elementwise(NpuOpType::kSub, "Sub", "Sub", ElementwiseMode::kSub, 2, Rule::kAddSubtract),
          OutputKind::kAddSub),
      with_output(
          elementwise(NpuOpType::kMul, "Mul", "Mul", ElementwiseMode::kMul, 2, Rule::kMultiply),
          OutputKind::kMul),
      elementwise(NpuOpType::kMinimum, "Minimum", "Minimum", ElementwiseMode::kMin, 2, Rule::kUnit),
      elementwise(NpuOpType::kMaximum, "Maximum", "Maximum", ElementwiseMode::kMax, 2, Rule::kUnit),
      elementwise(NpuOpType::kAbs, "Abs", "Abs", ElementwiseMode::kAbs, 1, Rule::kOfmScale),
      elementwise(NpuOpType::kLeakyRelu, "LeakyRelu", "LeakyRelu", ElementwiseMode::kLrelu, 1,
                  Rule::kOfmScale),
      elementwise(NpuOpType::kShl, "Shl", "SHL", ElementwiseMode::kShl, 2, Rule::kUnit),
      elementwise(NpuOpType::kShr, "Shr", "SHR", ElementwiseMode::kShr, 2, Rule::kUnit),
      elementwise(NpuOpType::kClz, "Clz", "CLZ", ElementwiseMode::kClz, 1, Rule::kUnit),
  };
  return kKinds;
}

}  // namespace euc::arch::operations
