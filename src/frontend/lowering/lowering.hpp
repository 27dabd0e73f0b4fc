#pragma once
// Lowering: a network subgraph becomes a sequence of segments, each either one CPU operator
// passed through untouched or an NPU segment (an ir::NpuGraph of NPU primitive operations).
// Consecutive NPU-supported operators form one segment.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/model.hpp"
#include "ir/npu_graph.hpp"

namespace euc::frontend {

struct Segment {
  bool on_npu = false;
  std::vector<int> network_ops;  // subgraph operator indices, in order
  ir::NpuGraph graph;            // NPU segments only
};

struct LoweredSubgraph {
  int subgraph = 0;
  std::vector<Segment> segments;  // in execution order
};

// `on_npu[i]` says whether operator i of the subgraph may run on the NPU (the supported-operator
// checks decide). Operators that lowering cannot express yet stay on the CPU.
LoweredSubgraph lower_subgraph(const ir::Model& model, int subgraph,
                               const std::vector<bool>& on_npu);

// Why lowering cannot express operator `op_index` of `subgraph` (nullopt: it can, given its
// neighbours for a PAD). The operator stays on the CPU for that reason.
std::optional<std::string> why_not_lowered(const ir::Model& model, int subgraph, int op_index);
inline constexpr std::string_view kNotLoweredReason =
    "euc does not lower this operator type to the NPU yet";

struct FoldedPad;
// Whether operator `op_index` is a PAD that folds into the padding of the convolution reading
// its output: height/width padding only, no wider than the convolution's kernel, its output
// read only by that convolution (the next operator, with VALID padding).
bool pad_folds_into_next(const ir::Model& model, int subgraph, int op_index, FoldedPad* fold);

}  // namespace euc::frontend
