#include "scheduler/weight_buffering.hpp"

#include <algorithm>
#include <map>

#include "arch/operation_kinds.hpp"
#include "arch/performance.hpp"
#include "scheduler/allocator.hpp"
#include "scheduler/arena.hpp"
#include "scheduler/live_range.hpp"
#include "scheduler/plan_cost.hpp"

namespace euc::scheduler {

bool weights_need_dma(const arch::SystemConfig& system) {
  const arch::MemArea from = system.const_area();
  const bool sram_at_hand =
      system.arena_area() == arch::MemArea::kSram ||
      (system.spilling_enabled() && system.cache_area() == arch::MemArea::kSram);
  return (from == arch::MemArea::kDram || from == arch::MemArea::kOffChipFlash) && sram_at_hand;
}

int64_t buffer_weights(const ir::NpuGraph& graph, Plan& plan, const arch::SystemConfig& system,
                       const PlanOptions& options, std::span<const int64_t> encoded_weight_bytes) {
  if (!options.weight_buffering || !weights_need_dma(system))
    return 0;
  // Buffers go to the SRAM: the arena, or the cache when feature maps spill to a DRAM arena.
  const Region region = plan.spilling ? Region::kFastArena : Region::kArena;
  auto used = [&](const Plan& p) { return plan.spilling ? p.fast_arena_size : p.arena_size; };
  const int64_t limit = plan.spilling ? system.arena_cache_size : options.arena_limit;
  const int64_t budget = options.strategy == Strategy::kSize ? used(plan) : limit;
  const arch::PerformanceModel model(system);
  auto encoded = [&](size_t i) -> std::optional<int64_t> {
    if (i < encoded_weight_bytes.size() && encoded_weight_bytes[i] > 0)
      return encoded_weight_bytes[i];
    return std::nullopt;
  };
  // The plan's cost on the static timeline: a buffer is worth its SRAM only where its copy,
  // queued behind the other copies on the one DMA queue, saves cycles against reading the
  // weights where they are stored.
  std::vector<OpCostInput> inputs;
  for (size_t i = 0; i < graph.ops.size(); ++i)
    inputs.push_back(cost_input(graph, plan, system, i, encoded(i)));
  PlanScorer scorer(model, std::move(inputs));
  // The ways operation i could buffer its weights: one buffer for the whole stream, or two
  // halves for depth slices of s channels (multiples of 16 and of the OFM block depth), whose
  // sizes are estimated pro rata until encoded.
  auto options_for = [&](size_t i) {
    const ir::NpuOp& op = graph.ops[i];
    // A cascaded operation runs stripe by stripe across its cascade: its weights stay whole in
    // one buffer for all of it, copied under the launch before its first stripe.
    const bool cascaded = plan.ops[i].cascade >= 0;
    std::vector<WeightBuffer> out;
    WeightBuffer single;
    single.size = *encoded(i);
    single.region = region;
    out.push_back(single);
    // Slices of s channels, optionally after a smaller first slice of f channels (so less of
    // the copy is exposed before the operation starts), all multiples of 16 (a slice may end in
    // a partial OFM block).
    const int depth = op.ofm.shape.c;
    const int step = 16;
    auto bytes_of = [&](int channels) {
      return (*encoded(i) * channels / depth + 15) / 16 * 16 + 16;
    };
    // (A fully connected layer is copied whole.)
    const bool matrix = arch::operation_kind(op.type).block == arch::BlockKind::kVectorProduct;
    for (int s = step; !cascaded && !matrix && s < depth && s <= 256; s += s < 64 ? 16 : 32) {
      for (int f = step; f <= s; f *= 2) {
        WeightBuffer dbl = single;
        dbl.depth_slices.push_back(0);
        for (int d = f; d < depth; d += s)
          dbl.depth_slices.push_back(d);
        dbl.depth_slices.push_back(depth);
        if (dbl.depth_slices.size() <= 2)
          continue;
        dbl.half = bytes_of(s);
        dbl.first = bytes_of(f);
        dbl.size = 2 * dbl.half;
        out.push_back(dbl);
      }
    }
    return out;
  };
  // Operation i's options that save cycles on the current plan, best first (then smallest).
  struct Option {
    double saving;
    WeightBuffer buffer;
  };
  auto improving = [&](size_t i) {
    std::vector<Option> out;
    const WeightBuffer kept = plan.ops[i].weight_buffer;
    for (WeightBuffer& b : options_for(i)) {
      plan.ops[i].weight_buffer = b;
      const double with = scorer.total_with(i, cost_input(graph, plan, system, i, encoded(i)));
      if (with < scorer.total_cycles())
        out.push_back({scorer.total_cycles() - with, std::move(b)});
    }
    plan.ops[i].weight_buffer = kept;
    std::stable_sort(out.begin(), out.end(), [](const Option& a, const Option& b) {
      return a.saving > b.saving || (a.saving == b.saving && a.buffer.size < b.buffer.size);
    });
    return out;
  };
  struct Candidate {
    size_t op;
    double saving;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::NpuOp& op = graph.ops[i];
    if (op.weights < 0 || !arch::operation_kind(op.type).buffers_weights || !encoded(i))
      continue;
    const std::vector<Option> options_i = improving(i);
    if (!options_i.empty()) {
      candidates.push_back({i, options_i.front().saving / static_cast<double>(std::max<int64_t>(
                                                              1, options_i.front().buffer.size))});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.saving > b.saving; });
  // Take them in order of cycles saved per byte of SRAM, each with its best option on the plan
  // as accepted so far (the copies before and after it share the queue), while the arena fits
  // the budget.
  const int64_t used_before = used(plan);
  for (const Candidate& c : candidates) {
    const std::vector<Option> options_c = improving(c.op);
    for (size_t k = 0; k < options_c.size(); ++k) {
      // (A buffer larger than the room above the unbuffered plan's peak cannot fit.)
      if (options_c[k].buffer.size > budget - std::min(budget, used_before) &&
          options_c[k].buffer.size > budget)
        continue;
      Plan trial = plan;
      trial.ops[c.op].weight_buffer = options_c[k].buffer;
      trial.ops[c.op].weight_buffer.saving = options_c[k].saving;
      allocate_arena(graph, trial, options);
      if (used(trial) <= budget) {
        plan = std::move(trial);
        scorer.replace(c.op, cost_input(graph, plan, system, c.op, encoded(c.op)));
        break;
      }
    }
  }
  return budget;
}

void share_identical_buffers(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options,
                             std::span<const int64_t> stream_address) {
  bool any = false;
  auto whole = [&](size_t i) {
    const WeightBuffer& b = plan.ops[i].weight_buffer;
    return b.enabled() && !b.double_buffered() && plan.ops[i].cascade < 0;
  };
  for (size_t i = 1; i < plan.ops.size() && i < stream_address.size(); ++i) {
    if (stream_address[i] >= 0 && stream_address[i] == stream_address[i - 1] && whole(i) &&
        whole(i - 1)) {
      plan.ops[i].weight_buffer.reuses_previous = true;
      any = true;
    }
  }
  if (any)
    allocate_arena(graph, plan, options);
}

void share_resident_streams(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options,
                            std::span<const int64_t> stream_address,
                            const std::vector<std::vector<int64_t>>& slice_bytes, int64_t budget) {
  if (budget <= 0)
    return;
  const Region region = plan.spilling ? Region::kFastArena : Region::kArena;
  auto used = [&](const Plan& p) { return plan.spilling ? p.fast_arena_size : p.arena_size; };
  // The readers of each stream that could share a buffer, in operation order.
  std::map<int64_t, std::vector<size_t>> readers;
  for (size_t i = 0; i < plan.ops.size() && i < stream_address.size() && i < slice_bytes.size();
       ++i) {
    const OpPlan& p = plan.ops[i];
    if (stream_address[i] < 0 || p.weight_buffer.enabled() || p.cascade >= 0 ||
        slice_bytes[i].size() != 1 || slice_bytes[i][0] <= 0)
      continue;
    readers[stream_address[i]].push_back(i);
  }
  struct Group {
    int64_t address;
    int64_t saved;  // bytes not fetched again
  };
  std::vector<Group> groups;
  for (const auto& [address, ops] : readers) {
    if (ops.size() >= 2) {
      groups.push_back(
          {address, static_cast<int64_t>(ops.size() - 1) * slice_bytes[ops.front()][0]});
    }
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group& a, const Group& b) { return a.saved > b.saved; });
  for (const Group& g : groups) {
    const std::vector<size_t>& ops = readers[g.address];
    const size_t first = ops.front();
    Plan trial = plan;
    WeightBuffer owner;
    owner.size = slice_bytes[first][0];
    owner.region = region;
    owner.saving = static_cast<double>(g.saved);
    trial.ops[first].weight_buffer = owner;
    for (size_t k = 1; k < ops.size(); ++k) {
      WeightBuffer reader = owner;
      reader.reuses_previous = true;
      reader.shared_from = static_cast<int>(first);
      trial.ops[ops[k]].weight_buffer = reader;
    }
    allocate_arena(graph, trial, options);
    if (used(trial) <= budget)
      plan = std::move(trial);
  }
  allocate_arena(graph, plan, options);
}

void settle_weight_buffers(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options,
                           const std::vector<std::vector<int64_t>>& slice_bytes, int64_t budget) {
  bool any = false;
  for (size_t i = 0; i < plan.ops.size(); ++i) {
    WeightBuffer& b = plan.ops[i].weight_buffer;
    if (!b.enabled() || i >= slice_bytes.size() || slice_bytes[i].empty())
      continue;
    const auto& sizes = slice_bytes[i];
    if (b.double_buffered()) {
      b.half = *std::max_element(sizes.begin(), sizes.end());
      b.first = sizes.front();
      b.size = 2 * b.half;
    } else {
      b.size = 0;
      for (int64_t v : sizes)
        b.size += v;
    }
    any = true;
  }
  if (!any)
    return;
  allocate_arena(graph, plan, options);
  auto used = [&] { return plan.spilling ? plan.fast_arena_size : plan.arena_size; };
  // Over budget with the exact sizes: of the buffers whose removal lowers the peak, the one that
  // saves least goes first (its operation then reads its weights, sliced or not, straight from
  // permanent storage); buffers away from the peak stay.
  while (used() > budget) {
    std::vector<OpPlan*> order;
    for (OpPlan& p : plan.ops) {
      if (p.weight_buffer.enabled())
        order.push_back(&p);
    }
    if (order.empty())
      break;
    std::stable_sort(order.begin(), order.end(), [](const OpPlan* a, const OpPlan* b) {
      return a->weight_buffer.saving < b->weight_buffer.saving;
    });
    const int64_t before = used();
    bool dropped = false;
    for (OpPlan* p : order) {
      const WeightBuffer kept = p->weight_buffer;
      p->weight_buffer.size = 0;
      p->weight_buffer.half = 0;
      p->weight_buffer.first = 0;
      allocate_arena(graph, plan, options);
      if (used() < before) {
        dropped = true;
        break;
      }
      p->weight_buffer = kept;
    }
    if (!dropped) {
      // No single buffer lowers the peak: drop the least saving one as before.
      order.front()->weight_buffer.size = 0;
      order.front()->weight_buffer.half = 0;
      order.front()->weight_buffer.first = 0;
    }
    allocate_arena(graph, plan, options);
  }
}

void start_copies_early(const ir::NpuGraph& graph, Plan& plan, const PlanOptions& options) {
  auto used = [&](const Plan& p) { return plan.spilling ? p.fast_arena_size : p.arena_size; };
  std::vector<size_t> buffers;
  for (size_t i = 2; i < plan.ops.size(); ++i) {
    const WeightBuffer& b = plan.ops[i].weight_buffer;
    if (b.enabled() && !b.reuses_previous && !b.early_copy)
      buffers.push_back(i);
  }
  if (buffers.empty())
    return;
  const int64_t before = used(plan);
  Plan all = plan;
  for (size_t i : buffers)
    all.ops[i].weight_buffer.early_copy = true;
  allocate_arena(graph, all, options);
  if (used(all) <= before) {
    plan = std::move(all);
    return;
  }
  int trials = 1;
  for (size_t i : buffers) {
    if (trials++ >= kMaxEarlyCopyTrials)
      break;
    Plan trial = plan;
    trial.ops[i].weight_buffer.early_copy = true;
    allocate_arena(graph, trial, options);
    if (used(trial) <= before)
      plan = std::move(trial);
  }
}

}  // namespace euc::scheduler
