#pragma once
// REDUCE_MAX, REDUCE_MIN, SUM and MEAN over any axes (int8, int16) and ARG_MAX (int8 -> int32)
// on the NPU, exactly as TFLite Micro's reference kernels compute them. reductions.cpp derives
// each step.
#include <optional>
#include <string>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

std::optional<std::string> reduction_why_not(const ir::Model& model, int subgraph, int op_index);
void lower_reduction(SegmentBuilder& b, const ir::Operator& op, int index);

}  // namespace euc::frontend
