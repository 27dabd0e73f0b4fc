#include "minimise.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "builder.hpp"

namespace euc::graphgen {
namespace {

using Clock = std::chrono::steady_clock;

// Every ValueRef field of a step or recipe, for rewriting.
template <class F>
void for_each_ref(Recipe& r, F f) {
  for (Step& s : r.steps) {
    for (ValueRef& v : s.src)
      f(v);
  }
}

// The recipe without the steps marked in `removed`; references to them are replaced by
// `replacement` (by removed step) where given, else the candidate is invalid. quant_of
// references to removed steps are dropped, extra outputs on them removed.
std::optional<Recipe> without_steps(const Recipe& r, const std::vector<bool>& removed,
                                    const std::map<int, ValueRef>& replacement = {}) {
  const int n = static_cast<int>(r.steps.size());
  std::vector<int> index(static_cast<size_t>(n), -1);
  int next = 0;
  for (int k = 0; k < n; ++k) {
    if (!removed[k])
      index[k] = next++;
  }
  auto resolve = [&](ValueRef v) -> std::optional<ValueRef> {
    for (int guard = 0; guard < n + 1; ++guard) {
      if (v.is_input())
        return v;
      if (!removed[v.step])
        return ValueRef{index[v.step], v.output};
      auto it = replacement.find(v.step);
      if (it == replacement.end())
        return std::nullopt;
      v = it->second;
    }
    return std::nullopt;
  };
  Recipe out;
  out.seed = r.seed;
  out.inputs = r.inputs;
  for (int k = 0; k < n; ++k) {
    if (removed[k])
      continue;
    Step s = r.steps[k];
    for (ValueRef& v : s.src) {
      auto to = resolve(v);
      if (!to)
        return std::nullopt;
      v = *to;
    }
    if (s.quant_of) {
      auto to = s.quant_of->is_input() || !removed[s.quant_of->step] ? resolve(*s.quant_of)
                                                                     : std::nullopt;
      s.quant_of = to;
    }
    out.steps.push_back(std::move(s));
  }
  for (const ValueRef& v : r.extra_outputs) {
    if (!v.is_input() && !removed[v.step])
      out.extra_outputs.push_back({index[v.step], v.output});
  }
  return out;
}

// Drops graph inputs no step reads and renumbers the rest.
Recipe prune_inputs(Recipe r) {
  std::vector<bool> used(r.inputs.size(), false);
  for (const Step& s : r.steps) {
    for (const ValueRef& v : s.src) {
      if (v.is_input() && v.input_index() < static_cast<int>(used.size()))
        used[static_cast<size_t>(v.input_index())] = true;
    }
  }
  std::vector<int> index(r.inputs.size(), -1);
  std::vector<InputSpec> kept;
  for (size_t k = 0; k < r.inputs.size(); ++k) {
    if (used[k]) {
      index[k] = static_cast<int>(kept.size());
      kept.push_back(r.inputs[k]);
    }
  }
  if (kept.empty())
    return r;
  r.inputs = kept;
  auto fix = [&](ValueRef& v) {
    if (v.is_input() && v.input_index() < static_cast<int>(index.size()) &&
        index[static_cast<size_t>(v.input_index())] >= 0)
      v = ValueRef::input(index[static_cast<size_t>(v.input_index())]);
  };
  for_each_ref(r, fix);
  for (Step& s : r.steps) {
    if (s.quant_of && s.quant_of->is_input()) {
      if (index[static_cast<size_t>(s.quant_of->input_index())] < 0)
        s.quant_of.reset();
      else
        fix(*s.quant_of);
    }
  }
  return r;
}

std::optional<Recipe> pruned(std::optional<Recipe> r) {
  if (r)
    r = prune_inputs(std::move(*r));
  return r;
}

// Steps that read step `k`'s outputs, directly or not (k included).
std::vector<bool> with_dependents(const Recipe& r, int k) {
  std::vector<bool> out(r.steps.size(), false);
  out[static_cast<size_t>(k)] = true;
  for (size_t j = static_cast<size_t>(k) + 1; j < r.steps.size(); ++j) {
    for (const ValueRef& v : r.steps[j].src) {
      if (!v.is_input() && out[static_cast<size_t>(v.step)])
        out[j] = true;
    }
  }
  return out;
}

// The steps from `first` on, reading what earlier steps produced as new graph inputs.
std::optional<Recipe> cut_before(const Recipe& r, int first) {
  Builder b(r.inputs);
  for (int k = 0; k < first; ++k) {
    if (!b.add(r.steps[static_cast<size_t>(k)]))
      return std::nullopt;
  }
  Recipe out;
  out.seed = r.seed;
  out.inputs = r.inputs;
  std::map<ValueRef, ValueRef> made;
  auto map_ref = [&](ValueRef v) -> ValueRef {
    if (v.is_input())
      return v;
    if (v.step >= first)
      return {v.step - first, v.output};
    auto it = made.find(v);
    if (it != made.end())
      return it->second;
    const Value* x = b.value(v);
    InputSpec in;
    in.shape = x->shape;
    in.type = x->type;
    in.scale = x->scale;
    in.zero_point = x->zero_point;
    out.inputs.push_back(in);
    const ValueRef to = ValueRef::input(static_cast<int>(out.inputs.size()) - 1);
    made[v] = to;
    return to;
  };
  for (size_t k = static_cast<size_t>(first); k < r.steps.size(); ++k) {
    Step s = r.steps[k];
    for (ValueRef& v : s.src)
      v = map_ref(v);
    if (s.quant_of && !s.quant_of->is_input()) {
      if (s.quant_of->step >= first)
        s.quant_of = ValueRef{s.quant_of->step - first, s.quant_of->output};
      else
        s.quant_of.reset();
    }
    out.steps.push_back(std::move(s));
  }
  for (const ValueRef& v : r.extra_outputs) {
    if (!v.is_input() && v.step >= first)
      out.extra_outputs.push_back({v.step - first, v.output});
  }
  return prune_inputs(std::move(out));
}

// Simpler parameters for one step, one change per candidate.
std::vector<Step> simpler_steps(const Step& s) {
  std::vector<Step> out;
  auto with = [&](auto change) {
    Step t = s;
    change(t);
    out.push_back(std::move(t));
  };
  if (s.act != Act::kNone)
    with([](Step& t) { t.act = Act::kNone; });
  if (s.kh > 1 || s.kw > 1)
    with([](Step& t) { t.kh = t.kw = 1; });
  if (s.kh > 2 && s.kw > 2)
    with([](Step& t) { t.kh = t.kw = 2; });
  if (s.stride_h > 1 || s.stride_w > 1)
    with([](Step& t) { t.stride_h = t.stride_w = 1; });
  if (s.dilation_h > 1 || s.dilation_w > 1)
    with([](Step& t) { t.dilation_h = t.dilation_w = 1; });
  if ((s.op == Op::kConv || s.op == Op::kFullyConnected || s.op == Op::kLstm) && s.channels > 1)
    with([](Step& t) { t.channels = std::max(1, t.channels / 2); });
  if ((s.op == Op::kDepthwise || s.op == Op::kSplit) && s.channels > 1)
    with([](Step& t) { t.channels = 1; });
  if (!s.same)
    with([](Step& t) { t.same = true; });
  if (!s.has_bias)
    with([](Step& t) { t.has_bias = true; });
  if (s.swap_operands)
    with([](Step& t) { t.swap_operands = false; });
  if (s.quant_of)
    with([](Step& t) { t.quant_of.reset(); });
  if ((s.op == Op::kSvdf) && (s.kh > 1 || s.kw > 1 || s.channels > 1))
    with([](Step& t) {
      t.kh = 1;
      t.kw = std::max(1, t.kw / 2);
      t.channels = std::max(1, t.channels / 2);
    });
  if (s.flags != 0 && s.op != Op::kFullyConnected && s.op != Op::kBatchMatMul)
    with([](Step& t) { t.flags = 0; });
  if (s.op == Op::kFullyConnected && (s.flags & flag::kPerChannel) != 0)
    with([](Step& t) { t.flags &= ~flag::kPerChannel; });
  if (s.op == Op::kBatchMatMul && (s.flags & (flag::kAdjX | flag::kAdjY)) != 0 && s.src.size() == 1)
    with([](Step& t) { t.flags &= ~(flag::kAdjX | flag::kAdjY); });
  if (s.op == Op::kBatchMatMul && s.src.size() == 1 && s.channels > 1)
    with([](Step& t) { t.channels = std::max(1, t.channels / 2); });
  if (s.src.size() > 2)
    with([](Step& t) { t.src.pop_back(); });
  if (s.src.size() == 2 && s.op >= Op::kAdd && s.op <= Op::kMaximum) {
    // A constant of the full shape instead of the second value.
    with([](Step& t) {
      t.src.pop_back();
      t.const_mask = 0xF;
    });
  }
  if (s.const_mask >= 0 && s.const_mask != 0xF)
    with([](Step& t) { t.const_mask = 0xF; });
  if (s.scale_factor != 1.0f)
    with([](Step& t) { t.scale_factor = 1.0f; });
  if (s.range != 3.0f || s.offset != 0.0f) {
    with([](Step& t) {
      t.range = 3.0f;
      t.offset = 0.0f;
    });
  }
  return out;
}

class Minimiser {
 public:
  Minimiser(const Recipe& r, const std::function<bool(const ir::Model&)>& fails,
            const MinimiseOptions& o)
      : best_(r), fails_(fails), o_(o), start_(Clock::now()) {}

  MinimiseResult run() {
    bool progress = true;
    while (progress && !out_of_budget()) {
      progress = false;
      progress |= cut_prefix();
      progress |= drop_tail();
      progress |= bypass();
      progress |= drop_extra_outputs();
      progress |= shrink_inputs();
      progress |= simplify();
    }
    return {best_, checks_, accepted_};
  }

 private:
  bool out_of_budget() const {
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    return checks_ >= o_.max_checks || seconds >= o_.max_seconds;
  }

  // Checks a candidate; keeps it when it still fails.
  bool attempt(const std::optional<Recipe>& candidate) {
    if (!candidate || out_of_budget())
      return false;
    auto model = build(*candidate);
    if (!model)
      return false;
    ++checks_;
    if (!fails_(*model))
      return false;
    best_ = *candidate;
    ++accepted_;
    return true;
  }

  bool cut_prefix() {
    bool any = false;
    // The largest cut first: keep only the last steps.
    for (int first = static_cast<int>(best_.steps.size()) - 1; first >= 1; --first) {
      if (first < static_cast<int>(best_.steps.size()) && attempt(cut_before(best_, first))) {
        any = true;
        break;
      }
    }
    return any;
  }

  bool drop_tail() {
    bool any = false;
    for (int k = static_cast<int>(best_.steps.size()) - 1; k >= 0; --k) {
      if (k >= static_cast<int>(best_.steps.size()) || best_.steps.size() <= 1)
        continue;
      auto removed = with_dependents(best_, k);
      if (std::count(removed.begin(), removed.end(), true) ==
          static_cast<std::ptrdiff_t>(best_.steps.size()))
        continue;
      if (attempt(pruned(without_steps(best_, removed))))
        any = true;
    }
    return any;
  }

  bool bypass() {
    bool any = false;
    for (int k = static_cast<int>(best_.steps.size()) - 1; k >= 0; --k) {
      if (k >= static_cast<int>(best_.steps.size()) || best_.steps.size() <= 1)
        continue;
      const Step& s = best_.steps[static_cast<size_t>(k)];
      std::vector<bool> removed(best_.steps.size(), false);
      removed[static_cast<size_t>(k)] = true;
      for (const ValueRef& src : s.src) {
        if (attempt(pruned(without_steps(best_, removed, {{k, src}})))) {
          any = true;
          break;
        }
      }
    }
    return any;
  }

  bool drop_extra_outputs() {
    bool any = false;
    for (size_t k = best_.extra_outputs.size(); k-- > 0;) {
      if (k >= best_.extra_outputs.size())
        continue;
      Recipe c = best_;
      c.extra_outputs.erase(c.extra_outputs.begin() + static_cast<std::ptrdiff_t>(k));
      any |= attempt(c);
    }
    return any;
  }

  bool shrink_inputs() {
    bool any = false;
    for (size_t k = 0; k < best_.inputs.size(); ++k) {
      for (size_t d = 0; d < best_.inputs[k].shape.size(); ++d) {
        // Halving until it stops failing, then one step at a time.
        for (int reps = 0; reps < 8 && best_.inputs[k].shape[d] > 1; ++reps) {
          Recipe c = best_;
          int32_t& dim = c.inputs[k].shape[d];
          dim = dim > 4 ? dim / 2 : dim - 1;
          if (!attempt(c))
            break;
          any = true;
        }
      }
    }
    return any;
  }

  bool simplify() {
    bool any = false;
    for (size_t k = 0; k < best_.steps.size(); ++k) {
      for (const Step& t : simpler_steps(best_.steps[k])) {
        Recipe c = best_;
        c.steps[k] = t;
        if (attempt(c)) {
          any = true;
          break;  // parameters of this step changed: list again next round
        }
      }
    }
    return any;
  }

  Recipe best_;
  const std::function<bool(const ir::Model&)>& fails_;
  MinimiseOptions o_;
  Clock::time_point start_;
  int checks_ = 0;
  int accepted_ = 0;
};

}  // namespace

MinimiseResult minimise(const Recipe& failing, const std::function<bool(const ir::Model&)>& fails,
                        const MinimiseOptions& options) {
  return Minimiser(failing, fails, options).run();
}

}  // namespace euc::graphgen
