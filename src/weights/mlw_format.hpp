#pragma once
// Facts of the Ethos-U compressed weight ("MLW") bitstream shared by the encoder and decoder.
// Source: docs/npu_architecture.md §Weight encoding, checked against the behaviour of Arm's public
// mlw_codec (ethos-u-vela, ethosu/mlw_codec/mlw_decode.c and mlw_encode.c).
//
// The stream is read least significant bit first. It is a sequence of slices, each starting
// with a header
//   ZDIV:3  SLICELEN-1:15  WDIV:3  WTRUNC:1  NEWPAL:1
//   [if NEWPAL: DIROFS:5  PALSIZE:5  PALBITS-2:3  PALSIZE entries of PALBITS bits]
// followed by the slice payload, and ends with ZDIV = 7, one-bits up to the byte boundary and
// 0xFF bytes up to a multiple of 16 bytes.
#include <cstddef>
#include <cstdint>

namespace euc::weights::mlw {

// Weight values handed to the codec are zero-point-corrected: -255..255.
inline constexpr int kMinWeight = -255;
inline constexpr int kMaxWeight = 255;

// Header field widths in bits.
inline constexpr int kZdivBits = 3;
inline constexpr int kSliceLenBits = 15;
inline constexpr int kWdivBits = 3;
inline constexpr int kWtruncBits = 1;
inline constexpr int kNewPaletteBits = 1;
inline constexpr int kDirectOffsetBits = 5;
inline constexpr int kPaletteSizeBits = 5;
inline constexpr int kPaletteBitsBits = 3;

// ZDIV codes beyond the zero-run Golomb-Rice divisors 0..3.
inline constexpr int kZdivNoZeroRuns = 6;
inline constexpr int kZdivEndOfStream = 7;
inline constexpr int kMaxZdiv = 3;
// WDIV code for "indices stored as plain fixed-width numbers"; 0..5 are Golomb-Rice divisors.
inline constexpr int kWdivUncompressed = 7;
inline constexpr int kMaxWdiv = 5;

// The palette has at most 32 entries; a PALSIZE field of 0 means "no palette", n > 0 means n + 1
// entries, so a one-entry palette cannot be expressed.
inline constexpr int kMaxPaletteSize = 32;
inline constexpr int kMinPaletteBits = 2;
inline constexpr int kMaxPaletteBits = 9;
inline constexpr int kMaxDirectOffset = 31;

// A weight index (palette index or offset direct value) is a 9-bit number.
inline constexpr int kMaxWeightIndex = 511;
// Arm's encoder never codes a weight Golomb-Rice quotient above 31 (its search gives such codes
// an infinite cost), so the hardware is only known to work up to that; we keep the same limit.
inline constexpr int kMaxWeightQuotient = 31;
// Arm's encoder ends a slice after at most 32767 weights, one short of what SLICELEN allows.
inline constexpr int kMaxSliceWeights = 32767;

// Payload chunking: each chunk carries up to 12 weight unary positions (8 when uncompressed
// indices are wider than 5 bits) and 12 zero-run unary bits (8 when ZDIV >= 3). The weight and
// zero-run chunk streams are throttled to stay within 8 symbols of each other.
inline constexpr int kWeightChunkPositions = 12;
inline constexpr int kWideUncompressedChunkPositions = 8;
inline constexpr int kWideUncompressedMinBits = 6;
inline constexpr int kZeroRunChunkBitsSmallDiv = 12;
inline constexpr int kZeroRunChunkBitsLargeDiv = 8;
inline constexpr int kZeroRunLargeDivMin = 3;
inline constexpr int kChunkBalanceLimit = 8;

// The whole stream is padded with 0xFF to this many bytes.
inline constexpr std::size_t kStreamAlignment = 16;

// Weight values are carried as "sign-magnitude" numbers: (|w| << 1) | (w < 0).
constexpr int to_sign_magnitude(int weight) {
  return weight < 0 ? ((-weight) << 1) | 1 : weight << 1;
}
constexpr int from_sign_magnitude(int value) {
  return (value & 1) != 0 ? -(value >> 1) : (value >> 1);
}

constexpr int zero_run_chunk_bits(int zdiv) {
  return zdiv < kZeroRunLargeDivMin ? kZeroRunChunkBitsSmallDiv : kZeroRunChunkBitsLargeDiv;
}
constexpr int uncompressed_chunk_positions(int index_bits) {
  return index_bits >= kWideUncompressedMinBits ? kWideUncompressedChunkPositions
                                                : kWeightChunkPositions;
}
// Bits of an uncompressed index when a palette of `palette_size` > 0 entries is active.
constexpr int palette_index_bits(int palette_size) {
  int bits = 0;
  while ((1 << bits) < palette_size) {
    ++bits;
  }
  return bits;
}

}  // namespace euc::weights::mlw
