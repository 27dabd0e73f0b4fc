#pragma once
// The parameter of NPU_SET_KERNEL_STRIDE packs strides, dilations and the weight traversal order.
// The facts file shows it as one 16-bit "param"; the packing is from docs/npu_architecture.md
// §Command stream: bit 0/1 the low bit of (stride - 1) in x/y, bit 2 part-kernel-first traversal,
// bit 3/4 (dilation - 1) in x/y, bit 6/9 the high bit of (stride - 1) in x/y. So strides are 1-4
// and dilations 1-2 as far as the register goes.
#include <cstdint>

namespace euc::npu {

struct KernelStride {
  int stride_x = 1;
  int stride_y = 1;
  int dilation_x = 1;
  int dilation_y = 1;
  bool part_kernel_first = false;  // weight traversal order; depth first otherwise

  friend bool operator==(const KernelStride&, const KernelStride&) = default;
};

inline constexpr int kMaxKernelStride = 4;
inline constexpr int kMaxKernelDilation = 2;
// The parameter bits the packing above gives a meaning to.
inline constexpr uint16_t kKernelStrideUsedBits = 0x025F;

// Throws an internal error when a stride or dilation is outside the register's range (lowering
// keeps them inside).
uint16_t encode_kernel_stride(const KernelStride& stride);
// Ignores bits outside kKernelStrideUsedBits.
KernelStride decode_kernel_stride(uint16_t param);

}  // namespace euc::npu
