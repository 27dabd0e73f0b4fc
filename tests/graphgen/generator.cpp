#include "generator.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "builder.hpp"
#include "core/error.hpp"
#include "generator_internal.hpp"
#include "rng.hpp"

namespace euc::graphgen {
namespace detail {
namespace {

// Relative weights of the families; kCpu's is set from GenOptions::cpu_share.
constexpr std::array<double, static_cast<size_t>(Family::kCount)> kWeights = {
    20, 11, 6, 5, 5, 9, 3, 4, 2, 2, 6, 3, 2, 3, 3, 4, 1, 3, 3, 3, 2, 3, 2, 2, 0};

}  // namespace

Recipe Generator::run() {
  const int target = rng_.chance(0.1) ? rng_.uniform(1, 3) : rng_.uniform(2, o_.max_steps);
  std::vector<double> weights(kWeights.begin(), kWeights.end());
  double total = 0;
  for (double w : weights)
    total += w;
  weights.back() = total * o_.cpu_share / (1.0 - o_.cpu_share);
  for (int attempt = 0; attempt < target * 6 && b_.step_count() < target; ++attempt) {
    const auto family = static_cast<Family>(rng_.weighted(weights));
    const size_t steps = r_.steps.size();
    const Builder saved = b_;
    if (!add_family(family)) {
      b_ = saved;
      r_.steps.resize(steps);
    }
  }
  if (r_.steps.empty()) {
    Step s = step(Op::kConv);
    s.src = {ensure_rank4(ValueRef::input(0)).value_or(ValueRef::input(0))};
    s.channels = 4;
    if (!try_add(s)) {
      s.op = Op::kQuantize;
      s.out_type = b_.value(s.src[0])->type;
      try_add(s);
    }
  }
  if (rng_.chance(0.2) && r_.steps.size() > 1) {
    const int count = rng_.uniform(1, 2);
    for (int k = 0; k < count; ++k) {
      const int st = rng_.uniform(0, static_cast<int>(r_.steps.size()) - 2);
      r_.extra_outputs.push_back({st, rng_.uniform(0, b_.output_count(st) - 1)});
    }
  }
  return r_;
}

GenOptions Generator::scaled(GenOptions o, Rng& rng) {
  if (rng.chance(o.large_share)) {
    o.max_macs *= o.large_factor;
    o.max_elements *= o.large_factor;
  }
  return o;
}

std::vector<InputSpec> Generator::make_inputs() {
  const bool int16 = rng_.chance(o_.int16_share);
  auto spec = [&](std::vector<int32_t> shape) {
    InputSpec in;
    in.shape = std::move(shape);
    in.type = int16 ? ir::DataType::kInt16 : ir::DataType::kInt8;
    if (int16) {
      in.scale = static_cast<float>(rng_.log_real(5e-5, 5e-4));
      in.zero_point = 0;
    } else {
      in.scale = static_cast<float>(rng_.log_real(0.004, 0.1));
      in.zero_point = rng_.chance(0.5) ? rng_.uniform(-128, 127) : rng_.uniform(-10, 10);
    }
    return in;
  };
  // [1, H, W, C] within half the feature map budget.
  auto fit = [&](int h, int w, int c) {
    while (int64_t{h} * w * c > o_.max_elements / 2) {
      if (c > 4)
        c /= 2;
      else if (h >= w)
        h = (h + 1) / 2;
      else
        w = (w + 1) / 2;
    }
    return std::vector<int32_t>{1, h, w, c};
  };
  std::vector<int32_t> shape;
  if (rng_.chance(0.08)) {
    // One draw per statement: the operands of * are evaluated in no fixed order.
    const int rows = rng_.chance(0.7) ? 1 : rng_.uniform(2, 8);
    const int depth = channels();
    shape = {rows, depth * rng_.uniform(1, 8)};
  } else {
    const int h = spatial(), w = spatial();
    shape = fit(h, w, channels());
  }
  r_.inputs.push_back(spec(shape));
  if (rng_.chance(o_.second_input_share)) {
    std::vector<int32_t> second = shape;
    const double kind = rng_.unit();
    if (kind < 0.4 && shape.size() == 4) {
      second = {1, 1, 1, shape[3]};
    } else if (kind < 0.7) {
      second = shape;
    } else {
      const int h = spatial() / 2 + 1, w = spatial() / 2 + 1;
      second = fit(h, w, channels());
    }
    r_.inputs.push_back(spec(second));
  }
  return r_.inputs;
}

int Generator::spatial() {
  const double u = rng_.unit();
  const int max = std::max(1, o_.max_dim);
  if (u < 0.35)
    return rng_.uniform(1, std::min(8, max));
  if (u < 0.8)
    return rng_.uniform(std::min(8, max), std::min(24, max));
  return rng_.uniform(std::min(24, max), max);
}

int Generator::channels() {
  const double u = rng_.unit();
  const int max = std::max(1, o_.max_channels);
  if (u < 0.4)
    return rng_.uniform(1, std::min(8, max));
  if (u < 0.8)
    return rng_.uniform(std::min(8, max), std::min(32, max));
  return rng_.uniform(std::min(32, max), max);
}

int Generator::kernel() {
  static const std::array<int, 6> kSizes = {1, 2, 3, 4, 5, 7};
  static const std::array<double, 6> kW = {30, 8, 40, 4, 12, 6};
  return kSizes[rng_.weighted(kW)];
}

int Generator::stride() {
  static const std::array<double, 4> kW = {60, 32, 6, 2};
  return static_cast<int>(rng_.weighted(kW)) + 1;
}

int Generator::dilation() {
  static const std::array<double, 3> kW = {85, 12, 3};
  return std::min(static_cast<int>(rng_.weighted(kW)) + 1, std::max(1, o_.max_dilation));
}

Act Generator::act(double none) {
  if (rng_.chance(none))
    return Act::kNone;
  static const std::array<double, 3> kW = {50, 33, 17};
  return static_cast<Act>(rng_.weighted(kW) + 1);
}

// A step with fresh quantisation and data draws.
Step Generator::step(Op op) {
  Step s;
  s.op = op;
  s.range = static_cast<float>(rng_.real(2.0, 4.5));
  s.offset = static_cast<float>(rng_.real(-0.5, 0.5));
  if (rng_.chance(o_.wild_scale_share))
    s.scale_factor =
        static_cast<float>(rng_.chance(0.5) ? rng_.log_real(0.01, 0.3) : rng_.log_real(3.0, 100.0));
  s.data_seed = rng_.fork();
  return s;
}

// Adds `s` when it builds and stays within the budgets.
bool Generator::try_add(const Step& s) {
  if (std::find(o_.excluded.begin(), o_.excluded.end(), s.op) != o_.excluded.end())
    return false;
  Builder saved = b_;
  if (!b_.add(s))
    return false;
  if (b_.macs() > o_.max_macs || b_.largest_tensor() > o_.max_elements) {
    b_ = std::move(saved);
    return false;
  }
  r_.steps.push_back(s);
  return true;
}

std::vector<ValueRef> Generator::all_values() const {
  std::vector<ValueRef> out;
  for (size_t k = 0; k < r_.inputs.size(); ++k)
    out.push_back(ValueRef::input(static_cast<int>(k)));
  for (int st = 0; st < b_.step_count(); ++st) {
    for (int k = 0; k < b_.output_count(st); ++k)
      out.push_back({st, k});
  }
  return out;
}

// The operand of the next step: mostly the newest value, else any earlier one (branches and
// tensors read by several operators).
ValueRef Generator::source() {
  if (b_.step_count() == 0 || rng_.chance(0.35)) {
    auto all = all_values();
    return all[static_cast<size_t>(rng_.uniform(0, static_cast<int>(all.size()) - 1))];
  }
  const int st = b_.step_count() - 1;
  return {st, rng_.uniform(0, b_.output_count(st) - 1)};
}

// A 4-D view of `v` (a RESHAPE step when it is not 4-D).
std::optional<ValueRef> Generator::ensure_rank4(ValueRef v) {
  const Value& x = val(v);
  if (x.shape.size() == 4)
    return v;
  const int64_t n = x.elements();
  const int32_t c = x.shape.empty() ? 1 : x.shape.back();
  const int64_t rows = n / c;
  int64_t h = 1;
  for (int64_t d = 1; d * d <= rows; ++d) {
    if (rows % d == 0 && rng_.chance(0.6))
      h = d;
  }
  Step s = step(Op::kReshape);
  s.src = {v};
  s.ints = {1, static_cast<int32_t>(h), static_cast<int32_t>(rows / h), c};
  s.flags = rng_.chance(0.5) ? flag::kShapeInput : 0;
  if (!try_add(s))
    return std::nullopt;
  return last();
}

bool Generator::add_family(Family f) {
  switch (f) {
    case Family::kConv:
      return add_conv(false);
    case Family::kDepthwise:
      return add_conv(true);
    case Family::kFullyConnected:
      return add_fully_connected();
    case Family::kAvgPool:
      return add_pool(Op::kAvgPool);
    case Family::kMaxPool:
      return add_pool(Op::kMaxPool);
    case Family::kAdd:
      return add_binary(Op::kAdd);
    case Family::kSub:
      return add_binary(Op::kSub);
    case Family::kMul:
      return add_binary(Op::kMul);
    case Family::kMinimum:
      return add_binary(Op::kMinimum);
    case Family::kMaximum:
      return add_binary(Op::kMaximum);
    case Family::kConcat:
      return add_concat();
    case Family::kSplit:
      return add_split(Op::kSplit);
    case Family::kSplitV:
      return add_split(Op::kSplitV);
    case Family::kSlice:
      return add_slice();
    case Family::kStridedSlice:
      return add_strided_slice(false);
    case Family::kPadConv:
      return add_pad_conv();
    case Family::kPad:
      return add_pad(false);
    case Family::kMean:
      return add_mean();
    case Family::kReshape:
      return add_reshape();
    case Family::kQuantize:
      return add_quantize();
    case Family::kBatchMatMul:
      return add_batch_matmul();
    case Family::kSvdf:
      return add_svdf();
    case Family::kResample:
      return add_resample();
    case Family::kLstm:
      return add_lstm();
    case Family::kCpu:
      return add_cpu();
    default:
      return false;
  }
}

}  // namespace detail

Recipe generate_recipe(uint64_t seed, const GenOptions& options) {
  return detail::Generator(seed, options).run();
}

ir::Model generate(uint64_t seed, const GenOptions& options) {
  Recipe r = generate_recipe(seed, options);
  auto model = build(r);
  if (!model)
    throw Error(ErrorKind::kInternal, "graphgen: a generated recipe does not build");
  return *model;
}

}  // namespace euc::graphgen
