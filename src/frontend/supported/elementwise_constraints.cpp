// Constraints of the element-wise operators (unary, binary, activations with lookup tables) and
// of SOFTMAX: shapes, broadcasting, types and quantisation of inputs and output.
#include <fmt/format.h>

#include <algorithm>

#include "frontend/supported/constraint_families.hpp"
#include "frontend/supported/op_view.hpp"

namespace euc::frontend::detail {
namespace {

using ir::BuiltinOp;
using Result = std::optional<std::string>;

Result in_out_types_match(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (ifm == nullptr || ofm == nullptr || ifm->type == ofm->type)
    return std::nullopt;
  return fmt::format("IFM '{}' is {}, OFM '{}' is {}", ifm->name, type_str(ifm->type), ofm->name,
                     type_str(ofm->type));
}

Result softmax_types(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (ifm == nullptr || ofm == nullptr || ifm->type == ofm->type ||
      (ifm->type == ir::DataType::kInt8 && ofm->type == ir::DataType::kInt16))
    return std::nullopt;
  return fmt::format("IFM '{}' is {}, OFM '{}' is {}", ifm->name, type_str(ifm->type), ofm->name,
                     type_str(ofm->type));
}

Result either_input_matches_output(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ifm2 = op.ifm2();
  const ir::Tensor* ofm = op.ofm();
  if (ifm == nullptr || ofm == nullptr)
    return std::nullopt;
  if (ifm->shape == ofm->shape || (ifm2 != nullptr && ifm2->shape == ofm->shape))
    return std::nullopt;
  return fmt::format("IFM {}{}{}, OFM {}", shape_str(ifm->shape), ifm2 ? ", IFM2 " : "",
                     ifm2 ? shape_str(ifm2->shape) : "", shape_str(ofm->shape));
}

Result inputs_same_type(const OpView& op) {
  const ir::Tensor* a = op.ifm();
  const ir::Tensor* b = op.ifm2();
  if (a == nullptr || b == nullptr || a->type == b->type)
    return std::nullopt;
  return fmt::format("'{}' is {}, '{}' is {}", a->name, type_str(a->type), b->name,
                     type_str(b->type));
}

Result signed_keeps_sign(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (ifm == nullptr || ofm == nullptr || !is_signed_int_type(ifm->type) ||
      is_signed_int_type(ofm->type))
    return std::nullopt;
  return fmt::format("{} IFM with {} OFM", type_str(ifm->type), type_str(ofm->type));
}

Result unsigned_output(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (ifm == nullptr || ofm == nullptr || !is_unsigned_int_type(ifm->type) ||
      ofm->type == ifm->type || ofm->type == ir::DataType::kInt32)
    return std::nullopt;
  return fmt::format("{} IFM with {} OFM", type_str(ifm->type), type_str(ofm->type));
}

Result broadcast_one_side(const OpView& op) {
  const ir::Tensor* a = op.ifm();
  const ir::Tensor* b = op.ifm2();
  const ir::Tensor* o = op.ofm();
  if (a == nullptr || b == nullptr || o == nullptr)
    return std::nullopt;
  // Trailing dimensions are aligned; a scalar broadcasts freely.
  size_t n = std::min({a->shape.size(), b->shape.size(), o->shape.size()});
  for (size_t k = 1; k <= n; ++k) {
    int32_t x = a->shape[a->shape.size() - k];
    int32_t y = b->shape[b->shape.size() - k];
    int32_t z = o->shape[o->shape.size() - k];
    if (!(x == y || x == 1 || y == 1) || z != std::max(x, y))
      return fmt::format("IFM {}, IFM2 {}, OFM {}", shape_str(a->shape), shape_str(b->shape),
                         shape_str(o->shape));
  }
  return std::nullopt;
}

Result minmax_same_quantization(const OpView& op) {
  const ir::Tensor* o = op.ofm();
  if (o == nullptr)
    return std::nullopt;
  std::vector<const ir::Tensor*> bad;
  for (const ir::Tensor* t : {op.ifm(), op.ifm2()}) {
    if (t != nullptr && !same_scaling(*t, *o))
      bad.push_back(t);
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("{} scaled unlike OFM '{}'", quoted_names(bad), o->name);
}

Result ifm_type_in(const OpView& op, std::initializer_list<ir::DataType> allowed) {
  const ir::Tensor* ifm = op.ifm();
  if (ifm == nullptr || std::find(allowed.begin(), allowed.end(), ifm->type) != allowed.end())
    return std::nullopt;
  return fmt::format("IFM '{}' is {}", ifm->name, type_str(ifm->type));
}

Result ifm_int8_or_int16(const OpView& op) {
  return ifm_type_in(op, {ir::DataType::kInt8, ir::DataType::kInt16});
}

Result ifm_int8(const OpView& op) {
  return ifm_type_in(op, {ir::DataType::kInt8});
}

Result ifm_8bit(const OpView& op) {
  return ifm_type_in(op, {ir::DataType::kInt8, ir::DataType::kUInt8});
}

Result in_out_shapes_match(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (ifm == nullptr || ofm == nullptr || ifm->shape == ofm->shape)
    return std::nullopt;
  return fmt::format("IFM {}, OFM {}", tensor_str(*ifm), tensor_str(*ofm));
}

Result softmax_beta(const OpView& op) {
  const auto* o = op.options<tflite::SoftmaxOptions>();
  if (o == nullptr || o->beta() >= 0.0f)
    return std::nullopt;
  return fmt::format("beta {:g}", o->beta());
}

}  // namespace

std::vector<Constraint> elementwise_constraints() {
  using B = BuiltinOp;
  return {
      specific("either_input_matches_output", "At least one input has the OFM's shape",
               {B::ABS, B::ADD, B::EXP, B::LEAKY_RELU, B::MAXIMUM, B::MINIMUM, B::MUL, B::RSQRT,
                B::SQUARED_DIFFERENCE, B::SUB},
               either_input_matches_output),
      specific("in_out_types_match", "IFM and OFM have the same data type",
               {B::ABS, B::AVERAGE_POOL_2D, B::EXP, B::HARD_SWISH, B::LEAKY_RELU, B::MAXIMUM,
                B::MAX_POOL_2D, B::MINIMUM, B::RSQRT, B::UNIDIRECTIONAL_SEQUENCE_LSTM},
               in_out_types_match),
      // Vela 5.1's rule, wider than 3.10's (which asks for equal types): keyword spotting's
      // int8 -> int16 SOFTMAX runs on the NPU too.
      specific("softmax_types", "IFM and OFM have the same data type, or int8 IFM and int16 OFM",
               {B::SOFTMAX}, softmax_types),
      specific("inputs_same_type", "Both inputs have the same data type", {B::ADD, B::MUL, B::SUB},
               inputs_same_type),
      specific("signed_keeps_sign", "A signed IFM gives a signed OFM", {B::ADD, B::MUL, B::SUB},
               signed_keeps_sign),
      specific("unsigned_output", "An unsigned IFM gives an OFM of the same type or int32",
               {B::ADD, B::MUL, B::SUB}, unsigned_output),
      specific("broadcast_one_side",
               "Broadcasting stretches only dimensions of size 1, from either input, and the OFM "
               "has the larger size in each dimension",
               {B::ADD, B::MAXIMUM, B::MINIMUM, B::MUL, B::SUB}, broadcast_one_side),
      specific("minmax_same_quantization", "Both inputs have the OFM's scale and zero point",
               {B::MAXIMUM, B::MINIMUM}, minmax_same_quantization),
      specific("ifm_int8_or_int16", "The IFM is int8 or int16",
               {B::EXP, B::UNIDIRECTIONAL_SEQUENCE_LSTM}, ifm_int8_or_int16),
      specific("ifm_int8", "The IFM is int8", {B::RSQRT}, ifm_int8),
      specific("ifm_8bit", "The IFM is int8 or uint8", {B::ARG_MAX, B::HARD_SWISH}, ifm_8bit),
      specific("in_out_shapes_match", "IFM and OFM have the same shape", {B::SOFTMAX},
               in_out_shapes_match),
      specific("softmax_beta", "beta is not negative", {B::SOFTMAX}, softmax_beta),
  };
}

}  // namespace euc::frontend::detail
