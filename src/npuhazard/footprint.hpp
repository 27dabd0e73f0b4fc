#pragma once
// The bytes an operation reads or writes, as sorted runs per memory. A feature map's part is a
// box of elements (rows, columns, channels, half open); its bytes follow the feature-map
// registers: the four tiles, the X/Y/C strides (possibly negative) and NHWC or NHCWB16 layout
// (docs/npu_architecture.md §Feature maps and regions).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "npu/operation.hpp"

namespace euc::npuhazard {

// Which memory a region's addresses fall in, and where: region r addresses byte
// `offset + address` of memory `memory`. By default every region is its own memory; two regions
// bound to the same tensor (Vela 5.1's scratch passed as scratch and scratch_fast) share one.
struct RegionPlace {
  int memory = 0;
  int64_t offset = 0;
};
struct MemoryMap {
  std::array<RegionPlace, 8> region{
      {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0}, {7, 0}}};
};
inline constexpr int kShramMemory = -1;  // the NPU's SHRAM (DMA `internal` endpoints, LUTs)

struct Span {
  int memory = 0;
  int64_t begin = 0;
  int64_t end = 0;  // one past the last byte
};

// Elements [y0, y1) x [x0, x1) x [c0, c1) of a feature map.
struct Box {
  int y0 = 0, y1 = 0, x0 = 0, x1 = 0, c0 = 0, c1 = 0;
  bool empty() const { return y1 <= y0 || x1 <= x0 || c1 <= c0; }
};
Box whole(const npu::Shape3D& shape);
Box intersect(const Box& a, const Box& b);

// One access of an operation: a box of a feature map, or a linear byte range.
struct Access {
  bool write = false;
  std::string what;  // "IFM", "OFM block 7", "weights (core 0)", "SHRAM", "LUT"...
  std::optional<npu::FeatureMap> fm;
  Box box;
  Span linear;  // when fm is empty
};

Access feature_map_access(const npu::FeatureMap& fm, const Box& box, bool write, std::string what);
Access linear_access(int memory, int64_t begin, int64_t length, bool write, std::string what);

// The first byte range both accesses touch, or nullopt. Cheap bounds first; the exact runs of
// element bytes only when the bounds meet.
std::optional<Span> overlap(const Access& a, const Access& b, const MemoryMap& map);

std::string describe(const Span& span);  // "[0x100, 0x180) of region-1 memory"

}  // namespace euc::npuhazard
