#pragma once
// Builds one NPU segment: maps network tensors to lowered tensors (following reshape aliases)
// and collects the lowered operations.
#include <map>

#include "ir/model.hpp"
#include "ir/npu_graph.hpp"

namespace euc::frontend {

ir::Shape4 to_shape4(const std::vector<int32_t>& shape);
ir::Shape4 operator+(const ir::Shape4& a, const ir::Shape4& b);

// A PAD whose padding moves into the convolution that reads its output.
struct FoldedPad {
  int input = -1;  // the PAD's input tensor
  ir::Padding padding;
};

class SegmentBuilder {
 public:
  SegmentBuilder(const ir::Model& model, const ir::Subgraph& subgraph)
      : model_(model), subgraph_(subgraph) {}

  // The lowered tensor standing for network tensor `t` (created on first use).
  int tensor(int t);
  // Network tensor `out` is `in` reshaped: it gets its own lowered tensor sharing storage.
  void alias(int out, int in);
  // The part of storage network tensor `t` occupies: all of its own lowered tensor, or its place
  // inside another tensor (see view).
  ir::TensorSlice whole(int t);
  // Network tensor `t` lives inside network tensor `base` at `offset` with `shape` (4-D
  // coordinates of `base`): a piece of a join that its producer writes in place, or a piece of a
  // split that its readers read in place. It gets no storage of its own. Views may nest.
  void view(int t, int base, ir::Shape4 offset, ir::Shape4 shape) {
    views_[t] = {base, offset, shape};
  }
  bool has_view(int t) const { return views_.count(t) != 0; }
  // Network tensor `pad_output` is a PAD's output that folds into its reader's padding.
  void fold_pad(int pad_output, FoldedPad pad) { folded_pads_[pad_output] = pad; }
  const FoldedPad* folded_pad(int t) const {
    auto it = folded_pads_.find(t);
    return it == folded_pads_.end() ? nullptr : &it->second;
  }
  // An internal constant the lowering derived (e.g. rearranged weights).
  int add_constant(ir::NpuTensor tensor);
  // An internal 1x1x1x1 int32 constant (an elementwise operation's scalar operand), named
  // `name`; its lowered index.
  int add_int32_scalar(std::string name, int32_t value);
  // An internal feature map (an intermediate result of a lowering; network_tensor -1): neither
  // a segment input nor output.
  int add_feature_map(ir::NpuTensor tensor);
  // The same, built from its name, type, shape and quantisation.
  int add_feature_map(std::string name, ir::DataType type, const ir::Shape4& shape,
                      const ir::QuantParams& quant = {});
  // A tensor sharing the storage of whole lowered tensor `t` (laid out linearly) in another
  // shape and quantisation, named `name`: a view for the lowerings that reinterpret bytes
  // (rows of a softmax, the reduced axes of a reduction).
  int add_view(int t, const ir::Shape4& shape, const ir::QuantParams& quant, std::string name);
  // The tensor whose storage lowered tensor `t` uses (itself unless it is an alias).
  int storage_of(int t) const {
    while (graph_.tensors.at(t).alias_of >= 0)
      t = graph_.tensors.at(t).alias_of;
    return t;
  }
  // Whether `s` covers all of its tensor.
  bool is_whole(const ir::TensorSlice& s) const {
    return s.offset == ir::Shape4{0, 0, 0, 0} && s.shape == graph_.tensors.at(s.tensor).shape;
  }
  void add(ir::NpuOp op) { graph_.ops.push_back(std::move(op)); }
  // The operation added last.
  ir::NpuOp& last_op() { return graph_.ops.back(); }
  // A lookup table for activations; identical tables are stored once. Returns its index.
  int add_lut(ir::Lut lut);
  // The operation of this segment that writes all of network tensor `t`, when nothing but one
  // network operator reads `t` and `t` is a plain tensor (not a subgraph output, a view, an
  // alias or a constant): an activation of `t` may then fold into that operation's output stage.
  ir::NpuOp* sole_producer(int t);

  const ir::Tensor& network_tensor(int t) const { return subgraph_.tensors.at(t); }
  const ir::NpuTensor& lowered(int index) const { return graph_.tensors.at(index); }
  ir::NpuTensor& lowered_mut(int index) { return graph_.tensors.at(index); }
  const ir::Model& model() const { return model_; }
  const ir::Subgraph& subgraph() const { return subgraph_; }
  // A 1x1 max pool copying the raw values of `from` into `to` (equal shapes and element types;
  // zero points are not applied, so quantisation may differ, as in TFLite's byte copies).
  ir::NpuOp byte_copy(const ir::TensorSlice& from, const ir::TensorSlice& to,
                      const std::string& name) const;

  // Finishes the segment: its inputs are the non-constant tensors it reads but does not
  // produce; its outputs the tensors it produces that `needed_outside` reports as used later.
  // A variable tensor it reads and writes is both (the lowering writes it after its reads).
  template <class NeededOutside>
  ir::NpuGraph finish(NeededOutside needed_outside);

 private:
  // A 1x1 max pool copying `from` into `to` (same element count and quantisation), viewed in
  // the source's shape.
  ir::NpuOp identity_copy(int from, int to) const;

  const ir::Model& model_;
  const ir::Subgraph& subgraph_;
  ir::NpuGraph graph_;
  std::map<int, int> lowered_;  // network tensor -> lowered tensor
  std::map<int, FoldedPad> folded_pads_;
  struct View {
    int base = -1;
    ir::Shape4 offset{0, 0, 0, 0};
    ir::Shape4 shape;
  };
  std::map<int, View> views_;
};

template <class NeededOutside>
ir::NpuGraph SegmentBuilder::finish(NeededOutside needed_outside) {
  auto produced = [&] {
    std::vector<bool> p(graph_.tensors.size(), false);
    for (const ir::NpuOp& op : graph_.ops) {
      // Writing through a reshaped view writes its storage (a lowering's own view of an output).
      for (int t = op.ofm.tensor; t >= 0; t = graph_.tensors[t].alias_of)
        p[t] = true;
    }
    return p;
  };
  std::vector<bool> made = produced();
  // A reshape of a segment input that is also needed after the segment cannot share the input's
  // storage (the custom operator's input and output would be one tensor): copy it first.
  std::vector<ir::NpuOp> copies;
  for (const auto& [net, low] : lowered_) {
    int base = graph_.tensors[low].alias_of;
    if (base < 0 || made[base] || !needed_outside(net))
      continue;
    graph_.tensors[low].alias_of = -1;
    copies.push_back(identity_copy(base, low));
  }
  graph_.ops.insert(graph_.ops.begin(), copies.begin(), copies.end());
  made = produced();
  for (size_t i = 0; i < graph_.tensors.size(); ++i) {
    int base = graph_.tensors[i].alias_of;
    if (base >= 0 && made[base])
      made[i] = true;
  }
  // Tensors some operation reads (through reshape aliases, their storage is read).
  std::vector<bool> read(graph_.tensors.size(), false);
  for (const ir::NpuOp& op : graph_.ops) {
    for (int t : {op.ifm.tensor, op.ifm2.tensor}) {
      for (; t >= 0; t = graph_.tensors[t].alias_of)
        read[t] = true;
    }
  }
  for (const auto& [net, low] : lowered_) {
    const ir::NpuTensor& t = graph_.tensors[low];
    if (t.is_constant())
      continue;
    if (!made[low] && t.alias_of < 0) {
      if (read[low])  // (a tensor nothing reads, such as a folded PAD's output, is no input)
        graph_.inputs.push_back(low);
    } else if (made[low] && t.alias_of < 0 && read[low] && subgraph_.tensors.at(net).is_variable) {
      // State a lowering reads and writes back (an LSTM's variable tensors): an input and an
      // output of the segment at one address, written after its last read.
      graph_.inputs.push_back(low);
      graph_.outputs.push_back(low);
    } else if (made[low] && needed_outside(net)) {
      graph_.outputs.push_back(low);
    }
  }
  return std::move(graph_);
}

}  // namespace euc::frontend
