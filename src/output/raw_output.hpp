#pragma once
// `--output-format raw`: the compiled network as the `<stem>_vela.npz` Vela writes for runtimes
// without TensorFlow Lite Micro (ExecuTorch's Arm backend reads it): the command stream, the
// read-only data, the scratch sizes and the region, offset, shape and element size of every
// input and output (docs/output_formats.md §Raw output lists the keys).
#include <cstdint>
#include <string_view>
#include <vector>

#include "ir/model.hpp"
#include "output/npz.hpp"

namespace euc::output {

struct RawOutputOptions {
  // The scratch_fast tensor is its own region (2) only when feature maps spill to the SRAM
  // cache (Dedicated_Sram); otherwise it is the scratch region (1), as in Vela.
  bool fast_scratch_region = false;
  // --separate-io-regions: inputs in regions 3.., outputs in the regions after them, each at
  // offset 0 of its own region.
  bool separate_io_regions = false;
};

// The arrays of the raw output of a compiled model (euc's or Vela's). The model must be one
// ethos-u operator and nothing else: throws an input error prefixed with `source` naming what
// else it holds (CPU operators, more ethos-u operators, more subgraphs).
NpzArrays raw_output_arrays(const ir::Model& compiled, const RawOutputOptions& options,
                            std::string_view source);
std::vector<uint8_t> raw_output_npz(const ir::Model& compiled, const RawOutputOptions& options,
                                    std::string_view source);

}  // namespace euc::output
