// UNIDIRECTIONAL_SEQUENCE_LSTM, integer paths: int8 input and hidden state with int32 biases,
// or int16 input and hidden state with int64 biases (16x8); int8 weights and an int16 cell state
// with a power-of-two scale in both. Each gate is two fully connected products (input and
// recurrent) into Q3.12 int16, added with saturation and passed through the int16 sigmoid or
// tanh; the cell and hidden updates are int16 multiplies requantised with the gate scale 2^-15.
// The 16x8 gate products accumulate in 64 bits and rescale with the 64-bit accumulator variant
// of the quantised multiply (16-bit significand, one rounding shift), as TFLite's int16 fully
// connected kernel does; the multiplies of the cell and hidden updates are the 32-bit kind in
// both paths. No peepholes, projection or layer normalisation.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <type_traits>

#include "refinterp/arith.hpp"
#include "refinterp/kernels.hpp"
#include "tables/sigmoid_table.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

// Tensor roles of the operator's 24 inputs.
enum LstmInput {
  kInput = 0,
  kInputWeights = 1,      // + gate: input, forget, cell, output
  kRecurrentWeights = 5,  // + gate
  kBias = 12,             // + gate
  kHiddenState = 18,
  kCellState = 19,
};
enum Gate { kInputGate = 0, kForgetGate = 1, kCellGate = 2, kOutputGate = 3 };

struct GateFc {
  std::vector<int8_t> input_weights, recurrent_weights;  // [state, input] and [state, state]
  std::vector<int64_t> bias;
  QuantMultiplier input_m, recurrent_m;
};

struct LstmParams {
  int batches, steps, input_size, state_size;
  bool time_major;
  int input_index, hidden_index, cell_index, output_index;
  int32_t input_offset, hidden_offset, hidden_zp;
  GateFc gates[4];
  int cell_scale_power;
  int16_t cell_clip;  // 0: no clipping
  QuantMultiplier forget_cell_m, input_cell_m, hidden_m;
};

int16_t saturate16(int32_t v) {
  return static_cast<int16_t>(std::clamp(v, -32768, 32767));
}

// Interpolated int16 sigmoid/tanh of TFLite's reference kernels; input scaled by
// (x * multiplier + round) >> shift to 1/(24 * 512) steps (tanh: 1/(24 * 256)).
int16_t sigmoid16(int16_t x) {
  const int32_t v = x * 3;
  const auto a = static_cast<uint32_t>(std::abs(v));
  const uint32_t i = a >> 9;
  uint32_t r = i >= 255
                   ? 0x7FFFu << 10
                   : (uint32_t{tables::kSigmoidTable[i]} << 9) +
                         (a & 0x1ff) * (tables::kSigmoidTable[i + 1] - tables::kSigmoidTable[i]);
  r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
  return static_cast<int16_t>(r >> 10);
}

int16_t tanh16(int16_t x, int32_t multiplier, int shift) {
  const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;
  const int32_t v = (x * multiplier + round) >> shift;
  const auto a = static_cast<uint32_t>(std::abs(v));
  const uint32_t i = a >> 8;
  int32_t r = i >= 255 ? 0xFFFF << 8
                       : static_cast<int32_t>((uint32_t{tables::kSigmoidTable[i]} << 8) +
                                              (a & 0xff) * (tables::kSigmoidTable[i + 1] -
                                                            tables::kSigmoidTable[i]));
  r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
  return static_cast<int16_t>(r >> 8);
}

// tanh of a value with scale 2^power: the table input needs Q3.12 * 3.
void tanh_params(int power, int32_t* multiplier, int* shift) {
  int s = 15 + power - 3;
  if (s < 0) {
    *multiplier = 3;
    *shift = -s;
  } else {
    *multiplier = 3 << s;
    *shift = 0;
  }
}

// One gate product rescaled to Q3.12: int8 activations accumulate in 32 bits (and the bias is
// int32), int16 activations in 64 bits with the 64-bit rescale.
template <class Act>
int16_t gate_product(const Act* x, int32_t x_offset, const int8_t* w, int n, int64_t bias,
                     const QuantMultiplier& m) {
  if constexpr (std::is_same_v<Act, int8_t>) {
    int32_t acc = 0;
    for (int i = 0; i < n; ++i)
      acc += w[i] * (x[i] + x_offset);
    acc += static_cast<int32_t>(bias);
    return saturate16(multiply_by_quantized_multiplier(acc, m));
  } else {
    int64_t acc = 0;
    for (int i = 0; i < n; ++i)
      acc += int64_t{w[i]} * (x[i] + x_offset);
    acc += bias;
    return saturate16(multiply_by_quantized_multiplier(acc, m.significand, m.shift));
  }
}

template <class Act>
void run(const LstmParams& p, TensorArena& arena) {
  constexpr int32_t kMin = std::numeric_limits<Act>::min();
  constexpr int32_t kMax = std::numeric_limits<Act>::max();
  auto input = arena.in<Act>(p.input_index);
  auto hidden = arena.out<Act>(p.hidden_index);
  auto cell = arena.out<int16_t>(p.cell_index);
  auto output = arena.out<Act>(p.output_index);
  const int n = p.state_size;
  std::vector<int16_t> gate[4];
  for (auto& g : gate)
    g.resize(static_cast<size_t>(n));
  int32_t gate_tanh_m = 0, cell_tanh_m = 0;
  int gate_tanh_s = 0, cell_tanh_s = 0;
  tanh_params(-12, &gate_tanh_m, &gate_tanh_s);
  tanh_params(p.cell_scale_power, &cell_tanh_m, &cell_tanh_s);
  for (int b = 0; b < p.batches; ++b)
    for (int t = 0; t < p.steps; ++t) {
      const size_t in_off =
          static_cast<size_t>(p.time_major ? t * p.batches + b : b * p.steps + t) * p.input_size;
      const size_t out_off =
          static_cast<size_t>(p.time_major ? t * p.batches + b : b * p.steps + t) * n;
      const Act* x = &input[in_off];
      Act* h = &hidden[static_cast<size_t>(b) * n];
      int16_t* c = &cell[static_cast<size_t>(b) * n];
      for (int g = 0; g < 4; ++g) {
        const GateFc& q = p.gates[g];
        for (int i = 0; i < n; ++i) {
          const int16_t from_input = gate_product(
              x, p.input_offset, &q.input_weights[static_cast<size_t>(i) * p.input_size],
              p.input_size, q.bias[static_cast<size_t>(i)], q.input_m);
          const int16_t from_state =
              gate_product(h, p.hidden_offset, &q.recurrent_weights[static_cast<size_t>(i) * n], n,
                           0, q.recurrent_m);
          gate[g][static_cast<size_t>(i)] = saturate16(from_input + from_state);
        }
      }
      for (int i = 0; i < n; ++i) {
        const auto k = static_cast<size_t>(i);
        const int16_t in_g = sigmoid16(gate[kInputGate][k]);
        const int16_t forget_g = sigmoid16(gate[kForgetGate][k]);
        const int16_t cell_g = tanh16(gate[kCellGate][k], gate_tanh_m, gate_tanh_s);
        const int16_t out_g = sigmoid16(gate[kOutputGate][k]);
        const int16_t kept =
            saturate16(multiply_by_quantized_multiplier(forget_g * c[i], p.forget_cell_m));
        const int16_t added =
            saturate16(multiply_by_quantized_multiplier(in_g * cell_g, p.input_cell_m));
        int16_t next = saturate16(kept + added);
        if (p.cell_clip > 0)
          next = std::clamp<int16_t>(next, static_cast<int16_t>(-p.cell_clip), p.cell_clip);
        c[i] = next;
        gate[kOutputGate][k] = out_g;
      }
      for (int i = 0; i < n; ++i) {
        const int16_t squashed = tanh16(c[i], cell_tanh_m, cell_tanh_s);
        const int32_t v = multiply_by_quantized_multiplier(
                              squashed * gate[kOutputGate][static_cast<size_t>(i)], p.hidden_m) +
                          p.hidden_zp;
        h[i] = static_cast<Act>(std::clamp(v, kMin, kMax));
        output[out_off + static_cast<size_t>(i)] = h[i];
      }
    }
}

std::vector<int8_t> int8_values(const OpContext& ctx, size_t input) {
  auto bytes = ctx.constant_bytes(input);
  return {reinterpret_cast<const int8_t*>(bytes.data()),
          reinterpret_cast<const int8_t*>(bytes.data()) + bytes.size()};
}

}  // namespace

Kernel prepare_unidirectional_lstm(const OpContext& ctx) {
  ctx.expect_arity(24, 24, 1);
  const ir::Tensor& input = ctx.input(kInput);
  const ir::Tensor& hidden = ctx.input(kHiddenState);
  const ir::Tensor& cell = ctx.input(kCellState);
  const ir::Tensor& output = ctx.output(0);
  ctx.expect_type(input, {ir::DataType::kInt8, ir::DataType::kInt16}, "input");
  ctx.expect_type(hidden, {input.type}, "hidden state");
  ctx.expect_type(cell, {ir::DataType::kInt16}, "cell state");
  ctx.expect_type(output, {input.type}, "output");
  const bool wide = input.type == ir::DataType::kInt16;
  // TFLite quantises 16-bit activations symmetrically; its int16 kernels assume zero point 0.
  ctx.check(!wide || (zero_point_of(input) == 0 && zero_point_of(hidden) == 0 &&
                      zero_point_of(output) == 0),
            "int16 input, hidden state and output need zero point 0");
  ctx.check(hidden.is_variable && cell.is_variable, "hidden and cell states must be variables");
  for (size_t i : {9, 10, 11, 16, 17, 20, 21, 22, 23})
    ctx.check(!ctx.has_input(i),
              fmt::format("input {} (peephole, projection or layer norm) is not supported", i));
  const auto* opt = tfl::builtin_options_as<tflite::UnidirectionalSequenceLSTMOptions>(ctx.op());
  ctx.check(opt != nullptr, "UnidirectionalSequenceLSTMOptions missing");
  ctx.check(input.shape.size() == 3, "input must be 3-D");
  LstmParams p{};
  p.time_major = opt->time_major();
  p.batches = p.time_major ? input.shape[1] : input.shape[0];
  p.steps = p.time_major ? input.shape[0] : input.shape[1];
  p.input_size = input.shape[2];
  ctx.check(hidden.shape.size() == 2, "hidden state must be 2-D");
  p.state_size = hidden.shape[1];
  ctx.check(hidden.num_elements() == static_cast<int64_t>(p.batches) * p.state_size &&
                cell.num_elements() == hidden.num_elements(),
            "state sizes do not match batches * units");
  ctx.check(output.num_elements() == static_cast<int64_t>(p.batches) * p.steps * p.state_size,
            "output size does not match the sequence");
  p.input_index = ctx.input_index(kInput);
  p.hidden_index = ctx.input_index(kHiddenState);
  p.cell_index = ctx.input_index(kCellState);
  p.output_index = ctx.output_index(0);
  p.input_offset = -zero_point_of(input);
  p.hidden_offset = -zero_point_of(hidden);
  p.hidden_zp = zero_point_of(hidden);
  constexpr float kGateInputScale = 1.0f / 4096;    // Q3.12
  constexpr float kGateOutputScale = 1.0f / 32768;  // Q0.15
  for (int g = 0; g < 4; ++g) {
    GateFc& q = p.gates[g];
    const ir::Tensor& wi = ctx.input(kInputWeights + g);
    const ir::Tensor& wr = ctx.input(kRecurrentWeights + g);
    ctx.expect_type(wi, {ir::DataType::kInt8}, "input weights");
    ctx.expect_type(wr, {ir::DataType::kInt8}, "recurrent weights");
    ctx.check(wi.num_elements() == static_cast<int64_t>(p.state_size) * p.input_size &&
                  wr.num_elements() == static_cast<int64_t>(p.state_size) * p.state_size,
              "weight shapes do not match the input and state sizes");
    ctx.check(zero_point_of(wi) == 0 && zero_point_of(wr) == 0, "weights must be symmetric");
    q.input_weights = int8_values(ctx, kInputWeights + g);
    q.recurrent_weights = int8_values(ctx, kRecurrentWeights + g);
    ctx.expect_type(ctx.input(kBias + g), {wide ? ir::DataType::kInt64 : ir::DataType::kInt32},
                    "bias");
    const auto bias = ctx.constant_ints(kBias + g);
    ctx.check(static_cast<int>(bias.size()) == p.state_size, "bias size is not the unit count");
    q.bias.assign(bias.begin(), bias.end());
    // Per-tensor fully connected multipliers: scales multiplied in float, then widened.
    q.input_m = quantize_multiplier(static_cast<double>(scale_of(input) * scale_of(wi)) /
                                    static_cast<double>(kGateInputScale));
    q.recurrent_m = quantize_multiplier(static_cast<double>(scale_of(hidden) * scale_of(wr)) /
                                        static_cast<double>(kGateInputScale));
  }
  // The cell gate's activation is the fused activation; TFLite files can only express TANH.
  ctx.check(opt->fused_activation_function() == tflite::ActivationFunctionType::TANH,
            "only a TANH cell gate is supported");
  const float cell_scale = scale_of(cell);
  const float l = std::log(cell_scale) * (1.0f / std::log(2.0f));
  p.cell_scale_power = static_cast<int>(std::round(l));
  const double clip =
      std::clamp(static_cast<double>(opt->cell_clip()) / cell_scale, -32768.0, 32767.0);
  p.cell_clip = opt->cell_clip() > 0 ? static_cast<int16_t>(clip) : 0;
  p.forget_cell_m =
      quantize_multiplier(static_cast<double>(kGateOutputScale) * static_cast<double>(cell_scale) /
                          static_cast<double>(cell_scale));
  p.input_cell_m =
      quantize_multiplier(static_cast<double>(kGateOutputScale) *
                          static_cast<double>(kGateOutputScale) / static_cast<double>(cell_scale));
  p.hidden_m = quantize_multiplier(static_cast<double>(kGateOutputScale) *
                                   static_cast<double>(kGateOutputScale) /
                                   static_cast<double>(scale_of(hidden)));
  if (wide)
    return [p = std::move(p)](TensorArena& a) { run<int16_t>(p, a); };
  return [p = std::move(p)](TensorArena& a) { run<int8_t>(p, a); };
}

}  // namespace euc::refinterp
