// Constraints of the operators that only move data: RESHAPE, SQUEEZE, EXPAND_DIMS,
// CONCATENATION, SPLIT and SPLIT_V (the NPU runs them as reads or writes at offsets).
#include <fmt/format.h>

#include <algorithm>

#include "frontend/supported/constraint_families.hpp"
#include "frontend/supported/op_view.hpp"

namespace euc::frontend::detail {
namespace {

using ir::BuiltinOp;
using Result = std::optional<std::string>;

Result same_quantization(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (ifm == nullptr || ofm == nullptr || same_scaling(*ifm, *ofm))
    return std::nullopt;
  return fmt::format("IFM '{}' and OFM '{}' are scaled differently", ifm->name, ofm->name);
}

Result same_element_count(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (ifm == nullptr || ofm == nullptr || ifm->num_elements() == ofm->num_elements())
    return std::nullopt;
  return fmt::format("IFM {} and OFM {}", tensor_str(*ifm), tensor_str(*ofm));
}

Result reshape_shape_constant(const OpView& op) {
  const ir::Tensor* shape = op.input(1);
  if (shape == nullptr || op.is_constant(*shape) || op.is_constant_by_position(*shape))
    return std::nullopt;
  return fmt::format("shape input '{}' is computed at run time", shape->name);
}

// The concatenation axis, made non-negative against the OFM rank; nullopt if unusable.
std::optional<int64_t> concat_axis(const OpView& op) {
  const auto* o = op.options<tflite::ConcatenationOptions>();
  const ir::Tensor* ofm = op.ofm();
  if (o == nullptr || ofm == nullptr)
    return std::nullopt;
  int64_t rank = static_cast<int64_t>(ofm->shape.size());
  int64_t axis = o->axis() < 0 ? o->axis() + rank : o->axis();
  if (axis < 0 || axis >= rank)
    return std::nullopt;
  return axis;
}

Result concat_axis_present(const OpView& op) {
  if (op.options<tflite::ConcatenationOptions>() != nullptr)
    return std::nullopt;
  return "no axis option";
}

Result concat_axis_range(const OpView& op) {
  const auto* o = op.options<tflite::ConcatenationOptions>();
  const ir::Tensor* ofm = op.ofm();
  if (o == nullptr || ofm == nullptr || concat_axis(op))
    return std::nullopt;
  return fmt::format("axis {} for a {}-D OFM", o->axis(), ofm->shape.size());
}

Result concat_ranks_match(const OpView& op) {
  const ir::Tensor* ofm = op.ofm();
  if (ofm == nullptr)
    return std::nullopt;
  std::vector<std::string> bad;
  for (const ir::Tensor* t : op.inputs()) {
    if (t->shape.size() != ofm->shape.size())
      bad.push_back(tensor_str(*t));
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("OFM is {}-D; inputs {}", ofm->shape.size(), fmt::join(bad, ", "));
}

Result concat_dims_match(const OpView& op) {
  auto axis = concat_axis(op);
  const ir::Tensor* ofm = op.ofm();
  if (!axis)
    return std::nullopt;
  std::vector<std::string> bad;
  for (const ir::Tensor* t : op.inputs()) {
    if (t->shape.size() != ofm->shape.size())
      continue;  // concat_ranks_match reports it
    for (size_t d = 0; d < t->shape.size(); ++d) {
      if (static_cast<int64_t>(d) != *axis && t->shape[d] != ofm->shape[d]) {
        bad.push_back(tensor_str(*t));
        break;
      }
    }
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("axis {}, OFM {}; inputs {}", *axis, shape_str(ofm->shape),
                     fmt::join(bad, ", "));
}

Result concat_axis_sum(const OpView& op) {
  auto axis = concat_axis(op);
  const ir::Tensor* ofm = op.ofm();
  if (!axis)
    return std::nullopt;
  int64_t sum = 0;
  for (const ir::Tensor* t : op.inputs()) {
    if (t->shape.size() != ofm->shape.size())
      return std::nullopt;  // concat_ranks_match reports it
    sum += t->shape[*axis];
  }
  if (sum == ofm->shape[*axis])
    return std::nullopt;
  return fmt::format("inputs sum to {} along axis {}, OFM {} has {}", sum, *axis, tensor_str(*ofm),
                     ofm->shape[*axis]);
}

// SPLIT: input 0 holds the axis (scalar or one value), input 1 the feature map.
std::optional<int64_t> split_axis_value(const OpView& op) {
  auto v = op.int_values(op.input(0));
  if (!v || v->empty())
    return std::nullopt;
  return (*v)[0];
}

Result split_axis(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  if (ifm == nullptr)
    return std::nullopt;
  auto axis = split_axis_value(op);
  if (!axis)
    return "the axis input is not constant";
  int64_t rank = static_cast<int64_t>(ifm->shape.size());
  if (*axis >= -rank && *axis < rank)
    return std::nullopt;
  return fmt::format("axis {} for IFM {}", *axis, tensor_str(*ifm));
}

Result split_even(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const auto* o = op.options<tflite::SplitOptions>();
  auto axis = split_axis_value(op);
  if (ifm == nullptr || o == nullptr || !axis)
    return std::nullopt;
  int64_t rank = static_cast<int64_t>(ifm->shape.size());
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a >= rank)
    return std::nullopt;  // split_axis reports it
  if (o->num_splits() > 0 && ifm->shape[a] % o->num_splits() == 0)
    return std::nullopt;
  return fmt::format("IFM {} axis {} into {} splits", tensor_str(*ifm), a, o->num_splits());
}

Result splitv_sizes(const OpView& op) {
  const ir::Tensor* sizes = op.input(1);
  auto v = op.int_values(sizes);
  if (!v)
    return sizes ? fmt::format("sizes '{}' are not constant", sizes->name) : "no sizes input";
  if (std::count(v->begin(), v->end(), -1) <= 1)
    return std::nullopt;
  return fmt::format("sizes [{}] infer more than one size", fmt::join(*v, ","));
}

}  // namespace

std::vector<Constraint> data_movement_constraints() {
  using B = BuiltinOp;
  return {
      specific("same_quantization", "IFM and OFM have the same scale and zero point",
               {B::EXPAND_DIMS, B::RESHAPE, B::SQUEEZE}, same_quantization),
      specific("same_element_count", "IFM and OFM have the same number of elements",
               {B::EXPAND_DIMS, B::RESHAPE, B::SQUEEZE}, same_element_count),
      specific("reshape_shape_constant", "A shape input, if any, is constant", {B::RESHAPE},
               reshape_shape_constant),
      specific("concat_axis_present", "The axis option is present", {B::CONCATENATION},
               concat_axis_present),
      specific("concat_axis_range", "The axis is in [-rank, rank) of the OFM", {B::CONCATENATION},
               concat_axis_range),
      specific("concat_ranks_match", "Every input has the OFM's rank", {B::CONCATENATION},
               concat_ranks_match),
      specific("concat_dims_match", "Every input matches the OFM in all dimensions but the axis",
               {B::CONCATENATION}, concat_dims_match),
      specific("concat_axis_sum", "The inputs' sizes along the axis add up to the OFM's",
               {B::CONCATENATION}, concat_axis_sum),
      specific("split_axis", "The axis is a constant in [-rank, rank) of the IFM", {B::SPLIT},
               split_axis),
      specific("split_even", "The IFM's size along the axis divides evenly into num_splits",
               {B::SPLIT}, split_even),
      specific("splitv_sizes", "The sizes are constant and at most one of them is inferred (-1)",
               {B::SPLIT_V}, splitv_sizes),
  };
}

}  // namespace euc::frontend::detail
