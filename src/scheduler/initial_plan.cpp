#include "scheduler/initial_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "arch/operation_kinds.hpp"
#include "core/error.hpp"
#include "scheduler/arena.hpp"
#include "scheduler/cascade.hpp"
#include "scheduler/input_staging.hpp"
#include "scheduler/plan_cost.hpp"

namespace euc::scheduler {
namespace {

bool is_box_view(const ir::TensorSlice& s, const ir::Shape4& whole) {
  return !s.strided() && s.offset.n + s.shape.n <= whole.n && s.offset.h + s.shape.h <= whole.h &&
         s.offset.w + s.shape.w <= whole.w && s.offset.c + s.shape.c <= whole.c &&
         s.offset.n >= 0 && s.offset.h >= 0 && s.offset.w >= 0 && s.offset.c >= 0;
}

// Which feature maps are stored NHCWB16 (16-channel bricks, the NPU's preferred layout: longer
// bursts): those only the NPU sees, accessed only as boxes of their own shape whose channel
// offsets fall on brick boundaries. Segment inputs and outputs (the CPU reads NHWC), reshape
// aliases (their bytes are reinterpreted), DMA copies (linear), fully connected inputs (read as
// vectors) and 32-bit tensors stay NHWC.
std::vector<Layout> choose_layouts(const ir::NpuGraph& graph) {
  const size_t n = graph.tensors.size();
  std::vector<bool> brick(n, true);
  for (size_t t = 0; t < n; ++t) {
    const ir::NpuTensor& tensor = graph.tensors[t];
    auto esize = ir::element_size(tensor.type);
    if (tensor.is_constant() || tensor.alias_of >= 0 || !esize || *esize > 2)
      brick[t] = false;
    if (tensor.alias_of >= 0)
      brick[static_cast<size_t>(tensor.alias_of)] = false;
  }
  for (int t : graph.inputs)
    brick[static_cast<size_t>(t)] = false;
  for (int t : graph.outputs)
    brick[static_cast<size_t>(t)] = false;
  for (const ir::NpuOp& op : graph.ops) {
    auto check = [&](const ir::TensorSlice& s) {
      if (!s.valid())
        return;
      const auto t = static_cast<size_t>(s.tensor);
      if (!is_box_view(s, graph.tensors[t].shape) || s.offset.c % 16 != 0)
        brick[t] = false;
    };
    check(op.ifm);
    if (!op.ifm2_scalar)
      check(op.ifm2);
    check(op.ofm);
    if (arch::operation_kind(op.type).linear_feature_maps) {
      brick[static_cast<size_t>(op.ifm.tensor)] = false;
      brick[static_cast<size_t>(op.ofm.tensor)] = false;
    }
  }
  std::vector<Layout> layouts(n, Layout::kNhwc);
  for (size_t t = 0; t < n; ++t) {
    if (brick[t])
      layouts[t] = Layout::kNhcwb16;
  }
  return layouts;
}

int64_t storage_size(const ir::NpuTensor& tensor, Layout layout) {
  if (layout == Layout::kNhwc)
    return linear_size(tensor);
  const ir::Shape4& s = tensor.shape;
  return int64_t{s.n} * s.h * s.w * ((s.c + 15) / 16 * 16) * *ir::element_size(tensor.type);
}

}  // namespace

arch::Hwc hwc(const ir::Shape4& s) {
  return {s.n * s.h, s.w, s.c};
}

int bits_of(ir::DataType type) {
  auto size = ir::element_size(type);
  return size ? *size * 8 : 8;
}

arch::BlockConfigRequest block_request(const ir::NpuGraph& graph, const ir::NpuOp& op) {
  arch::BlockConfigRequest r;
  r.kind = arch::operation_kind(op.type).block;
  r.ifm = hwc(op.ifm.shape);
  r.ofm = hwc(op.ofm.shape);
  if (op.ifm2.valid())
    r.ifm2 = hwc(op.ifm2.shape);
  r.ifm2_is_scalar = op.ifm2_scalar.has_value();
  r.ifm_bits = bits_of(graph.tensors[op.ifm.tensor].type);
  r.kernel = op.kernel;
  r.uses_lut = op.activation.kind == ir::Activation::Kind::kLut;
  r.resampling = op.upscale == ir::Upscale::kNone      ? arch::Resampling::kNone
                 : op.upscale == ir::Upscale::kNearest ? arch::Resampling::kNearest
                                                       : arch::Resampling::kTranspose;
  return r;
}

namespace {

// A cascaded operation runs in passes of a few rows: its block config is chosen for that shape
// (a block as tall as the whole OFM would be clipped to the pass, paying a block's overheads for
// a fraction of its work). Each pass height is a candidate; the cost model picks among them and
// the whole-OFM block: the search minimises fetched bytes, not cycles (a narrow block may read a
// DRAM IFM in more bursts).
void fit_blocks_to_stripes(const ir::NpuGraph& graph, Plan& plan,
                           const arch::SystemConfig& system) {
  const arch::AcceleratorConfig& acc = system.accelerator_config();
  const arch::PerformanceModel model(system);
  std::vector<std::set<int>> heights(graph.ops.size());
  for (const Pass& p : plan.passes)
    heights[static_cast<size_t>(p.op)].insert(p.row_end - p.row_begin);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::NpuOp& op = graph.ops[i];
    if (plan.ops[i].cascade < 0 || arch::operation_kind(op.type).is_dma() || heights[i].empty())
      continue;
    const auto cycles = [&] {
      const OpCostInput in = cost_input(graph, plan, system, i);
      return score(model, std::span<const OpCostInput>(&in, 1)).total_cycles;
    };
    double best = cycles();
    const arch::BlockConfig whole = plan.ops[i].block;
    arch::BlockConfig chosen = whole;
    const int tallest = *heights[i].rbegin();
    for (const int rows : heights[i]) {
      // A block fitted to 1-row passes may keep 1-high accumulators: only when every pass is.
      if (rows >= op.ofm.shape.h || (rows == 1 && tallest > 1))
        continue;
      arch::BlockConfigRequest r = block_request(graph, op);
      const RowWindow window = input_rows(op, 0, rows);
      r.ofm.height = rows;
      // The IFM rows a pass of that height reads (the first pass's, padding included).
      const int ifm_rows =
          std::min(op.ifm.shape.h, window.end - window.begin + window.pad_top + window.pad_bottom);
      if (r.ifm2 && r.ifm2->height == r.ifm.height)
        r.ifm2->height = ifm_rows;
      r.ifm.height = ifm_rows;
      const auto block = arch::find_block_config(acc, r);
      if (!block)
        continue;
      plan.ops[i].block = *block;
      if (const double c = cycles(); c < best) {
        best = c;
        chosen = *block;
      }
      plan.ops[i].block = whole;
    }
    plan.ops[i].block = chosen;
  }
}

}  // namespace

Plan plan_whole_tensors(const ir::NpuGraph& graph, const arch::SystemConfig& system,
                        const PlanOptions& options) {
  Plan plan;
  const arch::AcceleratorConfig& acc = system.accelerator_config();
  for (const ir::NpuOp& op : graph.ops) {
    OpPlan p;
    p.ofm_stripe = op.ofm.shape;
    if (!arch::operation_kind(op.type).is_dma()) {
      auto block = arch::find_block_config(acc, block_request(graph, op));
      if (!block) {
        throw_input(fmt::format("operation '{}' ({}): no block configuration fits the SHRAM of {}",
                                op.name, arch::operation_kind(op.type).name, acc.name));
      }
      p.block = *block;
    }
    plan.ops.push_back(p);
  }
  plan.tensors.resize(graph.tensors.size());
  const std::vector<Layout> layouts =
      options.feature_map_layouts ? choose_layouts(graph)
                                  : std::vector<Layout>(graph.tensors.size(), Layout::kNhwc);
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const ir::NpuTensor& tensor = graph.tensors[t];
    TensorPlacement& place = plan.tensors[t];
    if (tensor.is_constant()) {
      place.region = Region::kFlash;
      place.size = static_cast<int64_t>(tensor.data->size());
    } else {
      place.region = Region::kArena;
      place.layout = layouts[t];
      place.size = storage_size(tensor, place.layout);
    }
  }
  if (system.spilling_enabled() && options.feature_map_layouts) {
    // Feature maps only the NPU sees go to the SRAM cache; the segment's inputs and outputs
    // (the CPU's) stay in the DRAM arena, and with them every reshape alias of theirs (an alias
    // shares its base's bytes: the whole group lives in one memory).
    plan.spilling = true;
    std::vector<bool> keep_root(graph.tensors.size(), false);
    for (int t : graph.inputs)
      keep_root[static_cast<size_t>(graph.storage_root(t))] = true;
    for (int t : graph.outputs)
      keep_root[static_cast<size_t>(graph.storage_root(t))] = true;
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
      const int root = graph.storage_root(static_cast<int>(t));
      if (!graph.tensors[t].is_constant() && !keep_root[static_cast<size_t>(root)])
        plan.tensors[t].region = Region::kFastArena;
    }
  }
  allocate_arena(graph, plan, options);
  // Cascades: Size always looks for the smallest peak; Performance only cascades to fit the
  // SRAM (whole tensors run fastest): the arena limit, or with spilling the cache, measured on
  // everything live (the segment's own inputs and outputs, in DRAM, make that cautious).
  const int64_t sram_used = plan.spilling ? plan.fast_arena_size : plan.arena_size;
  const int64_t sram_limit = plan.spilling ? system.arena_cache_size : options.arena_limit;
  if (options.cascading && (options.strategy == Strategy::kSize || sram_used > sram_limit)) {
    choose_cascades(graph, plan, options.strategy == Strategy::kSize ? 0 : sram_limit);
    if (!plan.cascades.empty()) {
      fit_blocks_to_stripes(graph, plan, system);
      allocate_arena(graph, plan, options);
    }
  }
  // Spill the largest feature maps back to DRAM until the cache holds the rest.
  while (plan.spilling && plan.fast_arena_size > system.arena_cache_size) {
    int largest = -1;
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
      if (plan.tensors[t].region == Region::kFastArena &&
          (largest < 0 || plan.tensors[t].size > plan.tensors[static_cast<size_t>(largest)].size))
        largest = static_cast<int>(t);
    }
    if (largest < 0)
      break;
    // With its reshape aliases: the group shares one memory.
    const int root = graph.storage_root(largest);
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
      if (graph.storage_root(static_cast<int>(t)) == root)
        plan.tensors[t].region = Region::kArena;
    }
    allocate_arena(graph, plan, options);
  }
  stage_inputs(graph, plan, system, options);
  check_arena_limit(graph, plan, options);
  return plan;
}

}  // namespace euc::scheduler
