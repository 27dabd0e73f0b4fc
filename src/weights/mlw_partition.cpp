#include "weights/mlw_partition.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <queue>

#include "weights/grc_search.hpp"
#include "weights/mlw_format.hpp"
#include "weights/mlw_section.hpp"

namespace euc::weights {
namespace {

constexpr std::size_t kMinBlockWeights = 256;

// What a section's cost depends on; two sections' summaries add up to their union's.
struct Summary {
  ValueHistogram histogram{};
  ZeroRunBits run_bits{};

  void add(const Summary& other) {
    for (std::size_t v = 0; v < histogram.size(); ++v) {
      histogram[v] += other.histogram[v];
    }
    for (std::size_t d = 0; d < run_bits.size(); ++d) {
      run_bits[d] += other.run_bits[d];
    }
  }
};

struct CostedCoding {
  std::int64_t bits = std::numeric_limits<std::int64_t>::max();
  MlwSectionCoding coding;
};

CostedCoding best_coding(const Summary& summary, CodingSearch search) {
  CostedCoding best;
  for (MlwSectionCoding& coding : candidate_codings(summary.histogram, search)) {
    const std::int64_t bits = estimate_section_bits(summary.histogram, summary.run_bits, coding);
    if (bits < best.bits) {
      best = {bits, std::move(coding)};
    }
  }
  return best;
}

std::int64_t section_cost(const Summary& summary, CodingSearch search) {
  return best_coding(summary, search).bits + kSectionStartBits;
}

// A section's estimated size under a fixed coding, kept up to date while weights move in or out
// at one end: the bits of every weight code and every zero-run code over the section's weights.
class RunningCost {
 public:
  RunningCost(const MlwSectionCoding& coding, const Summary& summary) : coding_(coding) {
    const auto index_of = weight_index_map(coding);
    for (std::size_t v = 0; v < bits_by_value_.size(); ++v) {
      const auto& row = grc::weight_bits_row(index_of[v], coding.uncompressed_bits);
      const bool free_zero = coding.zero_runs && v == 0;
      for (std::size_t code = 0; code < row.size(); ++code) {
        bits_by_value_[v][code] = free_zero ? 0 : row[code];
      }
    }
    for (std::size_t v = 0; v < summary.histogram.size(); ++v) {
      if (summary.histogram[v] != 0) {
        change(v, summary.histogram[v]);
      }
    }
    if (coding.zero_runs) {
      runs_ = summary.run_bits;
    }
  }
  // Adds (sign +1) or removes (-1) the weight `value` that ends a zero run of `run` zeros.
  void move(std::int16_t value, std::uint32_t run, int sign) {
    change(static_cast<std::size_t>(mlw::to_sign_magnitude(value)), sign);
    if (coding_.zero_runs && value != 0) {
      for (std::size_t d = 0; d < runs_.size(); ++d) {
        runs_[d] += sign * grc::zero_run_bits(static_cast<int>(d), run);
      }
    }
  }
  std::int64_t bits() const {
    std::int64_t b = *std::min_element(weights_.begin(), weights_.end());
    if (coding_.zero_runs) {
      b += *std::min_element(runs_.begin(), runs_.end());
    }
    return b;
  }

 private:
  void change(std::size_t value, std::int64_t count) {
    for (std::size_t c = 0; c < weights_.size(); ++c) {
      weights_[c] += count * bits_by_value_[value][c];
    }
  }
  const MlwSectionCoding& coding_;
  std::array<std::array<std::int64_t, grc::kWeightCodeCount>, 512> bits_by_value_{};
  std::array<std::int64_t, grc::kWeightCodeCount> weights_{};
  ZeroRunBits runs_{};
};

struct Section {
  std::size_t begin = 0;
  Summary summary;
  std::int64_t cost = 0;
  int version = 0;
  bool alive = true;
  std::size_t next = 0;  // index of the following section; == count for the last
  std::size_t prev = 0;  // index of the preceding section; meaningless for the first
};

struct Merge {
  std::int64_t saving = 0;
  std::size_t left = 0;
  std::size_t right = 0;
  int left_version = 0;
  int right_version = 0;
  std::int64_t merged_cost = 0;
};

// Largest saving first; on equal savings the leftmost pair, so the result is deterministic.
struct MergeOrder {
  bool operator()(const Merge& a, const Merge& b) const {
    if (a.saving != b.saving) {
      return a.saving < b.saving;
    }
    return a.left > b.left;
  }
};

struct Part {
  std::size_t begin = 0;
  std::size_t end = 0;
  Summary summary;
};

// Moves each boundary between two sections to the position within one block either side where
// the two sections' estimates, each under its current best coding, add up to the least. The
// blocks are coarse, so this finds where the statistics really change.
void refine_boundaries(std::span<const std::int16_t> weights,
                       const std::vector<std::uint32_t>& run_before, std::size_t block,
                       CodingSearch search, std::vector<Part>& parts) {
  auto shift = [&](std::size_t i, Summary& from, Summary& to) {
    const auto v = static_cast<std::size_t>(mlw::to_sign_magnitude(weights[i]));
    --from.histogram[v];
    ++to.histogram[v];
    if (weights[i] == 0) {
      return;
    }
    for (std::size_t d = 0; d < from.run_bits.size(); ++d) {
      const std::int64_t bits = grc::zero_run_bits(static_cast<int>(d), run_before[i]);
      from.run_bits[d] -= bits;
      to.run_bits[d] += bits;
    }
  };
  for (std::size_t k = 0; k + 1 < parts.size(); ++k) {
    Part& left = parts[k];
    Part& right = parts[k + 1];
    const std::size_t boundary = right.begin;
    const std::size_t lo = std::max(left.begin + 1, boundary > block ? boundary - block : 0);
    const std::size_t hi = std::min(right.end - 1, boundary + block);
    if (lo > hi) {
      continue;
    }
    const CostedCoding left_coding = best_coding(left.summary, search);
    const CostedCoding right_coding = best_coding(right.summary, search);
    RunningCost left_cost(left_coding.coding, left.summary);
    RunningCost right_cost(right_coding.coding, right.summary);
    for (std::size_t i = lo; i < boundary; ++i) {
      left_cost.move(weights[i], run_before[i], -1);
      right_cost.move(weights[i], run_before[i], +1);
    }
    std::size_t best = boundary;
    std::int64_t best_bits = std::numeric_limits<std::int64_t>::max();
    for (std::size_t p = lo; p <= hi; ++p) {
      const std::int64_t bits = left_cost.bits() + right_cost.bits();
      if (bits < best_bits) {
        best_bits = bits;
        best = p;
      }
      if (p < hi) {
        left_cost.move(weights[p], run_before[p], +1);
        right_cost.move(weights[p], run_before[p], -1);
      }
    }
    for (std::size_t i = best; i < boundary; ++i) {
      shift(i, left.summary, right.summary);
    }
    for (std::size_t i = boundary; i < best; ++i) {
      shift(i, right.summary, left.summary);
    }
    left.end = best;
    right.begin = best;
  }
}

}  // namespace

std::vector<std::size_t> partition_sections(std::span<const std::int16_t> weights,
                                            const PartitionOptions& options) {
  const std::size_t n = weights.size();
  if (n == 0) {
    return {};
  }
  if (n < 2 * kMinBlockWeights) {
    return {0};
  }
  const std::size_t block =
      std::max(kMinBlockWeights,
               (n + options.max_blocks - 1) / std::max<std::size_t>(options.max_blocks, 1));
  const std::size_t count = (n + block - 1) / block;

  std::vector<Section> sections(count);
  // A zero run is counted in the block of the weight that ends it (the trailing run in the
  // last block), as it would be coded when zero runs are used.
  std::vector<std::uint32_t> run_before(n, 0);
  std::uint32_t run = 0;
  auto add_run = [&](std::size_t section_index) {
    auto& bits = sections[section_index].summary.run_bits;
    for (std::size_t d = 0; d < bits.size(); ++d) {
      bits[d] += grc::zero_run_bits(static_cast<int>(d), run);
    }
    run = 0;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t b = i / block;
    const std::int16_t w = weights[i];
    ++sections[b].summary.histogram[static_cast<std::size_t>(mlw::to_sign_magnitude(w))];
    if (w == 0) {
      ++run;
    } else {
      run_before[i] = run;
      add_run(b);
    }
  }
  add_run(count - 1);
  for (std::size_t b = 0; b < count; ++b) {
    sections[b].begin = b * block;
    sections[b].cost = section_cost(sections[b].summary, options.search);
    sections[b].next = b + 1;
    sections[b].prev = b == 0 ? 0 : b - 1;
  }

  std::priority_queue<Merge, std::vector<Merge>, MergeOrder> merges;
  auto propose = [&](std::size_t left) {
    const std::size_t right = sections[left].next;
    if (right >= count) {
      return;
    }
    Summary merged = sections[left].summary;
    merged.add(sections[right].summary);
    const std::int64_t cost = section_cost(merged, options.search);
    merges.push({sections[left].cost + sections[right].cost - cost, left, right,
                 sections[left].version, sections[right].version, cost});
  };
  for (std::size_t b = 0; b + 1 < count; ++b) {
    propose(b);
  }

  while (!merges.empty()) {
    const Merge m = merges.top();
    merges.pop();
    Section& left = sections[m.left];
    Section& right = sections[m.right];
    if (!left.alive || !right.alive || left.version != m.left_version ||
        right.version != m.right_version) {
      continue;  // proposed before one side changed
    }
    if (m.saving <= 0) {
      break;
    }
    left.summary.add(right.summary);
    left.cost = m.merged_cost;
    ++left.version;
    right.alive = false;
    left.next = right.next;
    if (right.next < count) {
      sections[right.next].prev = m.left;
    }
    if (m.left != 0) {
      propose(left.prev);
    }
    propose(m.left);
  }

  std::vector<Part> parts;
  for (std::size_t s = 0; s < count; s = sections[s].next) {
    const std::size_t next = sections[s].next;
    parts.push_back(
        {sections[s].begin, next < count ? sections[next].begin : n, sections[s].summary});
  }
  refine_boundaries(weights, run_before, block, options.search, parts);
  std::vector<std::size_t> starts;
  for (const Part& part : parts) {
    starts.push_back(part.begin);
  }
  return starts;
}

}  // namespace euc::weights
