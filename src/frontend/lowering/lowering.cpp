#include "frontend/lowering/lowering.hpp"

#include <set>

#include "frontend/lowering/lower_ops.hpp"

namespace euc::frontend {
namespace {

bool is_reshape(ir::BuiltinOp op) {
  return op == ir::BuiltinOp::RESHAPE || op == ir::BuiltinOp::SQUEEZE ||
         op == ir::BuiltinOp::EXPAND_DIMS;
}

}  // namespace

bool can_lower(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  return lowering_handles(model, sg, sg.operators.at(op_index));
}

LoweredSubgraph lower_subgraph(const ir::Model& model, int subgraph,
                               const std::vector<bool>& on_npu) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const int n = static_cast<int>(sg.operators.size());
  std::vector<bool> npu(n);
  for (int i = 0; i < n; ++i) {
    npu[i] = i < static_cast<int>(on_npu.size()) && on_npu[i] && can_lower(model, subgraph, i);
  }
  // Runs of consecutive NPU operators; a run made only of reshapes stays on the CPU (moving
  // it would add a copy and a CPU/NPU switch for nothing).
  LoweredSubgraph out;
  out.subgraph = subgraph;
  for (int i = 0; i < n;) {
    Segment seg;
    seg.on_npu = npu[i];
    int j = i;
    while (j < n && npu[j] == seg.on_npu && (seg.on_npu || j == i))
      seg.network_ops.push_back(j++);
    if (seg.on_npu) {
      bool only_reshapes = true;
      for (int op : seg.network_ops)
        only_reshapes &= is_reshape(sg.operators[op].type);
      if (only_reshapes) {
        for (int op : seg.network_ops)
          out.segments.push_back({false, {op}, {}});
        i = j;
        continue;
      }
    }
    out.segments.push_back(std::move(seg));
    i = j;
  }
  // Build each NPU segment's graph.
  std::set<int> subgraph_outputs(sg.outputs.begin(), sg.outputs.end());
  for (size_t s = 0; s < out.segments.size(); ++s) {
    Segment& seg = out.segments[s];
    if (!seg.on_npu)
      continue;
    SegmentBuilder builder(model, sg);
    std::set<int> produced;
    for (int op_index : seg.network_ops) {
      const ir::Operator& op = sg.operators[op_index];
      lower_operator(builder, op, op_index, [&](int t) { return produced.count(t) != 0; });
      for (int t : op.outputs)
        produced.insert(t);
    }
    int last = seg.network_ops.back();
    auto needed_outside = [&](int t) {
      if (subgraph_outputs.count(t) != 0)
        return true;
      for (int k = last + 1; k < n; ++k) {
        for (int in : sg.operators[k].inputs) {
          if (in == t)
            return true;
        }
      }
      return false;
    };
    seg.graph = builder.finish(needed_outside);
  }
  return out;
}

}  // namespace euc::frontend
