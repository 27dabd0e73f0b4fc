// Activation functions that need no lookup table: RELU6, RELU_N1_TO_1, ABS, int16 LEAKY_RELU
// and PRELU, each computed exactly as TFLite Micro's reference kernels compute it. Where an
// instance's parameters would make the NPU's result differ, its why-not check says so and it
// stays on the CPU.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.hpp"
#include "frontend/lowering/lower_ops.hpp"
#include "frontend/lowering/quantization.hpp"
#include "frontend/lowering/requantize.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

using DT = ir::DataType;

std::string type_list(std::initializer_list<DT> types) {
  std::string out;
  for (DT t : types)
    out += (out.empty() ? "" : " or ") + std::string(ir::data_type_name(t));
  return out;
}

// Why operator `op` is not one feature map in and one of the same type and shape out, of one of
// `types`, quantised per tensor (nullopt: it is).
std::optional<std::string> unary_problem(const ir::Subgraph& sg, const ir::Operator& op,
                                         std::initializer_list<DT> types) {
  if (op.inputs.empty() || op.outputs.size() != 1 || op.inputs[0] < 0 || op.outputs[0] < 0)
    return "euc lowers it with one input and one output tensor";
  const ir::Tensor& in = sg.tensors.at(op.inputs[0]);
  const ir::Tensor& out = sg.tensors.at(op.outputs[0]);
  if (std::find(types.begin(), types.end(), in.type) == types.end() || out.type != in.type)
    return fmt::format("euc lowers it between {} tensors of one type, not {} to {}",
                       type_list(types), ir::data_type_name(in.type), ir::data_type_name(out.type));
  if (in.shape != out.shape || in.shape.size() > 4)
    return "euc lowers it with input and output of one shape of at most 4 dimensions";
  if (!per_tensor(in) || !per_tensor(out))
    return "euc lowers it between tensors quantised per tensor";
  return std::nullopt;
}

ir::NpuOp base(SegmentBuilder& b, const ir::Operator& op, int index, ir::NpuOpType type) {
  ir::NpuOp out;
  out.type = type;
  out.ifm = b.whole(op.inputs.at(0));
  out.ofm = b.whole(op.outputs.at(0));
  out.source_ops = {index};
  out.name = b.network_tensor(op.outputs.at(0)).name;
  return out;
}

[[noreturn]] void cannot_lower(const ir::Operator& op, int index, std::string_view why) {
  throw_input(fmt::format("operator {} ({}) cannot be lowered to the NPU: {}", index,
                          ir::operator_display_name(op), why));
}

// zero point + round(real / scale) as TFLite computes a quantised limit (float division and
// rounding), kept inside the int32 range.
int32_t quantised_limit(float real, float scale, int32_t zero_point) {
  const float q = std::round(real / scale);
  const double limited = std::isnan(q) ? 0.0 : std::clamp(double{q}, -1e10, 1e10);
  return static_cast<int32_t>(
      std::clamp<int64_t>(zero_point + static_cast<int64_t>(limited), INT32_MIN, INT32_MAX));
}

// ---- RELU6: TFLite clamps the stored input values to [zero point, quantised 6.0] of the input
// and stores them unchanged (no requantisation, whatever the output's quantisation).

struct Relu6Range {
  int32_t zero, six;
};

Relu6Range relu6_range(const ir::Tensor& in) {
  const auto [lo, hi] = ir::integer_range(in.type);
  const int32_t zero = zero_point_of(in);
  return {zero, std::clamp(quantised_limit(6.0f, scale_of(in), zero), lo, hi)};
}

// ---- RELU_N1_TO_1: requantised to the output scale (TFLite's multiplier of the float32 scale
// ratio), then clamped to the quantised [-1, 1] of the output.

std::optional<std::pair<uint32_t, int>> relu_rescale(const ir::Tensor& in, const ir::Tensor& out) {
  return output_stage_scale(static_cast<double>(scale_of(in) / scale_of(out)));
}

// ---- ABS: |x - input zero point|, rescaled when the scales differ (TFLite's multiplier of the
// float32 ratio), plus the output zero point.

std::optional<std::pair<uint32_t, int>> abs_rescale(const ir::Tensor& in, const ir::Tensor& out) {
  if (scale_of(in) == scale_of(out))
    return output_stage_scale(1.0);
  return output_stage_scale(static_cast<double>(scale_of(in) / scale_of(out)));
}

// ---- LEAKY_RELU (int16): TFLite computes zero point + MultiplyByQuantizedMultiplier(v,
// identity) for v = x - input zero point >= 0, else with the alpha multiplier (both of float32
// products and quotients of the scales). The NPU's LeakyReLU mode passes values >= 0 and
// multiplies the others by its OFM scale: that is TFLite's kernel when input and output share
// their quantisation (the identity multiplier is then exactly 1). Otherwise both
// requantisations run as 1x1 average pools and the larger or smaller is kept (see
// two_requantizations).

float leaky_alpha(const ir::Operator& op) {
  const auto* o = tfl::builtin_options_as<tflite::LeakyReluOptions>(op);
  return o != nullptr ? o->alpha() : 0.0f;
}

std::optional<std::pair<uint32_t, int>> leaky_scale(const ir::Tensor& in, const ir::Tensor& out,
                                                    float alpha) {
  return output_stage_scale(static_cast<double>(scale_of(in) * alpha / scale_of(out)));
}

// ---- Two requantizations combined. LEAKY_RELU and PRELU pick, per element, one of two
// requantizations of the same value by its sign. The NPU computes both for every element (each
// clamped to the type) and keeps the larger (factors up to 1) or the smaller (factors from 1).
// Which one, if either, gives TFLite's value for every input (and alpha) is decided by trying
// them all: at most 65,536 values, or 256 inputs x 256 alphas.

enum class Combine { kMaximum, kMinimum };

// Which combination reproduces `want(v)` = (v >= 0 ? identity(v) : by_alpha(v)) for the values
// `check` passes to it: `check(visit)` calls visit(identity, by_alpha, want) for each case.
template <class Check>
std::optional<Combine> combination(Check check) {
  bool max_ok = true, min_ok = true;
  check([&](int64_t identity, int64_t by_alpha, int64_t want) {
    max_ok = max_ok && std::max(identity, by_alpha) == want;
    min_ok = min_ok && std::min(identity, by_alpha) == want;
    return max_ok || min_ok;
  });
  if (max_ok)
    return Combine::kMaximum;
  if (min_ok)
    return Combine::kMinimum;
  return std::nullopt;
}

// A feature map between the operations of `op`, of its output's type, shape and quantisation.
ir::TensorSlice intermediate(SegmentBuilder& b, const ir::Operator& op, const std::string& suffix) {
  const ir::TensorSlice out = b.whole(op.outputs.at(0));
  const ir::NpuTensor& o = b.lowered(out.tensor);
  ir::NpuTensor t;
  t.name = b.network_tensor(op.outputs.at(0)).name + suffix;
  t.type = o.type;
  t.quant = o.quant;
  t.shape = out.shape;
  const int i = b.add_feature_map(std::move(t));
  return {i, {0, 0, 0, 0}, out.shape};
}

// `identity` and `by_alpha` (operations reading the operator's input) write intermediates;
// their maximum or minimum is the operator's output.
void add_combined(SegmentBuilder& b, const ir::Operator& op, int index, ir::NpuOp identity,
                  ir::NpuOp by_alpha, Combine combine) {
  identity.ofm = intermediate(b, op, "_identity");
  identity.name = b.lowered(identity.ofm.tensor).name;
  by_alpha.ofm = intermediate(b, op, "_alpha");
  by_alpha.name = b.lowered(by_alpha.ofm.tensor).name;
  ir::NpuOp out =
      base(b, op, index,
           combine == Combine::kMaximum ? ir::NpuOpType::kMaximum : ir::NpuOpType::kMinimum);
  out.ifm = identity.ofm;
  out.ifm2 = by_alpha.ofm;
  b.add(std::move(identity));
  b.add(std::move(by_alpha));
  b.add(std::move(out));
}

// A requantizing 1x1 average pool of the operator's input with output stage scale `scale`.
ir::NpuOp requantizing_pool(SegmentBuilder& b, const ir::Operator& op, int index,
                            std::pair<uint32_t, int> scale) {
  ir::NpuOp pool = base(b, op, index, ir::NpuOpType::kAvgPool);
  pool.explicit_scale = scale;
  return pool;
}

// The int16 LEAKY_RELU of different quantisations as two pools: their scales and combination.
struct LeakyPlan {
  std::pair<uint32_t, int> identity, alpha;
  Combine combine = Combine::kMaximum;
};

std::optional<std::string> leaky_two_pools(const ir::Tensor& in, const ir::Tensor& out, float alpha,
                                           LeakyPlan* plan) {
  const double m_id = static_cast<double>(scale_of(in) / scale_of(out));
  const double m_alpha = static_cast<double>(scale_of(in) * alpha / scale_of(out));
  const auto identity = output_stage_scale(m_id);
  const auto by_alpha = output_stage_scale(m_alpha);
  if (!identity || !by_alpha)
    return "its rescales are outside the output stage's shift range";
  // (Plain variables, not structured bindings: the lambdas below capture them.)
  const std::pair<int64_t, int> id_m = tflite_multiplier(m_id);
  const std::pair<int64_t, int> a_m = tflite_multiplier(m_alpha);
  const int64_t id_sig = id_m.first, a_sig = a_m.first;
  const int id_shift = id_m.second, a_shift = a_m.second;
  const int32_t zx = zero_point_of(in), zo = zero_point_of(out);
  auto clamp16 = [](int64_t v) { return std::clamp<int64_t>(v, -32768, 32767); };
  const auto combine = combination([&](auto visit) {
    for (int32_t x = -32768; x <= 32767; ++x) {
      const int64_t v = x - zx;
      const int64_t a = clamp16(zo + multiply_by_quantized_multiplier(v, id_sig, id_shift));
      const int64_t b = clamp16(zo + multiply_by_quantized_multiplier(v, a_sig, a_shift));
      if (!visit(a, b, v >= 0 ? a : b))
        return;
    }
  });
  if (!combine)
    return "the larger or smaller of its two requantizations differs from TFLite for some input";
  if (plan != nullptr)
    *plan = {*identity, *by_alpha, *combine};
  return std::nullopt;
}

// ---- PRELU (int8): per element, zero point + MultiplyByQuantizedMultiplier(v, identity) for
// v = x - input zero point >= 0, else MultiplyByQuantizedMultiplier(v * (alpha - alpha zero
// point), alpha multiplier): a requantizing pool and a MUL by alpha, combined.

struct PreluPlan {
  std::pair<uint32_t, int> identity;  // output stage scale of the identity requantisation
  Combine combine = Combine::kMaximum;
};

// PRELU's multipliers, as TFLite forms them (double quotients of the float32 scales).
std::pair<double, double> prelu_multipliers(const ir::Tensor& in, const ir::Tensor& alpha,
                                            const ir::Tensor& out) {
  return {static_cast<double>(scale_of(in)) / static_cast<double>(scale_of(out)),
          static_cast<double>(scale_of(in)) * static_cast<double>(scale_of(alpha)) /
              static_cast<double>(scale_of(out))};
}

std::optional<std::string> prelu_problem(const ir::Model& model, const ir::Subgraph& sg,
                                         const ir::Operator& op, PreluPlan* plan) {
  if (op.inputs.size() != 2 || op.outputs.size() != 1 || op.inputs[0] < 0 || op.inputs[1] < 0 ||
      op.outputs[0] < 0)
    return "euc lowers PRELU with an input, an alpha and an output tensor";
  const ir::Tensor& in = sg.tensors.at(op.inputs[0]);
  const ir::Tensor& alpha = sg.tensors.at(op.inputs[1]);
  const ir::Tensor& out = sg.tensors.at(op.outputs[0]);
  if (in.type != DT::kInt8 || alpha.type != DT::kInt8 || out.type != DT::kInt8)
    return "euc lowers PRELU with int8 input, alpha and output (not this one yet)";
  if (in.shape != out.shape || in.shape.size() > 4 || alpha.shape.size() > in.shape.size())
    return "euc lowers PRELU whose output has the input's shape (of at most 4 dimensions)";
  // alpha must broadcast to the input's shape (the NPU broadcasts its second operand).
  for (size_t k = 0; k < alpha.shape.size(); ++k) {
    const int32_t a = alpha.shape[alpha.shape.size() - 1 - k];
    if (a != 1 && a != in.shape[in.shape.size() - 1 - k])
      return "alpha does not broadcast to the input's shape";
  }
  if (!per_tensor(in) || !per_tensor(alpha) || !per_tensor(out))
    return "euc lowers PRELU between tensors quantised per tensor";
  const auto bytes = model.tensor_data(alpha);
  if (bytes.empty())
    return "alpha is not constant data";
  if (static_cast<int64_t>(bytes.size()) != alpha.num_elements())
    return "alpha's data does not match its shape";
  const auto [m_id, m_alpha] = prelu_multipliers(in, alpha, out);
  const auto identity = output_stage_scale(m_id);
  const auto alpha_scale = output_stage_scale(m_alpha);
  if (!identity || !alpha_scale)
    return "its rescales are outside the output stage's shift range";
  // (Plain variables, not structured bindings: the lambdas below capture them.)
  const std::pair<int64_t, int> id_m = tflite_multiplier(m_id);
  const std::pair<int64_t, int> a_m = tflite_multiplier(m_alpha);
  const int64_t id_sig = id_m.first, a_sig = a_m.first;
  const int id_shift = id_m.second, a_shift = a_m.second;
  const int32_t zx = zero_point_of(in), za = zero_point_of(alpha), zo = zero_point_of(out);
  std::set<int32_t> alphas;
  for (uint8_t byte : bytes)
    alphas.insert(static_cast<int8_t>(byte));
  auto clamp8 = [](int64_t v) { return std::clamp<int64_t>(v, -128, 127); };
  const auto combine = combination([&](auto visit) {
    for (int32_t x = -128; x <= 127; ++x) {
      const int64_t v = x - zx;
      const int64_t by_identity =
          clamp8(zo + multiply_by_quantized_multiplier(v, id_sig, id_shift));
      for (int32_t a : alphas) {
        const int64_t by_alpha =
            clamp8(zo + multiply_by_quantized_multiplier(v * (a - za), a_sig, a_shift));
        if (!visit(by_identity, by_alpha, v >= 0 ? by_identity : by_alpha))
          return;
      }
    }
  });
  if (!combine)
    return "its alphas are not all in [0, 1] or all at least 1 (the NPU keeps the larger or "
           "the smaller of the two products, which then differs from TFLite)";
  if (plan != nullptr)
    *plan = {*identity, *combine};
  return std::nullopt;
}

}  // namespace

std::optional<std::string> relu6_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  return unary_problem(sg, sg.operators.at(op_index), {DT::kInt8, DT::kInt16});
}

void lower_relu6(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  // A 1x1 max pool moving the stored values (a byte copy: no zero point is applied) with the
  // clamp in the stored domain.
  ir::NpuOp out = base(b, op, index, ir::NpuOpType::kMaxPool);
  const Relu6Range r = relu6_range(b.network_tensor(op.inputs.at(0)));
  out.byte_copy = true;
  out.activation.kind = ir::Activation::Kind::kClamp;
  out.activation.min = r.zero;
  out.activation.max = r.six;
  b.add(std::move(out));
}

std::optional<std::string> relu_n1_to_1_why_not(const ir::Model& model, int subgraph,
                                                int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  // int8 only, as RELU (see relu_why_not).
  if (auto problem = unary_problem(sg, op, {DT::kInt8}))
    return problem;
  if (!relu_rescale(sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]))
    return "its rescale is outside the output stage's shift range";
  return std::nullopt;
}

void lower_relu_n1_to_1(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  // A requantizing 1x1 average pool (TFLite's multiplier as its global scale) clamped to the
  // quantised [-1, 1].
  ir::NpuOp out = base(b, op, index, ir::NpuOpType::kAvgPool);
  const ir::Tensor& in = b.network_tensor(op.inputs.at(0));
  const ir::Tensor& o = b.network_tensor(op.outputs.at(0));
  const auto scale = relu_rescale(in, o);
  if (!scale)
    cannot_lower(op, index, "rescale outside the output stage's shift range");
  out.explicit_scale = *scale;
  const auto [lo, hi] = ir::integer_range(o.type);
  out.activation.kind = ir::Activation::Kind::kClamp;
  out.activation.min = std::max(lo, quantised_limit(-1.0f, scale_of(o), zero_point_of(o)));
  out.activation.max = std::min(hi, quantised_limit(1.0f, scale_of(o), zero_point_of(o)));
  b.add(std::move(out));
}

std::optional<std::string> abs_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  if (auto problem = unary_problem(sg, op, {DT::kInt8, DT::kInt16}))
    return problem;
  if (!abs_rescale(sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]))
    return "its rescale is outside the output stage's shift range";
  return std::nullopt;
}

void lower_abs(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  // The NPU's ABS of the value minus the IFM zero point, scaled by its OFM scale.
  ir::NpuOp out = base(b, op, index, ir::NpuOpType::kAbs);
  const auto scale =
      abs_rescale(b.network_tensor(op.inputs.at(0)), b.network_tensor(op.outputs.at(0)));
  if (!scale)
    cannot_lower(op, index, "rescale outside the output stage's shift range");
  out.explicit_scale = *scale;
  b.add(std::move(out));
}

std::optional<std::string> leaky_relu_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  if (op.inputs.size() == 1 && op.inputs[0] >= 0 && sg.tensors.at(op.inputs[0]).type == DT::kInt8)
    return "euc lowers int8 LEAKY_RELU as a lookup table (not yet)";
  if (auto problem = unary_problem(sg, op, {DT::kInt16}))
    return problem;
  const ir::Tensor& in = sg.tensors[op.inputs[0]];
  const ir::Tensor& out = sg.tensors[op.outputs[0]];
  const float alpha = leaky_alpha(op);
  if (!(alpha >= 0.0f))
    return fmt::format("alpha {:g} is negative (the NPU's scales have no sign)", alpha);
  if (scale_of(in) != scale_of(out) || zero_point_of(in) != zero_point_of(out))
    return leaky_two_pools(in, out, alpha, nullptr);
  if (!leaky_scale(in, out, alpha))
    return "its alpha multiplier is outside the output stage's shift range";
  return std::nullopt;
}

void lower_leaky_relu(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  const ir::Tensor& in = b.network_tensor(op.inputs.at(0));
  const ir::Tensor& o = b.network_tensor(op.outputs.at(0));
  const float alpha = leaky_alpha(op);
  if (scale_of(in) != scale_of(o) || zero_point_of(in) != zero_point_of(o)) {
    LeakyPlan plan;
    if (auto problem = leaky_two_pools(in, o, alpha, &plan))
      cannot_lower(op, index, *problem);
    add_combined(b, op, index, requantizing_pool(b, op, index, plan.identity),
                 requantizing_pool(b, op, index, plan.alpha), plan.combine);
    return;
  }
  ir::NpuOp out = base(b, op, index, ir::NpuOpType::kLeakyRelu);
  const auto scale = leaky_scale(in, o, alpha);
  if (!scale)
    cannot_lower(op, index, "alpha multiplier outside the output stage's shift range");
  out.leaky_alpha = alpha;
  out.explicit_scale = *scale;
  b.add(std::move(out));
}

std::optional<std::string> prelu_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  return prelu_problem(model, sg, sg.operators.at(op_index), nullptr);
}

void lower_prelu(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  PreluPlan plan;
  if (auto problem = prelu_problem(b.model(), b.subgraph(), op, &plan))
    cannot_lower(op, index, *problem);
  ir::NpuOp times_alpha = base(b, op, index, ir::NpuOpType::kMul);
  times_alpha.ifm2 = b.whole(op.inputs.at(1));
  add_combined(b, op, index, requantizing_pool(b, op, index, plan.identity), std::move(times_alpha),
               plan.combine);
}

}  // namespace euc::frontend
