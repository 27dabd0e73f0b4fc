#include "scheduler/plan_cost.hpp"

#include <algorithm>
#include <cmath>

#include "arch/block_dependency.hpp"
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

// The runs of linear element indices (NHWC order of the whole tensor) an area of a slice's view
// covers, sorted and merged; nullopt when there would be very many.
std::optional<std::vector<std::pair<int64_t, int64_t>>> element_runs(const ir::NpuGraph& graph,
                                                                     const ir::TensorSlice& slice,
                                                                     const arch::BlockArea& a) {
  constexpr int64_t kMaxRuns = 1 << 14;
  std::vector<std::pair<int64_t, int64_t>> out;
  if (a.empty())
    return out;
  if (int64_t{a.y1 - a.y0} * (a.x1 - a.x0) > kMaxRuns)
    return std::nullopt;
  const ir::Shape4& t = graph.tensors[static_cast<size_t>(slice.tensor)].shape;
  const int rows = std::max(1, slice.shape.h);
  for (int y = a.y0; y < a.y1; ++y) {
    const int64_t n = slice.offset.n + y / rows;
    const int64_t h = slice.offset.h + y % rows;
    for (int x = a.x0; x < a.x1; ++x) {
      const int64_t first =
          ((n * t.h + h) * t.w + slice.offset.w + x) * t.c + slice.offset.c + a.c0;
      const int64_t end = first + (a.c1 - a.c0);
      if (!out.empty() && first <= out.back().second)
        out.back().second = std::max(out.back().second, end);
      else
        out.emplace_back(first, end);
    }
  }
  std::sort(out.begin(), out.end());
  std::vector<std::pair<int64_t, int64_t>> merged;
  for (const auto& run : out) {
    if (!merged.empty() && run.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, run.second);
    else
      merged.push_back(run);
  }
  return merged;
}

ir::Shape4 folded(const ir::Shape4& s) {
  return {1, s.n * s.h, s.w, s.c};
}

arch::WalkedKernel walked(const ir::NpuGraph& graph, const Plan& plan, size_t index) {
  const ir::NpuOp& op = graph.ops[index];
  const arch::OperationKind& kind = arch::operation_kind(op.type);
  const arch::BlockConfig& block = plan.ops[index].block;
  arch::WalkedKernel k;
  k.kernel = kind.kernel;
  k.reduces_depth =
      kind.kernel == arch::NpuKernel::kPooling && kind.pooling == npu::PoolingMode::kReduceSum;
  k.ifm = folded(op.ifm.shape);
  k.ifm_element_size =
      static_cast<int>(ir::element_size(graph.tensors[op.ifm.tensor].type).value_or(1));
  if (op.ifm2.valid() && !op.ifm2_scalar)
    k.ifm2 = folded(op.ifm2.shape);
  k.ofm = folded(op.ofm.shape);
  k.window = op.kernel;
  k.padding = op.padding;
  k.upscale = op.upscale;
  k.block_height = std::max(1, block.ofm_block.height);
  k.block_width = std::max(1, block.ofm_block.width);
  k.block_depth = std::max(1, block.ofm_block.depth);
  k.uses_lut = op.activation.kind == ir::Activation::Kind::kLut;
  return k;
}

}  // namespace

int block_dependency(const ir::NpuGraph& graph, const Plan& plan,
                     const arch::AcceleratorConfig& accelerator, size_t index, bool lut_loaded,
                     int max) {
  if (index == 0 || index >= graph.ops.size() || plan.ops[index].cascade >= 0)
    return 0;
  const size_t prev = index - 1;
  const ir::NpuOp& op = graph.ops[index];
  const ir::NpuOp& before = graph.ops[prev];
  // A copy between them: the codegen's launch follows a DMA the kernel may wait for.
  if (arch::operation_kind(op.type).is_dma() || arch::operation_kind(before.type).is_dma() ||
      plan.ops[prev].cascade >= 0)
    return 0;
  const int written = graph.storage_root(before.ofm.tensor);
  // Whether the operand reads elements of the block written: the same tensor compared element by
  // element, a reshape of it by the runs of elements each covers in their shared storage (NHWC);
  // a strided view, a brick-format reshape or a very fragmented area as all of it.
  auto overlaps = [&](bool second, const arch::BlockArea& read, const arch::BlockArea& block) {
    const ir::TensorSlice& in = second ? op.ifm2 : op.ifm;
    if (graph.storage_root(in.tensor) != written)
      return false;
    if (in.strided() || before.ofm.strided())
      return true;
    const bool same = in.tensor == before.ofm.tensor;
    if (same && in.shape.n <= 1 && before.ofm.shape.n <= 1) {
      // One tensor, one batch: the areas in its coordinates.
      const ir::Shape4& a = in.offset;
      const ir::Shape4& b = before.ofm.offset;
      return a.n == b.n && read.y0 + a.h < block.y1 + b.h && block.y0 + b.h < read.y1 + a.h &&
             read.x0 + a.w < block.x1 + b.w && block.x0 + b.w < read.x1 + a.w &&
             read.c0 + a.c < block.c1 + b.c && block.c0 + b.c < read.c1 + a.c;
    }
    if (!same && (plan.tensors[static_cast<size_t>(in.tensor)].layout != Layout::kNhwc ||
                  plan.tensors[static_cast<size_t>(before.ofm.tensor)].layout != Layout::kNhwc))
      return true;
    const std::optional<std::vector<std::pair<int64_t, int64_t>>> r = element_runs(graph, in, read);
    const std::optional<std::vector<std::pair<int64_t, int64_t>>> w =
        element_runs(graph, before.ofm, block);
    if (!r || !w)
      return true;
    size_t i = 0;
    size_t j = 0;
    while (i < r->size() && j < w->size()) {
      if ((*r)[i].first < (*w)[j].second && (*w)[j].first < (*r)[i].second)
        return true;
      if ((*r)[i].second < (*w)[j].second)
        ++i;
      else
        ++j;
    }
    return false;
  };
  return arch::block_dependency(walked(graph, plan, prev), walked(graph, plan, index), lut_loaded,
                                accelerator, max, overlaps);
}

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
    q.ifm2_in_register = true;
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
    q.weight_stream_bytes = traffic.encoded_bytes;
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
      traffic.slices =
          buffer.double_buffered() ? static_cast<int>(buffer.depth_slices.size()) - 1 : 1;
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
  bool lut_loaded = false;
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
    lut_loaded = !loaded;
    if (!loaded) {
      const std::optional<int> element = ir::element_size(graph.tensors[op.ofm.tensor].type);
      const int64_t bytes = arch::lut_table_bytes(element ? *element * 8 : 0);
      if (in.dma)
        in.dma->bytes += bytes;
      else
        in.dma = arch::DmaTraffic{bytes, area_of(system, Region::kFlash), std::nullopt};
    }
  }
  in.block_dependency =
      block_dependency(graph, plan, system.accelerator_config(), index, lut_loaded);
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

bool TimelineState::same_relative(const TimelineState& o) const {
  constexpr double kEpsilon = 1e-6;
  if (std::abs(last_launch - o.last_launch) > kEpsilon)
    return false;
  // A resource free before the last launch began is as good as free: no copy issues earlier.
  auto rel = [](const TimelineState& s, double t) {
    return std::min(s.kernel_end - t, s.last_launch);
  };
  if (std::abs(rel(*this, queue_free) - rel(o, o.queue_free)) > kEpsilon)
    return false;
  for (size_t a = 0; a < memory_free.size(); ++a) {
    if (std::abs(rel(*this, memory_free[a]) - rel(o, o.memory_free[a])) > kEpsilon)
      return false;
  }
  // The pipeline's times as seen from the last launch's end.
  auto same = [&](double a, double b) {
    return std::abs((kernel_end - a) - (o.kernel_end - b)) <= kEpsilon;
  };
  if (!same(launch_start, o.launch_start) || !same(mac_free, o.mac_free) ||
      !same(out_end, o.out_end) || !same(out_two_back, o.out_two_back))
    return false;
  for (size_t k = 0; k < block_start.size(); ++k) {
    if (!same(block_start[k], o.block_start[k]))
      return false;
  }
  return true;
}

arch::OpCost advance(const arch::PerformanceModel& model, const OpCostInput& in, arch::OpCost cost,
                     TimelineState& state, bool first) {
  const double before = first ? 0.0 : state.kernel_end;
  // One copy on the DMA queue, issued at `issue`: it ends when its cycles have run and its
  // source memory has delivered its bytes beside whatever else reads that memory.
  auto copy = [&](int64_t bytes, arch::MemArea from, std::optional<arch::MemArea> to,
                  double issue) {
    const double start = std::max(state.queue_free, issue);
    if (bytes <= 0 || (to && *to == from))
      return start;
    // Whole bursts of the source (on its port too), and the destination's write latency after
    // the last.
    const arch::SystemConfig& system = model.system();
    const int64_t burst = std::max<int64_t>(1, system.area_timing(from).burst_length);
    const int64_t moved = (bytes + burst - 1) / burst * burst;
    double& memory = state.memory_free[arch::index_of(from)];
    memory = std::max(memory, start) + static_cast<double>(moved) / model.bandwidth(from);
    const double cycles = static_cast<double>(model.transfer_cycles(from, to, moved) +
                                              (to ? system.area_timing(*to).write_latency : 0));
    const double end = std::max(start + cycles, memory);
    state.queue_free = end;
    return end;
  };
  if (in.dma_only) {
    // A copy between areas: its source is usually the previous launch's output.
    double end = state.kernel_end;
    if (in.dma)
      end = copy(in.dma->bytes, in.dma->from, in.dma->to, state.kernel_end);
    state.kernel_end = std::max(state.kernel_end, end);
    state.last_launch = 0;
    cost.npu_cycles = state.kernel_end - before;
    cost.total_cycles = cost.npu_cycles;
    return cost;
  }
  // The copies this operation waits for run under the launch preceding its first.
  const double issue = state.kernel_end - state.last_launch * in.slack_fraction;
  // Its first launch starts fetching when the last kernel has ended, or with BLOCKDEP b > 0 as
  // soon as its first MAC stage may follow the last kernel's: that kernel has begun the MAC
  // stage of its b-th last block (this launch's read latency later), its MAC stage is free, an
  // accumulator buffer is free, and its launch was accepted once the last one started. Its
  // blocks' output stages follow the last kernel's.
  const arch::OpCost::Edges& edges = cost.edges;
  const auto read_latency = static_cast<double>(edges.first_read_latency);
  const bool overlap =
      in.block_dependency > 0 && !first && model.formulas() == arch::CostFormulas::kComplete;
  double ready = state.kernel_end;
  if (overlap) {
    const size_t b = static_cast<size_t>(std::min(in.block_dependency, 3)) - 1;
    const double mac = std::max({state.block_start[b] + read_latency, state.mac_free,
                                 state.out_two_back, state.launch_start + read_latency});
    ready = std::min(ready,
                     std::max(mac - read_latency, state.out_end - read_latency - edges.first_mac));
  }
  if (in.dma)
    ready = std::max(ready, copy(in.dma->bytes, in.dma->from, in.dma->to, issue));
  // The kernel alone: its compute, or its slowest memory when that is slower.
  // (The complete formulas count each block's bytes in its cycles already.)
  double kernel = static_cast<double>(cost.op_cycles);
  if (model.formulas() != arch::CostFormulas::kComplete) {
    for (double a : cost.access_cycles)
      kernel = std::max(kernel, a);
  }
  double start = 0;
  double last_start = 0;
  const arch::WeightTraffic* w = in.weights ? &*in.weights : nullptr;
  if (w != nullptr && w->buffering == arch::WeightTraffic::Buffering::kDouble && w->slices > 1) {
    // One DMA per depth slice, each issued once the one before it has arrived and the half it
    // overwrites has been read (by the launch two before); one launch per slice.
    const int n = w->slices;
    const int64_t rest =
        std::max<int64_t>(0, (w->encoded_bytes - w->first_transfer_bytes) / (n - 1));
    double arrived = copy(w->first_transfer_bytes, w->source_area, w->buffer_area, issue);
    double prev_end = ready;
    double before_prev_end = ready;
    start = std::max(ready, arrived);
    for (int k = 0; k < n; ++k) {
      const double launch = std::max(prev_end, arrived);
      const double next_arrived =
          k + 1 < n ? copy(rest, w->source_area, w->buffer_area, std::max(arrived, before_prev_end))
                    : arrived;
      last_start = launch;
      before_prev_end = prev_end;
      prev_end = launch + kernel / n;
      arrived = next_arrived;
    }
    state.kernel_end = prev_end;
  } else {
    if (w != nullptr && w->buffering == arch::WeightTraffic::Buffering::kSingle)
      ready = std::max(ready, copy(w->encoded_bytes, w->source_area, w->buffer_area, issue));
    start = ready;
    last_start = start;
    state.kernel_end = start + kernel;
  }
  // The kernel's own reads and writes share each memory with the copies and kernels around it,
  // from its first fetch's data (after the read latency) to its last write.
  const double transfers =
      std::max(0.0, kernel - read_latency - static_cast<double>(edges.last_write_latency));
  for (size_t a = 0; a < cost.access_cycles.size(); ++a) {
    if (cost.access_cycles[a] <= 0)
      continue;
    double& memory = state.memory_free[a];
    memory = std::max(memory, start + read_latency) + std::min(cost.access_cycles[a], transfers);
    state.kernel_end = std::max(state.kernel_end, memory);
  }
  state.last_launch = state.kernel_end - last_start;
  // The pipeline at the last launch's end: its last block's output stage ends before the write
  // latency; the blocks before it came one per max(MAC stage, output stage).
  {
    const double mac_start = last_start + read_latency;
    const double end =
        std::max(mac_start, state.kernel_end - static_cast<double>(edges.last_write_latency));
    const double pace = std::max(edges.last_mac, edges.last_out);
    const double previous_out_end = state.out_end;
    state.launch_start = last_start;
    state.out_end = end;
    state.mac_free =
        std::max(mac_start, end - edges.last_out - std::max(0.0, edges.last_out - edges.last_mac));
    state.out_two_back =
        edges.last_blocks >= 2 ? std::max(mac_start, end - pace) : previous_out_end;
    for (size_t k = 0; k < state.block_start.size(); ++k) {
      state.block_start[k] =
          std::max(mac_start, end - edges.last_out - static_cast<double>(k + 1) * pace);
    }
  }
  cost.npu_cycles = state.kernel_end - before;
  cost.total_cycles = cost.npu_cycles;
  return cost;
}

namespace {

arch::OpCost raw_estimate(const arch::PerformanceModel& model, const OpCostInput& in) {
  if (in.dma_only)
    return in.dma ? model.estimate_dma(*in.dma, 0) : arch::OpCost{};
  return model.estimate(in.query, in.weights, in.dma, 0);
}

}  // namespace

PlanCost score(const arch::PerformanceModel& model, std::span<const OpCostInput> ops) {
  PlanCost cost;
  TimelineState state;
  for (const OpCostInput& in : ops)
    cost.add(advance(model, in, raw_estimate(model, in), state, cost.ops.empty()));
  return cost;
}

PlanScorer::PlanScorer(const arch::PerformanceModel& model, std::vector<OpCostInput> ops)
    : model_(model), ops_(std::move(ops)) {
  TimelineState state;
  for (const OpCostInput& in : ops_) {
    raw_.push_back(estimate(in));
    costs_.push_back(advance(model_, in, raw_.back(), state, costs_.empty()));
    after_.push_back(state);
    total_ += costs_.back().total_cycles;
  }
}

arch::OpCost PlanScorer::estimate(const OpCostInput& in) const {
  return raw_estimate(model_, in);
}

double PlanScorer::delta(size_t index, const OpCostInput& first, std::vector<arch::OpCost>* costs,
                         std::vector<TimelineState>* states) const {
  TimelineState state = index > 0 ? after_[index - 1] : TimelineState{};
  double d = 0;
  for (size_t j = index; j < ops_.size(); ++j) {
    const arch::OpCost c = j == index ? advance(model_, first, estimate(first), state, j == 0)
                                      : advance(model_, ops_[j], raw_[j], state, j == 0);
    d += c.total_cycles - costs_[j].total_cycles;
    if (costs != nullptr) {
      costs->push_back(c);
      states->push_back(state);
    }
    if (state.same_relative(after_[j]))
      break;
  }
  return d;
}

double PlanScorer::total_with(size_t index, const OpCostInput& op) const {
  if (index >= ops_.size())
    throw Error(ErrorKind::kInternal, "PlanScorer::total_with: no such operation");
  return total_ + delta(index, op, nullptr, nullptr);
}

void PlanScorer::replace(size_t index, OpCostInput op) {
  if (index >= ops_.size())
    throw Error(ErrorKind::kInternal, "PlanScorer::replace: no such operation");
  std::vector<arch::OpCost> costs;
  std::vector<TimelineState> states;
  total_ += delta(index, op, &costs, &states);
  raw_[index] = estimate(op);
  ops_[index] = std::move(op);
  for (size_t k = 0; k < costs.size(); ++k) {
    costs_[index + k] = costs[k];
    after_[index + k] = states[k];
  }
}

}  // namespace euc::scheduler
