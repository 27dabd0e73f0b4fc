#pragma once
// Differential check of a compilation: the original model on the reference interpreter, the
// compiled model (CPU operators on the reference interpreter, ethos-u operators on the
// functional NPU model) on the same inputs; every output must be byte-identical. Used by
// `euc --verify`, the random-graph fuzzer and the tests.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/model.hpp"

namespace euc::runner {

// Uniformly random bytes for every input of subgraph 0 (any integer type; an input error for
// float inputs), reproducible from `seed`.
std::vector<std::vector<uint8_t>> random_inputs(const ir::Model& model, uint64_t seed);

struct OutputDifference {
  std::size_t output = 0;     // subgraph output index
  std::string tensor;         // its name
  std::size_t element = 0;    // first differing element (in elements of the output's type)
  int64_t want = 0;           // the reference interpreter's value
  int64_t got = 0;            // the compiled model's value
  std::size_t differing = 0;  // how many elements differ in all
};

struct Comparison {
  std::vector<bool> output_equal;         // per output
  std::optional<OutputDifference> first;  // the first differing output, if any
  bool equal() const { return !first.has_value(); }
};

// Runs both models on `inputs` (one byte vector per input of subgraph 0) and compares every
// output. Errors from either run propagate (an NPU access outside its region is an input error
// naming the ethos-u operator and the command).
Comparison compare_models(const ir::Model& original, const ir::Model& compiled,
                          std::span<const std::vector<uint8_t>> inputs);

}  // namespace euc::runner
