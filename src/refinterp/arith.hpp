#pragma once
// The reference kernels' integer arithmetic (src/refmath, shared with the compiler's lookup
// tables) under the interpreter's namespace.
#include "refmath/fixed_point.hpp"
#include "refmath/quant_math.hpp"

namespace euc::refinterp {
using namespace refmath;  // NOLINT(google-build-using-namespace): one vocabulary, two libraries
}  // namespace euc::refinterp
