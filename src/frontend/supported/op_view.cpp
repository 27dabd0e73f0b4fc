#include "frontend/supported/op_view.hpp"

#include <fmt/format.h>

#include <cstring>

namespace euc::frontend {

using ir::BuiltinOp;

SubgraphFacts::SubgraphFacts(const ir::Subgraph& subgraph)
    : produced(subgraph.tensors.size(), false), graph_input(subgraph.tensors.size(), false) {
  for (const ir::Operator& op : subgraph.operators) {
    for (int32_t t : op.outputs) {
      if (t >= 0 && static_cast<size_t>(t) < produced.size())
        produced[t] = true;
    }
  }
  for (int32_t t : subgraph.inputs) {
    if (t >= 0 && static_cast<size_t>(t) < graph_input.size())
      graph_input[t] = true;
  }
}

OpView::OpView(const ir::Model& model, int subgraph, int op_index, const SubgraphFacts& facts,
               const CheckOptions& options)
    : model_(model),
      subgraph_(model.subgraphs.at(subgraph)),
      op_(subgraph_.operators.at(op_index)),
      facts_(facts),
      options_(options) {}

namespace {

const ir::Tensor* tensor_at(const ir::Subgraph& sg, const std::vector<int32_t>& list, size_t i) {
  if (i >= list.size() || list[i] < 0 || static_cast<size_t>(list[i]) >= sg.tensors.size())
    return nullptr;
  return &sg.tensors[list[i]];
}

struct Roles {
  std::vector<size_t> ifms;
  std::optional<size_t> weights;
  std::optional<size_t> bias;
  bool every_input_is_ifm = false;
};

// Which inputs are feature maps, weights and bias (TFLite's operator definitions).
Roles roles_of(BuiltinOp type) {
  switch (type) {
    case BuiltinOp::ADD:
    case BuiltinOp::SUB:
    case BuiltinOp::MUL:
    case BuiltinOp::MAXIMUM:
    case BuiltinOp::MINIMUM:
    case BuiltinOp::SQUARED_DIFFERENCE:
    case BuiltinOp::PRELU:
    case BuiltinOp::BATCH_MATMUL:
      return {{0, 1}, {}, {}, false};
    case BuiltinOp::CONV_2D:
    case BuiltinOp::DEPTHWISE_CONV_2D:
    case BuiltinOp::FULLY_CONNECTED:
      return {{0}, 1, 2, false};
    case BuiltinOp::TRANSPOSE_CONV:  // inputs: output shape, weights, feature map, bias
      return {{2}, 1, 3, false};
    case BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM:
      return {{0}, 1, {}, false};
    case BuiltinOp::SPLIT:  // inputs: axis, feature map
      return {{1}, {}, {}, false};
    case BuiltinOp::CONCATENATION:
    case BuiltinOp::PACK:
      return {{}, {}, {}, true};
    default:
      return {{0}, {}, {}, false};
  }
}

}  // namespace

const ir::Tensor* OpView::input(size_t i) const {
  return tensor_at(subgraph_, op_.inputs, i);
}
const ir::Tensor* OpView::output(size_t i) const {
  return tensor_at(subgraph_, op_.outputs, i);
}

std::vector<const ir::Tensor*> OpView::inputs() const {
  std::vector<const ir::Tensor*> out;
  for (size_t i = 0; i < op_.inputs.size(); ++i) {
    if (const ir::Tensor* t = input(i))
      out.push_back(t);
  }
  return out;
}

std::vector<const ir::Tensor*> OpView::outputs() const {
  std::vector<const ir::Tensor*> out;
  for (size_t i = 0; i < op_.outputs.size(); ++i) {
    if (const ir::Tensor* t = output(i))
      out.push_back(t);
  }
  return out;
}

std::vector<const ir::Tensor*> OpView::ifms() const {
  Roles roles = roles_of(op_.type);
  if (roles.every_input_is_ifm)
    return inputs();
  std::vector<const ir::Tensor*> out;
  for (size_t i : roles.ifms) {
    if (const ir::Tensor* t = input(i))
      out.push_back(t);
  }
  return out;
}

const ir::Tensor* OpView::ifm() const {
  auto list = ifms();
  return list.empty() ? nullptr : list[0];
}

const ir::Tensor* OpView::ifm2() const {
  auto list = ifms();
  return list.size() < 2 ? nullptr : list[1];
}

const ir::Tensor* OpView::weights() const {
  Roles roles = roles_of(op_.type);
  return roles.weights ? input(*roles.weights) : nullptr;
}

const ir::Tensor* OpView::bias() const {
  Roles roles = roles_of(op_.type);
  return roles.bias ? input(*roles.bias) : nullptr;
}

std::vector<const ir::Tensor*> OpView::main_tensors() const {
  std::vector<const ir::Tensor*> out = ifms();
  if (const ir::Tensor* w = weights())
    out.push_back(w);
  if (const ir::Tensor* o = ofm())
    out.push_back(o);
  return out;
}

int OpView::tensor_index(const ir::Tensor& tensor) const {
  return static_cast<int>(&tensor - subgraph_.tensors.data());
}

bool OpView::is_constant(const ir::Tensor& tensor) const {
  return !model_.tensor_data(tensor).empty();
}

bool OpView::is_constant_by_position(const ir::Tensor& tensor) const {
  int i = tensor_index(tensor);
  return !facts_.produced[i] && !facts_.graph_input[i] && !tensor.is_variable;
}

std::optional<std::vector<int64_t>> OpView::int_values(const ir::Tensor* tensor) const {
  if (tensor == nullptr)
    return std::nullopt;
  return model_.constant_ints(*tensor);
}

std::string shape_str(const std::vector<int32_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

std::string tensor_str(const ir::Tensor& tensor) {
  return fmt::format("'{}' {}", tensor.name, shape_str(tensor.shape));
}

std::string type_str(ir::DataType type) {
  return std::string(ir::data_type_name(type));
}

std::vector<int32_t> shape4(const std::vector<int32_t>& shape) {
  if (shape.size() >= 4)
    return shape;
  std::vector<int32_t> out(4 - shape.size(), 1);
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

bool is_signed_int_type(ir::DataType type) {
  switch (type) {
    case ir::DataType::kInt8:
    case ir::DataType::kInt16:
    case ir::DataType::kInt32:
    case ir::DataType::kInt64:
    case ir::DataType::kInt4:
      return true;
    default:
      return false;
  }
}

bool is_unsigned_int_type(ir::DataType type) {
  switch (type) {
    case ir::DataType::kUInt8:
    case ir::DataType::kUInt16:
    case ir::DataType::kUInt32:
    case ir::DataType::kUInt64:
      return true;
    default:
      return false;
  }
}

bool is_integer_type(ir::DataType type) {
  return is_signed_int_type(type) || is_unsigned_int_type(type);
}

bool has_quantization(const ir::Tensor& tensor) {
  return tensor.quantization &&
         !(tensor.quantization->scale.empty() && tensor.quantization->zero_point.empty());
}

bool is_quantized(const ir::Tensor& tensor) {
  return is_integer_type(tensor.type) && tensor.quantization &&
         !tensor.quantization->scale.empty() && !tensor.quantization->zero_point.empty();
}

bool is_per_axis(const ir::Tensor& tensor) {
  if (!tensor.quantization)
    return false;
  const ir::Quantization& q = *tensor.quantization;
  return q.scale.size() > 1 || q.zero_point.size() > 1 || q.min.size() > 1 || q.max.size() > 1;
}

bool same_scaling(const ir::Tensor& a, const ir::Tensor& b) {
  return is_quantized(a) && is_quantized(b) && a.quantization->scale == b.quantization->scale &&
         a.quantization->zero_point == b.quantization->zero_point;
}

std::optional<Kernel> kernel_of(const OpView& op) {
  Kernel k;
  auto from_weights = [&] {
    if (const ir::Tensor* w = op.weights()) {
      // Convolution weights are [O,H,W,I] (depthwise [1,H,W,C*M]).
      auto s = shape4(w->shape);
      k.height = s[1];
      k.width = s[2];
    }
  };
  switch (op.type()) {
    case BuiltinOp::CONV_2D:
    case BuiltinOp::DEPTHWISE_CONV_2D: {
      // The two option tables share the fields read here.
      auto read = [&](const auto* o) -> std::optional<Kernel> {
        if (o == nullptr)
          return std::nullopt;
        from_weights();
        k.stride_x = o->stride_w();
        k.stride_y = o->stride_h();
        k.dilation_x = o->dilation_w_factor();
        k.dilation_y = o->dilation_h_factor();
        k.valid_padding = o->padding() == tflite::Padding::VALID;
        return k;
      };
      return op.type() == BuiltinOp::CONV_2D ? read(op.options<tflite::Conv2DOptions>())
                                             : read(op.options<tflite::DepthwiseConv2DOptions>());
    }
    case BuiltinOp::TRANSPOSE_CONV: {
      const auto* o = op.options<tflite::TransposeConvOptions>();
      if (o == nullptr)
        return std::nullopt;
      from_weights();
      k.stride_x = o->stride_w();
      k.stride_y = o->stride_h();
      k.valid_padding = o->padding() == tflite::Padding::VALID;
      return k;
    }
    case BuiltinOp::AVERAGE_POOL_2D:
    case BuiltinOp::MAX_POOL_2D: {
      const auto* o = op.options<tflite::Pool2DOptions>();
      if (o == nullptr)
        return std::nullopt;
      k.width = o->filter_width();
      k.height = o->filter_height();
      k.stride_x = o->stride_w();
      k.stride_y = o->stride_h();
      k.valid_padding = o->padding() == tflite::Padding::VALID;
      // A pool whose kernel and stride both equal the IFM's height and width has one output
      // position: Vela sets its stride to 1x1 with VALID padding before checking it.
      if (const ir::Tensor* ifm = op.ifm()) {
        auto s = shape4(ifm->shape);
        if (k.width == k.stride_x && k.width == s[2] && k.height == k.stride_y &&
            k.height == s[1]) {
          k.stride_x = 1;
          k.stride_y = 1;
          k.valid_padding = true;
        }
      }
      return k;
    }
    default:
      return k;
  }
}

}  // namespace euc::frontend
