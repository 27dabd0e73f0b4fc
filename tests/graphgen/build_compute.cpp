// Steps with weights or windows: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED,
// the two pools and MEAN.
#include <algorithm>
#include <cmath>

#include "builder_internal.hpp"

namespace euc::graphgen {
namespace {

// Random int8 weights of `channels` groups of `per_channel` values (the group index is the
// slowest axis when `channel_last` is false, the fastest otherwise), with a scale per group.
// Returns the mean variance of a real weight, which sets the output's spread.
struct Weights {
  std::vector<int8_t> values;
  std::vector<float> scales;
  double variance = 0;
};

Weights random_weights(Rng& rng, int channels, int64_t per_channel, bool channel_last,
                       bool per_axis);

// Weights scaled so that the output's real values spread by about `target` (as in trained
// networks, where normalisation keeps activations of order 1) for inputs of mean square `x2`.
Weights scaled_weights(Rng& rng, int channels, int64_t per_channel, bool channel_last,
                       bool per_axis, double x2, double target) {
  Weights w = random_weights(rng, channels, per_channel, channel_last, per_axis);
  const double spread = std::sqrt(static_cast<double>(per_channel) * x2 * w.variance);
  const double k = spread > 0 ? target / spread : 1.0;
  for (float& s : w.scales)
    s = static_cast<float>(s * k);
  w.variance *= k * k;
  return w;
}

Weights random_weights(Rng& rng, int channels, int64_t per_channel, bool channel_last,
                       bool per_axis) {
  Weights w;
  w.values.resize(static_cast<size_t>(channels * per_channel));
  const double base = rng.log_real(0.002, 0.05);
  std::vector<int> magnitude(static_cast<size_t>(channels));
  w.scales.resize(static_cast<size_t>(per_axis ? channels : 1));
  for (int c = 0; c < channels; ++c) {
    magnitude[c] = per_axis ? rng.uniform(8, 127) : 127;
    if (per_axis || c == 0)
      w.scales[c] = static_cast<float>(base * rng.log_real(0.5, 2.0));
  }
  for (int64_t i = 0; i < channels * per_channel; ++i) {
    const int c = static_cast<int>(channel_last ? i % channels : i / per_channel);
    const int m = magnitude[c];
    w.values[static_cast<size_t>(i)] = static_cast<int8_t>(rng.uniform(-m, m));
  }
  for (int c = 0; c < channels; ++c) {
    const double s = w.scales[per_axis ? c : 0] * magnitude[c];
    w.variance += s * s / 3.0;
  }
  w.variance /= channels;
  return w;
}

// Bias values of about `fraction` of the output spread, in the accumulator's units.
std::vector<int64_t> random_bias(Rng& rng, int channels, double spread, double input_scale,
                                 const std::vector<float>& weight_scales, double fraction) {
  std::vector<int64_t> out(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    const double ws = weight_scales[weight_scales.size() == 1 ? 0 : c];
    const double real = rng.real(-fraction, fraction) * spread;
    out[c] = static_cast<int64_t>(std::llround(real / (input_scale * ws)));
    out[c] = std::clamp<int64_t>(out[c], -(int64_t{1} << 30), int64_t{1} << 30);
  }
  return out;
}

std::vector<uint8_t> bias_bytes(const std::vector<int64_t>& values, ir::DataType input) {
  if (input == ir::DataType::kInt16)
    return to_bytes(values);
  std::vector<int32_t> narrow(values.begin(), values.end());
  return to_bytes(narrow);
}

}  // namespace

// TFLite's kernels rescale the accumulator by input scale x weight scale / output scale with a
// left shift when that ratio is above 1, in 32 bits for int8 (the shifted accumulator
// overflows) and with a shift below 8 for int16 (a DCHECK of the int64 multiplier): models
// outside that range have no defined reference result. The output scale is raised to keep the
// ratio at most 1 (int8) or 64 (int16), which trained models always meet.
Builder::Quant Builder::bounded_rescale(Quant q, const Value& x,
                                        const std::vector<float>& weight_scales) const {
  float largest = 0;
  for (float w : weight_scales)
    largest = std::max(largest, w);
  const double limit = x.type == ir::DataType::kInt16 ? 64.0 : 1.0;
  const double least = static_cast<double>(x.scale) * largest / limit;
  if (static_cast<double>(q.scale) < least)
    q.scale = static_cast<float>(least * 1.0001);
  return q;
}

bool Builder::apply_conv(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  if (x.shape.size() != 4)
    return false;
  const int n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  int kh = std::max(1, s.kh), kw = std::max(1, s.kw);
  int dh = std::max(1, s.dilation_h), dw = std::max(1, s.dilation_w);
  const int sh = std::max(1, s.stride_h), sw = std::max(1, s.stride_w);
  if (!s.same) {
    fit_valid(h, kh, dh);
    fit_valid(w, kw, dw);
  }
  const int oh = window_output(h, kh, sh, dh, s.same), ow = window_output(w, kw, sw, dw, s.same);
  const int oc = std::max(1, s.channels);
  if (oh <= 0 || ow <= 0)
    return false;
  Rng rng(s.data_seed);
  const int64_t fan_in = int64_t{kh} * kw * c;
  const double x2 = x.mean * x.mean + x.spread * x.spread;
  Weights wt = scaled_weights(rng, oc, fan_in, false, true, x2, rng.log_real(0.5, 4.0));
  const double spread = std::sqrt(static_cast<double>(fan_in) * x2 * wt.variance);
  const auto bias = random_bias(rng, oc, spread, x.scale, wt.scales, 0.5);
  const Quant q = bounded_rescale(choose_quant(s, x.type, 0.0, spread * 1.1, s.act), x, wt.scales);
  int weights = add_constant(step_name("weights"), {oc, kh, kw, c}, ir::DataType::kInt8,
                             to_bytes(wt.values), wt.scales, {}, 0);
  int b = -1;
  if (s.has_bias) {
    const auto bt = x.type == ir::DataType::kInt16 ? ir::DataType::kInt64 : ir::DataType::kInt32;
    std::vector<float> bias_scales;
    for (float ws : wt.scales)
      bias_scales.push_back(ws * x.scale);
    b = add_constant(step_name("bias"), {oc}, bt, bias_bytes(bias, x.type), bias_scales, {}, 0);
  }
  const Value& out = add_value({n, oh, ow, oc}, x.type, q, "conv");
  tflite::Conv2DOptionsT o;
  o.padding = s.same ? tflite::Padding::SAME : tflite::Padding::VALID;
  o.stride_h = sh;
  o.stride_w = sw;
  o.dilation_h_factor = dh;
  o.dilation_w_factor = dw;
  o.fused_activation_function = tflite_act(s.act);
  emit<tflite::Conv2DOptions>(ir::BuiltinOp::CONV_2D, {x.tensor, weights, b}, {out.tensor}, o);
  macs_ += out.elements() * fan_in;
  describe(s,
           fmt::format("{}x{} stride {}x{} dilation {}x{} {} {}{}", kh, kw, sh, sw, dh, dw,
                       s.same ? "SAME" : "VALID", act_name(s.act), s.has_bias ? "" : " no-bias"));
  return true;
}

// TRANSPOSE_CONV (int8: TFLite Micro's int16x8 kernel is not in the reference interpreter)
// with stride 1 or 2 in both axes and the output size Vela takes: SAME stride x IFM, VALID
// stride x IFM + max(kernel - stride, 0).
bool Builder::apply_transpose_conv(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  if (x.shape.size() != 4 || x.type != ir::DataType::kInt8)
    return false;
  const int n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  const int kh = std::clamp(s.kh, 1, 5), kw = std::clamp(s.kw, 1, 5);
  const int st = std::clamp(s.stride_h, 1, 2);
  auto out_size = [&](int in, int k) { return s.same ? in * st : in * st + std::max(k - st, 0); };
  const int oh = out_size(h, kh), ow = out_size(w, kw);
  const int oc = std::max(1, s.channels);
  Rng rng(s.data_seed);
  // Each output sums about kh kw c / stride^2 products.
  const int64_t fan_in = std::max<int64_t>(1, int64_t{kh} * kw * c / (st * st));
  const double x2 = x.mean * x.mean + x.spread * x.spread;
  Weights wt =
      scaled_weights(rng, oc, int64_t{kh} * kw * c, false, true, x2, rng.log_real(0.5, 4.0));
  const double spread = std::sqrt(static_cast<double>(fan_in) * x2 * wt.variance);
  const auto bias = random_bias(rng, oc, spread, x.scale, wt.scales, 0.5);
  const Quant q = bounded_rescale(choose_quant(s, x.type, 0.0, spread * 1.1, s.act), x, wt.scales);
  const int shape = add_int32_constant(step_name("output_shape"), {n, oh, ow, oc});
  int weights = add_constant(step_name("weights"), {oc, kh, kw, c}, ir::DataType::kInt8,
                             to_bytes(wt.values), wt.scales, {}, 0);
  std::vector<int32_t> inputs = {shape, weights, x.tensor};
  if (s.has_bias) {
    std::vector<float> bias_scales;
    for (float ws : wt.scales)
      bias_scales.push_back(ws * x.scale);
    inputs.push_back(add_constant(step_name("bias"), {oc}, ir::DataType::kInt32,
                                  bias_bytes(bias, x.type), bias_scales, {}, 0));
  }
  const Value& out = add_value({n, oh, ow, oc}, x.type, q, "tconv");
  tflite::TransposeConvOptionsT o;
  o.padding = s.same ? tflite::Padding::SAME : tflite::Padding::VALID;
  o.stride_h = st;
  o.stride_w = st;
  o.fused_activation_function = tflite_act(s.act);
  emit<tflite::TransposeConvOptions>(ir::BuiltinOp::TRANSPOSE_CONV, inputs, {out.tensor}, o);
  macs_ += int64_t{h} * w * c * kh * kw * oc;
  describe(s, fmt::format("{}x{} stride {} {} {}{}", kh, kw, st, s.same ? "SAME" : "VALID",
                          act_name(s.act), s.has_bias ? "" : " no-bias"));
  return true;
}

bool Builder::apply_depthwise(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  if (x.shape.size() != 4)
    return false;
  const int n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  int kh = std::max(1, s.kh), kw = std::max(1, s.kw);
  int dh = std::max(1, s.dilation_h), dw = std::max(1, s.dilation_w);
  const int sh = std::max(1, s.stride_h), sw = std::max(1, s.stride_w);
  if (!s.same) {
    fit_valid(h, kh, dh);
    fit_valid(w, kw, dw);
  }
  const int oh = window_output(h, kh, sh, dh, s.same), ow = window_output(w, kw, sw, dw, s.same);
  const int mult = std::max(1, s.channels);
  const int oc = c * mult;
  if (oh <= 0 || ow <= 0)
    return false;
  Rng rng(s.data_seed);
  const int64_t fan_in = int64_t{kh} * kw;
  const double x2 = x.mean * x.mean + x.spread * x.spread;
  Weights wt = scaled_weights(rng, oc, fan_in, true, true, x2, rng.log_real(0.5, 4.0));
  const double spread = std::sqrt(static_cast<double>(fan_in) * x2 * wt.variance);
  const auto bias = random_bias(rng, oc, spread, x.scale, wt.scales, 0.5);
  const Quant q = bounded_rescale(choose_quant(s, x.type, 0.0, spread * 1.1, s.act), x, wt.scales);
  int weights = add_constant(step_name("weights"), {1, kh, kw, oc}, ir::DataType::kInt8,
                             to_bytes(wt.values), wt.scales, {}, 3);
  int b = -1;
  if (s.has_bias) {
    const auto bt = x.type == ir::DataType::kInt16 ? ir::DataType::kInt64 : ir::DataType::kInt32;
    std::vector<float> bias_scales;
    for (float ws : wt.scales)
      bias_scales.push_back(ws * x.scale);
    b = add_constant(step_name("bias"), {oc}, bt, bias_bytes(bias, x.type), bias_scales, {}, 0);
  }
  const Value& out = add_value({n, oh, ow, oc}, x.type, q, "dwconv");
  tflite::DepthwiseConv2DOptionsT o;
  o.padding = s.same ? tflite::Padding::SAME : tflite::Padding::VALID;
  o.stride_h = sh;
  o.stride_w = sw;
  o.dilation_h_factor = dh;
  o.dilation_w_factor = dw;
  o.depth_multiplier = mult;
  o.fused_activation_function = tflite_act(s.act);
  emit<tflite::DepthwiseConv2DOptions>(ir::BuiltinOp::DEPTHWISE_CONV_2D, {x.tensor, weights, b},
                                       {out.tensor}, o);
  macs_ += out.elements() * fan_in;
  describe(s, fmt::format("{}x{} stride {}x{} dilation {}x{} multiplier {} {} {}{}", kh, kw, sh, sw,
                          dh, dw, mult, s.same ? "SAME" : "VALID", act_name(s.act),
                          s.has_bias ? "" : " no-bias"));
  return true;
}

bool Builder::apply_fully_connected(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  if (x.shape.empty())
    return false;
  const bool flatten = (s.flags & flag::kFlatten) != 0 || x.shape.size() == 1;
  const int64_t elements = x.elements();
  const int64_t in_depth = flatten ? elements : x.shape.back();
  if (in_depth > 65535)
    return false;
  const int64_t rows = elements / in_depth;
  const int units = std::max(1, s.channels);
  const bool keep = !flatten && (s.flags & flag::kKeepNumDims) != 0;
  std::vector<int32_t> shape;
  if (keep) {
    shape = x.shape;
    shape.back() = units;
  } else {
    shape = {static_cast<int32_t>(rows), units};
  }
  Rng rng(s.data_seed);
  const double x2 = x.mean * x.mean + x.spread * x.spread;
  const bool per_channel = (s.flags & flag::kPerChannel) != 0;
  Weights wt = scaled_weights(rng, units, in_depth, false, per_channel, x2, rng.log_real(0.5, 4.0));
  const double spread = std::sqrt(static_cast<double>(in_depth) * x2 * wt.variance);
  const auto bias = random_bias(rng, units, spread, x.scale, wt.scales, 0.5);
  const Quant q = bounded_rescale(choose_quant(s, x.type, 0.0, spread * 1.1, s.act), x, wt.scales);
  int weights = add_constant(step_name("weights"), {units, static_cast<int32_t>(in_depth)},
                             ir::DataType::kInt8, to_bytes(wt.values), wt.scales, {}, 0);
  int b = -1;
  if (s.has_bias) {
    const auto bt = x.type == ir::DataType::kInt16 ? ir::DataType::kInt64 : ir::DataType::kInt32;
    std::vector<float> bias_scales;
    for (float ws : wt.scales)
      bias_scales.push_back(ws * x.scale);
    b = add_constant(step_name("bias"), {units}, bt, bias_bytes(bias, x.type), bias_scales, {}, 0);
  }
  const Value& out = add_value(shape, x.type, q, "fc");
  tflite::FullyConnectedOptionsT o;
  o.fused_activation_function = tflite_act(s.act);
  o.keep_num_dims = keep;
  emit<tflite::FullyConnectedOptions>(ir::BuiltinOp::FULLY_CONNECTED, {x.tensor, weights, b},
                                      {out.tensor}, o);
  macs_ += rows * in_depth * units;
  describe(s,
           fmt::format("depth {} units {}{}{}{} {}{}", in_depth, units, flatten ? " flatten" : "",
                       keep ? " keep_num_dims" : "", per_channel ? " per-channel" : "",
                       act_name(s.act), s.has_bias ? "" : " no-bias"));
  return true;
}

bool Builder::apply_batch_matmul(const Step& s) {
  if (s.src.empty() || s.src.size() > 2)
    return false;
  const Value x = *value(s.src[0]);
  if (x.type != ir::DataType::kInt8 || x.shape.size() < 2 || x.shape.size() > 4)
    return false;
  const bool adj_x = (s.flags & flag::kAdjX) != 0, adj_y = (s.flags & flag::kAdjY) != 0;
  const bool constant = (s.flags & flag::kConstRhs) != 0;
  if (constant != (s.src.size() == 1))
    return false;
  const size_t xr = x.shape.size();
  const int rows = adj_x ? x.shape[xr - 1] : x.shape[xr - 2];
  const int depth = adj_x ? x.shape[xr - 2] : x.shape[xr - 1];
  std::vector<int32_t> x_batch(x.shape.begin(), x.shape.end() - 2);
  Rng rng(s.data_seed);
  int rhs = -1, cols = 0;
  float rhs_scale = 1.0f;
  double r2 = 1.0;  // mean square of a real right-hand value
  std::vector<int32_t> batch;
  if (constant) {
    cols = std::clamp(s.channels, 1, 64);
    std::vector<int32_t> shape =
        (s.flags & flag::kBroadcastRhs) != 0 ? std::vector<int32_t>{} : x_batch;
    shape.push_back(adj_y ? cols : depth);
    shape.push_back(adj_y ? depth : cols);
    int64_t count = 1;
    for (int32_t d : shape)
      count *= d;
    std::vector<int8_t> values(static_cast<size_t>(count));
    for (int8_t& v : values)
      v = static_cast<int8_t>(rng.uniform(-127, 127));
    const int zp = rng.uniform(-20, 20);
    rhs_scale = static_cast<float>(rng.log_real(0.002, 0.05));
    r2 = rhs_scale * rhs_scale * (127.0 * 127.0 / 3.0 + zp * zp);
    rhs = add_constant(step_name("rhs"), shape, ir::DataType::kInt8, to_bytes(values), {rhs_scale},
                       {zp}, 0);
    batch = x_batch;
  } else {
    const Value y = *value(s.src[1]);
    if (y.type != ir::DataType::kInt8 || y.shape.size() < 2 || y.shape.size() > 4)
      return false;
    const size_t yr = y.shape.size();
    if ((adj_y ? y.shape[yr - 1] : y.shape[yr - 2]) != depth)
      return false;
    cols = adj_y ? y.shape[yr - 2] : y.shape[yr - 1];
    // Batch dimensions, right-aligned, broadcast where one side is 1.
    const size_t rank = std::max(xr, yr) - 2;
    for (size_t d = 0; d < rank; ++d) {
      const int32_t a = d + xr - 2 >= rank ? x.shape[d + xr - 2 - rank] : 1;
      const int32_t b = d + yr - 2 >= rank ? y.shape[d + yr - 2 - rank] : 1;
      if (a != b && a != 1 && b != 1)
        return false;
      batch.push_back(std::max(a, b));
    }
    rhs = y.tensor;
    rhs_scale = y.scale;
    r2 = y.mean * y.mean + y.spread * y.spread;
  }
  int64_t batches = 1;
  for (int32_t d : batch)
    batches *= d;
  // The NPU form of a feature-map right-hand side takes two operations per output column.
  if (!constant && batches * cols > 96)
    return false;
  std::vector<int32_t> shape = batch;
  shape.push_back(rows);
  shape.push_back(cols);
  const double x2 = x.mean * x.mean + x.spread * x.spread;
  const double spread = std::sqrt(static_cast<double>(depth) * x2 * r2);
  const Quant q =
      bounded_rescale(choose_quant(s, x.type, 0.0, spread * 1.1, Act::kNone), x, {rhs_scale});
  const Value& out = add_value(shape, x.type, q, "bmm");
  tflite::BatchMatMulOptionsT o;
  o.adj_x = adj_x;
  o.adj_y = adj_y;
  emit<tflite::BatchMatMulOptions>(ir::BuiltinOp::BATCH_MATMUL, {x.tensor, rhs}, {out.tensor}, o);
  macs_ += out.elements() * depth;
  describe(s, fmt::format("{}x{} depth {}{}{}{}", rows, cols, depth, adj_x ? " adj_x" : "",
                          adj_y ? " adj_y" : "", constant ? " constant" : ""));
  return true;
}

bool Builder::apply_svdf(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  if (x.type != ir::DataType::kInt8 || x.shape.size() != 2)
    return false;
  const int batches = x.shape[0], inputs = x.shape[1];
  const int units = std::clamp(s.channels, 1, 64);
  const int rank = std::clamp(s.kh, 1, 4);
  const int memory = std::clamp(s.kw, 1, 16);
  const int filters = units * rank, run = rank * memory;
  const bool wide = (s.flags & flag::kInt16State) != 0;
  const ir::DataType state_type = wide ? ir::DataType::kInt16 : ir::DataType::kInt8;
  if (static_cast<int64_t>(batches) * filters * memory > 65536)
    return false;
  Rng rng(s.data_seed);
  std::vector<int8_t> wf(static_cast<size_t>(filters) * inputs);
  for (int8_t& v : wf)
    v = static_cast<int8_t>(rng.uniform(-127, 127));
  const float wf_scale = static_cast<float>(rng.log_real(0.002, 0.05));
  const int feature = add_constant(step_name("feature"), {filters, inputs}, ir::DataType::kInt8,
                                   to_bytes(wf), {wf_scale}, {0});
  // The time weights: int16 ones small enough that TFLite's int32 sums cannot overflow.
  const int time_max = wide ? std::max(1, std::min(32767, 58000 / run)) : 127;
  const float wt_scale = static_cast<float>(rng.log_real(0.002, 0.05));
  std::vector<int16_t> wt(static_cast<size_t>(filters) * memory);
  for (int16_t& v : wt)
    v = static_cast<int16_t>(rng.uniform(-time_max, time_max));
  std::vector<uint8_t> wt_bytes;
  if (wide) {
    wt_bytes = to_bytes(wt);
  } else {
    for (int16_t v : wt)
      wt_bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(v)));
  }
  const int time = add_constant(step_name("time"), {filters, memory}, state_type,
                                std::move(wt_bytes), {wt_scale}, {0});
  // The state holds the feature projections: about 4 standard deviations of them in its range,
  // and a rescale below 1 (the NPU's MBQM).
  const double x2 = x.mean * x.mean + x.spread * x.spread;
  const double feature_spread =
      std::sqrt(static_cast<double>(inputs) * x2 * wf_scale * wf_scale * 127.0 * 127.0 / 3.0);
  float state_scale =
      static_cast<float>(4.0 * feature_spread / (wide ? 32767.0 : 127.0) * s.scale_factor);
  state_scale = std::max({state_scale, x.scale * wf_scale * 1.01f, 1e-6f});
  const int64_t state_zp = wide ? 0 : rng.uniform(-20, 20);
  const int state = add_tensor(step_name("state"), {batches, filters * memory}, state_type,
                               state_scale, state_zp);
  model_.subgraphs[0].tensors[static_cast<size_t>(state)].is_variable = true;
  int bias = -1;
  if (s.has_bias) {
    std::vector<int32_t> b(static_cast<size_t>(units));
    for (int32_t& v : b)
      v = rng.uniform(-1000, 1000);
    bias = add_constant(step_name("bias"), {units}, ir::DataType::kInt32, to_bytes(b),
                        {state_scale * wt_scale}, {0});
  }
  const double out_spread = std::sqrt(static_cast<double>(run) * feature_spread * feature_spread *
                                      wt_scale * wt_scale * time_max * time_max / 3.0);
  // TFLite's integer SVDF ignores the fused activation: the output is not clamped by it.
  Quant q = choose_quant(s, ir::DataType::kInt8, 0.0, out_spread, Act::kNone);
  q.scale = std::max(q.scale, state_scale * wt_scale * 1.01f);
  const Value& out = add_value({batches, units}, ir::DataType::kInt8, q, "svdf");
  tflite::SVDFOptionsT o;
  o.rank = rank;
  o.fused_activation_function = tflite_act(s.act);
  emit<tflite::SVDFOptions>(ir::BuiltinOp::SVDF, {x.tensor, feature, time, bias, state},
                            {out.tensor}, o);
  macs_ += static_cast<int64_t>(batches) * filters * (inputs + memory);
  describe(s, fmt::format("units {} rank {} memory {}{}{} {}", units, rank, memory,
                          wide ? " int16" : "", s.has_bias ? "" : " no-bias", act_name(s.act)));
  return true;
}

bool Builder::apply_pool(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  if (x.shape.size() != 4)
    return false;
  const bool average = s.op == Op::kAvgPool;
  const int n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  int kh = std::max(1, s.kh), kw = std::max(1, s.kw), one = 1, one2 = 1;
  const int sh = std::max(1, s.stride_h), sw = std::max(1, s.stride_w);
  if (!s.same) {
    fit_valid(h, kh, one);
    fit_valid(w, kw, one2);
  }
  const int oh = window_output(h, kh, sh, 1, s.same), ow = window_output(w, kw, sw, 1, s.same);
  if (oh <= 0 || ow <= 0)
    return false;
  // Pooling keeps the input's quantisation (TFLite's pooling kernels require it).
  Quant q;
  q.scale = x.scale;
  q.zero_point = x.zero_point;
  const double k = static_cast<double>(kh) * kw;
  q.mean = average ? x.mean : x.mean + 0.5 * x.spread * std::log2(k + 1);
  q.spread = average ? x.spread / std::sqrt(k) : x.spread * 0.7;
  const Value& out = add_value({n, oh, ow, c}, x.type, q, average ? "avgpool" : "maxpool");
  tflite::Pool2DOptionsT o;
  o.padding = s.same ? tflite::Padding::SAME : tflite::Padding::VALID;
  o.stride_h = sh;
  o.stride_w = sw;
  o.filter_height = kh;
  o.filter_width = kw;
  o.fused_activation_function = tflite_act(s.act);
  emit<tflite::Pool2DOptions>(average ? ir::BuiltinOp::AVERAGE_POOL_2D : ir::BuiltinOp::MAX_POOL_2D,
                              {x.tensor}, {out.tensor}, o);
  macs_ += out.elements() * kh * kw;
  describe(s, fmt::format("{}x{} stride {}x{} {} {}", kh, kw, sh, sw, s.same ? "SAME" : "VALID",
                          act_name(s.act)));
  return true;
}

// MEAN, SUM, REDUCE_MAX or REDUCE_MIN (Step::axis 0-3) over the axes in Step::ints (height and
// width when empty; the order given, negative when flagged).
bool Builder::apply_mean(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  if (x.shape.size() != 4 || s.axis < 0 || s.axis > 3)
    return false;
  const bool keep = (s.flags & flag::kKeepDims) != 0;
  const bool negative = (s.flags & flag::kNegativeAxes) != 0;
  std::vector<int32_t> axes = s.ints.empty() ? std::vector<int32_t>{1, 2} : s.ints;
  bool reduced[4] = {false, false, false, false};
  for (int32_t& a : axes) {
    if (a < 0 || a > 3)
      return false;
    reduced[a] = true;
    if (negative)
      a -= 4;
  }
  if (s.swap_operands)
    std::reverse(axes.begin(), axes.end());
  std::vector<int32_t> shape;
  int64_t count = 1;
  for (int k = 0; k < 4; ++k) {
    if (reduced[k])
      count *= x.shape[static_cast<size_t>(k)];
    if (!reduced[k] || keep)
      shape.push_back(reduced[k] ? 1 : x.shape[static_cast<size_t>(k)]);
  }
  static constexpr ir::BuiltinOp kTypes[] = {ir::BuiltinOp::MEAN, ir::BuiltinOp::SUM,
                                             ir::BuiltinOp::REDUCE_MAX, ir::BuiltinOp::REDUCE_MIN};
  const ir::BuiltinOp type = kTypes[s.axis];
  Quant q;
  if (type == ir::BuiltinOp::REDUCE_MAX || type == ir::BuiltinOp::REDUCE_MIN) {
    // The values are copied: the input's quantisation.
    q.scale = x.scale;
    q.zero_point = x.zero_point;
    q.mean = x.mean + (type == ir::BuiltinOp::REDUCE_MAX ? 1.0 : -1.0) * x.spread;
    q.spread = x.spread * 0.5;
  } else if (type == ir::BuiltinOp::SUM) {
    const double n = static_cast<double>(count);
    q = choose_quant(s, x.type, x.mean * n, x.spread * std::sqrt(n), Act::kNone);
  } else {
    // Channel means differ by about a third of the spread (biases of the producers).
    q = choose_quant(s, x.type, x.mean, x.spread * 0.35, Act::kNone);
  }
  if (shape.empty())
    shape.push_back(1);
  int axis = add_int32_constant(step_name("axes"), axes);
  const Value& out = add_value(shape, x.type, q, type == ir::BuiltinOp::MEAN ? "mean" : "reduce");
  tflite::ReducerOptionsT o;
  o.keep_dims = keep;
  emit<tflite::ReducerOptions>(type, {x.tensor, axis}, {out.tensor}, o);
  macs_ += x.elements();
  describe(s, fmt::format("{} axes {}{}", ir::builtin_op_name(type), shape_text(axes),
                          keep ? " keep_dims" : ""));
  return true;
}

}  // namespace euc::graphgen
