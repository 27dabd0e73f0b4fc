// The register file and the NPU operations read from it, on hand-built command streams whose
// expected meaning follows from the facts (reference/ethos_u55_command_facts.txt,
// docs/npu_architecture.md §Command stream).
#include "npu/operation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "npu/kernel_stride.hpp"
#include "npu/operation_format.hpp"
#include "npu/register_file.hpp"

namespace euc::npu {
namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<DecodedCommand> decoded(const std::vector<Command>& commands) {
  return decode_stream(encode_stream(commands));
}

Command c0(Opcode op, uint16_t param) {
  return make_cmd0(op, param);
}
Command c1(Opcode op, uint64_t value) {
  return make_address_command(op, value);
}

// Every register a block operation reads, with distinct values.
std::vector<Command> conv_setup() {
  return {
      c0(Opcode::kSetIfmRegion, 1),
      c1(Opcode::kSetIfmBase0, 0x100),
      c1(Opcode::kSetIfmBase1, 0),
      c1(Opcode::kSetIfmBase2, 0),
      c1(Opcode::kSetIfmBase3, 0),
      c0(Opcode::kSetIfmHeight0M1, 15),
      c0(Opcode::kSetIfmHeight1M1, 15),
      c0(Opcode::kSetIfmWidth0M1, 15),
      c0(Opcode::kSetIfmDepthM1, 2),
      c1(Opcode::kSetIfmStrideC, 1),
      c1(Opcode::kSetIfmStrideY, 48),
      c1(Opcode::kSetIfmStrideX, 3),
      c0(Opcode::kSetIfmZeroPoint, 0xFF80),  // -128 for a signed IFM
      make_command(Opcode::kSetIfmPrecision, {{"precision", IfmPrecision::kS8}}),
      c0(Opcode::kSetIfmUpscale, 0),
      c0(Opcode::kSetIfmPadTop, 1),
      c0(Opcode::kSetIfmPadLeft, 1),
      c0(Opcode::kSetIfmPadBottom, 1),
      c0(Opcode::kSetIfmPadRight, 1),
      c0(Opcode::kSetOfmRegion, 2),
      c1(Opcode::kSetOfmBase0, 0x1'2345'6780),  // a 40-bit (U65) address
      c1(Opcode::kSetOfmBase1, 0),
      c1(Opcode::kSetOfmBase2, 0),
      c1(Opcode::kSetOfmBase3, 0),
      c0(Opcode::kSetOfmHeight0M1, 7),
      c0(Opcode::kSetOfmHeight1M1, 7),
      c0(Opcode::kSetOfmWidth0M1, 7),
      c0(Opcode::kSetOfmHeightM1, 7),
      c0(Opcode::kSetOfmWidthM1, 7),
      c0(Opcode::kSetOfmDepthM1, 31),
      c1(Opcode::kSetOfmStrideC, 128),
      c1(Opcode::kSetOfmStrideY, 256),
      c1(Opcode::kSetOfmStrideX, 16),
      c0(Opcode::kSetOfmZeroPoint, 5),
      make_command(Opcode::kSetOfmPrecision, {{"precision", OfmPrecision::kS8},
                                              {"format", DataFormat::kNhcwb16},
                                              {"rounding", Rounding::kNatural}}),
      // 3x3 kernel, stride 2, no dilation: registers hold dilation * (size - 1).
      c0(Opcode::kSetKernelHeightM1, 2),
      c0(Opcode::kSetKernelWidthM1, 2),
      c0(Opcode::kSetKernelStride, encode_kernel_stride({2, 2, 1, 1, false})),
      c0(Opcode::kSetWeightRegion, 0),
      c1(Opcode::kSetWeightBase, 0x400),
      c1(Opcode::kSetWeightLength, 0x120),
      c0(Opcode::kSetScaleRegion, 0),
      c1(Opcode::kSetScaleBase, 0x200),
      c1(Opcode::kSetScaleLength, 0x140),
      make_command(Opcode::kSetActivation, {{"type", 0x12}}),  // LUT slot 2
      c0(Opcode::kSetActivationMin, 0xFF80),
      c0(Opcode::kSetActivationMax, 0x007F),
      c0(Opcode::kSetOfmBlkHeightM1, 3),
      c0(Opcode::kSetOfmBlkWidthM1, 7),
      c0(Opcode::kSetOfmBlkDepthM1, 15),
      c0(Opcode::kSetIfmIbEnd, 18),
      c0(Opcode::kSetAbStart, 30),
      c0(Opcode::kSetAccFormat, 1),
      c0(Opcode::kSetBlockdep, 3),
  };
}

NpuOperation only_operation(const std::vector<Command>& commands) {
  const auto ops = extract_operations(decoded(commands));
  EXPECT_EQ(ops.size(), 1u);
  return ops.empty() ? NpuOperation{} : ops.front();
}

// --- register file -----------------------------------------------------------------------------

TEST(RegisterFile, RemembersTheLastWriteOfEachRegister) {
  RegisterFile regs;
  EXPECT_FALSE(regs.is_set(Opcode::kSetIfmRegion));
  regs.apply(c0(Opcode::kSetIfmRegion, 1));
  regs.apply(c0(Opcode::kSetIfmRegion, 2));
  regs.apply(c1(Opcode::kSetIfmBase0, 0xAB'1234'5678));
  EXPECT_TRUE(regs.is_set(Opcode::kSetIfmRegion));
  EXPECT_EQ(regs.param(Opcode::kSetIfmRegion), 2);
  EXPECT_EQ(regs.address(Opcode::kSetIfmBase0), 0xAB'1234'5678u);
  EXPECT_EQ(regs.payload(Opcode::kSetIfmBase0), 0x12345678u);
  EXPECT_FALSE(regs.is_set(Opcode::kSetIfm2Region));
}

TEST(RegisterFile, Cmd0AndCmd1WithTheSameCodeAreDifferentRegisters) {
  // cmd0 code 0x124 is ACC_FORMAT; cmd1 code 0x024 is OFM_SCALE; cmd0 0x000 is an operation.
  RegisterFile regs;
  regs.apply(c1(Opcode::kSetIfmBase0, 7));  // cmd1 code 0x000
  EXPECT_FALSE(regs.is_set(Opcode::kOpStop));
  regs.apply(c0(Opcode::kOpStop, 0xFFFF));  // an operation writes nothing
  EXPECT_FALSE(regs.is_set(Opcode::kOpStop));
  EXPECT_EQ(regs.address(Opcode::kSetIfmBase0), 7u);
}

TEST(RegisterFile, FieldsReadByName) {
  RegisterFile regs;
  regs.apply(make_command(Opcode::kSetIfmPrecision,
                          {{"precision", IfmPrecision::kS16}, {"format", DataFormat::kNhcwb16}}));
  EXPECT_EQ(regs.field(Opcode::kSetIfmPrecision, "precision"),
            static_cast<uint32_t>(IfmPrecision::kS16));
  EXPECT_EQ(regs.field(Opcode::kSetIfmPrecision, "format"), 1u);
}

// --- block operations --------------------------------------------------------------------------

TEST(NpuOperation, ConvReadsEveryRegisterItUses) {
  auto commands = conv_setup();
  commands.push_back(c0(Opcode::kOpConv, 0));
  const NpuOperation op = only_operation(commands);
  EXPECT_EQ(op.kind, OperationKind::kConv);
  EXPECT_EQ(op.command_index, commands.size() - 1);
  EXPECT_TRUE(op.unset_registers.empty());
  ASSERT_TRUE(op.block.has_value());
  const BlockOperation& b = *op.block;

  EXPECT_EQ(b.ofm.shape, (Shape3D{8, 8, 32}));
  EXPECT_EQ(b.ofm.region, 2);
  EXPECT_EQ(b.ofm.base[0], 0x1'2345'6780u);
  EXPECT_EQ(b.ofm.type, (ElementType{8, true}));
  EXPECT_EQ(b.ofm.format, DataFormat::kNhcwb16);
  EXPECT_EQ(b.ofm.zero_point, 5);
  EXPECT_EQ(b.ofm.stride_c, 128u);
  EXPECT_EQ(b.ofm_rounding, Rounding::kNatural);
  EXPECT_FALSE(b.ofm_global_scale);
  EXPECT_FALSE(b.ofm_scale.has_value());

  // OFM 8 rows, stride 2, 3-row kernel, one row of padding each side: 7 * 2 + 3 - 2 = 15.
  EXPECT_EQ(b.ifm.shape, (Shape3D{15, 15, 3}));
  EXPECT_EQ(b.ifm.region, 1);
  EXPECT_EQ(b.ifm.base[0], 0x100u);
  EXPECT_EQ(b.ifm.height0, 16);
  EXPECT_EQ(b.ifm.width0, 16);
  EXPECT_EQ(b.ifm.stride_x, 3u);
  EXPECT_EQ(b.ifm.stride_y, 48u);
  EXPECT_EQ(b.ifm.zero_point, -128);
  EXPECT_EQ(b.ifm.format, DataFormat::kNhwc);

  ASSERT_TRUE(b.kernel.has_value());
  EXPECT_EQ(*b.kernel, (Kernel{{3, 3, 2, 2, 1, 1}, false}));
  EXPECT_EQ(*b.padding, (Padding{1, 1, 1, 1}));
  EXPECT_EQ(b.upscale, ResamplingMode::kNone);
  ASSERT_EQ(b.weights.size(), 1u);
  EXPECT_EQ(b.weights[0], (AddressRange{0, 0x400, 0x120}));
  ASSERT_EQ(b.scales.size(), 1u);
  EXPECT_EQ(b.scales[0], (AddressRange{0, 0x200, 0x140}));
  EXPECT_EQ(b.activation.function, ActivationFunction::kTableLookup);
  EXPECT_EQ(b.activation.lut_slot, 2);
  EXPECT_EQ(b.activation.min, -128);
  EXPECT_EQ(b.activation.max, 127);
  EXPECT_EQ(b.block_config, (BlockConfig{8, 4, 16}));
  EXPECT_EQ(b.shram, (ShramLayout{18, 0, 30}));
  EXPECT_EQ(b.acc_format, AccFormat::kInt40bit);
  EXPECT_EQ(b.blockdep, 3);
  EXPECT_EQ(b.cores, 1);
  EXPECT_FALSE(b.ifm2.has_value());
}

TEST(NpuOperation, DilatedKernelRegistersHoldTheDilatedExtent) {
  auto commands = conv_setup();
  // A 3x3 kernel dilated by 2 covers 5x5: the registers hold 2 * (3 - 1) = 4.
  commands.push_back(c0(Opcode::kSetKernelHeightM1, 4));
  commands.push_back(c0(Opcode::kSetKernelWidthM1, 4));
  commands.push_back(c0(Opcode::kSetKernelStride, encode_kernel_stride({1, 1, 2, 2, true})));
  commands.push_back(c0(Opcode::kOpConv, 0));
  const BlockOperation b = *only_operation(commands).block;
  EXPECT_EQ(*b.kernel, (Kernel{{3, 3, 1, 1, 2, 2}, true}));
  EXPECT_EQ(b.kernel->dilated_width(), 5);
  // 7 * 1 + 5 - 1 - 1 = 10.
  EXPECT_EQ(b.ifm.shape.height, 10);
}

TEST(NpuOperation, U65DualCoreReadsSecondWeightAndScaleStreams) {
  auto commands = conv_setup();
  commands.push_back(c0(Opcode::kSetParallelMode, 1));
  commands.push_back(c1(Opcode::kSetWeight1Base, 0x800));
  commands.push_back(c1(Opcode::kSetWeight1Length, 0x60));
  commands.push_back(c1(Opcode::kSetScale1Base, 0x300));
  commands.push_back(c1(Opcode::kSetScale1Length, 0x40));
  commands.push_back(c0(Opcode::kOpDepthwise, 0));
  const NpuOperation op = only_operation(commands);
  EXPECT_EQ(op.kind, OperationKind::kDepthwise);
  const BlockOperation& b = *op.block;
  EXPECT_EQ(b.cores, 2);
  ASSERT_EQ(b.weights.size(), 2u);
  EXPECT_EQ(b.weights[1], (AddressRange{0, 0x800, 0x60}));
  EXPECT_EQ(b.scales[1], (AddressRange{0, 0x300, 0x40}));
}

TEST(NpuOperation, PoolModeComesFromTheOperationParameter) {
  auto commands = conv_setup();
  commands.push_back(
      make_command(Opcode::kSetOfmPrecision, {{"precision", OfmPrecision::kS8}, {"scaling", 1}}));
  commands.push_back(make_cmd1(Opcode::kSetOfmScale, 0x40000000, 30));
  commands.push_back(c0(Opcode::kOpPool, static_cast<uint16_t>(PoolingMode::kAverage)));
  const NpuOperation op = only_operation(commands);
  ASSERT_EQ(op.kind, OperationKind::kPool);
  const BlockOperation& b = *op.block;
  EXPECT_EQ(b.pooling_mode, PoolingMode::kAverage);
  EXPECT_TRUE(b.weights.empty());
  EXPECT_TRUE(b.scales.empty());
  EXPECT_TRUE(b.ofm_global_scale);
  ASSERT_TRUE(b.ofm_scale.has_value());
  EXPECT_EQ(*b.ofm_scale, (Scale{0x40000000, 30}));
}

TEST(NpuOperation, BinaryElementwiseBroadcastsIfm2) {
  auto commands = conv_setup();
  commands.push_back(c0(Opcode::kSetIfm2Region, 1));
  commands.push_back(c1(Opcode::kSetIfm2Base0, 0x900));
  commands.push_back(c0(Opcode::kSetIfm2Height0M1, 0));
  commands.push_back(c0(Opcode::kSetIfm2Height1M1, 0));
  commands.push_back(c0(Opcode::kSetIfm2Width0M1, 7));
  commands.push_back(c1(Opcode::kSetIfm2StrideX, 32));
  commands.push_back(c1(Opcode::kSetIfm2StrideY, 256));
  commands.push_back(c1(Opcode::kSetIfm2StrideC, 1));
  commands.push_back(c0(Opcode::kSetIfm2ZeroPoint, 200));
  commands.push_back(make_command(Opcode::kSetIfm2Precision, {{"precision", IfmPrecision::kU8}}));
  commands.push_back(
      make_command(Opcode::kSetIfm2Broadcast, {{"broadcast_height", 1}, {"operand_order", 1}}));
  commands.push_back(c0(Opcode::kSetIfm2IbStart, 9));
  commands.push_back(make_cmd1(Opcode::kSetOpaScale, 0x1234, 5));
  commands.push_back(make_cmd1(Opcode::kSetOpbScale, 0x5678));
  commands.push_back(c0(Opcode::kOpElementwise, static_cast<uint16_t>(ElementwiseMode::kSub)));
  const NpuOperation op = only_operation(commands);
  EXPECT_TRUE(op.unset_registers.empty());
  const BlockOperation& b = *op.block;
  EXPECT_EQ(b.elementwise_mode, ElementwiseMode::kSub);
  // Elementwise operations read the IFM 1:1 and ignore kernel and padding registers.
  EXPECT_FALSE(b.kernel.has_value());
  EXPECT_FALSE(b.padding.has_value());
  EXPECT_EQ(b.ifm.shape, (Shape3D{8, 8, 3}));
  ASSERT_TRUE(b.ifm2.has_value());
  EXPECT_EQ(b.ifm2->shape, (Shape3D{1, 8, 32}));
  EXPECT_EQ(b.ifm2->base[0], 0x900u);
  EXPECT_EQ(b.ifm2->type, (ElementType{8, false}));
  EXPECT_EQ(b.ifm2->zero_point, 200);
  ASSERT_TRUE(b.ifm2_setting.has_value());
  EXPECT_TRUE(b.ifm2_setting->broadcast_height);
  EXPECT_FALSE(b.ifm2_setting->broadcast_width);
  EXPECT_TRUE(b.ifm2_setting->reversed_operands);
  EXPECT_FALSE(b.ifm2_setting->is_scalar);
  EXPECT_EQ(b.shram.ifm2_ib_start, 9);
  EXPECT_EQ(*b.opa_scale, (Scale{0x1234, 5}));
  EXPECT_EQ(*b.opb_scale, 0x5678u);
}

TEST(NpuOperation, ScalarIfm2IsSignExtendedForSignedTypes) {
  auto commands = conv_setup();
  commands.push_back(make_command(Opcode::kSetIfm2Precision, {{"precision", IfmPrecision::kS16}}));
  commands.push_back(c0(Opcode::kSetIfm2ZeroPoint, 0));
  commands.push_back(make_command(Opcode::kSetIfm2Broadcast, {{"broadcast_scalar", 1}}));
  commands.push_back(c0(Opcode::kSetIfm2Scalar, 0xFFFE));
  commands.push_back(c0(Opcode::kOpElementwise, static_cast<uint16_t>(ElementwiseMode::kMul)));
  const NpuOperation op = only_operation(commands);
  EXPECT_TRUE(op.unset_registers.empty());  // a scalar IFM2 reads no memory registers
  const BlockOperation& b = *op.block;
  EXPECT_TRUE(b.ifm2_setting->is_scalar);
  EXPECT_EQ(b.ifm2_setting->scalar_value, -2);
  EXPECT_EQ(b.ifm2->shape, (Shape3D{1, 1, 1}));
  EXPECT_FALSE(b.opa_scale.has_value());  // MUL has no operand scales
}

TEST(NpuOperation, UnaryElementwiseHasNoIfm2) {
  auto commands = conv_setup();
  commands.push_back(c0(Opcode::kOpElementwise, static_cast<uint16_t>(ElementwiseMode::kAbs)));
  const BlockOperation b = *only_operation(commands).block;
  EXPECT_FALSE(b.ifm2.has_value());
  EXPECT_FALSE(b.ifm2_setting.has_value());
}

TEST(NpuOperation, NeverWrittenRegistersAreListed) {
  const NpuOperation op = only_operation({c0(Opcode::kSetIfmRegion, 1), c0(Opcode::kOpConv, 0)});
  EXPECT_EQ(op.block->ifm.region, 1);
  const auto& unset = op.unset_registers;
  EXPECT_EQ(std::count(unset.begin(), unset.end(), Opcode::kSetIfmRegion), 0);
  EXPECT_EQ(std::count(unset.begin(), unset.end(), Opcode::kSetOfmBase0), 1);
  EXPECT_EQ(std::count(unset.begin(), unset.end(), Opcode::kSetWeightBase), 1);
  // PARALLEL_MODE is only written by U65 streams; unwritten means one core.
  EXPECT_EQ(std::count(unset.begin(), unset.end(), Opcode::kSetParallelMode), 0);
  EXPECT_TRUE(std::is_sorted(unset.begin(), unset.end()));
}

TEST(NpuOperation, LaterWritesApplyOnlyToLaterOperations) {
  auto commands = conv_setup();
  commands.push_back(c0(Opcode::kOpConv, 0));
  commands.push_back(c0(Opcode::kSetOfmDepthM1, 63));
  commands.push_back(c0(Opcode::kOpConv, 0));
  commands.push_back(c0(Opcode::kOpStop, 0xFFFF));
  const auto ops = extract_operations(decoded(commands));
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].block->ofm.shape.depth, 32);
  EXPECT_EQ(ops[1].block->ofm.shape.depth, 64);
  EXPECT_EQ(ops[1].byte_offset, ops[0].byte_offset + 8);
}

TEST(NpuOperation, UndefinedEnumerationValuesAreNamedErrors) {
  struct Case {
    Command bad;
    Command launch;
    const char* error;
  };
  const std::vector<Case> cases = {
      {c0(Opcode::kSetIfmPrecision, 2), c0(Opcode::kOpConv, 0), "precision = 2"},
      {c0(Opcode::kSetOfmPrecision, 4), c0(Opcode::kOpConv, 0), "precision = 4"},
      {c0(Opcode::kSetActivation, 5), c0(Opcode::kOpConv, 0), "type = 5"},
      {c0(Opcode::kSetAccFormat, 3), c0(Opcode::kOpConv, 0), "param = 3"},
      {c0(Opcode::kSetIfmUpscale, 3), c0(Opcode::kOpConv, 0), "mode = 3"},
      {c0(Opcode::kSetParallelMode, 2), c0(Opcode::kOpConv, 0), "PARALLEL_MODE 2"},
      {c0(Opcode::kSetIfmRegion, 1), c0(Opcode::kOpPool, 3), "pooling mode 3"},
      {c0(Opcode::kSetIfmRegion, 1), c0(Opcode::kOpElementwise, 10), "elementwise mode 10"},
  };
  for (const Case& c : cases) {
    auto commands = conv_setup();
    commands.push_back(c.bad);
    commands.push_back(c.launch);
    const std::string error = error_of([&] { extract_operations(decoded(commands)); });
    EXPECT_NE(error.find(c.error), std::string::npos) << error;
    EXPECT_NE(error.find("command stream byte offset"), std::string::npos) << error;
  }
}

// --- DMA ---------------------------------------------------------------------------------------

TEST(NpuOperation, LutDmaTargetsInternalRegion) {
  // Vela writes the LUT DMA destination as region 0x103: region 3 with the internal bit.
  const NpuOperation op = only_operation({
      c0(Opcode::kSetDma0SrcRegion, 0),
      c1(Opcode::kSetDma0Src, 0x1570),
      c0(Opcode::kSetDma0DstRegion, 0x103),
      c1(Opcode::kSetDma0Dst, 0xB800),
      c1(Opcode::kSetDma0Len, 0x400),
      c0(Opcode::kOpDmaStart, 0),
  });
  ASSERT_EQ(op.kind, OperationKind::kDma);
  ASSERT_TRUE(op.dma.has_value());
  EXPECT_FALSE(op.block.has_value());
  EXPECT_TRUE(op.unset_registers.empty());
  const DmaOperation& d = *op.dma;
  EXPECT_EQ(d.source.region, 0);
  EXPECT_FALSE(d.source.internal);
  EXPECT_EQ(d.source.address, 0x1570u);
  EXPECT_EQ(d.destination.region, 3);
  EXPECT_TRUE(d.destination.internal);
  EXPECT_EQ(d.destination.address, 0xB800u);
  EXPECT_EQ(d.length, 0x400u);
  EXPECT_EQ(d.channel, 0);
  EXPECT_EQ(d.mode, 0);
  EXPECT_EQ(summarize_operation(op), "DMA r0@0x1570 -> r3(internal)@0xb800 length 0x400");
}

TEST(NpuOperation, StridedDmaReadsSizesAndSkips) {
  const NpuOperation op = only_operation({
      make_command(Opcode::kSetDma0SrcRegion,
                   {{"region", 1}, {"stride_mode", StrideMode::kStrideMode2d}}),
      c1(Opcode::kSetDma0Src, 0), c0(Opcode::kSetDma0DstRegion, 1), c1(Opcode::kSetDma0Dst, 0x100),
      c1(Opcode::kSetDma0Len, 0x40), c0(Opcode::kSetDma0Size0, 4), c0(Opcode::kSetDma0Size1, 2),
      c1(Opcode::kSetDma0Skip0, 0x20), c1(Opcode::kSetDma0Skip1, 0x80),
      c0(Opcode::kOpDmaStart, 0x11),  // channel 1, mode 1
  });
  const DmaOperation& d = *op.dma;
  EXPECT_EQ(d.source.stride_mode, StrideMode::kStrideMode2d);
  EXPECT_EQ(d.size0, 4);
  EXPECT_EQ(d.size1, 2);
  EXPECT_EQ(d.skip0, 0x20u);
  EXPECT_EQ(d.skip1, 0x80u);
  EXPECT_EQ(d.channel, 1);
  EXPECT_EQ(d.mode, 1);
}

TEST(NpuOperation, OnlyOpCommandsThatStartWorkLaunchOperations) {
  EXPECT_EQ(launched_kind(Opcode::kOpConv), OperationKind::kConv);
  EXPECT_EQ(launched_kind(Opcode::kOpDmaStart), OperationKind::kDma);
  EXPECT_FALSE(launched_kind(Opcode::kOpStop).has_value());
  EXPECT_FALSE(launched_kind(Opcode::kOpDmaWait).has_value());
  EXPECT_FALSE(launched_kind(Opcode::kOpKernelWait).has_value());
  EXPECT_FALSE(launched_kind(Opcode::kSetIfmRegion).has_value());
}

// --- derived IFM extent and addressing ---------------------------------------------------------

TEST(IfmExtent, SameStride2Conv96To48ReadsAllRows) {
  // TFLite SAME, 96 -> 48 with a 3-tap stride-2 kernel pads 0 before and 1 after.
  const Shape3D ifm = derive_ifm_shape({48, 48, 8}, Kernel{{3, 3, 2, 2, 1, 1}, false},
                                       Padding{0, 0, 1, 1}, ResamplingMode::kNone, 1);
  EXPECT_EQ(ifm, (Shape3D{96, 96, 1}));
}

TEST(IfmExtent, ValidPaddingLeavesUnreadColumns) {
  // 10 -> 4 with a 3-tap stride-2 kernel reads columns 0-8 only.
  const Shape3D ifm = derive_ifm_shape({4, 4, 1}, Kernel{{3, 3, 2, 2, 1, 1}, false}, Padding{},
                                       ResamplingMode::kNone, 1);
  EXPECT_EQ(ifm.width, 9);
}

TEST(IfmExtent, UpscalingHalvesTheExtent) {
  // Nearest x2 resize 4x4 -> 8x8 as a 1x1 pool on the upscaled IFM.
  EXPECT_EQ(derive_ifm_shape({8, 8, 3}, Kernel{}, Padding{}, ResamplingMode::kNearest, 3),
            (Shape3D{4, 4, 3}));
  // Transpose conv 4x4 -> 8x8, 3x3 kernel, SAME: pads 1 + 1 around the zero-inserted IFM.
  EXPECT_EQ(derive_ifm_shape({8, 8, 3}, Kernel{{3, 3, 1, 1, 1, 1}, false}, Padding{1, 1, 1, 1},
                             ResamplingMode::kTranspose, 3),
            (Shape3D{4, 4, 3}));
}

TEST(IfmExtent, PaddingBeyondTheKernelGivesAnEmptyExtent) {
  EXPECT_EQ(derive_ifm_shape({1, 1, 1}, Kernel{}, Padding{2, 2, 2, 2}, ResamplingMode::kNone, 1),
            (Shape3D{0, 0, 1}));
}

TEST(ElementAddress, NhwcUsesStridesAndElementSize) {
  FeatureMap fm;
  fm.base = {0x1000, 0, 0, 0};
  fm.shape = {4, 5, 3};
  fm.height0 = fm.height1 = 4;
  fm.width0 = 5;
  fm.type = {16, true};
  fm.stride_x = 6;
  fm.stride_y = 30;
  fm.stride_c = 2;
  EXPECT_EQ(element_address(fm, 0, 0, 0), 0x1000u);
  EXPECT_EQ(element_address(fm, 2, 3, 1), 0x1000u + 2 * 30 + 3 * 6 + 1 * 2);
}

TEST(ElementAddress, Nhcwb16UsesBricksOf16Channels) {
  FeatureMap fm;
  fm.format = DataFormat::kNhcwb16;
  fm.shape = {2, 3, 40};
  fm.height0 = fm.height1 = 2;
  fm.width0 = 3;
  fm.type = {8, true};
  fm.stride_x = 16;
  fm.stride_c = 3 * 16;  // one brick row: width * 16 bytes
  fm.stride_y = 3 * 48;  // width * roundup(depth, 16)
  // Channel 37: brick 2, lane 5.
  EXPECT_EQ(element_address(fm, 1, 2, 37), 144u + 2 * 16 + 2 * 48 + 5);
}

TEST(ElementAddress, TilesSplitTheFeatureMap) {
  FeatureMap fm;
  fm.base = {0x000, 0x100, 0x200, 0x300};
  fm.shape = {6, 6, 1};
  fm.height0 = 2;  // tile 0: rows 0-1, columns 0-2; tile 2 below it
  fm.height1 = 4;  // tile 1: rows 0-3, columns 3-5; tile 3 below it
  fm.width0 = 3;
  fm.type = {8, true};
  fm.stride_x = 1;
  fm.stride_y = 8;
  EXPECT_EQ(tile_index(fm, 1, 2), 0);
  EXPECT_EQ(tile_index(fm, 2, 2), 2);
  EXPECT_EQ(tile_index(fm, 3, 3), 1);
  EXPECT_EQ(tile_index(fm, 4, 3), 3);
  EXPECT_EQ(element_address(fm, 3, 2, 0), 0x200u + 1 * 8 + 2);
  EXPECT_EQ(element_address(fm, 3, 4, 0), 0x100u + 3 * 8 + 1);
  EXPECT_EQ(element_address(fm, 5, 5, 0), 0x300u + 1 * 8 + 2);
}

}  // namespace
}  // namespace euc::npu
