// SVDF (int8 input and output, int8 feature weights, int16 or int8 time weights and state).
// Each invoke shifts the whole state one element towards the front, writes the new feature
// projections (requantised to the state scale) into the last memory slot of every filter,
// takes the time-weighted sum over memory per filter, adds the filters of each unit (rank) and
// the bias, and requantises to the output. As in TFLite Micro's integer kernel, the fused
// activation is not applied (only the clamp to int8).
#include <fmt/format.h>

#include <limits>

#include "refinterp/arith.hpp"
#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

struct SvdfParams {
  int batches, inputs, filters, units, rank, memory;
  int input_index, feature_index, time_index, state_index, output_index;
  int32_t input_zp, state_zp, output_zp;
  QuantMultiplier scale1, scale2;
  std::vector<int64_t> bias;
};

template <class T>
void run(const SvdfParams& p, TensorArena& arena) {
  auto state = arena.out<T>(p.state_index);
  std::copy(state.begin() + 1, state.end(), state.begin());
  auto input = arena.in<int8_t>(p.input_index);
  auto feature = arena.in<int8_t>(p.feature_index);
  auto time = arena.in<T>(p.time_index);
  auto out = arena.out<int8_t>(p.output_index);
  for (int b = 0; b < p.batches; ++b)
    for (int f = 0; f < p.filters; ++f) {
      uint32_t wide = 0;  // int32 wrapping (not undefined) if it overflows
      for (int c = 0; c < p.inputs; ++c)
        wide += static_cast<uint32_t>(feature[static_cast<size_t>(f) * p.inputs + c] *
                                      (input[static_cast<size_t>(b) * p.inputs + c] - p.input_zp));
      int32_t dot = static_cast<int32_t>(wide);
      // The zero point goes on before the saturation to the state type (TFLite Micro's current
      // kernel; earlier versions added it after and could wrap around in int8).
      dot = multiply_by_quantized_multiplier(dot, p.scale1) + p.state_zp;
      dot = std::clamp<int32_t>(dot, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
      state[(static_cast<size_t>(b) * p.filters + f) * p.memory + p.memory - 1] =
          static_cast<T>(dot);
    }
  for (int b = 0; b < p.batches; ++b)
    for (int u = 0; u < p.units; ++u) {
      int32_t acc = p.bias.empty() ? 0 : static_cast<int32_t>(p.bias[static_cast<size_t>(u)]);
      for (int r = 0; r < p.rank; ++r) {
        const int f = u * p.rank + r;
        // int32 sums as in TFLite Micro; wrapped (not undefined) if they ever overflow.
        uint32_t sum = 0;
        for (int m = 0; m < p.memory; ++m)
          sum += static_cast<uint32_t>(
              time[static_cast<size_t>(f) * p.memory + m] *
              (state[(static_cast<size_t>(b) * p.filters + f) * p.memory + m] - p.state_zp));
        acc = static_cast<int32_t>(static_cast<uint32_t>(acc) + sum);
      }
      const int32_t v = multiply_by_quantized_multiplier(acc, p.scale2) + p.output_zp;
      out[static_cast<size_t>(b) * p.units + u] = static_cast<int8_t>(std::clamp(v, -128, 127));
    }
}

}  // namespace

Kernel prepare_svdf(const OpContext& ctx) {
  ctx.expect_arity(5, 5, 1);
  const ir::Tensor& input = ctx.input(0);
  const ir::Tensor& feature = ctx.input(1);
  const ir::Tensor& time = ctx.input(2);
  const ir::Tensor& state = ctx.input(4);
  const ir::Tensor& output = ctx.output(0);
  ctx.expect_type(input, {ir::DataType::kInt8}, "input");
  ctx.expect_type(feature, {ir::DataType::kInt8}, "feature weights");
  ctx.expect_type(time, {ir::DataType::kInt16, ir::DataType::kInt8}, "time weights");
  ctx.expect_type(state, {time.type}, "activation state");
  ctx.expect_type(output, {ir::DataType::kInt8}, "output");
  ctx.check(state.is_variable, "activation state must be a variable tensor");
  ctx.check(input.shape.size() == 2 && feature.shape.size() == 2 && time.shape.size() == 2,
            "input and weights must be 2-D");
  const auto* opt = tfl::builtin_options_as<tflite::SVDFOptions>(ctx.op());
  ctx.check(opt != nullptr && opt->rank() > 0, "SVDFOptions with a positive rank required");
  SvdfParams p{};
  p.rank = opt->rank();
  p.batches = input.shape[0];
  p.inputs = input.shape[1];
  p.filters = feature.shape[0];
  p.memory = time.shape[1];
  ctx.check(feature.shape[1] == p.inputs, "feature weights do not match the input depth");
  ctx.check(time.shape[0] == p.filters, "time weights do not match the filter count");
  ctx.check(p.filters % p.rank == 0, "filter count is not a multiple of the rank");
  p.units = p.filters / p.rank;
  ctx.check(state.num_elements() == static_cast<int64_t>(p.batches) * p.filters * p.memory,
            "activation state size is not batches * filters * memory");
  ctx.check(output.num_elements() == static_cast<int64_t>(p.batches) * p.units,
            "output size is not batches * units");
  p.input_index = ctx.input_index(0);
  p.feature_index = ctx.input_index(1);
  p.time_index = ctx.input_index(2);
  p.state_index = ctx.input_index(4);
  p.output_index = ctx.output_index(0);
  p.input_zp = zero_point_of(input);
  p.state_zp = zero_point_of(state);
  p.output_zp = zero_point_of(output);
  // Both scale products are formed in float before widening.
  p.scale1 = quantize_multiplier(
      static_cast<double>(scale_of(input) * scale_of(feature) / scale_of(state)));
  p.scale2 =
      quantize_multiplier(static_cast<double>(scale_of(state) * scale_of(time) / scale_of(output)));
  if (ctx.has_input(3)) {
    ctx.expect_type(ctx.input(3), {ir::DataType::kInt32}, "bias");
    p.bias = ctx.constant_ints(3);
    ctx.check(static_cast<int>(p.bias.size()) == p.units, "bias size is not the unit count");
  }
  if (time.type == ir::DataType::kInt16)
    return [p = std::move(p)](TensorArena& a) { run<int16_t>(p, a); };
  return [p = std::move(p)](TensorArena& a) { run<int8_t>(p, a); };
}

}  // namespace euc::refinterp
