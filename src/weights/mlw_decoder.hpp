#pragma once
// Decoder for the Ethos-U compressed weight stream (format: weights/mlw_format.hpp).
//
// Every malformed input (truncated, reserved field values, indices out of range, a missing end
// marker, more output than the caller allows) is reported as an euc::Error of kind kInput whose
// message names the problem and the bit offset where it was found. The decoder never reads
// outside the given bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace euc::weights {

// One slice header as decoded, with the palette state that applies to the slice.
struct MlwSliceInfo {
  std::size_t bit_offset = 0;  // of the slice header
  int zdiv = 0;                // zero-run divisor 0..3, or mlw::kZdivNoZeroRuns
  int wdiv = 0;                // weight divisor 0..5, or mlw::kWdivUncompressed
  bool truncated = false;      // WTRUNC: weight quotients limited to 0..2
  bool new_palette = false;
  int weight_count = 0;  // SLICELEN: weights coded in the slice, zero runs excluded
  int palette_size = 0;  // 0 = no palette
  int palette_bits = 0;
  int direct_offset = 0;
  std::size_t value_count = 0;  // values the slice produced, zero runs included
};

struct MlwDecodeLimits {
  // Zero runs let a few bits stand for many values; decoding stops with an error rather than
  // produce more than this many values (the default is far above any Ethos-U weight tensor).
  std::size_t max_values = std::size_t{1} << 26;
};

struct MlwStream {
  std::vector<std::int16_t> values;
  std::vector<MlwSliceInfo> slices;
  // Bytes from the start of the stream up to and including the byte holding the end marker.
  std::size_t size_bytes = 0;
};

// Decodes the single stream that starts at bytes[0] and stops after its end-of-stream marker,
// leaving whatever follows (padding, the next stream) unread.
MlwStream decode_mlw_stream(std::span<const std::uint8_t> bytes,
                            const MlwDecodeLimits& limits = {});

// Decodes a whole weight buffer: one or more streams back to back, each ended by its marker, up
// to the end of `bytes`. 0xFF padding after a marker reads as further (empty) streams, so a
// padded encoder output decodes to exactly its weights.
std::vector<std::int16_t> decode_mlw(std::span<const std::uint8_t> bytes,
                                     const MlwDecodeLimits& limits = {});

}  // namespace euc::weights
