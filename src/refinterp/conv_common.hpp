#pragma once
// Facts shared by the convolution-like kernels: SAME/VALID output sizes and padding, and the
// per-output-channel requantisation multipliers.
#include <cstdint>
#include <vector>

#include "refinterp/kernel.hpp"
#include "refinterp/quant_math.hpp"

namespace euc::refinterp {

// TFLite Padding enum values.
inline constexpr int kPaddingSame = 0;
inline constexpr int kPaddingValid = 1;

// Output size along one axis: ceil(in / stride) for SAME, ceil((in - dilated + 1) / stride) for
// VALID.
int conv_output_size(int padding, int in, int filter, int stride, int dilation);
// Padding before the first element: half the total padding, rounded down (the odd extra
// element goes after the last one).
int conv_padding(int stride, int dilation, int in, int filter, int out);

// Multipliers input_scale * filter_scale[c] / output_scale (in double) for each output channel;
// a per-tensor filter scale is repeated.
std::vector<QuantMultiplier> per_channel_multipliers(const OpContext& ctx, const ir::Tensor& input,
                                                     const ir::Tensor& filter,
                                                     const ir::Tensor& output, int channels,
                                                     int quantized_dimension);

// Bias values widened to int64 (int32 or int64 bias tensor); empty when there is no bias.
std::vector<int64_t> bias_values(const OpContext& ctx, size_t input, int channels);

}  // namespace euc::refinterp
