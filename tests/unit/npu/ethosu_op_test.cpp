// The ethos-u operators of compiled models: every Vela output in reference/vela_outputs against
// independently counted figures and hand-checked header and placement facts, and malformed
// operators and OfflineMemoryAllocation metadata built by hand.
#include "npu/ethosu_op.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "npu/command.hpp"
#include "npu/operation.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"
#include "unit/npu/vela_outputs_table.hpp"

namespace euc::npu {
namespace {

std::filesystem::path vela_output(std::string_view file) {
  return test::shared_dir() / "reference" / "vela_outputs" / file;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
    return e.what();
  }
  return "(no error)";
}

// --- every Vela output -------------------------------------------------------------------------

TEST(VelaOutputs, EveryCommandStreamDecodesToTheCountedFigures) {
  EUC_REQUIRE_SHARED();
  int files = 0;
  for (const test::VelaOutputFigures& row : test::kVelaOutputFigures) {
    SCOPED_TRACE(std::string(row.file));
    const ir::Model model = tfl::read_model_file(vela_output(row.file));
    const auto ops = read_ethosu_operators(model, row.file);
    ASSERT_EQ(static_cast<int>(ops.size()), row.ethosu_operators);
    int commands = 0;
    int block = 0;
    int dma = 0;
    for (const EthosuOperator& op : ops) {
      // decode_stream throws on any unknown opcode.
      const auto decoded = decode_stream(op.payload.command_words);
      commands += static_cast<int>(decoded.size());
      for (const NpuOperation& npu_op : extract_operations(decoded)) {
        if (npu_op.kind == OperationKind::kDma) {
          ++dma;
        } else {
          ++block;
        }
        EXPECT_TRUE(npu_op.unset_registers.empty()) << npu_op.byte_offset;
      }
      // Vela ends every stream with NPU_OP_STOP 0xFFFF (docs/npu_architecture.md §Command stream).
      ASSERT_FALSE(decoded.empty());
      EXPECT_EQ(decoded.back().command.opcode, Opcode::kOpStop);
      EXPECT_EQ(decoded.back().command.param, 0xFFFF);
    }
    EXPECT_EQ(commands, row.commands);
    EXPECT_EQ(block, row.block_operations);
    EXPECT_EQ(dma, row.dma_operations);
    ++files;
  }
  EXPECT_EQ(files, 48);  // 2 Vela versions x 4 configurations x 6 models
}

TEST(VelaOutputs, PayloadHeaderNamesTheConfiguredNpu) {
  EUC_REQUIRE_SHARED();
  for (const test::VelaOutputFigures& row : test::kVelaOutputFigures) {
    SCOPED_TRACE(std::string(row.file));
    const bool vela51 = row.file.starts_with("vela5.1/");
    const char config = row.file[vela51 ? 8 : 9];
    for (const EthosuOperator& op :
         read_ethosu_operators(tfl::read_model_file(vela_output(row.file)), row.file)) {
      const DriverPayload& p = op.payload;
      EXPECT_EQ(p.config_release, 0);
      EXPECT_EQ(p.config_patch, 1);
      EXPECT_EQ(p.command_stream_byte_offset, 32u);
      // Configs a, b: the default ethos-u55-256; c: ethos-u55-128; d: ethos-u65-256
      // (reference/vela_outputs/README.md).
      EXPECT_EQ(p.config.product, config == 'd' ? NpuProduct::kEthosU65 : NpuProduct::kEthosU55);
      EXPECT_EQ(p.config.macs_per_cycle(), config == 'c' ? 128 : 256);
      EXPECT_EQ(p.config.shram_size_kib, config == 'c' ? 24 : 48);
      EXPECT_EQ(p.config.cmd_stream_version, 0);
      EXPECT_EQ(p.id.arch_version(), "1.0.6");
      EXPECT_EQ(p.id.word(), vela51 ? 0x10066001u : 0x10060000u);
    }
  }
}

TEST(VelaOutputs, BuilderReproducesEveryVelaPayloadByteForByte) {
  EUC_REQUIRE_SHARED();
  for (const test::VelaOutputFigures& row : test::kVelaOutputFigures) {
    SCOPED_TRACE(std::string(row.file));
    const ir::Model model = tfl::read_model_file(vela_output(row.file));
    for (const EthosuOperator& op : read_ethosu_operators(model, row.file)) {
      const ir::Tensor& t = model.subgraphs[op.subgraph].tensors[op.command_stream.index];
      const std::span<const uint8_t> original = model.tensor_data(t);
      const auto built =
          build_cop1_payload(op.payload.config, op.payload.id, op.payload.command_words);
      EXPECT_TRUE(std::equal(built.begin(), built.end(), original.begin(), original.end()));
    }
  }
}

// --- operator tensors and arena placement ------------------------------------------------------

TEST(VelaOutputs, PersonDetect310PlacesInputAndOutputAtArenaStart) {
  EUC_REQUIRE_SHARED();
  // Metadata words 0 1 6 0 -1 -1 0 0 0: tensors [output, command stream, flash, scratch,
  // scratch_fast, input].
  const ir::Model model = tfl::read_model_file(vela_output("vela3.10/d/person_detect_vela.tflite"));
  const auto plan = read_offline_memory_allocation(model, "pd");
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->offsets, (std::vector<std::vector<int32_t>>{{0, -1, -1, 0, 0, 0}}));
  const auto ops = read_ethosu_operators(model, "pd");
  ASSERT_EQ(ops.size(), 1u);
  const EthosuOperator& op = ops[0];
  EXPECT_EQ(op.command_stream, (EthosuTensor{1, std::nullopt}));
  EXPECT_EQ(op.flash, (EthosuTensor{2, std::nullopt}));
  EXPECT_EQ(op.scratch, (EthosuTensor{3, 0}));
  EXPECT_EQ(op.scratch_fast, (EthosuTensor{4, 0}));
  ASSERT_EQ(op.ifms.size(), 1u);
  EXPECT_EQ(op.ifms[0], (EthosuTensor{5, 0}));
  ASSERT_EQ(op.ofms.size(), 1u);
  EXPECT_EQ(op.ofms[0], (EthosuTensor{0, 0}));
}

TEST(VelaOutputs, Vela51PassesOneScratchTensorTwice) {
  EUC_REQUIRE_SHARED();
  // Metadata 0 1 5 -1 -1 0 9216 0: [command stream, read_only, scratch, input, output].
  const ir::Model model = tfl::read_model_file(vela_output("vela5.1/b/person_detect_vela.tflite"));
  const auto ops = read_ethosu_operators(model, "pd");
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].scratch.index, 2);
  EXPECT_EQ(ops[0].scratch_fast.index, 2);
  EXPECT_EQ(ops[0].ifms[0], (EthosuTensor{3, 9216}));
  EXPECT_EQ(ops[0].ofms[0], (EthosuTensor{4, 0}));
}

TEST(VelaOutputs, KeywordSpotterHasSixNpuOperatorsAroundCpuSvdf) {
  EUC_REQUIRE_SHARED();
  // Vela 3.10 splits the graph at the SVDF operators the NPU does not run; every ethos-u
  // operator has its own command stream and shares flash and scratch (tensors 45-47).
  const ir::Model model =
      tfl::read_model_file(vela_output("vela3.10/a/keyword_scrambled_8bit_vela.tflite"));
  const auto ops = read_ethosu_operators(model, "kws");
  ASSERT_EQ(ops.size(), 6u);
  const std::vector<std::size_t> op_index = {0, 2, 4, 6, 8, 12};
  for (std::size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i].operator_index, op_index[i]);
    EXPECT_EQ(ops[i].command_stream.index, static_cast<int32_t>(44 + (i == 0 ? 0 : i + 3)));
    EXPECT_EQ(ops[i].flash.index, 45);
    EXPECT_EQ(ops[i].scratch.index, 46);
    EXPECT_EQ(ops[i].scratch_fast.index, 47);
  }
  EXPECT_EQ(ops[0].ifms[0], (EthosuTensor{27, 5120}));
  EXPECT_EQ(ops[0].ofms[0], (EthosuTensor{11, 5312}));
}

TEST(VelaOutputs, LstmOperatorHasThreeIfms) {
  EUC_REQUIRE_SHARED();
  const ir::Model model =
      tfl::read_model_file(vela_output("vela3.10/a/mnist_lstm_int8_vela.tflite"));
  const auto ops = read_ethosu_operators(model, "lstm");
  ASSERT_EQ(ops.size(), 1u);
  ASSERT_EQ(ops[0].ifms.size(), 3u);
  EXPECT_EQ(ops[0].ifms[0], (EthosuTensor{6, 48}));
  EXPECT_EQ(ops[0].ifms[1], (EthosuTensor{5, 80}));
  EXPECT_EQ(ops[0].ifms[2], (EthosuTensor{7, 0}));
  EXPECT_EQ(ops[0].ofms[0], (EthosuTensor{0, 96}));
}

// --- the first operations of person_detect, derived by hand from the source model --------------

// person_detect.tflite starts with a 3x3 stride-2 SAME depthwise convolution with depth
// multiplier 8 on the 1x96x96x1 int8 input (zero point -1) giving 1x48x48x8. SAME padding for
// 96 -> 48 with 3 taps and stride 2 is 0 before and 1 after.
std::vector<NpuOperation> person_detect_operations(std::string_view file) {
  const ir::Model model = tfl::read_model_file(vela_output(file));
  const auto ops = read_ethosu_operators(model, file);
  EXPECT_EQ(ops.size(), 1u);
  return extract_operations(decode_stream(ops.at(0).payload.command_words));
}

TEST(VelaOutputs, PersonDetect51StemIsA3x3Stride2Conv) {
  EUC_REQUIRE_SHARED();
  const auto ops = person_detect_operations("vela5.1/a/person_detect_vela.tflite");
  // A depthwise with one input channel and multiplier 8 is an ordinary convolution.
  ASSERT_GE(ops.size(), 2u);
  const NpuOperation& stem = ops[1];
  ASSERT_EQ(stem.kind, OperationKind::kConv);
  const BlockOperation& b = *stem.block;
  // Vela chooses part-kernel-first traversal for the shallow (1-channel) IFM.
  EXPECT_EQ(*b.kernel, (Kernel{{3, 3, 2, 2, 1, 1}, true}));
  EXPECT_EQ(*b.padding, (Padding{0, 0, 1, 1}));
  EXPECT_EQ(b.ofm.shape, (Shape3D{48, 48, 8}));
  EXPECT_EQ(b.ifm.shape, (Shape3D{96, 96, 1}));
  EXPECT_EQ(b.ifm.type, (ElementType{8, true}));
  EXPECT_EQ(b.ifm.zero_point, -1);
  EXPECT_EQ(b.ifm.format, DataFormat::kNhwc);
  EXPECT_EQ(b.ofm.type, (ElementType{8, true}));
  // The input lives in the arena (region 1) at its planned offset 0.
  EXPECT_EQ(b.ifm.region, 1);
  EXPECT_EQ(b.ifm.base[0], 0u);
  // The weights were DMAed just before: the DMA writes exactly the scales and weights ranges.
  ASSERT_EQ(ops[0].kind, OperationKind::kDma);
  const DmaOperation& dma = *ops[0].dma;
  EXPECT_EQ(dma.source.region, 0);
  EXPECT_EQ(dma.destination.region, b.scales[0].region);
  EXPECT_EQ(dma.destination.address, b.scales[0].address);
  EXPECT_EQ(b.weights[0].address, b.scales[0].address + b.scales[0].length);
  EXPECT_EQ(dma.length, b.scales[0].length + b.weights[0].length);
}

TEST(VelaOutputs, PersonDetect310FoldsStride2ColumnsIntoDepth) {
  EUC_REQUIRE_SHARED();
  // Vela 3.10 rewrites the stride-2 stem on the 1-channel input: pairs of columns become two
  // channels (96x48x2), leaving a 2-wide, 3-high kernel with stride 1 across and 2 down.
  const auto ops = person_detect_operations("vela3.10/a/person_detect_vela.tflite");
  ASSERT_GE(ops.size(), 2u);
  const NpuOperation& stem = ops[1];
  ASSERT_EQ(stem.kind, OperationKind::kConv);
  const BlockOperation& b = *stem.block;
  EXPECT_EQ(*b.kernel, (Kernel{{2, 3, 1, 2, 1, 1}, true}));
  EXPECT_EQ(b.ofm.shape, (Shape3D{48, 48, 8}));
  EXPECT_EQ(b.ifm.shape, (Shape3D{96, 48, 2}));
  EXPECT_EQ(b.ifm.stride_x, 2u);
  EXPECT_EQ(b.ifm.stride_y, 96u);
  EXPECT_EQ(b.ifm.zero_point, -1);
  // The second operation is the 3x3 depthwise on the stem's OFM.
  const auto next = std::find_if(ops.begin() + 2, ops.end(), [](const NpuOperation& op) {
    return op.kind != OperationKind::kDma;
  });
  ASSERT_NE(next, ops.end());
  EXPECT_EQ(next->kind, OperationKind::kDepthwise);
  EXPECT_EQ(next->block->ifm.base[0], b.ofm.base[0]);
  EXPECT_EQ(next->block->ifm.shape, (Shape3D{48, 48, 8}));
  EXPECT_EQ(*next->block->kernel, (Kernel{{3, 3, 1, 1, 1, 1}, false}));
}

// --- malformed operators, built by hand --------------------------------------------------------

ir::Buffer buffer(std::vector<uint8_t> bytes) {
  ir::Buffer b;
  b.data = std::make_shared<const ir::Bytes>(std::move(bytes));
  return b;
}

ir::Tensor tensor(std::string name, ir::DataType type, std::vector<int32_t> shape,
                  uint32_t buffer_index) {
  ir::Tensor t;
  t.name = std::move(name);
  t.type = type;
  t.shape = std::move(shape);
  t.buffer = buffer_index;
  return t;
}

std::vector<uint8_t> int32_bytes(std::initializer_list<int32_t> values) {
  std::vector<uint8_t> bytes;
  for (int32_t v : values) {
    for (int b = 0; b < 4; ++b)
      bytes.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * b)));
  }
  return bytes;
}

// A minimal valid model: [command stream, flash, scratch, scratch_fast, input, output].
ir::Model minimal_model() {
  const std::vector<uint32_t> words = {0xFFFF0000};  // NPU_OP_STOP
  const auto payload = build_cop1_payload(ConfigRegisterImage{}, IdRegisterImage{}, words);
  ir::Model m;
  m.buffers = {ir::Buffer{}, buffer(payload), buffer({1, 2, 3, 4}),
               buffer(int32_bytes({0, 1, 6, -1, -1, 0, 0, 64, 0}))};
  ir::Subgraph g;
  g.tensors = {
      tensor("cs", ir::DataType::kUInt8, {static_cast<int32_t>(payload.size())}, 1),
      tensor("flash", ir::DataType::kUInt8, {4}, 2),
      tensor("scratch", ir::DataType::kUInt8, {128}, 0),
      tensor("scratch_fast", ir::DataType::kUInt8, {128}, 0),
      tensor("in", ir::DataType::kInt8, {1, 4, 4, 4}, 0),
      tensor("out", ir::DataType::kInt8, {1, 4}, 0),
  };
  ir::Operator op;
  op.type = ir::BuiltinOp::CUSTOM;
  op.custom_code = "ethos-u";
  op.inputs = {0, 1, 2, 3, 4};
  op.outputs = {5};
  op.custom_options = {0x01, 0x04, 0x01};
  g.operators = {op};
  m.subgraphs = {g};
  m.metadata = {ir::Metadata{"OfflineMemoryAllocation", 3}};
  return m;
}

TEST(EthosuOperator, MinimalModelReadsBack) {
  const auto ops = read_ethosu_operators(minimal_model(), "m");
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].ifms[0], (EthosuTensor{4, 64}));
  EXPECT_EQ(ops[0].ofms[0], (EthosuTensor{5, 0}));
  EXPECT_EQ(ops[0].payload.command_words, (std::vector<uint32_t>{0xFFFF0000}));
}

TEST(EthosuOperator, ModelWithoutPlanHasNoArenaOffsets) {
  ir::Model m = minimal_model();
  m.metadata.clear();
  EXPECT_FALSE(read_offline_memory_allocation(m, "m").has_value());
  const auto ops = read_ethosu_operators(m, "m");
  EXPECT_FALSE(ops[0].ifms[0].arena_offset.has_value());
}

TEST(EthosuOperator, OtherCustomOperatorsAreIgnored) {
  ir::Model m = minimal_model();
  m.subgraphs[0].operators[0].custom_code = "other";
  EXPECT_TRUE(read_ethosu_operators(m, "m").empty());
}

TEST(EthosuOperator, EachMalformedPieceIsANamedError) {
  struct Case {
    const char* name;
    void (*mutate)(ir::Model&);
    const char* error;
  };
  const std::vector<Case> cases = {
      {"too few inputs",
       [](ir::Model& m) {
         m.subgraphs[0].operators[0].inputs = {0, 1, 2};
       },
       "has 3 inputs"},
      {"no outputs", [](ir::Model& m) { m.subgraphs[0].operators[0].outputs.clear(); },
       "has no outputs"},
      {"omitted input", [](ir::Model& m) { m.subgraphs[0].operators[0].inputs[4] = -1; },
       "IFM 0 tensor index -1"},
      {"stream type", [](ir::Model& m) { m.subgraphs[0].tensors[0].type = ir::DataType::kInt8; },
       "command stream tensor 'cs' has type int8; expected uint8"},
      {"stream not constant", [](ir::Model& m) { m.subgraphs[0].tensors[0].buffer = 0; },
       "command stream tensor 0 'cs' must be constant"},
      {"flash size", [](ir::Model& m) { m.subgraphs[0].tensors[1].shape = {8}; },
       "flash tensor 1 'flash' must be constant: it has 8 elements but 4 bytes"},
      {"scratch with data", [](ir::Model& m) { m.subgraphs[0].tensors[2].buffer = 2; },
       "scratch tensor 2 'scratch' must not hold constant data"},
      {"options",
       [](ir::Model& m) {
         m.subgraphs[0].operators[0].custom_options = {1, 2};
       },
       "unexpected custom options"},
      {"payload",
       [](ir::Model& m) {
         m.buffers[1] = buffer({'C', 'O', 'P', '2'});
         m.subgraphs[0].tensors[0].shape = {4};
       },
       "driver payload: bad FourCC 'COP2'"},
      {"plan version",
       [](ir::Model& m) {
         m.buffers[3] = buffer(int32_bytes({1, 1, 6}));
       },
       "version 1"},
      {"plan subgraphs",
       [](ir::Model& m) {
         m.buffers[3] = buffer(int32_bytes({0, 2, 6, 0, 0, 0, 0, 0, 0}));
       },
       "subgraph count 2 but the model has 1"},
      {"plan tensors",
       [](ir::Model& m) {
         m.buffers[3] = buffer(int32_bytes({0, 1, 5, 0, 0, 0, 0, 0}));
       },
       "tensor count 5 but the model's subgraphs have 6"},
      {"plan length",
       [](ir::Model& m) {
         m.buffers[3] = buffer(int32_bytes({0, 1, 6, 0, 0, 0, 0, 0}));
       },
       "5 offsets follow the header"},
      {"plan short",
       [](ir::Model& m) {
         m.buffers[3] = buffer(int32_bytes({0, 1}));
       },
       "too short for the 3-word header"},
      {"plan bytes",
       [](ir::Model& m) {
         m.buffers[3] = buffer({0, 0, 0});
       },
       "not a whole number of int32 words"},
      {"plan offset",
       [](ir::Model& m) {
         m.buffers[3] = buffer(int32_bytes({0, 1, 6, 0, 0, 0, 0, -2, 0}));
       },
       "subgraph 0 tensor 4 has offset -2"},
      {"plan twice",
       [](ir::Model& m) {
         m.metadata.push_back(ir::Metadata{"OfflineMemoryAllocation", 3});
       },
       "appears 2 times"},
  };
  for (const Case& c : cases) {
    ir::Model m = minimal_model();
    c.mutate(m);
    const std::string error = error_of([&] { read_ethosu_operators(m, "bad.tflite"); });
    EXPECT_NE(error.find(c.error), std::string::npos) << c.name << ": " << error;
    EXPECT_EQ(error.rfind("bad.tflite: ", 0), 0u) << c.name << ": " << error;
  }
}

}  // namespace
}  // namespace euc::npu
