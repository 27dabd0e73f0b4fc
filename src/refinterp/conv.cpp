// CONV_2D: int8 activations with int8 weights (per-channel or per-tensor) and int32 bias, or
// int16 activations with int8 weights ("16x8") and int64 or int32 bias.
#include <fmt/format.h>

#include "refinterp/conv_common.hpp"
#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

struct ConvGeometry {
  int batches, in_h, in_w, in_d;
  int out_h, out_w, out_d;
  int k_h, k_w, k_d;  // filter height, width and input depth per group
  int stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
};

struct ConvParams {
  ConvGeometry g;
  int input_index, output_index;
  int32_t input_offset, output_offset;
  ActivationRange act;
  std::vector<QuantMultiplier> multipliers;
  std::vector<int64_t> bias;
  std::vector<int16_t> weights;  // [out_d][k_h][k_w][k_d], widened once for the inner loop
};

// int8: the receptive field of one output pixel is gathered with the input offset applied
// (zeros outside the image, which contribute nothing, as the reference skips them), then each
// output channel is one contiguous int16 dot product with int32 accumulation.
void run_int8(const ConvParams& p, TensorArena& arena) {
  const ConvGeometry& g = p.g;
  auto in = arena.in<int8_t>(p.input_index);
  auto out = arena.out<int8_t>(p.output_index);
  const int groups = g.in_d / g.k_d;
  const int per_group = g.out_d / groups;
  const int patch_size = g.k_h * g.k_w * g.k_d;
  std::vector<int16_t> patch(static_cast<size_t>(patch_size));
  for (int b = 0; b < g.batches; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int y0 = oy * g.stride_h - g.pad_h;
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int x0 = ox * g.stride_w - g.pad_w;
        int8_t* dst = &out[((static_cast<size_t>(b) * g.out_h + oy) * g.out_w + ox) * g.out_d];
        for (int grp = 0; grp < groups; ++grp) {
          int16_t* pp = patch.data();
          for (int fy = 0; fy < g.k_h; ++fy) {
            const int y = y0 + fy * g.dil_h;
            for (int fx = 0; fx < g.k_w; ++fx) {
              const int x = x0 + fx * g.dil_w;
              if (y < 0 || y >= g.in_h || x < 0 || x >= g.in_w) {
                std::fill(pp, pp + g.k_d, int16_t{0});
              } else {
                const int8_t* src =
                    &in[((static_cast<size_t>(b) * g.in_h + y) * g.in_w + x) * g.in_d +
                        static_cast<size_t>(grp) * g.k_d];
                for (int c = 0; c < g.k_d; ++c)
                  pp[c] = static_cast<int16_t>(src[c] + p.input_offset);
              }
              pp += g.k_d;
            }
          }
          for (int oc = grp * per_group; oc < (grp + 1) * per_group; ++oc) {
            const int16_t* w = &p.weights[static_cast<size_t>(oc) * patch_size];
            int32_t acc = 0;
            for (int i = 0; i < patch_size; ++i)
              acc += int32_t{w[i]} * int32_t{patch[static_cast<size_t>(i)]};
            if (!p.bias.empty())
              acc += static_cast<int32_t>(p.bias[static_cast<size_t>(oc)]);
            const QuantMultiplier& m = p.multipliers[static_cast<size_t>(oc)];
            int32_t v = multiply_by_quantized_multiplier(acc, m.significand, m.shift);
            v += p.output_offset;
            dst[oc] = static_cast<int8_t>(std::clamp(v, p.act.min, p.act.max));
          }
        }
      }
    }
  }
}

// int16 activations: the reference accumulates in the bias type (int64, or int32 for an int32
// bias) and requantises with the matching MultiplyByQuantizedMultiplier overload.
template <class Acc>
void run_int16(const ConvParams& p, TensorArena& arena) {
  const ConvGeometry& g = p.g;
  auto in = arena.in<int16_t>(p.input_index);
  auto out = arena.out<int16_t>(p.output_index);
  const int groups = g.in_d / g.k_d;
  const int per_group = g.out_d / groups;
  for (int b = 0; b < g.batches; ++b)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int oc = 0; oc < g.out_d; ++oc) {
          const int grp = oc / per_group;
          Acc acc = 0;
          for (int fy = 0; fy < g.k_h; ++fy) {
            const int y = oy * g.stride_h - g.pad_h + fy * g.dil_h;
            for (int fx = 0; fx < g.k_w; ++fx) {
              const int x = ox * g.stride_w - g.pad_w + fx * g.dil_w;
              if (y < 0 || y >= g.in_h || x < 0 || x >= g.in_w)
                continue;
              const size_t in_base = ((static_cast<size_t>(b) * g.in_h + y) * g.in_w + x) * g.in_d +
                                     static_cast<size_t>(grp) * g.k_d;
              const size_t w_base = ((static_cast<size_t>(oc) * g.k_h + fy) * g.k_w + fx) * g.k_d;
              for (int c = 0; c < g.k_d; ++c)
                acc += static_cast<Acc>(int32_t{p.weights[w_base + c]} * int32_t{in[in_base + c]});
            }
          }
          if (!p.bias.empty())
            acc += static_cast<Acc>(p.bias[static_cast<size_t>(oc)]);
          const QuantMultiplier& m = p.multipliers[static_cast<size_t>(oc)];
          const int32_t v = multiply_by_quantized_multiplier(acc, m.significand, m.shift);
          out[((static_cast<size_t>(b) * g.out_h + oy) * g.out_w + ox) * g.out_d + oc] =
              static_cast<int16_t>(std::clamp(v, p.act.min, p.act.max));
        }
}

}  // namespace

Kernel prepare_conv2d(const OpContext& ctx) {
  ctx.expect_arity(2, 3, 1);
  const ir::Tensor& input = ctx.input(0);
  const ir::Tensor& filter = ctx.input(1);
  const ir::Tensor& output = ctx.output(0);
  ctx.expect_type(input, {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(filter, {ir::DataType::kInt8}, "filter");
  ctx.expect_type(output, {input.type}, "output");
  ctx.check(input.shape.size() == 4 && filter.shape.size() == 4 && output.shape.size() == 4,
            "input, filter and output must be 4-D");
  const auto* opt = tfl::builtin_options_as<tflite::Conv2DOptions>(ctx.op());
  ctx.check(opt != nullptr, "Conv2DOptions missing");

  ConvParams p{};
  ConvGeometry& g = p.g;
  g.batches = input.shape[0];
  g.in_h = input.shape[1];
  g.in_w = input.shape[2];
  g.in_d = input.shape[3];
  g.out_d = filter.shape[0];
  g.k_h = filter.shape[1];
  g.k_w = filter.shape[2];
  g.k_d = filter.shape[3];
  g.stride_h = opt->stride_h();
  g.stride_w = opt->stride_w();
  g.dil_h = opt->dilation_h_factor();
  g.dil_w = opt->dilation_w_factor();
  ctx.check(g.stride_h > 0 && g.stride_w > 0 && g.dil_h > 0 && g.dil_w > 0,
            "strides and dilations must be positive");
  ctx.check(g.k_d > 0 && g.in_d % g.k_d == 0,
            fmt::format("input depth {} is not a multiple of filter depth {}", g.in_d, g.k_d));
  ctx.check(g.out_d % (g.in_d / g.k_d) == 0, "output depth is not a multiple of the group count");
  const ConvWindow win =
      conv_window(ctx,
                  {static_cast<int>(opt->padding()), g.batches, g.in_h, g.in_w, g.out_d, g.k_h,
                   g.k_w, g.stride_h, g.stride_w, g.dil_h, g.dil_w},
                  output);
  g.out_h = win.out_h;
  g.out_w = win.out_w;
  g.pad_h = win.pad_h;
  g.pad_w = win.pad_w;

  p.input_index = ctx.input_index(0);
  p.output_index = ctx.output_index(0);
  p.input_offset = -zero_point_of(input);
  p.output_offset = zero_point_of(output);
  p.multipliers = per_channel_multipliers(ctx, input, filter, output, g.out_d, 0);
  p.bias = bias_values(ctx, 2, g.out_d);
  p.act = activation_range(static_cast<int>(opt->fused_activation_function()), scale_of(output),
                           zero_point_of(output), type_min(output.type), type_max(output.type));
  p.weights = widened_int8_constant<decltype(p.weights)::value_type>(ctx, 1);

  if (input.type == ir::DataType::kInt8) {
    ctx.check(!ctx.has_input(2) || ctx.input(2).type == ir::DataType::kInt32,
              "int8 convolution needs an int32 bias");
    return [p = std::move(p)](TensorArena& a) { run_int8(p, a); };
  }
  ctx.check(zero_point_of(input) == 0 && zero_point_of(output) == 0,
            "int16 convolution needs zero points of 0");
  const bool int32_acc = ctx.has_input(2) ? ctx.input(2).type == ir::DataType::kInt32
                                          : opt->quantized_bias_type() == tflite::TensorType::INT32;
  if (int32_acc)
    return [p = std::move(p)](TensorArena& a) { run_int16<int32_t>(p, a); };
  return [p = std::move(p)](TensorArena& a) { run_int16<int64_t>(p, a); };
}

}  // namespace euc::refinterp
