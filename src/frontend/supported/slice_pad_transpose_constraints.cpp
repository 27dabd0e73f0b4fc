// Constraints of SLICE, STRIDED_SLICE, PAD and TRANSPOSE: their parameter inputs must be
// constant and well formed. Vela 3.10 also asked for strides of 1, height and width padding only
// and a few two-axis transposes; Vela 5.1 lifts those, and so does euc: the lowering
// (frontend/lowering/data_movement.cpp) says which instances it cannot copy.
#include <fmt/format.h>

#include <algorithm>

#include "frontend/supported/constraint_families.hpp"
#include "frontend/supported/op_view.hpp"

namespace euc::frontend::detail {
namespace {

using ir::BuiltinOp;
using Result = std::optional<std::string>;

Result nonconstant_inputs(const OpView& op,
                          std::initializer_list<std::pair<size_t, const char*>> list) {
  std::vector<std::string> bad;
  for (auto [index, role] : list) {
    const ir::Tensor* t = op.input(index);
    if (t == nullptr)
      bad.push_back(fmt::format("{} missing", role));
    else if (!op.is_constant(*t))
      bad.push_back(fmt::format("{} '{}' not constant", role, t->name));
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("{}", fmt::join(bad, ", "));
}

Result slice_constant(const OpView& op) {
  return nonconstant_inputs(op, {{1, "begin"}, {2, "size"}});
}

Result strided_slice_inputs(const OpView& op) {
  if (op.num_inputs() == 4)
    return std::nullopt;
  return fmt::format("{} inputs", op.num_inputs());
}

Result strided_slice_constant(const OpView& op) {
  if (op.num_inputs() != 4)
    return std::nullopt;  // strided_slice_inputs reports it
  return nonconstant_inputs(op, {{1, "begin"}, {2, "end"}, {3, "strides"}});
}

Result ellipsis_mask(const OpView& op) {
  const auto* o = op.options<tflite::StridedSliceOptions>();
  if (o == nullptr || o->ellipsis_mask() == 0)
    return std::nullopt;
  return fmt::format("ellipsis_mask {}", o->ellipsis_mask());
}

Result axis_masks_exclusive(const OpView& op) {
  const auto* o = op.options<tflite::StridedSliceOptions>();
  if (o == nullptr || o->new_axis_mask() == 0 || o->shrink_axis_mask() == 0)
    return std::nullopt;
  return fmt::format("new_axis_mask {} and shrink_axis_mask {}", o->new_axis_mask(),
                     o->shrink_axis_mask());
}

bool bit(int32_t mask, size_t i) {
  return i < 32 && ((static_cast<uint32_t>(mask) >> i) & 1u);
}

Result slice_nonempty(const OpView& op) {
  const auto* o = op.options<tflite::StridedSliceOptions>();
  const ir::Tensor* ifm = op.ifm();
  auto begin = op.int_values(op.input(1));
  auto end = op.int_values(op.input(2));
  if (o == nullptr || ifm == nullptr || !begin || !end)
    return std::nullopt;
  const std::vector<int32_t>& s = ifm->shape;
  if (begin->size() < s.size() || end->size() < s.size())
    return fmt::format("begin [{}] and end [{}] for IFM {}", fmt::join(*begin, ","),
                       fmt::join(*end, ","), tensor_str(*ifm));
  for (size_t i = 0; i < s.size(); ++i) {
    if (bit(o->shrink_axis_mask(), i))
      continue;  // one element: the end is derived from the begin
    int64_t b = bit(o->begin_mask(), i) ? 0 : (*begin)[i];
    int64_t e = bit(o->end_mask(), i) ? s[i] : (*end)[i];
    if (b < 0)
      b += s[i];
    if (e < 0)
      e += s[i];
    if (e <= b)
      return fmt::format("axis {}: end {} <= begin {} (begin [{}], end [{}], IFM {})", i, e, b,
                         fmt::join(*begin, ","), fmt::join(*end, ","), tensor_str(*ifm));
  }
  return std::nullopt;
}

Result offset_false(const OpView& op) {
  const auto* o = op.options<tflite::StridedSliceOptions>();
  if (o == nullptr || !o->offset())
    return std::nullopt;
  return "offset is true";
}

Result pad_inputs(const OpView& op) {
  if (op.num_inputs() == 2)
    return std::nullopt;
  return fmt::format("{} inputs", op.num_inputs());
}

Result pad_constant(const OpView& op) {
  return nonconstant_inputs(op, {{1, "paddings"}});
}

Result pad_output_shape(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  auto pads = op.int_values(op.input(1));
  if (ifm == nullptr || ofm == nullptr || !pads)
    return std::nullopt;
  std::vector<int64_t> want;
  bool sane = std::all_of(pads->begin(), pads->end(), [](int64_t p) {
    return p > -(int64_t{1} << 32) && p < (int64_t{1} << 32);
  });
  if (sane && pads->size() == 2 * ifm->shape.size()) {
    for (size_t i = 0; i < ifm->shape.size(); ++i)
      want.push_back(ifm->shape[i] + (*pads)[2 * i] + (*pads)[2 * i + 1]);
  }
  if (!want.empty() && std::equal(want.begin(), want.end(), ofm->shape.begin(), ofm->shape.end()))
    return std::nullopt;
  return fmt::format("IFM {} padded by [{}] does not give OFM {}", shape_str(ifm->shape),
                     fmt::join(*pads, ","), shape_str(ofm->shape));
}

Result pad_shape(const OpView& op) {
  const ir::Tensor* pads = op.input(1);
  if (pads == nullptr)
    return std::nullopt;
  if (pads->shape == std::vector<int32_t>{3, 2} || pads->shape == std::vector<int32_t>{4, 2})
    return std::nullopt;
  return fmt::format("paddings {}", tensor_str(*pads));
}

Result pad_type(const OpView& op) {
  const ir::Tensor* t = op.input(1);
  if (t == nullptr || t->type == ir::DataType::kInt32 || t->type == ir::DataType::kInt64)
    return std::nullopt;
  return fmt::format("paddings '{}' are {}", t->name, type_str(t->type));
}

Result perm_shape(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* perm = op.input(1);
  if (ifm == nullptr)
    return std::nullopt;
  if (perm == nullptr)
    return "no permutation input";
  if (perm->shape.size() == 1 && perm->shape[0] == static_cast<int32_t>(ifm->shape.size()))
    return std::nullopt;
  return fmt::format("permutation {} for a {}-D IFM", tensor_str(*perm), ifm->shape.size());
}

Result perm_values(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* perm = op.input(1);
  if (ifm == nullptr || perm == nullptr)
    return std::nullopt;
  auto v = op.int_values(perm);
  if (!v)
    return fmt::format("permutation '{}' is not constant", perm->name);
  int64_t rank = static_cast<int64_t>(ifm->shape.size());
  if (std::all_of(v->begin(), v->end(), [&](int64_t p) { return p >= 0 && p < rank; }))
    return std::nullopt;
  return fmt::format("permutation [{}] for a {}-D IFM", fmt::join(*v, ","), rank);
}

}  // namespace

std::vector<Constraint> slice_pad_transpose_constraints() {
  using B = BuiltinOp;
  return {
      specific("slice_constant", "begin and size are constant", {B::SLICE}, slice_constant),
      specific("strided_slice_inputs", "There are exactly 4 inputs", {B::STRIDED_SLICE},
               strided_slice_inputs),
      specific("strided_slice_constant", "begin, end and strides are constant", {B::STRIDED_SLICE},
               strided_slice_constant),
      specific("ellipsis_mask", "ellipsis_mask is 0", {B::STRIDED_SLICE}, ellipsis_mask),
      specific("axis_masks_exclusive", "new_axis_mask and shrink_axis_mask are not both set",
               {B::STRIDED_SLICE}, axis_masks_exclusive),
      specific("slice_nonempty",
               "Every axis that is not shrunk has end > begin (after masks and negative indices)",
               {B::STRIDED_SLICE}, slice_nonempty),
      specific("offset_false", "The offset option is false", {B::STRIDED_SLICE}, offset_false),
      specific("pad_inputs", "There are exactly 2 inputs", {B::PAD}, pad_inputs),
      specific("pad_constant", "The paddings are constant", {B::PAD}, pad_constant),
      specific("pad_output_shape", "The OFM shape is the IFM shape plus the paddings", {B::PAD},
               pad_output_shape),
      specific("pad_shape", "The paddings have shape [3,2] or [4,2]", {B::PAD}, pad_shape),
      specific("pad_type", "The paddings are int32 or int64", {B::PAD}, pad_type),
      specific("perm_shape", "The permutation is 1-D with one entry per IFM dimension",
               {B::TRANSPOSE}, perm_shape),
      specific("perm_values", "The permutation is constant with values in [0, rank)",
               {B::TRANSPOSE}, perm_values),
  };
}

}  // namespace euc::frontend::detail
