#include "weights/mlw_encoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "core/error.hpp"
#include "weights/bit_stream.hpp"
#include "weights/grc_search.hpp"
#include "weights/mlw_format.hpp"
#include "weights/mlw_partition.hpp"
#include "weights/mlw_section.hpp"
#include "weights/mlw_slice_writer.hpp"

namespace euc::weights {
namespace {

// Estimated cost of starting a slice: a 23-bit header plus the unused positions at the end of
// the last weight and zero-run chunks of the previous slice.
constexpr int kSliceSwitchBits = 40;
// Measured on every shared model: blocks of 8 weights cost about 0.1% of stream size and make
// the slice search about 6 times faster.
constexpr std::size_t kFastSliceGranularity = 16;

struct SectionPlan {
  MlwSectionCoding coding;
  MlwSectionSymbols symbols;
  grc::SliceCodePlan codes;
  std::int64_t estimated_bits = std::numeric_limits<std::int64_t>::max();
};

// How many of the candidate codings, ranked by a quick estimate, get the full slice search.
std::size_t full_search_codings(MlwEffort effort) {
  return effort == MlwEffort::kBest   ? std::numeric_limits<std::size_t>::max()
         : effort == MlwEffort::kFast ? 1
                                      : 3;
}

// Slices may start only at multiples of this many weights (see grc::choose_slice_codes).
std::size_t slice_granularity(MlwEffort effort) {
  return effort == MlwEffort::kFast ? kFastSliceGranularity : 1;
}

SectionPlan plan_section(std::span<const std::int16_t> values, MlwEffort effort) {
  const ValueHistogram histogram = value_histogram(values);
  // The zero runs are the same whatever the palette.
  ZeroRunBits run_bits{};
  if (histogram[0] != 0)
    run_bits = zero_run_bits_of(values);

  std::vector<std::pair<std::int64_t, MlwSectionCoding>> ranked;
  for (MlwSectionCoding& coding : candidate_codings(histogram)) {
    const std::int64_t estimate = estimate_section_bits(histogram, run_bits, coding);
    ranked.emplace_back(estimate, std::move(coding));
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  ranked.resize(std::min(ranked.size(), full_search_codings(effort)));

  SectionPlan best;
  for (auto& [estimate, coding] : ranked) {
    SectionPlan plan;
    plan.symbols = section_symbols(values, coding);
    plan.codes =
        grc::choose_slice_codes(plan.symbols.indices, plan.symbols.runs, coding.uncompressed_bits,
                                kSliceSwitchBits, slice_granularity(effort));
    plan.estimated_bits = plan.codes.estimated_bits + palette_header_bits(coding);
    plan.coding = std::move(coding);
    if (plan.estimated_bits < best.estimated_bits) {
      best = std::move(plan);
    }
  }
  return best;
}

void write_section(BitWriter& out, const SectionPlan& plan, MlwEncodeStats& stats) {
  const auto& indices = plan.symbols.indices;
  const auto& runs = plan.symbols.runs;
  const std::span<const std::uint16_t> all_indices(indices);
  const std::span<const std::uint32_t> all_runs(runs);
  for (const grc::SliceCodes& codes : plan.codes.slices) {
    for (std::size_t begin = codes.begin; begin < codes.end;) {
      const std::size_t length = std::min<std::size_t>(codes.end - begin, mlw::kMaxSliceWeights);
      MlwSlice slice;
      slice.new_palette = begin == 0;
      slice.indices = all_indices.subspan(begin, length);
      if (plan.coding.zero_runs) {
        // Run k + 1 follows weight k; the palette-defining slice also carries run 0.
        slice.runs = slice.new_palette ? all_runs.subspan(0, length + 1)
                                       : all_runs.subspan(begin + 1, length);
      }
      slice.weight_code = codes.weight_code;
      slice.zero_run_div = codes.zero_run_code;
      write_slice(out, plan.coding, slice);
      ++stats.slices;
      begin += length;
    }
  }
  ++stats.sections;
}

}  // namespace

std::vector<std::uint8_t> encode_mlw(std::span<const std::int16_t> weights,
                                     const MlwEncodeOptions& options, MlwEncodeStats* stats) {
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] < mlw::kMinWeight || weights[i] > mlw::kMaxWeight) {
      throw_input(fmt::format("weight {} at index {} is outside the encodable range {}..{}",
                              weights[i], i, mlw::kMinWeight, mlw::kMaxWeight));
    }
  }
  if (weights.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw_input(fmt::format("weight stream of {} values is too long to encode", weights.size()));
  }
  MlwEncodeStats local_stats;
  BitWriter out;
  // Sections are planned independently; a split is kept only if its plans come out smaller
  // than one section over everything, as the split's estimate may be off.
  std::vector<std::size_t> starts;
  switch (options.effort) {
    case MlwEffort::kFast:
      if (!weights.empty()) {
        starts = {0};
      }
      break;
    case MlwEffort::kDefault:
      starts = partition_sections(weights, {64, CodingSearch::kQuick});
      break;
    case MlwEffort::kBest:
      starts = partition_sections(weights, {256, CodingSearch::kThorough});
      break;
  }
  std::vector<SectionPlan> plans;
  std::int64_t split_bits = 0;
  for (std::size_t s = 0; s < starts.size(); ++s) {
    const std::size_t end = s + 1 < starts.size() ? starts[s + 1] : weights.size();
    plans.push_back(plan_section(weights.subspan(starts[s], end - starts[s]), options.effort));
    split_bits += plans.back().estimated_bits + (s > 0 ? kSectionStartBits : 0);
  }
  if (plans.size() > 1) {
    SectionPlan whole = plan_section(weights, options.effort);
    if (whole.estimated_bits <= split_bits) {
      plans.clear();
      plans.push_back(std::move(whole));
    }
  }
  std::int64_t estimated_bits = 0;
  for (const SectionPlan& plan : plans)
    estimated_bits += plan.estimated_bits;
  // The estimate is close: a little slack saves growing the buffer.
  out.reserve_bits(static_cast<std::size_t>(std::max<std::int64_t>(estimated_bits, 0)) * 17 / 16 +
                   1024);
  for (const SectionPlan& plan : plans) {
    write_section(out, plan, local_stats);
  }
  local_stats.payload_bits = out.bit_count();
  write_end_of_stream(out);
  if (stats != nullptr) {
    *stats = local_stats;
  }
  return out.take_bytes();
}

}  // namespace euc::weights
