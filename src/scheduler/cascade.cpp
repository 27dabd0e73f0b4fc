#include "scheduler/cascade.hpp"

#include <algorithm>
#include <optional>

#include "arch/operation_kinds.hpp"
#include "scheduler/live_range.hpp"

namespace euc::scheduler {
namespace {

bool computes_rows(const ir::NpuOp& op) {
  switch (arch::operation_kind(op.type).rows) {
    case arch::RowRule::kKernelWindow:
      return op.upscale == ir::Upscale::kNone;
    case arch::RowRule::kElementwise:
      // A second operand broadcast over height would need its own rows.
      return !op.ifm2.valid() || op.ifm2_scalar || op.ifm2.shape.h == op.ofm.shape.h;
    case arch::RowRule::kNever:
      return false;
  }
  return false;
}

bool whole(const ir::NpuGraph& graph, const ir::TensorSlice& s) {
  const ir::NpuTensor& t = graph.tensors[static_cast<size_t>(s.tensor)];
  return !s.strided() && s.offset == ir::Shape4{0, 0, 0, 0} && s.shape == t.shape && t.alias_of < 0;
}

bool reads(const ir::NpuOp& op, int t) {
  return op.ifm.tensor == t || op.ifm2.tensor == t;
}

}  // namespace

RowWindow input_rows(const ir::NpuOp& op, int begin, int end) {
  RowWindow w;
  if (arch::operation_kind(op.type).is_elementwise()) {
    w.begin = begin;
    w.end = end;
    return w;
  }
  const int h = op.ifm.shape.h;
  const int first = begin * op.kernel.stride_y - op.padding.top;
  const int last = (end - 1) * op.kernel.stride_y - op.padding.top +
                   (op.kernel.height - 1) * op.kernel.dilation_y;  // inclusive
  w.begin = std::max(0, first);
  w.end = std::min(h, last + 1);
  w.pad_top = w.begin - first;
  w.pad_bottom = std::max(0, last + 1 - h);
  return w;
}

bool can_cascade(const ir::NpuGraph& graph, int first, int last) {
  if (first < 0 || last >= static_cast<int>(graph.ops.size()) || last <= first)
    return false;
  for (int k = first; k <= last; ++k) {
    const ir::NpuOp& op = graph.ops[static_cast<size_t>(k)];
    // Strided views (transposes, reversals, subsampling) do not map rows to rows: such an
    // operation runs whole.
    if (!computes_rows(op) || op.ofm.shape.n != 1 || op.ifm.shape.n != 1 || op.ifm.strided() ||
        op.ifm2.strided() || op.ofm.strided())
      return false;
  }
  for (int k = first + 1; k <= last; ++k) {
    const ir::NpuOp& producer = graph.ops[static_cast<size_t>(k - 1)];
    const ir::NpuOp& consumer = graph.ops[static_cast<size_t>(k)];
    const int t = producer.ofm.tensor;
    // The chain runs through the consumer's IFM, or through the second operand of an
    // elementwise operation whose first operand comes whole from outside (a residual add).
    const bool via_ifm = consumer.ifm.tensor == t;
    const bool via_ifm2 = consumer.ifm2.tensor == t && !consumer.ifm2_scalar &&
                          arch::operation_kind(consumer.type).is_elementwise();
    if (via_ifm == via_ifm2 || !whole(graph, producer.ofm) ||
        !whole(graph, via_ifm ? consumer.ifm : consumer.ifm2))
      return false;
    // Nothing else may read it (it never exists whole) and the CPU must not need it.
    for (size_t o = 0; o < graph.ops.size(); ++o) {
      if (static_cast<int>(o) != k && reads(graph.ops[o], t))
        return false;
    }
    for (int out : graph.outputs) {
      if (out == t)
        return false;
    }
    for (const ir::NpuTensor& other : graph.tensors) {
      if (other.alias_of == t)
        return false;
    }
  }
  return true;
}

namespace {

// The tensor through which operation k of a cascade reads its predecessor.
int chain_input(const ir::NpuGraph& graph, int k) {
  const ir::NpuOp& op = graph.ops[static_cast<size_t>(k)];
  const int t = graph.ops[static_cast<size_t>(k - 1)].ofm.tensor;
  return op.ifm.tensor == t ? op.ifm.tensor : op.ifm2.tensor;
}

}  // namespace

std::vector<Pass> cascade_passes(const ir::NpuGraph& graph, const Cascade& c) {
  std::vector<Pass> passes;
  const int n = c.last - c.first + 1;
  std::vector<int> produced(static_cast<size_t>(n), 0);  // OFM rows done per operation
  const int height = graph.ops[static_cast<size_t>(c.last)].ofm.shape.h;
  for (int row = 0; row < height; row += c.stripe_rows) {
    // Rows each operation must have produced for this stripe, from the last one backwards.
    std::vector<int> need(static_cast<size_t>(n), 0);
    need[static_cast<size_t>(n - 1)] = std::min(height, row + c.stripe_rows);
    for (int k = n - 1; k > 0; --k) {
      const ir::NpuOp& op = graph.ops[static_cast<size_t>(c.first + k)];
      const int end = need[static_cast<size_t>(k)];
      need[static_cast<size_t>(k - 1)] =
          end == 0 ? 0 : input_rows(op, std::max(0, end - 1), end).end;
    }
    for (int k = 0; k < n; ++k) {
      auto& done = produced[static_cast<size_t>(k)];
      const int want = need[static_cast<size_t>(k)];
      if (want > done) {
        passes.push_back({c.first + k, done, want});
        done = want;
      }
    }
  }
  return passes;
}

int rolling_rows(const ir::NpuGraph& graph, const Cascade& c, int k) {
  // The consumer's window [begin, end) for each pass it runs must be resident at once, and each
  // pass of the producer must fit without wrapping onto its own rows: tile addressing wraps a
  // view once, so a producer that writes rows the consumer skips (a stride above the kernel)
  // still needs room for all the rows of its pass.
  int rows = 1;
  const ir::NpuOp& consumer = graph.ops[static_cast<size_t>(k)];
  for (const Pass& p : cascade_passes(graph, c)) {
    if (p.op == k - 1)
      rows = std::max(rows, p.row_end - p.row_begin);
    if (p.op != k)
      continue;
    const RowWindow w = input_rows(consumer, p.row_begin, p.row_end);
    rows = std::max(rows, w.end - w.begin);
  }
  return std::min(rows, consumer.ifm.shape.h);
}

int64_t row_bytes(const ir::NpuTensor& tensor, Layout layout) {
  const int64_t depth =
      layout == Layout::kNhcwb16 ? (tensor.shape.c + 15) / 16 * 16 : tensor.shape.c;
  return int64_t{tensor.shape.w} * depth * *ir::element_size(tensor.type);
}

void build_passes(const ir::NpuGraph& graph, Plan& plan) {
  plan.passes.clear();
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const int c = plan.ops[i].cascade;
    const ir::Shape4& ofm = graph.ops[i].ofm.shape;
    if (c < 0) {
      // Alone: its whole OFM, one pass per depth slice of its weights.
      const auto& slices = plan.ops[i].weight_buffer.depth_slices;
      const int count = slices.size() > 2 ? static_cast<int>(slices.size()) - 1 : 1;
      for (int k = 0; k < count; ++k)
        plan.passes.push_back({static_cast<int>(i), 0, ofm.n * ofm.h, k});
      continue;
    }
    const Cascade& cascade = plan.cascades[static_cast<size_t>(c)];
    if (static_cast<int>(i) != cascade.first)
      continue;
    for (const Pass& p : cascade_passes(graph, cascade))
      plan.passes.push_back(p);
  }
}

void apply_cascade(const ir::NpuGraph& graph, Plan& plan, const Cascade& cascade) {
  const int id = static_cast<int>(plan.cascades.size());
  plan.cascades.push_back(cascade);
  for (int k = cascade.first; k <= cascade.last; ++k) {
    plan.ops[static_cast<size_t>(k)].cascade = id;
    plan.ops[static_cast<size_t>(k)].ofm_stripe = graph.ops[static_cast<size_t>(k)].ofm.shape;
  }
  plan.ops[static_cast<size_t>(cascade.last)].ofm_stripe.h =
      std::min(cascade.stripe_rows, graph.ops[static_cast<size_t>(cascade.last)].ofm.shape.h);
  for (int k = cascade.first + 1; k <= cascade.last; ++k) {
    const int t = chain_input(graph, k);
    TensorPlacement& place = plan.tensors[static_cast<size_t>(t)];
    place.rolling_rows = rolling_rows(graph, cascade, k);
    place.size =
        place.rolling_rows * row_bytes(graph.tensors[static_cast<size_t>(t)], place.layout);
  }
  build_passes(graph, plan);
}

namespace {

struct Peak {
  int64_t bytes = 0;
  int step = 0;
};

Peak live_peak(const ir::NpuGraph& graph, const Plan& plan) {
  const auto live = live_bytes_per_step(compute_live_ranges(graph, &plan), graph.ops.size());
  Peak p;
  for (size_t i = 0; i < live.size(); ++i) {
    if (live[i] > p.bytes)
      p = {live[i], static_cast<int>(i)};
  }
  return p;
}

}  // namespace

void choose_cascades(const ir::NpuGraph& graph, Plan& plan, int64_t target) {
  constexpr int kMaxChain = 12;
  const int n = static_cast<int>(graph.ops.size());
  const Plan base = plan;  // no cascades: every candidate set is applied to it afresh
  std::vector<Cascade> chosen;
  auto build = [&](const std::vector<Cascade>& set) {
    Plan p = base;
    for (const Cascade& c : set)
      apply_cascade(graph, p, c);
    return p;
  };
  for (int round = 0; round < 4 * n; ++round) {
    const Peak now = live_peak(graph, plan);
    if (now.bytes <= target)
      return;
    Peak best = now;
    std::optional<std::vector<Cascade>> best_set;
    int best_stripe = 0;
    for (int first = std::max(0, now.step - kMaxChain + 1); first <= now.step; ++first) {
      for (int last = std::max(first + 1, now.step); last < std::min(n, first + kMaxChain);
           ++last) {
        if (!can_cascade(graph, first, last))
          continue;
        // The new chain replaces the chosen ones it overlaps (it may extend them).
        std::vector<Cascade> set;
        for (const Cascade& c : chosen) {
          if (c.last < first || c.first > last)
            set.push_back(c);
        }
        const int height = graph.ops[static_cast<size_t>(last)].ofm.shape.h;
        for (int stripe = 1; stripe <= 32; stripe *= 2) {
          std::vector<Cascade> trial_set = set;
          trial_set.push_back({first, last, std::min(stripe, height)});
          const Peak p = live_peak(graph, build(trial_set));
          // Lower peaks win; on a tie the taller stripe (fewer launches).
          if (p.bytes < best.bytes || (best_set && p.bytes == best.bytes && stripe > best_stripe)) {
            best = p;
            best_set = trial_set;
            best_stripe = stripe;
          }
          if (stripe >= height)
            break;
        }
      }
    }
    if (!best_set)
      return;
    chosen = *best_set;
    plan = build(chosen);
  }
}

}  // namespace euc::scheduler
