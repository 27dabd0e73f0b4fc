#pragma once
// One lowering function per family of network operators. Each returns false (and adds nothing)
// when it cannot express the operator, which then stays on the CPU.
#include "frontend/lowering/join_split.hpp"
#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

// Whether `op` is one of the operators the lowering handles (without building anything).
bool lowering_handles(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op);

// Lowers `op` (subgraph operator `index`) into `builder`. `input_is_produced(t)` tells whether
// network tensor t is produced inside the segment being built (reshapes of segment inputs
// become copies, not aliases).
template <class Produced>
void lower_operator(SegmentBuilder& builder, const ir::Operator& op, int index,
                    Produced input_is_produced);

// Non-template parts, used by lower_operator.
void lower_convolution(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_fully_connected(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_pooling(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_elementwise(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_reshape(SegmentBuilder& b, const ir::Operator& op, int index, bool input_produced);
void lower_mean(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_quantize(SegmentBuilder& b, const ir::Operator& op, int index);
// Joins and splits (is_join_or_split; join_split.cpp): a byte copy for every piece not placed
// in the whole by a view.
void lower_join_split(SegmentBuilder& b, const ir::Operator& op, int index);

template <class Produced>
void lower_operator(SegmentBuilder& b, const ir::Operator& op, int index,
                    Produced input_is_produced) {
  if (is_join_or_split(op.type)) {
    lower_join_split(b, op, index);
    return;
  }
  switch (op.type) {
    case ir::BuiltinOp::CONV_2D:
    case ir::BuiltinOp::DEPTHWISE_CONV_2D:
      lower_convolution(b, op, index);
      break;
    case ir::BuiltinOp::FULLY_CONNECTED:
      lower_fully_connected(b, op, index);
      break;
    case ir::BuiltinOp::AVERAGE_POOL_2D:
    case ir::BuiltinOp::MAX_POOL_2D:
      lower_pooling(b, op, index);
      break;
    case ir::BuiltinOp::RESHAPE:
    case ir::BuiltinOp::SQUEEZE:
    case ir::BuiltinOp::EXPAND_DIMS:
      lower_reshape(b, op, index, input_is_produced(op.inputs[0]));
      break;
    case ir::BuiltinOp::MEAN:
      lower_mean(b, op, index);
      break;
    case ir::BuiltinOp::QUANTIZE:
      lower_quantize(b, op, index);
      break;
    case ir::BuiltinOp::PAD:
      break;  // folded into its reader (see fold_pad)
    default:
      lower_elementwise(b, op, index);
      break;
  }
}

}  // namespace euc::frontend
