#include "npu/kernel_stride.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace euc::npu {
namespace {

constexpr int kStrideXLsb = 0;
constexpr int kStrideYLsb = 1;
constexpr int kPartKernelFirst = 2;
constexpr int kDilationX = 3;
constexpr int kDilationY = 4;
constexpr int kStrideXMsb = 6;
constexpr int kStrideYMsb = 9;

uint16_t bit(uint32_t value, int position) {
  return static_cast<uint16_t>((value & 1u) << position);
}
int get(uint16_t param, int position) {
  return (param >> position) & 1;
}

}  // namespace

uint16_t encode_kernel_stride(const KernelStride& s) {
  auto check = [](const char* what, int value, int max) {
    if (value < 1 || value > max) {
      throw Error(ErrorKind::kInternal,
                  fmt::format("NPU_SET_KERNEL_STRIDE: {} {} is outside 1-{}", what, value, max));
    }
  };
  check("stride x", s.stride_x, kMaxKernelStride);
  check("stride y", s.stride_y, kMaxKernelStride);
  check("dilation x", s.dilation_x, kMaxKernelDilation);
  check("dilation y", s.dilation_y, kMaxKernelDilation);
  const auto sx = static_cast<uint32_t>(s.stride_x - 1);
  const auto sy = static_cast<uint32_t>(s.stride_y - 1);
  return bit(sx, kStrideXLsb) | bit(sy, kStrideYLsb) | bit(s.part_kernel_first, kPartKernelFirst) |
         bit(static_cast<uint32_t>(s.dilation_x - 1), kDilationX) |
         bit(static_cast<uint32_t>(s.dilation_y - 1), kDilationY) | bit(sx >> 1, kStrideXMsb) |
         bit(sy >> 1, kStrideYMsb);
}

KernelStride decode_kernel_stride(uint16_t param) {
  KernelStride s;
  s.stride_x = 1 + (get(param, kStrideXLsb) | (get(param, kStrideXMsb) << 1));
  s.stride_y = 1 + (get(param, kStrideYLsb) | (get(param, kStrideYMsb) << 1));
  s.dilation_x = 1 + get(param, kDilationX);
  s.dilation_y = 1 + get(param, kDilationY);
  s.part_kernel_first = get(param, kPartKernelFirst) != 0;
  return s;
}

}  // namespace euc::npu
