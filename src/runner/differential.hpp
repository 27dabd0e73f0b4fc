#pragma once
// Differential check of a compilation: the original model on the reference interpreter, the
// compiled model (CPU operators on the reference interpreter, ethos-u operators on the
// functional NPU model) on the same inputs; every output must be byte-identical. Used by
// `euc --verify`, the random-graph fuzzer and the tests.
#include <cstdint>
#include <functional>
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

// The NPU operation that last wrote the first differing output element.
struct Culprit {
  std::size_t ethosu_operator = 0;  // ethos-u operators counted in execution order
  std::size_t operation = 0;        // NPU operations (DMAs included) of its command stream
  std::size_t block_operation = 0;  // CONV, DEPTHWISE, POOL and ELEMENTWISE launches only
  std::string kind;                 // "CONV", "POOL", ...
  std::size_t command_offset = 0;   // byte offset of the launch in the command stream
};

struct Comparison {
  std::vector<bool> output_equal;         // per output
  std::optional<OutputDifference> first;  // the first differing output, if any
  // When outputs differ: the first tensor an ethos-u operator wrote (execution order) that
  // differs from the original's tensor of the same name, and the NPU operation that wrote its
  // first differing element.
  std::optional<OutputDifference> first_npu_tensor;
  std::optional<Culprit> culprit;
  bool equal() const { return !first.has_value(); }
};

// Runs both models on `inputs` (one byte vector per input of subgraph 0) and compares every
// output. Errors from either run propagate (an NPU access outside its region is an input error
// naming the ethos-u operator and the command).
// The network tensor a block operation writes whole, by name (empty: none, or only a part of
// it, such as one stripe): (ethos-u operator, block operation) -> name. The compiler knows it.
using BlockOfmName = std::function<std::string(std::size_t ethosu, std::size_t block)>;

// With `ofm_name`, every block operation that writes a whole network tensor is compared with the
// reference interpreter's tensor of that name as it runs, and the first that differs is the
// culprit (the first NPU operation that went wrong, not only the last to write an output).
Comparison compare_models(const ir::Model& original, const ir::Model& compiled,
                          std::span<const std::vector<uint8_t>> inputs,
                          const BlockOfmName& ofm_name = {});

}  // namespace euc::runner
