// Constraints of AVERAGE_POOL_2D, MAX_POOL_2D, RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR
// (resizes run as pooling operations on the NPU).
#include <fmt/format.h>

#include "frontend/supported/constraint_families.hpp"
#include "frontend/supported/op_view.hpp"

namespace euc::frontend::detail {
namespace {

using ir::BuiltinOp;
using Result = std::optional<std::string>;

Result kernel_size_positive(const OpView& op) {
  auto k = kernel_of(op);
  if (!k || (k->width >= 1 && k->height >= 1))
    return std::nullopt;
  return fmt::format("kernel {}x{} (WxH)", k->width, k->height);
}

Result avgpool_same_kernel(const OpView& op) {
  auto k = kernel_of(op);
  if (!k || k->valid_padding)
    return std::nullopt;
  bool w_ok = (k->width >= 1 && k->width <= 8) || k->width == k->stride_x;
  bool h_ok = k->height >= 1 && k->height <= 8;
  if (w_ok && h_ok)
    return std::nullopt;
  return fmt::format("kernel {}x{} (WxH) with SAME padding", k->width, k->height);
}

// Average pooling with SAME padding is limited by avgpool_same_kernel instead.
bool skip_for_same_avgpool(const OpView& op, const Kernel& k) {
  return op.type() == BuiltinOp::AVERAGE_POOL_2D && !k.valid_padding;
}

Result pool_kernel_height(const OpView& op) {
  auto k = kernel_of(op);
  if (!k || skip_for_same_avgpool(op, *k) || (k->height >= 1 && k->height <= 256))
    return std::nullopt;
  return fmt::format("kernel height {}", k->height);
}

Result pool_kernel_area(const OpView& op) {
  auto k = kernel_of(op);
  if (!k || skip_for_same_avgpool(op, *k))
    return std::nullopt;
  int64_t area = int64_t{k->width} * k->height;
  if (area >= 1 && area <= 65536)
    return std::nullopt;
  return fmt::format("kernel {}x{} (WxH), area {}", k->width, k->height, area);
}

struct ResizeModes {
  bool align_corners = false;
  bool half_pixel_centers = false;
};

std::optional<ResizeModes> resize_modes(const OpView& op) {
  if (const auto* o = op.options<tflite::ResizeBilinearOptions>())
    return ResizeModes{o->align_corners(), o->half_pixel_centers()};
  if (const auto* o = op.options<tflite::ResizeNearestNeighborOptions>())
    return ResizeModes{o->align_corners(), o->half_pixel_centers()};
  return std::nullopt;
}

Result resize_scale(const OpView& op) {
  auto modes = resize_modes(op);
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (!modes || ifm == nullptr || ofm == nullptr)
    return std::nullopt;
  auto fail = [&] {
    return fmt::format("IFM {} to OFM {}{}", shape_str(ifm->shape), shape_str(ofm->shape),
                       modes->align_corners ? " with align_corners" : "");
  };
  if (ifm->shape.size() != 4 || ofm->shape.size() < 3)
    return fail();
  int64_t ih = ifm->shape[1], iw = ifm->shape[2], oh = ofm->shape[1], ow = ofm->shape[2];
  if ((ih == 1 && iw == 1) || ifm->shape == ofm->shape)
    return std::nullopt;
  if (modes->align_corners) {
    // The corner pixels map onto each other: (OFM - 1) = factor x (IFM - 1).
    --ih, --iw, --oh, --ow;
  }
  for (int64_t factor : {2, 4, 8}) {
    if (oh == factor * ih && ow == factor * iw)
      return std::nullopt;
  }
  return fail();
}

Result resize_size_input(const OpView& op) {
  const ir::Tensor* ofm = op.ofm();
  if (ofm == nullptr)
    return std::nullopt;
  const ir::Tensor* size = op.input(1);
  auto values = op.int_values(size);
  if (op.num_inputs() != 2 || size == nullptr)
    return fmt::format("{} inputs, no size input", op.num_inputs());
  if (!values || values->size() != 2)
    return fmt::format("size input '{}' is not 2 constant values", size->name);
  if (ofm->shape.size() >= 3 && (*values)[0] == ofm->shape[1] && (*values)[1] == ofm->shape[2])
    return std::nullopt;
  return fmt::format("size {}x{} (HxW) for OFM {}", (*values)[0], (*values)[1], tensor_str(*ofm));
}

Result resize_corner_modes(const OpView& op) {
  auto modes = resize_modes(op);
  if (!modes || !(modes->align_corners && modes->half_pixel_centers))
    return std::nullopt;
  return "align_corners and half_pixel_centers both set";
}

Result resize_half_pixel(const OpView& op) {
  auto modes = resize_modes(op);
  const ir::Tensor* ifm = op.ifm();
  const ir::Tensor* ofm = op.ofm();
  if (!modes || !modes->half_pixel_centers || ifm == nullptr || ofm == nullptr)
    return std::nullopt;
  auto fail = [&] {
    return fmt::format("half_pixel_centers with IFM {} and OFM {}", shape_str(ifm->shape),
                       shape_str(ofm->shape));
  };
  if (ifm->shape.size() < 3 || ofm->shape.size() < 3)
    return fail();
  size_t in = ifm->shape.size(), on = ofm->shape.size();
  int64_t ih = ifm->shape[in - 3], iw = ifm->shape[in - 2];
  int64_t oh = ofm->shape[on - 3], ow = ofm->shape[on - 2];
  if ((ih == 1 && iw == 1) || (oh == 2 * ih && ow == 2 * iw))
    return std::nullopt;
  return fail();
}

}  // namespace

std::vector<Constraint> pooling_resize_constraints() {
  using B = BuiltinOp;
  return {
      specific("kernel_size_positive", "Kernel width and height are positive integers",
               {B::AVERAGE_POOL_2D, B::MAX_POOL_2D}, kernel_size_positive),
      specific("avgpool_same_kernel",
               "With SAME padding the kernel is at most 8x8 (a kernel width equal to the stride "
               "width may be larger)",
               {B::AVERAGE_POOL_2D}, avgpool_same_kernel),
      specific("pool_kernel_height",
               "The kernel height is in [1, 256] (average pooling: with VALID padding)",
               {B::AVERAGE_POOL_2D, B::MAX_POOL_2D}, pool_kernel_height),
      specific("pool_kernel_area",
               "The kernel width times height is in [1, 65536] (average pooling: with VALID "
               "padding)",
               {B::AVERAGE_POOL_2D, B::MAX_POOL_2D}, pool_kernel_area),
      specific("resize_scale",
               "The OFM height and width are the IFM's, or the IFM is 1x1, or both are scaled "
               "by the same factor 2, 4 or 8",
               {B::RESIZE_BILINEAR, B::RESIZE_NEAREST_NEIGHBOR}, resize_scale,
               {"without align_corners: OFM = factor x IFM in height and width",
                "with align_corners: OFM - 1 = factor x (IFM - 1) in height and width",
                "the IFM is 4-D"}),
      specific("resize_size_input",
               "The size input is a constant pair equal to the OFM height and width",
               {B::RESIZE_BILINEAR, B::RESIZE_NEAREST_NEIGHBOR}, resize_size_input),
      specific("resize_corner_modes", "align_corners and half_pixel_centers are not both set",
               {B::RESIZE_BILINEAR, B::RESIZE_NEAREST_NEIGHBOR}, resize_corner_modes),
      specific("resize_half_pixel",
               "With half_pixel_centers the IFM is 1x1 or the OFM is exactly twice its height "
               "and width",
               {B::RESIZE_BILINEAR}, resize_half_pixel),
  };
}

}  // namespace euc::frontend::detail
