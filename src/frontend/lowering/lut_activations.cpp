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

// An operator's table as a function of the stored input value (int8).
using TableFunction = std::function<std::optional<int32_t>(int32_t)>;
// The NPU's built-in sigmoid or tanh after a rescale of the input (int16).
struct BuiltinFunction {
  ir::Activation::Kind kind = ir::Activation::Kind::kSigmoid;
  refmath::Int16TableScale scale;
};
using OutputStageFunction = std::variant<TableFunction, BuiltinFunction, std::string>;

OutputStageFunction int16_function(const ir::Operator& op, refmath::Quant in, refmath::Quant out) {
  if (op.type != BuiltinOp::LOGISTIC && op.type != BuiltinOp::TANH)
    return fmt::format("euc lowers {} on int8 tensors (not int16 yet)",
                       ir::builtin_op_name(op.type));
  if (auto problem = refmath::sigmoid_int16_problem(in, out))
    return *problem;
  // TFLite's int16 kernels interpolate the same 256-entry sigmoid table the NPU's SIGMOID and
  // TANH functions use (docs/npu_architecture.md §Activation LUTs); only the input rescale
  // differs by operator.
  const bool logistic = op.type == BuiltinOp::LOGISTIC;
  return BuiltinFunction{logistic ? ir::Activation::Kind::kSigmoid : ir::Activation::Kind::kTanh,
                         refmath::sigmoid_int16_scale(in.scale, logistic ? 0 : 1)};
}

// How the output stage computes the operator, or why it cannot.
OutputStageFunction output_stage_function(const ir::Subgraph& sg, const ir::Operator& op) {
  if (op.inputs.size() != 1 || op.outputs.size() != 1 || op.inputs[0] < 0)
    return std::string("the operator needs one input and one output");
  const ir::Tensor& in = sg.tensors.at(op.inputs[0]);
  const ir::Tensor& out = sg.tensors.at(op.outputs[0]);
  if (in.shape != out.shape)
    return std::string("the input and output shapes differ");
  const std::optional<refmath::Quant> qi = quant_of(in), qo = quant_of(out);
  if (!qi || !qo)
    return std::string("the input and output need per-tensor quantisation");
  if (in.type == ir::DataType::kInt16 && out.type == ir::DataType::kInt16)
    return int16_function(op, *qi, *qo);
  if (in.type != ir::DataType::kInt8 || out.type != ir::DataType::kInt8)
    return fmt::format("euc lowers {} on int8 or int16 tensors (not {} to {})",
                       ir::builtin_op_name(op.type), ir::data_type_name(in.type),
                       ir::data_type_name(out.type));
  if (auto problem = refmath::fixed_point_problem(
          ir::builtin_op_name(op.type), *qi, *qo,
          op.type == BuiltinOp::LEAKY_RELU &&
                  tfl::builtin_options_as<tflite::LeakyReluOptions>(op) != nullptr
              ? tfl::builtin_options_as<tflite::LeakyReluOptions>(op)->alpha()
              : 0.0f))
    return *problem;
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

// A 1x1 average pool whose output stage rescales each value (NATURAL rounding: ties up, as the
// reference's add-half-and-shift) and applies the built-in function.
ir::NpuOp builtin_function_op(SegmentBuilder& b, const ir::Operator& op, int index,
                              const BuiltinFunction& f) {
  ir::NpuOp out;
  out.type = ir::NpuOpType::kAvgPool;
  out.ifm = b.whole(op.inputs.at(0));
  out.ofm = b.whole(op.outputs.at(0));
  out.source_ops = {index};
  out.name = b.network_tensor(op.outputs.at(0)).name;
  out.explicit_scale =
      std::make_pair(static_cast<uint32_t>(f.scale.multiplier), f.scale.left_shift);
  out.rounding = ir::RoundingMode::kNatural;
  out.activation.kind = f.kind;
  return out;
}

// Whether an operation writes int8 values through an output stage that can look them up.
bool arch_output_type_is_int8(SegmentBuilder& b, const ir::NpuOp& op) {
  return op.type != ir::NpuOpType::kMemcpy && b.lowered(op.ofm.tensor).type == ir::DataType::kInt8;
}

}  // namespace

std::optional<std::string> table_activation_why_not(const ir::Model& model, int subgraph,
                                                    int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  auto f = output_stage_function(sg, sg.operators.at(op_index));
  if (const std::string* why = std::get_if<std::string>(&f))
    return *why;
  return std::nullopt;
}

void lower_table_activation(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  auto f = output_stage_function(b.subgraph(), op);
  if (const std::string* why = std::get_if<std::string>(&f))
    throw Error(ErrorKind::kInternal, fmt::format("operator {}: {}", index, *why));
  if (const BuiltinFunction* builtin = std::get_if<BuiltinFunction>(&f)) {
    b.add(builtin_function_op(b, op, index, *builtin));
    return;
  }
  const TableFunction& table = std::get<TableFunction>(f);
  // Folded into the output stage of the operation producing the input when nothing else reads
  // it (a convolution's HARD_SWISH, say): that stage's clamp, if any, moves into the table,
  // which then maps the producer's pre-table value, and the output shares the input's storage.
  ir::NpuOp* producer = b.sole_producer(op.inputs.at(0));
  if (producer != nullptr && (!arch_output_type_is_int8(b, *producer) ||
                              (producer->activation.kind != ir::Activation::Kind::kNone &&
                               producer->activation.kind != ir::Activation::Kind::kClamp)))
    producer = nullptr;
  int32_t lo = -128, hi = 127;
  if (producer != nullptr && producer->activation.kind == ir::Activation::Kind::kClamp) {
    lo = producer->activation.min;
    hi = producer->activation.max;
  }
  ir::Lut lut{ir::DataType::kInt8, {}};
  lut.values.reserve(256);
  for (int32_t x = -128; x <= 127; ++x) {
    // An input the reference refuses (RSQRT of a negative value stops TFLite with an error)
    // gets the output type's maximum, as a zero input does.
    lut.values.push_back(std::clamp(table(std::clamp(x, lo, hi)).value_or(127), -128, 127));
  }
  if (producer != nullptr) {
    producer->activation = {ir::Activation::Kind::kLut, -128, 127, b.add_lut(std::move(lut))};
    producer->source_ops.push_back(index);
    b.alias(op.outputs.at(0), op.inputs.at(0));
    return;
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
