#pragma once
// Resampling on the NPU (resampling.cpp): RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR as pools
// reading their IFM upscaled x2 (nearest), and TRANSPOSE_CONV as a convolution with flipped
// weights reading its IFM upscaled x2 by zero insertion (transpose). Each why_not accepts only
// the instances whose lowering equals TensorFlow Lite Micro's reference kernel bit for bit.
#include <optional>
#include <string>

#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

std::optional<std::string> resize_nearest_why_not(const ir::Model& model, int subgraph,
                                                  int op_index);
std::optional<std::string> resize_bilinear_why_not(const ir::Model& model, int subgraph,
                                                   int op_index);
std::optional<std::string> transpose_conv_why_not(const ir::Model& model, int subgraph,
                                                  int op_index);
void lower_resize_nearest(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_resize_bilinear(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_transpose_conv(SegmentBuilder& b, const ir::Operator& op, int index);

}  // namespace euc::frontend
