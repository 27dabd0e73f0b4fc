#pragma once
// NumPy-style broadcasting of two operands to an output shape (dimensions aligned from the
// right; a dimension of 1 repeats).
#include <cstdint>
#include <vector>

#include "refinterp/kernel.hpp"

namespace euc::refinterp {

// For each output element in C order, the flat index of the element of `input` that it reads.
// Fails (naming the operator) when `input` cannot broadcast to `output`.
std::vector<int32_t> broadcast_indices(const OpContext& ctx, std::span<const int32_t> input,
                                       std::span<const int32_t> output);

// The broadcast shape of two operands; fails when they are incompatible.
std::vector<int32_t> broadcast_shape(const OpContext& ctx, std::span<const int32_t> a,
                                     std::span<const int32_t> b);

}  // namespace euc::refinterp
