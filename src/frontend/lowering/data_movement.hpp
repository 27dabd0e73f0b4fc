#pragma once
// Data movement on the NPU: TRANSPOSE, REVERSE_V2, STRIDED_SLICE with strides other than 1,
// standalone PAD, PADV2 and MIRROR_PAD. Each output element is one input element (or the pad
// value), so every one is a set of byte copies (1x1 max pools that apply no zero points) between
// strided views (ir::ElementStrides) of the two tensors' linear storage, bit-exact with TFLite
// Micro's reference kernels, which move bytes the same way.
#include <optional>
#include <string>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

// Why the operator's data movement cannot be lowered (nullopt when it can): TRANSPOSE,
// REVERSE_V2, STRIDED_SLICE, PAD, PADV2, MIRROR_PAD.
std::optional<std::string> data_movement_why_not(const ir::Model& model, int subgraph,
                                                 int op_index);
void lower_data_movement(SegmentBuilder& b, const ir::Operator& op, int index);

// The number of NPU operations the lowering emits for the operator (0 when it cannot).
int data_movement_operations(const ir::Model& model, int subgraph, int op_index);

}  // namespace euc::frontend
