// SQUARED_DIFFERENCE int8 -> int8 (one input of the output's shape, the other the same or
// broadcast), lowered to NPU elementwise operations that reproduce TFLite Micro's reference kernel
// bit for bit.
//
// Reference, for input i (stored value x_i, zero point z_i, scale s_i) and t = 2 max(s_1, s_2):
//   v_i = RDBP(SRDHM((x_i - z_i) * 2^7, m_i), -e_i)   with (m_i, e_i) = quantize(s_i / t), e_i <= 0
//   d   = v_1 - v_2
//   out = clamp(MultiplyByQuantizedMultiplier(d * d, m_o, e_o) + z_o)
//         with (m_o, e_o) = quantize(t^2 / (2^14 s_o))
// SRDHM rounds the product at bit 31 with ties up, RDBP rounds ties away from zero: the two
// roundings of the output stage's TFL mode (docs/npu_architecture.md, output scaling) with a
// shift of 31 - e_i.
// NPU steps, per input i (in that input's shape):
//   e_i = 0: 1 Mul  (x_i - z_i) * m_i (int32 constant), product shifted right by 24 rounding
//                   half up: the rounding at bit 31 of (x_i - z_i) * 2^7 * m_i, v_i (int32).
//   e_i < 0: 1 Mul  (x_i - z_i) * 2^7, exact (int32)
//            2 Mul  that * m_i shifted right by 31 - e_i with the TFL rounding: v_i (int32).
// A 32-bit MUL shifts its product by OFM_SCALE's shift and does not apply the multiplier.
// Then:
//   Sub  v_1 - v_2 with unit scale into int16 (a broadcast v_1 is the reversed second operand;
//        |d| <= 32640, checked over every input value).
//   Mul  d * d (16-bit operands: the multiplier applies), OFM scale (m_o, 31 - e_o) with the
//        TFL rounding and the output zero point: MultiplyByQuantizedMultiplier when d^2 << e_o
//        does not overflow int32 (checked), then the int8 clamp.
// e_i = 0 only where s_i / t = 1/2 (the larger scale): five operations, four for equal scales.
#include "frontend/lowering/squared_difference.hpp"
#include "frontend/lowering/quantization.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "refmath/quant_math.hpp"

namespace euc::frontend {
namespace {

constexpr int kInputShift = 7;  // TFLite's int8 left shift of both inputs
constexpr int kHighMulBits = 31;
constexpr int kMaxRightShift = 31;  // beyond a doubling high multiply's 31 bits

using refmath::quantize_multiplier;
using refmath::QuantMultiplier;

// The kernel's multipliers, computed as TFLite does (twice_max in double from float scales, the
// output denominator in float).
struct Scaling {
  QuantMultiplier in1, in2, out;
};
Scaling scaling_of(float s1, float s2, float so) {
  const double twice_max = 2.0 * static_cast<double>(std::max(s1, s2));
  const float denominator = static_cast<float>(1 << (2 * kInputShift)) * so;
  return {quantize_multiplier(static_cast<double>(s1) / twice_max),
          quantize_multiplier(static_cast<double>(s2) / twice_max),
          quantize_multiplier(twice_max * twice_max / static_cast<double>(denominator))};
}

// TFLite's rescaled operand for stored value x.
int32_t reference_operand(int32_t x, int32_t zero_point, const QuantMultiplier& m) {
  return refmath::multiply_by_quantized_multiplier_smaller_than_one_exp(
      (x - zero_point) * (1 << kInputShift), m.significand, m.shift);
}

bool usable_input_multiplier(const QuantMultiplier& m) {
  return m.significand > 0 && m.shift <= 0 && -m.shift <= kMaxRightShift;
}

// nullopt when the chain above equals the reference for every pair of int8 inputs, else why not.
std::optional<std::string> parameters_why_not(const ir::Tensor& a, const ir::Tensor& b,
                                              const ir::Tensor& out) {
  const float s1 = scale_of(a), s2 = scale_of(b), so = scale_of(out);
  if (!(s1 > 0) || !(s2 > 0) || !(so > 0) || !std::isfinite(s1) || !std::isfinite(s2) ||
      !std::isfinite(so))
    return "a scale is not a positive finite number";
  const Scaling s = scaling_of(s1, s2, so);
  if (!usable_input_multiplier(s.in1) || !usable_input_multiplier(s.in2))
    return "an input scale is too small next to the other for the NPU's shift";
  if (s.out.significand <= 0 || s.out.shift > kHighMulBits || kHighMulBits - s.out.shift > 62)
    return "the output multiplier is outside the NPU's shift range";
  int64_t lo1 = 0, hi1 = 0, lo2 = 0, hi2 = 0;
  for (int x = -128; x <= 127; ++x) {
    const int64_t v1 = reference_operand(x, zero_point_of(a), s.in1);
    const int64_t v2 = reference_operand(x, zero_point_of(b), s.in2);
    lo1 = std::min(lo1, v1);
    hi1 = std::max(hi1, v1);
    lo2 = std::min(lo2, v2);
    hi2 = std::max(hi2, v2);
  }
  const int64_t dmax = std::max(hi1 - lo2, hi2 - lo1);
  if (dmax > std::numeric_limits<int16_t>::max())
    return "the rescaled difference does not fit 16 bits";
  // TFLite shifts d^2 left (in int32) before its high multiply; the NPU does not overflow.
  const int left = std::max(0, s.out.shift);
  if ((dmax * dmax) > (int64_t{std::numeric_limits<int32_t>::max()} >> left))
    return "the squared difference would overflow TFLite's left shift";
  return std::nullopt;
}

class Lowering {
 public:
  Lowering(SegmentBuilder& b, const ir::Operator& op, int index) : b_(b), op_(op), index_(index) {}

  void lower() {
    const ir::Tensor& a = b_.network_tensor(op_.inputs.at(0));
    const ir::Tensor& bt = b_.network_tensor(op_.inputs.at(1));
    const ir::Tensor& out = b_.network_tensor(op_.outputs.at(0));
    if (auto why = parameters_why_not(a, bt, out))
      fail(*why);
    name_ = out.name;
    const ir::TensorSlice x1 = b_.whole(op_.inputs.at(0));
    const ir::TensorSlice x2 = b_.whole(op_.inputs.at(1));
    const ir::TensorSlice y = b_.whole(op_.outputs.at(0));
    if (x1.shape != y.shape && x2.shape != y.shape)
      fail("neither input has the output's shape");
    const Scaling s = scaling_of(scale_of(a), scale_of(bt), scale_of(out));
    const ir::TensorSlice v1 = operand(x1, s.in1, "1");
    const ir::TensorSlice v2 = operand(x2, s.in2, "2");
    const ir::TensorSlice d = map("difference", ir::DataType::kInt16, y.shape);
    // The NPU broadcasts only its second operand: a broadcast first input swaps places.
    const bool reversed = v1.shape != y.shape;
    elementwise(ir::NpuOpType::kSub, reversed ? v2 : v1, reversed ? v1 : v2, d,
                std::pair<uint32_t, int>{1, 0}, "difference", reversed);
    elementwise(ir::NpuOpType::kMul, d, d, y,
                std::pair<uint32_t, int>{static_cast<uint32_t>(s.out.significand),
                                         kHighMulBits - s.out.shift},
                "square");
  }

 private:
  [[noreturn]] void fail(std::string_view why) const {
    throw_input(fmt::format("operator {} ({}) cannot be lowered to the NPU: {}", index_,
                            ir::operator_display_name(op_), why));
  }

  ir::TensorSlice map(const std::string& suffix, ir::DataType type, const ir::Shape4& shape) {
    return {b_.add_feature_map(name_ + "_" + suffix, type, shape), {0, 0, 0, 0}, shape};
  }

  ir::TensorSlice constant(int32_t value) {
    return {b_.add_int32_scalar(fmt::format("{}_const_{}", name_, value), value),
            {0, 0, 0, 0},
            {1, 1, 1, 1}};
  }

  void elementwise(ir::NpuOpType type, const ir::TensorSlice& a, const ir::TensorSlice& b,
                   const ir::TensorSlice& out, std::pair<uint32_t, int> scale,
                   const std::string& what, bool reversed = false) {
    ir::NpuOp op;
    op.type = type;
    op.ifm = a;
    op.ifm2 = b;
    op.ofm = out;
    op.explicit_scale = scale;
    op.rounding = ir::RoundingMode::kTfl;
    op.reversed_operands = reversed;
    op.name = name_ + "_" + what;
    op.source_ops = {index_};
    b_.add(std::move(op));
  }

  // v_i (int32) from the stored input x (its zero point applied by the NPU).
  ir::TensorSlice operand(const ir::TensorSlice& x, const QuantMultiplier& m,
                          const std::string& which) {
    const ir::TensorSlice v = map("rescaled" + which, ir::DataType::kInt32, x.shape);
    if (m.shift == 0) {
      elementwise(ir::NpuOpType::kMul, x, constant(m.significand), v,
                  std::pair<uint32_t, int>{1, kHighMulBits - kInputShift}, "rescaled" + which);
      return v;
    }
    const ir::TensorSlice shifted = map("shifted" + which, ir::DataType::kInt32, x.shape);
    elementwise(ir::NpuOpType::kMul, x, constant(1 << kInputShift), shifted,
                std::pair<uint32_t, int>{1, 0}, "shifted" + which);
    elementwise(ir::NpuOpType::kMul, shifted, constant(m.significand), v,
                std::pair<uint32_t, int>{1, kHighMulBits - m.shift}, "rescaled" + which);
    return v;
  }

  SegmentBuilder& b_;
  const ir::Operator& op_;
  int index_;
  std::string name_;
};

}  // namespace

std::optional<std::string> squared_difference_why_not(const ir::Model& model, int subgraph,
                                                      int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  auto valid = [&](int t) { return t >= 0 && static_cast<size_t>(t) < sg.tensors.size(); };
  if (op.inputs.size() != 2 || op.outputs.size() != 1 || !valid(op.inputs[0]) ||
      !valid(op.inputs[1]) || !valid(op.outputs[0]))
    return "SQUARED_DIFFERENCE needs two inputs and one output";
  const ir::Tensor& a = sg.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& b = sg.tensors[static_cast<size_t>(op.inputs[1])];
  const ir::Tensor& out = sg.tensors[static_cast<size_t>(op.outputs[0])];
  if (a.type != ir::DataType::kInt8 || b.type != ir::DataType::kInt8 ||
      out.type != ir::DataType::kInt8)
    return "euc lowers SQUARED_DIFFERENCE int8 only";
  if (a.shape.size() > 4 || b.shape.size() > 4)
    return "an input has more than 4 dimensions";
  if (a.shape != out.shape && b.shape != out.shape)
    return "neither input has the output's shape (the NPU broadcasts one operand)";
  return parameters_why_not(a, b, out);
}

void lower_squared_difference(SegmentBuilder& b, const ir::Operator& op, int index) {
  Lowering(b, op, index).lower();
}

}  // namespace euc::frontend
