// Element-wise binary operators with broadcasting: ADD, SUB, MUL, MAXIMUM, MINIMUM,
// SQUARED_DIFFERENCE on int8/int16 (quantised) and int32 (plain integers).
#include <fmt/format.h>

#include <functional>

#include "refinterp/arith.hpp"
#include "refinterp/broadcast.hpp"
#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

struct Operands {
  int in1, in2, out;
  std::vector<int32_t> map1, map2;  // empty when the operand has the output's shape
};

// Checks shapes and computes the broadcast maps; returns the element count.
Operands make_operands(const OpContext& ctx) {
  ctx.expect_arity(2, 2, 1);
  const ir::Tensor& a = ctx.input(0);
  const ir::Tensor& b = ctx.input(1);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(b, {a.type}, "input 2");
  const auto shape = broadcast_shape(ctx, a.shape, b.shape);
  ctx.check(flat_size(shape) == out.num_elements(),
            fmt::format("output shape {} differs from the broadcast shape {}",
                        shape_string(out.shape), shape_string(shape)));
  Operands o{ctx.input_index(0), ctx.input_index(1), ctx.output_index(0), {}, {}};
  if (a.shape != shape)
    o.map1 = broadcast_indices(ctx, a.shape, shape);
  if (b.shape != shape)
    o.map2 = broadcast_indices(ctx, b.shape, shape);
  return o;
}

// Applies f(x, y) for every output element.
template <class In, class Out, class F>
Kernel elementwise(Operands o, F f) {
  return [o = std::move(o), f](TensorArena& arena) {
    auto x = arena.in<In>(o.in1);
    auto y = arena.in<In>(o.in2);
    auto out = arena.out<Out>(o.out);
    for (size_t i = 0; i < out.size(); ++i) {
      const In a = o.map1.empty() ? x[i] : x[static_cast<size_t>(o.map1[i])];
      const In b = o.map2.empty() ? y[i] : y[static_cast<size_t>(o.map2[i])];
      out[i] = static_cast<Out>(f(a, b));
    }
  };
}

template <class F>
Kernel by_type(const OpContext& ctx, Operands o, F f) {
  switch (ctx.input(0).type) {
    case ir::DataType::kInt8:
      return elementwise<int8_t, int8_t>(std::move(o), f);
    case ir::DataType::kInt16:
      return elementwise<int16_t, int16_t>(std::move(o), f);
    case ir::DataType::kUInt8:
      return elementwise<uint8_t, uint8_t>(std::move(o), f);
    default:
      ctx.fail("unsupported input type");
  }
}

int fused_activation(const OpContext& ctx) {
  switch (ctx.op().type) {
    case ir::BuiltinOp::ADD:
      if (const auto* o = tfl::builtin_options_as<tflite::AddOptions>(ctx.op()))
        return static_cast<int>(o->fused_activation_function());
      break;
    case ir::BuiltinOp::SUB:
      if (const auto* o = tfl::builtin_options_as<tflite::SubOptions>(ctx.op()))
        return static_cast<int>(o->fused_activation_function());
      break;
    case ir::BuiltinOp::MUL:
      if (const auto* o = tfl::builtin_options_as<tflite::MulOptions>(ctx.op()))
        return static_cast<int>(o->fused_activation_function());
      break;
    default:
      break;
  }
  return 0;
}

// ADD and SUB: both inputs are brought to a common scale (twice the larger input scale) after
// a left shift of 20 bits (15 for int16), summed, then rescaled to the output. ADD computes
// the multipliers in double; SUB computes them in float, as the respective reference kernels.
Kernel prepare_add_sub(const OpContext& ctx, bool subtract) {
  Operands o = make_operands(ctx);
  const ir::Tensor& a = ctx.input(0);
  const ir::Tensor& b = ctx.input(1);
  const ir::Tensor& out = ctx.output(0);
  const int activation = fused_activation(ctx);
  if (a.type == ir::DataType::kInt32) {
    ctx.expect_type(out, {ir::DataType::kInt32}, "output");
    const auto r = activation_range(activation, 1.0f, 0, type_min(out.type), type_max(out.type));
    return elementwise<int32_t, int32_t>(std::move(o), [=](int32_t x, int32_t y) {
      const int64_t v = subtract ? int64_t{x} - y : int64_t{x} + y;
      return static_cast<int32_t>(std::clamp<int64_t>(v, r.min, r.max));
    });
  }
  ctx.expect_type(a, {ir::DataType::kInt8, ir::DataType::kInt16}, "input 1");
  ctx.expect_type(out, {a.type}, "output");
  const int left_shift = a.type == ir::DataType::kInt16 ? 15 : 20;
  QuantMultiplier m1, m2, mo;
  if (!subtract) {
    const double twice_max = 2.0 * static_cast<double>(std::max(scale_of(a), scale_of(b)));
    m1 = quantize_multiplier(static_cast<double>(scale_of(a)) / twice_max);
    m2 = quantize_multiplier(static_cast<double>(scale_of(b)) / twice_max);
    mo = quantize_multiplier(twice_max / ((1 << left_shift) * static_cast<double>(scale_of(out))));
  } else {
    const float twice_max = 2 * std::max(scale_of(a), scale_of(b));
    m1 = quantize_multiplier(static_cast<double>(scale_of(a) / twice_max));
    m2 = quantize_multiplier(static_cast<double>(scale_of(b) / twice_max));
    mo = quantize_multiplier(
        static_cast<double>(twice_max / (static_cast<float>(1 << left_shift) * scale_of(out))));
  }
  // The reference kernels quantise the output multiplier as one below 1 and stop when it is
  // not (TFLite Micro's Prepare checks it), so such a model never runs.
  if (mo.shift > 0)
    ctx.fail(fmt::format(
        "output scale {:g} is too small for the input scales {:g} and {:g}: the rescale "
        "2*max(input scales)/(2^{}*output scale) is not below 1, which TFLite's kernel requires",
        scale_of(out), scale_of(a), scale_of(b), left_shift));
  const int32_t off1 = -zero_point_of(a), off2 = -zero_point_of(b);
  const int32_t off_out = zero_point_of(out);
  const auto r =
      activation_range(activation, scale_of(out), off_out, type_min(out.type), type_max(out.type));
  return by_type(ctx, std::move(o), [=](int32_t x, int32_t y) {
    const int32_t sx = static_cast<int32_t>((x + off1) * (1 << left_shift));
    const int32_t sy = static_cast<int32_t>((y + off2) * (1 << left_shift));
    const int32_t vx =
        multiply_by_quantized_multiplier_smaller_than_one_exp(sx, m1.significand, m1.shift);
    const int32_t vy =
        multiply_by_quantized_multiplier_smaller_than_one_exp(sy, m2.significand, m2.shift);
    const int32_t raw = subtract ? vx - vy : vx + vy;
    const int32_t v =
        multiply_by_quantized_multiplier_smaller_than_one_exp(raw, mo.significand, mo.shift) +
        off_out;
    return std::clamp(v, r.min, r.max);
  });
}

}  // namespace

Kernel prepare_add(const OpContext& ctx) {
  return prepare_add_sub(ctx, false);
}
Kernel prepare_sub(const OpContext& ctx) {
  return prepare_add_sub(ctx, true);
}

// MUL: (x - zx) * (y - zy) * (sx * sy / so) + zo.
Kernel prepare_mul(const OpContext& ctx) {
  Operands o = make_operands(ctx);
  const ir::Tensor& a = ctx.input(0);
  const ir::Tensor& b = ctx.input(1);
  const ir::Tensor& out = ctx.output(0);
  const int activation = fused_activation(ctx);
  if (a.type == ir::DataType::kInt32) {
    ctx.expect_type(out, {ir::DataType::kInt32}, "output");
    const auto r = activation_range(activation, 1.0f, 0, type_min(out.type), type_max(out.type));
    return elementwise<int32_t, int32_t>(std::move(o), [=](int32_t x, int32_t y) {
      return static_cast<int32_t>(std::clamp<int64_t>(int64_t{x} * y, r.min, r.max));
    });
  }
  ctx.expect_type(a, {ir::DataType::kInt8, ir::DataType::kInt16}, "input 1");
  ctx.expect_type(out, {a.type}, "output");
  const auto m =
      quantize_multiplier(static_cast<double>(scale_of(a)) * static_cast<double>(scale_of(b)) /
                          static_cast<double>(scale_of(out)));
  const int32_t off1 = -zero_point_of(a), off2 = -zero_point_of(b);
  const int32_t off_out = zero_point_of(out);
  const auto r =
      activation_range(activation, scale_of(out), off_out, type_min(out.type), type_max(out.type));
  return by_type(ctx, std::move(o), [=](int32_t x, int32_t y) {
    const int32_t v =
        off_out + multiply_by_quantized_multiplier((x + off1) * (y + off2), m.significand, m.shift);
    return std::clamp(v, r.min, r.max);
  });
}

// MAXIMUM / MINIMUM compare stored values directly (inputs and output share quantisation).
Kernel prepare_maximum(const OpContext& ctx) {
  Operands o = make_operands(ctx);
  ctx.expect_type(ctx.output(0), {ctx.input(0).type}, "output");
  if (ctx.input(0).type == ir::DataType::kInt32)
    return elementwise<int32_t, int32_t>(std::move(o),
                                         [](int32_t x, int32_t y) { return std::max(x, y); });
  return by_type(ctx, std::move(o), [](int32_t x, int32_t y) { return std::max(x, y); });
}

Kernel prepare_minimum(const OpContext& ctx) {
  Operands o = make_operands(ctx);
  ctx.expect_type(ctx.output(0), {ctx.input(0).type}, "output");
  if (ctx.input(0).type == ir::DataType::kInt32)
    return elementwise<int32_t, int32_t>(std::move(o),
                                         [](int32_t x, int32_t y) { return std::min(x, y); });
  return by_type(ctx, std::move(o), [](int32_t x, int32_t y) { return std::min(x, y); });
}

// SQUARED_DIFFERENCE: inputs rescaled like ADD (left shift 7 for int8, 0 for int16), the
// difference squared in int32, then one multiplier (twice_max^2 / (2^(2*shift) * so)).
Kernel prepare_squared_difference(const OpContext& ctx) {
  Operands o = make_operands(ctx);
  const ir::Tensor& a = ctx.input(0);
  const ir::Tensor& b = ctx.input(1);
  const ir::Tensor& out = ctx.output(0);
  if (a.type == ir::DataType::kInt32) {
    return elementwise<int32_t, int32_t>(std::move(o), [](int32_t x, int32_t y) {
      const int32_t d = x - y;
      return d * d;
    });
  }
  ctx.expect_type(a, {ir::DataType::kInt8, ir::DataType::kInt16}, "input 1");
  ctx.expect_type(out, {a.type}, "output");
  const int left_shift = a.type == ir::DataType::kInt8 ? 7 : 0;
  const double twice_max = 2.0 * static_cast<double>(std::max(scale_of(a), scale_of(b)));
  const auto m1 = quantize_multiplier(static_cast<double>(scale_of(a)) / twice_max);
  const auto m2 = quantize_multiplier(static_cast<double>(scale_of(b)) / twice_max);
  const float denominator = static_cast<float>(1 << (left_shift * 2)) * scale_of(out);
  const auto mo = quantize_multiplier(twice_max * twice_max / static_cast<double>(denominator));
  const int32_t off1 = -zero_point_of(a), off2 = -zero_point_of(b);
  const int32_t off_out = zero_point_of(out);
  const int32_t lo = type_min(out.type), hi = type_max(out.type);
  return by_type(ctx, std::move(o), [=](int32_t x, int32_t y) {
    const int32_t vx = multiply_by_quantized_multiplier_smaller_than_one_exp(
        (x + off1) * (1 << left_shift), m1.significand, m1.shift);
    const int32_t vy = multiply_by_quantized_multiplier_smaller_than_one_exp(
        (y + off2) * (1 << left_shift), m2.significand, m2.shift);
    const int32_t d = vx - vy;
    const int32_t v = multiply_by_quantized_multiplier(d * d, mo.significand, mo.shift) + off_out;
    return std::clamp(v, lo, hi);
  });
}

}  // namespace euc::refinterp
