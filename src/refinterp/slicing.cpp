// Index-remapping operators: SLICE, STRIDED_SLICE, TRANSPOSE, PAD, PADV2, MIRROR_PAD and
// REVERSE_V2. Preparation
// computes, for every output element, the input element it copies (or -1 for padding), so the
// run is one gather whatever the rank.
#include <fmt/format.h>

#include <cstring>

#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

std::vector<int64_t> strides_of(std::span<const int32_t> shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    s[i - 1] = s[i] * shape[i];
  return s;
}

// Calls f(output multi-index) for each output element in C order.
template <class F>
void for_each_index(std::span<const int32_t> shape, F f) {
  const int64_t total = flat_size(shape);
  std::vector<int32_t> pos(shape.size(), 0);
  for (int64_t n = 0; n < total; ++n) {
    f(pos);
    for (size_t k = shape.size(); k-- > 0;) {
      if (++pos[k] < shape[k])
        break;
      pos[k] = 0;
    }
  }
}

// Copies input[map[i]] (or the pad bytes when map[i] < 0) to output element i.
Kernel gather(const OpContext& ctx, std::vector<int32_t> map, std::vector<uint8_t> pad_value) {
  const size_t es = static_cast<size_t>(ir::element_size(ctx.output(0).type).value_or(1));
  const int src = ctx.input_index(0), dst = ctx.output_index(0);
  return [=, map = std::move(map), pad = std::move(pad_value)](TensorArena& a) {
    const uint8_t* in = a.bytes(src).data();
    uint8_t* out = a.bytes(dst).data();
    for (size_t i = 0; i < map.size(); ++i) {
      if (map[i] >= 0)
        std::memcpy(out + i * es, in + static_cast<size_t>(map[i]) * es, es);
      else
        std::memcpy(out + i * es, pad.data(), es);
    }
  };
}

void check_io(const OpContext& ctx) {
  ctx.expect_type(ctx.output(0), {ctx.input(0).type}, "output");
  ctx.check(ir::element_size(ctx.input(0).type).has_value(), "unsupported element type");
}

// Per-axis start and step of a slice; the output shape gives the counts.
Kernel strided_gather(const OpContext& ctx, const std::vector<int64_t>& start,
                      const std::vector<int64_t>& step, const std::vector<int32_t>& counts) {
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.check(flat_size(counts) == out.num_elements(),
            fmt::format("output shape {} differs from the computed {}", shape_string(out.shape),
                        shape_string(counts)));
  const auto stride = strides_of(in.shape);
  std::vector<int32_t> map;
  map.reserve(static_cast<size_t>(out.num_elements()));
  for_each_index(counts, [&](const std::vector<int32_t>& pos) {
    int64_t offset = 0;
    for (size_t d = 0; d < pos.size(); ++d)
      offset += (start[d] + pos[d] * step[d]) * stride[d];
    map.push_back(static_cast<int32_t>(offset));
  });
  return gather(ctx, std::move(map), {});
}

}  // namespace

Kernel prepare_slice(const OpContext& ctx) {
  ctx.expect_arity(3, 3, 1);
  check_io(ctx);
  const ir::Tensor& in = ctx.input(0);
  const auto begin = ctx.constant_ints(1);
  const auto size = ctx.constant_ints(2);
  const size_t rank = in.shape.size();
  ctx.check(begin.size() == rank && size.size() == rank, "begin and size must match the rank");
  std::vector<int64_t> start(rank), step(rank, 1);
  std::vector<int32_t> counts(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t dim = in.shape[d];
    const int64_t n = size[d] < 0 ? dim - begin[d] : size[d];
    ctx.check(begin[d] >= 0 && n >= 0 && begin[d] + n <= dim,
              fmt::format("slice [{}, +{}) is outside axis {} of size {}", begin[d], n, d, dim));
    start[d] = begin[d];
    counts[d] = static_cast<int32_t>(n);
  }
  return strided_gather(ctx, start, step, counts);
}

Kernel prepare_strided_slice(const OpContext& ctx) {
  ctx.expect_arity(3, 4, 1);
  check_io(ctx);
  const ir::Tensor& in = ctx.input(0);
  const auto* opt = tfl::builtin_options_as<tflite::StridedSliceOptions>(ctx.op());
  const int begin_mask = opt ? opt->begin_mask() : 0;
  const int end_mask = opt ? opt->end_mask() : 0;
  const int shrink_mask = opt ? opt->shrink_axis_mask() : 0;
  const bool offset = opt && opt->offset();
  ctx.check(!opt || (opt->ellipsis_mask() == 0 && opt->new_axis_mask() == 0),
            "ellipsis and new-axis masks are not supported");
  const size_t rank = in.shape.size();
  const auto begin = ctx.constant_ints(1);
  const auto end = ctx.constant_ints(2);
  std::vector<int64_t> strides(rank, 1);
  if (ctx.has_input(3))
    strides = ctx.constant_ints(3);
  ctx.check(begin.size() == rank && end.size() == rank && strides.size() == rank,
            "begin, end and strides must match the input rank");
  std::vector<int64_t> start(rank);
  std::vector<int32_t> counts(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t dim = in.shape[d];
    const int64_t s = strides[d];
    ctx.check(s != 0, "stride 0");
    const auto clamp_index = [&](int64_t v) {
      if (v < 0)
        v += dim;
      return s > 0 ? std::clamp<int64_t>(v, 0, dim) : std::clamp<int64_t>(v, -1, dim - 1);
    };
    int64_t first = (begin_mask >> d) & 1 ? (s > 0 ? 0 : dim - 1) : clamp_index(begin[d]);
    int64_t stop;
    if ((shrink_mask >> d) & 1) {
      first = begin[d] < 0 ? begin[d] + dim : begin[d];
      stop = first + 1;
    } else if ((end_mask >> d) & 1) {
      stop = s > 0 ? dim : -1;
    } else {
      stop = clamp_index(offset ? begin[d] + end[d] : end[d]);
    }
    int64_t n = 0;
    if (s > 0 && stop > first)
      n = (stop - first + s - 1) / s;
    else if (s < 0 && stop < first)
      n = (first - stop + (-s) - 1) / (-s);
    start[d] = first;
    counts[d] = static_cast<int32_t>(n);
  }
  return strided_gather(ctx, start, strides, counts);
}

Kernel prepare_transpose(const OpContext& ctx) {
  ctx.expect_arity(2, 2, 1);
  check_io(ctx);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  const auto perm = ctx.constant_ints(1);
  const size_t rank = in.shape.size();
  ctx.check(perm.size() == rank && out.shape.size() == rank, "permutation must match the rank");
  std::vector<int32_t> expected(rank);
  std::vector<bool> seen(rank, false);
  for (size_t d = 0; d < rank; ++d) {
    ctx.check(perm[d] >= 0 && perm[d] < static_cast<int64_t>(rank) && !seen[perm[d]],
              "invalid permutation");
    seen[static_cast<size_t>(perm[d])] = true;
    expected[d] = in.shape[static_cast<size_t>(perm[d])];
  }
  ctx.check(out.shape == expected, fmt::format("output shape {} differs from the computed {}",
                                               shape_string(out.shape), shape_string(expected)));
  const auto stride = strides_of(in.shape);
  std::vector<int32_t> map;
  map.reserve(static_cast<size_t>(out.num_elements()));
  for_each_index(out.shape, [&](const std::vector<int32_t>& pos) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d)
      offset += pos[d] * stride[static_cast<size_t>(perm[d])];
    map.push_back(static_cast<int32_t>(offset));
  });
  return gather(ctx, std::move(map), {});
}

// PAD fills with the output zero point (0 for unquantised tensors); PADV2 with its constant.
Kernel prepare_pad(const OpContext& ctx) {
  ctx.expect_arity(2, 3, 1);
  check_io(ctx);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  const auto pads = ctx.constant_ints(1);
  const size_t rank = in.shape.size();
  ctx.check(pads.size() == 2 * rank && out.shape.size() == rank,
            "paddings must be [rank, 2] and the output of the same rank");
  for (size_t d = 0; d < rank; ++d)
    ctx.check(pads[2 * d] >= 0 && pads[2 * d + 1] >= 0 &&
                  in.shape[d] + pads[2 * d] + pads[2 * d + 1] == out.shape[d],
              fmt::format("paddings do not give output shape {}", shape_string(out.shape)));
  const size_t es = static_cast<size_t>(ir::element_size(out.type).value());
  std::vector<uint8_t> pad_value(es, 0);
  if (ctx.has_input(2)) {
    ctx.expect_type(ctx.input(2), {in.type}, "constant value");
    auto v = ctx.constant_bytes(2);
    ctx.check(v.size() == es, "the pad value must be one element");
    std::memcpy(pad_value.data(), v.data(), es);
  } else {
    const int64_t zp = zero_point_of(out);
    std::memcpy(pad_value.data(), &zp, std::min<size_t>(es, sizeof(zp)));  // little-endian
  }
  const auto stride = strides_of(in.shape);
  std::vector<int32_t> map;
  map.reserve(static_cast<size_t>(out.num_elements()));
  for_each_index(out.shape, [&](const std::vector<int32_t>& pos) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t p = pos[d] - pads[2 * d];
      if (p < 0 || p >= in.shape[d]) {
        offset = -1;
        break;
      }
      offset += p * stride[d];
    }
    map.push_back(static_cast<int32_t>(offset));
  });
  return gather(ctx, std::move(map), std::move(pad_value));
}

// MIRROR_PAD: a padded position outside the input reads its mirror image. REFLECT mirrors about
// the edge element (pads up to size - 1), SYMMETRIC about the edge itself (pads up to size).
Kernel prepare_mirror_pad(const OpContext& ctx) {
  ctx.expect_arity(2, 2, 1);
  check_io(ctx);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  const auto* opt = tfl::builtin_options_as<tflite::MirrorPadOptions>(ctx.op());
  const bool symmetric = opt != nullptr && opt->mode() == tflite::MirrorPadMode::SYMMETRIC;
  const int64_t offset = symmetric ? 0 : 1;
  const auto pads = ctx.constant_ints(1);
  const size_t rank = in.shape.size();
  ctx.check(pads.size() == 2 * rank && out.shape.size() == rank,
            "paddings must be [rank, 2] and the output of the same rank");
  for (size_t d = 0; d < rank; ++d) {
    const int64_t limit = in.shape[d] - offset;
    ctx.check(pads[2 * d] >= 0 && pads[2 * d + 1] >= 0 && pads[2 * d] <= limit &&
                  pads[2 * d + 1] <= limit,
              fmt::format("paddings of axis {} must lie in [0, {}] for {} mode", d, limit,
                          symmetric ? "SYMMETRIC" : "REFLECT"));
    ctx.check(in.shape[d] + pads[2 * d] + pads[2 * d + 1] == out.shape[d],
              fmt::format("paddings do not give output shape {}", shape_string(out.shape)));
  }
  const auto stride = strides_of(in.shape);
  std::vector<int32_t> map;
  map.reserve(static_cast<size_t>(out.num_elements()));
  for_each_index(out.shape, [&](const std::vector<int32_t>& pos) {
    int64_t at = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t size = in.shape[d];
      int64_t p = pos[d] - pads[2 * d];
      if (p < 0)
        p = -p - 1 + offset;
      else if (p >= size)
        p = 2 * size - 1 - p - offset;
      at += p * stride[d];
    }
    map.push_back(static_cast<int32_t>(at));
  });
  return gather(ctx, std::move(map), {});
}

// REVERSE_V2: the order of the elements along each listed axis is reversed.
Kernel prepare_reverse_v2(const OpContext& ctx) {
  ctx.expect_arity(2, 2, 1);
  check_io(ctx);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_same_shape(in, out, "output");
  const size_t rank = in.shape.size();
  std::vector<bool> reversed(rank, false);
  for (int64_t a : ctx.constant_ints(1)) {
    const int64_t axis = a < 0 ? a + static_cast<int64_t>(rank) : a;
    ctx.check(
        axis >= 0 && axis < static_cast<int64_t>(rank) && !reversed[static_cast<size_t>(axis)],
        fmt::format("axis {} is out of range or repeated", a));
    reversed[static_cast<size_t>(axis)] = true;
  }
  const auto stride = strides_of(in.shape);
  std::vector<int32_t> map;
  map.reserve(static_cast<size_t>(out.num_elements()));
  for_each_index(out.shape, [&](const std::vector<int32_t>& pos) {
    int64_t at = 0;
    for (size_t d = 0; d < rank; ++d)
      at += (reversed[d] ? in.shape[d] - 1 - pos[d] : pos[d]) * stride[d];
    map.push_back(static_cast<int32_t>(at));
  });
  return gather(ctx, std::move(map), {});
}

}  // namespace euc::refinterp
