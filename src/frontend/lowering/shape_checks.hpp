#pragma once
// The lowering sizes every NPU operation from the shapes the model stores. TFLite Micro trusts
// them too: the converter writes each output shape as the operator's definition computes it from
// the inputs and options. A stored shape that disagrees would have the NPU read or write outside
// a tensor, so it is a malformed model.
#include "ir/model.hpp"

namespace euc::frontend {

// Throws an input error naming the operator and tensor when operator `op_index`, about to be
// lowered to the NPU, has an output shape other than the one its inputs and options give (or
// options no shape can follow from: a stride or dilation below 1, an unknown padding, operands
// that do not broadcast), a bias of another length than the output depth, or a reshape that
// changes the element type.
void check_output_shape(const ir::Model& model, int subgraph, int op_index);

}  // namespace euc::frontend
