#pragma once
// Random TFLite graphs, valid by construction, for differential testing of the compiler: the
// same seed and options give the same recipe and the same model bytes.
#include <cstdint>
#include <vector>

#include "ir/model.hpp"
#include "recipe.hpp"

namespace euc::graphgen {

struct GenOptions {
  int max_steps = 14;               // operators per graph: 1..max_steps (composites count each)
  int max_dim = 64;                 // largest input height and width
  int max_channels = 64;            // largest channel count drawn
  double int16_share = 0.2;         // share of graphs with int16 inputs
  double cpu_share = 0.07;          // share of steps that are operators euc leaves on the CPU
  double second_input_share = 0.2;  // share of graphs with a second input
  int64_t max_macs = 2'000'000;     // multiply-accumulates per graph (keeps the oracles fast)
  int64_t max_elements = 40'000;    // elements of the largest feature map
  // Some graphs get budgets this many times larger (feature maps big enough for the scheduler
  // to cascade and spill), in this share of graphs.
  double large_share = 0.15;
  int large_factor = 6;
  int max_dilation = 3;
  double wild_scale_share = 0.05;  // steps whose output scale is far off (see Step)
  // Operators never drawn (e.g. to look past a known bug).
  std::vector<Op> excluded;
};

// The recipe of graph `seed`.
Recipe generate_recipe(uint64_t seed, const GenOptions& options = {});

// The model of graph `seed`, through the TFLite writer and reader.
ir::Model generate(uint64_t seed, const GenOptions& options = {});

}  // namespace euc::graphgen
