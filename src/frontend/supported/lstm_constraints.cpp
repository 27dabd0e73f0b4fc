// Constraints of UNIDIRECTIONAL_SEQUENCE_LSTM: the NPU runs the plain LSTM cell only. Inputs
// follow TFLite's layout: 0 input, 1-4 input weights (input, forget, cell, output gates), 5-8
// recurrent weights, 9-11 peephole weights, 12-15 gate biases, 16-17 projection weights and
// bias, 18-19 output and cell state, 20-23 layer-normalisation coefficients.
#include <fmt/format.h>

#include "frontend/supported/constraint_families.hpp"
#include "frontend/supported/op_view.hpp"

namespace euc::frontend::detail {
namespace {

using ir::BuiltinOp;
using Result = std::optional<std::string>;

std::vector<size_t> present(const OpView& op, size_t first, size_t last) {
  std::vector<size_t> out;
  for (size_t i = first; i <= last; ++i) {
    if (op.input(i) != nullptr)
      out.push_back(i);
  }
  return out;
}

Result lstm_3d(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (ifm == nullptr || ofm == nullptr || (ifm->shape.size() == 3 && ofm->shape.size() == 3))
    return std::nullopt;
  return fmt::format("IFM {}, OFM {}", tensor_str(*ifm), tensor_str(*ofm));
}

Result lstm_inputs(const OpView& op) {
  if (op.num_inputs() == 24)
    return std::nullopt;
  return fmt::format("{} inputs", op.num_inputs());
}

Result lstm_intermediates(const OpView& op) {
  if (op.op().intermediates.size() == 5)
    return std::nullopt;
  return fmt::format("{} intermediate tensors", op.op().intermediates.size());
}

Result lstm_state_variable(const OpView& op) {
  std::vector<std::string> bad;
  for (size_t i : {18, 19}) {
    const ir::Tensor* t = op.input(i);
    if (t == nullptr)
      bad.push_back(fmt::format("input {} missing", i));
    else if (!t->is_variable)
      bad.push_back(fmt::format("'{}' is not variable", t->name));
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("{}", fmt::join(bad, ", "));
}

// CIFG couples the input gate to the forget gate: the input-gate weights are left out while the
// other gates' weights are there.
Result lstm_no_cifg(const OpView& op) {
  bool others = present(op, 2, 4).size() == 3 && present(op, 6, 8).size() == 3;
  bool cifg = others && op.input(1) == nullptr && op.input(5) == nullptr;
  if (!cifg)
    return std::nullopt;
  return "input-gate weights (inputs 1 and 5) omitted";
}

Result none_of_inputs(const OpView& op, size_t first, size_t last, std::string_view what) {
  auto used = present(op, first, last);
  if (used.empty())
    return std::nullopt;
  return fmt::format("{} given (inputs {})", what, fmt::join(used, ", "));
}

Result lstm_no_peephole(const OpView& op) {
  return none_of_inputs(op, 9, 11, "peephole weights");
}

Result lstm_no_projection(const OpView& op) {
  return none_of_inputs(op, 16, 17, "projection weights or bias");
}

Result lstm_no_layer_norm(const OpView& op) {
  return none_of_inputs(op, 20, 23, "layer-normalisation coefficients");
}

Result lstm_weights_present(const OpView& op) {
  std::vector<size_t> missing;
  for (size_t i = 1; i <= 8; ++i) {
    if (op.input(i) == nullptr)
      missing.push_back(i);
  }
  if (missing.empty())
    return std::nullopt;
  return fmt::format("inputs {} missing", fmt::join(missing, ", "));
}

Result lstm_recurrent_2d(const OpView& op) {
  std::vector<std::string> bad;
  for (size_t i = 5; i <= 8; ++i) {
    const ir::Tensor* t = op.input(i);
    if (t != nullptr && t->shape.size() != 2)
      bad.push_back(tensor_str(*t));
  }
  if (bad.empty())
    return std::nullopt;
  return fmt::format("{}", fmt::join(bad, ", "));
}

}  // namespace

std::vector<Constraint> lstm_constraints() {
  using B = BuiltinOp;
  return {
      specific("lstm_3d", "IFM and OFM are 3-D", {B::UNIDIRECTIONAL_SEQUENCE_LSTM}, lstm_3d),
      specific("lstm_inputs", "There are 24 inputs", {B::UNIDIRECTIONAL_SEQUENCE_LSTM},
               lstm_inputs),
      specific("lstm_intermediates", "There are 5 intermediate tensors",
               {B::UNIDIRECTIONAL_SEQUENCE_LSTM}, lstm_intermediates),
      specific("lstm_state_variable", "The output and cell state inputs are variable tensors",
               {B::UNIDIRECTIONAL_SEQUENCE_LSTM}, lstm_state_variable),
      specific("lstm_no_cifg", "The input gate is not coupled to the forget gate (no CIFG)",
               {B::UNIDIRECTIONAL_SEQUENCE_LSTM}, lstm_no_cifg),
      specific("lstm_no_peephole", "There are no peephole weights",
               {B::UNIDIRECTIONAL_SEQUENCE_LSTM}, lstm_no_peephole),
      specific("lstm_no_projection", "There is no projection", {B::UNIDIRECTIONAL_SEQUENCE_LSTM},
               lstm_no_projection),
      specific("lstm_no_layer_norm", "There is no layer normalisation",
               {B::UNIDIRECTIONAL_SEQUENCE_LSTM}, lstm_no_layer_norm),
      specific("lstm_weights_present", "All input and recurrent weights are present",
               {B::UNIDIRECTIONAL_SEQUENCE_LSTM}, lstm_weights_present),
      specific("lstm_recurrent_2d", "The recurrent weights are 2-D",
               {B::UNIDIRECTIONAL_SEQUENCE_LSTM}, lstm_recurrent_2d),
  };
}

}  // namespace euc::frontend::detail
