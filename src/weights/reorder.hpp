#pragma once
// The order in which the NPU reads a convolution's weights, and the conversion of OHWI weights
// (output channel, kernel row, kernel column, input channel; zero point already subtracted) into
// that order and back (docs/npu_architecture.md §Weight encoding, checked against Arm's Vela 3.10
// mlw_codec reorder and weight_compressor.py).
//
// From outermost to innermost the stream walks:
//   OFM blocks of `ofm_block_depth` channels (the block depth on one core)
//   IFM blocks: 32 channels for 8-bit depth-first, 16 for part-kernel-first or 16-bit IFMs;
//     a single pass for depthwise
//   sub-kernels of at most 8/dilation rows, then 8/dilation columns
//   [part-kernel-first: IFM micro-blocks of the IFM block]
//   OFM micro-blocks of the OFM block
//   kernel elements of the sub-kernel, column fastest; part-kernel-first pads the count to a
//     multiple of 4 (8-bit IFM) or 2 (16-bit), depthwise always to a multiple of 4
//   [depth-first: IFM micro-blocks of the IFM block]
//   OFM channels of the micro-block
//   IFM channels of the micro-block (one for depthwise)
// Every position outside the weights (channels past the OFM or IFM depth, padded kernel
// elements) reads 0. A depth-first IFM block is always walked to its full 32 (or 16) channels,
// even past the IFM depth; only part-kernel-first clips it. An OFM block whose depth is not a
// multiple of the micro-block depth (a two-core NPU splitting an odd number of micro-blocks)
// fills its last micro-block with the following channels, which the next block repeats.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "arch/accelerator.hpp"

namespace euc::weights {

enum class WeightTraversal : std::uint8_t {
  kDepthFirst,       // convolutions with deep IFMs, fully connected
  kPartKernelFirst,  // convolutions with shallow IFMs or kernels that fill the dot product
  kDepthwise,        // depthwise convolutions (weights with one input channel)
};
std::string_view weight_traversal_name(WeightTraversal traversal);  // "depth-first", ...

struct OhwiShape {
  int ofm_depth = 1;
  int height = 1;  // undilated kernel
  int width = 1;
  int ifm_depth = 1;  // 1 for depthwise

  std::int64_t elements() const { return std::int64_t{ofm_depth} * height * width * ifm_depth; }
  std::size_t index(int o, int y, int x, int i) const {
    return static_cast<std::size_t>(((std::int64_t{o} * height + y) * width + x) * ifm_depth + i);
  }
  friend bool operator==(const OhwiShape&, const OhwiShape&) = default;
};

struct ReorderParams {
  WeightTraversal traversal = WeightTraversal::kDepthFirst;
  int ofm_block_depth = 16;  // channels per OFM block on one core
  // Micro-block depths of the accelerator; the IFM one is the DPU's dot-product width.
  int ifm_ublock_depth = arch::kDpuDotProductWidth;
  int ofm_ublock_depth = 8;
  int ifm_bits = 8;    // 8 or 16
  int dilation_x = 1;  // 1 or 2: a dilated kernel is split into smaller sub-kernels
  int dilation_y = 1;

  friend bool operator==(const ReorderParams&, const ReorderParams&) = default;
};

// The parameters for `accelerator` (its micro-block depths).
ReorderParams reorder_params(const arch::AcceleratorConfig& accelerator, WeightTraversal traversal,
                             int ofm_block_depth, int ifm_bits, int dilation_x = 1,
                             int dilation_y = 1);

// Number of values in the reordered stream, padding included. Throws an input error for a
// shape or parameters the hardware cannot take (non-positive sizes, a bit depth other than 8 or
// 16, a dilation other than 1 or 2, depthwise weights with more than one input channel).
std::size_t reordered_length(const OhwiShape& shape, const ReorderParams& params);

// `ohwi` (shape.elements() values) in stream order.
std::vector<std::int16_t> reorder_weights(std::span<const std::int16_t> ohwi,
                                          const OhwiShape& shape, const ReorderParams& params);

// The inverse: OHWI weights from a stream in NPU order. Throws an input error when the stream
// has the wrong length or a padding position holds anything but 0, naming the stream index.
std::vector<std::int16_t> unreorder_weights(std::span<const std::int16_t> stream,
                                            const OhwiShape& shape, const ReorderParams& params);

}  // namespace euc::weights
