#include <utility>

#include "refinterp/kernels.hpp"

namespace euc::refinterp {

PrepareFn find_kernel(ir::BuiltinOp op) {
  using B = ir::BuiltinOp;
  static const std::pair<B, PrepareFn> kTable[] = {
      {B::ABS, prepare_abs},
      {B::ADD, prepare_add},
      {B::ARG_MAX, prepare_arg_max},
      {B::AVERAGE_POOL_2D, prepare_average_pool},
      {B::BATCH_MATMUL, prepare_batch_matmul},
      {B::CONCATENATION, prepare_concatenation},
      {B::CONV_2D, prepare_conv2d},
      {B::DEPTHWISE_CONV_2D, prepare_depthwise_conv2d},
      {B::DEQUANTIZE, prepare_dequantize},
      {B::EXP, prepare_exp},
      {B::EXPAND_DIMS, prepare_reshape},
      {B::FULLY_CONNECTED, prepare_fully_connected},
      {B::HARD_SWISH, prepare_hard_swish},
      {B::LEAKY_RELU, prepare_leaky_relu},
      {B::LOGISTIC, prepare_logistic},
      {B::MAXIMUM, prepare_maximum},
      {B::MAX_POOL_2D, prepare_max_pool},
      {B::MEAN, prepare_mean},
      {B::MINIMUM, prepare_minimum},
      {B::MIRROR_PAD, prepare_mirror_pad},
      {B::MUL, prepare_mul},
      {B::PACK, prepare_pack},
      {B::PAD, prepare_pad},
      {B::PADV2, prepare_pad},
      {B::PRELU, prepare_prelu},
      {B::QUANTIZE, prepare_quantize},
      {B::REDUCE_MAX, prepare_reduce_max},
      {B::REDUCE_MIN, prepare_reduce_min},
      {B::RELU, prepare_relu},
      {B::RELU6, prepare_relu6},
      {B::RELU_N1_TO_1, prepare_relu_n1_to_1},
      {B::RESHAPE, prepare_reshape},
      {B::RESIZE_BILINEAR, prepare_resize_bilinear},
      {B::RESIZE_NEAREST_NEIGHBOR, prepare_resize_nearest},
      {B::REVERSE_V2, prepare_reverse_v2},
      {B::RSQRT, prepare_rsqrt},
      {B::SHAPE, prepare_shape},
      {B::SLICE, prepare_slice},
      {B::SOFTMAX, prepare_softmax},
      {B::SPLIT, prepare_split},
      {B::SPLIT_V, prepare_split_v},
      {B::SQUARED_DIFFERENCE, prepare_squared_difference},
      {B::SQUEEZE, prepare_reshape},
      {B::STRIDED_SLICE, prepare_strided_slice},
      {B::SUB, prepare_sub},
      {B::SUM, prepare_sum},
      {B::SVDF, prepare_svdf},
      {B::TANH, prepare_tanh},
      {B::TRANSPOSE, prepare_transpose},
      {B::TRANSPOSE_CONV, prepare_transpose_conv},
      {B::UNIDIRECTIONAL_SEQUENCE_LSTM, prepare_unidirectional_lstm},
      {B::UNPACK, prepare_unpack},
  };
  for (const auto& [code, fn] : kTable)
    if (code == op)
      return fn;
  return nullptr;
}

}  // namespace euc::refinterp
