#include "npuhazard/block_walk.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace euc::npuhazard {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// Input coordinates [lo, hi) that output coordinates [o0, o1) read along one axis.
std::pair<int, int> input_range(int o0, int o1, int stride, int dilation, int kernel, int pad,
                                int ublock, int upscale, int size) {
  const int64_t first = int64_t{o0} * stride - pad;
  const int64_t extent = int64_t{o1 - 1 - o0} * stride + int64_t{dilation} * (kernel - 1) + 1;
  const int64_t last = first + ceil_div(extent, std::max(ublock, 1)) * std::max(ublock, 1) - 1;
  const int64_t lo = std::max<int64_t>(0, floor_div(first, upscale));
  const int64_t hi = std::min<int64_t>(size, floor_div(last, upscale) + 1);
  if (hi <= lo)
    return {0, 0};
  return {static_cast<int>(lo), static_cast<int>(hi)};
}

void check_block(const npu::BlockOperation& op) {
  const npu::BlockConfig& b = op.block_config;
  if (b.width <= 0 || b.height <= 0 || b.depth <= 0)
    throw_input("empty OFM block config");
}

}  // namespace

int64_t ofm_block_count(const npu::BlockOperation& op) {
  check_block(op);
  const npu::Shape3D& s = op.ofm.shape;
  const npu::BlockConfig& b = op.block_config;
  return ceil_div(s.height, b.height) * ceil_div(s.width, b.width) * ceil_div(s.depth, b.depth);
}

Box ofm_block(const npu::BlockOperation& op, int64_t index) {
  check_block(op);
  const npu::Shape3D& s = op.ofm.shape;
  const npu::BlockConfig& b = op.block_config;
  const int64_t depth_blocks = ceil_div(s.depth, b.depth);
  const int64_t width_blocks = ceil_div(s.width, b.width);
  const auto z = static_cast<int>(index % depth_blocks);
  const auto x = static_cast<int>((index / depth_blocks) % width_blocks);
  const auto y = static_cast<int>(index / (depth_blocks * width_blocks));
  Box box{y * b.height, y * b.height + b.height, x * b.width, x * b.width + b.width,
          z * b.depth,  z * b.depth + b.depth};
  return intersect(box, whole(s));
}

Box ifm_area(npu::OperationKind kind, const npu::BlockOperation& op, const Box& o,
             const arch::AcceleratorConfig& accelerator) {
  const npu::Shape3D& in = op.ifm.shape;
  Box box;
  if (kind == npu::OperationKind::kElementwise || !op.kernel || !op.padding) {
    box = Box{o.y0, o.y1, o.x0, o.x1, o.c0, o.c1};
  } else {
    const npu::Kernel& k = *op.kernel;
    const int up = op.upscale == npu::ResamplingMode::kNone ? 1 : 2;
    const auto [y0, y1] =
        input_range(o.y0, o.y1, k.stride_y, k.dilation_y, k.height, op.padding->top,
                    accelerator.ifm_ublock.height, up, in.height);
    const auto [x0, x1] = input_range(o.x0, o.x1, k.stride_x, k.dilation_x, k.width,
                                      op.padding->left, accelerator.ifm_ublock.width, up, in.width);
    box = Box{y0, y1, x0, x1, o.c0, o.c1};
  }
  const bool all_channels =
      kind == npu::OperationKind::kConv ||
      (kind == npu::OperationKind::kPool && op.pooling_mode == npu::PoolingMode::kReduceSum) ||
      in.depth != op.ofm.shape.depth;
  if (all_channels) {
    box.c0 = 0;
    box.c1 = in.depth;
  }
  return intersect(box, whole(in));
}

Box ifm2_area(const npu::BlockOperation& op, const Box& o) {
  if (!op.ifm2)
    return {};
  const npu::Shape3D& in = op.ifm2->shape;
  const npu::Shape3D& out = op.ofm.shape;
  auto axis = [](int lo, int hi, int size, int out_size) {
    return size == out_size ? std::pair(lo, hi) : std::pair(0, size);
  };
  const auto [y0, y1] = axis(o.y0, o.y1, in.height, out.height);
  const auto [x0, x1] = axis(o.x0, o.x1, in.width, out.width);
  const auto [c0, c1] = axis(o.c0, o.c1, in.depth, out.depth);
  return intersect(Box{y0, y1, x0, x1, c0, c1}, whole(in));
}

}  // namespace euc::npuhazard
