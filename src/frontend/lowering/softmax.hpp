#pragma once
// SOFTMAX on the NPU: a chain of pooling and elementwise operations with table lookups that
// computes exactly what TFLite Micro's reference kernels compute (int8 -> int8, int8 -> int16,
// int16 -> int16). softmax.cpp derives each step from the reference arithmetic.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

std::optional<std::string> softmax_why_not(const ir::Model& model, int subgraph, int op_index);
void lower_softmax(SegmentBuilder& b, const ir::Operator& op, int index);

// The tables (exposed for tests), as the output stage holds them.
// int8 input: exp of the difference from the row maximum for pre-table values -128..127, which
// stand for differences -255..0 (Q0.31, 0 below TFLite's diff_min). Empty when the input
// scale and beta give no multiplier TFLite accepts.
std::vector<int32_t> softmax_exp_table_int8(double beta, float input_scale);
// int16: TFLite's 513-entry tables (exp on [-10, 0], 1 / (1 + x) on [0, 1]) as the NPU's 512
// interpolation words, (slope << 16) | base.
std::vector<int32_t> softmax_exp_table_int16();
std::vector<int32_t> softmax_reciprocal_table_int16();

}  // namespace euc::frontend
