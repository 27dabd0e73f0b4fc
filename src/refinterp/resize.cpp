// RESIZE_BILINEAR (integer path: positions in 1/1024 steps, products summed in 2^20 units and
// divided with rounding half away from zero) and RESIZE_NEAREST_NEIGHBOR, on 4-D NHWC tensors.
#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

struct ResizeGeometry {
  int batches, in_h, in_w, depth, out_h, out_w;
  int src, dst;
  size_t elem;
};

ResizeGeometry resize_geometry(const OpContext& ctx) {
  ctx.expect_arity(2, 2, 1);
  const ir::Tensor& in = ctx.input(0);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(out, {in.type}, "output");
  ctx.check(in.shape.size() == 4 && out.shape.size() == 4, "input and output must be 4-D");
  const auto size = ctx.constant_ints(1);
  ctx.check(size.size() == 2, "size must hold [height, width]");
  ctx.check(out.shape[0] == in.shape[0] && out.shape[3] == in.shape[3] && out.shape[1] == size[0] &&
                out.shape[2] == size[1],
            fmt::format("output shape {} does not match the size [{}, {}]", shape_string(out.shape),
                        size[0], size[1]));
  auto elem = ir::element_size(in.type);
  ctx.check(elem.has_value(), "unsupported element type");
  return {in.shape[0],        in.shape[1],         in.shape[2],
          in.shape[3],        out.shape[1],        out.shape[2],
          ctx.input_index(0), ctx.output_index(0), static_cast<size_t>(*elem)};
}

struct Axis {
  int32_t scaled, lo, hi;
};

Axis bilinear_axis(int32_t v, int32_t scale_10, bool half_pixel, int32_t in_size) {
  Axis a{};
  a.scaled = half_pixel ? v * scale_10 + scale_10 / 2 - (1 << 9) : v * scale_10;
  a.lo = std::max(a.scaled / (1 << 10), 0);
  a.hi = std::min((a.scaled + (1 << 10) - 1) / (1 << 10), in_size - 1);
  return a;
}

template <class T>
void run_bilinear(const ResizeGeometry& g, bool align, bool half_pixel, TensorArena& arena) {
  auto in = arena.in<T>(g.src);
  auto out = arena.out<T>(g.dst);
  int32_t h_scale = ((1 << 10) * g.in_h + g.out_h / 2) / g.out_h;
  int32_t w_scale = ((1 << 10) * g.in_w + g.out_w / 2) / g.out_w;
  if (align && g.out_h > 1)
    h_scale = ((1 << 10) * (g.in_h - 1) + (g.out_h - 1) / 2) / (g.out_h - 1);
  if (align && g.out_w > 1)
    w_scale = ((1 << 10) * (g.in_w - 1) + (g.out_w - 1) / 2) / (g.out_w - 1);
  const auto at = [&](int b, int y, int x, int c) {
    return static_cast<int64_t>(
        in[((static_cast<size_t>(b) * g.in_h + y) * g.in_w + x) * g.depth + c]);
  };
  for (int b = 0; b < g.batches; ++b)
    for (int y = 0; y < g.out_h; ++y) {
      const Axis ay = bilinear_axis(y, h_scale, half_pixel, g.in_h);
      const int64_t fy = ay.scaled - (1 << 10) * ay.lo;
      for (int x = 0; x < g.out_w; ++x) {
        const Axis ax = bilinear_axis(x, w_scale, half_pixel, g.in_w);
        const int64_t fx = ax.scaled - (1 << 10) * ax.lo;
        for (int c = 0; c < g.depth; ++c) {
          const int64_t v = at(b, ay.lo, ax.lo, c) * ((1 << 10) - fy) * ((1 << 10) - fx) +
                            at(b, ay.hi, ax.lo, c) * fy * ((1 << 10) - fx) +
                            at(b, ay.lo, ax.hi, c) * ((1 << 10) - fy) * fx +
                            at(b, ay.hi, ax.hi, c) * fy * fx;
          const int64_t round = v > 0 ? (1 << 19) : -(1 << 19);
          out[((static_cast<size_t>(b) * g.out_h + y) * g.out_w + x) * g.depth + c] =
              static_cast<T>((v + round) / (1 << 20));
        }
      }
    }
}

int32_t nearest(int v, int in_size, int out_size, bool align, bool half_pixel) {
  const float scale = align && out_size > 1
                          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                          : static_cast<float>(in_size) / static_cast<float>(out_size);
  const float offset = half_pixel ? 0.5f : 0.0f;
  const float pos = (static_cast<float>(v) + offset) * scale;
  int32_t r = std::min(
      align ? static_cast<int32_t>(std::round(pos)) : static_cast<int32_t>(std::floor(pos)),
      in_size - 1);
  if (half_pixel)
    r = std::max(0, r);
  return r;
}

}  // namespace

Kernel prepare_resize_bilinear(const OpContext& ctx) {
  const ResizeGeometry g = resize_geometry(ctx);
  const auto* opt = tfl::builtin_options_as<tflite::ResizeBilinearOptions>(ctx.op());
  const bool align = opt && opt->align_corners();
  const bool half = opt && opt->half_pixel_centers();
  switch (ctx.input(0).type) {
    case ir::DataType::kInt8:
      return [=](TensorArena& a) { run_bilinear<int8_t>(g, align, half, a); };
    case ir::DataType::kInt16:
      return [=](TensorArena& a) { run_bilinear<int16_t>(g, align, half, a); };
    case ir::DataType::kUInt8:
      return [=](TensorArena& a) { run_bilinear<uint8_t>(g, align, half, a); };
    default:
      ctx.fail("unsupported input type");
  }
}

Kernel prepare_resize_nearest(const OpContext& ctx) {
  const ResizeGeometry g = resize_geometry(ctx);
  const auto* opt = tfl::builtin_options_as<tflite::ResizeNearestNeighborOptions>(ctx.op());
  const bool align = opt && opt->align_corners();
  const bool half = opt && opt->half_pixel_centers();
  std::vector<int32_t> ys(static_cast<size_t>(g.out_h)), xs(static_cast<size_t>(g.out_w));
  for (int y = 0; y < g.out_h; ++y)
    ys[static_cast<size_t>(y)] = nearest(y, g.in_h, g.out_h, align, half);
  for (int x = 0; x < g.out_w; ++x)
    xs[static_cast<size_t>(x)] = nearest(x, g.in_w, g.out_w, align, half);
  return [=](TensorArena& a) {
    const uint8_t* in = a.bytes(g.src).data();
    uint8_t* out = a.bytes(g.dst).data();
    const size_t pixel = g.elem * static_cast<size_t>(g.depth);
    for (int b = 0; b < g.batches; ++b)
      for (int y = 0; y < g.out_h; ++y)
        for (int x = 0; x < g.out_w; ++x) {
          const size_t src =
              (static_cast<size_t>(b) * g.in_h + ys[static_cast<size_t>(y)]) * g.in_w +
              xs[static_cast<size_t>(x)];
          const size_t dst = (static_cast<size_t>(b) * g.out_h + y) * g.out_w + x;
          std::memcpy(out + dst * pixel, in + src * pixel, pixel);
        }
  };
}

}  // namespace euc::refinterp
