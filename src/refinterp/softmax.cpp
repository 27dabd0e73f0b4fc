// SOFTMAX over the last axis. int8 -> int8 (or int16): input differences from the row maximum
// are scaled to Q5.26, exponentiated with fixed-point exp, summed in Q12.19 and normalised by a
// fixed-point reciprocal. int16 -> int16: exp and 1/(1+x) from 513-entry interpolated tables.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "refinterp/arith.hpp"
#include "refinterp/kernels.hpp"
#include "refinterp/lut.hpp"
#include "refmath/activation_functions.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;

struct Int8Params {
  int rows, depth, input_index, output_index;
  int32_t multiplier;
  int left_shift;
  int32_t diff_min;
};

// 1 / x for x a positive Q12.19 sum: the reciprocal of x normalised to [1, 2) in Q0.31 and the
// number of bits x has above 1.0.
int32_t reciprocal(int32_t x, int integer_bits, int* bits_over_unit) {
  const int headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(x));
  *bits_over_unit = integer_bits - headroom_plus_one;
  const auto shifted_minus_one =
      static_cast<int32_t>((static_cast<uint32_t>(x) << headroom_plus_one) - (uint32_t{1} << 31));
  return fixed::one_over_one_plus_x_for_x_in_0_1<int32_t>(shifted_minus_one);
}

template <class Out>
void run_int8(const Int8Params& p, TensorArena& arena) {
  auto in = arena.in<int8_t>(p.input_index);
  auto out = arena.out<Out>(p.output_index);
  for (int r = 0; r < p.rows; ++r) {
    const int8_t* x = &in[static_cast<size_t>(r) * p.depth];
    Out* y = &out[static_cast<size_t>(r) * p.depth];
    int32_t max_in_row = std::numeric_limits<int8_t>::min();
    for (int c = 0; c < p.depth; ++c)
      max_in_row = std::max<int32_t>(max_in_row, x[c]);
    auto exp_of = [&](int c) {
      const int32_t scaled = multiply_by_quantized_multiplier_greater_than_one(
          x[c] - max_in_row, p.multiplier, p.left_shift);
      return fixed::exp_on_negative_values<int32_t>(scaled, kScaledDiffIntegerBits);
    };
    int32_t sum = 0;
    for (int c = 0; c < p.depth; ++c)
      if (x[c] - max_in_row >= p.diff_min)
        sum = fixed::wrap_add(sum, fixed::rescale<int32_t>(exp_of(c), 0, kAccumulationIntegerBits));
    int bits_over_unit = 0;
    const int32_t shifted_scale = reciprocal(sum, kAccumulationIntegerBits, &bits_over_unit);
    const int exponent = bits_over_unit + 31 - static_cast<int>(8 * sizeof(Out));
    for (int c = 0; c < p.depth; ++c) {
      if (x[c] - max_in_row >= p.diff_min) {
        const int32_t unsat =
            rounding_divide_by_pot(fixed::mul(shifted_scale, exp_of(c)), exponent);
        const int32_t shifted = unsat + std::numeric_limits<Out>::min();
        y[c] = static_cast<Out>(std::clamp<int32_t>(shifted, std::numeric_limits<Out>::min(),
                                                    std::numeric_limits<Out>::max()));
      } else {
        y[c] = std::numeric_limits<Out>::min();
      }
    }
  }
}

struct Int16Params {
  int rows, depth, input_index, output_index;
  QuantMultiplier multiplier;
  std::vector<int16_t> exp_lut, reciprocal_lut;
};

void run_int16(const Int16Params& p, TensorArena& arena) {
  auto in = arena.in<int16_t>(p.input_index);
  auto out = arena.out<int16_t>(p.output_index);
  for (int r = 0; r < p.rows; ++r) {
    const int16_t* x = &in[static_cast<size_t>(r) * p.depth];
    int16_t* y = &out[static_cast<size_t>(r) * p.depth];
    int16_t max_in_row = std::numeric_limits<int16_t>::min();
    for (int c = 0; c < p.depth; ++c)
      max_in_row = std::max(max_in_row, x[c]);
    int32_t sum = 0;  // Q16.15
    for (int c = 0; c < p.depth; ++c) {
      const int32_t scaled = multiply_by_quantized_multiplier(
          x[c] - max_in_row, p.multiplier.significand, p.multiplier.shift);
      const auto sym = static_cast<int16_t>(std::clamp(scaled + 32767, -32768, 32767));
      y[c] = lut_lookup_int16(sym, p.exp_lut);
      sum += y[c];
    }
    const int headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(sum));
    const auto shifted_sum = static_cast<int32_t>(
        ((static_cast<int64_t>(sum) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    const int32_t sym_sum = shifted_sum - ((1 << 15) + (1 << 16));
    const auto sat_sum = static_cast<int16_t>(std::clamp(sym_sum, -32768, 32767));
    const int16_t reciprocal_q015 = lut_lookup_int16(sat_sum, p.reciprocal_lut);
    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = int64_t{1} << (right_shift - 1);
    for (int c = 0; c < p.depth; ++c) {
      const auto v = static_cast<int32_t>((static_cast<int64_t>(y[c]) * reciprocal_q015 + round) >>
                                          right_shift);
      y[c] = static_cast<int16_t>(std::clamp(v, 0, 32767));
    }
  }
}

}  // namespace

Kernel prepare_softmax(const OpContext& ctx) {
  ctx.expect_arity(1, 1, 1);
  const ir::Tensor& input = ctx.input(0);
  const ir::Tensor& output = ctx.output(0);
  ctx.expect_type(input, {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.check(!input.shape.empty(), "input must have at least one dimension");
  ctx.check(input.num_elements() == output.num_elements(), "input and output sizes differ");
  const auto* opt = tfl::builtin_options_as<tflite::SoftmaxOptions>(ctx.op());
  const double beta = opt ? opt->beta() : 1.0;
  const int depth = input.shape.back();
  const int rows = depth == 0 ? 0 : static_cast<int>(input.num_elements() / depth);
  if (input.type == ir::DataType::kInt8) {
    ctx.expect_type(output, {ir::DataType::kInt8, ir::DataType::kInt16}, "output");
    const auto problem =
        refmath::softmax_output_problem(true, output.type == ir::DataType::kInt8, quant_of(output));
    ctx.check(!problem, problem.value_or(""));
    Int8Params p{rows, depth, ctx.input_index(0), ctx.output_index(0), 0, 0, 0};
    // beta * input_scale in Q5.26 steps, capped at 2^31 - 1.
    const double real = std::min(beta * static_cast<double>(scale_of(input)) *
                                     static_cast<double>(1 << (31 - kScaledDiffIntegerBits)),
                                 static_cast<double>((int64_t{1} << 31) - 1));
    const auto m = quantize_multiplier(real);
    p.multiplier = m.significand;
    p.left_shift = m.shift;
    p.diff_min = -input_radius(kScaledDiffIntegerBits, p.left_shift, 31);
    if (output.type == ir::DataType::kInt8)
      return [p](TensorArena& a) { run_int8<int8_t>(p, a); };
    return [p](TensorArena& a) { run_int8<int16_t>(p, a); };
  }
  ctx.expect_type(output, {ir::DataType::kInt16}, "output");
  ctx.check(zero_point_of(input) == 0 && zero_point_of(output) == 0,
            "int16 softmax needs zero points of 0");
  const auto problem = refmath::softmax_output_problem(false, false, quant_of(output));
  ctx.check(!problem, problem.value_or(""));
  Int16Params p{rows, depth, ctx.input_index(0), ctx.output_index(0), {}, {}, {}};
  // Input differences are mapped onto [-10, 0] in 65535 steps.
  p.multiplier =
      quantize_multiplier(static_cast<double>(scale_of(input)) * beta / (10.0 / 65535.0));
  const int32_t range = 65535;
  p.exp_lut =
      make_lut_int16(10.0f / range, 32767, 2.0f / range, 0, [](float v) { return std::exp(v); });
  p.reciprocal_lut = make_lut_int16(1.0f / range, -32768, 2.0f / range, 0,
                                    [](float v) { return 1.0f / (1.0f + v); });
  return [p = std::move(p)](TensorArena& a) { run_int16(p, a); };
}

}  // namespace euc::refinterp
