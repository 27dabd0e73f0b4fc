#pragma once
// Activation functions as one lookup in the output stage's table (int8): a 1x1 max pool moves
// each raw input value to the output stage unchanged, and the table, built by evaluating the
// operator's reference arithmetic (src/refmath) on all 256 inputs, maps it to the output.
#include <optional>
#include <string>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

std::optional<std::string> table_activation_why_not(const ir::Model& model, int subgraph,
                                                    int op_index);
void lower_table_activation(SegmentBuilder& b, const ir::Operator& op, int index, bool);

}  // namespace euc::frontend
