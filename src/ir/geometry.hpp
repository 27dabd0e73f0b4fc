#pragma once
// The geometry of a kernel window, shared by every stage that describes one: the supported-
// operator checks (frontend), the lowered NPU graph (ir) and the decoded NPU operations (npu).
#include <cstdint>

namespace euc::ir {

// Explicit padding of a feature map, in elements.
struct Padding {
  int top = 0;
  int left = 0;
  int bottom = 0;
  int right = 0;
  friend bool operator==(const Padding&, const Padding&) = default;
};

// A kernel window: its size (undilated), strides and dilations. The dilated extents are 64-bit
// so that unchecked operator options cannot overflow them.
struct Kernel {
  int width = 1;
  int height = 1;
  int stride_x = 1;
  int stride_y = 1;
  int dilation_x = 1;
  int dilation_y = 1;

  int64_t dilated_width() const { return (int64_t{width} - 1) * dilation_x + 1; }
  int64_t dilated_height() const { return (int64_t{height} - 1) * dilation_y + 1; }
  friend bool operator==(const Kernel&, const Kernel&) = default;
};

}  // namespace euc::ir
