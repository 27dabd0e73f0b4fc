#include "npuhazard/footprint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/error.hpp"

namespace euc::npuhazard {
namespace {

constexpr int kBrick = 16;  // NHCWB16 channels per brick

// Region r of the map, checked (the decoder reads region fields of up to 8 bits).
const RegionPlace& place(const MemoryMap& map, int region) {
  if (region < 0 || region >= static_cast<int>(map.region.size()))
    throw_input(fmt::format("region {} (base pointers 0-7 exist)", region));
  return map.region[static_cast<std::size_t>(region)];
}

int64_t signed_address(const npu::FeatureMap& fm, int y, int x, int c) {
  return static_cast<int64_t>(npu::element_address(fm, y, x, c));
}

// The part of a box in each tile: tile 0 rows < height0 and columns < width0, tile 1 columns >=
// width0 and rows < height1, tile 2 rows >= height0 left of width0, tile 3 the rest
// (npu::tile_index).
std::array<Box, 4> tile_parts(const npu::FeatureMap& fm, const Box& b) {
  constexpr int kAll = 1 << 30;
  auto part = [&](int y0, int y1, int x0, int x1) {
    return intersect(b, Box{y0, y1, x0, x1, b.c0, b.c1});
  };
  return {part(0, fm.height0, 0, fm.width0), part(0, fm.height1, fm.width0, kAll),
          part(fm.height0, kAll, 0, fm.width0), part(fm.height1, kAll, fm.width0, kAll)};
}

// Bounds of one tile's part: the address is base + y * stride_y + x * (column step) + channel
// part, each term monotone in its coordinate (NHCWB16: the brick term and the in-brick term
// bounded separately), so the extremes are at the corners.
Span tile_bound(const npu::FeatureMap& fm, const Box& b, const RegionPlace& where) {
  const int64_t size = fm.type.bytes();
  const int tile = npu::tile_index(fm, b.y0, b.x0);
  const int64_t base = static_cast<int64_t>(fm.base[static_cast<std::size_t>(tile)]);
  const int ly0 = tile >= 2 ? b.y0 - (tile == 2 ? fm.height0 : fm.height1) : b.y0;
  const int lx0 = tile % 2 == 1 ? b.x0 - fm.width0 : b.x0;
  const int ly1 = ly0 + (b.y1 - b.y0) - 1;
  const int lx1 = lx0 + (b.x1 - b.x0) - 1;
  int64_t lo = base;
  int64_t hi = base;
  auto add = [&](int64_t first, int64_t last) {
    lo += std::min(first, last);
    hi += std::max(first, last);
  };
  add(int64_t{ly0} * fm.stride_y, int64_t{ly1} * fm.stride_y);
  if (fm.format == npu::DataFormat::kNhcwb16) {
    add(int64_t{lx0} * kBrick * size, int64_t{lx1} * kBrick * size);
    add(int64_t{b.c0 / kBrick} * fm.stride_c, int64_t{(b.c1 - 1) / kBrick} * fm.stride_c);
    const bool one_brick = b.c0 / kBrick == (b.c1 - 1) / kBrick;
    add(one_brick ? (b.c0 % kBrick) * size : 0,
        one_brick ? ((b.c1 - 1) % kBrick) * size : (kBrick - 1) * size);
  } else {
    add(int64_t{lx0} * fm.stride_x, int64_t{lx1} * fm.stride_x);
    add(int64_t{b.c0} * size, int64_t{b.c1 - 1} * size);
  }
  return {where.memory, where.offset + lo, where.offset + hi + size};
}

std::vector<Span> bounds(const Access& a, const MemoryMap& map) {
  if (!a.fm)
    return {a.linear};
  std::vector<Span> out;
  if (a.box.empty())
    return out;
  const RegionPlace& where = place(map, a.fm->region);
  for (const Box& part : tile_parts(*a.fm, a.box))
    if (!part.empty())
      out.push_back(tile_bound(*a.fm, part, where));
  return out;
}

// Every contiguous run of element bytes, sorted and merged.
std::vector<Span> runs(const Access& a, const MemoryMap& map) {
  if (!a.fm)
    return {a.linear};
  std::vector<Span> out;
  if (a.box.empty())
    return out;
  const npu::FeatureMap& fm = *a.fm;
  const RegionPlace& where = place(map, fm.region);
  const int64_t size = fm.type.bytes();
  const Box& b = a.box;
  for (int y = b.y0; y < b.y1; ++y) {
    for (int x = b.x0; x < b.x1; ++x) {
      if (fm.format == npu::DataFormat::kNhwc) {
        const int64_t first = signed_address(fm, y, x, b.c0);
        out.push_back({where.memory, where.offset + first,
                       where.offset + first + int64_t{b.c1 - b.c0} * size});
        continue;
      }
      for (int c = b.c0; c < b.c1;) {
        const int last = std::min(b.c1, (c / kBrick + 1) * kBrick);
        const int64_t first = signed_address(fm, y, x, c);
        out.push_back(
            {where.memory, where.offset + first, where.offset + first + int64_t{last - c} * size});
        c = last;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Span& p, const Span& q) {
    return std::pair(p.memory, p.begin) < std::pair(q.memory, q.begin);
  });
  std::vector<Span> merged;
  for (const Span& s : out) {
    if (!merged.empty() && merged.back().memory == s.memory && s.begin <= merged.back().end)
      merged.back().end = std::max(merged.back().end, s.end);
    else
      merged.push_back(s);
  }
  return merged;
}

std::optional<Span> meet(const Span& p, const Span& q) {
  if (p.memory != q.memory || p.begin >= q.end || q.begin >= p.end)
    return std::nullopt;
  return Span{p.memory, std::max(p.begin, q.begin), std::min(p.end, q.end)};
}

}  // namespace

Box whole(const npu::Shape3D& shape) {
  return {0, shape.height, 0, shape.width, 0, shape.depth};
}

Box intersect(const Box& a, const Box& b) {
  return {std::max(a.y0, b.y0), std::min(a.y1, b.y1), std::max(a.x0, b.x0),
          std::min(a.x1, b.x1), std::max(a.c0, b.c0), std::min(a.c1, b.c1)};
}

Access feature_map_access(const npu::FeatureMap& fm, const Box& box, bool write, std::string what) {
  Access a;
  a.write = write;
  a.what = std::move(what);
  a.fm = fm;
  a.box = intersect(box, whole(fm.shape));
  return a;
}

Access linear_access(int memory, int64_t begin, int64_t length, bool write, std::string what) {
  Access a;
  a.write = write;
  a.what = std::move(what);
  a.linear = {memory, begin, begin + length};
  return a;
}

std::optional<Span> overlap(const Access& a, const Access& b, const MemoryMap& map) {
  bool near = false;
  for (const Span& p : bounds(a, map))
    for (const Span& q : bounds(b, map))
      near = near || meet(p, q).has_value();
  if (!near)
    return std::nullopt;
  const std::vector<Span> ra = runs(a, map);
  const std::vector<Span> rb = runs(b, map);
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < ra.size() && j < rb.size()) {
    if (const auto m = meet(ra[i], rb[j]))
      return m;
    const Span& p = ra[i];
    const Span& q = rb[j];
    if (std::pair(p.memory, p.end) < std::pair(q.memory, q.end))
      ++i;
    else
      ++j;
  }
  return std::nullopt;
}

std::string describe(const Span& span) {
  const std::string memory =
      span.memory == kShramMemory ? "SHRAM" : fmt::format("region {}", span.memory);
  return fmt::format("[{:#x}, {:#x}) of {}", span.begin, span.end, memory);
}

}  // namespace euc::npuhazard
