// QUANTIZE (float -> integer, or integer requantisation with multiplier in_scale / out_scale)
// and DEQUANTIZE (integer -> float32).
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "refinterp/kernels.hpp"
#include "refinterp/arith.hpp"

namespace euc::refinterp {
namespace {

template <class In, class Out>
Kernel requantize(int src, int dst, QuantMultiplier m, int32_t in_zp, int32_t out_zp) {
  return [=](TensorArena& a) {
    auto in = a.in<In>(src);
    auto out = a.out<Out>(dst);
    for (size_t i = 0; i < in.size(); ++i) {
      const int32_t v = multiply_by_quantized_multiplier(static_cast<int32_t>(in[i]) - in_zp,
                                                         m.significand, m.shift) +
                        out_zp;
      out[i] = static_cast<Out>(
          std::clamp<int32_t>(v, std::numeric_limits<Out>::min(), std::numeric_limits<Out>::max()));
    }
  };
}

template <class In>
Kernel requantize_to(const OpContext& ctx, int src, int dst, QuantMultiplier m, int32_t in_zp,
                     int32_t out_zp) {
  switch (ctx.output(0).type) {
    case ir::DataType::kInt8:
      return requantize<In, int8_t>(src, dst, m, in_zp, out_zp);
    case ir::DataType::kUInt8:
      return requantize<In, uint8_t>(src, dst, m, in_zp, out_zp);
    case ir::DataType::kInt16:
      return requantize<In, int16_t>(src, dst, m, in_zp, out_zp);
    case ir::DataType::kInt32:
      return requantize<In, int32_t>(src, dst, m, in_zp, out_zp);
    default:
      ctx.fail("unsupported output type");
  }
}

template <class Out>
Kernel quantize_float(int src, int dst, float scale, int32_t zp) {
  return [=](TensorArena& a) {
    auto in = a.in<float>(src);
    auto out = a.out<Out>(dst);
    for (size_t i = 0; i < in.size(); ++i) {
      const int32_t v = static_cast<int32_t>(std::round(in[i] / scale)) + zp;
      out[i] = static_cast<Out>(
          std::clamp<int32_t>(v, std::numeric_limits<Out>::min(), std::numeric_limits<Out>::max()));
    }
  };
}

template <class In>
Kernel dequantize(int src, int dst, double scale, int32_t zp) {
  return [=](TensorArena& a) {
    auto in = a.in<In>(src);
    auto out = a.out<float>(dst);
    for (size_t i = 0; i < in.size(); ++i)
      out[i] = static_cast<float>(scale * (static_cast<int32_t>(in[i]) - zp));
  };
}

}  // namespace

Kernel prepare_quantize(const OpContext& ctx) {
  ctx.expect_arity(1, 1, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(in,
                  {ir::DataType::kFloat32, ir::DataType::kInt8, ir::DataType::kUInt8,
                   ir::DataType::kInt16, ir::DataType::kInt32},
                  "input");
  ctx.expect_type(
      out, {ir::DataType::kInt8, ir::DataType::kUInt8, ir::DataType::kInt16, ir::DataType::kInt32},
      "output");
  ctx.check(out.quantization && out.quantization->scale.size() == 1,
            "output needs one quantisation scale");
  ctx.check(in.num_elements() == out.num_elements(), "input and output sizes differ");
  const int src = ctx.input_index(0), dst = ctx.output_index(0);
  const int32_t out_zp = zero_point_of(out);
  if (in.type == ir::DataType::kFloat32) {
    const float s = scale_of(out);
    switch (out.type) {
      case ir::DataType::kInt8:
        return quantize_float<int8_t>(src, dst, s, out_zp);
      case ir::DataType::kUInt8:
        return quantize_float<uint8_t>(src, dst, s, out_zp);
      case ir::DataType::kInt16:
        return quantize_float<int16_t>(src, dst, s, out_zp);
      default:
        return quantize_float<int32_t>(src, dst, s, out_zp);
    }
  }
  const auto m =
      quantize_multiplier(static_cast<double>(scale_of(in)) / static_cast<double>(scale_of(out)));
  const int32_t in_zp = zero_point_of(in);
  switch (in.type) {
    case ir::DataType::kInt8:
      return requantize_to<int8_t>(ctx, src, dst, m, in_zp, out_zp);
    case ir::DataType::kUInt8:
      return requantize_to<uint8_t>(ctx, src, dst, m, in_zp, out_zp);
    case ir::DataType::kInt16:
      return requantize_to<int16_t>(ctx, src, dst, m, in_zp, out_zp);
    default:
      return requantize_to<int32_t>(ctx, src, dst, m, in_zp, out_zp);
  }
}

Kernel prepare_dequantize(const OpContext& ctx) {
  ctx.expect_arity(1, 1, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(in, {ir::DataType::kInt8, ir::DataType::kUInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(out, {ir::DataType::kFloat32}, "output");
  ctx.check(in.num_elements() == out.num_elements(), "input and output sizes differ");
  const int src = ctx.input_index(0), dst = ctx.output_index(0);
  const double s = scale_of(in);
  const int32_t zp = zero_point_of(in);
  switch (in.type) {
    case ir::DataType::kInt8:
      return dequantize<int8_t>(src, dst, s, zp);
    case ir::DataType::kUInt8:
      return dequantize<uint8_t>(src, dst, s, zp);
    default:
      return dequantize<int16_t>(src, dst, s, zp);
  }
}

}  // namespace euc::refinterp
