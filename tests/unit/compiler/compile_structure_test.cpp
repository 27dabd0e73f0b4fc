// The structure of euc's own output, checked with the same readers that check Vela's: the
// ethos-u operator, its payload, command stream and memory plan
// (docs/npu_architecture.md §Driver payload).
#include <gtest/gtest.h>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "npu/ethosu_op.hpp"
#include "npu/operation.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc {
namespace {

arch::SystemConfig config(const std::string& accelerator) {
  arch::SystemConfigOptions o;
  o.accelerator = arch::parse_accelerator(accelerator);
  return arch::resolve_system_config(arch::builtin_config_library(), o);
}

ir::Model compile(const std::string& path, const std::string& accelerator = "ethos-u55-256",
                  const driver::CompileOptions& options = {}) {
  ir::Model in = tfl::read_model_file(path);
  driver::CompileResult r = driver::compile_model(in, config(accelerator), options);
  // Round trip through the writer and the validating reader, as a user's runtime would see it.
  return tfl::read_model(tfl::write_model(r.model), "compiled");
}

std::string person_detect() {
  return (test::source_dir() / "models/person_detect.tflite").string();
}

TEST(CompiledModel, PersonDetectBecomesOneEthosUOperator) {
  ir::Model m = compile(person_detect());
  const ir::Subgraph& sg = m.subgraphs.at(0);
  ASSERT_EQ(sg.operators.size(), 1u);  // its SOFTMAX included
  EXPECT_EQ(sg.operators[0].type, ir::BuiltinOp::CUSTOM);
  EXPECT_EQ(sg.operators[0].custom_code, "ethos-u");
  EXPECT_EQ(sg.operators[0].custom_options, (ir::Bytes{0x01, 0x04, 0x01}));
  // The network's interface is unchanged.
  ASSERT_EQ(sg.inputs.size(), 1u);
  EXPECT_EQ(sg.tensors[sg.inputs[0]].name, "input");
  EXPECT_EQ(sg.tensors[sg.inputs[0]].shape, (std::vector<int32_t>{1, 96, 96, 1}));
  // Only tensors an operator uses remain: no original weights are left in the file.
  EXPECT_LT(sg.tensors.size(), 12u);
}

TEST(CompiledModel, PayloadAndOperationsDecodeWithTheVelaReaders) {
  // Without weight buffering every operation is one launch (double-buffered weights run an
  // operation slice by slice).
  driver::CompileOptions unbuffered;
  unbuffered.plan.weight_buffering = false;
  ir::Model m = compile(person_detect(), "ethos-u55-256", unbuffered);
  auto ops = npu::read_ethosu_operators(m, "compiled");
  ASSERT_EQ(ops.size(), 1u);
  const auto& op = ops[0];
  EXPECT_EQ(op.payload.config.macs_per_cycle(), 256);
  EXPECT_EQ(op.payload.config.shram_size_kib, 48);
  auto operations = npu::extract_operations(npu::decode_stream(op.payload.command_words));
  int blocks = 0;
  for (const auto& o : operations)
    blocks += o.kind != npu::OperationKind::kDma;
  // 14 depthwise + 14 pointwise + average pool, and SOFTMAX's 28 (frontend/lowering/softmax.cpp)
  EXPECT_EQ(blocks, 29 + 28);
  for (const auto& o : operations)
    EXPECT_TRUE(o.unset_registers.empty()) << o.byte_offset;
  // The first operation is the stride-2 stem reading the network input where the memory plan
  // put it.
  const auto& stem = operations.at(0);
  EXPECT_EQ(stem.kind, npu::OperationKind::kConv);
  ASSERT_TRUE(stem.block.has_value());
  EXPECT_EQ(stem.block->ofm.shape, (npu::Shape3D{48, 48, 8}));
  ASSERT_EQ(op.ifms.size(), 1u);
  ASSERT_TRUE(op.ifms[0].arena_offset.has_value());
  EXPECT_EQ(static_cast<int64_t>(stem.block->ifm.base[0]), *op.ifms[0].arena_offset);
}

TEST(CompiledModel, DedicatedSramStemReadsTheInputsCopyInTheCache) {
  // The input stays where the CPU put it (the DRAM arena, region 1); before the stem runs one
  // DMA copies its 9216 bytes into the SRAM cache (region 2), and the stem reads the copy.
  ir::Model in = tfl::read_model_file(person_detect());
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator("ethos-u65-256");
  so.system_config = "Ethos_U65_High_End";
  so.memory_mode = "Dedicated_Sram";
  const arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  ir::Model m =
      tfl::read_model(tfl::write_model(driver::compile_model(in, system, {}).model), "compiled");
  auto ops = npu::read_ethosu_operators(m, "compiled");
  ASSERT_EQ(ops.size(), 1u);
  ASSERT_EQ(ops[0].ifms.size(), 1u);
  ASSERT_TRUE(ops[0].ifms[0].arena_offset.has_value());
  auto operations = npu::extract_operations(npu::decode_stream(ops[0].payload.command_words));
  const npu::NpuOperation* copy = nullptr;
  const npu::NpuOperation* stem = nullptr;
  for (const auto& o : operations) {
    if (o.kind == npu::OperationKind::kDma && o.dma && o.dma->source.region == 1 && !copy)
      copy = &o;
    if (o.kind != npu::OperationKind::kDma && !stem)
      stem = &o;
  }
  ASSERT_NE(copy, nullptr);
  ASSERT_NE(stem, nullptr);
  EXPECT_LT(copy->byte_offset, stem->byte_offset);
  EXPECT_EQ(static_cast<int64_t>(copy->dma->source.address), *ops[0].ifms[0].arena_offset);
  EXPECT_EQ(copy->dma->destination.region, 2);
  EXPECT_EQ(copy->dma->length, 96u * 96u);
  ASSERT_TRUE(stem->block.has_value());
  EXPECT_EQ(stem->block->ifm.region, 2);
  EXPECT_EQ(stem->block->ifm.base[0], copy->dma->destination.address);
}

TEST(CompiledModel, FoldedPadsLeaveNoTensorBehind) {
  // MobileNetV2's four PADs fold into the stride-2 depthwise convolutions that read them: their
  // outputs are never computed, so they must be neither inputs of the ethos-u operator nor part
  // of its arena.
  EUC_REQUIRE_SHARED();
  ir::Model m = compile((test::shared_dir() / "models/mobilenet_v2_224_int8.tflite").string());
  auto ops = npu::read_ethosu_operators(m, "compiled");
  ASSERT_EQ(ops.size(), 1u);
  ASSERT_EQ(ops[0].ifms.size(), 1u);
  EXPECT_EQ(m.subgraphs[0].tensors[ops[0].ifms[0].index].name, "serving_default_input_1:0");
  for (const ir::Tensor& t : m.subgraphs[0].tensors)
    EXPECT_EQ(t.name.find("_pad/Pad"), std::string::npos) << t.name;
}

TEST(CompiledModel, OutputIsByteIdenticalAcrossRuns) {
  ir::Model in = tfl::read_model_file(person_detect());
  auto a = tfl::write_model(driver::compile_model(in, config("ethos-u55-256"), {}).model);
  auto b = tfl::write_model(driver::compile_model(in, config("ethos-u55-256"), {}).model);
  EXPECT_EQ(a, b);
}

TEST(CompiledModel, EveryAcceleratorWritesItsOwnConfigRegister) {
  for (const char* acc : {"ethos-u55-32", "ethos-u55-64", "ethos-u55-128", "ethos-u55-256",
                          "ethos-u65-256", "ethos-u65-512"}) {
    SCOPED_TRACE(acc);
    ir::Model m = compile(person_detect(), acc);
    auto ops = npu::read_ethosu_operators(m, "compiled");
    ASSERT_EQ(ops.size(), 1u);
    const auto& c = accelerator_config(arch::parse_accelerator(acc));
    EXPECT_EQ(ops[0].payload.config.macs_per_cycle(), c.macs * c.cores);
    EXPECT_EQ(ops[0].payload.config.product, c.product);
  }
}

}  // namespace
}  // namespace euc

namespace euc {
namespace {

TEST(CompiledModel, IgnoredOperatorTypesStayOnTheCpu) {
  ir::Model in = tfl::read_model_file(person_detect());
  driver::CompileOptions o;
  o.ignore_ops = {"CONV_2D", "SOFTMAX"};
  driver::CompileResult r = driver::compile_model(in, config("ethos-u55-256"), o);
  int conv_on_cpu = 0;
  for (const auto& op : r.model.subgraphs[0].operators)
    conv_on_cpu += op.type == ir::BuiltinOp::CONV_2D;
  EXPECT_EQ(conv_on_cpu, 14);
  // The convolutions, the softmax, and the reshape between the logits convolution and the
  // softmax (a segment of only reshapes is not worth an NPU call).
  EXPECT_EQ(r.report.cpu_ops, 16);
  // --show-cpu-operations says why the reshape stays (TFLite's RESHAPE is lowerable).
  int reshapes = 0;
  for (const driver::CpuOperator& cpu : r.report.cpu_operators) {
    if (in.subgraphs[0].operators[static_cast<size_t>(cpu.index)].type != ir::BuiltinOp::RESHAPE)
      continue;
    ++reshapes;
    ASSERT_FALSE(cpu.reasons.empty());
    EXPECT_NE(cpu.reasons.back().find("pure reshape between CPU operators"), std::string::npos)
        << cpu.reasons.back();
  }
  EXPECT_EQ(reshapes, 1);
}

TEST(CompiledModel, OperatorsKeptOnTheCpuOneByOne) {
  // person_detect: its first operator and the final SOFTMAX kept on the CPU; every operator
  // between them, convolutions of the same types included, runs in one NPU call.
  ir::Model in = tfl::read_model_file(person_detect());
  const auto& ops = in.subgraphs[0].operators;
  const int last = static_cast<int>(ops.size()) - 1;
  ASSERT_EQ(ops[static_cast<size_t>(last)].type, ir::BuiltinOp::SOFTMAX);
  driver::CompileOptions o;
  o.cpu_operators = {{0, 0}, {0, last}};
  driver::CompileResult r = driver::compile_model(in, config("ethos-u55-256"), o);
  ASSERT_EQ(r.model.subgraphs[0].operators.size(), 3u);
  EXPECT_EQ(r.model.subgraphs[0].operators[0].type, ops[0].type);
  EXPECT_EQ(r.model.subgraphs[0].operators[1].type, ir::BuiltinOp::CUSTOM);
  EXPECT_EQ(r.model.subgraphs[0].operators[2].type, ir::BuiltinOp::SOFTMAX);
  ASSERT_EQ(r.report.cpu_operators.size(), 2u);
  for (const driver::CpuOperator& cpu : r.report.cpu_operators) {
    ASSERT_FALSE(cpu.reasons.empty());
    EXPECT_NE(cpu.reasons.back().find("kept on the CPU by the caller"), std::string::npos)
        << cpu.reasons.back();
  }
}

TEST(CompiledModel, SegmentInputsAndOutputsFollowTheCpuTensorAlignment) {
  ir::Model in = tfl::read_model_file(person_detect());
  driver::CompileOptions o;
  o.plan.cpu_tensor_alignment = 256;
  o.ignore_ops = {"CONV_2D"};  // many segments, many boundary tensors
  ir::Model m = driver::compile_model(in, config("ethos-u55-256"), o).model;
  int checked = 0;
  for (const auto& op : npu::read_ethosu_operators(m, "compiled")) {
    for (const auto* list : {&op.ifms, &op.ofms}) {
      for (const auto& t : *list) {
        ASSERT_TRUE(t.arena_offset.has_value());
        EXPECT_EQ(*t.arena_offset % 256, 0);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20);
}

}  // namespace
}  // namespace euc
