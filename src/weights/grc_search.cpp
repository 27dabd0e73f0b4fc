#include "weights/grc_search.hpp"
#include <cstdint>

#include <algorithm>

#include "weights/mlw_format.hpp"

namespace euc::weights::grc {

std::int32_t weight_bits(int code, int index, int uncompressed_bits) {
  const WeightCode& c = kWeightCodes[static_cast<std::size_t>(code)];
  if (c.uncompressed) {
    if (uncompressed_bits <= 0 || index >= (1 << uncompressed_bits)) {
      return kImpossible;
    }
    return uncompressed_bits;
  }
  const int q = index >> c.div;
  if (c.truncated) {
    return q > 2 ? kImpossible : std::min(q + 1, 2) + c.div;
  }
  return q > mlw::kMaxWeightQuotient ? kImpossible : q + 1 + c.div;
}

// Built once at start-up; nothing reads it before main.
const std::array<WeightBitsRow, kWeightBitsTableIndices* kWeightBitsTableWidths> kWeightBitsTable =
    [] {
      static_assert(kWeightBitsTableIndices == mlw::kMaxWeightIndex + 1);
      static_assert(kWeightBitsTableWidths == mlw::kMaxPaletteBits + 1);
      std::array<WeightBitsRow, kWeightBitsTableIndices * kWeightBitsTableWidths> t{};
      for (int width = 0; width < kWeightBitsTableWidths; ++width) {
        for (int i = 0; i < kWeightBitsTableIndices; ++i) {
          for (int code = 0; code < kWeightCodeCount; ++code) {
            t[static_cast<std::size_t>(width * kWeightBitsTableIndices + i)]
             [static_cast<std::size_t>(code)] = weight_bits(code, i, width);
          }
        }
      }
      return t;
    }();

namespace {

constexpr int kMaxStates = kWeightCodeCount * kZeroRunCodeCount;
static_assert(kMaxStates <= 64, "switch flags are kept in one 64-bit mask per position");

// Bits of one block of weights (and the zero runs that follow them) under every weight code
// and every zero-run code.
struct BlockCosts {
  std::array<std::int64_t, kWeightCodeCount> weight{};
  std::array<std::int64_t, kZeroRunCodeCount> run{};
};

BlockCosts block_costs(std::span<const std::uint16_t> indices, std::span<const std::uint32_t> runs,
                       std::size_t begin, std::size_t end, int uncompressed_bits) {
  BlockCosts c;
  // 64-bit sums: a few kImpossible entries already overflow 32 bits.
  for (std::size_t k = begin; k < end; ++k) {
    const WeightBitsRow& row = weight_bits_row(indices[k], uncompressed_bits);
    for (std::size_t code = 0; code < c.weight.size(); ++code) {
      c.weight[code] += row[code];
    }
  }
  if (!runs.empty()) {
    // Run k + 1 follows weight k; the first block also codes run 0.
    for (int z = 0; z < kZeroRunCodeCount; ++z) {
      std::int64_t bits = begin == 0 ? zero_run_bits(z, runs[0]) : 0;
      for (std::size_t k = begin; k < end; ++k) {
        bits += zero_run_bits(z, runs[k + 1]);
      }
      c.run[static_cast<std::size_t>(z)] = bits;
    }
  }
  return c;
}

}  // namespace

SliceCodePlan choose_slice_codes(std::span<const std::uint16_t> indices,
                                 std::span<const std::uint32_t> runs, int uncompressed_bits,
                                 int switch_cost_bits, std::size_t granularity) {
  SliceCodePlan plan;
  const std::size_t n = indices.size();
  if (n == 0) {
    return plan;
  }
  const std::size_t step = std::max<std::size_t>(granularity, 1);
  const std::size_t blocks = (n + step - 1) / step;
  const bool zero_runs = !runs.empty();
  const int run_codes = zero_runs ? kZeroRunCodeCount : 1;
  const int states = kWeightCodeCount * run_codes;

  // switched[b] bit s: state s at block b was entered from best_before[b], starting a slice.
  std::vector<std::uint64_t> switched(blocks, 0);
  std::vector<std::uint8_t> best_before(blocks, 0);
  std::array<std::int64_t, kMaxStates> cost{};

  BlockCosts bc = block_costs(indices, runs, 0, std::min(step, n), uncompressed_bits);
  for (int s = 0; s < states; ++s) {
    cost[static_cast<std::size_t>(s)] = bc.weight[static_cast<std::size_t>(s / run_codes)] +
                                        bc.run[static_cast<std::size_t>(s % run_codes)];
  }
  // The cheapest state so far, found while updating (first minimum, as a separate scan would).
  auto cheapest = [&] {
    int b = 0;
    for (int s = 1; s < states; ++s) {
      if (cost[static_cast<std::size_t>(s)] < cost[static_cast<std::size_t>(b)])
        b = s;
    }
    return b;
  };
  int best = cheapest();
  for (std::size_t b = 1; b < blocks; ++b) {
    const std::int64_t switch_cost = cost[static_cast<std::size_t>(best)] + switch_cost_bits;
    bc = block_costs(indices, runs, b * step, std::min((b + 1) * step, n), uncompressed_bits);
    std::uint64_t flags = 0;
    int s = 0;
    int next_best = 0;
    std::int64_t next_cost = INT64_MAX;
    for (int code = 0; code < kWeightCodeCount; ++code) {
      const std::int64_t bits = bc.weight[static_cast<std::size_t>(code)];
      for (int z = 0; z < run_codes; ++z, ++s) {
        std::int64_t& c = cost[static_cast<std::size_t>(s)];
        if (switch_cost < c) {
          c = switch_cost;
          flags |= std::uint64_t{1} << s;
        }
        c += bits + bc.run[static_cast<std::size_t>(z)];
        if (c < next_cost) {
          next_cost = c;
          next_best = s;
        }
      }
    }
    switched[b] = flags;
    best_before[b] = static_cast<std::uint8_t>(best);
    best = next_best;
  }

  int state = cheapest();
  plan.estimated_bits = cost[static_cast<std::size_t>(state)];

  // Walk back, collecting slices from the last to the first.
  std::size_t end = n;
  for (std::size_t b = blocks; b-- > 0;) {
    const bool starts_slice = b == 0 || ((switched[b] >> state) & 1u) != 0;
    if (!starts_slice) {
      continue;
    }
    plan.slices.push_back({b * step, end, state / run_codes, state % run_codes});
    end = b * step;
    if (b > 0) {
      state = best_before[b];
    }
  }
  std::reverse(plan.slices.begin(), plan.slices.end());
  return plan;
}

}  // namespace euc::weights::grc
