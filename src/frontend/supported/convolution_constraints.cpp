// Constraints of the MAC operators with weights: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV and
// FULLY_CONNECTED, plus the stride and dilation rules they share with pooling.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "frontend/supported/constraint_families.hpp"
#include "frontend/supported/op_view.hpp"

namespace euc::frontend::detail {
namespace {

using ir::BuiltinOp;
using Result = std::optional<std::string>;

// The NPU accumulates a kernel's |weight - zero point| into a limited range (127 x 65536).
constexpr int64_t kWeightSumLimit = 127 * 65536;

std::string stride_str(const Kernel& k) {
  return fmt::format("{}x{}", k.stride_x, k.stride_y);
}

Result stride_positive(const OpView& op) {
  auto k = kernel_of(op);
  if (!k || (k->stride_x >= 1 && k->stride_y >= 1))
    return std::nullopt;
  return fmt::format("stride {} (WxH)", stride_str(*k));
}

Result dilation_positive(const OpView& op) {
  auto k = kernel_of(op);
  if (!k || (k->dilation_x >= 1 && k->dilation_y >= 1))
    return std::nullopt;
  return fmt::format("dilation {}x{} (WxH)", k->dilation_x, k->dilation_y);
}

Result conv_groups_ifm_depth(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* w = op.weights();
  if (ifm == nullptr || w == nullptr || ifm->shape.empty())
    return std::nullopt;
  int32_t depth = ifm->shape.back();
  int32_t kernel_depth = shape4(w->shape)[3];
  if (kernel_depth > 0 && depth % kernel_depth == 0)
    return std::nullopt;
  return fmt::format("IFM depth {} is not a multiple of kernel depth {}", depth, kernel_depth);
}

Result conv_groups_kernel_count(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* w = op.weights();
  if (ifm == nullptr || w == nullptr || ifm->shape.empty())
    return std::nullopt;
  auto ws = shape4(w->shape);
  if (ws[3] <= 0)
    return std::nullopt;  // conv_groups_ifm_depth reports it
  int32_t groups = ifm->shape.back() / ws[3];
  if (groups < 1 || ws[0] % groups == 0)
    return std::nullopt;
  return fmt::format("{} kernels for {} groups", ws[0], groups);
}

// A stride width above 3 still works when the IFM width lets the compiler fold the stride into
// a reshape, leaving a stride of 1, 2 or 3 (Vela's resize-factor rewrite of strided convs).
bool stride_width_reducible(int64_t ifm_width, int64_t stride) {
  if (stride <= 3 || ifm_width % stride == 0)
    return true;
  for (int64_t remaining : {2, 3}) {
    if (stride % remaining == 0 && ifm_width % (stride / remaining) == 0)
      return true;
  }
  return false;
}

Result stride_large_width(const OpView& op) {
  auto k = kernel_of(op);
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (!k || ifm == nullptr || ofm == nullptr)
    return std::nullopt;
  auto is = shape4(ifm->shape);
  auto os = shape4(ofm->shape);
  bool h_ok = os[1] == 1 || (k->stride_y >= 1 && k->stride_y <= 3);
  bool w_ok = os[2] == 1 || (k->stride_x >= 1 && stride_width_reducible(is[2], k->stride_x));
  if (h_ok && w_ok)
    return std::nullopt;
  return fmt::format("stride {} (WxH) with IFM {} and OFM {}", stride_str(*k), tensor_str(*ifm),
                     tensor_str(*ofm));
}

Result avgpool_large_stride_valid(const OpView& op) {
  auto k = kernel_of(op);
  if (!k || k->stride_x <= 3 || k->valid_padding)
    return std::nullopt;
  return fmt::format("stride width {} with SAME padding", k->stride_x);
}

Result stride_range(const OpView& op) {
  auto k = kernel_of(op);
  if (!k || (k->stride_x >= 1 && k->stride_x <= 3 && k->stride_y >= 1 && k->stride_y <= 3))
    return std::nullopt;
  return fmt::format("stride {} (WxH) outside [1, 3]", stride_str(*k));
}

Result dilated_kernel_height(const OpView& op) {
  auto k = kernel_of(op);
  if (!k)
    return std::nullopt;
  int64_t h = k->dilated_height();
  if (h >= 1 && h <= 64)
    return std::nullopt;
  return fmt::format("dilated kernel height {}", h);
}

Result dilated_kernel_area(const OpView& op) {
  auto k = kernel_of(op);
  if (!k)
    return std::nullopt;
  int64_t area = k->dilated_width() * k->dilated_height();
  if (area >= 1 && area <= 4096)
    return std::nullopt;
  return fmt::format("dilated kernel {}x{} (WxH), area {}", k->dilated_width(), k->dilated_height(),
                     area);
}

Result weights_8bit(const OpView& op) {
  const ir::Tensor* w = op.weights();
  if (w == nullptr || ir::element_size(w->type) == 1)
    return std::nullopt;
  return fmt::format("weights '{}' are {}", w->name, type_str(w->type));
}

Result weights_constant(const OpView& op) {
  const ir::Tensor* w = op.weights();
  if (w == nullptr)
    return "no weight tensor";
  if (op.is_constant(*w))
    return std::nullopt;
  return fmt::format("weights '{}' are not constant", w->name);
}

std::vector<int64_t> zero_points(const ir::Tensor& t) {
  if (!t.quantization || t.quantization->zero_point.empty())
    return {0};
  return t.quantization->zero_point;
}

Result weights_sum(const OpView& op) {
  const ir::Tensor* w = op.weights();
  if (w == nullptr)
    return std::nullopt;
  auto values = op.int_values(w);
  if (!values || values->empty())
    return std::nullopt;
  std::vector<int64_t> zps = zero_points(*w);
  // Summed in double: exact far beyond the limit, and no overflow for absurd zero points.
  auto kernel_sum = [&](size_t begin, size_t end, int64_t zp) {
    double sum = 0;
    for (size_t i = begin; i < end; ++i)
      sum += std::fabs(static_cast<double>((*values)[i]) - static_cast<double>(zp));
    return sum;
  };
  double worst = 0;
  if (op.type() == BuiltinOp::DEPTHWISE_CONV_2D) {
    // One kernel covers the whole tensor ([1,H,W,C*M]); Vela subtracts each zero point from
    // every weight, so the worst zero point counts.
    for (int64_t zp : std::set<int64_t>(zps.begin(), zps.end()))
      worst = std::max(worst, kernel_sum(0, values->size(), zp));
  } else {
    // [O,H,W,I]: one kernel per output channel.
    int64_t channels = shape4(w->shape)[0];
    if (channels <= 0 || static_cast<int64_t>(values->size()) % channels != 0)
      return std::nullopt;
    size_t per_channel = values->size() / static_cast<size_t>(channels);
    for (int64_t o = 0; o < channels; ++o) {
      int64_t zp = zps.size() == static_cast<size_t>(channels) ? zps[o] : zps[0];
      worst = std::max(worst, kernel_sum(o * per_channel, (o + 1) * per_channel, zp));
    }
  }
  if (worst <= kWeightSumLimit)
    return std::nullopt;
  return fmt::format("weights '{}' sum to {:.0f} in one kernel (limit {})", w->name, worst,
                     kWeightSumLimit);
}

Result weights_symmetric(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* w = op.weights();
  if (op.check_options().force_symmetric_int_weights || ifm == nullptr || w == nullptr ||
      !w->quantization)
    return std::nullopt;
  if (ifm->type != ir::DataType::kInt8 && ifm->type != ir::DataType::kInt16)
    return std::nullopt;
  for (int64_t zp : w->quantization->zero_point) {
    if (zp != 0)
      return fmt::format(
          "weights '{}' have zero point {} (--force-symmetric-int-weights zeroes it)", w->name, zp);
  }
  return std::nullopt;
}

Result bias_1d(const OpView& op) {
  const ir::Tensor* b = op.bias();
  if (b == nullptr || b->shape.size() == 1)
    return std::nullopt;
  return fmt::format("bias {} is {}-D", tensor_str(*b), b->shape.size());
}

Result bias_type(const OpView& op) {
  const ir::Tensor* b = op.bias();
  if (b == nullptr || b->type == ir::DataType::kInt32 || b->type == ir::DataType::kInt64)
    return std::nullopt;
  return fmt::format("bias '{}' is {}", b->name, type_str(b->type));
}

Result bias_40bit(const OpView& op) {
  const ir::Tensor* b = op.bias();
  if (b == nullptr || b->type != ir::DataType::kInt64)
    return std::nullopt;
  auto values = op.int_values(b);
  if (!values)
    return std::nullopt;
  // The scale records hold a signed 40-bit bias.
  constexpr int64_t kMax = (int64_t{1} << 39) - 1;
  constexpr int64_t kMin = -(int64_t{1} << 39);
  for (int64_t v : *values) {
    if (v < kMin || v > kMax)
      return fmt::format("bias '{}' holds {}", b->name, v);
  }
  return std::nullopt;
}

// int16 IFMs accumulate in 64 bits unless an int32 bias asks for 32 (the rule codegen's scale
// records follow, weights/constant_encoder.cpp). After 64-bit accumulation TFLite rescales with a
// 16-bit multiplier and a right shift (MultiplyByQuantizedMultiplier for int64 values), and so does
// the NPU: its scale record keeps the multiplier's top 15 bits with a shift 16 lower than the
// 31-bit form's (weights/scale_quantisation.hpp, quantise_scale_reduced).
bool int16_reduced_precision_scaling(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* b = op.bias();
  return ifm != nullptr && ifm->type == ir::DataType::kInt16 &&
         (b == nullptr || b->type != ir::DataType::kInt32);
}

std::optional<tflite::TensorType> quantized_bias_type(const OpView& op) {
  if (const auto* o = op.options<tflite::Conv2DOptions>())
    return o->quantized_bias_type();
  if (const auto* o = op.options<tflite::FullyConnectedOptions>())
    return o->quantized_bias_type();
  return std::nullopt;
}

Result int16_no_bias_int32_accumulation(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  if (ifm == nullptr || ifm->type != ir::DataType::kInt16 || op.bias() != nullptr ||
      quantized_bias_type(op) != tflite::TensorType::INT32)
    return std::nullopt;
  return fmt::format("int16 IFM '{}', no bias and quantized_bias_type INT32", ifm->name);
}

// A reduced-precision shift of 31 - 16 - exponent is negative from a rescale of 2^15 up.
constexpr double kReducedPrecisionRescaleLimit = 32768.0;

Result int16_rescale_in_range(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* w = op.weights();
  const ir::Tensor* ofm = op.ofm();
  if (!int16_reduced_precision_scaling(op) || w == nullptr || ofm == nullptr ||
      !has_quantization(*ifm) || !has_quantization(*w) || !has_quantization(*ofm))
    return std::nullopt;
  const float ifm_scale = ifm->quantization->scale[0];
  const float ofm_scale = ofm->quantization->scale[0];
  // The product of the float32 scales as codegen forms it: rounded to float32 for FULLY_CONNECTED
  // (weights/scale_quantisation.hpp, conv_rescale).
  const bool float32_product = op.type() == BuiltinOp::FULLY_CONNECTED;
  size_t too_large = 0;
  double largest = 0;
  for (float weight_scale : w->quantization->scale) {
    const double product = float32_product
                               ? static_cast<double>(ifm_scale * weight_scale)
                               : static_cast<double>(ifm_scale) * static_cast<double>(weight_scale);
    const double rescale = product / static_cast<double>(ofm_scale);
    largest = std::max(largest, rescale);
    if (!(rescale < kReducedPrecisionRescaleLimit))
      ++too_large;
  }
  if (too_large == 0)
    return std::nullopt;
  return fmt::format(
      "IFM '{}' scale x weights '{}' scale / OFM '{}' scale is up to {:g} ({} of {} output "
      "channel scales at or above {:g})",
      ifm->name, w->name, ofm->name, largest, too_large, w->quantization->scale.size(),
      kReducedPrecisionRescaleLimit);
}

Result depth_multiplier(const OpView& op) {
  const auto* o = op.options<tflite::DepthwiseConv2DOptions>();
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  const ir::Tensor* w = op.weights();
  if (o == nullptr || ifm == nullptr || ofm == nullptr)
    return std::nullopt;
  auto is = shape4(ifm->shape);
  auto os = shape4(ofm->shape);
  int64_t multiplier = o->depth_multiplier();
  if (multiplier == 0 && w != nullptr && is[3] > 0)
    multiplier = shape4(w->shape)[3] / is[3];  // implicit: weight channels / IFM channels
  if (multiplier <= 1 || (is[3] == 1 && os[3] == multiplier))
    return std::nullopt;
  return fmt::format("depth multiplier {} with {} IFM and {} OFM channels", multiplier, is[3],
                     os[3]);
}

Result tconv_stride(const OpView& op) {
  auto k = kernel_of(op);
  const ir::Tensor* ifm = op.ifm();
  if (!k || ifm == nullptr)
    return std::nullopt;
  int ifm_h = shape4(ifm->shape)[1];
  if ((k->stride_x == 1 && k->stride_y == 1) || (k->stride_x == 2 && k->stride_y == 2) ||
      (k->stride_x == 2 && k->stride_y == 1 && ifm_h == 1 && k->height == 1))
    return std::nullopt;
  return fmt::format("stride {} (WxH) with IFM height {} and kernel height {}", stride_str(*k),
                     ifm_h, k->height);
}

Result tconv_same_shape(const OpView& op) {
  auto k = kernel_of(op);
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (!k || k->valid_padding || ifm == nullptr || ofm == nullptr)
    return std::nullopt;
  auto is = shape4(ifm->shape);
  auto os = shape4(ofm->shape);
  if (int64_t{os[1]} == int64_t{is[1]} * k->stride_y &&
      int64_t{os[2]} == int64_t{is[2]} * k->stride_x)
    return std::nullopt;
  return fmt::format("IFM {} and OFM {} with stride {} (WxH)", shape_str(ifm->shape),
                     shape_str(ofm->shape), stride_str(*k));
}

Result tconv_valid_shape(const OpView& op) {
  auto k = kernel_of(op);
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (!k || !k->valid_padding || ifm == nullptr || ofm == nullptr)
    return std::nullopt;
  auto is = shape4(ifm->shape);
  auto os = shape4(ofm->shape);
  int64_t want_h =
      int64_t{is[1]} * k->stride_y + std::max<int64_t>(int64_t{k->height} - k->stride_y, 0);
  int64_t want_w =
      int64_t{is[2]} * k->stride_x + std::max<int64_t>(int64_t{k->width} - k->stride_x, 0);
  if (os[1] == want_h && os[2] == want_w)
    return std::nullopt;
  return fmt::format("IFM {}, OFM {} with stride {} and kernel {}x{} (WxH): expected OFM {}x{}",
                     shape_str(ifm->shape), shape_str(ofm->shape), stride_str(*k), k->width,
                     k->height, want_h, want_w);
}

Result fc_input_2d(const OpView& op) {
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* w = op.weights();
  if (ifm == nullptr || w == nullptr || w->shape.empty())
    return std::nullopt;
  int64_t depth = w->shape.back();  // weights are [O, I]
  int64_t elements = ifm->num_elements();
  if (ifm->shape.size() != 1 && depth > 0 && elements % depth == 0)
    return std::nullopt;
  return fmt::format("IFM {} does not reshape to [N, {}]", tensor_str(*ifm), depth);
}

Result fc_keep_num_dims(const OpView& op) {
  const auto* o = op.options<tflite::FullyConnectedOptions>();
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (o == nullptr || !o->keep_num_dims() || ifm == nullptr || ofm == nullptr ||
      ifm->shape.size() == ofm->shape.size())
    return std::nullopt;
  return fmt::format("keep_num_dims with IFM {} and OFM {}", tensor_str(*ifm), tensor_str(*ofm));
}

}  // namespace

std::vector<Constraint> convolution_constraints() {
  using B = BuiltinOp;
  return {
      specific(
          "stride_positive", "Strides are positive integers",
          {B::AVERAGE_POOL_2D, B::CONV_2D, B::DEPTHWISE_CONV_2D, B::MAX_POOL_2D, B::TRANSPOSE_CONV},
          stride_positive),
      specific("dilation_positive", "Dilation factors are positive integers",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D}, dilation_positive),
      specific("conv_groups_ifm_depth", "The IFM depth is a whole multiple of the kernel depth",
               {B::CONV_2D}, conv_groups_ifm_depth),
      specific("conv_groups_kernel_count",
               "The number of kernels divides evenly among the convolution groups", {B::CONV_2D},
               conv_groups_kernel_count),
      specific("stride_large_width",
               "Stride height is in [1, 3] and stride width in [1, 3] or reducible to 2 or 3 "
               "through the IFM width (each unless the OFM is 1 high or 1 wide)",
               {B::AVERAGE_POOL_2D, B::CONV_2D}, stride_large_width,
               {"the stride height counts only when the OFM height is above 1",
                "the stride width counts only when the OFM width is above 1; a stride width above "
                "3 is accepted when it divides the IFM width, or when it is 2 or 3 times a divisor "
                "of the IFM width"}),
      specific("avgpool_large_stride_valid", "A stride width above 3 needs VALID padding",
               {B::AVERAGE_POOL_2D}, avgpool_large_stride_valid),
      specific("stride_range", "Stride width and height are in [1, 3]",
               {B::DEPTHWISE_CONV_2D, B::MAX_POOL_2D}, stride_range),
      specific("dilated_kernel_height", "The dilated kernel height is in [1, 64]",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::TRANSPOSE_CONV}, dilated_kernel_height),
      specific("dilated_kernel_area", "The dilated kernel width times height is in [1, 4096]",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::TRANSPOSE_CONV}, dilated_kernel_area),
      specific("weights_8bit", "Weights are 8-bit",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED, B::TRANSPOSE_CONV},
               weights_8bit),
      specific("weights_constant", "Weights are constant",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED, B::TRANSPOSE_CONV},
               weights_constant),
      specific("weights_sum",
               fmt::format("The sum of |weight - zero point| over one kernel is at most {}",
                           kWeightSumLimit),
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::TRANSPOSE_CONV}, weights_sum),
      specific("weights_symmetric",
               "With int8 or int16 IFMs the weights' zero points are 0 (unless "
               "--force-symmetric-int-weights)",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::TRANSPOSE_CONV}, weights_symmetric),
      specific("bias_1d", "A bias, if any, is 1-D",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED, B::TRANSPOSE_CONV}, bias_1d),
      specific("bias_type", "A bias, if any, is int32 or int64",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED, B::TRANSPOSE_CONV},
               bias_type),
      specific("bias_40bit", "int64 bias values fit in 40 bits (signed)",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED, B::TRANSPOSE_CONV},
               bias_40bit),
      specific("int16_no_bias_int32_accumulation",
               "An int16 operator without bias does not ask for 32-bit accumulation "
               "(quantized_bias_type INT32): without an int32 bias the NPU scales int16 results "
               "as TFLite does after 64-bit accumulation",
               {B::CONV_2D, B::FULLY_CONNECTED}, int16_no_bias_int32_accumulation),
      specific("int16_rescale_in_range",
               "With an int16 IFM and an int64 bias or none, every output channel's rescale "
               "(IFM scale x weight scale / OFM scale) is below 2^15, the largest the "
               "reduced-precision (16-bit multiplier) scaling can encode",
               {B::CONV_2D, B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED, B::TRANSPOSE_CONV},
               int16_rescale_in_range,
               {"TFLite accumulates int16 IFMs in 64 bits unless the bias is int32, then scales "
                "with a 16-bit multiplier and a right shift; the NPU's scale record does the "
                "same and has no left shift"}),
      specific("depth_multiplier",
               "With a depth multiplier above 1 the IFM has 1 channel and the OFM as many "
               "channels as the multiplier",
               {B::DEPTHWISE_CONV_2D}, depth_multiplier),
      specific(
          "tconv_stride",
          "Strides (WxH) are 1x1 or 2x2, or 2x1 when the IFM height and the kernel height are 1",
          {B::TRANSPOSE_CONV}, tconv_stride),
      specific("tconv_same_shape",
               "With SAME padding the OFM height and width are the IFM's times the stride",
               {B::TRANSPOSE_CONV}, tconv_same_shape),
      specific("tconv_valid_shape",
               "With VALID padding the OFM height and width are the IFM's times the stride plus "
               "max(kernel - stride, 0)",
               {B::TRANSPOSE_CONV}, tconv_valid_shape),
      specific("fc_input_2d",
               "The IFM reshapes to 2-D rows of the weights' input depth (it is not 1-D and its "
               "element count is a multiple of that depth)",
               {B::FULLY_CONNECTED}, fc_input_2d),
      specific("fc_keep_num_dims", "With keep_num_dims the IFM and OFM have the same rank",
               {B::FULLY_CONNECTED}, fc_keep_num_dims),
  };
}

}  // namespace euc::frontend::detail
