#include "frontend/lowering/lower_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.hpp"
#include "frontend/lowering/join_split.hpp"
#include "frontend/lowering/quantization.hpp"
#include "frontend/lowering/requantize.hpp"
#include "refmath/quant_math.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

// A fused activation as a clamp in the OFM's quantised domain, computed as TFLite Micro does
// (CalculateActivationRangeQuantized: zero point + round(limit / scale) in float, clamped to
// the type's range). Its quantized kernels clamp a fused TANH or SIGN_BIT to the type's range
// only, as NONE: no function is applied. nullopt for values outside the enumeration.
std::optional<ir::Activation> fused_activation(tflite::ActivationFunctionType f,
                                               const ir::NpuTensor& ofm) {
  auto [qmin, qmax] = ir::integer_range(ofm.type);
  auto quantize = [&](float real) -> int32_t {
    float scaled = real / static_cast<float>(ofm.quant.scale);
    // A tiny OFM scale puts a limit far outside every integer range (it then clamps nothing);
    // limiting it first keeps the conversions defined without changing any in-range result.
    const double rounded =
        std::isnan(scaled) ? 0.0 : std::clamp(std::round(double{scaled}), -1e12, 1e12);
    const int64_t q = ofm.quant.zero_point + static_cast<int64_t>(rounded);
    return static_cast<int32_t>(std::clamp<int64_t>(q, INT32_MIN, INT32_MAX));
  };
  ir::Activation act;
  act.kind = ir::Activation::Kind::kClamp;
  act.min = qmin;
  act.max = qmax;
  switch (f) {
    case tflite::ActivationFunctionType::NONE:
    case tflite::ActivationFunctionType::TANH:
    case tflite::ActivationFunctionType::SIGN_BIT:
      act.kind = ir::Activation::Kind::kNone;
      break;
    case tflite::ActivationFunctionType::RELU:
      act.min = std::max(qmin, quantize(0.0f));
      break;
    case tflite::ActivationFunctionType::RELU6:
      act.min = std::max(qmin, quantize(0.0f));
      act.max = std::min(qmax, quantize(6.0f));
      break;
    case tflite::ActivationFunctionType::RELU_N1_TO_1:
      act.min = std::max(qmin, quantize(-1.0f));
      act.max = std::min(qmax, quantize(1.0f));
      break;
    default:
      return std::nullopt;
  }
  return act;
}

// TFLite's explicit padding for SAME (extra row/column at the bottom/right) and VALID.
std::pair<int, int> same_padding(int in, int out, int stride, int dilated_kernel) {
  int total = std::max((out - 1) * stride + dilated_kernel - in, 0);
  return {total / 2, total - total / 2};
}

ir::Padding padding_for(tflite::Padding mode, const ir::Shape4& ifm, const ir::Shape4& ofm,
                        const ir::Kernel& k) {
  ir::Padding p;
  if (mode != tflite::Padding::SAME)
    return p;
  auto [top, bottom] = same_padding(ifm.h, ofm.h, k.stride_y, (k.height - 1) * k.dilation_y + 1);
  auto [left, right] = same_padding(ifm.w, ofm.w, k.stride_x, (k.width - 1) * k.dilation_x + 1);
  return {top, left, bottom, right};
}

// The NPU has no IFM width or height register: it reads the columns and rows the OFM's windows
// cover, (ofm - 1) * stride + dilated kernel - leading padding, and pads the rest. Trailing
// padding the windows never reach (a strided VALID convolution behind a folded PAD, say) must
// not count, or the last real columns would be taken for padding.
void trim_trailing_padding(ir::NpuOp& op) {
  const ir::Kernel& k = op.kernel;
  auto used = [](int ofm, int stride, int kernel, int dilation, int ifm, int lead) {
    return std::max(0, (ofm - 1) * stride + (kernel - 1) * dilation + 1 - ifm - lead);
  };
  op.padding.bottom = std::min(
      op.padding.bottom,
      used(op.ofm.shape.h, k.stride_y, k.height, k.dilation_y, op.ifm.shape.h, op.padding.top));
  op.padding.right = std::min(
      op.padding.right,
      used(op.ofm.shape.w, k.stride_x, k.width, k.dilation_x, op.ifm.shape.w, op.padding.left));
}

// The NPU dilates kernels by 1 or 2 only (KERNEL_STRIDE holds dilation - 1 in one bit per
// axis). A larger dilation d becomes a larger kernel with zero weights between the taps: with
// dilation 2 and every (d / 2)th tap for an even d, dilation 1 and every dth tap for an odd one.
// The products with zero weights add nothing, so the result is unchanged.
void spread_dilated_kernel(SegmentBuilder& b, ir::NpuOp& op) {
  ir::Kernel& k = op.kernel;
  if (k.dilation_x <= 2 && k.dilation_y <= 2)
    return;
  auto factor = [](int d) { return d <= 2 ? 1 : (d % 2 == 0 ? d / 2 : d); };
  const int fy = factor(k.dilation_y), fx = factor(k.dilation_x);
  const ir::NpuTensor& w = b.lowered(op.weights);
  const int o = w.weight_shape[0], h = w.weight_shape[1], wd = w.weight_shape[2],
            i = w.weight_shape[3];
  const int nh = (h - 1) * fy + 1, nw = (wd - 1) * fx + 1;
  auto data = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(o) * nh * nw * i, 0);
  // A zero weight is the weight zero point of its output channel (the first axis of OHWI, the
  // last of a depthwise [1, H, W, C]).
  const std::vector<int64_t>& zps = w.channel_zero_points;
  const bool per_last_axis = op.type == ir::NpuOpType::kDepthwiseConv2D;
  for (int a = 0; a < o; ++a) {
    for (int t = 0; t < nh * nw; ++t) {
      for (int c = 0; c < i; ++c) {
        const size_t channel = static_cast<size_t>(per_last_axis ? c : a);
        const int64_t zp = zps.empty() ? 0 : zps[zps.size() == 1 ? 0 : channel % zps.size()];
        (*data)[(static_cast<size_t>(a) * nh * nw + t) * i + c] = static_cast<uint8_t>(zp);
      }
    }
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < wd; ++x) {
        for (int c = 0; c < i; ++c) {
          (*data)[((static_cast<size_t>(a) * nh + y * fy) * nw + x * fx) * i + c] =
              (*w.data)[((static_cast<size_t>(a) * h + y) * wd + x) * i + c];
        }
      }
    }
  }
  ir::NpuTensor spread = w;
  spread.data = std::move(data);
  spread.weight_shape = {o, nh, nw, i};
  spread.network_tensor = -1;
  spread.name = w.name + "_spread";
  op.weights = b.add_constant(std::move(spread));
  k.height = nh;
  k.width = nw;
  if (fy > 1)
    k.dilation_y = k.dilation_y % 2 == 0 ? 2 : 1;
  if (fx > 1)
    k.dilation_x = k.dilation_x % 2 == 0 ? 2 : 1;
}

[[noreturn]] void cannot_lower(const ir::Operator& op, int index, std::string_view why) {
  throw_input(fmt::format("operator {} ({}) cannot be lowered to the NPU: {}", index,
                          ir::operator_display_name(op), why));
}

// `ifm` is the network tensor read as the IFM (the operator's first input unless a folded PAD
// moves the read to the PAD's input).
ir::NpuOp base_op(SegmentBuilder& b, const ir::Operator& op, int index, ir::NpuOpType type,
                  int ifm = -1) {
  ir::NpuOp out;
  out.type = type;
  out.ifm = b.whole(ifm >= 0 ? ifm : op.inputs.at(0));
  out.ofm = b.whole(op.outputs.at(0));
  out.source_ops = {index};
  out.name = b.network_tensor(op.outputs.at(0)).name;
  return out;
}

void set_activation(SegmentBuilder& b, ir::NpuOp& out, const ir::Operator& op, int index,
                    tflite::ActivationFunctionType f) {
  auto act = fused_activation(f, b.lowered(out.ofm.tensor));
  if (!act)
    cannot_lower(op, index, "unknown fused activation");
  out.activation = *act;
}

}  // namespace

std::optional<ir::Activation> fused_activation_clamp(int function, const ir::NpuTensor& ofm) {
  return fused_activation(static_cast<tflite::ActivationFunctionType>(function), ofm);
}

void lower_convolution(SegmentBuilder& b, const ir::Operator& op, int index) {
  bool depthwise = op.type == ir::BuiltinOp::DEPTHWISE_CONV_2D;
  // A folded PAD: read the PAD's input and pad in the convolution instead (the NPU pads with the
  // IFM zero point, which is what TFLite's PAD writes). The PAD's output is never materialised.
  const FoldedPad* pad = b.folded_pad(op.inputs.at(0));
  ir::NpuOp out =
      base_op(b, op, index, depthwise ? ir::NpuOpType::kDepthwiseConv2D : ir::NpuOpType::kConv2D,
              pad != nullptr ? pad->input : -1);
  // The padded shape the convolution's own SAME/VALID padding refers to.
  const ir::Shape4 padded_ifm =
      pad != nullptr ? to_shape4(b.network_tensor(op.inputs.at(0)).shape) : out.ifm.shape;
  out.weights = b.tensor(op.inputs.at(1));
  if (op.inputs.size() > 2 && op.inputs[2] >= 0)
    out.bias = b.tensor(op.inputs[2]);
  const ir::NpuTensor& w = b.lowered(out.weights);
  if (w.weight_shape.size() != 4)
    cannot_lower(op, index, "weights are not 4-D");
  out.kernel.height = w.weight_shape[1];
  out.kernel.width = w.weight_shape[2];
  // Conv2DOptions and DepthwiseConv2DOptions share the fields lowering needs.
  auto read = [&](const auto* o) {
    if (o == nullptr)
      cannot_lower(op, index, "missing options");
    out.kernel.stride_x = o->stride_w();
    out.kernel.stride_y = o->stride_h();
    out.kernel.dilation_x = o->dilation_w_factor();
    out.kernel.dilation_y = o->dilation_h_factor();
    return std::make_pair(o->padding(), o->fused_activation_function());
  };
  auto [padding, act] = depthwise
                            ? read(tfl::builtin_options_as<tflite::DepthwiseConv2DOptions>(op))
                            : read(tfl::builtin_options_as<tflite::Conv2DOptions>(op));
  // A depthwise convolution of a single input channel with a depth multiplier is an ordinary
  // convolution: the NPU's depthwise mode needs equal IFM and OFM depths. Its [1, H, W, M]
  // weights become OHWI [M, H, W, 1].
  if (depthwise && out.ifm.shape.c == 1 && out.ofm.shape.c > 1) {
    const ir::NpuTensor& dw = b.lowered(out.weights);
    ir::NpuTensor conv = dw;
    const int h = dw.weight_shape[1], w = dw.weight_shape[2], m = dw.weight_shape[3];
    auto data = std::make_shared<std::vector<uint8_t>>(dw.data->size());
    for (int c = 0; c < m; ++c) {
      for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
          (*data)[(static_cast<size_t>(c) * h + y) * w + x] =
              (*dw.data)[(static_cast<size_t>(y) * w + x) * m + c];
        }
      }
    }
    conv.data = std::move(data);
    conv.weight_shape = {m, h, w, 1};
    conv.network_tensor = -1;
    conv.name = dw.name + "_as_conv";
    out.weights = b.add_constant(std::move(conv));
    out.type = ir::NpuOpType::kConv2D;
  }
  out.padding = padding_for(padding, padded_ifm, out.ofm.shape, out.kernel);
  spread_dilated_kernel(b, out);
  if (pad != nullptr) {
    out.padding.top += pad->padding.top;
    out.padding.left += pad->padding.left;
    out.padding.bottom += pad->padding.bottom;
    out.padding.right += pad->padding.right;
  }
  trim_trailing_padding(out);
  set_activation(b, out, op, index, act);
  b.add(std::move(out));
}

void lower_fully_connected(SegmentBuilder& b, const ir::Operator& op, int index) {
  ir::NpuOp out = base_op(b, op, index, ir::NpuOpType::kFullyConnected);
  out.weights = b.tensor(op.inputs.at(1));
  if (op.inputs.size() > 2 && op.inputs[2] >= 0)
    out.bias = b.tensor(op.inputs[2]);
  const auto& w = b.lowered(out.weights);
  if (w.weight_shape.size() != 2)
    cannot_lower(op, index, "weights are not 2-D");
  // The NPU computes a vector product per OFM pixel: batch rows become pixels along W.
  int in_depth = w.weight_shape[1];
  int64_t batch = b.lowered(out.ifm.tensor).shape.elements() / in_depth;
  out.ifm.shape = {1, 1, static_cast<int>(batch), in_depth};
  out.ofm.shape = {1, 1, static_cast<int>(batch), w.weight_shape[0]};
  const auto* o = tfl::builtin_options_as<tflite::FullyConnectedOptions>(op);
  if (o == nullptr)
    cannot_lower(op, index, "missing options");
  set_activation(b, out, op, index, o->fused_activation_function());
  b.add(std::move(out));
}

std::optional<std::string> fully_connected_quantization_why_not(const ir::Subgraph& sg,
                                                                const ir::Operator& op) {
  auto valid = [&](int t) { return t >= 0 && static_cast<size_t>(t) < sg.tensors.size(); };
  if (op.inputs.size() < 2 || op.outputs.empty() || !valid(op.inputs[0]) || !valid(op.inputs[1]) ||
      !valid(op.outputs[0]))
    return "FULLY_CONNECTED needs an input, weights and an output";
  // One scale and zero point for the feature maps (the NPU's IFM and OFM registers).
  for (int t : {op.inputs[0], op.outputs[0]}) {
    const ir::Tensor& x = sg.tensors[static_cast<size_t>(t)];
    if (x.quantization &&
        (x.quantization->scale.size() > 1 || x.quantization->zero_point.size() > 1))
      return fmt::format("the feature map '{}' is quantised per axis", x.name);
  }
  // Per-channel weights: one scale per output channel (axis 0 of [out, in]), zero points 0 (the
  // kernel applies one weight offset to every channel).
  const ir::Tensor& w = sg.tensors[static_cast<size_t>(op.inputs[1])];
  if (!w.quantization || w.quantization->scale.size() <= 1)
    return std::nullopt;
  const ir::Quantization& q = *w.quantization;
  if (w.shape.size() != 2 || q.quantized_dimension != 0 ||
      q.scale.size() != static_cast<size_t>(w.shape[0]))
    return fmt::format(
        "the weights '{}' are quantised per axis along axis {}, not one scale per "
        "output channel",
        w.name, q.quantized_dimension);
  for (int64_t z : q.zero_point) {
    if (z != 0)
      return fmt::format("the per-channel weights '{}' have a non-zero zero point {}", w.name, z);
  }
  return std::nullopt;
}

void lower_pooling(SegmentBuilder& b, const ir::Operator& op, int index) {
  bool average = op.type == ir::BuiltinOp::AVERAGE_POOL_2D;
  ir::NpuOp out =
      base_op(b, op, index, average ? ir::NpuOpType::kAvgPool : ir::NpuOpType::kMaxPool);
  const auto* o = tfl::builtin_options_as<tflite::Pool2DOptions>(op);
  if (o == nullptr)
    cannot_lower(op, index, "missing options");
  out.kernel.width = o->filter_width();
  out.kernel.height = o->filter_height();
  out.kernel.stride_x = o->stride_w();
  out.kernel.stride_y = o->stride_h();
  out.padding = padding_for(o->padding(), out.ifm.shape, out.ofm.shape, out.kernel);
  trim_trailing_padding(out);
  set_activation(b, out, op, index, o->fused_activation_function());
  b.add(std::move(out));
}

void lower_elementwise(SegmentBuilder& b, const ir::Operator& op, int index) {
  ir::NpuOpType type;
  tflite::ActivationFunctionType act = tflite::ActivationFunctionType::NONE;
  switch (op.type) {
    case ir::BuiltinOp::ADD:
      type = ir::NpuOpType::kAdd;
      if (const auto* o = tfl::builtin_options_as<tflite::AddOptions>(op)) {
        act = o->fused_activation_function();
      }
      break;
    case ir::BuiltinOp::SUB:
      type = ir::NpuOpType::kSub;
      if (const auto* o = tfl::builtin_options_as<tflite::SubOptions>(op)) {
        act = o->fused_activation_function();
      }
      break;
    case ir::BuiltinOp::MUL:
      type = ir::NpuOpType::kMul;
      if (const auto* o = tfl::builtin_options_as<tflite::MulOptions>(op)) {
        act = o->fused_activation_function();
      }
      break;
    case ir::BuiltinOp::MINIMUM:
      type = ir::NpuOpType::kMinimum;
      break;
    case ir::BuiltinOp::MAXIMUM:
      type = ir::NpuOpType::kMaximum;
      break;
    default:
      cannot_lower(op, index, "no lowering for this operator yet");
  }
  ir::NpuOp out = base_op(b, op, index, type);
  out.ifm2 = b.whole(op.inputs.at(1));
  // The NPU broadcasts only its second operand: a broadcast first operand swaps places.
  if (!(out.ifm.shape == out.ofm.shape)) {
    std::swap(out.ifm, out.ifm2);
    out.reversed_operands = true;
  }
  set_activation(b, out, op, index, act);
  b.add(std::move(out));
}

void lower_reshape(SegmentBuilder& b, const ir::Operator& op, int index, bool input_produced) {
  // NHWC bytes do not move in a reshape: the output shares the input's storage. (A reshape of a
  // segment input that is needed after the segment becomes a copy when the segment is finished.)
  (void)index;
  (void)input_produced;
  b.alias(op.outputs.at(0), op.inputs.at(0));
}

namespace {

// QUANTIZE between 8- and 16-bit integer types with per-tensor quantisation (a rescale).
bool is_rescale(const ir::Subgraph& sg, const ir::Operator& op) {
  if (op.inputs.size() != 1 || op.outputs.size() != 1 || op.inputs[0] < 0)
    return false;
  auto integer = [](ir::DataType t) {
    return t == ir::DataType::kInt8 || t == ir::DataType::kInt16;
  };
  auto per_tensor = [](const ir::Tensor& t) {
    return t.quantization && t.quantization->scale.size() == 1 &&
           t.quantization->zero_point.size() <= 1 && std::isfinite(t.quantization->scale[0]) &&
           t.quantization->scale[0] > 0;
  };
  const ir::Tensor& in = sg.tensors[op.inputs[0]];
  const ir::Tensor& out = sg.tensors[op.outputs[0]];
  return integer(in.type) && integer(out.type) && per_tensor(in) && per_tensor(out) &&
         in.shape.size() <= 4 && in.num_elements() == out.num_elements();
}

}  // namespace

void lower_quantize(SegmentBuilder& b, const ir::Operator& op, int index) {
  // TFLite Micro requantizes each value: out = zp_out + MultiplyByQuantizedMultiplier(in - zp_in,
  // QuantizeMultiplier(scale_in / scale_out)). A 1x1 average pool with that multiplier and shift
  // as its global scale computes exactly that.
  ir::NpuOp out = base_op(b, op, index, ir::NpuOpType::kAvgPool);
  const double in_scale = static_cast<float>(b.lowered(out.ifm.tensor).quant.scale);
  const double out_scale = static_cast<float>(b.lowered(out.ofm.tensor).quant.scale);
  auto [significand, shift] = tflite_multiplier(in_scale / out_scale);
  if (31 - shift < 0 || 31 - shift > 63)
    cannot_lower(op, index, "rescale outside the output stage's shift range");
  out.ofm.shape = out.ifm.shape;
  out.explicit_scale = std::make_pair(static_cast<uint32_t>(significand), 31 - shift);
  b.add(std::move(out));
}

void lower_relu(SegmentBuilder& b, const ir::Operator& op, int index) {
  // TFLite's RELU requantizes, then clamps: out = clamp(zp_out + MultiplyByQuantizedMultiplier(
  // in - zp_in, QuantizeMultiplier(scale_in / scale_out)), max(type min, zp_out), type max), the
  // scale ratio divided in float32. A 1x1 average pool with that multiplier and shift as its
  // global scale and the clamp as its activation computes exactly that.
  ir::NpuOp out = base_op(b, op, index, ir::NpuOpType::kAvgPool);
  const ir::NpuTensor& ofm = b.lowered(out.ofm.tensor);
  const float ratio = static_cast<float>(b.lowered(out.ifm.tensor).quant.scale) /
                      static_cast<float>(ofm.quant.scale);
  auto [significand, shift] = tflite_multiplier(static_cast<double>(ratio));
  if (31 - shift < 0 || 31 - shift > 63)
    cannot_lower(op, index, "rescale outside the output stage's shift range");
  out.ofm.shape = out.ifm.shape;
  out.explicit_scale = std::make_pair(static_cast<uint32_t>(significand), 31 - shift);
  const auto [lo, hi] = ir::integer_range(ofm.type);
  out.activation.kind = ir::Activation::Kind::kClamp;
  out.activation.min = std::max<int32_t>(lo, ofm.quant.zero_point);
  out.activation.max = hi;
  b.add(std::move(out));
}

namespace {

// Fused activations the output stage applies: every function of the enumeration (TFLite
// Micro's quantized kernels apply TANH and SIGN_BIT as NONE, see fused_activation).
std::optional<std::string> fused_activation_problem(tflite::ActivationFunctionType f) {
  if (f >= tflite::ActivationFunctionType::MIN && f <= tflite::ActivationFunctionType::MAX)
    return std::nullopt;
  return fmt::format("unknown fused activation {}", static_cast<int>(f));
}

template <class Options>
std::optional<std::string> fused_problem(const ir::Operator& op) {
  const auto* o = tfl::builtin_options_as<Options>(op);
  if (o == nullptr)
    return "the operator has no options of its type";
  return fused_activation_problem(o->fused_activation_function());
}

}  // namespace

std::optional<std::string> convolution_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  std::optional<std::string> problem = op.type == ir::BuiltinOp::CONV_2D
                                           ? fused_problem<tflite::Conv2DOptions>(op)
                                       : op.type == ir::BuiltinOp::DEPTHWISE_CONV_2D
                                           ? fused_problem<tflite::DepthwiseConv2DOptions>(op)
                                           : fused_problem<tflite::FullyConnectedOptions>(op);
  if (problem)
    return problem;
  if (op.type == ir::BuiltinOp::FULLY_CONNECTED) {
    if (auto why = fully_connected_quantization_why_not(sg, op))
      return why;
  }
  // The bias goes into the scale records, so it must be constant data (TFLite also allows a
  // computed or variable bias; such an operator stays on the CPU).
  if (op.inputs.size() >= 3 && op.inputs[2] >= 0 &&
      model.tensor_data(sg.tensors[op.inputs[2]]).empty())
    return fmt::format(
        "the bias '{}' is not constant data (the NPU reads it from its scale records)",
        sg.tensors[op.inputs[2]].name);
  return std::nullopt;
}

std::optional<std::string> pooling_why_not(const ir::Model& model, int subgraph, int op_index) {
  return fused_problem<tflite::Pool2DOptions>(model.subgraphs.at(subgraph).operators.at(op_index));
}

namespace {

// TFLite's quantised ADD and SUB bring both inputs to twice the larger input scale, shifted
// left by 20 bits (15 for int16), and rescale the sum to the output with a multiplier that
// its kernels require to be below 1 (TFLite Micro checks it when it prepares the operator and
// stops). An operator whose output scale is so small that the multiplier reaches 1 cannot run
// in the original model either, so it stays on the CPU, where it fails as before. ADD forms
// the ratio in double, SUB forms twice the larger scale in float first.
std::optional<std::string> add_sub_rescale_problem(const ir::Subgraph& sg, const ir::Operator& op) {
  const ir::Tensor& out = sg.tensors[op.outputs.at(0)];
  if (out.type != ir::DataType::kInt8 && out.type != ir::DataType::kInt16)
    return std::nullopt;
  const ir::Tensor& a = sg.tensors[op.inputs[0]];
  const ir::Tensor& b = sg.tensors[op.inputs[1]];
  if (!per_tensor(a) || !per_tensor(b) || !per_tensor(out))
    return std::nullopt;  // the quantisation checks of the lowering report these
  const int left_shift = out.type == ir::DataType::kInt16 ? 15 : 20;
  const float larger = std::max(scale_of(a), scale_of(b));
  const double twice_max = op.type == ir::BuiltinOp::ADD ? 2.0 * static_cast<double>(larger)
                                                         : static_cast<double>(2.0f * larger);
  const double real =
      twice_max / (static_cast<double>(1 << left_shift) * static_cast<double>(scale_of(out)));
  if (!(real > 0.0) || refmath::quantize_multiplier(real).shift <= 0)
    return std::nullopt;
  return fmt::format(
      "its output rescale 2*max(input scales)/(2^{}*output scale) = {:.6g} is not below 1: "
      "TFLite's {} kernel rejects this quantisation of '{}' when it prepares the operator",
      left_shift, real, ir::builtin_op_name(op.type), out.name);
}

// TFLite's integer MUL rescales the product (x - zx) * (y - zy) with a multiplier whose
// shift, where the output scale is below the product of the input scales, is applied first as
// a 32-bit left shift: large products wrap, where the NPU saturates.
std::optional<std::string> mul_rescale_problem(const ir::Subgraph& sg, const ir::Operator& op) {
  const ir::Tensor& out = sg.tensors[op.outputs.at(0)];
  const ir::Tensor& a = sg.tensors[op.inputs[0]];
  const ir::Tensor& b = sg.tensors[op.inputs[1]];
  if ((a.type != ir::DataType::kInt8 && a.type != ir::DataType::kInt16) || !per_tensor(a) ||
      !per_tensor(b) || !per_tensor(out))
    return std::nullopt;  // the quantisation checks of the lowering report these
  const double real = static_cast<double>(scale_of(a)) * static_cast<double>(scale_of(b)) /
                      static_cast<double>(scale_of(out));
  if (!(real > 0.0))
    return std::nullopt;
  const int shift = refmath::quantize_multiplier(real).shift;
  auto largest = [](const ir::Tensor& t) {
    const auto [lo, hi] = ir::integer_range(t.type);
    const int64_t zp = zero_point_of(t);
    return std::max(std::abs(lo - zp), std::abs(hi - zp));
  };
  const int64_t product = largest(a) * largest(b);
  if (shift <= 0 || (shift < 32 && (product << shift) <= INT32_MAX))
    return std::nullopt;
  return fmt::format(
      "TFLite shifts its product left by {} in 32 bits before the rescale (input scales over the "
      "output scale = {:.6g}): products above {} wrap there, where the NPU saturates",
      shift, real, shift < 32 ? (int64_t{INT32_MAX} >> shift) : 0);
}

}  // namespace

std::optional<std::string> elementwise_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  // Both operands must be feature maps or constants of the OFM's rank.
  if (op.inputs.size() != 2 || op.inputs[0] < 0 || op.inputs[1] < 0)
    return "euc lowers elementwise operators with two operand tensors";
  if (sg.tensors[op.inputs[0]].shape.size() > 4)
    return fmt::format("the first operand '{}' has more than 4 dimensions",
                       sg.tensors[op.inputs[0]].name);
  if (op.type == ir::BuiltinOp::ADD || op.type == ir::BuiltinOp::SUB)
    return add_sub_rescale_problem(sg, op);
  if (op.type == ir::BuiltinOp::MUL)
    return mul_rescale_problem(sg, op);
  return std::nullopt;
}

std::optional<std::string> relu_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  // int8 only: TFLite's int16 RELU does not requantize the same way.
  if (is_rescale(sg, op) && sg.tensors[op.inputs[0]].type == ir::DataType::kInt8 &&
      sg.tensors[op.outputs[0]].type == ir::DataType::kInt8)
    return std::nullopt;
  return "euc lowers RELU between per-tensor quantised int8 tensors (not this one yet)";
}

std::optional<std::string> quantize_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  if (is_rescale(sg, sg.operators.at(op_index)))
    return std::nullopt;
  return "euc lowers QUANTIZE as a rescale between 8- and 16-bit integer types with per-tensor "
         "quantisation (not this one yet)";
}

}  // namespace euc::frontend
