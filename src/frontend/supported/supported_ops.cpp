#include "frontend/supported/supported_ops.hpp"

#include <algorithm>
#include <array>

#include "frontend/lowering/lowering.hpp"
#include "frontend/lowering/operator_table.hpp"
#include "frontend/supported/constraint_families.hpp"
#include "frontend/supported/op_view.hpp"

namespace euc::frontend {

namespace {

using B = ir::BuiltinOp;

// The TFLite operators Vela 3.10 can place on the NPU and those Vela 5.1 adds for the Ethos-U55
// (marked): 53, in name order.
constexpr std::array kVelaOperators = {
    B::ABS,
    B::ADD,
    B::ARG_MAX,
    B::AVERAGE_POOL_2D,
    B::BATCH_MATMUL,  // Vela 5.1
    B::CONCATENATION,
    B::CONV_2D,
    B::DEPTHWISE_CONV_2D,
    B::EXP,
    B::EXPAND_DIMS,
    B::FULLY_CONNECTED,
    B::HARD_SWISH,
    B::LEAKY_RELU,
    B::LOG,  // Vela 5.1, as RELU_0_TO_1 and TILE
    B::LOGISTIC,
    B::MAXIMUM,
    B::MAX_POOL_2D,
    B::MEAN,
    B::MINIMUM,
    B::MIRROR_PAD,  // Vela 5.1, as PADV2 and REVERSE_V2
    B::MUL,
    B::PACK,
    B::PAD,
    B::PADV2,
    B::PRELU,
    B::QUANTIZE,
    B::REDUCE_MAX,  // Vela 5.1 (not 3.10), as REDUCE_MIN and SUM
    B::REDUCE_MIN,
    B::RELU,
    B::RELU6,
    B::RELU_0_TO_1,
    B::RELU_N1_TO_1,
    B::RESHAPE,
    B::RESIZE_BILINEAR,
    B::RESIZE_NEAREST_NEIGHBOR,
    B::REVERSE_V2,
    B::RSQRT,
    B::SHAPE,
    B::SLICE,
    B::SOFTMAX,
    B::SPLIT,
    B::SPLIT_V,
    B::SQUARED_DIFFERENCE,
    B::SQUEEZE,
    B::STRIDED_SLICE,
    B::SUB,
    B::SUM,
    B::TANH,
    B::TILE,
    B::TRANSPOSE,
    B::TRANSPOSE_CONV,
    B::UNIDIRECTIONAL_SEQUENCE_LSTM,
    B::UNPACK,
};

// Operators neither Vela version places on the NPU that euc lowers: the rules apply to them too.
constexpr std::array kBeyondVelaOperators = {
    B::SVDF,
};

bool has_rules(ir::BuiltinOp type) {
  return is_vela_operator_type(type) ||
         std::find(kBeyondVelaOperators.begin(), kBeyondVelaOperators.end(), type) !=
             kBeyondVelaOperators.end();
}

std::vector<Constraint> build_table() {
  std::vector<Constraint> table;
  for (auto family : {detail::generic_constraints, detail::convolution_constraints,
                      detail::pooling_resize_constraints, detail::elementwise_constraints,
                      detail::reduction_constraints, detail::data_movement_constraints,
                      detail::slice_pad_transpose_constraints, detail::lstm_constraints}) {
    for (Constraint& c : family())
      table.push_back(std::move(c));
  }
  return table;
}

SupportVerdict evaluate(const OpView& view) {
  SupportVerdict verdict;
  if (!has_rules(view.type())) {
    verdict.reasons.emplace_back(kNotNpuOperatorReason);
    verdict.failed.emplace_back();
    return verdict;
  }
  for (const Constraint& c : constraint_table()) {
    if (!c.applies_to(view.type()))
      continue;
    if (std::optional<std::string> problem = c.check(view)) {
      verdict.reasons.push_back(problem->empty() ? c.description : c.description + ": " + *problem);
      verdict.failed.push_back(c.id);
    }
  }
  verdict.meets_rules = verdict.reasons.empty();
  verdict.on_npu = verdict.meets_rules && is_npu_operator_type(view.type());
  return verdict;
}

}  // namespace

bool Constraint::applies_to(ir::BuiltinOp type) const {
  bool listed = std::find(ops.begin(), ops.end(), type) != ops.end();
  return scope == ConstraintScope::kGeneric ? has_rules(type) && !listed : listed;
}

const std::vector<Constraint>& constraint_table() {
  static const std::vector<Constraint> table = build_table();
  return table;
}

const Constraint* find_constraint(std::string_view id) {
  const auto& table = constraint_table();
  auto it =
      std::find_if(table.begin(), table.end(), [&](const Constraint& c) { return c.id == id; });
  return it == table.end() ? nullptr : &*it;
}

std::span<const ir::BuiltinOp> npu_operator_types() {
  static const std::vector<ir::BuiltinOp> kTypes = [] {
    std::vector<ir::BuiltinOp> types;
    for (const OperatorLowering& entry : operator_lowerings())
      types.push_back(entry.type);
    return types;
  }();
  return kTypes;
}

bool is_npu_operator_type(ir::BuiltinOp type) {
  return find_lowering(type) != nullptr;
}

std::span<const ir::BuiltinOp> vela_operator_types() {
  return kVelaOperators;
}

bool is_vela_operator_type(ir::BuiltinOp type) {
  return std::find(kVelaOperators.begin(), kVelaOperators.end(), type) != kVelaOperators.end();
}

SupportVerdict check_operator(const ir::Model& model, int subgraph, int op_index,
                              const CheckOptions& options) {
  SubgraphFacts facts(model.subgraphs.at(subgraph));
  return evaluate(OpView(model, subgraph, op_index, facts, options));
}

std::vector<std::vector<SupportVerdict>> check_model(const ir::Model& model,
                                                     const CheckOptions& options) {
  std::vector<std::vector<SupportVerdict>> result(model.subgraphs.size());
  for (size_t s = 0; s < model.subgraphs.size(); ++s) {
    SubgraphFacts facts(model.subgraphs[s]);
    for (size_t i = 0; i < model.subgraphs[s].operators.size(); ++i) {
      result[s].push_back(
          evaluate(OpView(model, static_cast<int>(s), static_cast<int>(i), facts, options)));
    }
  }
  return result;
}

}  // namespace euc::frontend
