#include "arch/block_config.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace euc::arch {
namespace {

int round_up(int value, int multiple) {
  return (value + multiple - 1) / multiple * multiple;
}
int div_round_up(int value, int divisor) {
  return (value + divisor - 1) / divisor;
}

bool is_equal_depth(BlockKind kind) {
  return kind == BlockKind::kElementwise || kind == BlockKind::kPooling ||
         kind == BlockKind::kDepthwise;
}
bool has_kernel_weights(BlockKind kind) {
  return kind == BlockKind::kConvolution || kind == BlockKind::kDepthwise;
}

AccumulatorType accumulator_for(const BlockConfigRequest& r) {
  // 16-bit inputs accumulate in 40 bits unless the op is pooling or unscaled.
  bool wide = r.ifm_bits == 16 && r.kind != BlockKind::kPooling && r.scaled;
  return wide ? AccumulatorType::kInt40 : AccumulatorType::kInt32;
}

int ifm_granule(const ShramGranules& g, int bits, bool elementwise) {
  if (bits == 32)
    return g.ifm32;
  if (bits == 16)
    return elementwise ? g.ifm16_elementwise : g.ifm16;
  return elementwise ? g.ifm8_elementwise : g.ifm8;
}

// Input needed along one axis to produce `out` outputs: the last output's window start plus the
// kernel extent (capped at one sub-kernel), plus one for nearest upscaling, over the upscale.
int required_input(int out, int stride, int extent, int upscale, bool nearest) {
  int need = (out - 1) * stride + extent + (nearest ? 1 : 0);
  return div_round_up(need, upscale);
}

// The IFM block depth the hardware streams for ops that reduce over IFM depth.
int reduced_ifm_block_depth(const AcceleratorConfig& acc, int ifm_depth, int bits,
                            bool part_kernel) {
  if (bits == 16)
    return round_up(std::min(ifm_depth, 16), 4);
  return round_up(std::min(ifm_depth, part_kernel ? 16 : 32), acc.ifm_ublock.depth);
}

}  // namespace

bool prefers_part_kernel_first(int ifm_depth, int ifm_bits, const ir::Kernel& kernel) {
  if (ifm_depth <= 8)
    return true;
  double k = static_cast<double>(kernel.width) * kernel.height;
  double depth_first_use =
      static_cast<double>(ifm_depth) / round_up(ifm_depth, ifm_bits == 8 ? 32 : 16);
  double part_kernel_use = ifm_depth * k /
                           (static_cast<double>(round_up(ifm_depth, 8)) *
                            round_up(kernel.width * kernel.height, ifm_bits == 8 ? 4 : 2));
  return part_kernel_use > depth_first_use;
}

Hwc ifm_block_for(const AcceleratorConfig& acc, const BlockConfigRequest& r, const Hwc& ofm_block) {
  int upscale = r.resampling == Resampling::kNone ? 1 : 2;
  bool nearest = r.resampling == Resampling::kNearest;
  int h =
      required_input(ofm_block.height, r.kernel.stride_y,
                     std::min(static_cast<int>(r.kernel.dilated_height()), kSubKernelMax.height),
                     upscale, nearest);
  int w = required_input(ofm_block.width, r.kernel.stride_x,
                         std::min(static_cast<int>(r.kernel.dilated_width()), kSubKernelMax.width),
                         upscale, nearest);
  // Rounded to the OFM micro-block, as the hardware fetches IFM in those steps.
  return {round_up(h, acc.ofm_ublock.height), round_up(w, acc.ofm_ublock.width), ofm_block.depth};
}

std::optional<ShramLayout> shram_layout_for(const AcceleratorConfig& acc,
                                            const BlockConfigRequest& r, const Hwc& ofm_block,
                                            const Hwc& ifm_block) {
  const bool elementwise = r.kind == BlockKind::kElementwise;
  const int bank = kShramBankBytes;
  // IFM and accumulator areas are double buffered, hence the factors of 2.
  int64_t ifm_bytes = ifm_block.elements_hw() * round_up(ifm_block.depth * r.ifm_bits / 8, 8);
  int ifm_banks = static_cast<int>((ifm_bytes + bank - 1) / bank) * 2;
  ifm_banks = round_up(ifm_banks, ifm_granule(acc.shram_granules, r.ifm_bits, elementwise));

  int end_banks = std::max(r.uses_lut ? kShramLutBytes / bank : 0, shram_reserved_end_banks(acc));
  ShramLayout layout;
  layout.lut_start = acc.shram_banks - end_banks;
  layout.ifm_start = kShramReservedOutputBanks;
  layout.ifm_end = kShramReservedOutputBanks + ifm_banks;
  layout.ifm2_start = layout.ifm_end;
  layout.acc_start = layout.lut_start;
  if (!elementwise) {
    int acc_bits = accumulator_for(r) == AccumulatorType::kInt40 ? 40 : 32;
    int granule = acc_bits == 40 ? acc.shram_granules.acc40 : acc.shram_granules.acc32;
    int64_t acc_bytes = ofm_block.elements_hw() * round_up(ofm_block.depth, 8) * acc_bits / 8;
    int acc_banks = static_cast<int>((acc_bytes + bank - 1) / bank) * 2;
    layout.acc_start -= round_up(acc_banks, granule);
  } else {
    // Elementwise ops have no accumulators: IFM2 follows IFM, and the IFM area extends to the top.
    int ifm2_banks = r.ifm2_is_scalar ? 0 : ifm_banks;
    if (layout.ifm2_start + ifm2_banks > layout.acc_start)
      return std::nullopt;
    layout.ifm_end = layout.acc_start;
  }
  if (layout.ifm_end > layout.acc_start)
    return std::nullopt;
  return layout;
}

std::optional<BlockConfig> find_block_config(const AcceleratorConfig& acc,
                                             const BlockConfigRequest& request) {
  BlockConfigRequest r = request;
  // Elementwise ops are sized by their larger operand.
  if (r.ifm2 && r.ifm2->elements() > r.ifm.elements())
    r.ifm = *r.ifm2;
  const Hwc& ifm = r.ifm;
  const Hwc& ofm = r.ofm;
  const bool equal_depth = is_equal_depth(r.kind);
  const bool conv_like = has_kernel_weights(r.kind);

  BlockConfig best;
  best.part_kernel_first = conv_like && prefers_part_kernel_first(ifm.depth, r.ifm_bits, r.kernel);
  best.accumulator = accumulator_for(r);
  const int ifm_depth_block =
      reduced_ifm_block_depth(acc, ifm.depth, r.ifm_bits, best.part_kernel_first);
  const int sub_kernels =
      div_round_up(static_cast<int>(r.kernel.dilated_width()), kSubKernelMax.width) *
      div_round_up(static_cast<int>(r.kernel.dilated_height()), kSubKernelMax.height);
  const int64_t kernel_hw = conv_like ? int64_t{static_cast<int>(r.kernel.dilated_width())} *
                                            static_cast<int>(r.kernel.dilated_height())
                                      : 0;

  const Hwc space{round_up(std::min(ofm.height, kOfmBlockMax.height), acc.ofm_ublock.height),
                  round_up(std::min(ofm.width, kOfmBlockMax.width), acc.ofm_ublock.width),
                  round_up(std::min(ofm.depth, kOfmBlockMax.depth), acc.ofm_ublock.depth)};
  // Depth candidates start at the split depth and stay multiples of it while below the OFM.
  auto next_depth = [&](int d) { return d < ofm.depth ? round_up(d, kOfmSplitDepth) : d; };

  double best_cost = std::numeric_limits<double>::infinity();
  double best_coverage = std::numeric_limits<double>::infinity();
  bool found = false;
  for (int depth =
           next_depth(std::max(acc.ofm_ublock.depth, std::min(space.depth, kOfmSplitDepth)));
       depth <= space.depth; depth = next_depth(depth + acc.ofm_ublock.depth)) {
    // A W x H block that did not fit rules out the H x W block too (same SHRAM need).
    std::map<std::pair<int, int>, bool> too_big;
    for (int h = acc.ofm_ublock.height; h <= space.height; h += acc.ofm_ublock.height) {
      for (int w = acc.ofm_ublock.width; w <= space.width; w += acc.ofm_ublock.width) {
        if (too_big.count({h, w}) != 0)
          continue;
        Hwc ofm_block{h, w, depth};
        Hwc ifm_block = ifm_block_for(acc, r, ofm_block);
        if (!equal_depth)
          ifm_block.depth = ifm_depth_block;
        // 1-D optimisation: H=1 kernels on 1-high OFMs only need 1-high accumulators.
        Hwc fit_block = ofm_block;
        if (ofm.height == 1 && r.kernel.height == 1 && acc.ofm_ublock.height == 2) {
          fit_block.height = std::min(fit_block.height, ofm.height);
        }
        std::optional<ShramLayout> layout = shram_layout_for(acc, r, fit_block, ifm_block);
        if (!layout) {
          too_big[{w, h}] = true;
          continue;
        }
        // Data fetched per OFM element: IFM blocks (once per sub-kernel, and per OFM depth block
        // for ops that reduce over depth) plus weights (once per OFM block position).
        double blocks_h = static_cast<double>(ofm.height) / h;
        double blocks_w = static_cast<double>(ofm.width) / w;
        double blocks_d = static_cast<double>(ofm.depth) / depth;
        int64_t full_h = div_round_up(ofm.height, h);
        int64_t full_w = div_round_up(ofm.width, w);
        int64_t full_d = div_round_up(ofm.depth, depth);
        double weight_fetch = static_cast<double>(kernel_hw * ifm.depth * full_h * full_w);
        if (r.kind != BlockKind::kDepthwise)
          weight_fetch *= depth * blocks_d;
        // (blocks_h * blocks_w first: equal-cost ties are decided by these exact roundings.)
        double ifm_fetch = static_cast<double>(ifm_block.elements_hw() * ifm.depth * sub_kernels) *
                           (blocks_h * blocks_w);
        if (!equal_depth)
          ifm_fetch *= static_cast<double>(full_d);
        // Elementwise ops fetch each input once whatever the block: fewer, larger blocks win.
        double cost =
            r.kind == BlockKind::kElementwise
                ? std::max(static_cast<double>(ofm.elements()) / ofm_block.elements(), 1.0)
                : (ifm_fetch + weight_fetch) / static_cast<double>(ofm.elements());
        // Two IFM buffers holding the whole IFM avoid refetching: favour such blocks.
        if (ifm.elements() < ifm_block.elements() * 2)
          cost /= 2;
        if (cost > best_cost)
          continue;
        bool take = false;
        if (cost < best_cost) {
          best_coverage = std::numeric_limits<double>::infinity();
          take = true;
        } else if (h <= 4 && w <= 4) {
          // Equal cost: small blocks prefer covering more of the IFM.
          double covered = static_cast<double>(std::min(ifm.height, ifm_block.height)) *
                           std::min(ifm.width, ifm_block.width);
          double coverage = static_cast<double>(ifm.elements_hw()) / covered;
          if (coverage <= best_coverage) {
            best_coverage = coverage;
            take = true;
          }
        }
        if (take) {
          best_cost = cost;
          best.ofm_block = ofm_block;
          best.ifm_block = ifm_block;
          best.layout = *layout;
          found = true;
        }
      }
    }
  }
  if (!found)
    return std::nullopt;
  return best;
}

}  // namespace euc::arch
