// Command streams of small hand-built NPU graphs, decoded with the npu library's decoder (command
// tables, register file, operation reading) and compared field by field with values derived by
// hand from the Ethos-U55 command facts the npu tables are generated from (field positions and
// enumerations) and docs/npu_architecture.md §Command stream (field encodings). Values that are
// codegen's inputs (the plan's block config and SHRAM layout, the constant layout's addresses)
// are compared with those inputs.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "codegen/command_stream.hpp"
#include "npu/command.hpp"
#include "npu/operation.hpp"
#include "npu/register_file.hpp"
#include "scheduler/initial_plan.hpp"
#include "weights/constant_encoder.hpp"

namespace euc::codegen {
namespace {

using npu::Opcode;

// --- building graphs ---------------------------------------------------------------------------

struct GraphBuilder {
  ir::NpuGraph graph;

  int feature_map(const std::string& name, ir::DataType type, ir::Shape4 shape, double scale,
                  int32_t zero_point) {
    ir::NpuTensor t;
    t.name = name;
    t.type = type;
    t.shape = shape;
    t.quant = {scale, zero_point};
    graph.tensors.push_back(t);
    return static_cast<int>(graph.tensors.size()) - 1;
  }

  // OHWI int8 weights, per-tensor scale, values cycling through -3..3.
  int weights(const std::string& name, int o, int h, int w, int i, double scale) {
    ir::NpuTensor t;
    t.name = name;
    t.type = ir::DataType::kInt8;
    t.shape = {o, h, w, i};
    auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(o * h * w * i));
    for (size_t k = 0; k < bytes->size(); ++k)
      (*bytes)[k] = static_cast<uint8_t>(static_cast<int8_t>(static_cast<int>(k % 7) - 3));
    t.data = bytes;
    t.channel_scales = {scale};
    t.channel_zero_points = {0};
    t.weight_shape = {o, h, w, i};
    graph.tensors.push_back(t);
    return static_cast<int>(graph.tensors.size()) - 1;
  }

  // A bias of `channels` values 10, 11, ... (int32, or int64 for int16 convolutions).
  int bias(const std::string& name, ir::DataType type, int channels) {
    ir::NpuTensor t;
    t.name = name;
    t.type = type;
    t.shape = {1, 1, 1, channels};
    const size_t size = type == ir::DataType::kInt64 ? 8 : 4;
    auto bytes = std::make_shared<std::vector<uint8_t>>(size * static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) {
      const int64_t v = 10 + c;
      if (size == 8) {
        std::memcpy(bytes->data() + 8 * c, &v, 8);
      } else {
        const auto v32 = static_cast<int32_t>(v);
        std::memcpy(bytes->data() + 4 * c, &v32, 4);
      }
    }
    t.data = bytes;
    graph.tensors.push_back(t);
    return static_cast<int>(graph.tensors.size()) - 1;
  }

  ir::TensorSlice whole(int tensor) const {
    return {tensor, {0, 0, 0, 0}, graph.tensors[static_cast<size_t>(tensor)].shape};
  }

  void add(ir::NpuOp op) {
    op.name = graph.tensors[static_cast<size_t>(op.ofm.tensor)].name;
    graph.ops.push_back(std::move(op));
  }
};

// --- compiling and decoding --------------------------------------------------------------------

struct Compiled {
  scheduler::Plan plan;
  scheduler::ConstantLayout constants;
  std::vector<uint32_t> words;
  std::vector<npu::DecodedCommand> commands;
  std::vector<npu::NpuOperation> operations;
};

Compiled compile(const ir::NpuGraph& graph) {
  const arch::SystemConfig system =
      arch::resolve_system_config(arch::builtin_config_library(), arch::SystemConfigOptions{});
  scheduler::PlanOptions options;
  options.feature_map_layouts = false;  // every feature map NHWC
  options.weight_buffering = false;     // weights read from flash
  options.cascading = false;
  Compiled c;
  c.plan = scheduler::plan_whole_tensors(graph, system, options);
  c.constants = weights::NpuWeightEncoder(system.accelerator_config()).encode(graph, c.plan);
  c.words = generate_command_stream(graph, c.plan, c.constants, system);
  c.commands = npu::decode_stream(c.words);
  c.operations = npu::extract_operations(c.commands);
  return c;
}

// The registers as the `n`th block operation (CONV, DEPTHWISE, POOL, ELEMENTWISE) launches, and
// its launch command.
struct Launch {
  npu::RegisterFile registers;
  npu::Command command;
};

Launch launch(const Compiled& c, int n) {
  npu::RegisterFile registers;
  for (const npu::DecodedCommand& d : c.commands) {
    const auto kind = npu::launched_kind(d.command.opcode);
    if (kind && *kind != npu::OperationKind::kDma && n-- == 0)
      return {registers, d.command};
    registers.apply(d.command);
  }
  ADD_FAILURE() << "no such launch";
  return {};
}

std::vector<npu::BlockOperation> block_operations(const Compiled& c) {
  std::vector<npu::BlockOperation> out;
  for (const npu::NpuOperation& op : c.operations) {
    if (op.block)
      out.push_back(*op.block);
  }
  return out;
}

// The first word of a cmd0 command: code in bits 0-9, parameter in bits 16-31 (facts header).
uint32_t cmd0_word(uint32_t code, uint32_t param) {
  return code | (param << 16);
}

// --- a 1x1 int8 convolution --------------------------------------------------------------------

ir::NpuGraph conv_1x1_int8() {
  GraphBuilder b;
  const int ifm = b.feature_map("ifm", ir::DataType::kInt8, {1, 4, 4, 8}, 0.5, -1);
  const int w = b.weights("w", 16, 1, 1, 8, 0.25);
  const int bias = b.bias("bias", ir::DataType::kInt32, 16);
  const int ofm = b.feature_map("ofm", ir::DataType::kInt8, {1, 4, 4, 16}, 1.0, 3);
  ir::NpuOp op;
  op.type = ir::NpuOpType::kConv2D;
  op.ifm = b.whole(ifm);
  op.ofm = b.whole(ofm);
  op.weights = w;
  op.bias = bias;
  op.activation = {ir::Activation::Kind::kClamp, 3, 127};  // ReLU: from the OFM zero point
  b.add(op);
  b.graph.inputs = {ifm};
  b.graph.outputs = {ofm};
  return b.graph;
}

TEST(CodegenConv, OneByOneInt8WritesPrecisionKernelAndActivationRegisters) {
  const ir::NpuGraph graph = conv_1x1_int8();
  const Compiled c = compile(graph);
  const Launch l = launch(c, 0);
  EXPECT_EQ(l.command.opcode, Opcode::kOpConv);
  const npu::RegisterFile& r = l.registers;

  // NPU_SET_IFM_PRECISION: precision[16:19] = S8 (1), format NHWC (0), scale_mode 16-bit (0),
  // round_mode TFL (0): parameter 0x0001. NPU_SET_OFM_PRECISION: precision[16:18] = S8 (1),
  // per-channel scaling (0), rounding TFL (0): 0x0001.
  EXPECT_EQ(r.param(Opcode::kSetIfmPrecision), 0x0001);
  EXPECT_EQ(r.param(Opcode::kSetOfmPrecision), 0x0001);
  EXPECT_EQ(r.field(Opcode::kSetOfmPrecision, "scaling"), 0u);
  EXPECT_EQ(r.field(Opcode::kSetOfmPrecision, "rounding"),
            static_cast<uint32_t>(npu::Rounding::kTfl));
  // Sizes minus one.
  EXPECT_EQ(r.param(Opcode::kSetIfmDepthM1), 7);
  EXPECT_EQ(r.param(Opcode::kSetOfmHeightM1), 3);
  EXPECT_EQ(r.param(Opcode::kSetOfmWidthM1), 3);
  EXPECT_EQ(r.param(Opcode::kSetOfmDepthM1), 15);
  // A 1x1 kernel, stride 1, no dilation, no padding: all zero (KERNEL_STRIDE bit 2 is the
  // traversal order the plan chose).
  EXPECT_EQ(r.param(Opcode::kSetKernelWidthM1), 0);
  EXPECT_EQ(r.param(Opcode::kSetKernelHeightM1), 0);
  EXPECT_EQ(r.param(Opcode::kSetKernelStride), c.plan.ops[0].block.part_kernel_first ? 4 : 0);
  for (Opcode pad : {Opcode::kSetIfmPadTop, Opcode::kSetIfmPadLeft, Opcode::kSetIfmPadBottom,
                     Opcode::kSetIfmPadRight}) {
    EXPECT_EQ(r.param(pad), 0) << npu::opcode_name(pad);
  }
  // Zero points in 16-bit two's complement: -1 is 0xFFFF.
  EXPECT_EQ(r.param(Opcode::kSetIfmZeroPoint), 0xFFFF);
  EXPECT_EQ(r.param(Opcode::kSetOfmZeroPoint), 3);
  // The ReLU clamp: ACTIVATION type none (0) with min 3 and max 127.
  EXPECT_EQ(r.param(Opcode::kSetActivation), 0);
  EXPECT_EQ(r.param(Opcode::kSetActivationMin), 3);
  EXPECT_EQ(r.param(Opcode::kSetActivationMax), 127);
  // int8 convolutions accumulate in 32 bits: ACC_FORMAT INT_32BIT (0).
  EXPECT_EQ(r.param(Opcode::kSetAccFormat), 0);

  // The same through the operation decoder.
  const std::vector<npu::BlockOperation> ops = block_operations(c);
  ASSERT_EQ(ops.size(), 1u);
  const npu::BlockOperation& op = ops[0];
  EXPECT_EQ(op.ifm.type, (npu::ElementType{8, true}));
  EXPECT_EQ(op.ofm.type, (npu::ElementType{8, true}));
  EXPECT_EQ(op.ifm.format, npu::DataFormat::kNhwc);
  EXPECT_EQ(op.ofm.shape, (npu::Shape3D{4, 4, 16}));
  EXPECT_EQ(op.ifm.shape, (npu::Shape3D{4, 4, 8}));
  EXPECT_EQ(op.ifm.zero_point, -1);
  EXPECT_EQ(op.ofm.zero_point, 3);
  EXPECT_EQ(op.ifm_scale_mode, npu::IfmScaleMode::kScale16bit);
  EXPECT_FALSE(op.ofm_global_scale);
  EXPECT_FALSE(op.ofm_scale.has_value());
  ASSERT_TRUE(op.kernel.has_value());
  EXPECT_EQ(op.kernel->width, 1);
  EXPECT_EQ(op.kernel->height, 1);
  EXPECT_EQ(op.kernel->stride_x, 1);
  EXPECT_EQ(op.kernel->stride_y, 1);
  EXPECT_EQ(*op.padding, npu::Padding{});
  EXPECT_EQ(op.activation.function, npu::ActivationFunction::kNone);
  EXPECT_EQ(op.activation.min, 3);
  EXPECT_EQ(op.activation.max, 127);
  EXPECT_EQ(op.acc_format, npu::AccFormat::kInt32bit);
  EXPECT_EQ(op.blockdep, 0);

  // Weights and scale records from flash (region 0): one core, one scale record of 10 bytes
  // (40-bit bias, 32-bit multiplier, 6-bit shift, padded) per output channel: 160 bytes, at the
  // addresses the constant layout gave them.
  const scheduler::WeightAddresses& where = c.constants.op_weights.at(0).at(0);
  ASSERT_EQ(op.scales.size(), 1u);
  EXPECT_EQ(op.scales[0].region, 0);
  EXPECT_EQ(op.scales[0].length, 160u);
  EXPECT_EQ(op.scales[0].address, where.scale_address);
  EXPECT_EQ(op.scales[0].address % 16, 0u);
  ASSERT_EQ(op.weights.size(), 1u);
  EXPECT_EQ(op.weights[0].region, 0);
  EXPECT_EQ(op.weights[0].address, where.weight_address);
  EXPECT_EQ(op.weights[0].length, where.weight_length);
  EXPECT_GT(op.weights[0].length, 0u);

  // Block config and SHRAM layout as planned.
  const arch::BlockConfig& block = c.plan.ops[0].block;
  EXPECT_EQ(op.block_config, (npu::BlockConfig{block.ofm_block.width, block.ofm_block.height,
                                               block.ofm_block.depth}));
  EXPECT_EQ(op.shram.ifm_ib_end, block.layout.ifm_end);
  EXPECT_EQ(op.shram.ab_start, block.layout.acc_start);
  EXPECT_EQ(block.accumulator, arch::AccumulatorType::kInt32);

  // Feature maps in the arena (region 1) at the planned addresses.
  EXPECT_EQ(op.ifm.region, 1);
  EXPECT_EQ(op.ifm.base[0], static_cast<uint64_t>(c.plan.tensors[0].address));
  EXPECT_EQ(op.ofm.region, 1);
  EXPECT_EQ(op.ofm.base[0], static_cast<uint64_t>(c.plan.tensors[3].address));
  // NHWC int8 strides: a column is 16 bytes (16 channels), a row 4 columns.
  EXPECT_EQ(op.ofm.stride_x, 16u);
  EXPECT_EQ(op.ofm.stride_y, 64u);

  // The stream ends with NPU_OP_STOP, mask 0xFFFF.
  EXPECT_EQ(c.words.back(), cmd0_word(0x000, 0xFFFF));
}

TEST(CodegenConv, Int16WithInt64BiasRoundsNaturalInFortyBitAccumulators) {
  // An int16 IFM with an int64 bias scales as TFLite's int16 kernels (a 16-bit multiplier and
  // one rounding, half up): OFM rounding NATURAL, and 40-bit accumulators.
  GraphBuilder b;
  const int ifm = b.feature_map("ifm", ir::DataType::kInt16, {1, 2, 2, 8}, 0.5, 0);
  const int w = b.weights("w", 8, 1, 1, 8, 0.25);
  const int bias = b.bias("bias", ir::DataType::kInt64, 8);
  const int ofm = b.feature_map("ofm", ir::DataType::kInt16, {1, 2, 2, 8}, 1.0, 0);
  ir::NpuOp op;
  op.type = ir::NpuOpType::kConv2D;
  op.ifm = b.whole(ifm);
  op.ofm = b.whole(ofm);
  op.weights = w;
  op.bias = bias;
  b.add(op);
  b.graph.inputs = {ifm};
  b.graph.outputs = {ofm};
  const Compiled c = compile(b.graph);
  const npu::RegisterFile r = launch(c, 0).registers;
  // IFM precision S16 = 5; OFM precision S16 = 3 with rounding NATURAL (2) in bits 30-31 of the
  // word, i.e. bits 14-15 of the parameter: 0x8003.
  EXPECT_EQ(r.param(Opcode::kSetIfmPrecision), 0x0005);
  EXPECT_EQ(r.param(Opcode::kSetOfmPrecision), 0x8003);
  // ACC_FORMAT INT_40BIT (1).
  EXPECT_EQ(r.param(Opcode::kSetAccFormat), 1);
  // No activation: the clamp is the int16 range, -32768 (0x8000) to 32767.
  EXPECT_EQ(r.param(Opcode::kSetActivationMin), 0x8000);
  EXPECT_EQ(r.param(Opcode::kSetActivationMax), 0x7FFF);
  const std::vector<npu::BlockOperation> ops = block_operations(c);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].ofm_rounding, npu::Rounding::kNatural);
  EXPECT_EQ(ops[0].acc_format, npu::AccFormat::kInt40bit);
  EXPECT_EQ(ops[0].activation.min, -32768);
  // 8 channels x 10-byte scale records.
  ASSERT_EQ(ops[0].scales.size(), 1u);
  EXPECT_EQ(ops[0].scales[0].length, 80u);
}

// --- elementwise ---------------------------------------------------------------------------------

struct Binary {
  ir::NpuOpType type = ir::NpuOpType::kAdd;
  ir::DataType data_type = ir::DataType::kInt8;
  ir::Shape4 ifm_shape{1, 4, 4, 8};
  ir::Shape4 ifm2_shape{1, 4, 4, 8};
  double ifm_scale = 0.5;
  double ifm2_scale = 0.5;
  std::optional<int32_t> scalar;
  bool reversed = false;
};

ir::NpuGraph binary_graph(const Binary& spec) {
  GraphBuilder b;
  const int ifm = b.feature_map("ifm", spec.data_type, spec.ifm_shape, spec.ifm_scale, 0);
  const int ifm2 = b.feature_map("ifm2", spec.data_type, spec.ifm2_shape, spec.ifm2_scale, 0);
  const int ofm = b.feature_map("ofm", spec.data_type, spec.ifm_shape, 1.0, 0);
  ir::NpuOp op;
  op.type = spec.type;
  op.ifm = b.whole(ifm);
  op.ifm2 = b.whole(ifm2);
  op.ifm2_scalar = spec.scalar;
  op.ofm = b.whole(ofm);
  op.reversed_operands = spec.reversed;
  b.add(op);
  b.graph.inputs = spec.scalar ? std::vector<int>{ifm} : std::vector<int>{ifm, ifm2};
  b.graph.outputs = {ofm};
  return b.graph;
}

TEST(CodegenElementwise, Int16AddWithUnequalScalesRescalesTheSmallerScaledOperand) {
  // IFM scale 0.5, IFM2 scale 0.25: IFM2 (OPB) has the smaller scale and is rescaled at 32 bits:
  // IFM_PRECISION scale_mode OPB_32BIT (2) in bits 24-25 of the word (parameter bits 8-9) with
  // precision S16 (5): 0x0205. OFM_PRECISION S16 (3) with the global scale (bit 24 of the
  // word, parameter bit 8): 0x0103.
  Binary spec;
  spec.data_type = ir::DataType::kInt16;
  spec.ifm2_scale = 0.25;
  const Compiled c = compile(binary_graph(spec));
  const Launch l = launch(c, 0);
  EXPECT_EQ(l.command.opcode, Opcode::kOpElementwise);
  EXPECT_EQ(npu::field_value(l.command, "mode"), static_cast<uint32_t>(npu::ElementwiseMode::kAdd));
  EXPECT_EQ(l.registers.param(Opcode::kSetIfmPrecision), 0x0205);
  EXPECT_EQ(l.registers.param(Opcode::kSetOfmPrecision), 0x0103);
  // IFM2_PRECISION S16, NHWC; no broadcast and operands in order.
  EXPECT_EQ(l.registers.param(Opcode::kSetIfm2Precision), 0x0005);
  EXPECT_EQ(l.registers.param(Opcode::kSetIfm2Broadcast), 0x0000);
  const std::vector<npu::BlockOperation> ops = block_operations(c);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].ifm_scale_mode, npu::IfmScaleMode::kScaleOpb32bit);
  EXPECT_TRUE(ops[0].ofm_global_scale);
  EXPECT_TRUE(ops[0].ofm_scale.has_value());
  EXPECT_TRUE(ops[0].opa_scale.has_value());
  ASSERT_TRUE(ops[0].ifm2.has_value());
  EXPECT_EQ(ops[0].ifm2->type, (npu::ElementType{16, true}));
  // Elementwise operations write no kernel or padding registers.
  EXPECT_FALSE(l.registers.is_set(Opcode::kSetKernelStride));
  EXPECT_FALSE(l.registers.is_set(Opcode::kSetIfmPadTop));

  // Reversed operands: OPA is now IFM2, the smaller-scaled one (scale_mode OPA_32BIT, 1), and
  // IFM2_BROADCAST operand_order (word bit 22, parameter bit 6) is set.
  spec.reversed = true;
  const Launch reversed = launch(compile(binary_graph(spec)), 0);
  EXPECT_EQ(reversed.registers.param(Opcode::kSetIfmPrecision), 0x0105);
  EXPECT_EQ(reversed.registers.param(Opcode::kSetIfm2Broadcast), 0x0040);
}

TEST(CodegenElementwise, BroadcastFlagsFollowTheSecondOperandsShape) {
  // IFM2_BROADCAST: broadcast_height word bit 16, width 17, depth 18 (parameter bits 0-2).
  Binary spec;
  spec.type = ir::NpuOpType::kMaximum;
  spec.ifm2_shape = {1, 1, 1, 8};  // one pixel: height and width broadcast
  Launch l = launch(compile(binary_graph(spec)), 0);
  EXPECT_EQ(l.registers.param(Opcode::kSetIfm2Broadcast), 0x0003);
  EXPECT_EQ(npu::field_value(l.command, "mode"), static_cast<uint32_t>(npu::ElementwiseMode::kMax));

  spec.ifm2_shape = {1, 4, 4, 1};  // one channel: depth broadcast
  const Compiled c = compile(binary_graph(spec));
  l = launch(c, 0);
  EXPECT_EQ(l.registers.param(Opcode::kSetIfm2Broadcast), 0x0004);
  const std::vector<npu::BlockOperation> ops = block_operations(c);
  ASSERT_EQ(ops.size(), 1u);
  ASSERT_TRUE(ops[0].ifm2_setting.has_value());
  EXPECT_TRUE(ops[0].ifm2_setting->broadcast_depth);
  EXPECT_FALSE(ops[0].ifm2_setting->broadcast_height);
  EXPECT_FALSE(ops[0].ifm2_setting->is_scalar);
}

TEST(CodegenElementwise, ScalarOperandSetsBroadcastScalarAndTheScalarRegister) {
  // broadcast_scalar is word bit 23 (parameter bit 7); IFM2_SCALAR holds -5 as 0xFFFB.
  Binary spec;
  spec.type = ir::NpuOpType::kMaximum;
  spec.ifm2_shape = {1, 1, 1, 1};
  spec.scalar = -5;
  const Compiled c = compile(binary_graph(spec));
  const Launch l = launch(c, 0);
  EXPECT_EQ(l.registers.param(Opcode::kSetIfm2Broadcast), 0x0080);
  EXPECT_EQ(l.registers.param(Opcode::kSetIfm2Scalar), 0xFFFB);
  EXPECT_FALSE(l.registers.is_set(Opcode::kSetIfm2Base0));  // nothing read from memory
  const std::vector<npu::BlockOperation> ops = block_operations(c);
  ASSERT_EQ(ops.size(), 1u);
  ASSERT_TRUE(ops[0].ifm2_setting.has_value());
  EXPECT_TRUE(ops[0].ifm2_setting->is_scalar);
  EXPECT_EQ(ops[0].ifm2_setting->scalar_value, -5);
}

// --- pooling -----------------------------------------------------------------------------------

TEST(CodegenPool, MaxPoolThreeByThreeStrideTwoWithSamePadding) {
  // 5x5 -> 3x3 with a 3x3 kernel, stride 2, SAME padding: (3 - 1) * 2 + 3 - 5 = 2 padded rows
  // and columns, one on each side.
  GraphBuilder b;
  const int ifm = b.feature_map("ifm", ir::DataType::kInt8, {1, 5, 5, 8}, 1.0, 0);
  const int ofm = b.feature_map("ofm", ir::DataType::kInt8, {1, 3, 3, 8}, 1.0, 0);
  ir::NpuOp op;
  op.type = ir::NpuOpType::kMaxPool;
  op.ifm = b.whole(ifm);
  op.ofm = b.whole(ofm);
  op.kernel = {3, 3, 2, 2, 1, 1};
  op.padding = {1, 1, 1, 1};
  b.add(op);
  b.graph.inputs = {ifm};
  b.graph.outputs = {ofm};
  const Compiled c = compile(b.graph);
  const Launch l = launch(c, 0);
  // NPU_OP_POOL (code 0x005) with mode MAX (0).
  EXPECT_EQ(npu::encode(l.command), (std::vector<uint32_t>{cmd0_word(0x005, 0)}));
  const npu::RegisterFile& r = l.registers;
  EXPECT_EQ(r.param(Opcode::kSetKernelWidthM1), 2);
  EXPECT_EQ(r.param(Opcode::kSetKernelHeightM1), 2);
  // KERNEL_STRIDE: stride - 1 = 1 in bit 0 (x) and bit 1 (y), no dilation, depth first.
  EXPECT_EQ(r.param(Opcode::kSetKernelStride), 0x0003);
  for (Opcode pad : {Opcode::kSetIfmPadTop, Opcode::kSetIfmPadLeft, Opcode::kSetIfmPadBottom,
                     Opcode::kSetIfmPadRight}) {
    EXPECT_EQ(r.param(pad), 1) << npu::opcode_name(pad);
  }
  // No weights, no scale records; no rescale (OFM_PRECISION S8, per-channel bit clear, TFL).
  EXPECT_FALSE(r.is_set(Opcode::kSetWeightBase));
  EXPECT_FALSE(r.is_set(Opcode::kSetScaleBase));
  EXPECT_EQ(r.param(Opcode::kSetOfmPrecision), 0x0001);
  // The int8 range as the clamp.
  EXPECT_EQ(r.param(Opcode::kSetActivationMin), 0xFF80);
  EXPECT_EQ(r.param(Opcode::kSetActivationMax), 0x007F);
  const std::vector<npu::BlockOperation> ops = block_operations(c);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].pooling_mode, npu::PoolingMode::kMax);
  EXPECT_EQ(ops[0].ifm.shape, (npu::Shape3D{5, 5, 8}));
  EXPECT_EQ(ops[0].ofm.shape, (npu::Shape3D{3, 3, 8}));
  EXPECT_EQ(*ops[0].padding, (npu::Padding{1, 1, 1, 1}));
  EXPECT_TRUE(ops[0].weights.empty());
}

}  // namespace
}  // namespace euc::codegen
