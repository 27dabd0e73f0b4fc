#include "scheduler/plan_cost.hpp"

#include <algorithm>

#include "arch/operation_kinds.hpp"
#include "core/error.hpp"
#include "scheduler/cascade.hpp"
#include "scheduler/initial_plan.hpp"

namespace euc::scheduler {
namespace {

// `read`: the operation reads the slice, from the staged copy when there is one.
arch::FeatureMapAccess access(const ir::NpuGraph& graph, const Plan& plan,
                              const arch::SystemConfig& system, const ir::TensorSlice& slice,
                              bool read) {
  arch::FeatureMapAccess a;
  a.shape = hwc(slice.shape);
  a.bits = bits_of(graph.tensors[slice.tensor].type);
  const TensorPlacement& place = plan.tensors[slice.tensor];
  a.format = place.layout == Layout::kNhcwb16 ? arch::FeatureMapFormat::kNhcwb16
                                              : arch::FeatureMapFormat::kNhwc;
  a.area = area_of(system, read && plan.staged_copy(slice.tensor) != nullptr ? Region::kFastArena
                                                                             : place.region);
  return a;
}

arch::ActivationKind activation_kind(const ir::Activation& act, ir::DataType ofm) {
  switch (act.kind) {
    case ir::Activation::Kind::kNone:
      return arch::ActivationKind::kNone;
    case ir::Activation::Kind::kClamp: {
      auto [lo, hi] = ir::integer_range(ofm);
      return act.min > lo || act.max < hi ? arch::ActivationKind::kClamp
                                          : arch::ActivationKind::kNone;
    }
    default:
      return arch::ActivationKind::kTable;
  }
}

// The kernel launches operation `index` runs as when more than one: a launch per depth slice
// of its weights (each reads the whole IFM of a convolution, the slice's channels of a
// depthwise one), or per cascade stripe (each reads its rows, with the kernel's overlap).
std::vector<arch::OpQuery::Launch> launches(const ir::NpuGraph& graph, const Plan& plan,
                                            size_t index) {
  std::vector<arch::OpQuery::Launch> out;
  const ir::NpuOp& op = graph.ops[index];
  const OpPlan& p = plan.ops[index];
  auto add = [&out](const arch::Hwc& ofm, const arch::Hwc& ifm) {
    for (arch::OpQuery::Launch& l : out) {
      if (l.ofm == ofm && l.ifm == ifm) {
        ++l.count;
        return;
      }
    }
    out.push_back({ofm, ifm, 1});
  };
  const arch::Hwc ofm = hwc(op.ofm.shape);
  const arch::Hwc ifm = hwc(op.ifm.shape);
  if (p.cascade >= 0 && static_cast<size_t>(p.cascade) < plan.cascades.size()) {
    for (const Pass& pass : cascade_passes(graph, plan.cascades[static_cast<size_t>(p.cascade)])) {
      if (pass.op != static_cast<int>(index))
        continue;
      const RowWindow w = input_rows(op, pass.row_begin, pass.row_end);
      add({pass.row_end - pass.row_begin, ofm.width, ofm.depth},
          {std::max(1, w.end - w.begin), ifm.width, ifm.depth});
    }
  } else if (const auto& d = p.weight_buffer.depth_slices; d.size() > 2) {
    const bool depthwise = arch::operation_kind(op.type).kernel == arch::NpuKernel::kDepthwise;
    for (size_t k = 0; k + 1 < d.size(); ++k) {
      const int depth = d[k + 1] - d[k];
      add({ofm.height, ofm.width, depth}, {ifm.height, ifm.width, depthwise ? depth : ifm.depth});
    }
  }
  if (out.size() == 1 && out[0].count == 1)
    out.clear();
  return out;
}

}  // namespace

arch::MemArea area_of(const arch::SystemConfig& system, Region region) {
  switch (region) {
    case Region::kFlash:
      return system.const_area();
    case Region::kArena:
      return system.arena_area();
    case Region::kFastArena:
      return system.cache_area();
  }
  return system.arena_area();
}

double slack_fraction(const ir::NpuGraph& graph, const Plan& plan, size_t index) {
  if (index == 0 || index >= plan.ops.size())
    return 1.0;
  // The launch just before this operation's first one: the first stripe of the previous
  // operation inside the same cascade, else the previous operation's last stripe (or whole).
  const int own = plan.ops[index].cascade;
  const int prev = plan.ops[index - 1].cascade;
  const int c = own >= 0 && own == prev ? own : prev;
  if (c < 0 || static_cast<size_t>(c) >= plan.cascades.size())
    return 1.0;
  const Cascade& cascade = plan.cascades[static_cast<size_t>(c)];
  const int height = graph.ops.at(static_cast<size_t>(cascade.last)).ofm.shape.h;
  const int stripes = (height + cascade.stripe_rows - 1) / std::max(1, cascade.stripe_rows);
  return 1.0 / std::max(1, stripes);
}

OpCostInput cost_input(const ir::NpuGraph& graph, const Plan& plan,
                       const arch::SystemConfig& system, size_t index,
                       std::optional<int64_t> encoded_weight_bytes) {
  const ir::NpuOp& op = graph.ops.at(index);
  const OpPlan& p = plan.ops.at(index);
  OpCostInput in;
  in.slack_fraction = slack_fraction(graph, plan, index);
  const arch::OperationKind& kind = arch::operation_kind(op.type);
  if (kind.is_dma()) {
    in.dma_only = true;
    const ir::NpuTensor& src = graph.tensors[op.ifm.tensor];
    in.dma = arch::DmaTraffic{src.shape.elements() * bits_of(src.type) / 8,
                              area_of(system, plan.tensors[op.ifm.tensor].region),
                              area_of(system, plan.tensors[op.ofm.tensor].region)};
    return in;
  }
  arch::OpQuery& q = in.query;
  q.kind = kind.block;
  q.reduce_sum =
      kind.kernel == arch::NpuKernel::kPooling && kind.pooling == npu::PoolingMode::kReduceSum;
  q.output = kind.output;
  q.activation = activation_kind(op.activation, graph.tensors[op.ofm.tensor].type);
  q.ifm = access(graph, plan, system, op.ifm, true);
  if (op.ifm2_scalar) {
    q.ifm2 = arch::FeatureMapAccess{{1, 1, 1},
                                    bits_of(graph.tensors[op.ifm2.tensor].type),
                                    arch::FeatureMapFormat::kNhwc,
                                    system.const_area()};
  } else if (op.ifm2.valid()) {
    q.ifm2 = access(graph, plan, system, op.ifm2, true);
  }
  q.ofm = access(graph, plan, system, op.ofm, false);
  q.kernel = op.kernel;
  q.ofm_block = p.block.ofm_block;
  q.ifm_block = p.block.ifm_block;
  q.accumulator = p.block.accumulator;
  q.part_kernel_first = p.block.part_kernel_first;
  if (op.weights >= 0) {
    const ir::NpuTensor& w = graph.tensors[op.weights];
    const TensorPlacement& place = plan.tensors[op.weights];
    q.scale_area = area_of(system, place.region);
    arch::WeightTraffic traffic;
    traffic.original_elements =
        w.data ? static_cast<int64_t>(w.data->size()) / std::max(1, bits_of(w.type) / 8) : 0;
    traffic.bias_bytes = q.ifm.bits == 16 ? 8 : 4;
    traffic.encoded_bytes =
        encoded_weight_bytes.value_or(traffic.original_elements + int64_t{10} * op.ofm.shape.c);
    traffic.source_area = q.scale_area.value();
    const WeightBuffer& buffer = p.weight_buffer;
    if (buffer.enabled() && buffer.reuses_previous) {
      // Already in SRAM: the previous operation's copy.
      traffic.buffering = arch::WeightTraffic::Buffering::kResident;
      traffic.buffer_area = area_of(system, buffer.region);
      q.scale_area = traffic.buffer_area;
    } else if (buffer.enabled()) {
      // One buffer, filled under the previous operation: the whole stream is the first DMA. Or
      // two halves: the first slice copies under the previous operation, the others under this
      // one's own slices, the last slice's compute left as slack for the next.
      traffic.buffering = buffer.double_buffered() ? arch::WeightTraffic::Buffering::kDouble
                                                   : arch::WeightTraffic::Buffering::kSingle;
      traffic.buffer_area = area_of(system, buffer.region);
      traffic.first_transfer_bytes = buffer.double_buffered() ? buffer.first : buffer.size;
      if (buffer.double_buffered()) {
        arch::OpQuery tail = q;
        const auto& d = buffer.depth_slices;
        tail.ofm.shape.depth = d[d.size() - 1] - d[d.size() - 2];
        traffic.own_slack_cycles = arch::PerformanceModel(system).op_cycles(tail);
      }
      traffic.full_transfer_cycles = arch::dma_transfer_cycles(
          system, traffic.source_area, traffic.buffer_area, traffic.encoded_bytes);
      q.scale_area = traffic.buffer_area;
    }
    in.weights = traffic;
  }
  q.launches = launches(graph, plan, index);
  // Inputs staged into the SRAM cache at this operation: it waits for their copy.
  for (const StagedInput& staged : plan.staged) {
    if (staged.first_reader != static_cast<int>(index))
      continue;
    if (!in.dma) {
      in.dma =
          arch::DmaTraffic{0, area_of(system, Region::kArena), area_of(system, Region::kFastArena)};
    }
    in.dma->bytes += staged.size;
  }
  // A table copied into the LUT area before the operation, unless the last operation with a
  // table used the same one and the slot survived what ran since (codegen's slot reuse).
  if (op.activation.kind == ir::Activation::Kind::kLut) {
    bool loaded = false;
    for (size_t k = index; k-- > 0;) {
      const ir::Activation& a = graph.ops[k].activation;
      if (a.kind == ir::Activation::Kind::kLut) {
        loaded = a.lut == op.activation.lut;
        break;
      }
      if (!arch::shram_keeps_luts(system.accelerator_config()))
        break;
    }
    if (!loaded) {
      const std::optional<int> element = ir::element_size(graph.tensors[op.ofm.tensor].type);
      const int64_t bytes = arch::lut_table_bytes(element ? *element * 8 : 0);
      if (in.dma)
        in.dma->bytes += bytes;
      else
        in.dma = arch::DmaTraffic{bytes, area_of(system, Region::kFlash), std::nullopt};
    }
  }
  return in;
}

void PlanCost::add(const arch::OpCost& c) {
  macs += c.macs;
  npu_cycles += c.npu_cycles;
  total_cycles += c.total_cycles;
  for (size_t a = 0; a < arch::kMemAreaCount; ++a) {
    access_cycles[a] += c.access_cycles[a];
    feature_map_bytes[a].read += c.feature_map_bytes[a].read;
    feature_map_bytes[a].write += c.feature_map_bytes[a].write;
    weight_bytes[a].read += c.weight_bytes[a].read;
    weight_bytes[a].write += c.weight_bytes[a].write;
  }
  ops.push_back(c);
}

PlanCost score(const arch::PerformanceModel& model, std::span<const OpCostInput> ops) {
  PlanCost cost;
  int64_t prev_cycles = 0;
  for (const OpCostInput& in : ops) {
    const auto prev_slack =
        static_cast<int64_t>(static_cast<double>(prev_cycles) * in.slack_fraction);
    arch::OpCost c = in.dma_only
                         ? (in.dma ? model.estimate_dma(*in.dma, prev_slack) : arch::OpCost{})
                         : model.estimate(in.query, in.weights, in.dma, prev_slack);
    prev_cycles = c.op_cycles;
    cost.add(c);
  }
  return cost;
}

PlanScorer::PlanScorer(const arch::PerformanceModel& model, std::vector<OpCostInput> ops)
    : model_(model), ops_(std::move(ops)) {
  costs_.reserve(ops_.size());
  for (size_t i = 0; i < ops_.size(); ++i) {
    costs_.push_back(estimate(i));
    total_ += costs_.back().total_cycles;
  }
}

arch::OpCost PlanScorer::estimate(size_t i) const {
  const OpCostInput& in = ops_[i];
  const int64_t prev_slack =
      i > 0 ? static_cast<int64_t>(static_cast<double>(costs_[i - 1].op_cycles) * in.slack_fraction)
            : 0;
  if (in.dma_only)
    return in.dma ? model_.estimate_dma(*in.dma, prev_slack) : arch::OpCost{};
  return model_.estimate(in.query, in.weights, in.dma, prev_slack);
}

void PlanScorer::replace(size_t index, OpCostInput op) {
  if (index >= ops_.size())
    throw Error(ErrorKind::kInternal, "PlanScorer::replace: no such operation");
  ops_[index] = std::move(op);
  for (size_t i = index; i < std::min(index + 2, ops_.size()); ++i) {
    total_ -= costs_[i].total_cycles;
    costs_[i] = estimate(i);
    total_ += costs_[i].total_cycles;
  }
}

}  // namespace euc::scheduler
