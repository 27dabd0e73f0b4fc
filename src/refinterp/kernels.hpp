#pragma once
// The prepare functions of every operator kernel, one group per source file.
#include "refinterp/kernel.hpp"

namespace euc::refinterp {

using PrepareFn = Kernel (*)(const OpContext&);

// The kernel for a builtin operator, or nullptr when the interpreter does not support it.
PrepareFn find_kernel(ir::BuiltinOp op);

// conv.cpp
Kernel prepare_conv2d(const OpContext& ctx);
// depthwise.cpp
Kernel prepare_depthwise_conv2d(const OpContext& ctx);
// transpose_conv.cpp
Kernel prepare_transpose_conv(const OpContext& ctx);
// fully_connected.cpp
Kernel prepare_fully_connected(const OpContext& ctx);
// batch_matmul.cpp
Kernel prepare_batch_matmul(const OpContext& ctx);
// pooling.cpp
Kernel prepare_average_pool(const OpContext& ctx);
Kernel prepare_max_pool(const OpContext& ctx);
// binary.cpp
Kernel prepare_add(const OpContext& ctx);
Kernel prepare_sub(const OpContext& ctx);
Kernel prepare_mul(const OpContext& ctx);
Kernel prepare_maximum(const OpContext& ctx);
Kernel prepare_minimum(const OpContext& ctx);
Kernel prepare_squared_difference(const OpContext& ctx);
// activations.cpp
Kernel prepare_relu(const OpContext& ctx);
Kernel prepare_relu6(const OpContext& ctx);
Kernel prepare_relu_n1_to_1(const OpContext& ctx);
Kernel prepare_leaky_relu(const OpContext& ctx);
Kernel prepare_prelu(const OpContext& ctx);
Kernel prepare_hard_swish(const OpContext& ctx);
Kernel prepare_abs(const OpContext& ctx);
Kernel prepare_rsqrt(const OpContext& ctx);
Kernel prepare_exp(const OpContext& ctx);
// sigmoid_tanh.cpp
Kernel prepare_logistic(const OpContext& ctx);
Kernel prepare_tanh(const OpContext& ctx);
// softmax.cpp
Kernel prepare_softmax(const OpContext& ctx);
// reduce.cpp
Kernel prepare_mean(const OpContext& ctx);
Kernel prepare_sum(const OpContext& ctx);
Kernel prepare_reduce_max(const OpContext& ctx);
Kernel prepare_reduce_min(const OpContext& ctx);
Kernel prepare_arg_max(const OpContext& ctx);
// quantize.cpp
Kernel prepare_quantize(const OpContext& ctx);
Kernel prepare_dequantize(const OpContext& ctx);
// reshape.cpp
Kernel prepare_reshape(const OpContext& ctx);
Kernel prepare_shape(const OpContext& ctx);
Kernel prepare_concatenation(const OpContext& ctx);
Kernel prepare_pack(const OpContext& ctx);
Kernel prepare_unpack(const OpContext& ctx);
Kernel prepare_split(const OpContext& ctx);
Kernel prepare_split_v(const OpContext& ctx);
// slicing.cpp
Kernel prepare_slice(const OpContext& ctx);
Kernel prepare_strided_slice(const OpContext& ctx);
Kernel prepare_transpose(const OpContext& ctx);
Kernel prepare_pad(const OpContext& ctx);
Kernel prepare_mirror_pad(const OpContext& ctx);
Kernel prepare_reverse_v2(const OpContext& ctx);
// resize.cpp
Kernel prepare_resize_bilinear(const OpContext& ctx);
Kernel prepare_resize_nearest(const OpContext& ctx);
// svdf.cpp
Kernel prepare_svdf(const OpContext& ctx);
// lstm.cpp
Kernel prepare_unidirectional_lstm(const OpContext& ctx);

}  // namespace euc::refinterp
