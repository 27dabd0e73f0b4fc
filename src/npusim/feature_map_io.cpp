#include "npusim/feature_map_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "npusim/rounding.hpp"

namespace euc::npusim {
namespace {

// NHCWB16 keeps channels in bricks of 16 (docs/npu_architecture.md §Feature maps and regions).
constexpr int kBrick = 16;

std::string element_name(const std::string& what, int y, int x, int c0, int c1) {
  return fmt::format("{} element (y {}, x {}, channels {}-{})", what, y, x, c0, c1 - 1);
}

// Calls f(address, first channel, channel count) for each run of channels stored contiguously
// at (y, x): all of them for NHWC, one run per brick for NHCWB16.
template <typename F>
void for_each_run(const npu::FeatureMap& fm, int y, int x, F&& f) {
  const int depth = fm.shape.depth;
  if (fm.format == npu::DataFormat::kNhwc) {
    f(npu::element_address(fm, y, x, 0), 0, depth);
    return;
  }
  for (int c = 0; c < depth; c += kBrick)
    f(npu::element_address(fm, y, x, c), c, std::min(kBrick, depth - c));
}

void check_element_type(const npu::ElementType& type, const std::string& what) {
  const bool ok = type.bits == 8 || type.bits == 16 || (type.bits == 32 && type.is_signed);
  if (!ok)
    throw_input(
        fmt::format("{} has element type {}, which the NPU does not define", what, type.name()));
}

}  // namespace

int64_t type_min(const npu::ElementType& type) {
  return type.is_signed ? -(int64_t{1} << (type.bits - 1)) : 0;
}

int64_t type_max(const npu::ElementType& type) {
  return type.is_signed ? (int64_t{1} << (type.bits - 1)) - 1 : (int64_t{1} << type.bits) - 1;
}

int32_t load_element(const uint8_t* p, const npu::ElementType& type) {
  switch (type.bits) {
    case 8:
      return type.is_signed ? static_cast<int8_t>(p[0]) : p[0];
    case 16: {
      const auto u = static_cast<uint16_t>(p[0] | (p[1] << 8));
      return type.is_signed ? static_cast<int16_t>(u) : u;
    }
    default: {
      uint32_t u = 0;
      std::memcpy(&u, p, 4);
      return static_cast<int32_t>(u);
    }
  }
}

void store_element(uint8_t* p, const npu::ElementType& type, int64_t value) {
  const auto u = static_cast<uint64_t>(saturate(value, type_min(type), type_max(type)));
  for (int i = 0; i < type.bytes(); ++i)
    p[i] = static_cast<uint8_t>(u >> (8 * i));
}

DenseMap read_feature_map(const NpuMemory& memory, const npu::FeatureMap& fm,
                          const std::string& what, std::span<const uint8_t> rows,
                          std::span<const uint8_t> cols) {
  check_element_type(fm.type, what);
  const MemoryBuffer& buffer = memory.region(fm.region, what);
  DenseMap out(fm.shape);
  const int size = fm.type.bytes();
  for (int y = 0; y < fm.shape.height; ++y) {
    if (!rows.empty() && rows[static_cast<std::size_t>(y)] == 0)
      continue;
    for (int x = 0; x < fm.shape.width; ++x) {
      if (!cols.empty() && cols[static_cast<std::size_t>(x)] == 0)
        continue;
      for_each_run(fm, y, x, [&](uint64_t address, int c0, int count) {
        const uint64_t length = static_cast<uint64_t>(count) * static_cast<uint64_t>(size);
        if (address > buffer.size() || length > buffer.size() - address)
          buffer.check_range(address, length, element_name(what, y, x, c0, c0 + count));
        const std::size_t bad = buffer.first_uninitialised(address, length);
        if (bad != length) {
          throw_input(fmt::format("{}: reads byte {:#x} of {}, which holds no data",
                                  element_name(what, y, x, c0, c0 + count), address + bad,
                                  buffer.name()));
        }
        const uint8_t* p = buffer.data() + address;
        int32_t* dst = &out.at(y, x, c0);
        for (int i = 0; i < count; ++i, p += size)
          dst[i] = load_element(p, fm.type);
      });
    }
  }
  return out;
}

void write_feature_map(NpuMemory& memory, const npu::FeatureMap& fm, const DenseMap& values,
                       const std::string& what) {
  check_element_type(fm.type, what);
  MemoryBuffer& buffer = memory.region(fm.region, what);
  if (buffer.read_only())
    throw_input(fmt::format("{} is written to region {} ({}), which is read only", what, fm.region,
                            buffer.name()));
  const int size = fm.type.bytes();
  for (int y = 0; y < fm.shape.height; ++y) {
    for (int x = 0; x < fm.shape.width; ++x) {
      for_each_run(fm, y, x, [&](uint64_t address, int c0, int count) {
        const uint64_t length = static_cast<uint64_t>(count) * static_cast<uint64_t>(size);
        if (address > buffer.size() || length > buffer.size() - address)
          buffer.check_range(address, length, element_name(what, y, x, c0, c0 + count));
        uint8_t* p = buffer.data() + address;
        const int32_t* src = &values.values[values.index(y, x, c0)];
        for (int i = 0; i < count; ++i, p += size)
          store_element(p, fm.type, src[i]);
        buffer.mark_initialised(address, length);
      });
    }
  }
}

std::vector<ByteRange> feature_map_ranges(const NpuMemory& memory, const npu::FeatureMap& fm,
                                          const std::string& what) {
  const MemoryBuffer& buffer = memory.region(fm.region, what);
  const int h = fm.shape.height;
  const int w = fm.shape.width;
  const int d = fm.shape.depth;
  std::vector<ByteRange> ranges;
  if (h <= 0 || w <= 0 || d <= 0)
    return ranges;
  auto add = [&](int y0, int x0, int y1, int x1) {
    const uint64_t first = npu::element_address(fm, y0, x0, 0);
    const uint64_t last =
        npu::element_address(fm, y1, x1, d - 1) + static_cast<uint64_t>(fm.type.bytes());
    ranges.push_back({&buffer, std::min(first, last), std::max(first, last)});
  };
  add(0, 0, std::min(h, fm.height0) - 1, std::min(w, fm.width0) - 1);
  const bool right = w > fm.width0;
  const bool below = h > fm.height0;
  if (right)
    add(0, fm.width0, std::min(h, fm.height1) - 1, w - 1);
  if (below)
    add(fm.height0, 0, h - 1, std::min(w, fm.width0) - 1);
  if (right && below && h > fm.height1)
    add(fm.height1, fm.width0, h - 1, w - 1);
  return ranges;
}

std::vector<ByteRange> element_runs(const NpuMemory& memory, const npu::FeatureMap& fm,
                                    const std::string& what) {
  const MemoryBuffer& buffer = memory.region(fm.region, what);
  std::vector<ByteRange> runs;
  const auto size = static_cast<uint64_t>(fm.type.bytes());
  for (int y = 0; y < fm.shape.height; ++y) {
    for (int x = 0; x < fm.shape.width; ++x) {
      for_each_run(fm, y, x, [&](uint64_t address, int, int count) {
        runs.push_back({&buffer, address, address + static_cast<uint64_t>(count) * size});
      });
    }
  }
  return runs;
}

}  // namespace euc::npusim
