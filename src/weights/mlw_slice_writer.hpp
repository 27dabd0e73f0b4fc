#pragma once
// Writes one MLW slice: its header and its payload of interleaved weight and zero-run chunks.
#include <cstdint>
#include <span>

#include "weights/bit_stream.hpp"
#include "weights/grc_search.hpp"
#include "weights/mlw_section.hpp"

namespace euc::weights {

struct MlwSlice {
  std::span<const std::uint16_t> indices;  // 1..32767 weight indices
  // With zero runs: the run after each weight, preceded by the run before the first weight
  // when the slice defines the palette. Empty without zero runs.
  std::span<const std::uint32_t> runs;
  int weight_code = 0;   // index into grc::kWeightCodes
  int zero_run_div = 0;  // 0..3
  bool new_palette = false;
};

void write_slice(BitWriter& out, const MlwSectionCoding& coding, const MlwSlice& slice);

// The end-of-stream marker, one-bits to the byte boundary, 0xFF bytes to a multiple of 16.
void write_end_of_stream(BitWriter& out);

}  // namespace euc::weights
