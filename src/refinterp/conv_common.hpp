#pragma once
// Facts shared by the convolution-like kernels: SAME/VALID output sizes and padding, and the
// per-output-channel requantisation multipliers.
#include <cstdint>
#include <vector>

#include "refinterp/kernel.hpp"
#include "refinterp/arith.hpp"

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

// Output size and padding of a SAME/VALID window along height and width; checks that the output
// tensor is [batches, out_h, out_w, out_depth].
struct ConvWindow {
  int out_h = 0;
  int out_w = 0;
  int pad_h = 0;
  int pad_w = 0;
};
struct ConvWindowSpec {
  int padding = kPaddingValid;
  int batches = 1, in_h = 1, in_w = 1, out_d = 1;
  int k_h = 1, k_w = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
};
ConvWindow conv_window(const OpContext& ctx, const ConvWindowSpec& spec, const ir::Tensor& output);

// A constant int8 operand (weights) widened to T for the inner loops.
template <class T>
std::vector<T> widened_int8_constant(const OpContext& ctx, size_t input) {
  auto bytes = ctx.constant_bytes(input);
  std::vector<T> out(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i)
    out[i] = static_cast<int8_t>(bytes[i]);
  return out;
}

// Bias values widened to int64 (int32 or int64 bias tensor); empty when there is no bias.
std::vector<int64_t> bias_values(const OpContext& ctx, size_t input, int channels);

}  // namespace euc::refinterp
