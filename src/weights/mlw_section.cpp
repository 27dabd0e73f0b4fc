#include "weights/mlw_section.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>

#include "weights/grc_search.hpp"
#include "weights/mlw_format.hpp"

namespace euc::weights {
namespace {

constexpr std::size_t kSignMagnitudes = mlw::kMaxWeightIndex + 1;
using Histogram = ValueHistogram;

int width_of(int value) {
  return std::max(mlw::kMinPaletteBits,
                  static_cast<int>(std::bit_width(static_cast<unsigned>(value))));
}

// Codings for the weights that are stored as weight indices (`coded` counts them by
// sign-magnitude value), with or without zero runs.
void add_codings(const Histogram& coded, bool zero_runs, CodingSearch search,
                 std::vector<MlwSectionCoding>& out) {
  std::vector<std::uint16_t> by_frequency;
  by_frequency.reserve(kSignMagnitudes);
  for (std::size_t v = 0; v < kSignMagnitudes; ++v) {
    if (coded[v] != 0) {
      by_frequency.push_back(static_cast<std::uint16_t>(v));
    }
  }
  const int distinct = static_cast<int>(by_frequency.size());
  // Only the most frequent values can enter a palette: most frequent first, equal counts in
  // value order so the result is deterministic.
  std::partial_sort(by_frequency.begin(),
                    by_frequency.begin() + std::min(distinct, mlw::kMaxPaletteSize),
                    by_frequency.end(), [&](std::uint16_t a, std::uint16_t b) {
                      return coded[a] != coded[b] ? coded[a] > coded[b] : a < b;
                    });

  std::vector<int> sizes = {0};
  for (int size : {2, 4, 8, 16, 32, distinct}) {
    if (search == CodingSearch::kQuick && size != std::min(distinct, mlw::kMaxPaletteSize)) {
      continue;
    }
    if (size >= 2 && size <= std::min(distinct, mlw::kMaxPaletteSize)) {
      sizes.push_back(size);
    }
  }
  // A single distinct value still gets a palette: the format has no one-entry palette, so a
  // second, never used entry fills it.
  if (distinct == 1) {
    sizes.push_back(2);
  }
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());

  for (int size : sizes) {
    MlwSectionCoding coding;
    coding.zero_runs = zero_runs;
    const int from_values = std::min(size, distinct);
    coding.palette.assign(by_frequency.begin(), by_frequency.begin() + from_values);
    while (static_cast<int>(coding.palette.size()) < size) {
      coding.palette.push_back(0);
    }

    int smallest_direct = mlw::kMaxWeightIndex + 1;
    int largest_direct = -1;
    for (int i = from_values; i < distinct; ++i) {
      smallest_direct = std::min<int>(smallest_direct, by_frequency[static_cast<std::size_t>(i)]);
      largest_direct = std::max<int>(largest_direct, by_frequency[static_cast<std::size_t>(i)]);
    }
    coding.direct_offset =
        largest_direct < 0 ? 0 : std::min(smallest_direct, mlw::kMaxDirectOffset);
    // Every direct value must stay within the 9-bit weight index.
    if (largest_direct >= 0 &&
        size + largest_direct - coding.direct_offset > mlw::kMaxWeightIndex) {
      continue;
    }
    if (size > 0) {
      const int largest_entry = *std::max_element(coding.palette.begin(), coding.palette.end());
      coding.palette_bits = width_of(largest_entry);
      coding.uncompressed_bits = largest_direct < 0 ? mlw::palette_index_bits(size) : 0;
    } else {
      coding.palette_bits = width_of(std::max(0, largest_direct - coding.direct_offset));
      coding.uncompressed_bits = coding.palette_bits;
    }
    out.push_back(std::move(coding));
  }
}

}  // namespace

ValueHistogram value_histogram(std::span<const std::int16_t> values) {
  ValueHistogram histogram{};
  for (std::int16_t v : values) {
    ++histogram[static_cast<std::size_t>(mlw::to_sign_magnitude(v))];
  }
  return histogram;
}

ZeroRunBits zero_run_bits(std::span<const std::uint32_t> runs) {
  ZeroRunBits bits{};
  for (std::uint32_t run : runs) {
    for (std::size_t div = 0; div < bits.size(); ++div) {
      bits[div] += grc::zero_run_bits(static_cast<int>(div), run);
    }
  }
  return bits;
}

ZeroRunBits zero_run_bits_of(std::span<const std::int16_t> values) {
  ZeroRunBits bits{};
  auto add = [&](std::uint32_t run) {
    for (std::size_t div = 0; div < bits.size(); ++div)
      bits[div] += grc::zero_run_bits(static_cast<int>(div), run);
  };
  std::uint32_t run = 0;
  bool any_nonzero = false;
  for (std::int16_t v : values) {
    if (v == 0) {
      ++run;
      continue;
    }
    add(run);
    run = 0;
    any_nonzero = true;
  }
  if (!any_nonzero && !values.empty()) {
    // All zeros: the first is coded as a weight, the rest as the run after it.
    add(0);
    add(static_cast<std::uint32_t>(values.size() - 1));
    return bits;
  }
  add(run);
  return bits;
}

std::vector<MlwSectionCoding> candidate_codings(const ValueHistogram& all, CodingSearch search) {
  std::vector<MlwSectionCoding> codings;
  add_codings(all, false, search, codings);
  if (all[0] != 0) {
    Histogram non_zero = all;
    non_zero[0] = 0;
    if (non_zero == Histogram{}) {
      // All zeros: one zero must still be coded as a weight (a slice holds at least one), and
      // only the plain direct mapping without offset reaches it.
      MlwSectionCoding coding;
      coding.zero_runs = true;
      coding.uncompressed_bits = coding.palette_bits;
      codings.push_back(coding);
    } else {
      add_codings(non_zero, true, search, codings);
    }
  }
  return codings;
}

std::array<std::uint16_t, 512> weight_index_map(const MlwSectionCoding& coding) {
  std::array<std::uint16_t, kSignMagnitudes> index_of{};
  const int palette_size = static_cast<int>(coding.palette.size());
  for (std::size_t v = 0; v < kSignMagnitudes; ++v) {
    const int index = static_cast<int>(v) - coding.direct_offset + palette_size;
    index_of[v] = static_cast<std::uint16_t>(std::clamp(index, 0, mlw::kMaxWeightIndex));
  }
  // Later entries first, so a filler entry never shadows a real one.
  for (int i = palette_size; i-- > 0;) {
    index_of[coding.palette[static_cast<std::size_t>(i)]] = static_cast<std::uint16_t>(i);
  }
  return index_of;
}

MlwSectionSymbols section_symbols(std::span<const std::int16_t> values,
                                  const MlwSectionCoding& coding) {
  const auto index_of = weight_index_map(coding);

  MlwSectionSymbols symbols;
  if (!coding.zero_runs) {
    symbols.indices.reserve(values.size());
    for (std::int16_t v : values) {
      symbols.indices.push_back(index_of[static_cast<std::size_t>(mlw::to_sign_magnitude(v))]);
    }
    return symbols;
  }
  const auto nonzero = static_cast<std::size_t>(
      values.size() - static_cast<std::size_t>(std::count(values.begin(), values.end(), 0)));
  symbols.indices.reserve(nonzero);
  symbols.runs.reserve(nonzero + 1);
  std::uint32_t run = 0;
  for (std::int16_t v : values) {
    if (v == 0) {
      ++run;
      continue;
    }
    symbols.runs.push_back(run);
    symbols.indices.push_back(index_of[static_cast<std::size_t>(mlw::to_sign_magnitude(v))]);
    run = 0;
  }
  symbols.runs.push_back(run);
  if (symbols.indices.empty() && !values.empty()) {
    // All zeros: the first is coded as weight index 0 (value 0), the rest as the run after it.
    symbols.indices.push_back(0);
    symbols.runs = {0, static_cast<std::uint32_t>(values.size() - 1)};
  }
  return symbols;
}

std::int64_t estimate_section_bits(const ValueHistogram& histogram, const ZeroRunBits& runs,
                                   const MlwSectionCoding& coding) {
  const auto index_of = weight_index_map(coding);
  std::array<std::int64_t, grc::kWeightCodeCount> weight_bits{};
  for (std::size_t v = coding.zero_runs ? 1 : 0; v < histogram.size(); ++v) {
    if (histogram[v] == 0) {
      continue;
    }
    const auto& row = grc::weight_bits_row(index_of[v], coding.uncompressed_bits);
    for (std::size_t code = 0; code < weight_bits.size(); ++code) {
      weight_bits[code] += std::int64_t{histogram[v]} * row[code];
    }
  }
  std::int64_t bits = *std::min_element(weight_bits.begin(), weight_bits.end());
  if (coding.zero_runs) {
    bits += *std::min_element(runs.begin(), runs.end());
  }
  return bits + palette_header_bits(coding);
}

int palette_header_bits(const MlwSectionCoding& coding) {
  return mlw::kDirectOffsetBits + mlw::kPaletteSizeBits + mlw::kPaletteBitsBits +
         static_cast<int>(coding.palette.size()) * coding.palette_bits;
}

}  // namespace euc::weights
