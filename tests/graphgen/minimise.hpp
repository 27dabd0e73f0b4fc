#pragma once
// Shrinks a failing recipe while a predicate still says it fails: removes steps (from the end,
// with everything that reads them, or bypassed), cuts the graph before a step (what the kept
// steps read becomes graph inputs), drops extra outputs, halves input shapes and channel
// counts, and simplifies parameters (1x1 kernels, unit strides and dilations, no activation,
// constant operands). Every candidate is built (invalid ones are skipped) and checked.
#include <functional>

#include "ir/model.hpp"
#include "recipe.hpp"

namespace euc::graphgen {

struct MinimiseOptions {
  int max_checks = 400;      // predicate calls at most
  double max_seconds = 120;  // wall time at most
};

struct MinimiseResult {
  Recipe recipe;  // the smallest failing recipe found
  int checks = 0;
  int accepted = 0;
};

// `fails` gets a candidate's model and says whether it shows the failure being minimised.
MinimiseResult minimise(const Recipe& failing, const std::function<bool(const ir::Model&)>& fails,
                        const MinimiseOptions& options = {});

}  // namespace euc::graphgen
