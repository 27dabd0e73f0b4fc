// The typed field structs (command_fields.gen.hpp) and the plain 16-bit parameter builders:
// words derived by hand from the bit layouts of reference/ethos_u55_command_facts.txt, and the
// internal errors for values that do not fit.
#include "npu/command_fields.gen.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.hpp"

namespace euc::npu {
namespace {

using Words = std::vector<uint32_t>;

ErrorKind error_kind(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error";
  return ErrorKind::kInput;
}

TEST(NpuCommandFields, OfmPrecisionPacksEveryField) {
  // cmd_code 0x114; precision[16:18] S16 = 3, format[22:23] NHCWB16 = 1, scaling[24],
  // rounding[30:31] NATURAL = 2.
  const Command c = to_command(SetOfmPrecision{.precision = OfmPrecision::kS16,
                                               .format = DataFormat::kNhcwb16,
                                               .scaling = true,
                                               .rounding = Rounding::kNatural});
  EXPECT_EQ(encode(c), (Words{0x114u | (3u << 16) | (1u << 22) | (1u << 24) | (2u << 30)}));
}

TEST(NpuCommandFields, IfmPrecisionScaleMode) {
  // cmd_code 0x105; precision[16:19] U16 = 4, scale_mode[24:25] OPB_32BIT = 2.
  const Command c = to_command(
      SetIfmPrecision{.precision = IfmPrecision::kU16, .scale_mode = IfmScaleMode::kScaleOpb32bit});
  EXPECT_EQ(encode(c), (Words{0x105u | (4u << 16) | (2u << 24)}));
}

TEST(NpuCommandFields, Ifm2BroadcastFlags) {
  // cmd_code 0x180; broadcast_height[16], broadcast_depth[18], broadcast_scalar[23].
  const Command c = to_command(SetIfm2Broadcast{
      .broadcast_height = true, .broadcast_depth = true, .broadcast_scalar = true});
  EXPECT_EQ(encode(c), (Words{0x180u | (1u << 16) | (1u << 18) | (1u << 23)}));
}

TEST(NpuCommandFields, ScalesAndModes) {
  EXPECT_EQ(encode(to_command(SetOfmScale{.shift = 40, .data = 0x12345678})),
            (Words{0x4024u | (40u << 16), 0x12345678}));
  EXPECT_EQ(encode(to_command(SetOpbScale{.data = 0x8000})), (Words{0x4026u, 0x8000}));
  EXPECT_EQ(encode(to_command(OpPool{.mode = PoolingMode::kReduceSum})), (Words{0x00020005}));
  EXPECT_EQ(encode(to_command(SetActivation{.type = Activation::kSigmoid})), (Words{0x00040125}));
  EXPECT_EQ(encode(to_command(SetAccFormat{.param = AccFormat::kInt40bit})), (Words{0x00010124}));
}

TEST(NpuCommandFields, OutOfRangeValuesAreInternalErrors) {
  // region[16:23] holds 0-255.
  EXPECT_EQ(error_kind([] { to_command(SetDma0SrcRegion{.region = 256}); }), ErrorKind::kInternal);
  EXPECT_EQ(error_kind([] { to_command(SetOfmScale{.shift = 0x10000}); }), ErrorKind::kInternal);
  // 6 is no ifm_precision value.
  EXPECT_EQ(error_kind([] { to_command(SetIfmPrecision{.precision = IfmPrecision{6}}); }),
            ErrorKind::kInternal);
}

TEST(NpuPlainParam, UnsignedAndSignedSixteenBitValues) {
  EXPECT_EQ(encode(make_unsigned_command(Opcode::kSetIfmDepthM1, 0xFFFF)), (Words{0xFFFF0104}));
  EXPECT_EQ(encode(make_signed_command(Opcode::kSetActivationMin, -128)), (Words{0xFF800126}));
  EXPECT_EQ(encode(make_signed_command(Opcode::kSetOfmZeroPoint, 0x7FFF)), (Words{0x7FFF0118}));
  EXPECT_EQ(encode(make_unsigned_command(Opcode::kOpStop, 0xFFFF)), (Words{0xFFFF0000}));
  // Commands without a value field take 0 only.
  EXPECT_EQ(encode(make_unsigned_command(Opcode::kOpConv, 0)), (Words{0x00000002}));
  EXPECT_EQ(error_kind([] { make_unsigned_command(Opcode::kOpConv, 1); }), ErrorKind::kInternal);
}

TEST(NpuPlainParam, RejectsValuesOutsideTheRangeAndPackedRegisters) {
  EXPECT_EQ(error_kind([] { make_unsigned_command(Opcode::kSetIfmDepthM1, 0x10000); }),
            ErrorKind::kInternal);
  EXPECT_EQ(error_kind([] { make_unsigned_command(Opcode::kSetIfmDepthM1, -1); }),
            ErrorKind::kInternal);
  EXPECT_EQ(error_kind([] { make_signed_command(Opcode::kSetActivationMax, 0x8000); }),
            ErrorKind::kInternal);
  EXPECT_EQ(error_kind([] { make_signed_command(Opcode::kSetActivationMin, -0x8001); }),
            ErrorKind::kInternal);
  // Packed or enumerated parameters, cmd1 commands: use their structs or address builders.
  EXPECT_EQ(error_kind([] { make_unsigned_command(Opcode::kSetOfmPrecision, 1); }),
            ErrorKind::kInternal);
  EXPECT_EQ(error_kind([] { make_unsigned_command(Opcode::kSetAccFormat, 1); }),
            ErrorKind::kInternal);
  EXPECT_EQ(error_kind([] { make_unsigned_command(Opcode::kSetIfmBase0, 1); }),
            ErrorKind::kInternal);
}

}  // namespace
}  // namespace euc::npu
