#pragma once
// The network operators euc lowers to the NPU: one entry per TFLite operator type, with the
// check that says whether the lowering can express an instance (and why not) and the function
// that lowers it. The supported-operator checks (frontend/supported), SUPPORTED_OPS.md and
// --show-cpu-operations read this table, so what they list is exactly what euc places on the
// NPU. Adding an operator: its lowering function in the family file, one entry here.
#include <optional>
#include <span>
#include <string>

#include "ir/model.hpp"

namespace euc::frontend {

class SegmentBuilder;

struct OperatorLowering {
  ir::BuiltinOp type = ir::BuiltinOp::ADD;
  // nullopt when the lowering expresses operator `op_index` of `subgraph`; otherwise why not
  // (the operator then stays on the CPU with that reason). Runs after the supported-operator
  // constraints, on operators of this type with the inputs and outputs of their type.
  std::optional<std::string> (*why_not)(const ir::Model& model, int subgraph, int op_index);
  // Adds the NPU operations of operator `index` to the segment being built. `input_produced`:
  // its first input is computed inside the segment.
  void (*lower)(SegmentBuilder& builder, const ir::Operator& op, int index, bool input_produced);
  // Lowered only as part of the operator after it (a PAD folded into a convolution's padding).
  bool folds_into_next = false;
};

// Every entry, in operator name order.
std::span<const OperatorLowering> operator_lowerings();
// The entry of `type`, or null when euc does not lower that operator type.
const OperatorLowering* find_lowering(ir::BuiltinOp type);

}  // namespace euc::frontend
