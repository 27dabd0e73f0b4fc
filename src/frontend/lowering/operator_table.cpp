#include "frontend/lowering/operator_table.hpp"

#include <algorithm>
#include <vector>

#include "frontend/lowering/batch_matmul.hpp"
#include "frontend/lowering/data_movement.hpp"
#include "frontend/lowering/join_split.hpp"
#include "frontend/lowering/lower_ops.hpp"
#include "frontend/lowering/lowering.hpp"
#include "frontend/lowering/lstm.hpp"
#include "frontend/lowering/lut_activations.hpp"
#include "frontend/lowering/reductions.hpp"
#include "frontend/lowering/resampling.hpp"
#include "frontend/lowering/softmax.hpp"
#include "frontend/lowering/squared_difference.hpp"
#include "frontend/lowering/svdf.hpp"

namespace euc::frontend {
namespace {

using ir::BuiltinOp;

std::optional<std::string> always(const ir::Model&, int, int) {
  return std::nullopt;
}

std::optional<std::string> join_split_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  if (join_split_geometry(model, sg, sg.operators.at(op_index)))
    return std::nullopt;
  return "the pieces' geometry is not one euc lowers yet (views or copies of boxes of the whole)";
}

std::optional<std::string> pad_why_not(const ir::Model& model, int subgraph, int op_index) {
  if (pad_folds_into_next(model, subgraph, op_index, nullptr))
    return std::nullopt;
  auto why = data_movement_why_not(model, subgraph, op_index);
  if (!why)
    return std::nullopt;
  return "the PAD neither folds into the convolution reading it (height and width padding no "
         "wider than its kernel, VALID, the PAD's output read by it alone) nor copies: " +
         *why;
}

// STRIDED_SLICE: a box view or copy when its strides are 1 (join_split.cpp), else lattice copies
// (data_movement.cpp).
std::optional<std::string> strided_slice_why_not(const ir::Model& model, int subgraph,
                                                 int op_index) {
  if (!join_split_why_not(model, subgraph, op_index))
    return std::nullopt;
  return data_movement_why_not(model, subgraph, op_index);
}
void lower_strided_slice(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  if (join_split_geometry(b.model(), b.subgraph(), op))
    lower_join_split(b, op, index);
  else
    lower_data_movement(b, op, index);
}
void lower_moves(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_data_movement(b, op, index);
}

void lower_conv(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_convolution(b, op, index);
}
void lower_fc(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_fully_connected(b, op, index);
}
void lower_pool(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_pooling(b, op, index);
}
void lower_binary(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_elementwise(b, op, index);
}
void lower_reduction_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_reduction(b, op, index);
}
void lower_rescale(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_quantize(b, op, index);
}
void lower_relu_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_relu(b, op, index);
}
void lower_softmax_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_softmax(b, op, index);
}
void lower_squared_difference_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_squared_difference(b, op, index);
}
void lower_batch_matmul_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_batch_matmul(b, op, index);
}
void lower_resize_nearest_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_resize_nearest(b, op, index);
}
void lower_resize_bilinear_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_resize_bilinear(b, op, index);
}
void lower_transpose_conv_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_transpose_conv(b, op, index);
}
void lower_lstm_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_lstm(b, op, index);
}
void lower_svdf_op(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_svdf(b, op, index);
}
void lower_join(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  lower_join_split(b, op, index);
}
void lower_pad(SegmentBuilder& b, const ir::Operator& op, int index, bool) {
  // Folded: nothing, the convolution after it reads the PAD's input with the padding
  // (fold_pad). Otherwise copies into the centre and fills around it.
  if (op.outputs.size() == 1 && b.folded_pad(op.outputs[0]) != nullptr)
    return;
  lower_data_movement(b, op, index);
}

// LEAKY_RELU: a table on int8 (exact for every alpha), the NPU's LeakyReLU or two rescales on
// int16.
bool int8_input(const ir::Subgraph& sg, const ir::Operator& op) {
  return !op.inputs.empty() && op.inputs[0] >= 0 &&
         static_cast<size_t>(op.inputs[0]) < sg.tensors.size() &&
         sg.tensors[op.inputs[0]].type == ir::DataType::kInt8;
}
std::optional<std::string> leaky_relu_any_why_not(const ir::Model& model, int subgraph,
                                                  int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  if (int8_input(sg, sg.operators.at(op_index)))
    return table_activation_why_not(model, subgraph, op_index);
  return leaky_relu_why_not(model, subgraph, op_index);
}
void lower_leaky_relu_any(SegmentBuilder& b, const ir::Operator& op, int index, bool produced) {
  if (int8_input(b.subgraph(), op))
    lower_table_activation(b, op, index, produced);
  else
    lower_leaky_relu(b, op, index, produced);
}

std::vector<OperatorLowering> build_table() {
  std::vector<OperatorLowering> t = {
      // Convolutions (lower_ops.cpp)
      {BuiltinOp::CONV_2D, convolution_why_not, lower_conv},
      {BuiltinOp::DEPTHWISE_CONV_2D, convolution_why_not, lower_conv},
      {BuiltinOp::FULLY_CONNECTED, convolution_why_not, lower_fc},
      // Pooling (lower_ops.cpp)
      {BuiltinOp::AVERAGE_POOL_2D, pooling_why_not, lower_pool},
      {BuiltinOp::MAX_POOL_2D, pooling_why_not, lower_pool},
      // Reductions over any axes (reductions.cpp): max pools, all-ones depthwise convolutions
      {BuiltinOp::MEAN, reduction_why_not, lower_reduction_op},
      {BuiltinOp::ARG_MAX, reduction_why_not, lower_reduction_op},
      {BuiltinOp::SUM, reduction_why_not, lower_reduction_op},
      {BuiltinOp::REDUCE_MAX, reduction_why_not, lower_reduction_op},
      {BuiltinOp::REDUCE_MIN, reduction_why_not, lower_reduction_op},
      // Elementwise (lower_ops.cpp)
      {BuiltinOp::ADD, elementwise_why_not, lower_binary},
      {BuiltinOp::SUB, elementwise_why_not, lower_binary},
      {BuiltinOp::MUL, elementwise_why_not, lower_binary},
      {BuiltinOp::MINIMUM, elementwise_why_not, lower_binary},
      {BuiltinOp::MAXIMUM, elementwise_why_not, lower_binary},
      {BuiltinOp::QUANTIZE, quantize_why_not, lower_rescale},
      {BuiltinOp::RELU, relu_why_not, lower_relu_op},
      // Activations without a lookup table (activations.cpp)
      {BuiltinOp::RELU6, relu6_why_not, lower_relu6},
      {BuiltinOp::RELU_N1_TO_1, relu_n1_to_1_why_not, lower_relu_n1_to_1},
      {BuiltinOp::ABS, abs_why_not, lower_abs},
      {BuiltinOp::PRELU, prelu_why_not, lower_prelu},
      // Activations by table lookup or the built-in functions (lut_activations.cpp)
      {BuiltinOp::LOGISTIC, table_activation_why_not, lower_table_activation},
      {BuiltinOp::TANH, table_activation_why_not, lower_table_activation},
      {BuiltinOp::HARD_SWISH, table_activation_why_not, lower_table_activation},
      {BuiltinOp::RSQRT, table_activation_why_not, lower_table_activation},
      // int8 by table, int16 by the NPU's LeakyReLU or two rescales (activations.cpp)
      {BuiltinOp::LEAKY_RELU, leaky_relu_any_why_not, lower_leaky_relu_any},
      // Normalisation (softmax.cpp): max, exp table, sum, reciprocal, scale
      {BuiltinOp::SOFTMAX, softmax_why_not, lower_softmax_op},
      // Elementwise chains (squared_difference.cpp): rescale each input, subtract, square
      {BuiltinOp::SQUARED_DIFFERENCE, squared_difference_why_not, lower_squared_difference_op},
      // Matrix products (batch_matmul.cpp): 1x1 convolutions, or products and channel sums
      {BuiltinOp::BATCH_MATMUL, batch_matmul_why_not, lower_batch_matmul_op},
      // Resampling (resampling.cpp): upscaling pools, and convolutions of zero-inserted IFMs
      {BuiltinOp::RESIZE_NEAREST_NEIGHBOR, resize_nearest_why_not, lower_resize_nearest_op},
      {BuiltinOp::RESIZE_BILINEAR, resize_bilinear_why_not, lower_resize_bilinear_op},
      {BuiltinOp::TRANSPOSE_CONV, transpose_conv_why_not, lower_transpose_conv_op},
      // Recurrent (lstm.cpp): unrolled per time step
      {BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, lstm_why_not, lower_lstm_op},
      // Time-filtered projections (svdf.cpp): shifted state, products and channel sums
      {BuiltinOp::SVDF, svdf_why_not, lower_svdf_op},
      // Reshapes (lower_ops.cpp): aliases, or copies of segment inputs
      {BuiltinOp::RESHAPE, always, lower_reshape},
      {BuiltinOp::SQUEEZE, always, lower_reshape},
      {BuiltinOp::EXPAND_DIMS, always, lower_reshape},
      // Joins, splits and slices (join_split.cpp)
      {BuiltinOp::CONCATENATION, join_split_why_not, lower_join},
      {BuiltinOp::PACK, join_split_why_not, lower_join},
      {BuiltinOp::UNPACK, join_split_why_not, lower_join},
      {BuiltinOp::SPLIT, join_split_why_not, lower_join},
      {BuiltinOp::SPLIT_V, join_split_why_not, lower_join},
      {BuiltinOp::SLICE, join_split_why_not, lower_join},
      {BuiltinOp::STRIDED_SLICE, strided_slice_why_not, lower_strided_slice},
      // Padding (lowering.cpp): folded into the next convolution, else copies and fills
      // (data_movement.cpp)
      {BuiltinOp::PAD, pad_why_not, lower_pad, true},
      // Data movement (data_movement.cpp): byte copies between strided views
      {BuiltinOp::TRANSPOSE, data_movement_why_not, lower_moves},
      {BuiltinOp::REVERSE_V2, data_movement_why_not, lower_moves},
      {BuiltinOp::PADV2, data_movement_why_not, lower_moves},
      {BuiltinOp::MIRROR_PAD, data_movement_why_not, lower_moves},
  };
  std::sort(t.begin(), t.end(), [](const OperatorLowering& a, const OperatorLowering& b) {
    return ir::builtin_op_name(a.type) < ir::builtin_op_name(b.type);
  });
  return t;
}

const std::vector<OperatorLowering>& table() {
  static const std::vector<OperatorLowering> kTable = build_table();
  return kTable;
}

}  // namespace

std::span<const OperatorLowering> operator_lowerings() {
  return table();
}

const OperatorLowering* find_lowering(ir::BuiltinOp type) {
  for (const OperatorLowering& entry : table()) {
    if (entry.type == type)
      return &entry;
  }
  return nullptr;
}

}  // namespace euc::frontend
