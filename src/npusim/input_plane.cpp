#include "npusim/input_plane.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "npusim/feature_map_io.hpp"

namespace euc::npusim {
namespace {

struct Axis {
  int plane = 0;     // positions the kernel visits
  int before = 0;    // padding before the IFM
  int upscaled = 0;  // IFM extent after upscaling
  int factor = 1;    // upscaling factor
  bool transpose = false;

  // The IFM index of plane position p, or -1 for padding (and TRANSPOSE gaps).
  int source(int p) const {
    const int u = p - before;
    if (u < 0 || u >= upscaled)
      return -1;
    if (transpose && u % factor != 0)
      return -1;
    return u / factor;
  }
  bool valid(int p) const {
    const int u = p - before;
    return u >= 0 && u < upscaled;
  }
};

Axis make_axis(int ofm, int stride, int dilated_kernel, int before, int ifm,
               npu::ResamplingMode mode) {
  Axis a;
  a.plane = (ofm - 1) * stride + dilated_kernel;
  a.before = before;
  a.factor = mode == npu::ResamplingMode::kNone ? 1 : 2;
  a.transpose = mode == npu::ResamplingMode::kTranspose;
  a.upscaled = ifm * a.factor;
  return a;
}

// Marks the IFM indices some output reads along one axis.
std::vector<uint8_t> used(const Axis& a, int ofm, int stride, int kernel, int dilation, int ifm) {
  std::vector<uint8_t> mask(static_cast<std::size_t>(ifm), 0);
  for (int o = 0; o < ofm; ++o) {
    for (int k = 0; k < kernel; ++k) {
      const int s = a.source(o * stride + k * dilation);
      if (s >= 0)
        mask[static_cast<std::size_t>(s)] = 1;
    }
  }
  return mask;
}

}  // namespace

InputPlane build_input_plane(const NpuMemory& memory, const npu::BlockOperation& op) {
  const npu::Kernel& k = *op.kernel;
  const npu::Padding& pad = *op.padding;
  const npu::FeatureMap& ifm = op.ifm;
  // Kernel sizes come from 16-bit registers, so the dilated extents fit an int.
  const Axis ay = make_axis(op.ofm.shape.height, k.stride_y, static_cast<int>(k.dilated_height()),
                            pad.top, ifm.shape.height, op.upscale);
  const Axis ax = make_axis(op.ofm.shape.width, k.stride_x, static_cast<int>(k.dilated_width()),
                            pad.left, ifm.shape.width, op.upscale);
  const std::vector<uint8_t> rows =
      used(ay, op.ofm.shape.height, k.stride_y, k.height, k.dilation_y, ifm.shape.height);
  const std::vector<uint8_t> cols =
      used(ax, op.ofm.shape.width, k.stride_x, k.width, k.dilation_x, ifm.shape.width);
  const DenseMap dense = read_feature_map(memory, ifm, "IFM", rows, cols);

  InputPlane plane;
  plane.height = ay.plane;
  plane.width = ax.plane;
  plane.depth = ifm.shape.depth;
  plane.values.assign(static_cast<std::size_t>(plane.height) *
                          static_cast<std::size_t>(plane.width) *
                          static_cast<std::size_t>(plane.depth),
                      0);
  plane.row_valid.resize(static_cast<std::size_t>(plane.height));
  plane.col_valid.resize(static_cast<std::size_t>(plane.width));
  for (int p = 0; p < plane.height; ++p)
    plane.row_valid[static_cast<std::size_t>(p)] = ay.valid(p) ? 1 : 0;
  for (int p = 0; p < plane.width; ++p)
    plane.col_valid[static_cast<std::size_t>(p)] = ax.valid(p) ? 1 : 0;

  const int32_t zero_point = ifm.zero_point;
  for (int py = 0; py < plane.height; ++py) {
    const int sy = ay.source(py);
    if (sy < 0)
      continue;
    for (int px = 0; px < plane.width; ++px) {
      const int sx = ax.source(px);
      if (sx < 0)
        continue;
      int32_t* dst = plane.at(py, px);
      const int32_t* src = &dense.values[dense.index(sy, sx, 0)];
      for (int c = 0; c < plane.depth; ++c)
        dst[c] = src[c] - zero_point;
    }
  }
  return plane;
}

}  // namespace euc::npusim
