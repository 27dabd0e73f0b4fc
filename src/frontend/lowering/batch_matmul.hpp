#pragma once
// BATCH_MATMUL (int8) on the NPU, exactly as TFLite Micro's reference kernel computes it:
// out = clamp(MultiplyByQuantizedMultiplier(sum_k (l - z_l)(r - z_r), M) + z_o) per output
// element, M = quantize(s_l * s_r / s_o) in double. batch_matmul.cpp describes the operations.
#include <optional>
#include <string>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

std::optional<std::string> batch_matmul_why_not(const ir::Model& model, int subgraph, int op_index);
void lower_batch_matmul(SegmentBuilder& b, const ir::Operator& op, int index);

}  // namespace euc::frontend
