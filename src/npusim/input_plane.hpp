#pragma once
// The IFM as the kernel of a CONV, DEPTHWISE or POOL operation sees it: upscaled, padded and with
// the zero point subtracted, as one dense array covering exactly the positions the kernel visits,
// (ofm - 1) * stride + dilated kernel in each direction. Kernels index it without bounds checks.
//
// Padding positions read as the zero point (so they add nothing to a convolution); pooling
// excludes them using the row and column masks. With upscaling the kernel runs over the IFM
// scaled by 2: NEAREST repeats every element twice in each direction; TRANSPOSE (transpose
// convolution) keeps each element at the even position and puts the zero point between them.
// The TRANSPOSE placement is our reading of Vela's transpose-convolution lowering (weights
// flipped, IFM upscaled x2, leading padding kernel - 1 - TFLite's padding): Vela 3.10's and 5.1's
// outputs for the corpus's transpose convolutions (k2s2 VALID, k3s2 SAME) run on this model
// reproduce TFLite Micro's golden outputs byte for byte.
#include <cstdint>
#include <vector>

#include "npu/operation.hpp"
#include "npusim/memory.hpp"

namespace euc::npusim {

struct InputPlane {
  int height = 0;
  int width = 0;
  int depth = 0;
  std::vector<int32_t> values;     // [height][width][depth], zero point subtracted
  std::vector<uint8_t> row_valid;  // 1 where the row lies inside the (upscaled) IFM
  std::vector<uint8_t> col_valid;

  std::size_t offset(int y, int x) const {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
            static_cast<std::size_t>(x)) *
           static_cast<std::size_t>(depth);
  }
  const int32_t* at(int y, int x) const { return values.data() + offset(y, x); }
  int32_t* at(int y, int x) { return values.data() + offset(y, x); }
};

// Reads the IFM of `op` (kernel and padding must be set). Every IFM element the kernel visits
// must lie inside its region and hold data.
InputPlane build_input_plane(const NpuMemory& memory, const npu::BlockOperation& op);

}  // namespace euc::npusim
