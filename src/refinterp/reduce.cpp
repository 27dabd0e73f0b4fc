// MEAN (int8/int16: int32 sums over the reduced axes, the 1/count folded into the multiplier),
// SUM (the same sums rescaled without the 1/count), REDUCE_MAX / REDUCE_MIN (the largest or
// smallest stored value, input and output quantised alike) and ARG_MAX (index of the first
// largest value along one axis).
#include <fmt/format.h>

#include <limits>

#include "refinterp/kernels.hpp"
#include "refinterp/arith.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

std::vector<bool> reduced_axes(const OpContext& ctx, size_t axis_input, size_t rank) {
  std::vector<bool> reduced(rank, false);
  for (int64_t a : ctx.constant_ints(axis_input)) {
    if (a < 0)
      a += static_cast<int64_t>(rank);
    ctx.check(a >= 0 && a < static_cast<int64_t>(rank), fmt::format("axis {} out of range", a));
    reduced[static_cast<size_t>(a)] = true;
  }
  return reduced;
}

// For every input element, the output element it reduces into (C order over the kept axes);
// `count` is the number of input elements reduced into each output element.
struct Reduction {
  std::vector<int32_t> out_of_in;
  int64_t count = 1;
};

Reduction reduction_of(const OpContext& ctx, const ir::Tensor& in, const ir::Tensor& out) {
  const size_t rank = in.shape.size();
  const auto reduced = reduced_axes(ctx, 1, rank);
  Reduction r;
  std::vector<int64_t> out_stride(rank, 0);
  int64_t stride = 1, out_count = 1;
  for (size_t k = rank; k-- > 0;) {
    if (reduced[k]) {
      r.count *= in.shape[k];
    } else {
      out_stride[k] = stride;
      stride *= in.shape[k];
      out_count *= in.shape[k];
    }
  }
  ctx.check(out_count == out.num_elements(),
            fmt::format("output shape {} does not match the reduction", shape_string(out.shape)));
  r.out_of_in.resize(static_cast<size_t>(in.num_elements()));
  std::vector<int32_t> pos(rank, 0);
  int64_t offset = 0;
  for (size_t n = 0; n < r.out_of_in.size(); ++n) {
    r.out_of_in[n] = static_cast<int32_t>(offset);
    for (size_t k = rank; k-- > 0;) {
      offset += out_stride[k];
      if (++pos[k] < in.shape[k])
        break;
      offset -= out_stride[k] * pos[k];
      pos[k] = 0;
    }
  }
  return r;
}

struct MeanParams {
  int input_index, output_index;
  std::vector<int32_t> out_of_in;  // output element of each input element
  int64_t count;
  int32_t input_zero_point, output_zero_point;
  QuantMultiplier m;
};

template <class T>
void run_mean(const MeanParams& p, TensorArena& arena) {
  auto in = arena.in<T>(p.input_index);
  auto out = arena.out<T>(p.output_index);
  std::vector<int32_t> sum(out.size(), 0);
  for (size_t i = 0; i < in.size(); ++i)
    sum[static_cast<size_t>(p.out_of_in[i])] += in[i];
  for (size_t o = 0; o < out.size(); ++o) {
    const auto shifted = static_cast<int32_t>(sum[o] - p.input_zero_point * p.count);
    const int32_t v =
        multiply_by_quantized_multiplier(shifted, p.m.significand, p.m.shift) + p.output_zero_point;
    out[o] = static_cast<T>(
        std::clamp<int32_t>(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  }
}

}  // namespace

namespace {

// MEAN and SUM share TFLite's quantised mean-or-sum: int32 sums minus count x input zero point,
// times the scale ratio (and, for the mean, 1/count), plus the output zero point, clamped.
Kernel prepare_mean_or_sum(const OpContext& ctx, bool sum) {
  ctx.expect_arity(2, 2, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(in, {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(out, {in.type}, "output");
  MeanParams p{};
  p.input_index = ctx.input_index(0);
  p.output_index = ctx.output_index(0);
  p.input_zero_point = zero_point_of(in);
  p.output_zero_point = zero_point_of(out);
  Reduction r = reduction_of(ctx, in, out);
  p.out_of_in = std::move(r.out_of_in);
  p.count = r.count;
  // scale ratio, then 1/count folded in: the significand gains `shift` bits (at most 32 and
  // keeping the total shift >= -31) before the integer division by the count.
  QuantMultiplier m =
      quantize_multiplier(static_cast<double>(scale_of(in)) / static_cast<double>(scale_of(out)));
  if (!sum && p.count > 0) {
    int shift = 63 - __builtin_clzll(static_cast<uint64_t>(p.count));
    shift = std::min(shift, 32);
    shift = std::min(shift, 31 + m.shift);
    m.significand = static_cast<int32_t>((static_cast<int64_t>(m.significand) << shift) / p.count);
    m.shift -= shift;
  }
  p.m = m;
  if (in.type == ir::DataType::kInt8)
    return [p = std::move(p)](TensorArena& a) { run_mean<int8_t>(p, a); };
  return [p = std::move(p)](TensorArena& a) { run_mean<int16_t>(p, a); };
}

template <class T, bool kMax>
void run_extreme(const std::vector<int32_t>& out_of_in, int src, int dst, TensorArena& arena) {
  auto in = arena.in<T>(src);
  auto out = arena.out<T>(dst);
  std::fill(out.begin(), out.end(),
            kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max());
  for (size_t i = 0; i < in.size(); ++i) {
    T& o = out[static_cast<size_t>(out_of_in[i])];
    o = kMax ? std::max(o, in[i]) : std::min(o, in[i]);
  }
}

template <bool kMax>
Kernel prepare_extreme(const OpContext& ctx) {
  ctx.expect_arity(2, 2, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(in, {ir::DataType::kInt8, ir::DataType::kInt16, ir::DataType::kFloat32}, "input");
  ctx.expect_type(out, {in.type}, "output");
  // The values are copied, not requantised: TFLite requires the same quantisation.
  if (in.type != ir::DataType::kFloat32)
    ctx.check(scale_of(in) == scale_of(out) && zero_point_of(in) == zero_point_of(out),
              "input and output must have the same scale and zero point");
  auto map = reduction_of(ctx, in, out).out_of_in;
  const int src = ctx.input_index(0), dst = ctx.output_index(0);
  switch (in.type) {
    case ir::DataType::kInt8:
      return [=, map = std::move(map)](TensorArena& a) {
        run_extreme<int8_t, kMax>(map, src, dst, a);
      };
    case ir::DataType::kInt16:
      return [=, map = std::move(map)](TensorArena& a) {
        run_extreme<int16_t, kMax>(map, src, dst, a);
      };
    default:
      return
          [=, map = std::move(map)](TensorArena& a) { run_extreme<float, kMax>(map, src, dst, a); };
  }
}

}  // namespace

Kernel prepare_mean(const OpContext& ctx) {
  return prepare_mean_or_sum(ctx, false);
}
Kernel prepare_sum(const OpContext& ctx) {
  return prepare_mean_or_sum(ctx, true);
}
Kernel prepare_reduce_max(const OpContext& ctx) {
  return prepare_extreme<true>(ctx);
}
Kernel prepare_reduce_min(const OpContext& ctx) {
  return prepare_extreme<false>(ctx);
}

namespace {

template <class T, class Out>
void run_arg_max(int src, int dst, int64_t outer, int64_t axis_size, int64_t inner,
                 TensorArena& arena) {
  auto in = arena.in<T>(src);
  auto out = arena.out<Out>(dst);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      T best = in[static_cast<size_t>(o * axis_size * inner + i)];
      int64_t best_index = 0;
      for (int64_t a = 1; a < axis_size; ++a) {
        const T v = in[static_cast<size_t>((o * axis_size + a) * inner + i)];
        if (v > best) {
          best = v;
          best_index = a;
        }
      }
      out[static_cast<size_t>(o * inner + i)] = static_cast<Out>(best_index);
    }
}

template <class T>
Kernel arg_max_kernel(bool wide, int src, int dst, int64_t outer, int64_t axis, int64_t inner) {
  if (wide)
    return [=](TensorArena& a) { run_arg_max<T, int64_t>(src, dst, outer, axis, inner, a); };
  return [=](TensorArena& a) { run_arg_max<T, int32_t>(src, dst, outer, axis, inner, a); };
}

}  // namespace

Kernel prepare_arg_max(const OpContext& ctx) {
  ctx.expect_arity(2, 2, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(out, {ir::DataType::kInt32, ir::DataType::kInt64}, "output");
  const auto axis_values = ctx.constant_ints(1);
  ctx.check(axis_values.size() == 1, "axis must be a single value");
  int64_t axis = axis_values[0];
  const auto rank = static_cast<int64_t>(in.shape.size());
  if (axis < 0)
    axis += rank;
  ctx.check(axis >= 0 && axis < rank, fmt::format("axis {} out of range", axis_values[0]));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < axis)
      outer *= in.shape[static_cast<size_t>(d)];
    else if (d > axis)
      inner *= in.shape[static_cast<size_t>(d)];
  }
  ctx.check(out.num_elements() == outer * inner, "output size does not match the reduction");
  const int64_t size = in.shape[static_cast<size_t>(axis)];
  const bool wide = out.type == ir::DataType::kInt64;
  const int src = ctx.input_index(0), dst = ctx.output_index(0);
  switch (in.type) {
    case ir::DataType::kInt8:
      return arg_max_kernel<int8_t>(wide, src, dst, outer, size, inner);
    case ir::DataType::kUInt8:
      return arg_max_kernel<uint8_t>(wide, src, dst, outer, size, inner);
    case ir::DataType::kInt16:
      return arg_max_kernel<int16_t>(wide, src, dst, outer, size, inner);
    case ir::DataType::kInt32:
      return arg_max_kernel<int32_t>(wide, src, dst, outer, size, inner);
    case ir::DataType::kFloat32:
      return arg_max_kernel<float>(wide, src, dst, outer, size, inner);
    default:
      ctx.fail("unsupported input type");
  }
}

}  // namespace euc::refinterp
