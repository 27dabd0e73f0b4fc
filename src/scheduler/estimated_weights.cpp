#include "scheduler/estimated_weights.hpp"

#include "arch/accelerator.hpp"

namespace euc::scheduler {

int64_t EstimatedWeights::estimate_stream_bytes(const ir::NpuGraph& graph,
                                                const ir::NpuOp& op) const {
  const ir::NpuTensor* w = op.weights >= 0 ? &graph.tensors[op.weights] : nullptr;
  if (w == nullptr || !w->data)
    return -1;
  return static_cast<int64_t>(w->data->size()) + int64_t{10} * op.ofm.shape.c + 32;
}

ConstantLayout EstimatedWeights::encode(const ir::NpuGraph& graph, const Plan& plan) const {
  ConstantLayout layout;
  layout.op_weights.resize(graph.ops.size());
  layout.op_streams.resize(graph.ops.size());
  layout.op_slices.resize(graph.ops.size());
  layout.tensor_address.assign(graph.tensors.size(), -1);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::NpuOp& op = graph.ops[i];
    const int64_t bytes = estimate_stream_bytes(graph, op);
    if (bytes < 0)
      continue;
    std::vector<int> depths = plan.ops[i].weight_buffer.depth_slices;
    if (depths.size() <= 2)
      depths = {0, op.ofm.shape.c};
    // Identical streams share an address: the weight tensor's index stands for it.
    layout.op_streams[i] = {op.weights, (bytes + 15) / 16 * 16};
    for (size_t k = 0; k + 1 < depths.size(); ++k) {
      ConstantLayout::Slice slice;
      slice.depth_begin = depths[k];
      slice.depth_end = depths[k + 1];
      slice.stream.address = op.weights;
      slice.stream.size = (bytes * (depths[k + 1] - depths[k]) / op.ofm.shape.c + 15) / 16 * 16;
      layout.op_slices[i].push_back(slice);
    }
  }
  // Tables: their sizes at distinct made-up addresses (like the streams above).
  for (size_t k = 0; k < graph.luts.size(); ++k) {
    const std::optional<int> element = ir::element_size(graph.luts[k].type);
    layout.luts.push_back(
        {static_cast<int64_t>(k), arch::lut_table_bytes(element ? *element * 8 : 0)});
  }
  return layout;
}

}  // namespace euc::scheduler
