// LOGISTIC and TANH. int8: the input is scaled to Q4.27 and the fixed-point function applied,
// with inputs beyond the representable radius saturating. int16: the input (zero point 0) is
// scaled so one step of the 256-entry sigmoid table is 1/24 and the table is interpolated.
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "refinterp/arith.hpp"
#include "refinterp/kernels.hpp"
#include "tables/sigmoid_table.hpp"

namespace euc::refinterp {
namespace {

struct Int16Params {
  int src, dst;
  int32_t multiplier;
  int left_shift;
};

Int16Params int16_params(const OpContext& ctx, int pot_shift_limit) {
  const auto problem =
      refmath::sigmoid_int16_problem(quant_of(ctx.input(0)), quant_of(ctx.output(0)));
  ctx.check(!problem, problem.value_or(""));
  const refmath::Int16TableScale scale =
      refmath::sigmoid_int16_scale(scale_of(ctx.input(0)), pot_shift_limit);
  return {ctx.input_index(0), ctx.output_index(0), scale.multiplier, scale.left_shift};
}

int32_t scale_int16_input(const Int16Params& p, int16_t x) {
  const int32_t round = p.left_shift > 0 ? 1 << (p.left_shift - 1) : 0;
  return (x * p.multiplier + round) >> p.left_shift;
}

void logistic_int16(const Int16Params& p, TensorArena& a) {
  auto in = a.in<int16_t>(p.src);
  auto out = a.out<int16_t>(p.dst);
  for (size_t i = 0; i < in.size(); ++i) {
    const int32_t v = scale_int16_input(p, in[i]);
    const auto abs_v = static_cast<uint32_t>(std::abs(v));
    const uint32_t index = abs_v >> 9;
    uint32_t r;
    if (index >= 255) {
      r = 0x7FFFu << 10;
    } else {
      const uint32_t lo = tables::kSigmoidTable[index], hi = tables::kSigmoidTable[index + 1];
      r = (lo << 9) + (abs_v & 0x1ff) * (hi - lo);
    }
    r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
    out[i] = static_cast<int16_t>(r >> 10);
  }
}

void tanh_int16(const Int16Params& p, TensorArena& a) {
  auto in = a.in<int16_t>(p.src);
  auto out = a.out<int16_t>(p.dst);
  for (size_t i = 0; i < in.size(); ++i) {
    const int32_t v = scale_int16_input(p, in[i]);
    const auto abs_v = static_cast<uint32_t>(std::abs(v));
    const uint32_t index = abs_v >> 8;
    int32_t r;
    if (index >= 255) {
      r = 0xFFFF << 8;
    } else {
      const uint32_t lo = tables::kSigmoidTable[index], hi = tables::kSigmoidTable[index + 1];
      r = static_cast<int32_t>((lo << 8) + (abs_v & 0xff) * (hi - lo));
    }
    // tanh(x) = 2 sigmoid(2x) - 1
    r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    out[i] = static_cast<int16_t>(r >> 8);
  }
}

Kernel int8_kernel(const OpContext& ctx, refmath::ValueFunction f) {
  const int src = ctx.input_index(0), dst = ctx.output_index(0);
  return [=](TensorArena& a) {
    auto in = a.in<int8_t>(src);
    auto out = a.out<int8_t>(dst);
    for (size_t i = 0; i < in.size(); ++i)
      out[i] = static_cast<int8_t>(std::clamp(f(in[i]), -128, 127));
  };
}

void expect_unary(const OpContext& ctx) {
  ctx.expect_arity(1, 1, 1);
  ctx.expect_type(ctx.input(0), {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(ctx.output(0), {ctx.input(0).type}, "output");
  ctx.expect_same_shape(ctx.input(0), ctx.output(0), "input and output");
}

}  // namespace

Kernel prepare_logistic(const OpContext& ctx) {
  expect_unary(ctx);
  if (ctx.input(0).type == ir::DataType::kInt16) {
    const Int16Params p = int16_params(ctx, 0);
    return [p](TensorArena& a) { logistic_int16(p, a); };
  }
  const auto problem = refmath::logistic_int8_problem(quant_of(ctx.output(0)));
  ctx.check(!problem, problem.value_or(""));
  return int8_kernel(ctx, refmath::logistic_int8(quant_of(ctx.input(0))));
}

Kernel prepare_tanh(const OpContext& ctx) {
  expect_unary(ctx);
  if (ctx.input(0).type == ir::DataType::kInt16) {
    const Int16Params p = int16_params(ctx, 1);
    return [p](TensorArena& a) { tanh_int16(p, a); };
  }
  return int8_kernel(ctx, refmath::tanh_int8(quant_of(ctx.input(0))));
}

}  // namespace euc::refinterp
