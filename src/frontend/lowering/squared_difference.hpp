#pragma once
// SQUARED_DIFFERENCE (int8) on the NPU: a chain of elementwise operations that computes exactly
// what TFLite Micro's reference kernel computes. squared_difference.cpp derives each step.
#include <optional>
#include <string>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

std::optional<std::string> squared_difference_why_not(const ir::Model& model, int subgraph,
                                                      int op_index);
void lower_squared_difference(SegmentBuilder& b, const ir::Operator& op, int index);

}  // namespace euc::frontend
