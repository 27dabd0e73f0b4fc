#pragma once
// Network rewrites before the supported-operator checks: operators whose result the compiler
// knows from the model alone become constant tensors, as Vela folds them. Today: SHAPE, whose
// value is its input's static shape (what TensorFlow Lite Micro's kernel writes: the tensor's
// dims, whatever its shape signature says).
#include <vector>

#include "ir/model.hpp"

namespace euc::frontend {

struct FoldReport {
  int folded = 0;  // operators replaced by constants
  // Per subgraph: the index in the original model of each operator of the rewritten one.
  std::vector<std::vector<int>> original_index;
};

// The model with every foldable operator removed and its output made a constant buffer. An
// operator is folded only when its output is an int32/int64 tensor of the expected shape that
// is neither a subgraph input nor a subgraph output, and not read before it is written; anything
// else is left as it is (it still runs, on the CPU).
ir::Model fold_constants(const ir::Model& model, FoldReport* report = nullptr);

}  // namespace euc::frontend
