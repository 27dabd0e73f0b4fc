#include "frontend/lowering/lut_activations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <variant>

#include "core/error.hpp"
#include "refmath/activation_functions.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

using ir::BuiltinOp;

// The per-tensor quantisation of a network tensor, or nullopt.
std::optional<refmath::Quant> quant_of(const ir::Tensor& t) {
  if (!t.quantization || t.quantization->scale.size() != 1 || t.quantization->zero_point.size() > 1)
    return std::nullopt;
  const float scale = t.quantization->scale[0];
  if (!std::isfinite(scale) || scale <= 0)
    return std::nullopt;
  const int64_t zp = t.quantization->zero_point.empty() ? 0 : t.quantization->zero_point[0];
  return refmath::Quant{scale, static_cast<int32_t>(zp)};
}

// An operator's table as a function of the stored input value, or why there is none.
using TableFunction = std::function<std::optional<int32_t>(int32_t)>;
std::variant<TableFunction, std::string> table_function(const ir::Subgraph& sg,
                                                        const ir::Operator& op) {
  if (op.inputs.size() != 1 || op.outputs.size() != 1 || op.inputs[0] < 0)
    return std::string("the operator needs one input and one output");
  const ir::Tensor& in = sg.tensors.at(op.inputs[0]);
  const ir::Tensor& out = sg.tensors.at(op.outputs[0]);
  if (in.type != ir::DataType::kInt8 || out.type != ir::DataType::kInt8)
    return fmt::format("euc lowers {} as a table on int8 tensors (not {} to {} yet)",
                       ir::builtin_op_name(op.type), ir::data_type_name(in.type),
                       ir::data_type_name(out.type));
  if (in.shape != out.shape)
    return std::string("the input and output shapes differ");
  const std::optional<refmath::Quant> qi = quant_of(in), qo = quant_of(out);
  if (!qi || !qo)
    return std::string("the input and output need per-tensor quantisation");
  auto total = [](refmath::ValueFunction f) -> TableFunction {
    return [f = std::move(f)](int32_t x) { return std::optional<int32_t>(f(x)); };
  };
  switch (op.type) {
    case BuiltinOp::LOGISTIC:
      if (auto problem = refmath::logistic_int8_problem(*qo))
        return *problem;
      return total(refmath::logistic_int8(*qi));
    case BuiltinOp::TANH:
      return total(refmath::tanh_int8(*qi));
    case BuiltinOp::HARD_SWISH:
      if (auto problem = refmath::hard_swish_int8_problem(*qi, *qo))
        return *problem;
      return total(refmath::hard_swish_int8(*qi, *qo));
    case BuiltinOp::LEAKY_RELU: {
      const auto* o = tfl::builtin_options_as<tflite::LeakyReluOptions>(op);
      return total(refmath::leaky_relu(*qi, *qo, o != nullptr ? o->alpha() : 0.0f));
    }
    case BuiltinOp::RSQRT:
      return refmath::rsqrt(*qi, *qo, 127);
    default:
      return fmt::format("{} has no table", ir::builtin_op_name(op.type));
  }
}

}  // namespace

std::optional<std::string> table_activation_why_not(const ir::Model& model, int subgraph,
                                                    int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  auto f = table_function(sg, sg.operators.at(op_index));
  if (const std::string* why = std::get_if<std::string>(&f))
    return *why;
  return std::nullopt;
}

void lower_table_activation(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  auto f = table_function(b.subgraph(), op);
  if (const std::string* why = std::get_if<std::string>(&f))
    throw Error(ErrorKind::kInternal, fmt::format("operator {}: {}", index, *why));
  const TableFunction& table = std::get<TableFunction>(f);
  ir::Lut lut{ir::DataType::kInt8, {}};
  lut.values.reserve(256);
  for (int32_t x = -128; x <= 127; ++x) {
    // An input the reference refuses (RSQRT of a negative value stops TFLite with an error)
    // gets the output type's maximum, as a zero input does.
    lut.values.push_back(std::clamp(table(x).value_or(127), -128, 127));
  }
  ir::NpuOp copy = b.byte_copy(b.whole(op.inputs.at(0)), b.whole(op.outputs.at(0)),
                               b.network_tensor(op.outputs.at(0)).name);
  copy.source_ops = {index};
  copy.activation.kind = ir::Activation::Kind::kLut;
  copy.activation.min = -128;
  copy.activation.max = 127;
  copy.activation.lut = b.add_lut(std::move(lut));
  b.add(std::move(copy));
}

}  // namespace euc::frontend
