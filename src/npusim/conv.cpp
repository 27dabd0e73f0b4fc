// CONV and DEPTHWISE: sum over the kernel window (and, for CONV, all IFM channels) of
// (IFM - zero point) * weight, then the output stage with the channel's scale record.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "npusim/input_plane.hpp"
#include "npusim/kernels.hpp"
#include "npusim/output_stage.hpp"

namespace euc::npusim {
namespace {

// 8-bit IFM values minus their zero point and zero-point-corrected weights both lie in
// [-255, 255], so products fit 17 bits and this many of them fit an int32 sum.
constexpr std::size_t kInt32DotChunk = 16384;

int64_t dot(const int16_t* a, const int16_t* b, std::size_t n) {
  int64_t total = 0;
  for (std::size_t start = 0; start < n; start += kInt32DotChunk) {
    const std::size_t end = std::min(n, start + kInt32DotChunk);
    int32_t s = 0;
    for (std::size_t i = start; i < end; ++i)
      s += int32_t{a[i]} * int32_t{b[i]};
    total += s;
  }
  return total;
}

int64_t dot(const int32_t* a, const int16_t* b, std::size_t n) {
  int64_t s = 0;
  for (std::size_t i = 0; i < n; ++i)
    s += int64_t{a[i]} * int64_t{b[i]};
  return s;
}

void check_shapes(const npu::BlockOperation& op, bool depthwise) {
  if (!op.kernel || !op.padding)
    throw_input("kernel or padding registers missing");
  if (depthwise && op.ifm.shape.depth != op.ofm.shape.depth) {
    throw_input(fmt::format("DEPTHWISE needs IFM depth ({}) equal to OFM depth ({})",
                            op.ifm.shape.depth, op.ofm.shape.depth));
  }
  if (op.ifm.type.bits == 32)
    throw_input("CONV and DEPTHWISE take 8- or 16-bit IFMs, not int32");
  // Vela scales convolutions per channel only; what the hardware does with the global OFM_SCALE
  // and per-channel biases is not known.
  if (op.ofm_global_scale)
    throw_input("a global OFM scale on CONV/DEPTHWISE is not modelled");
}

// Convolution with patches of type T gathered per output position (im2col) so that each OFM
// channel is one long dot product over [ky][kx][ifm].
template <typename T>
void convolve(const InputPlane& plane, const OpWeights& w, const npu::BlockOperation& op,
              const OutputStage& stage, DenseMap& out) {
  const npu::Kernel& k = *op.kernel;
  const int ic = plane.depth;
  const std::size_t patch_size = static_cast<std::size_t>(k.height) *
                                 static_cast<std::size_t>(k.width) * static_cast<std::size_t>(ic);
  std::vector<T> patch(patch_size);
  for (int oy = 0; oy < out.shape.height; ++oy) {
    for (int ox = 0; ox < out.shape.width; ++ox) {
      T* dst = patch.data();
      for (int ky = 0; ky < k.height; ++ky) {
        for (int kx = 0; kx < k.width; ++kx) {
          const int32_t* src =
              plane.at(oy * k.stride_y + ky * k.dilation_y, ox * k.stride_x + kx * k.dilation_x);
          for (int c = 0; c < ic; ++c)
            *dst++ = static_cast<T>(src[c]);
        }
      }
      int32_t* result = &out.at(oy, ox, 0);
      for (int oc = 0; oc < out.shape.depth; ++oc) {
        const int16_t* weights = w.values.data() + static_cast<std::size_t>(oc) * patch_size;
        const int64_t acc = dot(patch.data(), weights, patch_size);
        result[oc] = static_cast<int32_t>(
            stage.finish_with_record(acc, w.scales[static_cast<std::size_t>(oc)]));
      }
    }
  }
}

void convolve_depthwise(const InputPlane& plane, const OpWeights& w, const npu::BlockOperation& op,
                        const OutputStage& stage, DenseMap& out) {
  const npu::Kernel& k = *op.kernel;
  const int depth = out.shape.depth;
  // Weights as [ky][kx][channel] so the innermost loop runs over channels.
  std::vector<int32_t> wt(w.values.size());
  for (int c = 0; c < depth; ++c) {
    for (int e = 0; e < k.height * k.width; ++e) {
      wt[static_cast<std::size_t>(e) * static_cast<std::size_t>(depth) +
         static_cast<std::size_t>(c)] =
          w.values[static_cast<std::size_t>(c) * static_cast<std::size_t>(k.height * k.width) +
                   static_cast<std::size_t>(e)];
    }
  }
  std::vector<int64_t> acc(static_cast<std::size_t>(depth));
  for (int oy = 0; oy < out.shape.height; ++oy) {
    for (int ox = 0; ox < out.shape.width; ++ox) {
      std::fill(acc.begin(), acc.end(), 0);
      for (int ky = 0; ky < k.height; ++ky) {
        for (int kx = 0; kx < k.width; ++kx) {
          const int32_t* src =
              plane.at(oy * k.stride_y + ky * k.dilation_y, ox * k.stride_x + kx * k.dilation_x);
          const int32_t* wk = wt.data() + static_cast<std::size_t>(ky * k.width + kx) *
                                              static_cast<std::size_t>(depth);
          for (int c = 0; c < depth; ++c)
            acc[static_cast<std::size_t>(c)] += int64_t{src[c]} * wk[c];
        }
      }
      int32_t* result = &out.at(oy, ox, 0);
      for (int c = 0; c < depth; ++c) {
        result[c] = static_cast<int32_t>(stage.finish_with_record(
            acc[static_cast<std::size_t>(c)], w.scales[static_cast<std::size_t>(c)]));
      }
    }
  }
}

}  // namespace

DenseMap run_convolution(const KernelEnv& env, const npu::BlockOperation& op, bool depthwise) {
  check_shapes(op, depthwise);
  const OpWeights& w = env.weights.load(env.memory, op, depthwise, env.accelerator, env.op_index);
  const InputPlane plane = build_input_plane(env.memory, op);
  const OutputStage stage(op, env.memory, env.accelerator);
  DenseMap out(op.ofm.shape);
  if (depthwise)
    convolve_depthwise(plane, w, op, stage, out);
  else if (op.ifm.type.bits == 8)
    convolve<int16_t>(plane, w, op, stage, out);
  else
    convolve<int32_t>(plane, w, op, stage, out);
  return out;
}

}  // namespace euc::npusim
