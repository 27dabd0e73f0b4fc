#include "codegen/block_dependency.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace euc::codegen {
namespace {

constexpr int kBrick = 16;

// Elements [y0, y1) x [x0, x1) x [c0, c1) of a view.
using Area = arch::BlockArea;

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

LaunchedKernel launched_kernel(arch::WalkedKernel walk, const FeatureMapView& ifm,
                               const std::optional<FeatureMapView>& ifm2,
                               const FeatureMapView& ofm) {
  walk.ifm = ifm.shape;
  walk.ifm_element_size = element_size(ifm);
  walk.ifm2.reset();
  if (ifm2)
    walk.ifm2 = ifm2->shape;
  walk.ofm = ofm.shape;
  return {walk, ifm, ifm2, ofm};
}

int block_dependency(const LaunchedKernel& previous, const LaunchedKernel& next, bool lut_loaded,
                     const arch::AcceleratorConfig& accelerator, int max) {
  // The bytes of the areas, as the views address them.
  auto bytes = [&](bool ifm2, const arch::BlockArea& read, const arch::BlockArea& written) {
    const FeatureMapView& in = ifm2 ? *next.ifm2 : next.ifm;
    return overlaps(in, read, previous.ofm, written);
  };
  return arch::block_dependency(previous.walk, next.walk, lut_loaded, accelerator, max, bytes);
}

}  // namespace euc::codegen
