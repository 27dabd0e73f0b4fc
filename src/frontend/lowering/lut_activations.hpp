#pragma once
// Activation functions computed by the output stage. int8: one lookup in a table; a 1x1 max
// pool moves each raw input value to the output stage unchanged, and the table, built by
// evaluating the operator's reference arithmetic (src/refmath) on all 256 inputs, maps it to the
// output. int16 LOGISTIC and TANH: the NPU's built-in functions after the reference's rescale.
#include <optional>
#include <string>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

std::optional<std::string> table_activation_why_not(const ir::Model& model, int subgraph,
                                                    int op_index);
void lower_table_activation(SegmentBuilder& b, const ir::Operator& op, int index, bool);

}  // namespace euc::frontend
