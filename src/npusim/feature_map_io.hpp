#pragma once
// Moving feature maps between NPU memory and dense arrays: the kernels compute on dense
// H x W x C int32 arrays and never see tiles, strides or brick formats. Every byte read is
// checked to lie inside its region and to hold data; every byte written is checked to lie
// inside a writable region and is then marked as holding data.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "npu/operation.hpp"
#include "npusim/memory.hpp"

namespace euc::npusim {

// H x W x C values in NHWC order.
struct DenseMap {
  npu::Shape3D shape;
  std::vector<int32_t> values;

  DenseMap() = default;
  explicit DenseMap(npu::Shape3D s) : shape(s), values(static_cast<std::size_t>(s.elements()), 0) {}
  std::size_t index(int y, int x, int c) const {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(shape.width) +
            static_cast<std::size_t>(x)) *
               static_cast<std::size_t>(shape.depth) +
           static_cast<std::size_t>(c);
  }
  int32_t at(int y, int x, int c) const { return values[index(y, x, c)]; }
  int32_t& at(int y, int x, int c) { return values[index(y, x, c)]; }
};

// Reads fm.shape elements. Only rows with rows[y] != 0 and columns with cols[x] != 0 are read
// (the others stay 0): a kernel with a stride larger than its extent skips some. Empty masks
// mean "all". Errors name `what` ("IFM", "IFM2") and the element.
DenseMap read_feature_map(const NpuMemory& memory, const npu::FeatureMap& fm,
                          const std::string& what, std::span<const uint8_t> rows = {},
                          std::span<const uint8_t> cols = {});

// Writes every element of `values` (shape fm.shape), saturated to the element type.
void write_feature_map(NpuMemory& memory, const npu::FeatureMap& fm, const DenseMap& values,
                       const std::string& what);

// A byte range of one buffer, [begin, end).
struct ByteRange {
  const MemoryBuffer* buffer = nullptr;
  uint64_t begin = 0;
  uint64_t end = 0;
};

// The byte ranges a feature map covers, one per tile in use (first to last byte of the tile), as
// Vela's get_address_ranges computes them for its dependency checks.
std::vector<ByteRange> feature_map_ranges(const NpuMemory& memory, const npu::FeatureMap& fm,
                                          const std::string& what);

// Every contiguous run of element bytes of the feature map (one per position for NHWC, one per
// position and brick for NHCWB16), for exact overlap checks.
std::vector<ByteRange> element_runs(const NpuMemory& memory, const npu::FeatureMap& fm,
                                    const std::string& what);

// Element (de)coding for the feature map element types.
int32_t load_element(const uint8_t* p, const npu::ElementType& type);
void store_element(uint8_t* p, const npu::ElementType& type, int64_t value);
int64_t type_min(const npu::ElementType& type);
int64_t type_max(const npu::ElementType& type);

}  // namespace euc::npusim
