// FULLY_CONNECTED: weights [out_depth, accum_depth]; every other input dimension is a batch.
// int8 (int32 bias) or 16x8 (int64 bias, or int32 bias with int32 accumulation).
#include <fmt/format.h>

#include "refinterp/conv_common.hpp"
#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

struct FcParams {
  int batches, accum_depth, out_depth;
  int input_index, output_index;
  int32_t input_offset, filter_offset, output_offset;
  ActivationRange act;
  std::vector<QuantMultiplier> multipliers;  // one per output channel
  std::vector<int64_t> bias;
  std::vector<int16_t> weights;
};

template <class In, class Acc>
void run(const FcParams& p, TensorArena& arena) {
  auto in = arena.in<In>(p.input_index);
  auto out = arena.out<In>(p.output_index);
  const size_t depth = static_cast<size_t>(p.accum_depth);
  std::vector<int32_t> x(depth);
  for (int b = 0; b < p.batches; ++b) {
    for (size_t d = 0; d < depth; ++d)
      x[d] = in[static_cast<size_t>(b) * depth + d] + p.input_offset;
    for (int oc = 0; oc < p.out_depth; ++oc) {
      const int16_t* w = &p.weights[static_cast<size_t>(oc) * depth];
      Acc acc = 0;
      for (size_t d = 0; d < depth; ++d)
        acc += static_cast<Acc>((w[d] + p.filter_offset) * x[d]);
      if (!p.bias.empty())
        acc += static_cast<Acc>(p.bias[static_cast<size_t>(oc)]);
      const QuantMultiplier& m = p.multipliers[static_cast<size_t>(oc)];
      const int32_t v =
          multiply_by_quantized_multiplier(acc, m.significand, m.shift) + p.output_offset;
      out[static_cast<size_t>(b) * p.out_depth + oc] =
          static_cast<In>(std::clamp(v, p.act.min, p.act.max));
    }
  }
}

}  // namespace

Kernel prepare_fully_connected(const OpContext& ctx) {
  ctx.expect_arity(2, 3, 1);
  const ir::Tensor& input = ctx.input(0);
  const ir::Tensor& filter = ctx.input(1);
  const ir::Tensor& output = ctx.output(0);
  ctx.expect_type(input, {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(filter, {ir::DataType::kInt8}, "filter");
  ctx.expect_type(output, {input.type}, "output");
  ctx.check(filter.shape.size() == 2, "filter must be 2-D");
  ctx.check(!output.shape.empty(), "output must have at least one dimension");
  const auto* opt = tfl::builtin_options_as<tflite::FullyConnectedOptions>(ctx.op());

  FcParams p{};
  p.out_depth = filter.shape[0];
  p.accum_depth = filter.shape[1];
  ctx.check(output.shape.back() == p.out_depth,
            fmt::format("output depth {} differs from the filter's {}", output.shape.back(),
                        p.out_depth));
  ctx.check(p.accum_depth > 0 && input.num_elements() % p.accum_depth == 0,
            fmt::format("input size {} is not a multiple of the filter depth {}",
                        input.num_elements(), p.accum_depth));
  p.batches = static_cast<int>(input.num_elements() / p.accum_depth);
  ctx.check(output.num_elements() == static_cast<int64_t>(p.batches) * p.out_depth,
            fmt::format("output shape {} does not hold {} batches of {}",
                        shape_string(output.shape), p.batches, p.out_depth));
  p.input_index = ctx.input_index(0);
  p.output_index = ctx.output_index(0);
  p.input_offset = -zero_point_of(input);
  p.filter_offset = -zero_point_of(filter);
  p.output_offset = zero_point_of(output);
  ctx.check(filter.quantization && !filter.quantization->scale.empty(), "filter is not quantised");
  if (filter.quantization->per_axis()) {
    p.multipliers = per_channel_multipliers(ctx, input, filter, output, p.out_depth, 0);
  } else {
    // The per-tensor path multiplies the two scales in float before widening to double.
    const float product = scale_of(input) * scale_of(filter);
    const auto m =
        quantize_multiplier(static_cast<double>(product) / static_cast<double>(scale_of(output)));
    p.multipliers.assign(static_cast<size_t>(p.out_depth), m);
  }
  p.bias = bias_values(ctx, 2, p.out_depth);
  const int activation = opt ? static_cast<int>(opt->fused_activation_function()) : 0;
  p.act = activation_range(activation, scale_of(output), zero_point_of(output),
                           type_min(output.type), type_max(output.type));
  p.weights = widened_int8_constant<decltype(p.weights)::value_type>(ctx, 1);

  if (input.type == ir::DataType::kInt8) {
    ctx.check(!ctx.has_input(2) || ctx.input(2).type == ir::DataType::kInt32,
              "int8 fully connected needs an int32 bias");
    return [p = std::move(p)](TensorArena& a) { run<int8_t, int32_t>(p, a); };
  }
  const bool int32_acc = ctx.has_input(2)
                             ? ctx.input(2).type == ir::DataType::kInt32
                             : (opt && opt->quantized_bias_type() == tflite::TensorType::INT32);
  if (int32_acc)
    return [p = std::move(p)](TensorArena& a) { run<int16_t, int32_t>(p, a); };
  return [p = std::move(p)](TensorArena& a) { run<int16_t, int64_t>(p, a); };
}

}  // namespace euc::refinterp
