#pragma once
// BLOCKDEP: how many OFM blocks of the previous kernel may still be in flight when the next one
// starts (docs/npu_architecture.md §Command stream). The code generator's own block walk (the
// hazard checker in src/npuhazard derives the same from the stream, independently):
// - both kernels' OFMs are cut into their block configs and walked depth fastest, then columns,
//   then rows;
// - the next kernel's work is counted in jobs: one per OFM block, and for a convolution one per
//   OFM block and IFM depth slice (32 or 16 channels for 8-bit IFMs, both slicings are tried;
//   16 for 16-bit, 8 for 32-bit);
// - BLOCKDEP b is safe when every job k < b reads (IFM and IFM2 area of its block, the area
//   rounded out to the IFM micro-block) no byte the last b - k OFM blocks of the previous kernel
//   write. 0 when the LUT banks change hands between the two (one uses a table and the other
//   does not, on accelerators without reserved LUT banks) or a table was loaded for the next.
#include <cstdint>
#include <optional>
#include <utility>

#include "arch/accelerator.hpp"
#include "arch/operation_kinds.hpp"
#include "codegen/feature_map.hpp"
#include "ir/geometry.hpp"
#include "ir/npu_graph.hpp"

namespace euc::codegen {

// A launched kernel as the block walk needs it.
struct LaunchedKernel {
  arch::NpuKernel kernel = arch::NpuKernel::kConvolution;
  bool reduces_depth = false;  // REDUCE_SUM pooling: every output reads every IFM channel
  FeatureMapView ifm;
  std::optional<FeatureMapView> ifm2;  // a tensor second operand
  FeatureMapView ofm;
  ir::Kernel window;  // unused for elementwise
  ir::Padding padding;
  ir::Upscale upscale = ir::Upscale::kNone;
  int block_height = 1;
  int block_width = 1;
  int block_depth = 1;
  bool uses_lut = false;
};

// The lowest and one past the highest byte address a view's elements occupy (in its region).
std::pair<int64_t, int64_t> view_bytes(const FeatureMapView& view);

// Whether two regions may hold the same bytes: the same region, or separately addressed inputs
// and outputs (regions 3-7, placed by the runtime in the arena) and the arena (region 1).
bool regions_may_alias(int a, int b);

// The largest BLOCKDEP (at most `max`, itself at most 3) for `next` after `previous`.
int block_dependency(const LaunchedKernel& previous, const LaunchedKernel& next, bool lut_loaded,
                     const arch::AcceleratorConfig& accelerator, int max);

}  // namespace euc::codegen
