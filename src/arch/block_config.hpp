#pragma once
// Block configuration search: the OFM block an NPU operation is computed in, the IFM block that
// feeds it, and how the 1 KiB SHRAM banks are split between IFM buffers, accumulators and the
// LUT (docs/npu_architecture.md §Blocks and SHRAM). The same search serves codegen (the IB_END,
// IB2_START and AB_START registers) and the performance model (block counts).
#include <optional>

#include "arch/accelerator.hpp"
#include "ir/geometry.hpp"

namespace euc::arch {

// The kinds of NPU block the hardware distinguishes for buffering.
enum class BlockKind {
  kConvolution,    // CONV_2D and its lowerings (MxN kernels)
  kDepthwise,      // DEPTHWISE_CONV_2D
  kVectorProduct,  // FULLY_CONNECTED
  kPooling,        // max/average pooling, reduce-sum
  kElementwise,    // binary and unary elementwise
};

enum class Resampling { kNone, kNearest, kTranspose };

enum class AccumulatorType { kInt32, kInt40 };

// A height x width x depth shape (batch is always 1 on the NPU).
struct Hwc {
  int height = 1;
  int width = 1;
  int depth = 1;
  int64_t elements() const { return int64_t{height} * width * depth; }
  int64_t elements_hw() const { return int64_t{height} * width; }
  friend bool operator==(const Hwc&, const Hwc&) = default;
};

struct BlockConfigRequest {
  BlockKind kind = BlockKind::kConvolution;
  Hwc ifm;
  std::optional<Hwc> ifm2;  // elementwise second operand (absent: none)
  bool ifm2_is_scalar = false;
  Hwc ofm;
  int ifm_bits = 8;
  ir::Kernel kernel;
  bool uses_lut = false;
  bool scaled = true;  // the output stage rescales (false for unscaled 16-bit pooling paths)
  Resampling resampling = Resampling::kNone;
};

// SHRAM bank boundaries, in banks (the registers take bank numbers).
struct ShramLayout {
  int ifm_start = 0;   // first IFM bank (after the output banks)
  int ifm_end = 0;     // IFM_IB_END
  int ifm2_start = 0;  // IFM2_IB_START
  int acc_start = 0;   // AB_START
  int lut_start = 0;   // first bank of the LUT / reserved end banks
};

struct BlockConfig {
  Hwc ofm_block;
  Hwc ifm_block;
  ShramLayout layout;
  AccumulatorType accumulator = AccumulatorType::kInt32;
  bool part_kernel_first = false;  // weight traversal: part-kernel-first vs depth-first
};

// Whether a convolution's weights are traversed part-kernel-first: always for shallow IFMs,
// otherwise whichever wastes fewer multiplier slots.
bool prefers_part_kernel_first(int ifm_depth, int ifm_bits, const ir::Kernel& kernel);

// The SHRAM layout for a given OFM/IFM block, or nullopt when the blocks do not fit.
std::optional<ShramLayout> shram_layout_for(const AcceleratorConfig& acc,
                                            const BlockConfigRequest& request, const Hwc& ofm_block,
                                            const Hwc& ifm_block);

// The IFM block that feeds `ofm_block` (depth left as the OFM block's).
Hwc ifm_block_for(const AcceleratorConfig& acc, const BlockConfigRequest& request,
                  const Hwc& ofm_block);

// Searches OFM blocks (multiples of the micro-block up to 32x64x128) for the one that fetches
// the least IFM and weight data per output element and fits SHRAM. nullopt if none fits.
std::optional<BlockConfig> find_block_config(const AcceleratorConfig& acc,
                                             const BlockConfigRequest& request);

}  // namespace euc::arch
