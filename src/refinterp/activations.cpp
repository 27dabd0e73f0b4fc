// Element-wise activations on int8/int16: RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, PRELU,
// HARD_SWISH, ABS, RSQRT, and float32 EXP.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "refinterp/arith.hpp"
#include "refinterp/broadcast.hpp"
#include "refinterp/kernels.hpp"
#include "refmath/activation_functions.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

// Applies f(int32 stored value) -> int32 to every element, clamping to the output type.
template <class T, class F>
Kernel unary(int src, int dst, F f) {
  return [=](TensorArena& a) {
    auto in = a.in<T>(src);
    auto out = a.out<T>(dst);
    for (size_t i = 0; i < in.size(); ++i)
      out[i] = static_cast<T>(std::clamp<int32_t>(f(in[i]), std::numeric_limits<T>::min(),
                                                  std::numeric_limits<T>::max()));
  };
}

template <class F>
Kernel unary_int8_int16(const OpContext& ctx, F f) {
  const int src = ctx.input_index(0), dst = ctx.output_index(0);
  if (ctx.input(0).type == ir::DataType::kInt8)
    return unary<int8_t>(src, dst, f);
  return unary<int16_t>(src, dst, f);
}

void expect_unary(const OpContext& ctx) {
  ctx.expect_arity(1, 1, 1);
  ctx.expect_type(ctx.input(0), {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(ctx.output(0), {ctx.input(0).type}, "output");
  ctx.expect_same_shape(ctx.input(0), ctx.output(0), "input and output");
}

// RELU and RELU_N1_TO_1: requantise to the output scale, then clamp to the quantised bounds.
Kernel relu_like(const OpContext& ctx, float lower, float upper) {
  expect_unary(ctx);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  const auto m = quantize_multiplier(static_cast<double>(scale_of(in) / scale_of(out)));
  const int32_t in_zp = zero_point_of(in), out_zp = zero_point_of(out);
  const int32_t lo = std::max(type_min(out.type),
                              out_zp + static_cast<int32_t>(std::round(lower / scale_of(out))));
  const int32_t hi =
      std::isinf(upper)
          ? type_max(out.type)
          : std::min(type_max(out.type),
                     out_zp + static_cast<int32_t>(std::round(upper / scale_of(out))));
  return unary_int8_int16(ctx, [=](int32_t x) {
    const int32_t v = out_zp + multiply_by_quantized_multiplier(x - in_zp, m.significand, m.shift);
    return std::clamp(v, lo, hi);
  });
}

}  // namespace

Kernel prepare_relu(const OpContext& ctx) {
  return relu_like(ctx, 0.0f, std::numeric_limits<float>::infinity());
}

Kernel prepare_relu_n1_to_1(const OpContext& ctx) {
  return relu_like(ctx, -1.0f, 1.0f);
}

// RELU6 clamps stored values to [zero point, quantised 6.0] of the input; no requantisation.
Kernel prepare_relu6(const OpContext& ctx) {
  expect_unary(ctx);
  const ir::Tensor& in = ctx.input(0);
  const int32_t zero = zero_point_of(in);
  const int32_t six = std::clamp(static_cast<int32_t>(std::round(6.0f / scale_of(in))) + zero,
                                 type_min(in.type), type_max(in.type));
  return unary_int8_int16(ctx, [=](int32_t x) { return std::clamp(x, zero, six); });
}

Kernel prepare_leaky_relu(const OpContext& ctx) {
  expect_unary(ctx);
  const auto* opt = tfl::builtin_options_as<tflite::LeakyReluOptions>(ctx.op());
  return unary_int8_int16(ctx, refmath::leaky_relu(quant_of(ctx.input(0)), quant_of(ctx.output(0)),
                                                   opt ? opt->alpha() : 0.0f));
}

Kernel prepare_prelu(const OpContext& ctx) {
  ctx.expect_arity(2, 2, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& alpha = ctx.input(1);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(in, {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(alpha, {ir::DataType::kInt8}, "alpha");
  ctx.expect_type(out, {in.type}, "output");
  const auto m1 =
      quantize_multiplier(static_cast<double>(scale_of(in)) / static_cast<double>(scale_of(out)));
  const auto m2 =
      quantize_multiplier(static_cast<double>(scale_of(in)) * static_cast<double>(scale_of(alpha)) /
                          static_cast<double>(scale_of(out)));
  const int32_t in_off = -zero_point_of(in), alpha_off = -zero_point_of(alpha);
  const int32_t out_zp = zero_point_of(out);
  const auto shape = broadcast_shape(ctx, in.shape, alpha.shape);
  ctx.check(shape == out.shape, fmt::format("output shape {} differs from the broadcast shape {}",
                                            shape_string(out.shape), shape_string(shape)));
  std::vector<int32_t> map_in = broadcast_indices(ctx, in.shape, shape);
  std::vector<int32_t> map_alpha = broadcast_indices(ctx, alpha.shape, shape);
  const int src = ctx.input_index(0), a_idx = ctx.input_index(1), dst = ctx.output_index(0);
  auto body = [=](auto tag, TensorArena& a) {
    using T = decltype(tag);
    auto x = a.in<T>(src);
    auto al = a.in<int8_t>(a_idx);
    auto y = a.out<T>(dst);
    for (size_t i = 0; i < y.size(); ++i) {
      const int32_t v = in_off + x[static_cast<size_t>(map_in[i])];
      int32_t r;
      if (v >= 0) {
        r = multiply_by_quantized_multiplier(v, m1.significand, m1.shift);
      } else {
        const int32_t av = alpha_off + al[static_cast<size_t>(map_alpha[i])];
        r = multiply_by_quantized_multiplier(v * av, m2.significand, m2.shift);
      }
      y[i] = static_cast<T>(std::clamp<int32_t>(r + out_zp, std::numeric_limits<T>::min(),
                                                std::numeric_limits<T>::max()));
    }
  };
  if (in.type == ir::DataType::kInt8)
    return [=](TensorArena& a) { body(int8_t{}, a); };
  return [=](TensorArena& a) { body(int16_t{}, a); };
}

// HARD_SWISH (int8): x * relu6(x + 3) / 6 in 16-bit fixed point (refmath).
Kernel prepare_hard_swish(const OpContext& ctx) {
  ctx.expect_arity(1, 1, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(in, {ir::DataType::kInt8}, "input");
  ctx.expect_type(out, {ir::DataType::kInt8}, "output");
  const auto problem = refmath::hard_swish_int8_problem(quant_of(in), quant_of(out));
  ctx.check(!problem, problem.value_or(""));
  return unary<int8_t>(ctx.input_index(0), ctx.output_index(0),
                       refmath::hard_swish_int8(quant_of(in), quant_of(out)));
}

Kernel prepare_abs(const OpContext& ctx) {
  expect_unary(ctx);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  const int32_t in_zp = zero_point_of(in), out_zp = zero_point_of(out);
  const bool rescale = scale_of(in) != scale_of(out);
  const auto m = quantize_multiplier(static_cast<double>(scale_of(in) / scale_of(out)));
  return unary_int8_int16(ctx, [=](int32_t x) {
    const int32_t v = std::abs(x - in_zp);
    return (rescale ? multiply_by_quantized_multiplier(v, m.significand, m.shift) : v) + out_zp;
  });
}

Kernel prepare_rsqrt(const OpContext& ctx) {
  expect_unary(ctx);
  const ir::Tensor& in = ctx.input(0);
  const auto f = refmath::rsqrt(quant_of(in), quant_of(ctx.output(0)), type_max(in.type));
  const std::string where = fmt::format("operator {} ({})", ctx.index(), ctx.name());
  return unary_int8_int16(ctx, [=](int32_t x) {
    const std::optional<int32_t> r = f(x);
    if (!r)
      throw_input(fmt::format("{}: negative input {} has no square root", where, x));
    return *r;
  });
}

Kernel prepare_exp(const OpContext& ctx) {
  ctx.expect_arity(1, 1, 1);
  ctx.expect_type(ctx.input(0), {ir::DataType::kFloat32}, "input");
  ctx.expect_type(ctx.output(0), {ir::DataType::kFloat32}, "output");
  ctx.expect_same_shape(ctx.input(0), ctx.output(0), "input and output");
  const int src = ctx.input_index(0), dst = ctx.output_index(0);
  return [=](TensorArena& a) {
    auto in = a.in<float>(src);
    auto out = a.out<float>(dst);
    for (size_t i = 0; i < in.size(); ++i)
      out[i] = std::exp(in[i]);
  };
}

}  // namespace euc::refinterp
