// SOFTMAX over the innermost axis, lowered to NPU primitives that reproduce TFLite Micro's
// reference kernels bit for bit. Notation: a row is the `depth` values softmax normalises
// together; S is the feature map's shape (1, H, W, depth), S1 the same with depth 1 (one value
// per row), broadcast over depth where an operation combines it with an S map.
//
// int8 input (reference: gemmlowp fixed point). For each row, with d = x - max(row):
//   e   = exp(d * beta * scale) in Q0.31, 0 where d < diff_min     (an int32 table of d)
//   sum = sum of round(e / 2^12)                                      (Q12.19)
//   c   = clz(sum); the reciprocal of sum normalised to [1, 2):
//         1 / (1 + a) with a = (sum << c) - 2^31 in Q0.31, by three Newton-Raphson steps
//   out = round(mul(recip, e) / 2^(12 - c + 31 - out_bits)) + out zero point
// NPU steps (28 block operations):
//    1 MaxPool     the input viewed as (1, rows, depth, 1), a 1 x depth window -> max (S1)
//    2 Sub + LUT   x - max + 127, clipped to int8 and looked up: e (S, int32). The OFM zero
//                  point 127 maps d = -255..0 onto the table's pre-table values -128..127.
//    3 Shr         e >> 12, rounding half up (e >= 0, so TFLite's half away from zero)
//    4 ReduceSum   sum over depth (S1, int32; < depth * 2^19, no overflow for depth < 4096)
//    5 Clz         c (S1)
//    6 Sub         (12 + 31 - out_bits) - c: the final shift (reversed operands: constant - c)
//    7 Sub         c - 1
//    8 Shl         sum << (c - 1) = h. This is already TFLite's half denominator
//                  rounding_half_sum(a, 2^31 - 1): a = 2h - 2^31 is even, so
//                  (a + 2^31 - 1 + 1) / 2 = h exactly (and the shift cannot overflow).
//    9-10          x = 48/17 + mul(h, -32/17)                     (Q2.29)
//   11-25          three times: x += 4 * mul(x, 2^29 - mul(h, x)) (x4 saturating)
//   26 Mul         recip = 2 * x, saturating (x read as Q1.30, rescaled to Q0.31)
//   27 Mul         mul(e, recip)
//   28 Shr         by the final shift, rounding half up, plus the output zero point
// mul is TFLite's rounding doubling high multiply: a 32-bit MUL whose output stage shifts the
// product right by 31 rounding half up (docs/npu_architecture.md §Output scaling and rounding); x4
// and x2 are MULs with unit scale, which saturate to int32 as TFLite's saturating shifts do.
// Additions cannot overflow (the reference wraps, the NPU saturates: equal where nothing
// overflows).
//
// int16 input (reference: interpolated 513-entry tables). For each row, d = x - max(row):
//   y   = exp_table(clamp(MultiplyByQuantizedMultiplier(d, m) + 32767))   (Q0.15)
//   sum = sum of y; c = clz(sum)
//   r   = recip_table(clamp(round((sum << (c - 1)) / 2^14) - 3 * 2^15))
//   out = round(y * r / 2^(31 - c))
// NPU steps (10 block operations):
//    1 MaxPool     as above
//    2 Sub + LUT   (x - max) scaled by m (OFM scale m, shift 31 - m.shift: the doubling high
//                  multiply and TFLite's rounding right shift in one rounding chain), OFM zero
//                  point 32767, interpolated exp table: y (S, int16). y is written through a
//                  tensor with zero point 32767 and read through an alias with zero point 0.
//    3 ReduceSum, 4 Clz, 5 Sub 31 - c, 6 Sub c - 1, 7 Shl sum << (c - 1)
//    8 Sub + LUT   (h - 3 * 2^29) with OFM scale 2^-14 rounding half up (the constant is a
//                  multiple of 2^14, so this is round(h / 2^14) - 3 * 2^15), reciprocal table
//    9 Mul         y * r (int32, exact)
//   10 Shr         by 31 - c, rounding half up; y * r >= 0, so the clamp to [0, 32767] is the
//                  int16 saturation
#include "frontend/lowering/softmax.hpp"
#include "frontend/lowering/quantization.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/error.hpp"
#include "refmath/activation_functions.hpp"
#include "refmath/fixed_point.hpp"
#include "refmath/quant_math.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

constexpr int kScaledDiffIntegerBits = 5;  // TFLite's int8 softmax: differences in Q5.26
constexpr int kAccumulationIntegerBits = 12;
// Values per row: the int8 sum (below depth * 2^19) must not overflow int32; the int16 sum of
// values below 2^15 cannot for any depth the max pool's 1 x depth window can have.
constexpr int kMaxDepthInt8 = 4095;
constexpr int kMaxDepth = 65535;
constexpr int kMaxRows = 65535;
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();

using refmath::quantize_multiplier;
using refmath::QuantMultiplier;

// The int8 kernel's difference multiplier (beta * input scale in Q5.26 steps, at most
// 2^31 - 1, computed in double as TFLite's PreprocessSoftmaxScaling) and diff_min, the smallest
// difference whose exponential counts. nullopt when the multiplier shifts right (TFLite
// requires a multiplier of at least one).
struct Int8Scaling {
  QuantMultiplier multiplier;
  int32_t diff_min = 0;
};
std::optional<Int8Scaling> int8_scaling(double beta, float input_scale) {
  const double real = std::min(beta * static_cast<double>(input_scale) *
                                   static_cast<double>(int64_t{1} << (31 - kScaledDiffIntegerBits)),
                               static_cast<double>(kInt32Max));
  if (!(real > 0))
    return std::nullopt;
  Int8Scaling s;
  s.multiplier = quantize_multiplier(real);
  if (s.multiplier.shift < 0 || s.multiplier.shift > 31)
    return std::nullopt;
  s.diff_min = -refmath::input_radius(kScaledDiffIntegerBits, s.multiplier.shift, 31);
  return s;
}

// TFLite's gen_lut for int16 tables (float arithmetic throughout, as the reference builds
// them), 513 entries for inputs input_min..input_max.
std::vector<int16_t> reference_table_int16(float input_min, float input_max, float output_min,
                                           float output_max, float (*f)(float)) {
  constexpr int kSteps = 512;
  const float step = (input_max - input_min) / kSteps;
  const float half_step = step / 2;
  const float inv_scale = 65536.0f / (output_max - output_min);
  auto clamp16 = [](float v) { return std::min(std::max(v, -32768.0f), 32767.0f); };
  std::vector<int16_t> table(kSteps + 1);
  for (int i = 0; i < kSteps; ++i) {
    const float x = input_min + static_cast<float>(i) * step;
    const float sample = std::round(f(x) * inv_scale);
    const float next = f(input_min + static_cast<float>(i + 1) * step) * inv_scale;
    const float interpolated_mid = std::round((next + sample) / 2);
    const float true_mid = std::round(f(x + half_step) * inv_scale);
    const float bias = std::round((interpolated_mid - true_mid) / 2);
    table[static_cast<size_t>(i)] = static_cast<int16_t>(clamp16(sample - bias));
  }
  table[kSteps] = static_cast<int16_t>(clamp16(std::round(f(input_max) * inv_scale)));
  return table;
}

// The NPU's interpolation words: entry i holds base table[i] and slope table[i+1] - table[i]
// (TFLite's lookup takes that difference as int16).
std::vector<int32_t> interpolation_words(const std::vector<int16_t>& table) {
  std::vector<int32_t> words(table.size() - 1);
  for (size_t i = 0; i + 1 < table.size(); ++i) {
    const auto slope = static_cast<int16_t>(table[i + 1] - table[i]);
    const uint32_t word = (static_cast<uint32_t>(static_cast<uint16_t>(slope)) << 16) |
                          static_cast<uint16_t>(table[i]);
    words[i] = static_cast<int32_t>(word);
  }
  return words;
}

float exp_float(float v) {
  return std::exp(v);
}
float reciprocal_float(float v) {
  return 1.0f / (1.0f + v);
}

// --- The lowering -----------------------------------------------------------------------

struct Geometry {
  ir::Shape4 full;  // (1, H, W, depth)
  ir::Shape4 row;   // (1, H, W, 1)
  int rows = 0;
  int depth = 0;
};

std::optional<Geometry> geometry_of(const ir::Tensor& input) {
  if (input.shape.empty() || input.shape.size() > 4)
    return std::nullopt;
  for (int32_t d : input.shape) {
    if (d < 1)
      return std::nullopt;
  }
  Geometry g;
  const std::vector<int32_t>& s = input.shape;
  g.depth = s.back();
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < s.size(); ++i)
    rows *= s[i];
  if (g.depth > kMaxDepth || rows > kMaxRows)
    return std::nullopt;
  g.rows = static_cast<int>(rows);
  // Outer axes fold into height and width (the row order is the same in memory).
  const int w = s.size() >= 2 ? s[s.size() - 2] : 1;
  g.full = {1, g.rows / w, w, g.depth};
  g.row = {1, g.rows / w, w, 1};
  return g;
}

double beta_of(const ir::Operator& op) {
  const auto* o = tfl::builtin_options_as<tflite::SoftmaxOptions>(op);
  return o != nullptr ? static_cast<double>(o->beta()) : 1.0;
}

// The int16 kernel's difference multiplier: scale * beta over the exp table's input step
// 10 / 65535, in the output stage's terms (significand, right shift 31 - TFLite's shift).
std::optional<std::pair<uint32_t, int>> int16_scaling(double beta, float input_scale) {
  const QuantMultiplier m =
      quantize_multiplier(static_cast<double>(input_scale) * beta / (10.0 / 65535.0));
  // TFLite shifts the difference (at most 2^16 in magnitude) left by a positive shift,
  // wrapping: beyond 14 bits it could wrap, which the NPU's product would not.
  if (m.significand <= 0 || m.shift > 14 || 31 - m.shift > 63)
    return std::nullopt;
  return std::make_pair(static_cast<uint32_t>(m.significand), 31 - m.shift);
}

class SoftmaxLowering {
 public:
  SoftmaxLowering(SegmentBuilder& b, const ir::Operator& op, int index)
      : b_(b), op_(op), index_(index) {}

  void lower() {
    const ir::Tensor& in = b_.network_tensor(op_.inputs.at(0));
    const ir::Tensor& out = b_.network_tensor(op_.outputs.at(0));
    std::optional<Geometry> g = geometry_of(in);
    if (!g)
      fail("shape outside the lowering's limits");
    g_ = *g;
    name_ = out.name;
    const ir::TensorSlice x = whole(input_tensor(), g_.full);
    const int max = row_max(x.tensor);
    const ir::TensorSlice y = output_slice();
    if (in.type == ir::DataType::kInt8)
      lower_int8(x, max, y, out.type == ir::DataType::kInt8 ? 8 : 16);
    else
      lower_int16(x, max, y);
  }

 private:
  [[noreturn]] void fail(std::string_view why) const {
    throw_input(fmt::format("operator {} ({}) cannot be lowered to the NPU: {}", index_,
                            ir::operator_display_name(op_), why));
  }

  ir::TensorSlice whole(int t, const ir::Shape4& shape) const { return {t, {0, 0, 0, 0}, shape}; }

  int feature_map(const std::string& suffix, ir::DataType type, const ir::Shape4& shape,
                  int32_t zero_point = 0) {
    ir::QuantParams quant;
    quant.zero_point = zero_point;
    return b_.add_feature_map(name_ + "_" + suffix, type, shape, quant);
  }

  ir::TensorSlice constant(int32_t value) {
    auto it = constants_.find(value);
    if (it == constants_.end()) {
      it = constants_
               .emplace(value, b_.add_int32_scalar(fmt::format("{}_const_{}", name_, value), value))
               .first;
    }
    return whole(it->second, {1, 1, 1, 1});
  }

  bool is_whole(const ir::TensorSlice& s) const { return b_.is_whole(s); }
  // A tensor sharing the storage of whole tensor `t` (laid out linearly), shaped `shape`.
  int reshaped(int t, const ir::Shape4& shape, const std::string& suffix) {
    return b_.add_view(t, shape, b_.lowered(t).quant, name_ + "_" + suffix);
  }

  // The softmax input as a whole tensor (so that it can be viewed as (1, rows, depth, 1)) of
  // shape S: the input itself or a reshaped view of it, or a copy of a piece of a tensor.
  int input_tensor() {
    const ir::TensorSlice x = b_.whole(op_.inputs.at(0));
    if (is_whole(x))
      return b_.lowered(x.tensor).shape == g_.full ? x.tensor : reshaped(x.tensor, g_.full, "in");
    const ir::NpuTensor t = b_.lowered(x.tensor);
    const int copy = feature_map("input", t.type, x.shape);
    b_.lowered_mut(copy).quant = t.quant;
    add(b_.byte_copy(x, whole(copy, x.shape), name_ + "_input"));
    return reshaped(copy, g_.full, "in");
  }

  // Where the result goes, as an S slice.
  ir::TensorSlice output_slice() {
    const ir::TensorSlice y = b_.whole(op_.outputs.at(0));
    if (y.shape == g_.full)
      return y;
    if (!is_whole(y))
      fail("the output is a piece of another tensor in a shape the lowering cannot view");
    return whole(reshaped(y.tensor, g_.full, "out"), g_.full);
  }

  // Step 1: the maximum of each row, by a max pool over the input viewed as one row of
  // `depth` columns per output element. Raw values (both sides have the input's quantisation).
  int row_max(int x) {
    const ir::NpuTensor t = b_.lowered(x);
    const ir::Shape4 lines{1, g_.rows, g_.depth, 1};
    const int in_lines = reshaped(x, lines, "rows");
    const int max = feature_map("max", t.type, g_.row);
    b_.lowered_mut(max).quant = t.quant;
    const int max_lines = reshaped(max, {1, g_.rows, 1, 1}, "max_rows");
    ir::NpuOp op;
    op.type = ir::NpuOpType::kMaxPool;
    op.ifm = whole(in_lines, lines);
    op.ofm = whole(max_lines, {1, g_.rows, 1, 1});
    op.kernel.width = g_.depth;
    op.byte_copy = true;
    op.name = name_ + "_max";
    add(std::move(op));
    return max;
  }

  void add(ir::NpuOp op) {
    op.source_ops = {index_};
    b_.add(std::move(op));
  }

  // An elementwise operation. `scale`: the output stage's explicit (multiplier, shift), or
  // nullopt for none (shifts, CLZ).
  void elementwise(ir::NpuOpType type, const ir::TensorSlice& a, const ir::TensorSlice& b,
                   const ir::TensorSlice& out, std::optional<std::pair<uint32_t, int>> scale,
                   const std::string& what, bool reversed = false,
                   ir::RoundingMode rounding = ir::RoundingMode::kTfl) {
    ir::NpuOp op;
    op.type = type;
    op.ifm = a;
    op.ifm2 = b;
    op.ofm = out;
    op.explicit_scale = scale;
    op.reversed_operands = reversed;
    op.rounding = rounding;
    op.name = name_ + "_" + what;
    add(std::move(op));
  }

  void with_table(ir::DataType type, std::vector<int32_t> values) {
    ir::NpuOp& op = b_.last_op();
    const auto [lo, hi] = ir::integer_range(type);
    op.activation.kind = ir::Activation::Kind::kLut;
    op.activation.lut = b_.add_lut(ir::Lut{type, std::move(values)});
    op.activation.min = lo;
    op.activation.max = hi;
  }

  static constexpr std::pair<uint32_t, int> kUnit{1, 0};
  static constexpr std::pair<uint32_t, int> kHighMul{1u << 30, 31};

  // Steps 4-8 (int8) / 3-7 (int16): the row sums' leading zeros c, the output shift
  // `shift_base` - c and h = sum << (c - 1).
  struct Normalised {
    ir::TensorSlice shift, half;
  };
  Normalised normalise(const ir::TensorSlice& sum, int32_t shift_base) {
    using T = ir::NpuOpType;
    const auto i32 = ir::DataType::kInt32;
    const ir::TensorSlice clz = whole(feature_map("clz", i32, g_.row), g_.row);
    ir::NpuOp op;
    op.type = T::kClz;
    op.ifm = sum;
    op.ofm = clz;
    op.name = name_ + "_clz";
    add(std::move(op));
    const ir::TensorSlice shift = whole(feature_map("shift", i32, g_.row), g_.row);
    elementwise(T::kSub, clz, constant(shift_base), shift, kUnit, "shift", true);
    const ir::TensorSlice clz1 = whole(feature_map("clz_minus_1", i32, g_.row), g_.row);
    elementwise(T::kSub, clz, constant(1), clz1, kUnit, "clz_minus_1");
    const ir::TensorSlice half = whole(feature_map("half_denominator", i32, g_.row), g_.row);
    elementwise(T::kShl, sum, clz1, half, std::nullopt, "half_denominator");
    return {shift, half};
  }

  void lower_int8(const ir::TensorSlice& x, int max, const ir::TensorSlice& y, int out_bits) {
    using T = ir::NpuOpType;
    const auto i32 = ir::DataType::kInt32;
    const float scale = scale_of(b_.network_tensor(op_.inputs.at(0)));
    std::vector<int32_t> table = softmax_exp_table_int8(beta_of(op_), scale);
    if (table.empty())
      fail("beta times the input scale is below TFLite's range");
    // 2: e, through the exp table (OFM zero point 127: d + 127 is the pre-table value).
    const ir::TensorSlice e = whole(feature_map("exp", i32, g_.full, 127), g_.full);
    elementwise(T::kSub, x, whole(max, g_.row), e, kUnit, "exp");
    with_table(i32, std::move(table));
    // 3-4: the Q12.19 sum.
    const ir::TensorSlice terms = whole(feature_map("exp_q12", i32, g_.full), g_.full);
    elementwise(T::kShr, e, constant(kAccumulationIntegerBits), terms, std::nullopt, "exp_q12",
                false, ir::RoundingMode::kNatural);
    const ir::TensorSlice sum = whole(feature_map("sum", i32, g_.row), g_.row);
    ir::NpuOp op;
    op.type = T::kReduceSum;
    op.ifm = terms;
    op.ofm = sum;
    op.explicit_scale = kUnit;
    op.name = name_ + "_sum";
    add(std::move(op));
    // 5-8.
    const Normalised n = normalise(sum, kAccumulationIntegerBits + 31 - out_bits);
    // 9-10: x0 = 48/17 - 32/17 h.
    constexpr int32_t k48Over17 = 1515870810;
    constexpr int32_t kMinus32Over17 = -1010580540;
    constexpr int32_t kOneQ2_29 = 1 << 29;
    auto map = [&](const std::string& what) {
      return whole(feature_map(what, i32, g_.row), g_.row);
    };
    const ir::TensorSlice x0_product = map("nr_x0_product");
    elementwise(T::kMul, n.half, constant(kMinus32Over17), x0_product, kHighMul, "nr_x0_product");
    ir::TensorSlice xi = map("nr_x0");
    elementwise(T::kAdd, x0_product, constant(k48Over17), xi, kUnit, "nr_x0");
    // 11-25: Newton-Raphson steps for 1 / h.
    for (int step = 1; step <= 3; ++step) {
      const std::string s = fmt::format("nr{}_", step);
      const ir::TensorSlice hx = map(s + "hx");
      elementwise(T::kMul, n.half, xi, hx, kHighMul, s + "hx");
      const ir::TensorSlice error = map(s + "error");
      elementwise(T::kSub, hx, constant(kOneQ2_29), error, kUnit, s + "error", true);
      const ir::TensorSlice correction = map(s + "correction");
      elementwise(T::kMul, xi, error, correction, kHighMul, s + "correction");
      const ir::TensorSlice scaled = map(s + "correction_q2_29");
      elementwise(T::kMul, correction, constant(4), scaled, kUnit, s + "correction_q2_29");
      const ir::TensorSlice next = map(s + "x");
      elementwise(T::kAdd, xi, scaled, next, kUnit, s + "x");
      xi = next;
    }
    // 26: the reciprocal in Q0.31.
    const ir::TensorSlice recip = map("reciprocal");
    elementwise(T::kMul, xi, constant(2), recip, kUnit, "reciprocal");
    // 27-28.
    const ir::TensorSlice product = whole(feature_map("product", i32, g_.full), g_.full);
    elementwise(T::kMul, e, recip, product, kHighMul, "product");
    elementwise(T::kShr, product, n.shift, y, std::nullopt, "output", false,
                ir::RoundingMode::kNatural);
  }

  void lower_int16(const ir::TensorSlice& x, int max, const ir::TensorSlice& y) {
    using T = ir::NpuOpType;
    const auto i32 = ir::DataType::kInt32;
    const auto i16 = ir::DataType::kInt16;
    const std::optional<std::pair<uint32_t, int>> m =
        int16_scaling(beta_of(op_), scale_of(b_.network_tensor(op_.inputs.at(0))));
    if (!m)
      fail("beta times the input scale is outside the NPU's range");
    // 2: y through the interpolated exp table; written with zero point 32767, read without.
    const int exp_written = feature_map("exp_lut_in", i16, g_.full, 32767);
    const int exp = reshaped(exp_written, g_.full, "exp");
    b_.lowered_mut(exp).quant.zero_point = 0;
    elementwise(T::kSub, x, whole(max, g_.row), whole(exp_written, g_.full), m, "exp");
    with_table(i16, softmax_exp_table_int16());
    // 3.
    const ir::TensorSlice sum = whole(feature_map("sum", i32, g_.row), g_.row);
    ir::NpuOp op;
    op.type = T::kReduceSum;
    op.ifm = whole(exp, g_.full);
    op.ofm = sum;
    op.explicit_scale = kUnit;
    op.name = name_ + "_sum";
    add(std::move(op));
    // 4-7.
    const Normalised n = normalise(sum, 31);
    // 8: the reciprocal of the normalised sum.
    constexpr int kSumShift = 14;
    constexpr int32_t kTableOffset = ((1 << 15) + (1 << 16)) << kSumShift;
    const ir::TensorSlice recip = whole(feature_map("reciprocal", i16, g_.row), g_.row);
    elementwise(T::kSub, n.half, constant(kTableOffset), recip,
                std::make_pair(uint32_t{1}, kSumShift), "reciprocal");
    with_table(i16, softmax_reciprocal_table_int16());
    // 9-10.
    const ir::TensorSlice product = whole(feature_map("product", i32, g_.full), g_.full);
    elementwise(T::kMul, whole(exp, g_.full), recip, product, kUnit, "product");
    elementwise(T::kShr, product, n.shift, y, std::nullopt, "output", false,
                ir::RoundingMode::kNatural);
  }

  SegmentBuilder& b_;
  const ir::Operator& op_;
  int index_;
  Geometry g_;
  std::string name_;
  std::map<int32_t, int> constants_;
};

}  // namespace

std::vector<int32_t> softmax_exp_table_int8(double beta, float input_scale) {
  const std::optional<Int8Scaling> s = int8_scaling(beta, input_scale);
  if (!s)
    return {};
  std::vector<int32_t> table(256);
  for (int i = 0; i < 256; ++i) {
    const int32_t d = i - 255;
    if (d < s->diff_min)
      continue;  // left out of the sum, output the minimum: an exponential of 0 does both
    const int32_t scaled = refmath::multiply_by_quantized_multiplier_greater_than_one(
        d, s->multiplier.significand, s->multiplier.shift);
    table[static_cast<size_t>(i)] =
        refmath::fixed::exp_on_negative_values<int32_t>(scaled, kScaledDiffIntegerBits);
  }
  return table;
}

std::vector<int32_t> softmax_exp_table_int16() {
  // Inputs -10 .. 0 (scale 10 / 65535, zero point 32767), outputs scale 2 / 65535.
  constexpr float kRange = 65535.0f;
  return interpolation_words(reference_table_int16(
      (10.0f / kRange) * (-32768.0f - 32767.0f), (10.0f / kRange) * (32767.0f - 32767.0f),
      (2.0f / kRange) * -32768.0f, (2.0f / kRange) * 32767.0f, exp_float));
}

std::vector<int32_t> softmax_reciprocal_table_int16() {
  // Inputs 0 .. 1 (scale 1 / 65535, zero point -32768), outputs scale 2 / 65535.
  constexpr float kRange = 65535.0f;
  return interpolation_words(reference_table_int16(
      (1.0f / kRange) * (-32768.0f + 32768.0f), (1.0f / kRange) * (32767.0f + 32768.0f),
      (2.0f / kRange) * -32768.0f, (2.0f / kRange) * 32767.0f, reciprocal_float));
}

std::optional<std::string> softmax_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  if (op.inputs.size() != 1 || op.outputs.size() != 1 || op.inputs[0] < 0 || op.outputs[0] < 0 ||
      static_cast<size_t>(op.inputs[0]) >= sg.tensors.size() ||
      static_cast<size_t>(op.outputs[0]) >= sg.tensors.size())
    return "SOFTMAX needs one input and one output";
  const ir::Tensor& in = sg.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& out = sg.tensors[static_cast<size_t>(op.outputs[0])];
  if (!geometry_of(in) || in.shape != out.shape)
    return fmt::format(
        "euc lowers SOFTMAX over at most {} values per row and {} rows, with equal "
        "input and output shapes",
        kMaxDepth, kMaxRows);
  const double beta = beta_of(op);
  if (in.type == ir::DataType::kInt8 && in.shape.back() > kMaxDepthInt8)
    return fmt::format("euc lowers int8 SOFTMAX over at most {} values per row (the int32 sum)",
                       kMaxDepthInt8);
  if (in.type == ir::DataType::kInt8 &&
      (out.type == ir::DataType::kInt8 || out.type == ir::DataType::kInt16)) {
    // TFLite Micro refuses other output quantisations (its kernel assumes these), so such a
    // model only runs, and fails, on the CPU.
    if (auto problem = refmath::softmax_output_problem(
            true, out.type == ir::DataType::kInt8,
            {scale_of(out), static_cast<int32_t>(zero_point_of(out))}))
      return problem;
    if (!int8_scaling(beta, scale_of(in)))
      return "beta times the input scale is below TFLite's range";
    return std::nullopt;
  }
  if (in.type == ir::DataType::kInt16 && out.type == ir::DataType::kInt16) {
    if (zero_point_of(in) != 0)
      return "int16 SOFTMAX needs an input zero point of 0 (TFLite's requirement)";
    if (auto problem = refmath::softmax_output_problem(
            false, false, {scale_of(out), static_cast<int32_t>(zero_point_of(out))}))
      return problem;
    if (!int16_scaling(beta, scale_of(in)))
      return "beta times the input scale is outside the NPU's range";
    return std::nullopt;
  }
  return "euc lowers SOFTMAX int8 -> int8, int8 -> int16 and int16 -> int16";
}

void lower_softmax(SegmentBuilder& b, const ir::Operator& op, int index) {
  SoftmaxLowering(b, op, index).lower();
}

}  // namespace euc::frontend
