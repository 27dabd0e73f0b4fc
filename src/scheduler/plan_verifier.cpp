#include "scheduler/plan_verifier.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <tuple>

#include "core/error.hpp"
#include "scheduler/cascade.hpp"
#include "scheduler/live_range.hpp"

namespace euc::scheduler {
namespace {

const char* region_name(Region region) {
  switch (region) {
    case Region::kFlash:
      return "flash";
    case Region::kArena:
      return "arena";
    case Region::kFastArena:
      return "fast arena";
  }
  return "unknown region";
}

// Bytes a feature map needs as the plan stores it: NHCWB16 rounds depth up to 16; a rolling
// buffer holds rolling_rows rows.
int64_t needed_bytes(const ir::NpuTensor& tensor, const TensorPlacement& place) {
  if (place.rolling_rows > 0)
    return place.rolling_rows * row_bytes(tensor, place.layout);
  return int64_t{tensor.shape.n} * tensor.shape.h * row_bytes(tensor, place.layout);
}

// Something that occupies bytes of a region during a span of operation steps.
struct Extent {
  Region region = Region::kArena;
  int64_t begin = 0;
  int64_t end = 0;
  int first_step = 0;
  int last_step = 0;
  std::string what;
  std::vector<int> network_tensors;  // ranges holding one network tensor share its storage
  bool written = true;               // by an operation of this segment
};

class Verifier {
 public:
  Verifier(const ir::NpuGraph& graph, const Plan& plan, const arch::SystemConfig& system,
           const PlanCheckContext& context)
      : graph_(graph), plan_(plan), system_(system), context_(context) {}

  void run() {
    check_shapes();
    check_cascades();
    check_tensors();
    check_strided_views();
    check_weight_buffers();
    check_staged_inputs();
    check_overlaps();
    check_passes();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::kInternal, fmt::format("plan verifier: {}: {}", context_.segment, what));
  }

  std::string op_name(size_t i) const {
    return fmt::format("operation {} '{}'", i, graph_.ops[i].name);
  }
  std::string tensor_name(size_t t) const {
    return fmt::format("tensor {} '{}'", t, graph_.tensors[t].name);
  }

  int64_t region_size(Region region) const {
    switch (region) {
      case Region::kFlash:
        return context_.flash_size;
      case Region::kArena:
        return plan_.arena_size;
      case Region::kFastArena:
        return plan_.fast_arena_size;
    }
    return -1;
  }

  void check_extent(const std::string& what, Region region, int64_t address, int64_t size,
                    int64_t alignment) const {
    if (address < 0)
      fail(fmt::format("{} has no address in the {}", what, region_name(region)));
    if (address % alignment != 0) {
      fail(fmt::format("{} at {} in the {} breaks its {}-byte alignment", what, address,
                       region_name(region), alignment));
    }
    const int64_t limit = region_size(region);
    if (limit >= 0 && address + size > limit) {
      fail(fmt::format("{} [{}, {}) lies outside the {} of {} bytes", what, address, address + size,
                       region_name(region), limit));
    }
  }

  int root(int t) const { return graph_.storage_root(t); }

  bool is_boundary(int t) const {
    return std::find(graph_.inputs.begin(), graph_.inputs.end(), t) != graph_.inputs.end() ||
           std::find(graph_.outputs.begin(), graph_.outputs.end(), t) != graph_.outputs.end();
  }

  void check_shapes() {
    if (plan_.ops.size() != graph_.ops.size() || plan_.tensors.size() != graph_.tensors.size()) {
      fail(fmt::format("the plan has {} operations and {} tensors, the graph {} and {}",
                       plan_.ops.size(), plan_.tensors.size(), graph_.ops.size(),
                       graph_.tensors.size()));
    }
    if (plan_.arena_size < 0 || plan_.fast_arena_size < 0)
      fail("negative arena size");
    if (!plan_.spilling && (plan_.fast_arena_size != 0 || !plan_.staged.empty()))
      fail("a fast arena or staged inputs without spilling");
    if (plan_.spilling && !system_.spilling_enabled())
      fail("feature maps spill to the SRAM cache but the system has no cache (Dedicated_Sram)");
    if (plan_.spilling && plan_.fast_arena_size > system_.arena_cache_size) {
      fail(fmt::format("the fast arena needs {} bytes but the SRAM cache holds {}",
                       plan_.fast_arena_size, system_.arena_cache_size));
    }
  }

  void check_cascades() {
    const int n = static_cast<int>(graph_.ops.size());
    chain_tensor_.assign(graph_.tensors.size(), false);
    for (size_t id = 0; id < plan_.cascades.size(); ++id) {
      const Cascade& c = plan_.cascades[id];
      if (c.first < 0 || c.last >= n || c.first >= c.last || c.stripe_rows < 1) {
        fail(fmt::format("cascade {} (operations {}..{}, {} rows per stripe) is malformed", id,
                         c.first, c.last, c.stripe_rows));
      }
      for (int k = c.first; k <= c.last; ++k) {
        if (plan_.ops[static_cast<size_t>(k)].cascade != static_cast<int>(id)) {
          fail(fmt::format("{} lies in cascade {} but names cascade {}",
                           op_name(static_cast<size_t>(k)), id,
                           plan_.ops[static_cast<size_t>(k)].cascade));
        }
      }
      if (!can_cascade(graph_, c.first, c.last))
        fail(fmt::format("cascade {}: operations {}..{} cannot be cascaded", id, c.first, c.last));
      for (int k = c.first + 1; k <= c.last; ++k)
        chain_tensor_[static_cast<size_t>(graph_.ops[static_cast<size_t>(k - 1)].ofm.tensor)] =
            true;
    }
    for (size_t i = 0; i < plan_.ops.size(); ++i) {
      const OpPlan& p = plan_.ops[i];
      const ir::Shape4& ofm = graph_.ops[i].ofm.shape;
      ir::Shape4 stripe = ofm;
      if (p.cascade >= 0) {
        if (static_cast<size_t>(p.cascade) >= plan_.cascades.size())
          fail(fmt::format("{} names cascade {}, which does not exist", op_name(i), p.cascade));
        const Cascade& c = plan_.cascades[static_cast<size_t>(p.cascade)];
        if (static_cast<int>(i) < c.first || static_cast<int>(i) > c.last) {
          fail(fmt::format("{} names cascade {} (operations {}..{})", op_name(i), p.cascade,
                           c.first, c.last));
        }
        if (static_cast<int>(i) == c.last)
          stripe.h = std::min(c.stripe_rows, ofm.h);
        if (p.weight_buffer.double_buffered()) {
          fail(
              fmt::format("{} is cascaded but its weights come in depth slices (a cascade runs "
                          "each operation over all its channels)",
                          op_name(i)));
        }
      }
      if (!(p.ofm_stripe == stripe)) {
        fail(fmt::format("{}: OFM stripe {}x{}x{}x{}, expected {}x{}x{}x{}", op_name(i),
                         p.ofm_stripe.n, p.ofm_stripe.h, p.ofm_stripe.w, p.ofm_stripe.c, stripe.n,
                         stripe.h, stripe.w, stripe.c));
      }
    }
  }

  void check_tensors() const {
    const int64_t io_alignment = std::max<int64_t>(16, context_.cpu_tensor_alignment);
    std::vector<bool> aliased(graph_.tensors.size(), false);
    for (const ir::NpuTensor& t : graph_.tensors) {
      if (t.alias_of >= 0)
        aliased[static_cast<size_t>(t.alias_of)] = true;
    }
    for (size_t t = 0; t < graph_.tensors.size(); ++t) {
      const ir::NpuTensor& tensor = graph_.tensors[t];
      const TensorPlacement& place = plan_.tensors[t];
      if (tensor.is_constant()) {
        if (place.region != Region::kFlash)
          fail(fmt::format("constant {} is not in flash", tensor_name(t)));
        if (place.size < static_cast<int64_t>(tensor.data->size())) {
          fail(fmt::format("constant {} has {} bytes but {} are planned", tensor_name(t),
                           tensor.data->size(), place.size));
        }
        if (place.address >= 0)
          check_extent("constant " + tensor_name(t), Region::kFlash, place.address, place.size, 16);
        continue;
      }
      const bool boundary = is_boundary(static_cast<int>(t));
      if (place.region == Region::kFlash)
        fail(fmt::format("feature map {} is placed in flash", tensor_name(t)));
      if (place.region == Region::kFastArena && !plan_.spilling)
        fail(fmt::format("{} is in the fast arena but the plan does not spill", tensor_name(t)));
      if (place.region == Region::kFastArena && boundary)
        fail(fmt::format("{} is in the fast arena but the CPU sees it", tensor_name(t)));
      // A reshape alias shares its base's bytes: one memory for the whole group.
      if (tensor.alias_of >= 0 &&
          plan_.tensors[static_cast<size_t>(tensor.alias_of)].region != place.region) {
        fail(fmt::format("{} is an alias of {} but placed in another region", tensor_name(t),
                         tensor_name(static_cast<size_t>(tensor.alias_of))));
      }
      if (place.layout == Layout::kNhcwb16) {
        auto esize = ir::element_size(tensor.type);
        if (boundary || tensor.alias_of >= 0 || aliased[t] || !esize || *esize > 2) {
          fail(
              fmt::format("{} is stored NHCWB16 but must be NHWC (a segment input or output, a "
                          "reshape alias, or wider than 16 bits)",
                          tensor_name(t)));
        }
      }
      if (place.rolling_rows < 0 || place.rolling_rows > tensor.shape.h)
        fail(fmt::format("{} has {} rolling rows", tensor_name(t), place.rolling_rows));
      if (place.rolling_rows > 0 && !chain_tensor_[t]) {
        fail(fmt::format("{} is a rolling buffer of {} rows but no cascade runs through it",
                         tensor_name(t), place.rolling_rows));
      }
      const int64_t needed = needed_bytes(tensor, place);
      if (place.size < needed) {
        fail(fmt::format(
            "{} has {} bytes planned but needs {}{}", tensor_name(t), place.size, needed,
            place.rolling_rows > 0 ? fmt::format(" ({} rolling rows)", place.rolling_rows)
                                   : std::string()));
      }
      check_extent(tensor_name(t), place.region, place.address, place.size,
                   boundary ? io_alignment : 16);
    }
  }

  // A strided view's footprint lies inside its tensor's linear NHWC storage, whole (not a
  // rolling buffer), and no cascade runs through its operation.
  void check_strided_views() const {
    for (size_t i = 0; i < graph_.ops.size(); ++i) {
      const ir::NpuOp& op = graph_.ops[i];
      for (const ir::TensorSlice* s : {&op.ifm, &op.ifm2, &op.ofm}) {
        if (!s->valid() || !s->strided() || (s == &op.ifm2 && op.ifm2_scalar))
          continue;
        const auto t = static_cast<size_t>(s->tensor);
        const ir::NpuTensor& tensor = graph_.tensors[t];
        const TensorPlacement& place = plan_.tensors[t];
        if (s->shape.n != 1 || s->offset.n != 0 || s->shape.h < 1 || s->shape.w < 1 ||
            s->shape.c < 1)
          fail(
              fmt::format("{}: a strided view of {} is not one batch", op_name(i), tensor_name(t)));
        if (place.layout != Layout::kNhwc || place.rolling_rows > 0)
          fail(fmt::format("{}: {} is viewed strided but not stored whole in NHWC", op_name(i),
                           tensor_name(t)));
        if (plan_.ops[i].cascade >= 0)
          fail(fmt::format("{} has a strided view but is cascaded", op_name(i)));
        const auto [first, last] = ir::strided_footprint(*s);
        if (first < 0 || last >= tensor.shape.elements()) {
          fail(fmt::format("{}: a strided view reaches elements [{}, {}] of {}, which has {}",
                           op_name(i), first, last, tensor_name(t), tensor.shape.elements()));
        }
      }
    }
  }

  void check_weight_buffers() const {
    for (size_t i = 0; i < plan_.ops.size(); ++i) {
      const ir::NpuOp& op = graph_.ops[i];
      const WeightBuffer& b = plan_.ops[i].weight_buffer;
      const std::string name = "the weight buffer of " + op_name(i);
      const auto& s = b.depth_slices;
      if (!s.empty()) {
        if (op.weights < 0)
          fail(fmt::format("{} has depth slices but no weights", op_name(i)));
        bool ok = s.size() >= 2 && s.front() == 0 && s.back() == op.ofm.shape.c;
        for (size_t k = 1; ok && k < s.size(); ++k)
          ok = s[k] > s[k - 1] && (k + 1 == s.size() || s[k] % 16 == 0);
        if (!ok) {
          fail(
              fmt::format("{}: depth slices [{}] do not cover its {} OFM channels in steps on "
                          "16-channel boundaries",
                          op_name(i), fmt::join(s, ", "), op.ofm.shape.c));
        }
      }
      if (b.size < 0)
        fail(fmt::format("{} has {} bytes", name, b.size));
      if (!b.enabled()) {
        if (b.reuses_previous)
          fail(fmt::format("{} reuses the previous operation's weight buffer but has none",
                           op_name(i)));
        continue;
      }
      if (op.weights < 0)
        fail(fmt::format("{} is buffered but has no weights", op_name(i)));
      if (b.region == Region::kFlash)
        fail(fmt::format("{} is in flash", name));
      if (b.region == Region::kFastArena && !plan_.spilling)
        fail(fmt::format("{} is in the fast arena but the plan does not spill", name));
      if (b.double_buffered() && (b.half <= 0 || b.size < 2 * b.half)) {
        fail(fmt::format("{} is double buffered with halves of {} bytes in {} bytes", name, b.half,
                         b.size));
      }
      const std::vector<int64_t> bytes =
          context_.slice_bytes ? context_.slice_bytes(i) : std::vector<int64_t>();
      if (!bytes.empty()) {
        if (b.double_buffered()) {
          for (size_t k = 0; k < bytes.size(); ++k) {
            if (bytes[k] > b.half) {
              fail(fmt::format("{}: depth slice {} has {} bytes of weights, a half holds {}", name,
                               k, bytes[k], b.half));
            }
          }
        } else {
          int64_t total = 0;
          for (int64_t v : bytes)
            total += v;
          if (total > b.size)
            fail(fmt::format("{} holds {} bytes but its weights have {}", name, b.size, total));
        }
      }
      if (b.reuses_previous) {
        // The previous operation's buffer, or an earlier one's that is live until here.
        const bool shared = b.shared_from >= 0;
        const size_t from = shared ? static_cast<size_t>(b.shared_from) : i - 1;
        const WeightBuffer* prev = i > 0 && from < i ? &plan_.ops[from].weight_buffer : nullptr;
        if (prev == nullptr || !prev->enabled() || (shared && prev->reuses_previous) ||
            prev->region != b.region || prev->address != b.address || prev->size < b.size ||
            prev->double_buffered() || b.double_buffered() || plan_.ops[i].cascade >= 0 ||
            plan_.ops[from].cascade >= 0) {
          fail(
              fmt::format("{} reuses the previous operation's weight buffer, which does not "
                          "hold its weights whole at the same address",
                          op_name(i)));
        }
        continue;
      }
      check_extent(name, b.region, b.address, b.size, 16);
    }
  }

  void check_staged_inputs() const {
    std::vector<bool> seen(graph_.tensors.size(), false);
    for (const StagedInput& s : plan_.staged) {
      if (s.tensor < 0 || static_cast<size_t>(s.tensor) >= graph_.tensors.size() ||
          std::find(graph_.inputs.begin(), graph_.inputs.end(), s.tensor) == graph_.inputs.end()) {
        fail(fmt::format("a staged copy of tensor {}, which is no segment input", s.tensor));
      }
      const auto t = static_cast<size_t>(s.tensor);
      const std::string name = "the staged copy of " + tensor_name(t);
      if (seen[t])
        fail(tensor_name(t) + " is staged twice");
      seen[t] = true;
      const TensorPlacement& place = plan_.tensors[t];
      if (place.region != Region::kArena || place.layout != Layout::kNhwc)
        fail(fmt::format("{} is staged but is not NHWC in the arena", tensor_name(t)));
      const int64_t bytes = linear_size(graph_.tensors[t]);
      if (s.size < bytes || s.size > place.size) {
        fail(fmt::format("{} has {} bytes, the tensor {} stored in {}", name, s.size, bytes,
                         place.size));
      }
      int first = -1;
      for (size_t i = 0; i < graph_.ops.size(); ++i) {
        const ir::NpuOp& op = graph_.ops[i];
        if (op.ofm.valid() && root(op.ofm.tensor) == root(s.tensor))
          fail(fmt::format("{} is staged but {} writes it", tensor_name(t), op_name(i)));
        if (first < 0 &&
            (op.ifm.tensor == s.tensor || (op.ifm2.tensor == s.tensor && !op.ifm2_scalar)))
          first = static_cast<int>(i);
      }
      if (first != s.first_reader) {
        fail(fmt::format("{} is made before operation {}, but operation {} reads it first", name,
                         s.first_reader, first));
      }
      check_extent(name, Region::kFastArena, s.address, s.size, 16);
    }
  }

  void check_overlaps() const {
    const LiveRanges live = compute_live_ranges(graph_, &plan_);
    std::vector<bool> written(graph_.tensors.size(), false);
    for (const ir::NpuOp& op : graph_.ops) {
      if (op.ofm.valid())
        written[static_cast<size_t>(root(op.ofm.tensor))] = true;
    }
    std::vector<Extent> extents;
    for (const LiveRange& lr : live.ranges) {
      const auto t0 = static_cast<size_t>(lr.tensors.front());
      const TensorPlacement& p0 = plan_.tensors[t0];
      Extent e;
      for (int t : lr.tensors) {
        const TensorPlacement& p = plan_.tensors[static_cast<size_t>(t)];
        if (p.region != p0.region || p.address != p0.address) {
          fail(fmt::format("{} shares storage with {} but is at {} in the {}, not {} in the {}",
                           tensor_name(static_cast<size_t>(t)), tensor_name(t0), p.address,
                           region_name(p.region), p0.address, region_name(p0.region)));
        }
        if (graph_.tensors[static_cast<size_t>(t)].network_tensor >= 0)
          e.network_tensors.push_back(graph_.tensors[static_cast<size_t>(t)].network_tensor);
      }
      if (lr.size == 0)
        continue;
      e.region = p0.region;
      e.begin = p0.address;
      e.end = p0.address + lr.size;
      e.first_step = lr.start;
      e.last_step = lr.end;
      e.what = tensor_name(t0);
      if (!e.network_tensors.empty())
        e.what += fmt::format(" (network tensors {})", fmt::join(e.network_tensors, ", "));
      e.written = std::any_of(lr.tensors.begin(), lr.tensors.end(),
                              [&](int t) { return written[static_cast<size_t>(t)]; });
      extents.push_back(std::move(e));
    }
    // A weight buffer is written by the DMA issued under the previous operation (the one before
    // that with early_copy: the copy must not wait for it) and read by the operation's passes (a
    // cascaded operation's run to the end of its cascade), and by the operations after it that
    // reuse it.
    for (size_t i = 0; i < plan_.ops.size(); ++i) {
      const WeightBuffer& b = plan_.ops[i].weight_buffer;
      if (!b.enabled() || b.reuses_previous)
        continue;
      Extent e;
      e.region = b.region;
      e.begin = b.address;
      e.end = b.address + b.size;
      e.first_step = std::max(static_cast<int>(i) - (b.early_copy ? 2 : 1), 0);
      size_t last = i;
      while (last + 1 < plan_.ops.size() && plan_.ops[last + 1].weight_buffer.reuses_previous &&
             plan_.ops[last + 1].weight_buffer.shared_from < 0)
        ++last;
      for (size_t k = i + 1; k < plan_.ops.size(); ++k) {
        if (plan_.ops[k].weight_buffer.reuses_previous &&
            plan_.ops[k].weight_buffer.shared_from == static_cast<int>(i))
          last = k;
      }
      e.last_step = static_cast<int>(last);
      if (plan_.ops[i].cascade >= 0) {
        e.last_step =
            std::max(e.last_step, plan_.cascades[static_cast<size_t>(plan_.ops[i].cascade)].last);
      }
      e.what = "the weight buffer of " + op_name(i);
      extents.push_back(std::move(e));
    }
    for (const StagedInput& s : plan_.staged) {
      const LiveRange lr = staged_range(live, s);
      Extent e;
      e.region = Region::kFastArena;
      e.begin = s.address;
      e.end = s.address + s.size;
      e.first_step = lr.start;
      e.last_step = lr.end;
      e.what = "the staged copy of " + tensor_name(static_cast<size_t>(s.tensor));
      extents.push_back(std::move(e));
    }
    std::sort(extents.begin(), extents.end(), [](const Extent& a, const Extent& b) {
      return std::tie(a.region, a.begin) < std::tie(b.region, b.begin);
    });
    for (size_t i = 0; i < extents.size(); ++i) {
      const Extent& a = extents[i];
      for (size_t j = i + 1;
           j < extents.size() && extents[j].region == a.region && extents[j].begin < a.end; ++j) {
        const Extent& b = extents[j];
        if (b.end <= b.begin || a.end <= a.begin || a.last_step < b.first_step ||
            b.last_step < a.first_step)
          continue;
        const bool same_tensor =
            std::any_of(a.network_tensors.begin(), a.network_tensors.end(), [&](int n) {
              return std::find(b.network_tensors.begin(), b.network_tensors.end(), n) !=
                     b.network_tensors.end();
            });
        // One subgraph arena serves all its segments: network tensors an earlier segment
        // stores as one (a reshape alias there) get one address even where they are two
        // tensors here. Only an earlier segment or the CPU writes such inputs, so two unwritten
        // network tensors at one address are taken to be that (its plan was verified).
        const bool shared_input = !a.written && !b.written && a.begin == b.begin &&
                                  !a.network_tensors.empty() && !b.network_tensors.empty();
        if (same_tensor || shared_input)
          continue;
        fail(
            fmt::format("{} [{}, {}) and {} [{}, {}) overlap in the {} while both live (steps "
                        "{}..{} and {}..{})",
                        a.what, a.begin, a.end, b.what, b.begin, b.end, region_name(a.region),
                        a.first_step, a.last_step, b.first_step, b.last_step));
      }
    }
  }

  void check_passes() const {
    const size_t n = graph_.ops.size();
    std::vector<Pass> whole;
    if (plan_.passes.empty()) {
      for (size_t i = 0; i < n; ++i)
        whole.push_back(
            {static_cast<int>(i), 0, graph_.ops[i].ofm.shape.n * graph_.ops[i].ofm.shape.h, 0});
    }
    const std::vector<Pass>& passes = plan_.passes.empty() ? whole : plan_.passes;
    auto slices_of = [&](size_t i) {
      const auto& s = plan_.ops[i].weight_buffer.depth_slices;
      return s.size() > 2 ? s.size() - 1 : size_t{1};
    };
    auto rows_of = [&](size_t i) { return graph_.ops[i].ofm.shape.n * graph_.ops[i].ofm.shape.h; };
    // The rows an operation must compute: all of them, except inside a cascade, where only the
    // rows its successor reads exist (a stride above the kernel skips the last ones).
    // (Its successor's own needed rows, back from the cascade's last operation.)
    std::vector<int> needed(n, 0);
    for (size_t i = n; i-- > 0;) {
      const int c = plan_.ops[i].cascade;
      needed[i] = c < 0 || static_cast<int>(i) == plan_.cascades[static_cast<size_t>(c)].last
                      ? rows_of(i)
                      : input_rows(graph_.ops[i + 1], 0, needed[i + 1]).end;
    }
    auto rows_needed = [&](size_t i) { return needed[i]; };
    std::vector<std::vector<int>> done(n);
    for (size_t i = 0; i < n; ++i)
      done[i].assign(slices_of(i), 0);
    auto complete = [&](size_t i) {
      return std::all_of(done[i].begin(), done[i].end(),
                         [&](int d) { return d >= rows_needed(i); });
    };
    // The operations writing each storage root (a concatenation has several).
    std::vector<std::vector<int>> writers(graph_.tensors.size());
    for (size_t i = 0; i < n; ++i) {
      if (graph_.ops[i].ofm.valid())
        writers[static_cast<size_t>(root(graph_.ops[i].ofm.tensor))].push_back(static_cast<int>(i));
    }
    // Operations run in graph order, one after the other, except that a cascade's interleave.
    auto group_of = [&](size_t i) {
      const int c = plan_.ops[i].cascade;
      return c >= 0 ? plan_.cascades[static_cast<size_t>(c)].first : static_cast<int>(i);
    };
    int group = -1;
    for (size_t p = 0; p < passes.size(); ++p) {
      const Pass& pass = passes[p];
      if (pass.op < 0 || static_cast<size_t>(pass.op) >= n)
        fail(fmt::format("pass {} names operation {}", p, pass.op));
      const auto i = static_cast<size_t>(pass.op);
      const std::string what = fmt::format("pass {} ({} rows [{}, {}) slice {})", p, op_name(i),
                                           pass.row_begin, pass.row_end, pass.slice);
      if (pass.slice < 0 || static_cast<size_t>(pass.slice) >= slices_of(i))
        fail(fmt::format("{}: the operation has {} depth slices", what, slices_of(i)));
      int& rows_done = done[i][static_cast<size_t>(pass.slice)];
      if (pass.row_begin != rows_done || pass.row_end <= pass.row_begin ||
          pass.row_end > rows_of(i)) {
        fail(
            fmt::format("{}: rows [0, {}) of {} are done, rows must be computed once and in "
                        "order",
                        what, rows_done, rows_of(i)));
      }
      const int g = group_of(i);
      if (g < group)
        fail(fmt::format("{} runs after the passes of operation {} began", what, group));
      if (g > group && group >= 0) {
        const int c = plan_.ops[static_cast<size_t>(group)].cascade;
        const int last = c >= 0 ? plan_.cascades[static_cast<size_t>(c)].last : group;
        for (int k = group; k <= last; ++k) {
          if (!complete(static_cast<size_t>(k))) {
            fail(fmt::format("{} starts before {} is complete", what,
                             op_name(static_cast<size_t>(k))));
          }
        }
      }
      group = g;
      const ir::NpuOp& op = graph_.ops[i];
      // A pass writing a rolling buffer must not wrap onto its own rows.
      const TensorPlacement& out = plan_.tensors[static_cast<size_t>(op.ofm.tensor)];
      if (out.rolling_rows > 0 && pass.row_end - pass.row_begin > out.rolling_rows) {
        fail(fmt::format("{} writes {} rows into the rolling buffer of {} rows of {}", what,
                         pass.row_end - pass.row_begin, out.rolling_rows,
                         tensor_name(static_cast<size_t>(op.ofm.tensor))));
      }
      for (const ir::TensorSlice* in : {&op.ifm, &op.ifm2}) {
        if (!in->valid() || (in == &op.ifm2 && op.ifm2_scalar))
          continue;
        const auto t = static_cast<size_t>(in->tensor);
        if (graph_.tensors[t].is_constant())
          continue;
        for (int w : writers[static_cast<size_t>(root(in->tensor))]) {
          const auto j = static_cast<size_t>(w);
          if (j >= i)
            continue;  // written later (or by itself): not this pass's input
          const bool chain = plan_.ops[i].cascade >= 0 &&
                             plan_.ops[j].cascade == plan_.ops[i].cascade && j + 1 == i &&
                             graph_.ops[j].ofm.tensor == in->tensor;
          if (!chain) {
            if (!complete(j)) {
              fail(fmt::format("{} reads {} before {} has written all of it", what, tensor_name(t),
                               op_name(j)));
            }
            continue;
          }
          const RowWindow rows = input_rows(op, pass.row_begin, pass.row_end);
          const int produced = done[j][0];
          if (produced < rows.end) {
            fail(fmt::format("{} reads rows [{}, {}) of {}, but {} has produced rows [0, {}) only",
                             what, rows.begin, rows.end, tensor_name(t), op_name(j), produced));
          }
          const int held = plan_.tensors[t].rolling_rows;
          if (held > 0 && produced - held > rows.begin) {
            fail(fmt::format(
                "{} reads rows [{}, {}) of {}, but its rolling buffer of {} rows "
                "holds rows [{}, {}) by then",
                what, rows.begin, rows.end, tensor_name(t), held, produced - held, produced));
          }
        }
      }
      rows_done = pass.row_end;
    }
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < done[i].size(); ++k) {
        if (done[i][k] < rows_needed(i)) {
          fail(fmt::format("{} depth slice {}: rows [{}, {}) of its OFM are never computed",
                           op_name(i), k, done[i][k], rows_needed(i)));
        }
      }
    }
  }

  const ir::NpuGraph& graph_;
  const Plan& plan_;
  const arch::SystemConfig& system_;
  const PlanCheckContext& context_;
  std::vector<bool> chain_tensor_;  // tensors a cascade runs through
};

}  // namespace

void verify_plan(const ir::NpuGraph& graph, const Plan& plan, const arch::SystemConfig& system,
                 const PlanCheckContext& context) {
  Verifier(graph, plan, system, context).run();
}

}  // namespace euc::scheduler
