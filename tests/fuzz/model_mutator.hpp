#pragma once
// Structure-aware mutations for fuzzing the compiler: a model read into the IR is changed the
// way a buggy converter or a hand-edited file would change it (shapes, types, quantisation,
// operator inputs and outputs, operator types and options, constant values, subgraph inputs and
// outputs, operator order) and written back. Byte-level mutations rarely get past the
// flatbuffer verifier and the reader's checks; these reach the compiler's later stages.
#include <random>

#include "ir/model.hpp"

namespace euc::fuzz {

// Applies one random mutation to `model` (which need not stay well formed: the point is to see
// the compiler reject what it must reject).
void mutate_model(ir::Model& model, std::mt19937& rng);

}  // namespace euc::fuzz
