// Constraints every NPU operator must meet (with listed exceptions): tensor ranks, shapes,
// types, quantisation, batch size and fused activations.
#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "frontend/supported/constraint_families.hpp"
#include "frontend/supported/op_view.hpp"

namespace euc::frontend::detail {
namespace {

using ir::BuiltinOp;
using Result = std::optional<std::string>;
using TensorList = std::vector<const ir::Tensor*>;

Result fail_if_any(const TensorList& bad, std::string_view what) {
  if (bad.empty())
    return std::nullopt;
  return fmt::format("{} {}", what, quoted_names(bad));
}

// Vela reads these option fields for the operator; without the table none of them is known.
template <class T>
Result require(const OpView& op, std::string_view table, std::string_view fields) {
  if (op.options<T>() != nullptr)
    return std::nullopt;
  return fmt::format("no {} ({} unknown)", table, fields);
}

Result options_present(const OpView& op) {
  using namespace tflite;
  constexpr std::string_view kPool =
      "padding, stride_w, stride_h, filter_width, filter_height, fused_activation_function";
  switch (op.type()) {
    case BuiltinOp::ADD:
      return require<AddOptions>(op, "AddOptions", "fused_activation_function, pot_scale_int16");
    case BuiltinOp::SUB:
      return require<SubOptions>(op, "SubOptions", "fused_activation_function, pot_scale_int16");
    case BuiltinOp::MUL:
      return require<MulOptions>(op, "MulOptions", "fused_activation_function");
    case BuiltinOp::AVERAGE_POOL_2D:
    case BuiltinOp::MAX_POOL_2D:
      return require<Pool2DOptions>(op, "Pool2DOptions", kPool);
    case BuiltinOp::CONCATENATION:
      return require<ConcatenationOptions>(op, "ConcatenationOptions",
                                           "axis, fused_activation_function");
    case BuiltinOp::CONV_2D:
      return require<Conv2DOptions>(op, "Conv2DOptions",
                                    "padding, strides, dilation, fused_activation_function");
    case BuiltinOp::DEPTHWISE_CONV_2D:
      return require<DepthwiseConv2DOptions>(
          op, "DepthwiseConv2DOptions",
          "padding, strides, depth_multiplier, dilation, fused_activation_function");
    case BuiltinOp::TRANSPOSE_CONV:
      return require<TransposeConvOptions>(op, "TransposeConvOptions", "padding, strides");
    case BuiltinOp::FULLY_CONNECTED:
      return require<FullyConnectedOptions>(
          op, "FullyConnectedOptions",
          "fused_activation_function, weights_format, keep_num_dims, asymmetric_quantize_inputs");
    case BuiltinOp::RESIZE_BILINEAR:
      return require<ResizeBilinearOptions>(op, "ResizeBilinearOptions",
                                            "align_corners, half_pixel_centers");
    case BuiltinOp::RESIZE_NEAREST_NEIGHBOR:
      return require<ResizeNearestNeighborOptions>(op, "ResizeNearestNeighborOptions",
                                                   "align_corners, half_pixel_centers");
    case BuiltinOp::SOFTMAX:
      return require<SoftmaxOptions>(op, "SoftmaxOptions", "beta");
    case BuiltinOp::MEAN:
      return require<ReducerOptions>(op, "ReducerOptions", "keep_dims");
    case BuiltinOp::STRIDED_SLICE:
      return require<StridedSliceOptions>(op, "StridedSliceOptions", "masks, offset");
    case BuiltinOp::SPLIT:
      return require<SplitOptions>(op, "SplitOptions", "num_splits");
    case BuiltinOp::SPLIT_V:
      return require<SplitVOptions>(op, "SplitVOptions", "num_splits");
    case BuiltinOp::PACK:
      return require<PackOptions>(op, "PackOptions", "values_count, axis");
    case BuiltinOp::UNPACK:
      return require<UnpackOptions>(op, "UnpackOptions", "num, axis");
    case BuiltinOp::LEAKY_RELU:
      return require<LeakyReluOptions>(op, "LeakyReluOptions", "alpha");
    case BuiltinOp::ARG_MAX:
      return require<ArgMaxOptions>(op, "ArgMaxOptions", "output_type");
    case BuiltinOp::SHAPE:
      return require<ShapeOptions>(op, "ShapeOptions", "out_type");
    case BuiltinOp::SVDF:
      return require<SVDFOptions>(op, "SVDFOptions", "rank, fused_activation_function");
    case BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM:
      return require<UnidirectionalSequenceLSTMOptions>(
          op, "UnidirectionalSequenceLSTMOptions",
          "fused_activation_function, cell_clip, proj_clip, time_major");
    case BuiltinOp::RESHAPE: {
      // The new shape comes from the options or from a second input.
      const auto* o = op.options<ReshapeOptions>();
      if ((o != nullptr && o->new_shape() != nullptr) || op.num_inputs() > 1)
        return std::nullopt;
      return "no new_shape option and no shape input";
    }
    case BuiltinOp::SQUEEZE: {
      // Vela reads squeeze_dims as a list; an absent list (squeeze every 1) is not accepted.
      const auto* o = op.options<SqueezeOptions>();
      if (o != nullptr && o->squeeze_dims() != nullptr)
        return std::nullopt;
      return "no squeeze_dims option";
    }
    default:
      return std::nullopt;
  }
}

Result no_dynamic_tensors(const OpView& op) {
  TensorList bad;
  for (const TensorList& list : {op.inputs(), op.outputs()}) {
    for (const ir::Tensor* t : list) {
      if (t->shape.empty() && !op.is_constant(*t))
        bad.push_back(t);
    }
  }
  return fail_if_any(bad, "dynamic (scalar, non-constant) tensor(s)");
}

Result shapes_known(const OpView& op) {
  std::vector<std::string> bad;
  for (const TensorList& list : {op.inputs(), op.outputs()}) {
    for (const ir::Tensor* t : list) {
      if (std::any_of(t->shape.begin(), t->shape.end(), [](int32_t d) { return d < 0; }))
        bad.push_back(tensor_str(*t));
    }
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("unknown dimensions in {}", fmt::join(bad, ", "));
}

Result output_not_scalar(const OpView& op) {
  const ir::Tensor* ofm = op.ofm();
  if (ofm == nullptr || !ofm->shape.empty())
    return std::nullopt;
  return fmt::format("output '{}' is a scalar", ofm->name);
}

Result no_scalar_inputs(const OpView& op) {
  TensorList bad;
  for (const ir::Tensor* t : op.inputs()) {
    if (t->shape.empty())
      bad.push_back(t);
  }
  return fail_if_any(bad, "scalar input(s)");
}

Result rank_at_most_4(const OpView& op) {
  std::vector<std::string> bad;
  for (const TensorList& list : {op.inputs(), op.outputs()}) {
    for (const ir::Tensor* t : list) {
      if (t->shape.size() > 4)
        bad.push_back(fmt::format("{} is {}-D", tensor_str(*t), t->shape.size()));
    }
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("{}", fmt::join(bad, ", "));
}

Result quantized(const OpView& op) {
  TensorList bad;
  for (const ir::Tensor* t : op.main_tensors()) {
    if (!has_quantization(*t))
      bad.push_back(t);
  }
  return fail_if_any(bad, "no quantisation on");
}

Result scales_finite(const OpView& op) {
  std::vector<std::string> bad;
  for (const ir::Tensor* t : op.main_tensors()) {
    if (!t->quantization)
      continue;
    for (float s : t->quantization->scale) {
      if (!std::isfinite(s)) {
        bad.push_back(fmt::format("'{}' has scale {}", t->name, s));
        break;
      }
    }
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("{}", fmt::join(bad, ", "));
}

Result scales_in_float32_range(const OpView& op) {
  const ir::Tensor* ofm = op.ofm();
  if (ofm == nullptr || !is_quantized(*ofm))
    return std::nullopt;
  const std::vector<float>& os = ofm->quantization->scale;
  for (float s : os) {
    // Also catches negative scales.
    if (s < FLT_MIN)
      return fmt::format("OFM '{}' scale {:g} is below the smallest normal float32 {:g}", ofm->name,
                         s, FLT_MIN);
  }
  const ir::Tensor* ifm = op.ifm();
  if (ifm == nullptr || !is_quantized(*ifm))
    return std::nullopt;
  const std::vector<float>& is = ifm->quantization->scale;
  size_t n = std::max(is.size(), os.size());
  if (is.size() != n && is.size() != 1)
    return std::nullopt;
  if (os.size() != n && os.size() != 1)
    return std::nullopt;
  for (size_t i = 0; i < n; ++i) {
    float a = is[is.size() == 1 ? 0 : i];
    float b = os[os.size() == 1 ? 0 : i];
    float ratio = a / b;  // in float32, as the hardware scale is derived from it
    if (std::isinf(ratio))
      return fmt::format("IFM scale {:g} / OFM scale {:g} overflows float32", a, b);
  }
  return std::nullopt;
}

Result constants_have_data(const OpView& op) {
  TensorList bad;
  for (const ir::Tensor* t : op.inputs()) {
    if (op.is_constant_by_position(*t) && !op.is_constant(*t))
      bad.push_back(t);
  }
  return fail_if_any(bad, "constant tensor(s) without data:");
}

Result data_types(const OpView& op) {
  std::vector<std::string> bad;
  for (const ir::Tensor* t : op.main_tensors()) {
    switch (t->type) {
      case ir::DataType::kInt8:
      case ir::DataType::kUInt8:
      case ir::DataType::kInt16:
      case ir::DataType::kInt32:
        break;
      default:
        bad.push_back(fmt::format("'{}' is {}", t->name, type_str(t->type)));
    }
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("{}", fmt::join(bad, ", "));
}

Result no_int32(const OpView& op) {
  TensorList bad;
  for (const ir::Tensor* t : op.main_tensors()) {
    if (t->type == ir::DataType::kInt32)
      bad.push_back(t);
  }
  return fail_if_any(bad, "int32 tensor(s)");
}

Result dimensions_in_range(const OpView& op) {
  std::vector<std::string> bad;
  for (const ir::Tensor* t : op.main_tensors()) {
    if (std::any_of(t->shape.begin(), t->shape.end(), [](int32_t d) { return d < 1 || d > 65535; }))
      bad.push_back(tensor_str(*t));
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("dimension outside [1, 65535] in {}", fmt::join(bad, ", "));
}

Result per_tensor_quantization(const OpView& op) {
  TensorList bad;
  for (const ir::Tensor* t : op.main_tensors()) {
    if (is_per_axis(*t))
      bad.push_back(t);
  }
  return fail_if_any(bad, "per-axis quantisation on");
}

Result batch_one(const OpView& op) {
  std::vector<std::string> bad;
  for (const ir::Tensor* t : op.ifms()) {
    int32_t batch = shape4(t->shape)[0];
    if (batch != 1)
      bad.push_back(fmt::format("'{}' has batch {}", t->name, batch));
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("{}", fmt::join(bad, ", "));
}

// The fused activation of operators whose options carry one.
std::optional<tflite::ActivationFunctionType> fused_activation(const OpView& op) {
  using namespace tflite;
  switch (op.type()) {
    case BuiltinOp::ADD:
      if (const auto* o = op.options<AddOptions>())
        return o->fused_activation_function();
      break;
    case BuiltinOp::SUB:
      if (const auto* o = op.options<SubOptions>())
        return o->fused_activation_function();
      break;
    case BuiltinOp::MUL:
      if (const auto* o = op.options<MulOptions>())
        return o->fused_activation_function();
      break;
    case BuiltinOp::AVERAGE_POOL_2D:
    case BuiltinOp::MAX_POOL_2D:
      if (const auto* o = op.options<Pool2DOptions>())
        return o->fused_activation_function();
      break;
    case BuiltinOp::CONCATENATION:
      if (const auto* o = op.options<ConcatenationOptions>())
        return o->fused_activation_function();
      break;
    case BuiltinOp::CONV_2D:
      if (const auto* o = op.options<Conv2DOptions>())
        return o->fused_activation_function();
      break;
    case BuiltinOp::DEPTHWISE_CONV_2D:
      if (const auto* o = op.options<DepthwiseConv2DOptions>())
        return o->fused_activation_function();
      break;
    case BuiltinOp::TRANSPOSE_CONV:
      if (const auto* o = op.options<TransposeConvOptions>())
        return o->fused_activation_function();
      break;
    case BuiltinOp::FULLY_CONNECTED:
      if (const auto* o = op.options<FullyConnectedOptions>())
        return o->fused_activation_function();
      break;
    case BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM:
      if (const auto* o = op.options<UnidirectionalSequenceLSTMOptions>())
        return o->fused_activation_function();
      break;
    default:
      break;
  }
  return std::nullopt;
}

std::string activation_name(tflite::ActivationFunctionType a) {
  const char* name = tflite::EnumNameActivationFunctionType(a);
  return name != nullptr && *name != '\0' ? name : fmt::format("#{}", static_cast<int>(a));
}

Result fused_activation_supported(const OpView& op) {
  auto act = fused_activation(op);
  if (!act)
    return std::nullopt;
  switch (*act) {
    case tflite::ActivationFunctionType::NONE:
    case tflite::ActivationFunctionType::RELU:
    case tflite::ActivationFunctionType::RELU_N1_TO_1:
    case tflite::ActivationFunctionType::RELU6:
    case tflite::ActivationFunctionType::TANH:
      return std::nullopt;
    default:
      return fmt::format("fused activation {}", activation_name(*act));
  }
}

Result fused_activation_output_type(const OpView& op) {
  auto act = fused_activation(op);
  const ir::Tensor* ofm = op.ofm();
  if (!act || *act == tflite::ActivationFunctionType::NONE || ofm == nullptr)
    return std::nullopt;
  switch (ofm->type) {
    case ir::DataType::kInt8:
    case ir::DataType::kUInt8:
    case ir::DataType::kInt16:
      return std::nullopt;
    default:
      return fmt::format("fused {} with {} output '{}'", activation_name(*act), type_str(ofm->type),
                         ofm->name);
  }
}

}  // namespace

std::string quoted_names(const std::vector<const ir::Tensor*>& tensors) {
  std::string out;
  for (const ir::Tensor* t : tensors) {
    if (!out.empty())
      out += ", ";
    out += fmt::format("'{}'", t->name);
  }
  return out;
}

std::vector<Constraint> generic_constraints() {
  using B = BuiltinOp;
  // The operators that may have scalar inputs, int32 tensors or per-axis quantisation are the
  // exceptions of the rules forbidding them.
  return {
      generic("options_present", "The operator's builtin options carry every required field", {},
              options_present),
      generic("no_dynamic_tensors",
              "No input or output tensor is dynamic (a scalar without constant data)",
              {B::QUANTIZE}, no_dynamic_tensors),
      generic("shapes_known", "Every dimension of the input and output tensors is known", {},
              shapes_known),
      generic("output_not_scalar", "The output tensor is not a scalar", {B::QUANTIZE},
              output_not_scalar),
      generic("no_scalar_inputs", "No input tensor is a scalar",
              {B::ADD, B::ARG_MAX, B::EXPAND_DIMS, B::MAXIMUM, B::MEAN, B::MINIMUM, B::MUL,
               B::QUANTIZE, B::SPLIT, B::SPLIT_V, B::SUB},
              no_scalar_inputs),
      generic("rank_at_most_4", "Input and output tensors have at most 4 dimensions", {},
              rank_at_most_4),
      generic("quantized", "Feature-map, weight and output tensors carry quantisation parameters",
              {B::ARG_MAX, B::SHAPE, B::TRANSPOSE}, quantized),
      generic("scales_finite",
              "Quantisation scales of feature-map, weight and output tensors are finite", {},
              scales_finite),
      generic("scales_in_float32_range",
              "The output scale is a normal float32 and the input scale divided by it does not "
              "overflow float32",
              {}, scales_in_float32_range),
      generic("constants_have_data",
              "Constant input tensors (no producer, not a graph input, not variable) have data", {},
              constants_have_data),
      generic("data_types",
              "Feature-map, weight and output tensors are int8, uint8, int16 or int32",
              {B::ARG_MAX}, data_types),
      generic("no_int32", "Feature-map, weight and output tensors are not int32",
              {B::ADD, B::ARG_MAX, B::MUL, B::SHAPE, B::SUB, B::TRANSPOSE}, no_int32),
      generic("dimensions_in_range",
              "Every dimension of the feature-map, weight and output tensors is in [1, 65535]", {},
              dimensions_in_range),
      generic("per_tensor_quantization",
              "Feature-map, weight and output tensors are quantised per tensor, not per axis",
              {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED, B::TRANSPOSE_CONV},
              per_tensor_quantization),
      generic("batch_one", "Input feature maps have batch size 1",
              // (euc's data movement copies any batch: TRANSPOSE, REVERSE_V2 and the pads too.)
              {B::BATCH_MATMUL, B::FULLY_CONNECTED, B::MIRROR_PAD, B::PAD, B::PADV2, B::RESHAPE,
               B::REVERSE_V2, B::SHAPE, B::SLICE, B::SOFTMAX, B::SPLIT, B::SPLIT_V, B::SQUEEZE,
               B::STRIDED_SLICE, B::TRANSPOSE, B::UNPACK},
              batch_one),
      generic("fused_activation",
              "A fused activation, if any, is RELU, RELU_N1_TO_1, RELU6 or TANH", {},
              fused_activation_supported),
      generic("fused_activation_output_type",
              "With a fused activation the output tensor is int8, uint8 or int16", {},
              fused_activation_output_type),
  };
}

}  // namespace euc::frontend::detail
