#pragma once
// The OFM blocks of a block operation in the order the NPU computes them, and the IFM and IFM2
// elements each block reads.
//
// Order: the OFM is cut into blocks of the block config (OFM_BLK_*), clipped at its edges, and
// walked depth fastest, then columns, then rows (Vela's register_command_stream_util,
// get_offset_block_coords; src/nputiming walks the same order).
//
// Input area of one OFM block (a superset of what the block can read):
// - CONV, DEPTHWISE, POOL: output rows y0..y1-1 read upscaled input rows from
//   y0 * stride - pad_top to (y1 - 1) * stride - pad_top + dilation * (kernel - 1), the extent
//   rounded up to the IFM micro-block (the NPU fetches whole micro-blocks), divided by the
//   upscaling factor and clipped to the IFM; columns likewise. CONV and REDUCE_SUM pooling read
//   every IFM channel, the others the block's channels (all of them when IFM and OFM depths
//   differ).
// - ELEMENTWISE: the block's own elements of the IFM and IFM2, clipped to each (a broadcast
//   dimension of IFM2 reads its single element).
#include <cstdint>

#include "arch/accelerator.hpp"
#include "npu/operation.hpp"
#include "npuhazard/footprint.hpp"

namespace euc::npuhazard {

int64_t ofm_block_count(const npu::BlockOperation& op);
// Block `index` (0 first, ofm_block_count - 1 last) as an OFM box.
Box ofm_block(const npu::BlockOperation& op, int64_t index);
Box ifm_area(npu::OperationKind kind, const npu::BlockOperation& op, const Box& ofm_box,
             const arch::AcceleratorConfig& accelerator);
Box ifm2_area(const npu::BlockOperation& op, const Box& ofm_box);

}  // namespace euc::npuhazard
