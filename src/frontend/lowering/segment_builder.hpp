#pragma once
// Builds one NPU segment: maps network tensors to lowered tensors (following reshape aliases)
// and collects the lowered operations.
#include <map>

#include "ir/model.hpp"
#include "ir/npu_graph.hpp"

namespace euc::frontend {

ir::Shape4 to_shape4(const std::vector<int32_t>& shape);

class SegmentBuilder {
 public:
  SegmentBuilder(const ir::Model& model, const ir::Subgraph& subgraph)
      : model_(model), subgraph_(subgraph) {}

  // The lowered tensor standing for network tensor `t` (created on first use).
  int tensor(int t);
  // Network tensor `out` is `in` reshaped: it gets its own lowered tensor sharing storage.
  void alias(int out, int in);
  ir::TensorSlice whole(int t);
  // An internal constant the lowering derived (e.g. rearranged weights).
  int add_constant(ir::NpuTensor tensor);
  void add(ir::NpuOp op) { graph_.ops.push_back(std::move(op)); }

  const ir::Tensor& network_tensor(int t) const { return subgraph_.tensors.at(t); }
  const ir::NpuTensor& lowered(int index) const { return graph_.tensors.at(index); }
  const ir::Model& model() const { return model_; }

  // Finishes the segment: its inputs are the non-constant tensors it reads but does not
  // produce; its outputs the tensors it produces that `needed_outside` reports as used later.
  template <class NeededOutside>
  ir::NpuGraph finish(NeededOutside needed_outside);

 private:
  const ir::Model& model_;
  const ir::Subgraph& subgraph_;
  ir::NpuGraph graph_;
  std::map<int, int> lowered_;  // network tensor -> lowered tensor
};

template <class NeededOutside>
ir::NpuGraph SegmentBuilder::finish(NeededOutside needed_outside) {
  std::vector<bool> produced(graph_.tensors.size(), false);
  for (const ir::NpuOp& op : graph_.ops)
    produced[op.ofm.tensor] = true;
  // A reshape output is produced when its base is.
  for (size_t i = 0; i < graph_.tensors.size(); ++i) {
    int base = graph_.tensors[i].alias_of;
    if (base >= 0 && produced[base])
      produced[i] = true;
  }
  for (const auto& [net, low] : lowered_) {
    const ir::NpuTensor& t = graph_.tensors[low];
    if (t.is_constant())
      continue;
    // (An alias always has a produced base: reshapes of segment inputs become copies.)
    if (!produced[low] && t.alias_of < 0) {
      graph_.inputs.push_back(low);
    } else if (produced[low] && needed_outside(net)) {
      graph_.outputs.push_back(low);
    }
  }
  return std::move(graph_);
}

}  // namespace euc::frontend
