#include "arch/block_dependency.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace euc::arch {
namespace {

BlockArea clip(BlockArea a, const ir::Shape4& s) {
  a.y0 = std::max(a.y0, 0);
  a.x0 = std::max(a.x0, 0);
  a.c0 = std::max(a.c0, 0);
  a.y1 = std::min(a.y1, s.h);
  a.x1 = std::min(a.x1, s.w);
  a.c1 = std::min(a.c1, s.c);
  return a;
}

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t block_count(const WalkedKernel& k) {
  const ir::Shape4& s = k.ofm;
  return ceil_div(s.h, k.block_height) * ceil_div(s.w, k.block_width) *
         ceil_div(s.c, k.block_depth);
}

// OFM block `index` in walk order: depth fastest, then columns, then rows.
BlockArea ofm_block(const WalkedKernel& k, int64_t index) {
  const ir::Shape4& s = k.ofm;
  const int64_t depth_blocks = ceil_div(s.c, k.block_depth);
  const int64_t width_blocks = ceil_div(s.w, k.block_width);
  const auto z = static_cast<int>(index % depth_blocks);
  const auto x = static_cast<int>(index / depth_blocks % width_blocks);
  const auto y = static_cast<int>(index / (depth_blocks * width_blocks));
  return clip(BlockArea{y * k.block_height, (y + 1) * k.block_height, x * k.block_width,
                        (x + 1) * k.block_width, z * k.block_depth, (z + 1) * k.block_depth},
              s);
}

// Input rows (or columns) [lo, hi) output rows [o0, o1) read, the extent rounded out to the IFM
// micro-block, through the upscaling.
std::pair<int, int> input_span(int o0, int o1, int stride, int dilation, int size, int pad,
                               int ublock, int upscale, int limit) {
  const int64_t first = int64_t{o0} * stride - pad;
  const int64_t extent = int64_t{o1 - 1 - o0} * stride + int64_t{dilation} * (size - 1) + 1;
  const int64_t unit = std::max(ublock, 1);
  const int64_t last = first + ceil_div(extent, unit) * unit - 1;
  const int64_t lo = std::max<int64_t>(0, floor_div(first, upscale));
  const int64_t hi = std::min<int64_t>(limit, floor_div(last, upscale) + 1);
  if (hi <= lo)
    return {0, 0};
  return {static_cast<int>(lo), static_cast<int>(hi)};
}

BlockArea ifm_area(const WalkedKernel& k, const BlockArea& o, const AcceleratorConfig& acc) {
  const ir::Shape4& in = k.ifm;
  BlockArea a{o.y0, o.y1, o.x0, o.x1, o.c0, o.c1};
  if (k.kernel != NpuKernel::kElementwise) {
    const int up = k.upscale == ir::Upscale::kNone ? 1 : 2;
    const auto [y0, y1] =
        input_span(o.y0, o.y1, k.window.stride_y, k.window.dilation_y, k.window.height,
                   k.padding.top, acc.ifm_ublock.height, up, in.h);
    const auto [x0, x1] =
        input_span(o.x0, o.x1, k.window.stride_x, k.window.dilation_x, k.window.width,
                   k.padding.left, acc.ifm_ublock.width, up, in.w);
    a = BlockArea{y0, y1, x0, x1, o.c0, o.c1};
  }
  if (k.kernel == NpuKernel::kConvolution || k.reduces_depth || in.c != k.ofm.c) {
    a.c0 = 0;
    a.c1 = in.c;
  }
  return clip(a, in);
}

BlockArea ifm2_area(const WalkedKernel& k, const BlockArea& o) {
  const ir::Shape4& in = *k.ifm2;
  const ir::Shape4& out = k.ofm;
  auto axis = [](int lo, int hi, int size, int out_size) {
    return size == out_size ? std::pair(lo, hi) : std::pair(0, size);
  };
  const auto [y0, y1] = axis(o.y0, o.y1, in.h, out.h);
  const auto [x0, x1] = axis(o.x0, o.x1, in.w, out.w);
  const auto [c0, c1] = axis(o.c0, o.c1, in.c, out.c);
  return clip(BlockArea{y0, y1, x0, x1, c0, c1}, in);
}

// IFM channels one job of `k` reads: 0 for kernels that run one job per OFM block.
std::vector<int> job_depths(const WalkedKernel& k) {
  if (k.kernel != NpuKernel::kConvolution)
    return {0};
  switch (k.ifm_element_size) {
    case 1:
      return {32, 16};
    case 2:
      return {16};
    default:
      return {8};
  }
}

bool safe(const WalkedKernel& prev, const WalkedKernel& next, int b, const AcceleratorConfig& acc,
          const BlockOverlap& overlaps) {
  const int64_t prev_blocks = block_count(prev);
  for (const int depth : job_depths(next)) {
    const int64_t slices = depth > 0 ? ceil_div(next.ifm.c, depth) : 1;
    const int64_t jobs = block_count(next) * slices;
    for (int64_t f = 0; f < std::min<int64_t>(b, jobs); ++f) {
      const BlockArea block = ofm_block(next, f / slices);
      BlockArea in = ifm_area(next, block, acc);
      if (depth > 0) {
        const auto c0 = static_cast<int>(f % slices * depth);
        in.c0 = std::max(in.c0, c0);
        in.c1 = std::min(in.c1, c0 + depth);
      }
      const BlockArea in2 = next.ifm2 ? ifm2_area(next, block) : BlockArea{};
      for (int64_t back = 1; back <= std::min<int64_t>(b - f, prev_blocks); ++back) {
        const BlockArea written = ofm_block(prev, prev_blocks - back);
        if (written.empty())
          continue;
        if (!in.empty() && overlaps(false, in, written))
          return false;
        if (next.ifm2 && !in2.empty() && overlaps(true, in2, written))
          return false;
      }
    }
  }
  return true;
}

}  // namespace

int block_dependency(const WalkedKernel& previous, const WalkedKernel& next, bool lut_loaded,
                     const AcceleratorConfig& accelerator, int max, const BlockOverlap& overlaps) {
  if (lut_loaded)
    return 0;
  if (!shram_keeps_luts(accelerator) && previous.uses_lut != next.uses_lut)
    return 0;
  for (int b = std::min(max, 3); b > 0; --b)
    if (safe(previous, next, b, accelerator, overlaps))
      return b;
  return 0;
}

}  // namespace euc::arch
