// Recurrent steps: UNIDIRECTIONAL_SEQUENCE_LSTM, int8 (int32 biases) or 16x8 (int16 activations,
// int64 biases), plain cell (no CIFG, peepholes, projection or layer normalisation), with its
// hidden and cell state as variable tensors that start at zero.
#include <cmath>

#include "builder_internal.hpp"

namespace euc::graphgen {

namespace {

// Random int8 weights of a [rows, cols] matrix.
std::vector<int8_t> random_weights(Rng& rng, int rows, int cols) {
  std::vector<int8_t> w(static_cast<size_t>(rows) * static_cast<size_t>(cols));
  for (int8_t& v : w)
    v = static_cast<int8_t>(rng.uniform(-127, 127));
  return w;
}

}  // namespace

// The operand is the sequence: [T, B, I] with flag::kTimeMajor, else [B, T, I]. Weight scales
// aim the gate inputs at a few units of spread (the products of uniform int8 weights have a
// standard deviation of about 73 steps), biases at about half of one; the hidden state and the
// output share one quantisation covering [-1, 1], the cell state has scale 2^ints[0].
bool Builder::apply_lstm(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  if (x.shape.size() != 3 || (x.type != ir::DataType::kInt8 && x.type != ir::DataType::kInt16))
    return false;
  const bool wide = x.type == ir::DataType::kInt16;
  const bool time_major = (s.flags & flag::kTimeMajor) != 0;
  const int steps = time_major ? x.shape[0] : x.shape[1];
  const int batches = time_major ? x.shape[1] : x.shape[0];
  const int in = x.shape[2];
  const int units = std::clamp(s.channels, 1, 64);
  const int power = s.ints.empty() ? -12 : std::clamp(s.ints[0], -15, -11);
  Rng rng(s.data_seed);
  const double x_rms = std::max(1e-3, std::sqrt(x.mean * x.mean + x.spread * x.spread));
  const float h_scale = wide ? static_cast<float>(std::ldexp(rng.real(1.0, 4.0), -15))
                             : static_cast<float>(rng.real(1.0 / 128, 1.0 / 64));
  const int64_t h_zp = wide ? 0 : rng.uniform(-20, 20);

  std::vector<int32_t> inputs(24, -1);
  inputs[0] = x.tensor;
  float input_weight_scale[4];
  for (int k = 1; k <= 8; ++k) {
    const bool recurrent = k > 4;
    const int cols = recurrent ? units : in;
    const double rms = recurrent ? 0.5 : x_rms;
    const double gain = rng.log_real(0.3, 2.0);
    const auto scale =
        static_cast<float>(gain / (73.0 * std::sqrt(static_cast<double>(cols)) * rms));
    if (!recurrent)
      input_weight_scale[k - 1] = scale;
    inputs[static_cast<size_t>(k)] =
        add_constant(step_name(fmt::format("w{}", k).c_str()), {units, cols}, ir::DataType::kInt8,
                     to_bytes(random_weights(rng, units, cols)), {scale}, {0});
  }
  for (int g = 0; g < 4; ++g) {
    const double step_scale = static_cast<double>(x.scale) * input_weight_scale[g];
    std::vector<int64_t> b64(static_cast<size_t>(units));
    std::vector<int32_t> b32(b64.size());
    for (size_t u = 0; u < b64.size(); ++u) {
      const double real = rng.real(-0.7, 0.7);
      b64[u] = std::llround(std::clamp(real / step_scale, -2e9, 2e9));
      b32[u] = static_cast<int32_t>(b64[u]);
    }
    inputs[static_cast<size_t>(12 + g)] =
        add_constant(step_name(fmt::format("b{}", g).c_str()), {units},
                     wide ? ir::DataType::kInt64 : ir::DataType::kInt32,
                     wide ? to_bytes(b64) : to_bytes(b32), {static_cast<float>(step_scale)}, {0});
  }
  auto& tensors = model_.subgraphs[0].tensors;
  const int hidden = add_tensor(step_name("hidden_state"), {batches, units}, x.type, h_scale, h_zp);
  tensors[static_cast<size_t>(hidden)].is_variable = true;
  const int cell = add_tensor(step_name("cell_state"), {batches, units}, ir::DataType::kInt16,
                              static_cast<float>(std::ldexp(1.0, power)), 0);
  tensors[static_cast<size_t>(cell)].is_variable = true;
  inputs[18] = hidden;
  inputs[19] = cell;
  std::vector<int32_t> intermediates;
  for (int k = 0; k < 5; ++k) {
    intermediates.push_back(
        add_tensor(step_name(fmt::format("im{}", k).c_str()), {1}, ir::DataType::kInt16, 1.0f, 0));
  }
  Quant q;
  q.scale = h_scale;
  q.zero_point = h_zp;
  q.mean = 0.0;
  q.spread = 0.4;
  const std::vector<int32_t> out_shape = time_major ? std::vector<int32_t>{steps, batches, units}
                                                    : std::vector<int32_t>{batches, steps, units};
  const Value& out = add_value(out_shape, x.type, q, "lstm");
  tflite::UnidirectionalSequenceLSTMOptionsT o;
  o.fused_activation_function = tflite::ActivationFunctionType::TANH;
  o.cell_clip = (s.flags & flag::kCellClip) != 0 ? std::max(0.0f, s.alpha) : 0.0f;
  o.time_major = time_major;
  emit<tflite::UnidirectionalSequenceLSTMOptions>(ir::BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM,
                                                  inputs, {out.tensor}, o);
  model_.subgraphs[0].operators.back().intermediates = intermediates;
  macs_ += int64_t{steps} * batches * 4 * units * (in + units);
  describe(s, fmt::format("{} units cell 2^{} clip {} {}", units, power, o.cell_clip,
                          time_major ? "time-major" : "batch-major"));
  return true;
}

}  // namespace euc::graphgen
