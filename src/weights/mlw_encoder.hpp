#pragma once
// Encoder for the Ethos-U compressed weight stream (format: weights/mlw_format.hpp).
//
// The stream is split into palette sections; each section is coded in whichever of its
// candidate codings (zero runs or not, with or without a palette of its most frequent values)
// comes out smallest, and within a section the slice boundaries and Golomb-Rice codes are chosen
// by dynamic programming over exact per-value bit costs. The output is deterministic.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace euc::weights {

enum class MlwEffort {
  kFast,     // one palette section; the slice search on the most promising coding, slices
             // starting only at multiples of 8 weights
  kDefault,  // also looks for palette sections (blocks of >= 256 weights, at most 64 blocks)
  kBest,     // finer section search (at most 256 blocks); the slice search on every coding
};

struct MlwEncodeOptions {
  MlwEffort effort = MlwEffort::kDefault;
};

struct MlwEncodeStats {
  std::size_t sections = 0;
  std::size_t slices = 0;
  std::size_t payload_bits = 0;  // before the end marker and padding
};

// Encodes `weights` (each -255..255, already reordered into the NPU's traversal order) into one
// stream ending with the end-of-stream marker and 0xFF padding to a multiple of 16 bytes. An
// empty input gives a stream of just the marker. Out-of-range weights are an euc::Error naming
// the first one.
std::vector<std::uint8_t> encode_mlw(std::span<const std::int16_t> weights,
                                     const MlwEncodeOptions& options = {},
                                     MlwEncodeStats* stats = nullptr);

}  // namespace euc::weights
