#include "weights/reorder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/error.hpp"

namespace euc::weights {
namespace {

// IFM block depths (docs/npu_architecture.md §Blocks and SHRAM): the IFM buffer holds 32 channels
// of an 8-bit IFM when the kernel is walked depth-first, 16 otherwise.
constexpr int kIfmBlockDepthDeep = 32;
constexpr int kIfmBlockDepthShallow = 16;
// Kernel element counts are padded to fill the dot product when it is fed across the kernel.
constexpr int kElementGroup8Bit = 4;
constexpr int kElementGroup16Bit = 2;
constexpr int kElementGroupDepthwise = 4;

int round_up(int value, int multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

void check(const OhwiShape& shape, const ReorderParams& p) {
  if (shape.ofm_depth < 1 || shape.height < 1 || shape.width < 1 || shape.ifm_depth < 1) {
    throw_input(fmt::format("weights of shape OHWI [{}, {}, {}, {}]: every dimension must be >= 1",
                            shape.ofm_depth, shape.height, shape.width, shape.ifm_depth));
  }
  if (p.traversal == WeightTraversal::kDepthwise && shape.ifm_depth != 1) {
    throw_input(
        fmt::format("depthwise weights must have one input channel, not {}", shape.ifm_depth));
  }
  if (p.ofm_block_depth < 1 || p.ifm_ublock_depth < 1 || p.ofm_ublock_depth < 1) {
    throw_input(fmt::format(
        "weight reordering: OFM block depth {}, IFM micro-block depth {} and OFM micro-block "
        "depth {} must be >= 1",
        p.ofm_block_depth, p.ifm_ublock_depth, p.ofm_ublock_depth));
  }
  if (p.ifm_bits != 8 && p.ifm_bits != 16) {
    throw_input(fmt::format("weight reordering: IFM bit depth {} is not 8 or 16", p.ifm_bits));
  }
  for (const int d : {p.dilation_x, p.dilation_y}) {
    if (d != 1 && d != 2) {
      throw_input(fmt::format("weight reordering: dilation {} is not 1 or 2", d));
    }
  }
}

// Calls visit(source) for every stream position in order; `source` is the OHWI index the
// position reads, or nullopt for a padding position.
template <class Visit>
void for_each_stream_position(const OhwiShape& shape, const ReorderParams& p, Visit&& visit) {
  check(shape, p);
  const bool depthwise = p.traversal == WeightTraversal::kDepthwise;
  const bool part_kernel = p.traversal == WeightTraversal::kPartKernelFirst;
  const int ifm_block_depth =
      part_kernel || p.ifm_bits == 16 ? kIfmBlockDepthShallow : kIfmBlockDepthDeep;
  // A dilated kernel reads every other IFM row/column, so fewer taps fit the 8x8 sub-kernel.
  const int sub_kernel_height = arch::kSubKernelMax.height / p.dilation_y;
  const int sub_kernel_width = arch::kSubKernelMax.width / p.dilation_x;
  const int ifm_ublock_channels = depthwise ? 1 : p.ifm_ublock_depth;

  for (int ofm_block = 0; ofm_block < shape.ofm_depth; ofm_block += p.ofm_block_depth) {
    const int ofm_block_depth = std::min(p.ofm_block_depth, shape.ofm_depth - ofm_block);
    const int ifm_end = depthwise ? 1 : shape.ifm_depth;
    for (int ifm_block = 0; ifm_block < ifm_end; ifm_block += ifm_block_depth) {
      // Depthwise reads one micro-block pass; depth-first the whole (unclipped) IFM block.
      int ifm_block_extent = ifm_block_depth;
      if (depthwise) {
        ifm_block_extent = p.ifm_ublock_depth;
      } else if (part_kernel) {
        ifm_block_extent = std::min(ifm_block_depth, shape.ifm_depth - ifm_block);
      }
      // Part-kernel-first walks IFM micro-blocks outside the kernel elements, the other
      // traversals inside them.
      const int ifm_outer_extent = part_kernel ? ifm_block_extent : 1;
      const int ifm_inner_extent = part_kernel ? 1 : ifm_block_extent;

      for (int sub_y = 0; sub_y < shape.height; sub_y += sub_kernel_height) {
        const int sub_height = std::min(shape.height - sub_y, sub_kernel_height);
        for (int sub_x = 0; sub_x < shape.width; sub_x += sub_kernel_width) {
          const int sub_width = std::min(shape.width - sub_x, sub_kernel_width);
          int elements = sub_width * sub_height;
          if (part_kernel) {
            elements =
                round_up(elements, p.ifm_bits == 16 ? kElementGroup16Bit : kElementGroup8Bit);
          } else if (depthwise) {
            elements = round_up(elements, kElementGroupDepthwise);
          }

          for (int ifm_outer = 0; ifm_outer < ifm_outer_extent; ifm_outer += p.ifm_ublock_depth) {
            for (int ofm_ublock = 0; ofm_ublock < ofm_block_depth;
                 ofm_ublock += p.ofm_ublock_depth) {
              for (int element = 0; element < elements; ++element) {
                const int ky = element / sub_width;
                const int kx = element % sub_width;
                const bool real_element = ky < sub_height;
                for (int ifm_inner = 0; ifm_inner < ifm_inner_extent;
                     ifm_inner += p.ifm_ublock_depth) {
                  for (int oz = 0; oz < p.ofm_ublock_depth; ++oz) {
                    const int o = ofm_block + ofm_ublock + oz;
                    for (int iz = 0; iz < ifm_ublock_channels; ++iz) {
                      const int i = ifm_block + ifm_outer + ifm_inner + iz;
                      // Only the OFM depth bounds the channel, not the block: a block that
                      // ends inside a micro-block (an odd per-core depth on a two-core NPU)
                      // carries the next block's first channels there, as Vela writes it.
                      if (real_element && o < shape.ofm_depth && i < shape.ifm_depth) {
                        visit(
                            std::optional<std::size_t>(shape.index(o, sub_y + ky, sub_x + kx, i)));
                      } else {
                        visit(std::optional<std::size_t>());
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

std::string_view weight_traversal_name(WeightTraversal traversal) {
  switch (traversal) {
    case WeightTraversal::kDepthFirst:
      return "depth-first";
    case WeightTraversal::kPartKernelFirst:
      return "part-kernel-first";
    case WeightTraversal::kDepthwise:
      return "depthwise";
  }
  return "?";
}

ReorderParams reorder_params(const arch::AcceleratorConfig& accelerator, WeightTraversal traversal,
                             int ofm_block_depth, int ifm_bits, int dilation_x, int dilation_y) {
  ReorderParams p;
  p.traversal = traversal;
  p.ofm_block_depth = ofm_block_depth;
  p.ifm_ublock_depth = accelerator.ifm_ublock.depth;
  p.ofm_ublock_depth = accelerator.ofm_ublock.depth;
  p.ifm_bits = ifm_bits;
  p.dilation_x = dilation_x;
  p.dilation_y = dilation_y;
  return p;
}

std::size_t reordered_length(const OhwiShape& shape, const ReorderParams& params) {
  std::size_t count = 0;
  for_each_stream_position(shape, params, [&](std::optional<std::size_t>) { ++count; });
  return count;
}

std::vector<std::int16_t> reorder_weights(std::span<const std::int16_t> ohwi,
                                          const OhwiShape& shape, const ReorderParams& params) {
  check(shape, params);
  if (static_cast<std::int64_t>(ohwi.size()) != shape.elements()) {
    throw_input(fmt::format("weight reordering: {} values given for OHWI [{}, {}, {}, {}]",
                            ohwi.size(), shape.ofm_depth, shape.height, shape.width,
                            shape.ifm_depth));
  }
  std::vector<std::int16_t> stream;
  stream.reserve(static_cast<std::size_t>(shape.elements()));
  for_each_stream_position(shape, params, [&](std::optional<std::size_t> source) {
    stream.push_back(source ? ohwi[*source] : std::int16_t{0});
  });
  return stream;
}

std::vector<std::int16_t> unreorder_weights(std::span<const std::int16_t> stream,
                                            const OhwiShape& shape, const ReorderParams& params) {
  const std::size_t expected = reordered_length(shape, params);
  if (stream.size() != expected) {
    throw_input(fmt::format(
        "{} weight stream for OHWI [{}, {}, {}, {}] with OFM block depth {}: {} values, "
        "expected {}",
        weight_traversal_name(params.traversal), shape.ofm_depth, shape.height, shape.width,
        shape.ifm_depth, params.ofm_block_depth, stream.size(), expected));
  }
  std::vector<std::int16_t> ohwi(static_cast<std::size_t>(shape.elements()));
  std::vector<bool> seen(ohwi.size());
  std::size_t position = 0;
  for_each_stream_position(shape, params, [&](std::optional<std::size_t> source) {
    const std::int16_t value = stream[position];
    if (source) {
      // A weight read twice (micro-blocks reaching into the next OFM block) must agree.
      if (seen[*source] && ohwi[*source] != value) {
        throw_input(fmt::format(
            "weight stream value {} at index {} repeats OHWI element {} with a different value {}",
            value, position, *source, ohwi[*source]));
      }
      ohwi[*source] = value;
      seen[*source] = true;
    } else if (value != 0) {
      throw_input(fmt::format("weight stream value {} at index {} is padding and must be 0", value,
                              position));
    }
    ++position;
  });
  return ohwi;
}

}  // namespace euc::weights
