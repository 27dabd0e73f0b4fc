// TRANSPOSE_CONV (int8, per-channel weights [out_depth, H, W, in_depth]): every input pixel
// scatters its products into an int32 output accumulator, which is then requantised. Padding
// is that of a SAME/VALID convolution from the output size back to the input size.
#include <fmt/format.h>

#include "refinterp/conv_common.hpp"
#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

struct TcParams {
  int batches, in_h, in_w, in_d, out_h, out_w, out_d, k_h, k_w;
  int stride_h, stride_w, pad_h, pad_w;
  int input_index, output_index;
  int32_t input_offset, output_offset;
  ActivationRange act;
  std::vector<QuantMultiplier> multipliers;
  std::vector<int64_t> bias;
  std::vector<int32_t> weights;
};

void run(const TcParams& p, TensorArena& arena) {
  auto in = arena.in<int8_t>(p.input_index);
  auto out = arena.out<int8_t>(p.output_index);
  std::vector<int32_t> acc(out.size(), 0);
  for (int b = 0; b < p.batches; ++b)
    for (int iy = 0; iy < p.in_h; ++iy)
      for (int ix = 0; ix < p.in_w; ++ix)
        for (int ic = 0; ic < p.in_d; ++ic) {
          const int32_t v =
              in[((static_cast<size_t>(b) * p.in_h + iy) * p.in_w + ix) * p.in_d + ic] +
              p.input_offset;
          for (int fy = 0; fy < p.k_h; ++fy) {
            const int oy = iy * p.stride_h - p.pad_h + fy;
            if (oy < 0 || oy >= p.out_h)
              continue;
            for (int fx = 0; fx < p.k_w; ++fx) {
              const int ox = ix * p.stride_w - p.pad_w + fx;
              if (ox < 0 || ox >= p.out_w)
                continue;
              int32_t* dst =
                  &acc[((static_cast<size_t>(b) * p.out_h + oy) * p.out_w + ox) * p.out_d];
              for (int oc = 0; oc < p.out_d; ++oc)
                dst[oc] +=
                    v *
                    p.weights[((static_cast<size_t>(oc) * p.k_h + fy) * p.k_w + fx) * p.in_d + ic];
            }
          }
        }
  for (size_t i = 0; i < acc.size(); ++i) {
    const size_t oc = i % static_cast<size_t>(p.out_d);
    int32_t a = acc[i];
    if (!p.bias.empty())
      a += static_cast<int32_t>(p.bias[oc]);
    const int32_t v = multiply_by_quantized_multiplier(a, p.multipliers[oc].significand,
                                                       p.multipliers[oc].shift) +
                      p.output_offset;
    out[i] = static_cast<int8_t>(std::clamp(v, p.act.min, p.act.max));
  }
}

}  // namespace

Kernel prepare_transpose_conv(const OpContext& ctx) {
  ctx.expect_arity(3, 4, 1);
  const ir::Tensor& filter = ctx.input(1);
  const ir::Tensor& input = ctx.input(2);
  const ir::Tensor& output = ctx.output(0);
  ctx.expect_type(input, {ir::DataType::kInt8}, "input");
  ctx.expect_type(filter, {ir::DataType::kInt8}, "filter");
  ctx.expect_type(output, {ir::DataType::kInt8}, "output");
  ctx.check(input.shape.size() == 4 && filter.shape.size() == 4 && output.shape.size() == 4,
            "input, filter and output must be 4-D");
  const auto out_shape = ctx.constant_ints(0);
  ctx.check(
      out_shape.size() == 4 && std::equal(out_shape.begin(), out_shape.end(), output.shape.begin()),
      fmt::format("output shape {} differs from the output_shape operand",
                  shape_string(output.shape)));
  const auto* opt = tfl::builtin_options_as<tflite::TransposeConvOptions>(ctx.op());
  ctx.check(opt != nullptr, "TransposeConvOptions missing");
  TcParams p{};
  p.batches = input.shape[0];
  p.in_h = input.shape[1];
  p.in_w = input.shape[2];
  p.in_d = input.shape[3];
  p.out_h = output.shape[1];
  p.out_w = output.shape[2];
  p.out_d = output.shape[3];
  p.k_h = filter.shape[1];
  p.k_w = filter.shape[2];
  ctx.check(filter.shape[0] == p.out_d && filter.shape[3] == p.in_d,
            "filter must be [out_depth, H, W, in_depth]");
  p.stride_h = opt->stride_h();
  p.stride_w = opt->stride_w();
  ctx.check(p.stride_h > 0 && p.stride_w > 0, "strides must be positive");
  const int padding = static_cast<int>(opt->padding());
  if (padding == kPaddingSame) {
    const int h = conv_output_size(padding, p.out_h, p.k_h, p.stride_h, 1);
    const int w = conv_output_size(padding, p.out_w, p.k_w, p.stride_w, 1);
    p.pad_h = conv_padding(p.stride_h, 1, p.out_h, p.k_h, h);
    p.pad_w = conv_padding(p.stride_w, 1, p.out_w, p.k_w, w);
  }
  p.input_index = ctx.input_index(2);
  p.output_index = ctx.output_index(0);
  p.input_offset = -zero_point_of(input);
  p.output_offset = zero_point_of(output);
  p.multipliers = per_channel_multipliers(ctx, input, filter, output, p.out_d, 0);
  p.bias = bias_values(ctx, 3, p.out_d);
  p.act = activation_range(static_cast<int>(opt->fused_activation_function()), scale_of(output),
                           zero_point_of(output), type_min(output.type), type_max(output.type));
  p.weights = widened_int8_constant<decltype(p.weights)::value_type>(ctx, 1);
  return [p = std::move(p)](TensorArena& a) { run(p, a); };
}

}  // namespace euc::refinterp
