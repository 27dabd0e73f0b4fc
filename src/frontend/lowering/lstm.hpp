#pragma once
// UNIDIRECTIONAL_SEQUENCE_LSTM (int8) on the NPU: the sequence unrolled into per-step fully
// connected, elementwise and activation operations that compute exactly what TensorFlow Lite
// Micro's integer reference kernel computes. lstm.cpp derives each step.
#include <optional>
#include <string>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

std::optional<std::string> lstm_why_not(const ir::Model& model, int subgraph, int op_index);
void lower_lstm(SegmentBuilder& b, const ir::Operator& op, int index);

}  // namespace euc::frontend
