// DEPTHWISE_CONV_2D: filter [1, H, W, in_depth * multiplier], output channel
// c * multiplier + m reads input channel c. int8 with int32 bias, or 16x8 with int64 bias.
#include <fmt/format.h>

#include "refinterp/conv_common.hpp"
#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

struct DwParams {
  int batches, in_h, in_w, in_d, out_h, out_w, out_d, k_h, k_w, multiplier;
  int stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
  int input_index, output_index;
  int32_t input_offset, output_offset;
  ActivationRange act;
  std::vector<QuantMultiplier> multipliers;
  std::vector<int64_t> bias;
  std::vector<int32_t> weights;  // [k_h][k_w][out_d]
};

// Accumulates every valid tap into one int32 (or int64) per output channel; the channel loop is
// innermost and contiguous in both the input and the filter.
template <class In, class Acc>
void run(const DwParams& p, TensorArena& arena) {
  auto in = arena.in<In>(p.input_index);
  auto out = arena.out<In>(p.output_index);
  std::vector<Acc> acc(static_cast<size_t>(p.out_d));
  std::vector<int32_t> shifted(static_cast<size_t>(p.in_d));
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox) {
        std::fill(acc.begin(), acc.end(), Acc{0});
        for (int fy = 0; fy < p.k_h; ++fy) {
          const int y = oy * p.stride_h - p.pad_h + fy * p.dil_h;
          if (y < 0 || y >= p.in_h)
            continue;
          for (int fx = 0; fx < p.k_w; ++fx) {
            const int x = ox * p.stride_w - p.pad_w + fx * p.dil_w;
            if (x < 0 || x >= p.in_w)
              continue;
            const In* src = &in[((static_cast<size_t>(b) * p.in_h + y) * p.in_w + x) * p.in_d];
            const int32_t* w = &p.weights[(static_cast<size_t>(fy) * p.k_w + fx) * p.out_d];
            if (p.multiplier == 1) {
              for (int c = 0; c < p.in_d; ++c)
                acc[static_cast<size_t>(c)] += static_cast<Acc>(w[c] * (src[c] + p.input_offset));
            } else {
              for (int c = 0; c < p.in_d; ++c) {
                const int32_t v = src[c] + p.input_offset;
                for (int m = 0; m < p.multiplier; ++m) {
                  const int oc = c * p.multiplier + m;
                  acc[static_cast<size_t>(oc)] += static_cast<Acc>(w[oc] * v);
                }
              }
            }
          }
        }
        In* dst = &out[((static_cast<size_t>(b) * p.out_h + oy) * p.out_w + ox) * p.out_d];
        for (int oc = 0; oc < p.out_d; ++oc) {
          Acc a = acc[static_cast<size_t>(oc)];
          if (!p.bias.empty())
            a += static_cast<Acc>(p.bias[static_cast<size_t>(oc)]);
          const QuantMultiplier& m = p.multipliers[static_cast<size_t>(oc)];
          const int32_t v =
              multiply_by_quantized_multiplier(a, m.significand, m.shift) + p.output_offset;
          dst[oc] = static_cast<In>(std::clamp(v, p.act.min, p.act.max));
        }
      }
}

}  // namespace

Kernel prepare_depthwise_conv2d(const OpContext& ctx) {
  ctx.expect_arity(2, 3, 1);
  const ir::Tensor& input = ctx.input(0);
  const ir::Tensor& filter = ctx.input(1);
  const ir::Tensor& output = ctx.output(0);
  ctx.expect_type(input, {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(filter, {ir::DataType::kInt8}, "filter");
  ctx.expect_type(output, {input.type}, "output");
  ctx.check(input.shape.size() == 4 && filter.shape.size() == 4 && output.shape.size() == 4,
            "input, filter and output must be 4-D");
  const auto* opt = tfl::builtin_options_as<tflite::DepthwiseConv2DOptions>(ctx.op());
  ctx.check(opt != nullptr, "DepthwiseConv2DOptions missing");

  DwParams p{};
  p.batches = input.shape[0];
  p.in_h = input.shape[1];
  p.in_w = input.shape[2];
  p.in_d = input.shape[3];
  p.k_h = filter.shape[1];
  p.k_w = filter.shape[2];
  p.out_d = filter.shape[3];
  ctx.check(filter.shape[0] == 1, "filter must have a leading dimension of 1");
  ctx.check(p.in_d > 0 && p.out_d % p.in_d == 0,
            fmt::format("filter depth {} is not a multiple of input depth {}", p.out_d, p.in_d));
  p.multiplier = p.out_d / p.in_d;
  p.stride_h = opt->stride_h();
  p.stride_w = opt->stride_w();
  p.dil_h = opt->dilation_h_factor();
  p.dil_w = opt->dilation_w_factor();
  ctx.check(p.stride_h > 0 && p.stride_w > 0 && p.dil_h > 0 && p.dil_w > 0,
            "strides and dilations must be positive");
  const ConvWindow win =
      conv_window(ctx,
                  {static_cast<int>(opt->padding()), p.batches, p.in_h, p.in_w, p.out_d, p.k_h,
                   p.k_w, p.stride_h, p.stride_w, p.dil_h, p.dil_w},
                  output);
  p.out_h = win.out_h;
  p.out_w = win.out_w;
  p.pad_h = win.pad_h;
  p.pad_w = win.pad_w;

  p.input_index = ctx.input_index(0);
  p.output_index = ctx.output_index(0);
  p.input_offset = -zero_point_of(input);
  p.output_offset = zero_point_of(output);
  p.multipliers = per_channel_multipliers(ctx, input, filter, output, p.out_d, 3);
  p.bias = bias_values(ctx, 2, p.out_d);
  p.act = activation_range(static_cast<int>(opt->fused_activation_function()), scale_of(output),
                           zero_point_of(output), type_min(output.type), type_max(output.type));
  p.weights = widened_int8_constant<decltype(p.weights)::value_type>(ctx, 1);

  if (input.type == ir::DataType::kInt8)
    return [p = std::move(p)](TensorArena& a) { run<int8_t, int32_t>(p, a); };
  ctx.check(zero_point_of(input) == 0 && zero_point_of(output) == 0,
            "int16 depthwise convolution needs zero points of 0");
  return [p = std::move(p)](TensorArena& a) { run<int16_t, int64_t>(p, a); };
}

}  // namespace euc::refinterp
