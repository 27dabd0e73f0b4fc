#pragma once
// Choice of the Golomb-Rice codes of an MLW section: where to start a new slice and which weight
// code and zero-run code each slice uses.
//
// Weight codes: divisor 0..5 with unbounded (<= 31) quotients, divisor 0..5 "truncated"
// (quotient 0..2, one unary position), or uncompressed fixed-width indices. Zero-run codes:
// divisor 0..3. A value costs (q + 1 + div) bits with a normal code, (min(q + 1, 2) + div) with a
// truncated one, the index width uncompressed; a zero run costs (q + 1 + div). Those costs are
// exact; the cost of starting a slice (header, the unused tail of the last chunks) is
// approximated by one constant.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace euc::weights::grc {

struct WeightCode {
  int div = 0;
  bool truncated = false;
  bool uncompressed = false;
};

inline constexpr std::array<WeightCode, 13> kWeightCodes = {{
    {0, false, false},
    {1, false, false},
    {2, false, false},
    {3, false, false},
    {4, false, false},
    {5, false, false},
    {0, true, false},
    {1, true, false},
    {2, true, false},
    {3, true, false},
    {4, true, false},
    {5, true, false},
    {0, false, true},
}};
inline constexpr int kWeightCodeCount = static_cast<int>(kWeightCodes.size());
inline constexpr int kUncompressedCode = kWeightCodeCount - 1;
inline constexpr int kZeroRunCodeCount = 4;  // ZDIV 0..3

// A cost no real code reaches: marks a value the code cannot express. Sums of it over any
// stream still fit in 64 bits.
inline constexpr std::int32_t kImpossible = std::int32_t{1} << 28;

// Bits to code weight index `index` (0..511) with weight code `code`; `uncompressed_bits` is the
// index width of uncompressed mode (0..9), 0 when the section may not use it.
std::int32_t weight_bits(int code, int index, int uncompressed_bits);
// The same for every code at once, from a table (inline: the searches read a row per weight).
using WeightBitsRow = std::array<std::int32_t, kWeightCodeCount>;
inline constexpr int kWeightBitsTableIndices = 512;  // weight indices 0..511
inline constexpr int kWeightBitsTableWidths = 10;    // uncompressed index widths 0..9
extern const std::array<WeightBitsRow, kWeightBitsTableIndices * kWeightBitsTableWidths>
    kWeightBitsTable;
inline const WeightBitsRow& weight_bits_row(int index, int uncompressed_bits) {
  return kWeightBitsTable[static_cast<std::size_t>(uncompressed_bits * kWeightBitsTableIndices +
                                                   index)];
}
// Bits of one zero run coded with ZDIV `div`: the quotient in unary, its end bit, the remainder.
inline std::int64_t zero_run_bits(int div, std::uint32_t run) {
  return static_cast<std::int64_t>(run >> div) + 1 + div;
}

struct SliceCodes {
  std::size_t begin = 0;  // first weight of the slice
  std::size_t end = 0;    // one past its last weight
  int weight_code = 0;    // index into kWeightCodes
  int zero_run_code = 0;  // ZDIV 0..3; unused without zero runs
};

struct SliceCodePlan {
  std::vector<SliceCodes> slices;
  std::int64_t estimated_bits = 0;  // payload bits plus switch costs, headers of slice 0 excluded
};

// Finds the cheapest sequence of slices under the cost model above by dynamic programming over
// (weight code, zero-run code) states. `runs` is empty without zero runs, else holds
// indices.size() + 1 run lengths: run 0 precedes weight 0 and run k + 1 follows weight k, so a
// slice starting at weight k also codes run k + 1 onwards. Slices longer than the format allows
// are not split here. With `granularity` g > 1 slices start only at multiples of g: the search
// runs over blocks of g weights, about g times faster, at a small cost in stream size.
SliceCodePlan choose_slice_codes(std::span<const std::uint16_t> indices,
                                 std::span<const std::uint32_t> runs, int uncompressed_bits,
                                 int switch_cost_bits, std::size_t granularity = 1);

}  // namespace euc::weights::grc
