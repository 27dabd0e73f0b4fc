#pragma once
// The read-only region (the flash tensor) of a segment, as the weight encoder lays it out: every
// operation's encoded weights and scale records (per depth slice, per core), the constant
// feature maps and the activation lookup tables, each 16-byte aligned; identical encodings are stored once. The scheduler sizes
// weight buffers from it and codegen addresses it.
#include <cstdint>
#include <vector>

namespace euc::scheduler {

// Where one core's weights and scale records for an operation are in the flash tensor.
struct WeightAddresses {
  uint64_t scale_address = 0;
  uint64_t scale_length = 0;
  uint64_t weight_address = 0;
  uint64_t weight_length = 0;
};

struct ConstantLayout {
  std::vector<uint8_t> flash;
  std::vector<std::vector<WeightAddresses>> op_weights;  // per op, per core (empty: no weights)
  // Per op: where its whole encoded stream (every core's scales and weights) starts in flash and
  // its size, a multiple of 16 (what a weight-buffer DMA copies); size 0 without weights.
  struct Stream {
    int64_t address = 0;
    int64_t size = 0;
  };
  std::vector<Stream> op_streams;
  // Per op, per depth slice (one unless its weight buffer slices it): the slice's stream and its
  // cores' addresses in flash.
  struct Slice {
    int depth_begin = 0;
    int depth_end = 0;
    Stream stream;
    std::vector<WeightAddresses> cores;
  };
  std::vector<std::vector<Slice>> op_slices;
  std::vector<int64_t> tensor_address;  // constant feature maps, else -1
  std::vector<Stream> luts;              // per NpuGraph::luts entry: its image in flash
  int64_t original_weight_bytes = 0;
  int64_t encoded_weight_bytes = 0;
};

}  // namespace euc::scheduler
