// Constraints of the reductions the NPU runs as depthwise convolutions and pools: MEAN and
// ARG_MAX.
#include <fmt/format.h>

#include <algorithm>

#include "frontend/supported/constraint_families.hpp"
#include "frontend/supported/op_view.hpp"

namespace euc::frontend::detail {
namespace {

using ir::BuiltinOp;
using Result = std::optional<std::string>;

// MEAN and ARG_MAX take their axes from input 1.
std::optional<std::vector<int64_t>> axes(const OpView& op) {
  return op.int_values(op.input(1));
}

Result mean_rank(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  if (ifm == nullptr || (ifm->shape.size() >= 2 && ifm->shape.size() <= 4))
    return std::nullopt;
  return fmt::format("IFM {} is {}-D", tensor_str(*ifm), ifm->shape.size());
}

Result mean_axes(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  if (ifm == nullptr)
    return std::nullopt;
  auto list = axes(op);
  if (!list)
    return "the axis input is not constant";
  const std::vector<int32_t>& s = ifm->shape;
  int64_t rank = static_cast<int64_t>(s.size());
  auto fail = [&](std::string_view why) {
    return fmt::format("{} (IFM {}, axes [{}])", why, shape_str(s), fmt::join(*list, ","));
  };
  for (int64_t axis : *list) {
    // Negative axes are not accepted (Vela 3.10 does not normalise them here).
    if (axis < 0 || axis >= rank)
      return fail(fmt::format("axis {} out of range", axis));
    if (rank == 4 && axis == 0 && s[0] != 1)
      return fail("batch reduced with batch above 1");
    if (rank == 3 && axis == 2 &&
        std::none_of(s.begin(), s.end(), [](int32_t d) { return d == 1; }))
      return fail("depth reduced with no dimension of size 1");
    if (rank == 4 && axis == 3 &&
        std::none_of(s.begin() + 1, s.end(), [](int32_t d) { return d == 1; }))
      return fail("depth reduced with no height, width or depth of size 1");
  }
  return std::nullopt;
}

Result mean_reduced_size(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  auto list = axes(op);
  if (ifm == nullptr || !list)
    return std::nullopt;
  int64_t rank = static_cast<int64_t>(ifm->shape.size());
  int64_t product = 1;
  for (int64_t axis : *list) {
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank)
      return std::nullopt;  // mean_axes reports it
    product *= std::max<int64_t>(ifm->shape[axis], 0);
    product = std::min<int64_t>(product, int64_t{1} << 40);  // saturate: far above any limit
  }
  // The reduction accumulates in 32 bits: the limit depends on the input's range.
  int64_t limit = ifm->type == ir::DataType::kInt16   ? int64_t{1} << 16
                  : ifm->type == ir::DataType::kUInt8 ? int64_t{1} << 23
                                                      : int64_t{1} << 24;
  if (product <= limit)
    return std::nullopt;
  return fmt::format("{} IFM reduces {} elements (limit {})", type_str(ifm->type), product, limit);
}

Result mean_width(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  if (ifm == nullptr || ifm->shape.size() < 2)
    return std::nullopt;
  // Width is dimension 2 of a 4-D IFM, else dimension 1. Vela 3.10 limits it whether or not it
  // is reduced.
  int32_t width = ifm->shape[ifm->shape.size() < 4 ? 1 : 2];
  if (width <= 4096)
    return std::nullopt;
  return fmt::format("IFM {} has width {}", tensor_str(*ifm), width);
}

Result mean_depth(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  auto list = axes(op);
  if (ifm == nullptr || ifm->shape.empty() || !list)
    return std::nullopt;
  int64_t depth_axis = static_cast<int64_t>(ifm->shape.size()) - 1;
  bool reduced = std::find(list->begin(), list->end(), depth_axis) != list->end();
  if (!reduced || ifm->shape.back() <= 4096)
    return std::nullopt;
  return fmt::format("IFM {} reduces depth {}", tensor_str(*ifm), ifm->shape.back());
}

Result argmax_output_type(const OpView& op) {
  const ir::Tensor* ofm = op.ofm();
  if (ofm == nullptr || ofm->type == ir::DataType::kInt32 || ofm->type == ir::DataType::kInt64)
    return std::nullopt;
  return fmt::format("OFM '{}' is {}", ofm->name, type_str(ofm->type));
}

Result argmax_axis(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  if (ifm == nullptr)
    return std::nullopt;
  auto list = axes(op);
  if (!list)
    return "the axis input is not constant";
  int64_t last = static_cast<int64_t>(ifm->shape.size()) - 1;
  if (list->size() == 1 && ((*list)[0] == last || (*list)[0] == -1))
    return std::nullopt;
  return fmt::format("axis [{}] for a {}-D IFM", fmt::join(*list, ","), ifm->shape.size());
}

Result argmax_depth(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  if (ifm == nullptr || ifm->shape.empty() || ifm->shape.back() <= 127)
    return std::nullopt;
  return fmt::format("IFM {} has depth {}", tensor_str(*ifm), ifm->shape.back());
}

}  // namespace

std::vector<Constraint> reduction_constraints() {
  using B = BuiltinOp;
  return {
      specific("mean_rank", "The IFM has 2 to 4 dimensions", {B::MEAN}, mean_rank),
      specific("mean_axes", "The reduced axes are ones the NPU can reduce", {B::MEAN}, mean_axes,
               {"axes are constant and in [0, rank)", "2-D IFM: either or both axes",
                "3-D or 4-D IFM: height and width; batch only when it is 1; depth only when the "
                "height, width or depth is 1"}),
      specific("mean_reduced_size",
               "The reduced axes hold at most 16777216 (int8), 8388608 (uint8) or 65536 (int16) "
               "elements",
               {B::MEAN}, mean_reduced_size),
      specific("mean_width", "The IFM width is at most 4096", {B::MEAN}, mean_width),
      specific("mean_depth", "A reduced depth is at most 4096", {B::MEAN}, mean_depth),
      specific("argmax_output_type", "The OFM is int32 or int64", {B::ARG_MAX}, argmax_output_type),
      specific("argmax_axis", "The reduction runs along the last (depth) axis", {B::ARG_MAX},
               argmax_axis),
      specific("argmax_depth", "The IFM depth is at most 127", {B::ARG_MAX}, argmax_depth),
  };
}

}  // namespace euc::frontend::detail
