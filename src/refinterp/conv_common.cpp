#include "refinterp/conv_common.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace euc::refinterp {

int conv_output_size(int padding, int in, int filter, int stride, int dilation) {
  const int dilated = (filter - 1) * dilation + 1;
  if (padding == kPaddingSame)
    return (in + stride - 1) / stride;
  return (in - dilated + stride) / stride;
}

int conv_padding(int stride, int dilation, int in, int filter, int out) {
  const int dilated = (filter - 1) * dilation + 1;
  const int total = std::max(0, (out - 1) * stride + dilated - in);
  return total / 2;
}

std::vector<QuantMultiplier> per_channel_multipliers(const OpContext& ctx, const ir::Tensor& input,
                                                     const ir::Tensor& filter,
                                                     const ir::Tensor& output, int channels,
                                                     int quantized_dimension) {
  ctx.check(filter.quantization && !filter.quantization->scale.empty(),
            fmt::format("filter '{}' is not quantised", filter.name));
  ctx.check(input.quantization && !input.quantization->scale.empty(),
            fmt::format("input '{}' is not quantised", input.name));
  ctx.check(output.quantization && !output.quantization->scale.empty(),
            fmt::format("output '{}' is not quantised", output.name));
  const auto& scales = filter.quantization->scale;
  if (scales.size() > 1) {
    ctx.check(static_cast<int>(scales.size()) == channels,
              fmt::format("filter '{}' has {} scales for {} channels", filter.name, scales.size(),
                          channels));
    ctx.check(filter.quantization->quantized_dimension == quantized_dimension,
              fmt::format("filter '{}' is quantised along axis {}, expected {}", filter.name,
                          filter.quantization->quantized_dimension, quantized_dimension));
  }
  std::vector<QuantMultiplier> m(static_cast<size_t>(channels));
  const double in_scale = scale_of(input);
  const double out_scale = scale_of(output);
  for (int c = 0; c < channels; ++c) {
    const double f = scales.size() > 1 ? scales[static_cast<size_t>(c)] : scales[0];
    m[static_cast<size_t>(c)] = quantize_multiplier(in_scale * f / out_scale);
  }
  return m;
}

std::vector<int64_t> bias_values(const OpContext& ctx, size_t input, int channels) {
  if (!ctx.has_input(input))
    return {};
  const ir::Tensor& bias = ctx.input(input);
  ctx.expect_type(bias, {ir::DataType::kInt32, ir::DataType::kInt64}, "bias");
  std::vector<int64_t> values = ctx.constant_ints(input);
  ctx.check(static_cast<int>(values.size()) == channels,
            fmt::format("bias '{}' has {} values for {} output channels", bias.name, values.size(),
                        channels));
  return values;
}

ConvWindow conv_window(const OpContext& ctx, const ConvWindowSpec& g, const ir::Tensor& output) {
  ConvWindow w;
  w.out_h = conv_output_size(g.padding, g.in_h, g.k_h, g.stride_h, g.dil_h);
  w.out_w = conv_output_size(g.padding, g.in_w, g.k_w, g.stride_w, g.dil_w);
  const std::vector<int32_t> expected = {g.batches, w.out_h, w.out_w, g.out_d};
  ctx.check(output.shape == expected,
            fmt::format("output shape {} differs from the computed {}", shape_string(output.shape),
                        shape_string(expected)));
  if (g.padding == kPaddingSame) {
    w.pad_h = conv_padding(g.stride_h, g.dil_h, g.in_h, g.k_h, w.out_h);
    w.pad_w = conv_padding(g.stride_w, g.dil_w, g.in_w, g.k_w, w.out_w);
  }
  return w;
}

}  // namespace euc::refinterp
