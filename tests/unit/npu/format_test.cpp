// The disassembly text of commands and the KERNEL_STRIDE packing it shows.
#include "npu/format.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.hpp"
#include "npu/kernel_stride.hpp"

namespace euc::npu {
namespace {

using Words = std::vector<uint32_t>;

std::string text_of(const Words& words) {
  return format_command(decode_stream(words).at(0));
}

TEST(NpuFormat, EnumeratedFieldsPrintByName) {
  EXPECT_EQ(text_of({0x80410105}),
            "NPU_SET_IFM_PRECISION precision=S8 format=NHCWB16 scale_mode=SCALE_16BIT "
            "round_mode=NATURAL");
  EXPECT_EQ(text_of({0x81030114}),
            "NPU_SET_OFM_PRECISION precision=S16 format=NHWC scaling=1 rounding=NATURAL");
  EXPECT_EQ(text_of({0x00010005}), "NPU_OP_POOL mode=AVERAGE");
  EXPECT_EQ(text_of({0x00050006}), "NPU_OP_ELEMENTWISE mode=LRELU");
  EXPECT_EQ(text_of({0x00020124}), "NPU_SET_ACC_FORMAT param=FP_S5_10");
  EXPECT_EQ(text_of({0x00010107}), "NPU_SET_IFM_UPSCALE mode=NEAREST");
}

TEST(NpuFormat, LutSlotsPrintRelativeToLutStart) {
  EXPECT_EQ(text_of({0x30120125}), "NPU_SET_ACTIVATION type=LUT_START+2 act_clip_range=FORCE_INT8");
  EXPECT_EQ(text_of({0x00000125}), "NPU_SET_ACTIVATION type=NONE act_clip_range=OFM_PRECISION");
}

TEST(NpuFormat, ValuesOutsideTheEnumerationAreMarked) {
  EXPECT_EQ(text_of({0x00020105}),
            "NPU_SET_IFM_PRECISION precision=2? format=NHWC scale_mode=SCALE_16BIT round_mode=TFL");
}

TEST(NpuFormat, PlainValuesAndPayloads) {
  EXPECT_EQ(text_of({0xFFFF0000}), "NPU_OP_STOP mask=65535");
  EXPECT_EQ(text_of({0x000F0104}), "NPU_SET_IFM_DEPTH_M1 param=15");
  EXPECT_EQ(text_of({0x4000, 0x12345678}), "NPU_SET_IFM_BASE0 data=0x12345678");
  EXPECT_EQ(text_of({0x001F4024, 0x40000000}), "NPU_SET_OFM_SCALE shift=31 data=0x40000000");
  EXPECT_EQ(text_of({0x00000002}), "NPU_OP_CONV");
}

TEST(NpuFormat, ReservedBitsShowOnlyWhenSet) {
  EXPECT_EQ(text_of({0x00124000, 0x34567890}), "NPU_SET_IFM_BASE0 reserved0=0x12 data=0x34567890");
  EXPECT_EQ(text_of({0x00100107}), "NPU_SET_IFM_UPSCALE mode=NONE reserved0=0x4");
}

TEST(NpuFormat, DmaRegionAndBroadcastFields) {
  EXPECT_EQ(text_of({0x03010130}),
            "NPU_SET_DMA0_SRC_REGION region=1 internal=1 stride_mode=STRIDE_MODE_2D");
  EXPECT_EQ(text_of({0x00C20180}),
            "NPU_SET_IFM2_BROADCAST broadcast_height=0 broadcast_width=1 broadcast_depth=0 "
            "operand_order=1 broadcast_scalar=1");
}

TEST(NpuFormat, KernelStrideShowsUnpackedValues) {
  EXPECT_EQ(text_of({0x00030122}),
            "NPU_SET_KERNEL_STRIDE param=3 (stride=2x2 dilation=1x1 depth_first)");
  EXPECT_EQ(text_of({0x025F0122}),
            "NPU_SET_KERNEL_STRIDE param=607 (stride=4x4 dilation=2x2 part_kernel_first)");
}

TEST(NpuFormat, WordsAndListing) {
  EXPECT_EQ(format_words(make_cmd0(Opcode::kOpStop, 0xFFFF)), "ffff0000");
  EXPECT_EQ(format_words(make_cmd1(Opcode::kSetIfmBase0, 0x12345678)), "00004000 12345678");
  const std::vector<DecodedCommand> commands = decode_stream(Words{0x4000, 0x20, 0xFFFF0000});
  EXPECT_EQ(format_listing(commands),
            "0x0000: 00004000 00000020 NPU_SET_IFM_BASE0 data=0x20\n"
            "0x0008: ffff0000          NPU_OP_STOP mask=65535\n");
}

// Packing from docs/npu_architecture.md §Command stream: bit 0/1 low bit of stride-1 x/y, bit 2
// part-kernel-first, bit 3/4 dilation-1 x/y, bit 6/9 high bit of stride-1 x/y.
TEST(NpuKernelStride, HandDerivedParameters) {
  EXPECT_EQ(encode_kernel_stride({}), 0);
  EXPECT_EQ(encode_kernel_stride({.stride_x = 2, .stride_y = 2}), 0x3);
  EXPECT_EQ(encode_kernel_stride({.stride_x = 3, .stride_y = 1}), 0x40);
  EXPECT_EQ(encode_kernel_stride({.stride_x = 1, .stride_y = 3}), 0x200);
  EXPECT_EQ(encode_kernel_stride({.stride_x = 4, .stride_y = 4}), 0x243);
  EXPECT_EQ(encode_kernel_stride({.dilation_x = 2, .dilation_y = 2}), 0x18);
  EXPECT_EQ(encode_kernel_stride({.part_kernel_first = true}), 0x4);
  // Outside the register's range: a compiler bug, not a model error.
  for (const KernelStride& bad :
       {KernelStride{.stride_x = 5}, KernelStride{.dilation_y = 3}, KernelStride{.stride_y = 0}}) {
    try {
      encode_kernel_stride(bad);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    }
  }
}

TEST(NpuKernelStride, RoundTripsEveryEncodableValue) {
  for (int sx = 1; sx <= kMaxKernelStride; ++sx) {
    for (int sy = 1; sy <= kMaxKernelStride; ++sy) {
      for (int dx = 1; dx <= kMaxKernelDilation; ++dx) {
        for (int dy = 1; dy <= kMaxKernelDilation; ++dy) {
          for (bool pkf : {false, true}) {
            const KernelStride s{sx, sy, dx, dy, pkf};
            const uint16_t param = encode_kernel_stride(s);
            EXPECT_EQ(param & ~kKernelStrideUsedBits, 0);
            EXPECT_EQ(decode_kernel_stride(param), s);
          }
        }
      }
    }
  }
}

TEST(NpuKernelStride, RejectsOutOfRange) {
  EXPECT_THROW(encode_kernel_stride({.stride_x = 5}), Error);
  EXPECT_THROW(encode_kernel_stride({.stride_y = 0}), Error);
  EXPECT_THROW(encode_kernel_stride({.dilation_x = 3}), Error);
}

}  // namespace
}  // namespace euc::npu
