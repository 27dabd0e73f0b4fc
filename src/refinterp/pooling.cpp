// AVERAGE_POOL_2D and MAX_POOL_2D over the valid (unpadded) part of each window; int8 or int16.
// The average divides the int32 sum by the valid element count, rounding half away from zero.
#include <fmt/format.h>

#include <limits>

#include "refinterp/conv_common.hpp"
#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

struct PoolParams {
  int batches, in_h, in_w, depth, out_h, out_w;
  int k_h, k_w, stride_h, stride_w, pad_h, pad_w;
  int input_index, output_index;
  ActivationRange act;
};

template <class T, bool kAverage>
void run(const PoolParams& p, TensorArena& arena) {
  auto in = arena.in<T>(p.input_index);
  auto out = arena.out<T>(p.output_index);
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox) {
        const int y0 = oy * p.stride_h - p.pad_h;
        const int x0 = ox * p.stride_w - p.pad_w;
        const int fy0 = std::max(0, -y0), fy1 = std::min(p.k_h, p.in_h - y0);
        const int fx0 = std::max(0, -x0), fx1 = std::min(p.k_w, p.in_w - x0);
        for (int c = 0; c < p.depth; ++c) {
          int32_t acc = kAverage ? 0 : std::numeric_limits<T>::lowest();
          int count = 0;
          for (int fy = fy0; fy < fy1; ++fy)
            for (int fx = fx0; fx < fx1; ++fx) {
              const T v =
                  in[((static_cast<size_t>(b) * p.in_h + y0 + fy) * p.in_w + x0 + fx) * p.depth +
                     c];
              if constexpr (kAverage)
                acc += v;
              else
                acc = std::max<int32_t>(acc, v);
              ++count;
            }
          if constexpr (kAverage) {
            if (count == 0)
              continue;  // the reference leaves such outputs untouched
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          }
          out[((static_cast<size_t>(b) * p.out_h + oy) * p.out_w + ox) * p.depth + c] =
              static_cast<T>(std::clamp(acc, p.act.min, p.act.max));
        }
      }
}

Kernel prepare_pool(const OpContext& ctx, bool average) {
  ctx.expect_arity(1, 1, 1);
  const ir::Tensor& input = ctx.input(0);
  const ir::Tensor& output = ctx.output(0);
  ctx.expect_type(input, {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(output, {input.type}, "output");
  ctx.check(input.shape.size() == 4 && output.shape.size() == 4, "input and output must be 4-D");
  const auto* opt = tfl::builtin_options_as<tflite::Pool2DOptions>(ctx.op());
  ctx.check(opt != nullptr, "Pool2DOptions missing");
  PoolParams p{};
  p.batches = input.shape[0];
  p.in_h = input.shape[1];
  p.in_w = input.shape[2];
  p.depth = input.shape[3];
  p.k_h = opt->filter_height();
  p.k_w = opt->filter_width();
  p.stride_h = opt->stride_h();
  p.stride_w = opt->stride_w();
  ctx.check(p.k_h > 0 && p.k_w > 0 && p.stride_h > 0 && p.stride_w > 0,
            "filter size and strides must be positive");
  const int padding = static_cast<int>(opt->padding());
  p.out_h = conv_output_size(padding, p.in_h, p.k_h, p.stride_h, 1);
  p.out_w = conv_output_size(padding, p.in_w, p.k_w, p.stride_w, 1);
  const std::vector<int32_t> expected = {p.batches, p.out_h, p.out_w, p.depth};
  ctx.check(output.shape == expected,
            fmt::format("output shape {} differs from the computed {}", shape_string(output.shape),
                        shape_string(expected)));
  p.pad_h = padding == kPaddingSame ? conv_padding(p.stride_h, 1, p.in_h, p.k_h, p.out_h) : 0;
  p.pad_w = padding == kPaddingSame ? conv_padding(p.stride_w, 1, p.in_w, p.k_w, p.out_w) : 0;
  p.input_index = ctx.input_index(0);
  p.output_index = ctx.output_index(0);
  p.act = activation_range(static_cast<int>(opt->fused_activation_function()), scale_of(output),
                           zero_point_of(output), type_min(output.type), type_max(output.type));
  if (input.type == ir::DataType::kInt8) {
    if (average)
      return [p](TensorArena& a) { run<int8_t, true>(p, a); };
    return [p](TensorArena& a) { run<int8_t, false>(p, a); };
  }
  if (average)
    return [p](TensorArena& a) { run<int16_t, true>(p, a); };
  return [p](TensorArena& a) { run<int16_t, false>(p, a); };
}

}  // namespace

Kernel prepare_average_pool(const OpContext& ctx) {
  return prepare_pool(ctx, true);
}
Kernel prepare_max_pool(const OpContext& ctx) {
  return prepare_pool(ctx, false);
}

}  // namespace euc::refinterp
