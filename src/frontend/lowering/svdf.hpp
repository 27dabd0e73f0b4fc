#pragma once
// SVDF (int8 input and output, int8 or int16 activation state) on the NPU: the state shift, the
// feature projection, the time filter, the rank reduction and the bias as copies, a fully
// connected layer and elementwise operations that compute exactly what TensorFlow Lite Micro's
// integer reference kernel computes. svdf.cpp derives each step.
#include <optional>
#include <string>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

std::optional<std::string> svdf_why_not(const ir::Model& model, int subgraph, int op_index);
void lower_svdf(SegmentBuilder& b, const ir::Operator& op, int index);

}  // namespace euc::frontend
