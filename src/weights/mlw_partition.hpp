#pragma once
// Where an MLW stream should define a new palette: the split of the weights into sections, each
// coded with its own palette, direct offset and zero-run mode.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "weights/mlw_section.hpp"

namespace euc::weights {

// Estimated cost of a section start beyond its palette: the 23-bit slice header plus the
// unused tail of the previous slice's last chunks.
inline constexpr int kSectionStartBits = 40;

struct PartitionOptions {
  // The stream is cut into at most this many equal blocks of at least 256 weights; a change of
  // statistics that lasts less than a block may go unnoticed. Work grows with the block count.
  std::size_t max_blocks = 64;
  CodingSearch search = CodingSearch::kQuick;
};

// The first weight of each section, ascending, starting with 0 (empty for no weights).
//
// The stream is cut into blocks, adjacent sections are merged greedily, the pair whose merge
// saves most first, while a merge saves bits, and each remaining boundary is then moved to the
// best position within a block either side. A section's cost is the estimate of
// weights/mlw_section.hpp for its best coding plus kSectionStartBits.
std::vector<std::size_t> partition_sections(std::span<const std::int16_t> weights,
                                            const PartitionOptions& options = {});

}  // namespace euc::weights
