#include "codegen/block_dependency.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace euc::codegen {
namespace {

constexpr int kBrick = 16;

// Elements [y0, y1) x [x0, x1) x [c0, c1) of a view.
struct Area {
  int y0 = 0, y1 = 0, x0 = 0, x1 = 0, c0 = 0, c1 = 0;
  bool empty() const { return y1 <= y0 || x1 <= x0 || c1 <= c0; }
};

Area clip(Area a, const ir::Shape4& s) {
  a.y0 = std::max(a.y0, 0);
  a.x0 = std::max(a.x0, 0);
  a.c0 = std::max(a.c0, 0);
  a.y1 = std::min(a.y1, s.h);
  a.x1 = std::min(a.x1, s.w);
  a.c1 = std::min(a.c1, s.c);
  return a;
}

// A byte range in a region.
struct Bytes {
  int region = 0;
  int64_t begin = 0;
  int64_t end = 0;
};

// Regions 3-7 (separately addressed inputs and outputs) lie somewhere in the arena the runtime
// owns: treat them as possibly anywhere in region 1 or each other.
bool may_alias(int a, int b) {
  if (a == b)
    return true;
  const bool arena_a = a == 1 || a >= 3;
  const bool arena_b = b == 1 || b >= 3;
  return arena_a && arena_b && (a >= 3 || b >= 3);
}

bool meet(const Bytes& p, const Bytes& q) {
  if (!may_alias(p.region, q.region))
    return false;
  if (p.region != q.region)
    return true;
  return p.begin < q.end && q.begin < p.end;
}

int element_size(const FeatureMapView& v) {
  return static_cast<int>(ir::element_size(v.type).value_or(1));
}

// Byte address of element (y, x, c) of a view, as emit_feature_map programs it.
int64_t address(const FeatureMapView& v, int y, int x, int c) {
  const int64_t esize = element_size(v);
  int64_t base = static_cast<int64_t>(v.base);
  if (v.tile0_rows > 0 && y >= v.tile0_rows) {
    base = static_cast<int64_t>(v.base2);
    y -= v.tile0_rows;
  }
  if (v.byte_strides)
    return base + y * v.byte_strides->first + x * v.byte_strides->second + c * esize;
  if (v.layout == scheduler::Layout::kNhcwb16) {
    const int64_t depth16 = (int64_t{v.storage.c} + kBrick - 1) / kBrick * kBrick;
    return base + y * int64_t{v.storage.w} * depth16 * esize + int64_t{x} * kBrick * esize +
           int64_t{c / kBrick} * kBrick * v.storage.w * esize + int64_t{c % kBrick} * esize;
  }
  return base + (int64_t{y} * v.storage.w + x) * v.storage.c * esize + int64_t{c} * esize;
}

// Sorted, merged byte runs of an area.
std::vector<Bytes> runs(const FeatureMapView& v, const Area& a) {
  std::vector<Bytes> out;
  if (a.empty())
    return out;
  const int64_t esize = element_size(v);
  const bool brick = v.layout == scheduler::Layout::kNhcwb16 && !v.byte_strides;
  for (int y = a.y0; y < a.y1; ++y) {
    for (int x = a.x0; x < a.x1; ++x) {
      for (int c = a.c0; c < a.c1;) {
        const int last = brick ? std::min(a.c1, (c / kBrick + 1) * kBrick) : a.c1;
        const int64_t first = address(v, y, x, c);
        out.push_back({v.region, first, first + (last - c) * esize});
        c = last;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Bytes& p, const Bytes& q) {
    return std::pair(p.region, p.begin) < std::pair(q.region, q.begin);
  });
  std::vector<Bytes> merged;
  for (const Bytes& b : out) {
    if (!merged.empty() && merged.back().region == b.region && b.begin <= merged.back().end)
      merged.back().end = std::max(merged.back().end, b.end);
    else
      merged.push_back(b);
  }
  return merged;
}

// The lowest and highest byte of an area: each address term is monotone in its coordinate
// within a tile (the in-brick channel term bounded by its own extremes).
Bytes bound(const FeatureMapView& v, const Area& a) {
  int64_t lo = INT64_MAX;
  int64_t hi = INT64_MIN;
  const int esize = element_size(v);
  std::vector<int> ys{a.y0, a.y1 - 1};
  if (v.tile0_rows > a.y0 && v.tile0_rows < a.y1) {
    ys.push_back(v.tile0_rows - 1);
    ys.push_back(v.tile0_rows);
  }
  std::vector<int> cs{a.c0, a.c1 - 1};
  if (a.c1 - a.c0 > 1)
    for (int c = a.c0; c < std::min(a.c1, a.c0 + kBrick); ++c)
      cs.push_back(c);
  for (int y : ys)
    for (int x : {a.x0, a.x1 - 1})
      for (int c : cs) {
        const int64_t p = address(v, y, x, c);
        lo = std::min(lo, p);
        hi = std::max(hi, p);
      }
  return {v.region, lo, hi + esize};
}

bool overlaps(const FeatureMapView& a, const Area& area_a, const FeatureMapView& b,
              const Area& area_b) {
  if (area_a.empty() || area_b.empty())
    return false;
  const Bytes ba = bound(a, area_a);
  const Bytes bb = bound(b, area_b);
  if (!meet(ba, bb))
    return false;
  if (a.region != b.region)
    return true;  // aliasing regions at unknown offsets
  const std::vector<Bytes> ra = runs(a, area_a);
  const std::vector<Bytes> rb = runs(b, area_b);
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < ra.size() && j < rb.size()) {
    if (meet(ra[i], rb[j]))
      return true;
    if (ra[i].end < rb[j].end)
      ++i;
    else
      ++j;
  }
  return false;
}

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t block_count(const LaunchedKernel& k) {
  const ir::Shape4& s = k.ofm.shape;
  return ceil_div(s.h, k.block_height) * ceil_div(s.w, k.block_width) *
         ceil_div(s.c, k.block_depth);
}

// OFM block `index` in walk order: depth fastest, then columns, then rows.
Area ofm_block(const LaunchedKernel& k, int64_t index) {
  const ir::Shape4& s = k.ofm.shape;
  const int64_t depth_blocks = ceil_div(s.c, k.block_depth);
  const int64_t width_blocks = ceil_div(s.w, k.block_width);
  const auto z = static_cast<int>(index % depth_blocks);
  const auto x = static_cast<int>(index / depth_blocks % width_blocks);
  const auto y = static_cast<int>(index / (depth_blocks * width_blocks));
  return clip(Area{y * k.block_height, (y + 1) * k.block_height, x * k.block_width,
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

Area ifm_area(const LaunchedKernel& k, const Area& o, const arch::AcceleratorConfig& acc) {
  const ir::Shape4& in = k.ifm.shape;
  Area a{o.y0, o.y1, o.x0, o.x1, o.c0, o.c1};
  if (k.kernel != arch::NpuKernel::kElementwise) {
    const int up = k.upscale == ir::Upscale::kNone ? 1 : 2;
    const auto [y0, y1] =
        input_span(o.y0, o.y1, k.window.stride_y, k.window.dilation_y, k.window.height,
                   k.padding.top, acc.ifm_ublock.height, up, in.h);
    const auto [x0, x1] =
        input_span(o.x0, o.x1, k.window.stride_x, k.window.dilation_x, k.window.width,
                   k.padding.left, acc.ifm_ublock.width, up, in.w);
    a = Area{y0, y1, x0, x1, o.c0, o.c1};
  }
  if (k.kernel == arch::NpuKernel::kConvolution || k.reduces_depth || in.c != k.ofm.shape.c) {
    a.c0 = 0;
    a.c1 = in.c;
  }
  return clip(a, in);
}

Area ifm2_area(const LaunchedKernel& k, const Area& o) {
  const ir::Shape4& in = k.ifm2->shape;
  const ir::Shape4& out = k.ofm.shape;
  auto axis = [](int lo, int hi, int size, int out_size) {
    return size == out_size ? std::pair(lo, hi) : std::pair(0, size);
  };
  const auto [y0, y1] = axis(o.y0, o.y1, in.h, out.h);
  const auto [x0, x1] = axis(o.x0, o.x1, in.w, out.w);
  const auto [c0, c1] = axis(o.c0, o.c1, in.c, out.c);
  return clip(Area{y0, y1, x0, x1, c0, c1}, in);
}

// IFM channels one job of `k` reads: 0 for kernels that run one job per OFM block.
std::vector<int> job_depths(const LaunchedKernel& k) {
  if (k.kernel != arch::NpuKernel::kConvolution)
    return {0};
  switch (element_size(k.ifm)) {
    case 1:
      return {32, 16};
    case 2:
      return {16};
    default:
      return {8};
  }
}

bool safe(const LaunchedKernel& prev, const LaunchedKernel& next, int b,
          const arch::AcceleratorConfig& acc) {
  const int64_t prev_blocks = block_count(prev);
  for (const int depth : job_depths(next)) {
    const int64_t slices = depth > 0 ? ceil_div(next.ifm.shape.c, depth) : 1;
    const int64_t jobs = block_count(next) * slices;
    for (int64_t f = 0; f < std::min<int64_t>(b, jobs); ++f) {
      const Area block = ofm_block(next, f / slices);
      Area in = ifm_area(next, block, acc);
      if (depth > 0) {
        const auto c0 = static_cast<int>(f % slices * depth);
        in.c0 = std::max(in.c0, c0);
        in.c1 = std::min(in.c1, c0 + depth);
      }
      const Area in2 = next.ifm2 ? ifm2_area(next, block) : Area{};
      for (int64_t back = 1; back <= std::min<int64_t>(b - f, prev_blocks); ++back) {
        const Area written = ofm_block(prev, prev_blocks - back);
        if (overlaps(next.ifm, in, prev.ofm, written))
          return false;
        if (next.ifm2 && overlaps(*next.ifm2, in2, prev.ofm, written))
          return false;
      }
    }
  }
  return true;
}

}  // namespace

std::pair<int64_t, int64_t> view_bytes(const FeatureMapView& view) {
  const Area all{0, view.shape.h, 0, view.shape.w, 0, view.shape.c};
  if (all.empty())
    return {0, 0};
  const Bytes b = bound(view, all);
  return {b.begin, b.end};
}

bool regions_may_alias(int a, int b) {
  return may_alias(a, b);
}

int block_dependency(const LaunchedKernel& previous, const LaunchedKernel& next, bool lut_loaded,
                     const arch::AcceleratorConfig& accelerator, int max) {
  if (lut_loaded)
    return 0;
  if (!arch::shram_keeps_luts(accelerator) && previous.uses_lut != next.uses_lut)
    return 0;
  for (int b = std::min(max, 3); b > 0; --b)
    if (safe(previous, next, b, accelerator))
      return b;
  return 0;
}

}  // namespace euc::codegen
