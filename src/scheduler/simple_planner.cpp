#include "scheduler/simple_planner.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "scheduler/live_range.hpp"

namespace euc::scheduler {
namespace {

arch::Hwc hwc(const ir::Shape4& s) {
  return {s.n * s.h, s.w, s.c};
}

arch::BlockKind block_kind(ir::NpuOpType type) {
  switch (type) {
    case ir::NpuOpType::kConv2D:
      return arch::BlockKind::kConvolution;
    case ir::NpuOpType::kDepthwiseConv2D:
      return arch::BlockKind::kDepthwise;
    case ir::NpuOpType::kFullyConnected:
      return arch::BlockKind::kVectorProduct;
    case ir::NpuOpType::kMaxPool:
    case ir::NpuOpType::kAvgPool:
    case ir::NpuOpType::kReduceSum:
      return arch::BlockKind::kPooling;
    default:
      return arch::BlockKind::kElementwise;
  }
}

int bits_of(ir::DataType type) {
  auto size = ir::element_size(type);
  return size ? *size * 8 : 8;
}

}  // namespace

arch::BlockConfigRequest block_request(const ir::NpuGraph& graph, const ir::NpuOp& op) {
  arch::BlockConfigRequest r;
  r.kind = block_kind(op.type);
  r.ifm = hwc(op.ifm.shape);
  r.ofm = hwc(op.ofm.shape);
  if (op.ifm2.valid())
    r.ifm2 = hwc(op.ifm2.shape);
  r.ifm2_is_scalar = op.ifm2_scalar.has_value();
  r.ifm_bits = bits_of(graph.tensors[op.ifm.tensor].type);
  r.kernel = {op.kernel.width,    op.kernel.height,     op.kernel.stride_x,
              op.kernel.stride_y, op.kernel.dilation_x, op.kernel.dilation_y};
  r.uses_lut = op.activation.kind == ir::Activation::Kind::kLut;
  r.resampling = op.upscale == ir::Upscale::kNone      ? arch::Resampling::kNone
                 : op.upscale == ir::Upscale::kNearest ? arch::Resampling::kNearest
                                                       : arch::Resampling::kTranspose;
  return r;
}

Plan plan_whole_tensors(const ir::NpuGraph& graph, const arch::SystemConfig& system,
                        const PlanOptions& options) {
  Plan plan;
  const arch::AcceleratorConfig& acc = system.accelerator_config();
  for (const ir::NpuOp& op : graph.ops) {
    OpPlan p;
    p.ofm_stripe = op.ofm.shape;
    if (op.type != ir::NpuOpType::kMemcpy) {
      auto block = arch::find_block_config(acc, block_request(graph, op));
      if (!block) {
        throw_input(fmt::format("operation '{}' ({}): no block configuration fits the SHRAM of {}",
                                op.name, ir::npu_op_type_name(op.type), acc.name));
      }
      p.block = *block;
    }
    plan.ops.push_back(p);
  }
  plan.tensors.resize(graph.tensors.size());
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const ir::NpuTensor& tensor = graph.tensors[t];
    TensorPlacement& place = plan.tensors[t];
    if (tensor.is_constant()) {
      place.region = Region::kFlash;
      place.size = static_cast<int64_t>(tensor.data->size());
    } else {
      place.region = Region::kArena;
      place.size = linear_size(tensor);
    }
  }
  LiveRanges live = compute_live_ranges(graph);
  // Tensors the CPU side also sees (the segment's inputs and outputs) follow its alignment.
  for (int t : graph.inputs) {
    live.ranges[live.range_of[t]].alignment = std::max<int64_t>(16, options.cpu_tensor_alignment);
  }
  for (int t : graph.outputs) {
    live.ranges[live.range_of[t]].alignment = std::max<int64_t>(16, options.cpu_tensor_alignment);
  }
  Allocation alloc = allocate(live.ranges, options.allocator);
  verify_allocation(live.ranges, alloc);
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (live.range_of[t] >= 0)
      plan.tensors[t].address = alloc.addresses[live.range_of[t]];
  }
  plan.arena_size = alloc.peak;
  if (plan.arena_size > options.arena_limit) {
    // Name the operations whose own working set (IFM + IFM2 + OFM) is above the limit.
    std::string culprits;
    for (const ir::NpuOp& op : graph.ops) {
      int64_t need = plan.tensors[op.ifm.tensor].size + plan.tensors[op.ofm.tensor].size +
                     (op.ifm2.valid() ? plan.tensors[op.ifm2.tensor].size : 0);
      if (need > options.arena_limit) {
        culprits +=
            fmt::format("\n  {} ({}): {} bytes", op.name, ir::npu_op_type_name(op.type), need);
      }
    }
    throw_input(
        fmt::format("the plan needs {} bytes of arena but --arena-cache-size is {}{}",
                    plan.arena_size, options.arena_limit,
                    culprits.empty() ? "" : "; operations that do not fit alone:" + culprits));
  }
  return plan;
}

}  // namespace euc::scheduler
