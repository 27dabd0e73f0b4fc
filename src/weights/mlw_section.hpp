#pragma once
// One palette section of an MLW stream: the weights between two palette definitions, coded
// with one palette, one direct offset and one zero-run mode.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace euc::weights {

struct MlwSectionCoding {
  // Zeros are coded as run lengths between the non-zero weights instead of as weights.
  bool zero_runs = false;
  // Sign-magnitude values in index order (most frequent first); empty means no palette.
  std::vector<std::uint16_t> palette;
  int palette_bits = 2;   // PALBITS: width of the palette entries, or of uncompressed indices
  int direct_offset = 0;  // DIROFS: index palette.size() stands for this sign-magnitude value
  // Index width of uncompressed mode, 0 when this coding cannot use it (the format derives the
  // width from the palette, so it only works when the palette holds every value, or without a
  // palette).
  int uncompressed_bits = 0;
};

struct MlwSectionSymbols {
  std::vector<std::uint16_t> indices;  // one weight index per coded weight
  // Empty without zero runs; else indices.size() + 1 runs: before the first weight, after each.
  std::vector<std::uint32_t> runs;
};

// Counts of weights by sign-magnitude value.
using ValueHistogram = std::array<std::uint32_t, 512>;
ValueHistogram value_histogram(std::span<const std::int16_t> values);

// Bits of a section's zero runs with each zero-run code (ZDIV 0..3).
using ZeroRunBits = std::array<std::int64_t, 4>;
ZeroRunBits zero_run_bits(std::span<const std::uint32_t> runs);
// The same for the zero runs of `values` as a zero-run coding would form them (section_symbols),
// without building the symbols.
ZeroRunBits zero_run_bits_of(std::span<const std::int16_t> values);

// The codings worth trying for a section with these values: with and without zero runs, no
// palette, and palettes of the 2, 4, 8, 16 or 32 most frequent values or of all of them. The
// quick search leaves out the palettes of 2..16 values when there are more.
enum class CodingSearch { kThorough, kQuick };
std::vector<MlwSectionCoding> candidate_codings(const ValueHistogram& histogram,
                                                CodingSearch search = CodingSearch::kThorough);

// A quick estimate of a section's size under `coding`: every weight coded with the one weight
// code that suits the section best, the zero runs likewise, plus the palette. It is what the
// slice search finds when it starts no second slice, so it bounds the search result from above.
std::int64_t estimate_section_bits(const ValueHistogram& histogram, const ZeroRunBits& runs,
                                   const MlwSectionCoding& coding);

// The weight index of every sign-magnitude value 0..511 under `coding` (values the coding cannot
// reach map to an unspecified index).
std::array<std::uint16_t, 512> weight_index_map(const MlwSectionCoding& coding);

// Maps `values` to the weight indices and zero runs that `coding` stores.
MlwSectionSymbols section_symbols(std::span<const std::int16_t> values,
                                  const MlwSectionCoding& coding);

// Bits of the palette part of a slice header (DIROFS, PALSIZE, PALBITS and the entries).
int palette_header_bits(const MlwSectionCoding& coding);

}  // namespace euc::weights
