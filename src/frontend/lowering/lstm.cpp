// UNIDIRECTIONAL_SEQUENCE_LSTM, int8 input and hidden state with int32 biases or (16x8) int16
// ones with int64 biases, int8 weights, int16 cell state with a power-of-two scale 2^p, one
// batch, no peephole, projection or layer normalisation: the sequence unrolled into NPU
// operations that reproduce TensorFlow Lite Micro's integer reference kernel bit for bit.
// 16x8 differs only in the gate products: TFLite accumulates them in 64 bits and rescales with
// a 16-bit significand and one rounding shift (see gate_record); the rest is the same int16
// arithmetic, the hidden product saturating to int16 instead of int8.
//
// Reference, per time step t with input row x_t, hidden state h and cell state c, for each gate
// g (input i, forget f, cell z, output o) with weights W_g, U_g, bias b_g:
//   a_g = sat16(MBQM(W_g (x_t - zx) + b_g, m_g)) + sat16(MBQM(U_g (h - zh), r_g)), saturated
//         to 16 bits, in Q3.12; m_g = sx sw_g / 2^-12 and r_g = sh su_g / 2^-12 (the scale
//         products in float, as TFLite forms them)
//   i, f, o = sigmoid16(a), z = tanh16(a): TFLite's int16 LOGISTIC and TANH of a Q3.12 input
//   c' = clip(sat16(sat16(MBQM(f c, 2^-15)) + sat16(MBQM(i z, 2^-30 / 2^p))))
//   h' = clamp8(MBQM(tanh16_p(c') o, 2^-30 / sh) + zh), also the output row t.
// MBQM (MultiplyByQuantizedMultiplier) is the TFL rounding mode of the NPU's output stage with
// the record shift 31 - e (docs/npu_architecture.md, output scaling), used here with e <= 0.
// NPU operations:
//   - per gate, one fully connected layer over all T input rows at once (they do not depend on
//     the state): int8 in, int16 out, explicit scale m_g, the bias in the scale records;
//   - per step t >= 1 and gate: a fully connected layer on output row t - 1 (the hidden state
//     is the previous output row: same stored values) into int16 with scale r_g, no bias; an
//     int16 ADD of unit scale (saturating) of both;
//   - per step and gate: a 1x1 average pool whose output stage rescales the int16 value as
//     TFLite's kernel does (x * 3 << s rounded, NATURAL) and applies the NPU's built-in
//     SIGMOID or TANH, which interpolate the table TFLite's int16 kernels use (as
//     lut_activations.cpp does for LOGISTIC and TANH);
//   - the multiplies as int16 MULs with explicit scales (TFL rounding, 16-bit saturation), the
//     cell sum as an int16 ADD whose clamp is the cell clip, tanh of the cell by the built-in
//     TANH, and the hidden product as a MUL into int8 output row t with zero point zh.
// Step 0 reads the state the variable tensors hold (TFLite Micro keeps it between invocations;
// only ResetVariableTensors() zeroes it), and the final hidden and cell state are copied back
// into them at the end: the segment has them as inputs and outputs at one address.
#include "frontend/lowering/lstm.hpp"
#include "frontend/lowering/checked.hpp"
#include "frontend/lowering/quantization.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <tuple>
#include <variant>

#include "core/error.hpp"
#include "refmath/quant_math.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

using refmath::quantize_multiplier;
using refmath::QuantMultiplier;

enum Input {
  kInput = 0,
  kInputWeights = 1,      // + gate
  kRecurrentWeights = 5,  // + gate
  kBias = 12,             // + gate
  kHiddenState = 18,
  kCellState = 19,
};
enum Gate { kInputGate = 0, kForgetGate = 1, kCellGate = 2, kOutputGate = 3 };
constexpr int kHighMulBits = 31;
constexpr int kMaxRecordShift = 62;
constexpr int kMaxSteps = 1024;
constexpr float kGateInputScale = 1.0f / 4096;    // Q3.12
constexpr float kGateOutputScale = 1.0f / 32768;  // Q0.15

struct Params {
  int steps = 0, input_size = 0, units = 0, batches = 1;
  bool time_major = false;
  bool wide = false;  // 16x8: int16 input, hidden state and output, int64 biases
  // The gate products' output stage records (multiplier, shift): see gate_record.
  std::pair<uint32_t, int> input_rec[4], recurrent_rec[4];
  QuantMultiplier forget_cell_m, input_cell_m, hidden_m;
  int32_t tanh_multiplier = 0;  // tanh of the cell: x * multiplier >> shift, rounded
  int tanh_shift = 0;
  int32_t cell_clip = 0;  // 0: none
};

const ir::Tensor* input_of(const ir::Subgraph& sg, const ir::Operator& op, size_t i) {
  if (i >= op.inputs.size() || op.inputs[i] < 0 ||
      static_cast<size_t>(op.inputs[i]) >= sg.tensors.size())
    return nullptr;
  return &sg.tensors[static_cast<size_t>(op.inputs[i])];
}

// A multiplier the output stage applies exactly as MBQM: below one, record shift in range.
bool usable(const QuantMultiplier& m) {
  return m.significand > 0 && m.shift <= 0 && kHighMulBits - m.shift <= kMaxRecordShift;
}

// The output stage record of a gate product with multiplier m. int8: the TFL rounding mode
// applies m as MBQM with the record shift 31 - e (e <= 0). 16x8: TFLite's 64-bit variant rounds
// the significand to 16 bits and shifts once, rounding half up: (acc * m16 + 2^(s-1)) >> s with
// s = 15 - e, which is what the NPU's output stage does for an int16 IFM without an int32 bias
// (NATURAL rounding, the accumulator in 40 bits). Nothing when no record reproduces it.
std::optional<std::pair<uint32_t, int>> gate_record(const QuantMultiplier& m, bool wide) {
  if (!wide) {
    if (!usable(m))
      return std::nullopt;
    return std::make_pair(static_cast<uint32_t>(m.significand), kHighMulBits - m.shift);
  }
  const int32_t reduced = m.significand < 0x7FFF0000 ? (m.significand + (1 << 15)) >> 16 : 0x7FFF;
  const int shift = 15 - m.shift;
  if (m.significand <= 0 || reduced <= 0 || shift < 1 || shift > kMaxRecordShift)
    return std::nullopt;
  return std::make_pair(static_cast<uint32_t>(reduced), shift);
}

// The largest |value| a 16x8 gate product's 64-bit accumulator reaches, for `depth` products
// of int8 weights and int16 values plus `bias`.
int64_t accumulator_bound(int depth, int64_t bias) {
  return int64_t{depth} * 128 * 32768 + (bias < 0 ? -bias : bias);
}

// The parameters, or why the operator cannot be lowered.
Checked<Params> params_of(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op) {
  if (op.inputs.size() != 24 || op.outputs.size() != 1 || op.outputs[0] < 0 ||
      static_cast<size_t>(op.outputs[0]) >= sg.tensors.size())
    return std::string("euc lowers it with 24 inputs and one output");
  for (size_t i : {9, 10, 11, 16, 17, 20, 21, 22, 23}) {
    if (input_of(sg, op, i) != nullptr)
      return fmt::format(
          "input {} (peephole, projection or layer normalisation) is present; "
          "euc lowers the plain LSTM cell only",
          i);
  }
  const ir::Tensor* in = input_of(sg, op, kInput);
  const ir::Tensor* hidden = input_of(sg, op, kHiddenState);
  const ir::Tensor* cell = input_of(sg, op, kCellState);
  const ir::Tensor& out = sg.tensors[static_cast<size_t>(op.outputs[0])];
  if (in == nullptr || hidden == nullptr || cell == nullptr)
    return std::string("the input or a state tensor is missing");
  if (!hidden->is_variable || !cell->is_variable)
    return std::string("the hidden and cell states are not variable tensors");
  const bool wide = in->type == ir::DataType::kInt16;
  if ((in->type != ir::DataType::kInt8 && !wide) || hidden->type != in->type ||
      out.type != in->type || cell->type != ir::DataType::kInt16)
    return std::string(
        "euc lowers int8 and 16x8 LSTM only (int8 or int16 input, hidden state and "
        "output alike, int16 cell state)");
  if (!per_tensor(*in) || !per_tensor(*hidden) || !per_tensor(*cell) || !per_tensor(out))
    return std::string("the input, states and output need per-tensor quantisation");
  const auto* o = tfl::builtin_options_as<tflite::UnidirectionalSequenceLSTMOptions>(op);
  if (o == nullptr)
    return std::string("UnidirectionalSequenceLSTMOptions missing");
  if (o->fused_activation_function() != tflite::ActivationFunctionType::TANH)
    return std::string("the cell gate's activation is not TANH");
  if (in->shape.size() != 3)
    return std::string("the input is not 3-D");
  if (wide && (zero_point_of(*in) != 0 || zero_point_of(*hidden) != 0 || zero_point_of(out) != 0))
    return std::string("a 16x8 LSTM's input, hidden state or output zero point is not 0");
  Params p;
  p.wide = wide;
  p.time_major = o->time_major();
  p.batches = p.time_major ? in->shape[1] : in->shape[0];
  p.steps = p.time_major ? in->shape[0] : in->shape[1];
  p.input_size = in->shape[2];
  // Each step is up to 21 NPU operations: a bound on what one operator may unroll to.
  if (p.steps > kMaxSteps)
    return fmt::format("{} time steps; euc unrolls at most {}", p.steps, kMaxSteps);
  // Time-major batches share each step's operations (B rows); batch-major ones are separate
  // sequences, each unrolled on its own. The gate products read T x B rows at once.
  if (p.batches > 1 && int64_t{p.steps} * p.batches > kMaxSteps)
    return fmt::format("{} time steps x {} batches; euc unrolls at most {} rows", p.steps,
                       p.batches, kMaxSteps);
  if (p.batches <= 0 || hidden->shape.size() != 2 || hidden->shape[0] != p.batches ||
      hidden->shape[1] <= 0)
    return std::string("the hidden state is not [batches, units]");
  p.units = hidden->shape[1];
  if (p.steps <= 0 || p.input_size <= 0 || cell->num_elements() != int64_t{p.batches} * p.units ||
      out.num_elements() != int64_t{p.steps} * p.batches * p.units || out.shape.size() != 3 ||
      out.shape[2] != p.units)
    return std::string("the state and output shapes do not match the input's sequence");
  // Several batches: the output's rows and the cell state's are addressed per batch.
  if (p.batches > 1 &&
      (out.shape != (p.time_major ? std::vector<int32_t>{p.steps, p.batches, p.units}
                                  : std::vector<int32_t>{p.batches, p.steps, p.units}) ||
       cell->shape != hidden->shape))
    return std::string(
        "with several batches the output must be [T, B, units] (time major) or [B, T, units] "
        "and the cell state [B, units]");
  if (zero_point_of(*hidden) != zero_point_of(out))
    return std::string(
        "the hidden state and output zero points differ (the NPU reads the "
        "previous output row as the hidden state)");
  if (zero_point_of(*cell) != 0)
    return std::string("the cell state's zero point is not 0");
  // The segment reads and writes the states whole as rows of `units`.
  if (cell->shape.empty() || cell->shape.size() > 4 || cell->shape.back() != p.units)
    return std::string("the cell state's innermost dimension is not the number of units");
  for (int g = 0; g < 4; ++g) {
    const ir::Tensor* wi = input_of(sg, op, static_cast<size_t>(kInputWeights + g));
    const ir::Tensor* wr = input_of(sg, op, static_cast<size_t>(kRecurrentWeights + g));
    const ir::Tensor* bias = input_of(sg, op, static_cast<size_t>(kBias + g));
    if (wi == nullptr || wr == nullptr || bias == nullptr)
      return std::string("a gate's weights or bias are missing (CIFG is not lowered)");
    const ir::DataType bias_type = wide ? ir::DataType::kInt64 : ir::DataType::kInt32;
    if (wi->type != ir::DataType::kInt8 || wr->type != ir::DataType::kInt8 ||
        bias->type != bias_type)
      return std::string(wide ? "a 16x8 LSTM needs int8 weights and int64 biases"
                              : "euc lowers int8 weights and int32 biases");
    if (model.tensor_data(*wi).empty() || model.tensor_data(*wr).empty() ||
        model.tensor_data(*bias).empty())
      return std::string("the weights and biases must be constant");
    if (!per_tensor(*wi) || !per_tensor(*wr) || zero_point_of(*wi) != 0 || zero_point_of(*wr) != 0)
      return std::string("the weights need symmetric per-tensor quantisation");
    if (wi->shape != std::vector<int32_t>{p.units, p.input_size} ||
        wr->shape != std::vector<int32_t>{p.units, p.units} || bias->num_elements() != p.units ||
        model.tensor_data(*wi).size() != static_cast<size_t>(p.units) * p.input_size ||
        model.tensor_data(*wr).size() != static_cast<size_t>(p.units) * p.units ||
        model.tensor_data(*bias).size() != static_cast<size_t>(p.units) * (wide ? 8 : 4))
      return std::string("the weight or bias shapes do not match the input and state sizes");
    const QuantMultiplier input_m = quantize_multiplier(
        static_cast<double>(scale_of(*in) * scale_of(*wi)) / static_cast<double>(kGateInputScale));
    const QuantMultiplier recurrent_m =
        quantize_multiplier(static_cast<double>(scale_of(*hidden) * scale_of(*wr)) /
                            static_cast<double>(kGateInputScale));
    const auto input_rec = gate_record(input_m, wide);
    const auto recurrent_rec = gate_record(recurrent_m, wide);
    if (!input_rec || !recurrent_rec) {
      return std::string(wide ? "a gate's fully connected rescale is outside the NPU's shift range"
                              : "a gate's fully connected rescale is not below 1 within the "
                                "NPU's shift range");
    }
    p.input_rec[g] = *input_rec;
    p.recurrent_rec[g] = *recurrent_rec;
    if (wide) {
      // The NPU accumulates in 40 bits and takes a 40-bit bias; TFLite's 64-bit result is
      // truncated to 32 bits before it saturates to 16. Both agree while the accumulator and
      // the rescaled value stay within those widths.
      const auto bytes = model.tensor_data(*bias);
      for (int u = 0; u < p.units; ++u) {
        int64_t b = 0;
        std::memcpy(&b, bytes.data() + static_cast<size_t>(u) * 8, 8);
        for (const auto& [depth, bv, rec] : {std::tuple{p.input_size, b, *input_rec},
                                             std::tuple{p.units, int64_t{0}, *recurrent_rec}}) {
          const int64_t bound = accumulator_bound(depth, bv);
          const double scaled =
              static_cast<double>(bound) * rec.first / std::ldexp(1.0, rec.second);
          if (bv <= -(int64_t{1} << 39) || bv >= (int64_t{1} << 39) ||
              bound >= (int64_t{1} << 39) || scaled >= 2147483647.0)
            return std::string(
                "a 16x8 gate's accumulator or bias may exceed the NPU's 40 bits or its rescaled "
                "value 32 bits");
        }
      }
    }
  }
  const float cell_scale = scale_of(*cell);
  int power = 0;
  if (std::frexp(cell_scale, &power) != 0.5f)
    return std::string("the cell state's scale is not a power of two");
  power -= 1;
  // TFLite's tanh of a value of scale 2^p: x * (3 << s) with s = 12 + p >= 0, else
  // (x * 3 + round) >> -s. Built-in TANH is exact for the multipliers the int16 TANH operator
  // uses (3 and 6 on the left).
  const int s = 15 + power - 3;
  if (s > 1 || s < -30)
    return fmt::format("the cell state's scale 2^{} is outside 2^-42..2^-11", power);
  p.tanh_multiplier = s >= 0 ? 3 << s : 3;
  p.tanh_shift = s >= 0 ? 0 : -s;
  p.forget_cell_m =
      quantize_multiplier(static_cast<double>(kGateOutputScale) * static_cast<double>(cell_scale) /
                          static_cast<double>(cell_scale));
  p.input_cell_m =
      quantize_multiplier(static_cast<double>(kGateOutputScale) *
                          static_cast<double>(kGateOutputScale) / static_cast<double>(cell_scale));
  p.hidden_m = quantize_multiplier(static_cast<double>(kGateOutputScale) *
                                   static_cast<double>(kGateOutputScale) /
                                   static_cast<double>(scale_of(*hidden)));
  if (!usable(p.forget_cell_m) || !usable(p.input_cell_m) || !usable(p.hidden_m))
    return std::string("a state rescale is not below 1 within the NPU's shift range");
  if (o->cell_clip() > 0) {
    const double clip = std::clamp(
        static_cast<double>(o->cell_clip()) / static_cast<double>(cell_scale), -32768.0, 32767.0);
    p.cell_clip = static_cast<int32_t>(clip);
  } else if (!(o->cell_clip() == 0.0f)) {
    return std::string("the cell clip is negative or not a number");
  }
  return p;
}

class Lowering {
 public:
  Lowering(SegmentBuilder& b, const ir::Operator& op, int index, Params p)
      : b_(b), op_(op), index_(index), p_(p) {}

  void lower() {
    name_ = b_.network_tensor(op_.outputs.at(0)).name;
    const int rows = p_.steps * p_.batches;
    ir::TensorSlice input = b_.whole(op_.inputs.at(kInput));
    input.shape = {1, 1, rows, p_.input_size};  // linear rows, as FULLY_CONNECTED reads
    const ir::TensorSlice output = b_.whole(op_.outputs.at(0));
    // Gate inputs of every step (and batch) at once: T x B rows of `units`, in the input's order.
    ir::TensorSlice from_input[4];
    for (int g = 0; g < 4; ++g) {
      from_input[g] =
          map(fmt::format("g{}_input", g), ir::DataType::kInt16, {1, 1, rows, p_.units});
      fully_connected(input, from_input[g], op_.inputs.at(static_cast<size_t>(kInputWeights + g)),
                      op_.inputs.at(static_cast<size_t>(kBias + g)), p_.input_rec[g],
                      fmt::format("g{}_input", g));
    }
    // The state at the start: the variable tensors (what the previous invocation left).
    const ir::TensorSlice hidden_state = b_.whole(op_.inputs.at(kHiddenState));
    const ir::TensorSlice cell_state = b_.whole(op_.inputs.at(kCellState));
    // Time major: one sequence of B rows per step. Batch major: B sequences of one row.
    const int groups = p_.time_major ? 1 : p_.batches;
    const int group_rows = p_.time_major ? p_.batches : 1;
    std::vector<ir::TensorSlice> final_cell;
    for (int k = 0; k < groups; ++k) {
      final_cell.push_back(sequence(k, group_rows, from_input, output,
                                    state_rows(hidden_state, k, group_rows),
                                    state_rows(cell_state, k, group_rows)));
    }
    // The final state back into the variable tensors, after every read of them (step 0's).
    for (int k = 0; k < groups; ++k) {
      b_.add(b_.byte_copy(output_rows(output, k, p_.steps - 1, group_rows),
                          state_rows(hidden_state, k, group_rows),
                          name_ + group_name(k) + "_hidden_state"));
      b_.last_op().source_ops = {index_};
    }
    for (int k = 0; k < groups; ++k) {
      b_.add(b_.byte_copy(final_cell[static_cast<size_t>(k)], state_rows(cell_state, k, group_rows),
                          name_ + group_name(k) + "_cell_state"));
      b_.last_op().source_ops = {index_};
    }
  }

  // The steps of sequence k (its `n` rows per step) from the state rows `hidden` and `cell`;
  // returns where its final cell state is.
  ir::TensorSlice sequence(int k, int n, const ir::TensorSlice* from_input,
                           const ir::TensorSlice& output, const ir::TensorSlice& hidden,
                           ir::TensorSlice cell) {
    const ir::Shape4 row{1, 1, n, p_.units};
    for (int t = 0; t < p_.steps; ++t) {
      const std::string step = k > 0 ? fmt::format("b{}_t{}_", k, t) : fmt::format("t{}_", t);
      ir::TensorSlice act[4];
      for (int g = 0; g < 4; ++g) {
        ir::TensorSlice in_row{from_input[g].tensor, {0, 0, input_row(k, t), 0}, row};
        const ir::TensorSlice rec =
            map(step + fmt::format("g{}_recurrent", g), ir::DataType::kInt16, row);
        fully_connected(t > 0 ? output_rows(output, k, t - 1, n) : hidden, rec,
                        op_.inputs.at(static_cast<size_t>(kRecurrentWeights + g)), -1,
                        p_.recurrent_rec[g], step + fmt::format("g{}_recurrent", g));
        const ir::TensorSlice pre =
            map(step + fmt::format("g{}_sum", g), ir::DataType::kInt16, row);
        elementwise(ir::NpuOpType::kAdd, in_row, rec, pre, {1, 0},
                    step + fmt::format("g{}_sum", g));
        act[g] = map(step + fmt::format("g{}", g), ir::DataType::kInt16, row);
        const bool tanh = g == kCellGate;
        function(pre, act[g], tanh ? ir::Activation::Kind::kTanh : ir::Activation::Kind::kSigmoid,
                 3, 0, step + fmt::format("g{}", g));
      }
      const ir::TensorSlice added = map(step + "added", ir::DataType::kInt16, row);
      elementwise(ir::NpuOpType::kMul, act[kInputGate], act[kCellGate], added,
                  record(p_.input_cell_m), step + "added");
      const ir::TensorSlice kept = map(step + "kept", ir::DataType::kInt16, row);
      elementwise(ir::NpuOpType::kMul, act[kForgetGate], cell, kept, record(p_.forget_cell_m),
                  step + "kept");
      const ir::TensorSlice next = map(step + "cell", ir::DataType::kInt16, row);
      elementwise(ir::NpuOpType::kAdd, kept, added, next, {1, 0}, step + "cell");
      if (p_.cell_clip > 0)
        b_.last_op().activation = {ir::Activation::Kind::kClamp, -p_.cell_clip, p_.cell_clip, -1};
      cell = next;
      const ir::TensorSlice squashed = map(step + "cell_tanh", ir::DataType::kInt16, row);
      function(cell, squashed, ir::Activation::Kind::kTanh, p_.tanh_multiplier, p_.tanh_shift,
               step + "cell_tanh");
      elementwise(ir::NpuOpType::kMul, squashed, act[kOutputGate], output_rows(output, k, t, n),
                  record(p_.hidden_m), step + "hidden");
    }
    return cell;
  }

 private:
  static std::pair<uint32_t, int> record(const QuantMultiplier& m) {
    return {static_cast<uint32_t>(m.significand), kHighMulBits - m.shift};
  }

  std::string group_name(int k) const { return k > 0 ? fmt::format("_b{}", k) : std::string(); }

  // The linear row (of the input and the output sequence) of sequence k's first row at step t.
  int input_row(int k, int t) const { return p_.time_major ? t * p_.batches : k * p_.steps + t; }

  // The n output rows of sequence k at step t: linear rows of the output's [1, H, W, units]
  // (one batch: [1, T, units] or [T, 1, units]; several: [T, B, units] or [B, T, units]), which
  // never cross an H row.
  ir::TensorSlice output_rows(const ir::TensorSlice& output, int k, int t, int n) const {
    const ir::Shape4& s = output.shape;
    const int r = input_row(k, t);
    return {output.tensor, output.offset + ir::Shape4{0, r / s.w, r % s.w, 0}, {1, 1, n, p_.units}};
  }

  // Rows k * n .. k * n + n - 1 of a state tensor ([B, units]; one batch: the whole tensor).
  ir::TensorSlice state_rows(const ir::TensorSlice& state, int k, int n) const {
    if (p_.batches == 1)
      return state;
    return {state.tensor, state.offset + ir::Shape4{0, 0, k * n, 0}, {1, 1, n, p_.units}};
  }

  ir::TensorSlice map(const std::string& suffix, ir::DataType type, const ir::Shape4& shape) {
    return {b_.add_feature_map(name_ + "_" + suffix, type, shape), {0, 0, 0, 0}, shape};
  }

  void fully_connected(const ir::TensorSlice& in, const ir::TensorSlice& out, int weights, int bias,
                       std::pair<uint32_t, int> scale, const std::string& what) {
    ir::NpuOp op;
    op.type = ir::NpuOpType::kFullyConnected;
    op.ifm = in;
    op.ofm = out;
    op.weights = b_.tensor(weights);
    op.bias = bias >= 0 ? b_.tensor(bias) : -1;
    op.explicit_scale = scale;
    // 16x8: the command stream sets NATURAL for an int16 IFM without an int32 bias.
    op.rounding = p_.wide ? ir::RoundingMode::kNatural : ir::RoundingMode::kTfl;
    op.name = name_ + "_" + what;
    op.source_ops = {index_};
    b_.add(std::move(op));
  }

  void elementwise(ir::NpuOpType type, const ir::TensorSlice& a, const ir::TensorSlice& b,
                   const ir::TensorSlice& out, std::pair<uint32_t, int> scale,
                   const std::string& what) {
    ir::NpuOp op;
    op.type = type;
    op.ifm = a;
    op.ifm2 = b;
    op.ofm = out;
    op.explicit_scale = scale;
    op.rounding = ir::RoundingMode::kTfl;
    op.name = name_ + "_" + what;
    op.source_ops = {index_};
    b_.add(std::move(op));
  }

  // The built-in SIGMOID or TANH of (x * multiplier) >> shift (rounded half up), on a 1x1
  // average pool (as the int16 LOGISTIC and TANH operators).
  void function(const ir::TensorSlice& in, const ir::TensorSlice& out, ir::Activation::Kind kind,
                int32_t multiplier, int shift, const std::string& what) {
    ir::NpuOp op;
    op.type = ir::NpuOpType::kAvgPool;
    op.ifm = in;
    op.ofm = out;
    op.explicit_scale = std::make_pair(static_cast<uint32_t>(multiplier), shift);
    op.rounding = ir::RoundingMode::kNatural;
    op.activation.kind = kind;
    op.name = name_ + "_" + what;
    op.source_ops = {index_};
    b_.add(std::move(op));
  }

  SegmentBuilder& b_;
  const ir::Operator& op_;
  int index_;
  Params p_;
  std::string name_;
};

}  // namespace

std::optional<std::string> lstm_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  return refusal(params_of(model, sg, sg.operators.at(op_index)));
}

void lower_lstm(SegmentBuilder& b, const ir::Operator& op, int index) {
  Lowering(b, op, index, accepted(params_of(b.model(), b.subgraph(), op), op, index)).lower();
}

}  // namespace euc::frontend
