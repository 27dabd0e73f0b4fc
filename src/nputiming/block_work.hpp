#pragma once
// The work of one OFM block as the timing model counts it (timing_model.hpp states the rules):
// its MAC stage's compute bound, its output stage, and the bytes it reads and writes in each
// memory, with the port time they need. Shared arithmetic of the timing model's files.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "nputiming/timing_model.hpp"

namespace euc::nputiming {

// Per memory (arch::index_of(MemArea)): port cycles a transfer needs with the port to itself.
using PortWork = std::array<double, arch::kMemAreaCount>;

struct BlockWork {
  int64_t compute = 0;  // the MAC stage's compute bound (MAC array, weight decoder)
  int64_t out = 0;      // the output stage
  PortWork port{};      // port cycles of its reads and writes per memory
  int64_t memory = 0;   // the largest of them
  std::array<int64_t, arch::kMemAreaCount> read{};  // bytes, burst padding and re-reads included
  int64_t written = 0;                              // OFM bytes, into memory ofm_area
  std::size_t ofm_area = 0;
};

// Block `index` (depth fastest, then width, then height) of a kernel operation's OFM.
BlockWork block_work(const npu::NpuOperation& op, int64_t index, const TimingSetup& setup);

// The memory (arch::index_of) a region lives in; an input error for a region outside 0-7.
std::size_t memory_of_region(const TimingSetup& setup, int region);

inline int64_t ceil_div(int64_t a, int64_t b) {
  return b <= 0 ? 0 : (a + b - 1) / b;
}

inline int64_t round_up(int64_t a, int64_t b) {
  return ceil_div(a, b) * b;
}

inline int64_t cycles_for(double bytes, double bytes_per_cycle) {
  if (bytes <= 0)
    return 0;
  return static_cast<int64_t>(std::ceil(bytes / std::max(bytes_per_cycle, 1e-9)));
}

}  // namespace euc::nputiming
