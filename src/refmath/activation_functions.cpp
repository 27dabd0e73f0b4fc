#include "refmath/activation_functions.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

#include "refmath/fixed_point.hpp"
#include "refmath/quant_math.hpp"

namespace euc::refmath {
namespace {

constexpr int kInt8InputIntegerBits = 4;

// The int8 LOGISTIC/TANH input rescale: a frexp multiplier for scale * 2^(31 - 4) without the
// usual rounding fix-up, and the largest magnitude that does not saturate.
struct Q4Input {
  int32_t zero_point = 0;
  int32_t radius = 0;
  int32_t multiplier = 0;
  int left_shift = 0;
};

Q4Input q4_input(Quant in) {
  Q4Input p;
  p.zero_point = in.zero_point;
  const double real = static_cast<double>(in.scale) *
                      static_cast<double>(int64_t{1} << (31 - kInt8InputIntegerBits));
  const double q = std::frexp(real, &p.left_shift);
  p.multiplier = static_cast<int32_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  p.radius = input_radius(kInt8InputIntegerBits, p.left_shift, 31);
  return p;
}

// `f` maps the Q4.27 input to a Q0.31 result; `fraction_bits` are the output's (8: 1/256
// steps, 7: 1/128) and `offset` its zero point.
template <class F>
ValueFunction q4_function(Quant in, F f, int fraction_bits, int32_t offset) {
  const Q4Input p = q4_input(in);
  return [=](int32_t x) {
    const int32_t v = x - p.zero_point;
    if (v <= -p.radius)
      return int32_t{-128};
    if (v >= p.radius)
      return int32_t{127};
    const int32_t q4 = multiply_by_quantized_multiplier(v, p.multiplier, p.left_shift);
    return rounding_divide_by_pot(f(q4), 31 - fraction_bits) + offset;
  };
}

int16_t to_int16_multiplier(int32_t m) {
  if (m >= std::numeric_limits<int32_t>::max() - (1 << 15))
    return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>((m + (1 << 15)) >> 16);
}

int16_t saturating_left_shift(int16_t v, int amount) {
  return static_cast<int16_t>(
      std::clamp<int64_t>(static_cast<int64_t>(v) * (int64_t{1} << amount), -32768, 32767));
}

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

// log2(x) rounded, and whether x is that power of two (within TFLite's tolerance).
bool checked_log2(float x, int* result) {
  const float l = std::log(x) * (1.0f / std::log(2.0f));
  const float r = std::round(l);
  *result = static_cast<int>(r);
  return std::abs(l - r) < 1e-3f;
}

// A multiplier TFLite's kernels form: 0, or a magnitude whose shift stays in the 32-bit range.
bool representable(double real) {
  const double m = std::abs(real);
  return m == 0.0 || (std::isfinite(m) && m >= std::ldexp(1.0, -31) && m < std::ldexp(1.0, 31));
}

}  // namespace

std::optional<std::string> fixed_point_problem(std::string_view op, Quant in, Quant out,
                                               float alpha) {
  std::vector<double> reals = {static_cast<double>(in.scale) / static_cast<double>(out.scale)};
  if (op == "LOGISTIC" || op == "TANH")
    reals = {static_cast<double>(in.scale) *
             static_cast<double>(1 << (31 - kInt8InputIntegerBits))};
  if (op == "HARD_SWISH")
    reals = {static_cast<double>(in.scale) / 128.0 / static_cast<double>(out.scale),
             static_cast<double>(in.scale) / 128.0 / (3.0 / 32768.0)};
  if (op == "LEAKY_RELU")
    reals.push_back(static_cast<double>(in.scale) * static_cast<double>(alpha) /
                    static_cast<double>(out.scale));
  if (op == "RSQRT")
    reals = {1.0 / (std::sqrt(static_cast<double>(in.scale)) * static_cast<double>(out.scale))};
  for (double r : reals) {
    if (!representable(r))
      return fmt::format("{}'s fixed-point multiplier {} is outside 2^-31..2^31", op, r);
  }
  return std::nullopt;
}

Int16TableScale sigmoid_int16_scale(float in_scale, int pot_shift_limit) {
  Int16TableScale p;
  int log2_in = 0;
  bool pot = checked_log2(in_scale, &log2_in);
  p.left_shift = (15 - 3) + log2_in;
  pot = pot && p.left_shift >= 0 && p.left_shift <= pot_shift_limit;
  if (pot) {
    p.multiplier = 3 << p.left_shift;
    p.left_shift = 0;
    return p;
  }
  double m = static_cast<double>(in_scale) * 4096.0 * 3.0;
  p.left_shift = 0;
  while (m <= 32767.0 / 2.0 && p.left_shift <= 30) {
    ++p.left_shift;
    m *= 2.0;
  }
  p.multiplier = static_cast<int32_t>(m);
  return p;
}

std::optional<std::string> sigmoid_int16_problem(Quant in, Quant out) {
  if (in.zero_point != 0 || out.zero_point != 0)
    return std::string("int16 input and output need zero points of 0");
  int log2_out = 0;
  if (!checked_log2(out.scale, &log2_out) || log2_out != -15)
    return std::string("int16 output scale must be 2^-15");
  return std::nullopt;
}

ValueFunction logistic_int8(Quant in) {
  return q4_function(
      in, [](int32_t q4) { return fixed::logistic<int32_t>(q4, kInt8InputIntegerBits); }, 8, -128);
}

ValueFunction tanh_int8(Quant in) {
  return q4_function(
      in, [](int32_t q4) { return fixed::tanh<int32_t>(q4, kInt8InputIntegerBits); }, 7, 0);
}

std::optional<std::string> logistic_int8_problem(Quant out) {
  // The result is in 1/256 steps from -128 whatever the output scale says.
  if (out.zero_point == -128)
    return std::nullopt;
  return fmt::format("int8 LOGISTIC needs output zero point -128 (has {})", out.zero_point);
}

std::optional<std::string> softmax_output_problem(bool int8_input, bool int8_output, Quant out) {
  auto near = [](float scale, float expected) {
    const float delta = scale > expected ? scale - expected : expected - scale;
    return delta <= 0.001f * expected;
  };
  if (int8_output) {
    if (out.zero_point == -128 && out.scale == 1.0f / 256)
      return std::nullopt;
    return fmt::format(
        "an int8 SOFTMAX output needs scale 1/256 and zero point -128 (TFLite Micro's "
        "requirement), not {} and {}",
        out.scale, out.zero_point);
  }
  const int32_t zero_point = int8_input ? -32768 : 0;
  const float scale = int8_input ? 1.0f / 65536 : 1.0f / 32768;
  if (out.zero_point == zero_point && near(out.scale, scale))
    return std::nullopt;
  return fmt::format(
      "an int16 SOFTMAX output of an {} input needs scale 1/{} within 0.1% and zero point {} "
      "(TFLite Micro's requirement), not {} and {}",
      int8_input ? "int8" : "int16", int8_input ? 65536 : 32768, zero_point, out.scale,
      out.zero_point);
}

std::optional<std::string> hard_swish_int8_problem(Quant in, Quant out) {
  const float hires_scale = (1.0f / 128.0f) * in.scale;
  if (quantize_multiplier(static_cast<double>(hires_scale / out.scale)).shift > 0)
    return "HARD_SWISH needs an output scale of at least 1/128 of the input scale";
  return std::nullopt;
}

// The input moves to a 7-bit finer "hires" scale; a "reluish" factor in [0, 1] comes from x on
// a 3/32768 scale; their truncating doubling product is rescaled to the output.
ValueFunction hard_swish_int8(Quant in, Quant out) {
  const float hires_scale = (1.0f / 128.0f) * in.scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const QuantMultiplier mo = quantize_multiplier(static_cast<double>(hires_scale / out.scale));
  const QuantMultiplier mr = quantize_multiplier(static_cast<double>(hires_scale / reluish_scale));
  const int16_t out_mult = to_int16_multiplier(mo.significand);
  const int16_t relu_mult = to_int16_multiplier(mr.significand);
  const int out_exp = mo.shift, relu_exp = mr.shift;
  return [=](int32_t x) {
    const auto v = static_cast<int16_t>(x - in.zero_point);
    const auto hires = static_cast<int16_t>(v * (1 << 7));
    const int16_t preshift_out = saturating_rounding_doubling_high_mul(hires, out_mult);
    int16_t reluish = hires;
    if (relu_exp > 0)
      reluish = saturating_left_shift(reluish, relu_exp - 1);
    reluish = saturating_rounding_doubling_high_mul(reluish, relu_mult);
    if (relu_exp > 0)
      reluish = saturating_left_shift(reluish, 1);
    if (relu_exp < 0)
      reluish = rounding_divide_by_pot<int16_t>(reluish, -relu_exp);
    reluish = static_cast<int16_t>((reluish + (1 << 15)) >> 1);
    const int16_t preshift =
        reluish == preshift_out && reluish == std::numeric_limits<int16_t>::min()
            ? std::numeric_limits<int16_t>::max()
            : static_cast<int16_t>((int32_t{reluish} * int32_t{preshift_out}) / (1 << 15));
    return static_cast<int32_t>(
        static_cast<int16_t>(rounding_divide_by_pot<int16_t>(preshift, -out_exp) + out.zero_point));
  };
}

ValueFunction leaky_relu(Quant in, Quant out, float alpha) {
  // Both multipliers are formed in float, then widened.
  QuantMultiplier m_alpha = quantize_multiplier(static_cast<double>(in.scale * alpha / out.scale));
  const QuantMultiplier m_id = quantize_multiplier(static_cast<double>(in.scale / out.scale));
  const bool negative_alpha = m_alpha.significand < 0;
  if (negative_alpha)
    m_alpha.significand = -m_alpha.significand;
  return [=](int32_t x) {
    const int32_t v = x - in.zero_point;
    if (v >= 0)
      return out.zero_point + multiply_by_quantized_multiplier(v, m_id.significand, m_id.shift);
    const int32_t s = multiply_by_quantized_multiplier(v, m_alpha.significand, m_alpha.shift);
    return out.zero_point + (negative_alpha ? -s : s);
  };
}

std::function<std::optional<int32_t>(int32_t)> rsqrt(Quant in, Quant out, int32_t type_max) {
  const QuantMultiplier m =
      quantize_multiplier(1.0 / static_cast<double>(std::sqrt(in.scale) * out.scale));
  constexpr int kShift = 20;  // keeps 1/sqrt(x) an integer before the output multiplier
  return [=](int32_t x) -> std::optional<int32_t> {
    const int32_t v = x - in.zero_point;
    if (v < 0)
      return std::nullopt;
    if (v == 0)
      return type_max;
    const QuantMultiplier inv = inverse_sqrt(v);
    const int32_t data = multiply_by_quantized_multiplier(1, inv.significand, inv.shift + kShift);
    return multiply_by_quantized_multiplier(data, m.significand, m.shift - kShift) + out.zero_point;
  };
}

}  // namespace euc::refmath
