#pragma once
// How many inputs and outputs each NPU operator type takes, as TFLite defines the operator (its
// kernels check the counts before running it). The supported-operator checks tolerate any
// counts (an operator they reject stays on the CPU as it is); an operator they pass for the NPU
// with counts outside its type's is malformed, not merely unsupported: TFLite itself refuses
// it, so the compiler does too, before lowering reads its inputs.
#include "ir/model.hpp"

namespace euc::frontend {

// Throws an input error naming the operator when an operator of an NPU operator type has the
// wrong number of inputs or outputs, or omits (-1) an input its type requires. Operators of
// other types are not checked.
void check_operator_arity(const ir::Model& model, int subgraph, int op_index);

}  // namespace euc::frontend
