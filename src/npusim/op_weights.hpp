#pragma once
// The weights and per-channel scale records a CONV or DEPTHWISE operation reads: one MLW stream
// and one run of 10-byte scale records per core (docs/npu_architecture.md §Weight encoding). Core k
// of n handles OFM channels k, k + n, ...; its stream is reordered for an OFM block depth of
// (block_depth + n - 1 - k) / n (Vela 3.10 weight_compressor.py).
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "arch/accelerator.hpp"
#include "npu/operation.hpp"
#include "npusim/memory.hpp"
#include "weights/scale_record.hpp"

namespace euc::npusim {

struct OpWeights {
  int ofm_depth = 0;
  int kernel_height = 1;
  int kernel_width = 1;
  int ifm_depth = 1;                         // 1 for depthwise
  std::vector<int16_t> values;               // [ofm][ky][kx][ifm], zero point already removed
  std::vector<weights::ScaleRecord> scales;  // one per OFM channel
};

// Decodes the weights of an operation. Decoding is the slow part, so results are kept per
// operation index and reused while the encoded bytes (which DMAs may have replaced) are
// unchanged.
class WeightCache {
 public:
  const OpWeights& load(const NpuMemory& memory, const npu::BlockOperation& op, bool depthwise,
                        const arch::AcceleratorConfig& accelerator, std::size_t op_index);

 private:
  struct Entry {
    std::vector<uint8_t> encoded;  // weight and scale bytes of every core, concatenated
    OpWeights weights;
  };
  std::map<std::size_t, Entry> entries_;
};

}  // namespace euc::npusim
