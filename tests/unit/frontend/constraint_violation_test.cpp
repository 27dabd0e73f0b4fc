// One hand-made violation per constraint: a model of the conformance corpus (all placed on the
// NPU by Vela 3.10) is changed in exactly the way the rule forbids, and the operator must then
// stay on the CPU naming that rule and the specifics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include "frontend/supported/supported_ops.hpp"
#include "model_mutation.hpp"
#include "support/test_paths.hpp"

namespace euc::frontend {
namespace {

using test::edit_options;
using test::input_of;
using test::op_at;
using test::output_of;
using test::set_values;
using B = ir::BuiltinOp;
using DT = ir::DataType;

struct ViolationCase {
  std::string rule;   // constraint id
  std::string model;  // stem in models/ops, or a file name in models/ (ends in .tflite)
  std::function<void(ir::Model&)> mutate;
  std::string specifics;             // expected in the reason
  bool pristine_meets_rules = true;  // false: the corpus model itself breaks the rule
};

// Test names and failure messages show the rule, not the bytes of the case.
void PrintTo(const ViolationCase& c, std::ostream* os) {
  *os << c.rule << " on " << c.model;
}

void set_shape(ir::Tensor& t, std::vector<int32_t> shape) {
  t.shape = std::move(shape);
}

void set_scale(ir::Tensor& t, std::vector<float> scale) {
  t.quantization->scale = std::move(scale);
}

// The single operator of a corpus model keeps its IFM/OFM in and out of these helpers.
ir::Tensor& in(ir::Model& m, size_t i = 0) {
  return input_of(m, 0, i);
}
ir::Tensor& out(ir::Model& m) {
  return output_of(m, 0);
}

std::vector<ViolationCase> cases() {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  return {
      // ---- generic ----
      {"options_present", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) { op_at(m, 0).builtin_options = {}; }, "no Conv2DOptions"},
      {"no_dynamic_tensors", "add_same_shape_int8", [](ir::Model& m) { set_shape(in(m, 1), {}); },
       "dynamic (scalar, non-constant) tensor(s)"},
      {"shapes_known", "abs_int8",
       [](ir::Model& m) {
         set_shape(in(m), {1, -1, 16, 8});
       },
       "[1,-1,16,8]"},
      {"output_not_scalar", "relu_int8", [](ir::Model& m) { set_shape(out(m), {}); },
       "is a scalar"},
      {"no_scalar_inputs", "relu_int8",
       [](ir::Model& m) {
         set_shape(in(m), {});
         set_values<int8_t>(m, in(m), {3});
       },
       "scalar input(s) 'input'"},
      {"rank_at_most_4", "abs_int8",
       [](ir::Model& m) {
         set_shape(in(m), {1, 1, 16, 16, 8});
         set_shape(out(m), {1, 1, 16, 16, 8});
       },
       "is 5-D"},
      {"quantized", "abs_int8", [](ir::Model& m) { in(m).quantization.reset(); },
       "no quantisation on 'input'"},
      {"scales_finite", "abs_int8", [](ir::Model& m) { set_scale(in(m), {kInf}); },
       "has scale inf"},
      {"scales_in_float32_range", "abs_int8", [](ir::Model& m) { set_scale(out(m), {1e-39f}); },
       "below the smallest normal float32"},
      {"constants_have_data", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) { in(m, 1).buffer = 0; }, "without data: 'weights'"},
      {"data_types", "abs_int8",
       [](ir::Model& m) {
         in(m).type = DT::kFloat32;
         out(m).type = DT::kFloat32;
       },
       "'input' is float32"},
      {"no_int32", "relu_int8",
       [](ir::Model& m) {
         in(m).type = DT::kInt32;
         out(m).type = DT::kInt32;
       },
       "int32 tensor(s) 'input'"},
      {"dimensions_in_range", "abs_int8",
       [](ir::Model& m) {
         set_shape(in(m), {1, 1, 70000, 1});
         set_shape(out(m), {1, 1, 70000, 1});
       },
       "[1,1,70000,1]"},
      {"per_tensor_quantization", "add_same_shape_int8",
       [](ir::Model& m) {
         in(m).quantization->scale.assign(8, 0.05f);
         in(m).quantization->zero_point.assign(8, 0);
         in(m).quantization->quantized_dimension = 3;
       },
       "per-axis quantisation on 'input1'"},
      {"batch_one", "abs_int8",
       [](ir::Model& m) {
         set_shape(in(m), {2, 16, 16, 8});
         set_shape(out(m), {2, 16, 16, 8});
       },
       "has batch 2"},
      {"fused_activation", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) {
         edit_options<tflite::Conv2DOptions>(op_at(m, 0), [](auto& o) {
           o.fused_activation_function = tflite::ActivationFunctionType::SIGN_BIT;
         });
       },
       "fused activation SIGN_BIT"},
      {"fused_activation_output_type", "add_same_shape_int8",
       [](ir::Model& m) {
         edit_options<tflite::AddOptions>(op_at(m, 0), [](auto& o) {
           o.fused_activation_function = tflite::ActivationFunctionType::RELU;
         });
         for (ir::Tensor* t : {&in(m, 0), &in(m, 1), &out(m)})
           t->type = DT::kInt32;
       },
       "fused RELU with int32 output"},

      // ---- convolutions and fully connected ----
      {"stride_positive", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) {
         edit_options<tflite::Conv2DOptions>(op_at(m, 0), [](auto& o) { o.stride_w = 0; });
       },
       "stride 0x1"},
      {"dilation_positive", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) {
         edit_options<tflite::Conv2DOptions>(op_at(m, 0), [](auto& o) { o.dilation_h_factor = 0; });
       },
       "dilation 1x0"},
      {"conv_groups_ifm_depth", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) {
         set_shape(in(m), {1, 16, 16, 12});
       },
       "IFM depth 12 is not a multiple of kernel depth 8"},
      {"conv_groups_kernel_count", "conv2d_k3s1_same_d20o33_int8",
       [](ir::Model& m) {
         set_shape(in(m, 1), {33, 3, 3, 10});
       },
       "33 kernels for 2 groups"},
      {"stride_large_width", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) {
         edit_options<tflite::Conv2DOptions>(op_at(m, 0), [](auto& o) { o.stride_h = 4; });
       },
       "stride 1x4 (WxH)"},
      {"avgpool_large_stride_valid", "avgpool_k3s1_same_int8",
       [](ir::Model& m) {
         edit_options<tflite::Pool2DOptions>(op_at(m, 0), [](auto& o) { o.stride_w = 4; });
       },
       "stride width 4 with SAME padding"},
      {"stride_range", "dwconv_k3s1_same_c16_int8",
       [](ir::Model& m) {
         edit_options<tflite::DepthwiseConv2DOptions>(op_at(m, 0), [](auto& o) {
           o.stride_w = 4;
           o.stride_h = 4;
         });
       },
       "stride 4x4 (WxH) outside [1, 3]"},
      {"dilated_kernel_height", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) {
         edit_options<tflite::Conv2DOptions>(op_at(m, 0),
                                             [](auto& o) { o.dilation_h_factor = 32; });
       },
       "dilated kernel height 65"},
      {"dilated_kernel_area", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) {
         edit_options<tflite::Conv2DOptions>(op_at(m, 0), [](auto& o) {
           o.dilation_w_factor = 40;
           o.dilation_h_factor = 31;
         });
       },
       "area 5103"},
      {"weights_8bit", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) { in(m, 1).type = DT::kInt16; }, "weights 'weights' are int16"},
      {"weights_constant", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) { test::make_graph_input(m, in(m, 1)); },
       "weights 'weights' are not constant"},
      {"weights_sum", "conv2d_k1s1_d20o33_int8",
       [](ir::Model& m) {
         // One 64x64x17 kernel of 127s: 127 x 69632 > 127 x 65536.
         set_shape(in(m, 1), {1, 64, 64, 17});
         set_values<int8_t>(m, in(m, 1), std::vector<int8_t>(64 * 64 * 17, 127));
       },
       "sum to 8843264"},
      {"weights_symmetric", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) { in(m, 1).quantization->zero_point.assign(8, 3); }, "have zero point 3"},
      {"bias_1d", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) {
         set_shape(in(m, 2), {1, 8});
       },
       "is 2-D"},
      {"bias_type", "conv2d_k3s1_same_relu6_d8o8_int8",
       [](ir::Model& m) { in(m, 2).type = DT::kInt16; }, "bias 'bias' is int16"},
      {"bias_40bit", "conv2d_k3s1_same_d8o8_int16x8",
       [](ir::Model& m) {
         std::vector<int64_t> bias(8, 0);
         bias[5] = int64_t{1} << 40;
         set_values(m, in(m, 2), bias);
       },
       "holds 1099511627776"},
      {"int16_no_bias_int32_accumulation", "fc_in256_out32_pt_int16x8",
       [](ir::Model& m) {
         op_at(m, 0).inputs[2] = -1;
         edit_options<tflite::FullyConnectedOptions>(
             op_at(m, 0), [](auto& o) { o.quantized_bias_type = tflite::TensorType::INT32; });
       },
       "no bias and quantized_bias_type INT32"},
      {"int16_rescale_in_range", "conv2d_k3s1_same_d8o8_int16x8",
       [](ir::Model& m) { set_scale(out(m), {1e-12f}); },
       "8 of 8 output channel scales at or above 32768"},
      {"depth_multiplier", "dwconv_k3s1_same_c1m2_int8",
       [](ir::Model& m) {
         set_shape(in(m), {1, 16, 16, 2});
       },
       "depth multiplier 2 with 2 IFM and 2 OFM channels"},
      {"tconv_stride", "transpose_conv_k3s2_same_int8",
       [](ir::Model& m) {
         edit_options<tflite::TransposeConvOptions>(op_at(m, 0), [](auto& o) {
           o.stride_w = 3;
           o.stride_h = 3;
         });
       },
       "stride 3x3 (WxH)"},
      {"tconv_same_shape", "transpose_conv_k3s2_same_int8",
       [](ir::Model& m) {
         set_shape(out(m), {1, 15, 16, 8});
       },
       "OFM [1,15,16,8]"},
      {"tconv_valid_shape", "transpose_conv_k2s2_valid_int8",
       [](ir::Model& m) {
         set_shape(out(m), {1, 17, 16, 8});
       },
       "expected OFM 16x16"},
      {"fc_input_2d", "fc_in256_out32_pt_int8",
       [](ir::Model& m) {
         set_shape(in(m), {1, 250});
       },
       "does not reshape to [N, 256]"},
      {"fc_keep_num_dims", "fc_in256_out32_pt_int8",
       [](ir::Model& m) {
         edit_options<tflite::FullyConnectedOptions>(op_at(m, 0),
                                                     [](auto& o) { o.keep_num_dims = true; });
         set_shape(in(m), {1, 1, 256});
       },
       "keep_num_dims with IFM"},

      // ---- pooling and resize ----
      {"kernel_size_positive", "maxpool_k2s2_valid_int8",
       [](ir::Model& m) {
         edit_options<tflite::Pool2DOptions>(op_at(m, 0), [](auto& o) { o.filter_width = 0; });
       },
       "kernel 0x2 (WxH)"},
      {"avgpool_same_kernel", "avgpool_k3s1_same_int8",
       [](ir::Model& m) {
         edit_options<tflite::Pool2DOptions>(op_at(m, 0), [](auto& o) {
           o.filter_width = 9;
           o.filter_height = 9;
         });
       },
       "kernel 9x9 (WxH) with SAME padding"},
      {"pool_kernel_height", "maxpool_k2s2_valid_int8",
       [](ir::Model& m) {
         edit_options<tflite::Pool2DOptions>(op_at(m, 0), [](auto& o) { o.filter_height = 300; });
       },
       "kernel height 300"},
      {"pool_kernel_area", "maxpool_k2s2_valid_int8",
       [](ir::Model& m) {
         edit_options<tflite::Pool2DOptions>(op_at(m, 0), [](auto& o) {
           o.filter_width = 257;
           o.filter_height = 256;
         });
       },
       "area 65792"},
      {"resize_scale", "resize_nearest_2x_int8",
       [](ir::Model& m) {
         set_shape(out(m), {1, 24, 24, 16});
         set_values<int32_t>(m, in(m, 1), {24, 24});
       },
       "IFM [1,8,8,16] to OFM [1,24,24,16]"},
      {"resize_size_input", "resize_nearest_2x_int8",
       [](ir::Model& m) {
         set_values<int32_t>(m, in(m, 1), {15, 16});
       },
       "size 15x16 (HxW)"},
      {"resize_corner_modes", "resize_bilinear_2x_int8",
       [](ir::Model& m) {
         edit_options<tflite::ResizeBilinearOptions>(op_at(m, 0), [](auto& o) {
           o.align_corners = true;
           o.half_pixel_centers = true;
         });
       },
       "both set"},
      {"resize_half_pixel", "resize_bilinear_2x_hpc_int8",
       [](ir::Model& m) {
         set_shape(out(m), {1, 32, 32, 16});
         set_values<int32_t>(m, in(m, 1), {32, 32});
       },
       "half_pixel_centers with IFM [1,8,8,16] and OFM [1,32,32,16]"},

      // ---- element-wise, SOFTMAX ----
      {"either_input_matches_output", "add_bcast_c_int8",
       [](ir::Model& m) {
         set_shape(in(m, 0), {1, 16, 1, 8});
         set_shape(in(m, 1), {1, 1, 16, 8});
       },
       "IFM [1,16,1,8], IFM2 [1,1,16,8], OFM [1,16,16,8]"},
      {"in_out_types_match", "abs_int8", [](ir::Model& m) { out(m).type = DT::kInt16; },
       "is int8, OFM 'output' is int16"},
      {"softmax_types", "softmax_1x10_int8", [](ir::Model& m) { out(m).type = DT::kUInt8; },
       "is int8, OFM 'output' is uint8"},
      {"inputs_same_type", "add_same_shape_int8", [](ir::Model& m) { in(m, 1).type = DT::kInt16; },
       "'input2' is int16"},
      {"signed_keeps_sign", "add_same_shape_int8", [](ir::Model& m) { out(m).type = DT::kUInt8; },
       "int8 IFM with uint8 OFM"},
      {"unsigned_output", "add_same_shape_int8",
       [](ir::Model& m) {
         in(m, 0).type = DT::kUInt8;
         in(m, 1).type = DT::kUInt8;
       },
       "uint8 IFM with int8 OFM"},
      {"broadcast_one_side", "add_bcast_c_int8",
       [](ir::Model& m) {
         set_shape(in(m, 1), {1, 1, 1, 4});
       },
       "IFM2 [1,1,1,4]"},
      {"minmax_same_quantization", "maximum_same_shape_int8",
       [](ir::Model& m) { set_scale(in(m, 1), {0.5f}); }, "'input2' scaled unlike OFM"},
      {"ifm_int8_or_int16", "abs_int8",
       [](ir::Model& m) {
         op_at(m, 0).type = B::EXP;  // same tensors as ABS: one IFM, one OFM
         op_at(m, 0).builtin_options = {};
         in(m).type = DT::kUInt8;
         out(m).type = DT::kUInt8;
       },
       "IFM 'input' is uint8"},
      {"ifm_int8", "rsqrt_int8",
       [](ir::Model& m) {
         in(m).type = DT::kInt16;
         out(m).type = DT::kInt16;
       },
       "IFM 'input' is int16"},
      {"ifm_8bit", "hard_swish_int8",
       [](ir::Model& m) {
         in(m).type = DT::kInt16;
         out(m).type = DT::kInt16;
       },
       "IFM 'input' is int16"},
      {"in_out_shapes_match", "softmax_1x10_int8",
       [](ir::Model& m) {
         set_shape(out(m), {1, 5});
       },
       "OFM 'output' [1,5]"},
      {"softmax_beta", "softmax_1x10_int8",
       [](ir::Model& m) {
         edit_options<tflite::SoftmaxOptions>(op_at(m, 0), [](auto& o) { o.beta = -1.0f; });
       },
       "beta -1"},

      // ---- MEAN, ARG_MAX ----
      {"mean_rank", "mean_hw_7x7x32_int8", [](ir::Model& m) { set_shape(in(m), {32}); }, "is 1-D"},
      {"mean_reduced_size", "mean_hw_7x7x32_int8",
       [](ir::Model& m) {
         set_shape(in(m), {1, 65535, 257, 1});
       },
       "int8 IFM reduces 16842495 elements (limit 16777216)"},
      {"argmax_output_type", "arg_max_axis3_int8", [](ir::Model& m) { out(m).type = DT::kInt16; },
       "is int16"},
      {"argmax_axis", "arg_max_axis3_int8",
       [](ir::Model& m) { set_values<int32_t>(m, in(m, 1), {1}); }, "axis [1] for a 4-D IFM"},
      {"argmax_depth", "arg_max_axis3_int8",
       [](ir::Model& m) {
         set_shape(in(m), {1, 7, 7, 200});
       },
       "has depth 200"},

      // ---- reshapes, concatenation, split ----
      {"same_quantization", "reshape_7x7x16_to_784_int8",
       [](ir::Model& m) { set_scale(out(m), {0.5f}); }, "are scaled differently"},
      {"same_element_count", "reshape_7x7x16_to_784_int8",
       [](ir::Model& m) {
         set_shape(out(m), {1, 700});
       },
       "OFM 'output' [1,700]"},
      {"reshape_shape_constant", "reshape_7x7x16_to_784_int8",
       [](ir::Model& m) { test::make_graph_input(m, in(m, 1)); }, "is computed at run time"},
      {"concat_axis_present", "concat_axis1_int8",
       [](ir::Model& m) { op_at(m, 0).builtin_options = {}; }, "no axis option"},
      {"concat_axis_range", "concat_axis1_int8",
       [](ir::Model& m) {
         edit_options<tflite::ConcatenationOptions>(op_at(m, 0), [](auto& o) { o.axis = 4; });
       },
       "axis 4 for a 4-D OFM"},
      {"concat_ranks_match", "concat_axis1_int8",
       [](ir::Model& m) {
         set_shape(in(m, 0), {4, 8, 8});
       },
       "OFM is 4-D"},
      {"concat_dims_match", "concat_axis1_int8",
       [](ir::Model& m) {
         set_shape(in(m, 0), {1, 4, 8, 9});
       },
       "[1,4,8,9]"},
      {"concat_axis_sum", "concat_axis1_int8",
       [](ir::Model& m) {
         set_shape(out(m), {1, 11, 8, 8});
       },
       "inputs sum to 10 along axis 1"},
      {"split_axis", "split_axis1_n4_int8",
       [](ir::Model& m) { set_values<int32_t>(m, in(m, 0), {4}); }, "axis 4 for IFM"},
      {"split_even", "split_axis1_n4_int8",
       [](ir::Model& m) {
         edit_options<tflite::SplitOptions>(op_at(m, 0), [](auto& o) { o.num_splits = 3; });
       },
       "into 3 splits"},
      {"splitv_sizes", "split_v_axis3_4_12_int8",
       [](ir::Model& m) {
         set_values<int32_t>(m, in(m, 1), {-1, -1});
       },
       "sizes [-1,-1] infer more than one size"},

      // ---- slices, PAD, TRANSPOSE ----
      {"slice_constant", "slice_int8", [](ir::Model& m) { test::make_graph_input(m, in(m, 1)); },
       "not constant"},
      {"strided_slice_inputs", "strided_slice_s1_int8",
       [](ir::Model& m) { op_at(m, 0).inputs.pop_back(); }, "3 inputs"},
      {"strided_slice_constant", "strided_slice_s1_int8",
       [](ir::Model& m) { test::make_graph_input(m, in(m, 2)); }, "end '"},
      {"ellipsis_mask", "strided_slice_s1_int8",
       [](ir::Model& m) {
         edit_options<tflite::StridedSliceOptions>(op_at(m, 0),
                                                   [](auto& o) { o.ellipsis_mask = 1; });
       },
       "ellipsis_mask 1"},
      {"axis_masks_exclusive", "strided_slice_s1_int8",
       [](ir::Model& m) {
         edit_options<tflite::StridedSliceOptions>(op_at(m, 0), [](auto& o) {
           o.new_axis_mask = 1;
           o.shrink_axis_mask = 2;
         });
       },
       "new_axis_mask 1 and shrink_axis_mask 2"},
      {"slice_nonempty", "strided_slice_s1_int8",
       [](ir::Model& m) {
         set_values<int32_t>(m, in(m, 2), {1, 2, 14, 8});
       },
       "axis 1: end 2 <= begin 2"},
      {"offset_false", "strided_slice_s1_int8",
       [](ir::Model& m) {
         edit_options<tflite::StridedSliceOptions>(op_at(m, 0), [](auto& o) { o.offset = true; });
       },
       "offset is true"},
      {"pad_inputs", "pad_h1w2_int8",
       [](ir::Model& m) { op_at(m, 0).inputs.push_back(op_at(m, 0).inputs[1]); }, "3 inputs"},
      {"pad_constant", "pad_h1w2_int8", [](ir::Model& m) { test::make_graph_input(m, in(m, 1)); },
       "paddings '"},
      {"pad_output_shape", "pad_h1w2_int8",
       [](ir::Model& m) {
         set_shape(out(m), {1, 18, 21, 8});
       },
       "does not give OFM [1,18,21,8]"},
      {"pad_shape", "pad_h1w2_int8", [](ir::Model& m) { set_shape(in(m, 1), {8}); }, "[8]"},
      {"pad_type", "pad_h1w2_int8", [](ir::Model& m) { in(m, 1).type = DT::kInt16; }, "are int16"},
      {"perm_shape", "transpose_0213_int8",
       [](ir::Model& m) {
         set_shape(in(m, 1), {2, 2});
       },
       "for a 4-D IFM"},
      {"perm_values", "transpose_0213_int8",
       [](ir::Model& m) {
         set_values<int32_t>(m, in(m, 1), {0, 2, 1, 4});
       },
       "permutation [0,2,1,4] for a 4-D IFM"},

      // ---- LSTM (mnist_lstm_int8: operator 0) ----
      {"lstm_3d", "mnist_lstm_int8.tflite",
       [](ir::Model& m) {
         set_shape(in(m), {28, 28});
       },
       "IFM '"},
      {"lstm_inputs", "mnist_lstm_int8.tflite", [](ir::Model& m) { op_at(m, 0).inputs.resize(23); },
       "23 inputs"},
      {"lstm_intermediates", "mnist_lstm_int8.tflite",
       [](ir::Model& m) { op_at(m, 0).intermediates.pop_back(); }, "4 intermediate tensors"},
      {"lstm_state_variable", "mnist_lstm_int8.tflite",
       [](ir::Model& m) { in(m, 18).is_variable = false; }, "is not variable"},
      {"lstm_no_cifg", "mnist_lstm_int8.tflite",
       [](ir::Model& m) {
         op_at(m, 0).inputs[1] = -1;
         op_at(m, 0).inputs[5] = -1;
       },
       "input-gate weights (inputs 1 and 5) omitted"},
      {"lstm_no_peephole", "mnist_lstm_int8.tflite",
       [](ir::Model& m) { op_at(m, 0).inputs[9] = op_at(m, 0).inputs[12]; },
       "peephole weights given (inputs 9)"},
      {"lstm_no_projection", "mnist_lstm_int8.tflite",
       [](ir::Model& m) { op_at(m, 0).inputs[16] = op_at(m, 0).inputs[5]; },
       "projection weights or bias given (inputs 16)"},
      {"lstm_no_layer_norm", "mnist_lstm_int8.tflite",
       [](ir::Model& m) { op_at(m, 0).inputs[20] = op_at(m, 0).inputs[12]; },
       "layer-normalisation coefficients given (inputs 20)"},
      {"lstm_weights_present", "mnist_lstm_int8.tflite",
       [](ir::Model& m) { op_at(m, 0).inputs[2] = -1; }, "inputs 2 missing"},
      {"lstm_recurrent_2d", "mnist_lstm_int8.tflite",
       [](ir::Model& m) {
         ir::Tensor& w = in(m, 5);
         w.shape.insert(w.shape.begin(), 1);
       },
       "[1,"},
  };
}

ir::Model load(const ViolationCase& c) {
  if (c.model.ends_with(".tflite"))
    return test::load_shared_model(c.model);
  return test::load_op_model(c.model);
}

class ConstraintViolation : public ::testing::TestWithParam<ViolationCase> {};

TEST_P(ConstraintViolation, SendsTheOperatorToTheCpuNamingTheRule) {
  EUC_REQUIRE_SHARED();
  const ViolationCase& c = GetParam();
  const Constraint* rule = find_constraint(c.rule);
  ASSERT_NE(rule, nullptr) << c.rule;
  ir::Model model = load(c);
  SupportVerdict before = check_operator(model, 0, 0);
  EXPECT_EQ(before.meets_rules, c.pristine_meets_rules)
      << c.model << ": " << (before.reasons.empty() ? "" : before.reasons[0]);
  c.mutate(model);
  SupportVerdict after = check_operator(model, 0, 0);
  EXPECT_FALSE(after.meets_rules);
  auto it = std::find(after.failed.begin(), after.failed.end(), c.rule);
  ASSERT_NE(it, after.failed.end()) << "rules broken: " << ::testing::PrintToString(after.reasons);
  const std::string& reason = after.reasons[it - after.failed.begin()];
  EXPECT_EQ(reason.rfind(rule->description + ": ", 0), 0u) << reason;
  EXPECT_NE(reason.find(c.specifics), std::string::npos) << reason;
}

INSTANTIATE_TEST_SUITE_P(EveryRule, ConstraintViolation, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.rule; });

TEST(ConstraintViolation, EveryRuleOfTheTableHasACase) {
  std::set<std::string> covered;
  for (const ViolationCase& c : cases())
    EXPECT_TRUE(covered.insert(c.rule).second) << "two cases for " << c.rule;
  for (const Constraint& rule : constraint_table())
    EXPECT_TRUE(covered.count(rule.id)) << "no violation case for " << rule.id;
  EXPECT_EQ(covered.size(), constraint_table().size());
}

TEST(ConstraintViolation, SecondOverflowingScaleRatioIsCaught) {
  EUC_REQUIRE_SHARED();
  ir::Model model = test::load_op_model("abs_int8");
  set_scale(in(model), {1e30f});
  set_scale(out(model), {1e-30f});
  SupportVerdict v = check_operator(model, 0, 0);
  ASSERT_FALSE(v.meets_rules);
  EXPECT_EQ(v.failed, std::vector<std::string>{"scales_in_float32_range"});
  EXPECT_NE(v.reasons[0].find("overflows float32"), std::string::npos) << v.reasons[0];
}

TEST(ConstraintOptions, ForcedSymmetricWeightsKeepAsymmetricConvOnTheNpu) {
  EUC_REQUIRE_SHARED();
  ir::Model model = test::load_op_model("conv2d_k3s1_same_relu6_d8o8_int8");
  in(model, 1).quantization->zero_point.assign(8, 3);
  EXPECT_FALSE(check_operator(model, 0, 0).meets_rules);
  EXPECT_TRUE(check_operator(model, 0, 0, {.force_symmetric_int_weights = true}).meets_rules);
}

// Vela folds a strided convolution's stride into a reshape when the IFM width allows it.
TEST(ConstraintOptions, ConvStrideWidthAboveThreeDependsOnTheIfmWidth) {
  EUC_REQUIRE_SHARED();
  auto verdict_for_stride = [](int stride) {
    ir::Model model = test::load_op_model("conv2d_k3s1_same_relu6_d8o8_int8");  // IFM width 16
    edit_options<tflite::Conv2DOptions>(op_at(model, 0), [&](auto& o) { o.stride_w = stride; });
    return check_operator(model, 0, 0);
  };
  EXPECT_TRUE(verdict_for_stride(4).meets_rules);   // divides 16
  EXPECT_TRUE(verdict_for_stride(6).meets_rules);   // 3 x 2, and 2 divides 16
  EXPECT_TRUE(verdict_for_stride(8).meets_rules);   // divides 16
  EXPECT_FALSE(verdict_for_stride(5).meets_rules);  // neither
  EXPECT_FALSE(verdict_for_stride(7).meets_rules);
}

// A pool whose kernel and stride cover the whole IFM has one output: the stride is irrelevant.
TEST(ConstraintOptions, GlobalPoolWithStrideEqualToItsKernelIsAccepted) {
  EUC_REQUIRE_SHARED();
  ir::Model model = test::load_op_model("avgpool_k7_global_int8");  // IFM 7x7
  edit_options<tflite::Pool2DOptions>(op_at(model, 0), [](auto& o) {
    o.stride_w = 7;
    o.stride_h = 7;
    o.padding = tflite::Padding::SAME;
  });
  EXPECT_TRUE(check_operator(model, 0, 0).meets_rules);
}

// The NPU's reduced-precision scale (int16 IFM, int64 bias) encodes rescales below 2^15; with an
// int32 bias the full-precision scale applies and the limit does not.
TEST(ConstraintOptions, Int16RescaleLimitIsTwoToTheFifteenthWithAnInt64Bias) {
  EUC_REQUIRE_SHARED();
  auto verdict_for = [](double largest_rescale, DT bias_type) {
    ir::Model model = test::load_op_model("conv2d_k3s1_same_d8o8_int16x8");
    const std::vector<float>& w = in(model, 1).quantization->scale;
    const double largest_weight_scale = *std::max_element(w.begin(), w.end());
    const float ifm_scale = in(model).quantization->scale[0];
    set_scale(out(model), {static_cast<float>(ifm_scale * largest_weight_scale / largest_rescale)});
    if (bias_type == DT::kInt32) {
      std::vector<int32_t> zeros(8, 0);
      in(model, 2).type = DT::kInt32;
      set_values(model, in(model, 2), zeros);
    }
    return check_operator(model, 0, 0);
  };
  EXPECT_TRUE(verdict_for(32000, DT::kInt64).meets_rules);
  EXPECT_FALSE(verdict_for(33000, DT::kInt64).meets_rules);
  EXPECT_TRUE(verdict_for(33000, DT::kInt32).meets_rules);
}

TEST(ConstraintOptions, UnknownOperatorTypesStayOnTheCpuWithOneReason) {
  EUC_REQUIRE_SHARED();
  ir::Model model = test::load_op_model("abs_int8");
  op_at(model, 0).type = B::FLOOR;
  SupportVerdict v = check_operator(model, 0, 0);
  EXPECT_FALSE(v.meets_rules);
  EXPECT_EQ(v.reasons, std::vector<std::string>{std::string(kNotNpuOperatorReason)});
}

}  // namespace
}  // namespace euc::frontend
