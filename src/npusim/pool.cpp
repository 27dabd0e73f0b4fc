// POOL: MAX, AVERAGE and REDUCE_SUM over the kernel window.
//
// Padding: MAX and AVERAGE leave padding positions out (TFLite's pooling does; Vela pads pools
// freely). AVERAGE without padding scales the window sum by the global OFM_SCALE, which Vela
// sets to about 1 / kernel elements (scaling.py quantise_pooling_scale). AVERAGE with padding
// divides by the number of valid positions itself: Vela 3.10 writes no scale then (OFM_PRECISION
// selects the per-channel mode, which a pool has no records for), Vela 5.1 selects the global
// scale with OFM_SCALE 1, shift 0 (a rescale applied after the division) for the same pools
// (avgpool SAME, bilinear resize). We model the division as exact, rounded with the OFM
// rounding mode (TFL: ties away from zero, as TFLite's average pool rounds); see
// docs/npu_architecture.md §Output scaling and rounding.
//
// REDUCE_SUM sums the window over all IFM channels into a one-channel OFM: Vela lowers softmax's
// sum of exponentials to a REDUCE_SUM from an H x W x C IFM to H x W x 1 with a 1x1 kernel
// (softmax.py, create_reduce_sum). Other OFM depths are not modelled.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "core/error.hpp"
#include "npusim/input_plane.hpp"
#include "npusim/kernels.hpp"
#include "npusim/output_stage.hpp"
#include "npusim/rounding.hpp"

namespace euc::npusim {
namespace {

int64_t divide(int64_t sum, int64_t count, npu::Rounding mode) {
  const int64_t magnitude = sum < 0 ? -sum : sum;
  int64_t q = magnitude / count;
  const int64_t r = magnitude % count;
  switch (mode) {
    case npu::Rounding::kTruncate:
      break;
    case npu::Rounding::kTfl:  // ties away from zero
      if (2 * r >= count)
        ++q;
      break;
    case npu::Rounding::kNatural:  // ties towards +infinity
      if (2 * r > count || (2 * r == count && sum >= 0))
        ++q;
      break;
  }
  return sum < 0 ? -q : q;
}

}  // namespace

DenseMap run_pooling(const KernelEnv& env, const npu::BlockOperation& op) {
  if (!op.kernel || !op.padding)
    throw_input("kernel or padding registers missing");
  const bool reduce = op.pooling_mode == npu::PoolingMode::kReduceSum;
  if (reduce && op.ofm.shape.depth != 1) {
    throw_input(
        fmt::format("REDUCE_SUM into an OFM of depth {} is not modelled (Vela reduces "
                    "to depth 1)",
                    op.ofm.shape.depth));
  }
  if (!reduce && op.ifm.shape.depth != op.ofm.shape.depth) {
    throw_input(fmt::format("pooling needs IFM depth ({}) equal to OFM depth ({})",
                            op.ifm.shape.depth, op.ofm.shape.depth));
  }
  const npu::Kernel& k = *op.kernel;
  const InputPlane plane = build_input_plane(env.memory, op);
  const OutputStage stage(op, env.memory, env.accelerator);
  DenseMap out(op.ofm.shape);
  const int depth = plane.depth;
  const npu::Padding& pad = *op.padding;
  const bool padded = pad.top > 0 || pad.left > 0 || pad.bottom > 0 || pad.right > 0;
  // The hardware divides by the valid positions (see above); without the global scale nothing
  // else scales the result.
  const bool hardware_average =
      op.pooling_mode == npu::PoolingMode::kAverage && (padded || !op.ofm_global_scale);
  std::vector<int64_t> acc(static_cast<std::size_t>(depth));
  for (int oy = 0; oy < out.shape.height; ++oy) {
    for (int ox = 0; ox < out.shape.width; ++ox) {
      const bool max = op.pooling_mode == npu::PoolingMode::kMax;
      std::fill(acc.begin(), acc.end(), max ? INT64_MIN : 0);
      int64_t count = 0;
      for (int ky = 0; ky < k.height; ++ky) {
        const int py = oy * k.stride_y + ky * k.dilation_y;
        if (plane.row_valid[static_cast<std::size_t>(py)] == 0)
          continue;
        for (int kx = 0; kx < k.width; ++kx) {
          const int px = ox * k.stride_x + kx * k.dilation_x;
          if (plane.col_valid[static_cast<std::size_t>(px)] == 0)
            continue;
          ++count;
          const int32_t* src = plane.at(py, px);
          if (max) {
            for (int c = 0; c < depth; ++c)
              acc[static_cast<std::size_t>(c)] =
                  std::max<int64_t>(acc[static_cast<std::size_t>(c)], src[c]);
          } else {
            for (int c = 0; c < depth; ++c)
              acc[static_cast<std::size_t>(c)] += src[c];
          }
        }
      }
      int32_t* result = &out.at(oy, ox, 0);
      if (count == 0) {
        throw_input(
            fmt::format("pooling window of OFM element (y {}, x {}) lies entirely in the "
                        "padding",
                        oy, ox));
      }
      if (reduce) {
        int64_t sum = 0;
        for (int64_t v : acc)
          sum += v;
        result[0] = static_cast<int32_t>(stage.finish(sum));
        continue;
      }
      for (int c = 0; c < depth; ++c) {
        const int64_t v = acc[static_cast<std::size_t>(c)];
        result[c] = static_cast<int32_t>(
            hardware_average ? stage.finish(divide(v, count, stage.rounding())) : stage.finish(v));
      }
    }
  }
  return out;
}

}  // namespace euc::npusim
