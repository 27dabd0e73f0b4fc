// Constraints of the reductions the NPU runs as depthwise convolutions and pools: MEAN and
// ARG_MAX. MEAN follows Vela 5.1, which reduces any axes (Vela 3.10 also limited the axes, the
// width and a reduced depth); REDUCE_MAX, REDUCE_MIN and SUM, which Vela 5.1 places and 3.10 does
// not, have only the generic rules here: euc's lowering says which instances it cannot express.
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
      specific("mean_reduced_size",
               "The reduced axes hold at most 16777216 (int8), 8388608 (uint8) or 65536 (int16) "
               "elements",
               {B::MEAN}, mean_reduced_size),
      specific("argmax_output_type", "The OFM is int32 or int64", {B::ARG_MAX}, argmax_output_type),
      specific("argmax_axis", "The reduction runs along the last (depth) axis", {B::ARG_MAX},
               argmax_axis),
      specific("argmax_depth", "The IFM depth is at most 127", {B::ARG_MAX}, argmax_depth),
  };
}

}  // namespace euc::frontend::detail
