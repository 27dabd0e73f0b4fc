// Element-wise activations on int8/int16: RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, PRELU,
// HARD_SWISH, ABS, RSQRT, and float32 EXP.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "refinterp/broadcast.hpp"
#include "refinterp/fixed_point.hpp"
#include "refinterp/kernels.hpp"
#include "refinterp/quant_math.hpp"
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
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  const auto* opt = tfl::builtin_options_as<tflite::LeakyReluOptions>(ctx.op());
  const float alpha = opt ? opt->alpha() : 0.0f;
  // Both multipliers are formed in float, then widened.
  auto m_alpha = quantize_multiplier(static_cast<double>(scale_of(in) * alpha / scale_of(out)));
  const auto m_id = quantize_multiplier(static_cast<double>(scale_of(in) / scale_of(out)));
  const bool negative_alpha = m_alpha.significand < 0;
  if (negative_alpha)
    m_alpha.significand = -m_alpha.significand;
  const int32_t in_zp = zero_point_of(in), out_zp = zero_point_of(out);
  return unary_int8_int16(ctx, [=](int32_t x) {
    const int32_t v = x - in_zp;
    if (v >= 0)
      return out_zp + multiply_by_quantized_multiplier(v, m_id.significand, m_id.shift);
    const int32_t s = multiply_by_quantized_multiplier(v, m_alpha.significand, m_alpha.shift);
    return out_zp + (negative_alpha ? -s : s);
  });
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

// HARD_SWISH (int8): x * relu6(x + 3) / 6 in 16-bit fixed point. The input is moved to a
// 7-bit finer "hires" scale; a "reluish" factor in [0, 1] comes from x on a 3/32768 scale.
Kernel prepare_hard_swish(const OpContext& ctx) {
  ctx.expect_arity(1, 1, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(in, {ir::DataType::kInt8}, "input");
  ctx.expect_type(out, {ir::DataType::kInt8}, "output");
  const float hires_scale = (1.0f / 128.0f) * scale_of(in);
  const float reluish_scale = 3.0f / 32768.0f;
  const auto to_int16 = [](int32_t m) {
    if (m >= std::numeric_limits<int32_t>::max() - (1 << 15))
      return std::numeric_limits<int16_t>::max();
    return static_cast<int16_t>((m + (1 << 15)) >> 16);
  };
  const auto mo = quantize_multiplier(static_cast<double>(hires_scale / scale_of(out)));
  const auto mr = quantize_multiplier(static_cast<double>(hires_scale / reluish_scale));
  ctx.check(mo.shift <= 0, "output multiplier must not exceed 1");
  const int16_t out_mult = to_int16(mo.significand);
  const int16_t relu_mult = to_int16(mr.significand);
  const int out_exp = mo.shift, relu_exp = mr.shift;
  const int32_t in_zp = zero_point_of(in), out_zp = zero_point_of(out);
  const auto sat_left_shift = [](int16_t v, int amount) {
    return static_cast<int16_t>(
        std::clamp<int64_t>(static_cast<int64_t>(v) * (int64_t{1} << amount), -32768, 32767));
  };
  return unary<int8_t>(ctx.input_index(0), ctx.output_index(0), [=](int32_t x) {
    const auto v = static_cast<int16_t>(x - in_zp);
    const auto hires = static_cast<int16_t>(v * (1 << 7));
    const int16_t preshift_out = saturating_rounding_doubling_high_mul(hires, out_mult);
    int16_t reluish = hires;
    if (relu_exp > 0)
      reluish = sat_left_shift(reluish, relu_exp - 1);
    reluish = saturating_rounding_doubling_high_mul(reluish, relu_mult);
    if (relu_exp > 0)
      reluish = sat_left_shift(reluish, 1);
    if (relu_exp < 0)
      reluish = rounding_divide_by_pot<int16_t>(reluish, -relu_exp);
    reluish = static_cast<int16_t>((reluish + (1 << 15)) >> 1);
    // A doubling high multiply that truncates (no rounding nudge).
    const int16_t preshift =
        reluish == preshift_out && reluish == std::numeric_limits<int16_t>::min()
            ? std::numeric_limits<int16_t>::max()
            : static_cast<int16_t>((int32_t{reluish} * int32_t{preshift_out}) / (1 << 15));
    auto result =
        static_cast<int16_t>(rounding_divide_by_pot<int16_t>(preshift, -out_exp) + out_zp);
    return static_cast<int32_t>(result);
  });
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

namespace {

// 1/sqrt(x) for integer x >= 0 as a Q0.31 significand and a left shift: x is normalised into
// [2^27, 2^29) by pairs of bits, then five Newton-Raphson steps x' = 1.5x - (a/2)x^3 in Q3.28.
QuantMultiplier inverse_sqrt(int32_t input) {
  if (input <= 1)
    return {std::numeric_limits<int32_t>::max(), 0};
  int shift = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    ++shift;
  }
  const int max_left_pairs = (count_leading_zeros(static_cast<uint32_t>(input)) - 1) / 2;
  const int left_pairs = max_left_pairs - 1;
  shift -= left_pairs;
  input <<= 2 * left_pairs;
  const int32_t value = input >> 1;  // Q3.28
  const int32_t half_value = rounding_divide_by_pot(value, 1);
  const int32_t one_and_half = (1 << 28) + (1 << 27);
  int32_t x = 1 << 28;  // 1.0 in Q3.28
  for (int i = 0; i < 5; ++i) {
    const int32_t x3 = fixed::rescale<int32_t>(fixed::mul(fixed::mul(x, x), x), 9, 3);
    x = fixed::rescale<int32_t>(
        fixed::wrap_sub(fixed::mul(one_and_half, x), fixed::mul(half_value, x3)), 6, 3);
  }
  x = fixed::mul(x, 1518500250);  // sqrt(2)/2 in Q0.31
  if (shift < 0) {
    x = static_cast<int32_t>(static_cast<uint32_t>(x) << -shift);
    shift = 0;
  }
  return {x, -shift};
}

}  // namespace

Kernel prepare_rsqrt(const OpContext& ctx) {
  expect_unary(ctx);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  const auto m =
      quantize_multiplier(1.0 / static_cast<double>(std::sqrt(scale_of(in)) * scale_of(out)));
  const int32_t in_zp = zero_point_of(in), out_zp = zero_point_of(out);
  const int32_t type_hi = type_max(in.type);
  const std::string where = fmt::format("operator {} ({})", ctx.index(), ctx.name());
  constexpr int kShift = 20;  // keeps 1/sqrt(x) an integer before the output multiplier
  return unary_int8_int16(ctx, [=](int32_t x) {
    const int32_t v = x - in_zp;
    if (v < 0)
      throw_input(fmt::format("{}: negative input {} has no square root", where, v));
    if (v == 0)
      return type_hi;
    const QuantMultiplier inv = inverse_sqrt(v);
    const int32_t data = multiply_by_quantized_multiplier(1, inv.significand, inv.shift + kShift);
    return multiply_by_quantized_multiplier(data, m.significand, m.shift - kShift) + out_zp;
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
