#include "frontend/lowering/operator_arity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace euc::frontend {

namespace {

using B = ir::BuiltinOp;

constexpr int kMany = INT_MAX;

struct Arity {
  B type;
  int min_inputs;
  int max_inputs;
  uint32_t required;  // bit i: input i may not be omitted (-1)
  int min_outputs;
  int max_outputs;
};

constexpr uint32_t first(int n) {
  return (uint32_t{1} << n) - 1;
}

// CONCATENATION and PACK take any number of inputs, none of them optional.
constexpr uint32_t kAllInputs = ~uint32_t{0};

bool is_required(const Arity& a, size_t input) {
  return a.required == kAllInputs || (input < 32 && (a.required >> input & 1u) != 0);
}

// UNIDIRECTIONAL_SEQUENCE_LSTM: the input, the input and recurrent weights of the forget, cell
// and output gates, their biases and the two state variables; the input gate, peepholes,
// projection and layer norms are optional (TFLite's lstm kernels).
constexpr uint32_t kLstmRequired = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 6) |
                                   (1u << 7) | (1u << 8) | (1u << 13) | (1u << 14) | (1u << 15) |
                                   (1u << 18) | (1u << 19);

// SVDF: the input, both weight tensors and the state variable; the bias is optional.
constexpr uint32_t kSvdfRequired = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 4);

// From TFLite's kernels (Prepare checks NumInputs/NumOutputs). Optional trailing inputs: the bias
// of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and TRANSPOSE_CONV, PAD's constant value, the
// shape of RESHAPE. FULLY_CONNECTED has one output: TFLite's second one, the shuffled-weights
// workspace, is not in TensorFlow Lite Micro (which refuses it), and the NPU would not write it.
constexpr std::array kArities = {
    Arity{B::ABS, 1, 1, first(1), 1, 1},
    Arity{B::ADD, 2, 2, first(2), 1, 1},
    Arity{B::ARG_MAX, 2, 2, first(2), 1, 1},
    Arity{B::AVERAGE_POOL_2D, 1, 1, first(1), 1, 1},
    Arity{B::BATCH_MATMUL, 2, 2, first(2), 1, 1},
    Arity{B::CONCATENATION, 1, kMany, kAllInputs, 1, 1},
    Arity{B::CONV_2D, 2, 3, first(2), 1, 1},
    Arity{B::DEPTHWISE_CONV_2D, 2, 3, first(2), 1, 1},
    Arity{B::EXP, 1, 1, first(1), 1, 1},
    Arity{B::EXPAND_DIMS, 2, 2, first(2), 1, 1},
    Arity{B::FULLY_CONNECTED, 2, 3, first(2), 1, 1},
    Arity{B::HARD_SWISH, 1, 1, first(1), 1, 1},
    Arity{B::LEAKY_RELU, 1, 1, first(1), 1, 1},
    Arity{B::LOGISTIC, 1, 1, first(1), 1, 1},
    Arity{B::MAXIMUM, 2, 2, first(2), 1, 1},
    Arity{B::MAX_POOL_2D, 1, 1, first(1), 1, 1},
    Arity{B::MEAN, 2, 2, first(2), 1, 1},
    Arity{B::MINIMUM, 2, 2, first(2), 1, 1},
    Arity{B::MUL, 2, 2, first(2), 1, 1},
    Arity{B::PACK, 1, kMany, kAllInputs, 1, 1},
    Arity{B::PAD, 2, 3, first(2), 1, 1},
    Arity{B::PRELU, 2, 2, first(2), 1, 1},
    Arity{B::QUANTIZE, 1, 1, first(1), 1, 1},
    Arity{B::REDUCE_MAX, 2, 2, first(2), 1, 1},
    Arity{B::REDUCE_MIN, 2, 2, first(2), 1, 1},
    Arity{B::RELU, 1, 1, first(1), 1, 1},
    Arity{B::RELU6, 1, 1, first(1), 1, 1},
    Arity{B::RELU_N1_TO_1, 1, 1, first(1), 1, 1},
    Arity{B::RESHAPE, 1, 2, first(1), 1, 1},
    Arity{B::RESIZE_BILINEAR, 2, 2, first(2), 1, 1},
    Arity{B::RESIZE_NEAREST_NEIGHBOR, 2, 2, first(2), 1, 1},
    Arity{B::RSQRT, 1, 1, first(1), 1, 1},
    Arity{B::SHAPE, 1, 1, first(1), 1, 1},
    Arity{B::SLICE, 3, 3, first(3), 1, 1},
    Arity{B::SOFTMAX, 1, 1, first(1), 1, 1},
    Arity{B::SPLIT, 2, 2, first(2), 1, kMany},
    Arity{B::SPLIT_V, 3, 3, first(3), 1, kMany},
    Arity{B::SQUARED_DIFFERENCE, 2, 2, first(2), 1, 1},
    Arity{B::SQUEEZE, 1, 1, first(1), 1, 1},
    Arity{B::STRIDED_SLICE, 4, 4, first(4), 1, 1},
    Arity{B::SUB, 2, 2, first(2), 1, 1},
    Arity{B::SUM, 2, 2, first(2), 1, 1},
    Arity{B::SVDF, 5, 5, kSvdfRequired, 1, 1},
    Arity{B::TANH, 1, 1, first(1), 1, 1},
    Arity{B::TRANSPOSE, 2, 2, first(2), 1, 1},
    Arity{B::TRANSPOSE_CONV, 3, 4, first(3), 1, 1},
    Arity{B::UNIDIRECTIONAL_SEQUENCE_LSTM, 20, 24, kLstmRequired, 1, 1},
    Arity{B::UNPACK, 1, 1, first(1), 1, kMany},
};

std::string count_range(int lo, int hi) {
  if (lo == hi)
    return fmt::format("{}", lo);
  if (hi == kMany)
    return fmt::format("at least {}", lo);
  return fmt::format("{} to {}", lo, hi);
}

}  // namespace

void check_operator_arity(const ir::Model& model, int subgraph, int op_index) {
  const ir::Operator& op = model.subgraphs.at(subgraph).operators.at(op_index);
  auto it = std::find_if(kArities.begin(), kArities.end(),
                         [&](const Arity& a) { return a.type == op.type; });
  if (it == kArities.end())
    return;
  const Arity& a = *it;
  const std::string where = fmt::format("subgraph {} operator {} ({})", subgraph, op_index,
                                        ir::operator_display_name(op));
  const auto inputs = static_cast<int64_t>(op.inputs.size());
  const auto outputs = static_cast<int64_t>(op.outputs.size());
  if (inputs < a.min_inputs || inputs > a.max_inputs) {
    throw_input(fmt::format("{}: {} inputs, but {} takes {}", where, inputs,
                            ir::builtin_op_name(op.type), count_range(a.min_inputs, a.max_inputs)));
  }
  if (outputs < a.min_outputs || outputs > a.max_outputs) {
    throw_input(fmt::format("{}: {} outputs, but {} takes {}", where, outputs,
                            ir::builtin_op_name(op.type),
                            count_range(a.min_outputs, a.max_outputs)));
  }
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    if (op.inputs[i] < 0 && is_required(a, i)) {
      throw_input(fmt::format("{}: input {} is omitted (tensor index {}), but {} requires it",
                              where, i, op.inputs[i], ir::builtin_op_name(op.type)));
    }
  }
}

}  // namespace euc::frontend
