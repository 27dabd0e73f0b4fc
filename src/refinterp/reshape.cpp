// Operators that only move bytes: RESHAPE, SQUEEZE, EXPAND_DIMS (a copy), SHAPE, and the
// joins and splits along one axis: CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V. Element types
// are copied unchanged, so every fixed-size type works; quantisation must already agree.
#include <fmt/format.h>

#include <cstring>

#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

size_t elem_size(const OpContext& ctx, const ir::Tensor& t) {
  auto s = ir::element_size(t.type);
  ctx.check(s.has_value(),
            fmt::format("tensor '{}' has unsupported type {}", t.name, ir::data_type_name(t.type)));
  return static_cast<size_t>(*s);
}

int normalise_axis(const OpContext& ctx, int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < 0)
    axis += r;
  ctx.check(axis >= 0 && axis < r, fmt::format("axis {} is out of range for rank {}", axis, rank));
  return static_cast<int>(axis);
}

int64_t product(std::span<const int32_t> dims, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < dims.size(); ++i)
    n *= dims[i];
  return n;
}

// One side of a join or split: a tensor and how many bytes it contributes per outer step.
struct Piece {
  int tensor;
  size_t chunk;
};

// Interleaves pieces into one tensor (join) or the reverse (split), `outer` times.
Kernel join_or_split(int whole, std::vector<Piece> pieces, int64_t outer, bool join) {
  return [=](TensorArena& a) {
    size_t pos = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (const Piece& p : pieces) {
        if (join)
          std::memcpy(a.bytes(whole).data() + pos, a.bytes(p.tensor).data() + o * p.chunk, p.chunk);
        else
          std::memcpy(a.bytes(p.tensor).data() + o * p.chunk, a.bytes(whole).data() + pos, p.chunk);
        pos += p.chunk;
      }
  };
}

// Split `whole` along `axis` into the operator's outputs (their shapes say the sizes).
Kernel split_into_outputs(const OpContext& ctx, size_t whole_input, int64_t axis_value) {
  const ir::Tensor& in = ctx.input(whole_input);
  const int axis = normalise_axis(ctx, axis_value, in.shape.size());
  const size_t es = elem_size(ctx, in);
  const int64_t inner = product(in.shape, static_cast<size_t>(axis) + 1, in.shape.size());
  std::vector<Piece> pieces;
  int64_t total = 0;
  for (size_t k = 0; k < ctx.num_outputs(); ++k) {
    const ir::Tensor& out = ctx.output(k);
    ctx.expect_type(out, {in.type}, "output");
    ctx.check(
        out.shape.size() == in.shape.size(),
        fmt::format("output {} has rank {}, input has {}", k, out.shape.size(), in.shape.size()));
    const int32_t size = out.shape[static_cast<size_t>(axis)];
    total += size;
    pieces.push_back({ctx.output_index(k), static_cast<size_t>(size * inner) * es});
  }
  ctx.check(total == in.shape[static_cast<size_t>(axis)],
            fmt::format("outputs add up to {} along axis {}, input has {}", total, axis,
                        in.shape[static_cast<size_t>(axis)]));
  return join_or_split(ctx.input_index(whole_input), std::move(pieces),
                       product(in.shape, 0, static_cast<size_t>(axis)), false);
}

}  // namespace

Kernel prepare_reshape(const OpContext& ctx) {
  ctx.check(ctx.num_inputs() >= 1 && ctx.num_outputs() == 1, "expects an input and one output");
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(out, {in.type}, "output");
  ctx.check(in.num_elements() == out.num_elements(),
            fmt::format("input {} and output {} have different sizes", shape_string(in.shape),
                        shape_string(out.shape)));
  const int src = ctx.input_index(0), dst = ctx.output_index(0);
  return [=](TensorArena& a) { a.bytes(dst) = a.bytes(src); };
}

Kernel prepare_shape(const OpContext& ctx) {
  ctx.expect_arity(1, 1, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(out, {ir::DataType::kInt32, ir::DataType::kInt64}, "output");
  ctx.check(out.num_elements() == static_cast<int64_t>(in.shape.size()),
            "output size differs from the input rank");
  const int dst = ctx.output_index(0);
  const bool wide = out.type == ir::DataType::kInt64;
  const std::vector<int32_t> dims = in.shape;
  return [=](TensorArena& a) {
    for (size_t i = 0; i < dims.size(); ++i) {
      if (wide)
        a.out<int64_t>(dst)[i] = dims[i];
      else
        a.out<int32_t>(dst)[i] = dims[i];
    }
  };
}

Kernel prepare_concatenation(const OpContext& ctx) {
  ctx.check(ctx.num_inputs() >= 1 && ctx.num_outputs() == 1, "expects inputs and one output");
  const auto* opt = tfl::builtin_options_as<tflite::ConcatenationOptions>(ctx.op());
  const ir::Tensor& out = ctx.output(0);
  const int axis = normalise_axis(ctx, opt ? opt->axis() : 0, out.shape.size());
  ctx.check(!opt || opt->fused_activation_function() == tflite::ActivationFunctionType::NONE,
            "fused activation on CONCATENATION is not supported");
  const size_t es = elem_size(ctx, out);
  const int64_t inner = product(out.shape, static_cast<size_t>(axis) + 1, out.shape.size());
  std::vector<Piece> pieces;
  int64_t total = 0;
  for (size_t k = 0; k < ctx.num_inputs(); ++k) {
    const ir::Tensor& in = ctx.input(k);
    ctx.expect_type(in, {out.type}, "input");
    ctx.check(
        in.shape.size() == out.shape.size(),
        fmt::format("input {} has rank {}, output has {}", k, in.shape.size(), out.shape.size()));
    for (size_t d = 0; d < in.shape.size(); ++d)
      ctx.check(static_cast<int>(d) == axis || in.shape[d] == out.shape[d],
                fmt::format("input {} shape {} does not match output {} off the axis", k,
                            shape_string(in.shape), shape_string(out.shape)));
    const int32_t size = in.shape[static_cast<size_t>(axis)];
    total += size;
    pieces.push_back({ctx.input_index(k), static_cast<size_t>(size * inner) * es});
  }
  ctx.check(total == out.shape[static_cast<size_t>(axis)], "inputs do not add up to the output");
  return join_or_split(ctx.output_index(0), std::move(pieces),
                       product(out.shape, 0, static_cast<size_t>(axis)), true);
}

Kernel prepare_pack(const OpContext& ctx) {
  ctx.check(ctx.num_inputs() >= 1 && ctx.num_outputs() == 1, "expects inputs and one output");
  const auto* opt = tfl::builtin_options_as<tflite::PackOptions>(ctx.op());
  const ir::Tensor& out = ctx.output(0);
  const int axis = normalise_axis(ctx, opt ? opt->axis() : 0, out.shape.size());
  ctx.check(out.shape[static_cast<size_t>(axis)] == static_cast<int32_t>(ctx.num_inputs()),
            "output size along the axis differs from the input count");
  const size_t es = elem_size(ctx, out);
  std::vector<Piece> pieces;
  for (size_t k = 0; k < ctx.num_inputs(); ++k) {
    const ir::Tensor& in = ctx.input(k);
    ctx.expect_type(in, {out.type}, "input");
    ctx.check(in.num_elements() * static_cast<int64_t>(ctx.num_inputs()) == out.num_elements(),
              fmt::format("input {} shape {} does not fit output {}", k, shape_string(in.shape),
                          shape_string(out.shape)));
    const int64_t inner = product(in.shape, static_cast<size_t>(axis), in.shape.size());
    pieces.push_back({ctx.input_index(k), static_cast<size_t>(inner) * es});
  }
  return join_or_split(ctx.output_index(0), std::move(pieces),
                       product(out.shape, 0, static_cast<size_t>(axis)), true);
}

Kernel prepare_unpack(const OpContext& ctx) {
  ctx.check(ctx.num_inputs() == 1 && ctx.num_outputs() >= 1, "expects one input and outputs");
  const auto* opt = tfl::builtin_options_as<tflite::UnpackOptions>(ctx.op());
  const ir::Tensor& in = ctx.input(0);
  const int axis = normalise_axis(ctx, opt ? opt->axis() : 0, in.shape.size());
  ctx.check(in.shape[static_cast<size_t>(axis)] == static_cast<int32_t>(ctx.num_outputs()),
            "input size along the axis differs from the output count");
  const size_t es = elem_size(ctx, in);
  const int64_t inner = product(in.shape, static_cast<size_t>(axis) + 1, in.shape.size());
  std::vector<Piece> pieces;
  for (size_t k = 0; k < ctx.num_outputs(); ++k) {
    ctx.expect_type(ctx.output(k), {in.type}, "output");
    ctx.check(
        ctx.output(k).num_elements() * static_cast<int64_t>(ctx.num_outputs()) == in.num_elements(),
        fmt::format("output {} does not fit the input", k));
    pieces.push_back({ctx.output_index(k), static_cast<size_t>(inner) * es});
  }
  return join_or_split(ctx.input_index(0), std::move(pieces),
                       product(in.shape, 0, static_cast<size_t>(axis)), false);
}

Kernel prepare_split(const OpContext& ctx) {
  ctx.check(ctx.num_inputs() == 2 && ctx.num_outputs() >= 1, "expects 2 inputs and outputs");
  const auto axis = ctx.constant_ints(0);
  ctx.check(axis.size() == 1, "axis must be a single value");
  return split_into_outputs(ctx, 1, axis[0]);
}

Kernel prepare_split_v(const OpContext& ctx) {
  ctx.check(ctx.num_inputs() == 3 && ctx.num_outputs() >= 1, "expects 3 inputs and outputs");
  const auto axis = ctx.constant_ints(2);
  ctx.check(axis.size() == 1, "axis must be a single value");
  return split_into_outputs(ctx, 0, axis[0]);
}

}  // namespace euc::refinterp
