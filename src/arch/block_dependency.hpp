#pragma once
// BLOCKDEP: how many OFM blocks of the previous kernel may still be in flight when the next one
// starts (docs/npu_architecture.md §Command stream). The block walk both the code generator
// (over the bytes each block touches) and the scheduler's timeline (over tensor elements) use:
// - both kernels' OFMs are cut into their block configs and walked depth fastest, then columns,
//   then rows;
// - the next kernel's work is counted in jobs: one per OFM block, and for a convolution one per
//   OFM block and IFM depth slice (32 or 16 channels for 8-bit IFMs, both slicings are tried;
//   16 for 16-bit, 8 for 32-bit);
// - BLOCKDEP b is safe when every job k < b reads (IFM and IFM2 area of its block, the area
//   rounded out to the IFM micro-block) nothing the last b - k OFM blocks of the previous kernel
//   write. 0 when the LUT banks change hands between the two (one uses a table and the other
//   does not, on accelerators without reserved LUT banks) or a table was loaded for the next.
#include <functional>
#include <optional>

#include "arch/accelerator.hpp"
#include "arch/operation_kinds.hpp"
#include "ir/geometry.hpp"
#include "ir/npu_graph.hpp"

namespace euc::arch {

// Elements [y0, y1) x [x0, x1) x [c0, c1) of a feature map (batch folded into height).
struct BlockArea {
  int y0 = 0, y1 = 0, x0 = 0, x1 = 0, c0 = 0, c1 = 0;
  bool empty() const { return y1 <= y0 || x1 <= x0 || c1 <= c0; }
};

// A launched kernel as the block walk needs it.
struct WalkedKernel {
  NpuKernel kernel = NpuKernel::kConvolution;
  bool reduces_depth = false;      // REDUCE_SUM pooling: every output reads every IFM channel
  ir::Shape4 ifm;                  // the shapes the kernel reads and writes (batch folded)
  int ifm_element_size = 1;        // bytes
  std::optional<ir::Shape4> ifm2;  // a tensor second operand
  ir::Shape4 ofm;
  ir::Kernel window;  // unused for elementwise
  ir::Padding padding;
  ir::Upscale upscale = ir::Upscale::kNone;
  int block_height = 1;
  int block_width = 1;
  int block_depth = 1;
  bool uses_lut = false;
};

// Whether the next kernel's read of `read` (of its IFM, or its IFM2 when `ifm2`) may touch what
// the previous kernel's block `written` (of its OFM) writes.
using BlockOverlap =
    std::function<bool(bool ifm2, const BlockArea& read, const BlockArea& written)>;

// The largest BLOCKDEP (at most `max`, itself at most 3) for `next` after `previous`.
int block_dependency(const WalkedKernel& previous, const WalkedKernel& next, bool lut_loaded,
                     const AcceleratorConfig& accelerator, int max, const BlockOverlap& overlaps);

}  // namespace euc::arch
