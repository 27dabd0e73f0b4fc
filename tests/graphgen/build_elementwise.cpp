// ADD, SUB, MUL, MINIMUM and MAXIMUM with numpy broadcasting; the second operand is another
// value or a constant.
#include <algorithm>
#include <cmath>

#include "builder_internal.hpp"

namespace euc::graphgen {
namespace {

// The broadcast shape of two shapes (right-aligned); nullopt when they do not broadcast.
std::optional<std::vector<int32_t>> broadcast(const std::vector<int32_t>& a,
                                              const std::vector<int32_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int32_t> out(rank);
  for (size_t k = 0; k < rank; ++k) {
    const int32_t x = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    const int32_t y = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      return std::nullopt;
    out[k] = std::max(x, y);
  }
  return out;
}

}  // namespace

bool Builder::apply_elementwise(const Step& s) {
  const bool constant = s.const_mask >= 0;
  if (s.src.size() != (constant ? 1u : 2u))
    return false;
  const Value a = *value(s.src[0]);
  const bool minmax = s.op == Op::kMinimum || s.op == Op::kMaximum;
  Value b;
  Rng rng(s.data_seed);
  if (constant) {
    const size_t rank = a.shape.size();
    std::vector<int32_t> shape;
    for (size_t d = 0; d < rank; ++d) {
      const int bit = static_cast<int>(d + 4 - rank);
      shape.push_back(bit >= 0 && (s.const_mask >> bit & 1) != 0 ? a.shape[d] : 1);
    }
    const size_t keep = static_cast<size_t>(std::clamp<int>(s.const_rank, 0, 4));
    if (keep < shape.size())
      shape.erase(shape.begin(), shape.end() - static_cast<std::ptrdiff_t>(keep));
    b.shape = shape;
    b.type = a.type;
    const bool int16 = a.type == ir::DataType::kInt16;
    if (minmax && (s.flags & flag::kOwnConstQuant) == 0) {
      b.scale = a.scale;
      b.zero_point = a.zero_point;
    } else if (s.op == Op::kMul) {
      // Factors of about +-k.
      b.scale = static_cast<float>(rng.log_real(0.25, 4.0) / (int16 ? 32767.0 : 127.0));
      b.zero_point = int16 ? 0 : rng.uniform(-40, 40);
    } else {
      b.scale = static_cast<float>(a.scale * rng.log_real(0.5, 2.0));
      b.zero_point = int16 ? 0 : rng.uniform(-60, 60);
    }
    const int limit = int16 ? 16384 : 127;
    std::vector<uint8_t> bytes;
    int64_t count = 1;
    for (int32_t d : shape)
      count *= d;
    for (int64_t k = 0; k < count; ++k) {
      const int v = rng.uniform(-limit - (int16 ? 0 : 1), limit);
      if (int16) {
        const auto u = static_cast<uint16_t>(static_cast<int16_t>(v));
        bytes.push_back(static_cast<uint8_t>(u & 0xff));
        bytes.push_back(static_cast<uint8_t>(u >> 8));
      } else {
        bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(v)));
      }
    }
    b.mean = (-0.5 - static_cast<double>(b.zero_point)) * b.scale;
    b.spread = limit / std::sqrt(3.0) * b.scale;
    b.tensor = add_constant(step_name("operand"), shape, a.type, std::move(bytes), {b.scale},
                            {b.zero_point}, 0);
  } else {
    b = *value(s.src[1]);
  }
  if (b.type != a.type)
    return false;
  auto shape = broadcast(a.shape, b.shape);
  if (!shape)
    return false;
  const Value& first = s.swap_operands ? b : a;
  const Value& second = s.swap_operands ? a : b;
  double mean = 0, spread = 1;
  const char* suffix = "";
  ir::BuiltinOp type = ir::BuiltinOp::ADD;
  switch (s.op) {
    case Op::kAdd:
      mean = first.mean + second.mean;
      spread = std::hypot(first.spread, second.spread);
      suffix = "add";
      break;
    case Op::kSub:
      mean = first.mean - second.mean;
      spread = std::hypot(first.spread, second.spread);
      suffix = "sub";
      type = ir::BuiltinOp::SUB;
      break;
    case Op::kMul: {
      const double m2 = first.mean * first.mean, n2 = second.mean * second.mean;
      const double v1 = m2 + first.spread * first.spread, v2 = n2 + second.spread * second.spread;
      mean = first.mean * second.mean;
      spread = std::sqrt(std::max(v1 * v2 - m2 * n2, 1e-12));
      suffix = "mul";
      type = ir::BuiltinOp::MUL;
      break;
    }
    case Op::kMinimum:
    case Op::kMaximum:
      suffix = s.op == Op::kMinimum ? "min" : "max";
      type = s.op == Op::kMinimum ? ir::BuiltinOp::MINIMUM : ir::BuiltinOp::MAXIMUM;
      break;
    default:
      return false;
  }
  Quant q;
  if (minmax) {
    // The NPU needs both operands at the output's quantisation; the first operand sets it.
    q.scale = a.scale;
    q.zero_point = a.zero_point;
    q.mean = a.mean;
    q.spread = a.spread;
  } else {
    q = choose_quant(s, a.type, mean, spread, s.act);
    if (s.op == Op::kAdd || s.op == Op::kSub) {
      // TFLite requires the output rescale 2*max(input scales)/(2^shift*output scale) below 1
      // (shift 20 for int8, 15 for int16): a model outside it never runs, so none is made.
      const double twice_max = 2.0 * std::max<double>(a.scale, b.scale);
      const double smallest = twice_max / (a.type == ir::DataType::kInt16 ? 32768.0 : 1048576.0);
      if (static_cast<double>(q.scale) < smallest / 0.99)
        q.scale = static_cast<float>(smallest / 0.99);
    }
  }
  const Value& out = add_value(*shape, a.type, q, suffix);
  std::vector<int32_t> inputs = {first.tensor, second.tensor};
  switch (s.op) {
    case Op::kAdd: {
      tflite::AddOptionsT o;
      o.fused_activation_function = tflite_act(s.act);
      o.pot_scale_int16 = false;  // the general int16 path, as TFLite Micro's kernel
      emit<tflite::AddOptions>(type, inputs, {out.tensor}, o);
      break;
    }
    case Op::kSub: {
      tflite::SubOptionsT o;
      o.fused_activation_function = tflite_act(s.act);
      o.pot_scale_int16 = false;
      emit<tflite::SubOptions>(type, inputs, {out.tensor}, o);
      break;
    }
    case Op::kMul: {
      tflite::MulOptionsT o;
      o.fused_activation_function = tflite_act(s.act);
      emit<tflite::MulOptions>(type, inputs, {out.tensor}, o);
      break;
    }
    default:
      emit<tflite::MaximumMinimumOptions>(type, inputs, {out.tensor},
                                          tflite::MaximumMinimumOptionsT{});
      break;
  }
  macs_ += out.elements();
  describe(s, fmt::format("{}{}{}", minmax ? "" : act_name(s.act),
                          constant ? fmt::format(" constant{}", shape_text(b.shape)) : "",
                          s.swap_operands ? " swapped" : ""));
  return true;
}

}  // namespace euc::graphgen
