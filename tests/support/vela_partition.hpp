#pragma once
// Which operators of an input model a Vela output leaves on the CPU, so that euc can be compiled
// with exactly the same partition (driver::CompileOptions::cpu_operators) and the two compared
// like for like (bench/timing/timing_comparison, tests/unit/scheduler/static_agreement_test).
#include <algorithm>
#include <utility>
#include <vector>

#include "ir/model.hpp"

namespace euc::test {

// The operators of `original` that `compiled` (a Vela output) leaves on the CPU, as (subgraph,
// operator) pairs. Vela keeps the operator order and replaces each run of NPU operators by one
// ethos-u operator: the two sequences are aligned (a CPU operator matches one of its type, an
// ethos-u operator a run of one or more). Tensor names cannot be used: models may have none.
inline std::vector<std::pair<int, int>> operators_left_on_cpu(const ir::Model& original,
                                                              const ir::Model& compiled) {
  std::vector<std::pair<int, int>> out;
  const size_t subgraphs = std::min(original.subgraphs.size(), compiled.subgraphs.size());
  for (size_t g = 0; g < subgraphs; ++g) {
    const auto& a = original.subgraphs[g].operators;
    const auto& b = compiled.subgraphs[g].operators;
    const auto npu = [&b](size_t j) {
      return b[j].type == ir::BuiltinOp::CUSTOM && b[j].custom_code == "ethos-u";
    };
    // aligns[i][j]: a[i..] can be matched by b[j..]
    std::vector<std::vector<char>> aligns(a.size() + 1, std::vector<char>(b.size() + 1, 0));
    aligns[a.size()][b.size()] = 1;
    for (size_t i = a.size() + 1; i-- > 0;) {
      for (size_t j = b.size(); j-- > 0;) {
        if (!npu(j)) {
          aligns[i][j] = i < a.size() && a[i].type == b[j].type &&
                         a[i].custom_code == b[j].custom_code && aligns[i + 1][j + 1];
        } else {
          for (size_t k = i + 1; k <= a.size() && !aligns[i][j]; ++k)
            aligns[i][j] = aligns[k][j + 1];
        }
      }
    }
    if (!aligns[0][0])
      continue;  // not Vela's partition of this subgraph
    size_t i = 0;
    for (size_t j = 0; j < b.size(); ++j) {
      if (!npu(j)) {
        out.emplace_back(static_cast<int>(g), static_cast<int>(i));
        ++i;
        continue;
      }
      size_t k = i + 1;
      while (!aligns[k][j + 1])
        ++k;
      i = k;
    }
  }
  return out;
}

}  // namespace euc::test
