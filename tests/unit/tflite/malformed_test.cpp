// A corpus of malformed models: each must give an input error that names the problem, never a
// crash. Mutations are applied to the IR of a real model and written with our writer, which
// does not validate, so the reader sees exactly the defect under test.
#include <gtest/gtest.h>

#include <random>

#include <tflite/schema_generated.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc {
namespace {

ir::Model person_detect() {
  return tfl::read_model_file(test::source_dir() / "models" / "person_detect.tflite");
}

std::vector<uint8_t> person_detect_bytes() {
  return tfl::write_model(person_detect());
}

// Reads `bytes` and returns the error message, failing the test if it reads fine.
std::string read_error(const std::vector<uint8_t>& bytes) {
  try {
    tfl::read_model(bytes, "bad.tflite");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    return e.what();
  }
  ADD_FAILURE() << "model was accepted";
  return {};
}

std::string read_error(const ir::Model& m) {
  return read_error(tfl::write_model(m));
}

TEST(TfliteMalformed, EmptyFileIsRejected) {
  EXPECT_NE(read_error(std::vector<uint8_t>{}).find("bad.tflite: not a TFLite model"),
            std::string::npos);
}

TEST(TfliteMalformed, RandomBytesAreRejected) {
  std::mt19937 rng(7);
  for (size_t size : {1u, 7u, 8u, 64u, 4096u}) {
    std::vector<uint8_t> bytes(size);
    for (auto& b : bytes)
      b = static_cast<uint8_t>(rng());
    EXPECT_NE(read_error(bytes).find("bad.tflite:"), std::string::npos);
  }
  // Random bytes behind a valid identifier reach the verifier.
  std::vector<uint8_t> bytes(4096);
  for (auto& b : bytes)
    b = static_cast<uint8_t>(rng());
  std::memcpy(bytes.data() + 4, "TFL3", 4);
  EXPECT_NE(read_error(bytes).find("verification failed"), std::string::npos);
}

TEST(TfliteMalformed, TruncatedModelsAreRejectedAtEveryCut) {
  std::vector<uint8_t> full = person_detect_bytes();
  for (size_t cut : {size_t{0}, size_t{4}, size_t{8}, size_t{100}, full.size() / 3, full.size() / 2,
                     full.size() - 100, full.size() - 1}) {
    std::vector<uint8_t> part(full.begin(), full.begin() + static_cast<ptrdiff_t>(cut));
    SCOPED_TRACE(cut);
    EXPECT_FALSE(read_error(part).empty());
  }
}

TEST(TfliteMalformed, WrongIdentifierIsNamed) {
  std::vector<uint8_t> bytes = person_detect_bytes();
  std::memcpy(bytes.data() + 4, "TFL2", 4);
  EXPECT_NE(read_error(bytes).find("file identifier is 'TFL2', expected 'TFL3'"),
            std::string::npos);
}

TEST(TfliteMalformed, OutOfRangeTensorIndexNamesTheOperator) {
  ir::Model m = person_detect();
  m.subgraphs[0].operators[3].inputs[0] = 9999;
  std::string e = read_error(m);
  EXPECT_NE(e.find("subgraph 0 operator 3"), std::string::npos) << e;
  EXPECT_NE(e.find("tensor 9999"), std::string::npos) << e;
}

TEST(TfliteMalformed, OutOfRangeOutputAndSubgraphIoAreNamed) {
  ir::Model m = person_detect();
  m.subgraphs[0].outputs[0] = -5;
  EXPECT_NE(read_error(m).find("output list refers to tensor -5"), std::string::npos);
}

TEST(TfliteMalformed, OutOfRangeBufferIndexNamesTheTensor) {
  ir::Model m = person_detect();
  m.subgraphs[0].tensors[2].buffer = 100000;
  std::string e = read_error(m);
  EXPECT_NE(e.find("subgraph 0 tensor 2"), std::string::npos) << e;
  EXPECT_NE(e.find("buffer index 100000 out of range"), std::string::npos) << e;
}

TEST(TfliteMalformed, OutOfRangeOpcodeIndexIsNamed) {
  // The writer rebuilds the opcode table from the IR, so corrupt the index in the written
  // flatbuffer in place (an operator with a non-default index, so the field is stored).
  std::vector<uint8_t> bytes = person_detect_bytes();
  const auto* fb = tflite::GetModel(bytes.data());
  const auto* ops = fb->subgraphs()->Get(0)->operators();
  uint32_t victim = 0;
  while (victim < ops->size() && ops->Get(victim)->opcode_index() == 0)
    ++victim;
  ASSERT_LT(victim, ops->size());
  ASSERT_TRUE(const_cast<tflite::Operator*>(ops->Get(victim))->mutate_opcode_index(77));
  std::string e = read_error(bytes);
  EXPECT_NE(e.find("subgraph 0 operator " + std::to_string(victim) +
                   ": operator code index 77 out of range"),
            std::string::npos)
      << e;
}

TEST(TfliteMalformed, NegativeDimensionIsNamed) {
  ir::Model m = person_detect();
  m.subgraphs[0].tensors[4].shape[1] = -3;
  std::string e = read_error(m);
  EXPECT_NE(e.find("subgraph 0 tensor 4"), std::string::npos) << e;
  EXPECT_NE(e.find("negative dimension -3"), std::string::npos) << e;
}

TEST(TfliteMalformed, HugeDimensionsAreRejected) {
  ir::Model m = person_detect();
  m.subgraphs[0].tensors[4].shape = {65536, 65536, 65536, 65536};
  EXPECT_NE(read_error(m).find("more than 2^40 elements"), std::string::npos);
}

TEST(TfliteMalformed, BufferShorterThanItsTensorIsNamed) {
  ir::Model m = person_detect();
  // Find a constant tensor and give it a one-byte-short buffer.
  auto& sg = m.subgraphs[0];
  for (size_t t = 0; t < sg.tensors.size(); ++t) {
    auto& buf = m.buffers[sg.tensors[t].buffer];
    if (!buf.has_data())
      continue;
    auto shorter = std::make_shared<ir::Bytes>(buf.bytes().begin(), buf.bytes().end() - 1);
    buf.data = shorter;
    std::string e = read_error(m);
    EXPECT_NE(e.find("subgraph 0 tensor " + std::to_string(t)), std::string::npos) << e;
    EXPECT_NE(e.find("needs"), std::string::npos) << e;
    return;
  }
  FAIL() << "no constant tensor";
}

TEST(TfliteMalformed, BadPerAxisQuantizationIsNamed) {
  ir::Model m = person_detect();
  auto& sg = m.subgraphs[0];
  for (size_t t = 0; t < sg.tensors.size(); ++t) {
    auto& q = sg.tensors[t].quantization;
    if (!q || !q->per_axis())
      continue;
    q->scale.pop_back();
    q->zero_point.pop_back();
    EXPECT_NE(read_error(m).find("per-axis scales"), std::string::npos);
    return;
  }
  // person_detect uses per-tensor weights only: build a per-axis defect on a weight tensor.
  auto& t = sg.tensors[1];
  t.quantization = ir::Quantization{{0.5f, 0.25f}, {0, 0}, {}, {}, 9, {}};
  EXPECT_NE(read_error(m).find("quantized dimension 9"), std::string::npos);
}

TEST(TfliteMalformed, UnknownTensorTypeIsNamed) {
  ir::Model m = person_detect();
  m.subgraphs[0].tensors[0].type = static_cast<ir::DataType>(99);
  EXPECT_NE(read_error(m).find("unknown tensor type 99"), std::string::npos);
}

TEST(TfliteMalformed, MetadataAndSignatureIndicesAreChecked) {
  ir::Model m = person_detect();
  m.metadata.push_back({"extra", 123456});
  EXPECT_NE(read_error(m).find("metadata"), std::string::npos);
  m = person_detect();
  m.signature_defs.push_back({{{"x", 5000}}, {}, "serving", 0});
  EXPECT_NE(read_error(m).find("tensor map 'x' refers to tensor 5000"), std::string::npos);
}

// Found by fuzz_compile: a signature output that is no subgraph output survived in the compiled
// model after the compiler removed its tensor, and the output did not read back.
TEST(TfliteMalformed, SignatureNamingATensorOutsideTheSubgraphIoIsNamed) {
  ir::Model m = person_detect();
  const auto& sg = m.subgraphs[0];
  const int32_t inner = sg.operators[0].outputs[0];
  m.signature_defs.push_back({{{"image", static_cast<uint32_t>(sg.inputs[0])}},
                              {{"features", static_cast<uint32_t>(inner)}},
                              "serving",
                              0});
  EXPECT_NE(
      read_error(m).find("signature 0 'serving': output 'features' is tensor " +
                         std::to_string(inner) + ", which is not one of subgraph 0's outputs"),
      std::string::npos)
      << read_error(m);
  m.signature_defs.back().inputs[0].tensor_index = static_cast<uint32_t>(inner);
  EXPECT_NE(read_error(m).find("input 'image' is tensor"), std::string::npos);
}

TEST(TfliteMalformed, NoSubgraphsIsRejected) {
  ir::Model m = person_detect();
  m.subgraphs.clear();
  EXPECT_NE(read_error(m).find("no subgraphs"), std::string::npos);
}

// Operator 0 of person_detect and the tensors it reads and writes.
struct FirstOp {
  int32_t input;   // its feature-map input, the subgraph's input
  int32_t output;  // what it writes, read by operator 1
};

FirstOp first_op(const ir::Model& m) {
  const auto& sg = m.subgraphs[0];
  return {sg.operators[0].inputs[0], sg.operators[0].outputs[0]};
}

TEST(TfliteMalformed, OmittedOperatorOutputIsNamed) {
  ir::Model m = person_detect();
  m.subgraphs[0].operators[2].outputs[0] = -1;
  std::string e = read_error(m);
  EXPECT_NE(e.find("subgraph 0 operator 2 (CONV_2D): output 0 is omitted (tensor index -1); only "
                   "optional inputs may be omitted"),
            std::string::npos)
      << e;
}

TEST(TfliteMalformed, OperatorWritingAConstantIsNamed) {
  ir::Model m = person_detect();
  auto& sg = m.subgraphs[0];
  const int32_t weights = sg.operators[0].inputs[1];
  sg.operators[0].outputs[0] = weights;
  std::string e = read_error(m);
  EXPECT_NE(e.find("subgraph 0 operator 0 (DEPTHWISE_CONV_2D): output 0 is tensor " +
                   std::to_string(weights) + " '" + sg.tensors[weights].name + "', a constant"),
            std::string::npos)
      << e;
}

TEST(TfliteMalformed, OperatorWritingASubgraphInputIsNamed) {
  ir::Model m = person_detect();
  FirstOp f = first_op(m);
  m.subgraphs[0].operators[1].outputs[0] = f.input;
  std::string e = read_error(m);
  EXPECT_NE(e.find("operator 1 (DEPTHWISE_CONV_2D): output 0 is tensor " + std::to_string(f.input)),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("an input of the subgraph"), std::string::npos) << e;
}

TEST(TfliteMalformed, TensorWrittenTwiceNamesBothWriters) {
  ir::Model m = person_detect();
  FirstOp f = first_op(m);
  m.subgraphs[0].operators[1].outputs[0] = f.output;
  std::string e = read_error(m);
  EXPECT_NE(
      e.find("operator 1 (DEPTHWISE_CONV_2D): output 0 is tensor " + std::to_string(f.output)),
      std::string::npos)
      << e;
  EXPECT_NE(e.find("which subgraph 0 operator 0 (DEPTHWISE_CONV_2D) already writes"),
            std::string::npos)
      << e;
}

TEST(TfliteMalformed, OperatorReadingALaterTensorIsNamed) {
  ir::Model m = person_detect();
  auto& sg = m.subgraphs[0];
  // Operator 0 reads what operator 1 writes.
  sg.operators[0].inputs[0] = sg.operators[1].outputs[0];
  std::string e = read_error(m);
  EXPECT_NE(e.find("operator 0 (DEPTHWISE_CONV_2D): input 0 is tensor"), std::string::npos) << e;
  EXPECT_NE(e.find("written by subgraph 0 operator 1 (DEPTHWISE_CONV_2D), which comes later"),
            std::string::npos)
      << e;
  // An operator reading its own output.
  m = person_detect();
  m.subgraphs[0].operators[0].inputs[0] = m.subgraphs[0].operators[0].outputs[0];
  EXPECT_NE(read_error(m).find("written by this operator itself"), std::string::npos);
  // Unless it is a variable tensor, which an operator may update in place (its state).
  const int t = m.subgraphs[0].operators[0].outputs[0];
  m.subgraphs[0].tensors[static_cast<size_t>(t)].is_variable = true;
  EXPECT_NO_THROW(tfl::read_model(tfl::write_model(m), "state.tflite"));
}

TEST(TfliteMalformed, SubgraphOutputWithoutAValueIsNamed) {
  ir::Model m = person_detect();
  auto& sg = m.subgraphs[0];
  // A fresh tensor nothing writes.
  sg.tensors.push_back(sg.tensors[sg.outputs[0]]);
  sg.tensors.back().name = "orphan";
  sg.outputs.push_back(static_cast<int32_t>(sg.tensors.size() - 1));
  EXPECT_NE(read_error(m).find("subgraph 0: output tensor " +
                               std::to_string(sg.tensors.size() - 1) + " 'orphan' has no value"),
            std::string::npos);
}

TEST(TfliteMalformed, ConstantSubgraphInputIsNamed) {
  ir::Model m = person_detect();
  auto& sg = m.subgraphs[0];
  const int32_t weights = sg.operators[0].inputs[1];
  sg.inputs.push_back(weights);
  std::string e = read_error(m);
  EXPECT_NE(e.find("subgraph 0: input tensor " + std::to_string(weights) + " '" +
                   sg.tensors[weights].name + "' is a constant"),
            std::string::npos)
      << e;
}

TEST(TfliteMalformed, NegativeOrNanScaleIsNamed) {
  ir::Model m = person_detect();
  auto& t = m.subgraphs[0].tensors[first_op(m).input];
  t.quantization->scale = {-0.5f};
  std::string e = read_error(m);
  EXPECT_NE(e.find("'" + t.name + "': quantisation scale is -0.5, but a scale cannot be negative"),
            std::string::npos)
      << e;
  t.quantization->scale = {std::nanf("")};
  EXPECT_NE(read_error(m).find("quantisation scale is not a number"), std::string::npos);
  // Per-axis scales name the channel.
  t.quantization->scale = {0.5f, -0.25f};
  t.quantization->zero_point = {0, 0};
  t.quantization->quantized_dimension = 3;
  t.shape[3] = 2;
  EXPECT_NE(read_error(m).find("quantisation scale 1 is -0.25"), std::string::npos);
}

TEST(TfliteMalformed, ZeroAndInfiniteScalesAreLeftToTheOperatorChecks) {
  // TFLite's converter gives an all-zero range scale 0; Vela keeps an operator with an infinite
  // scale on the CPU. Neither is a malformed file.
  ir::Model m = person_detect();
  auto& t = m.subgraphs[0].tensors[first_op(m).input];
  t.quantization->scale = {0.0f};
  EXPECT_NO_THROW(tfl::read_model(tfl::write_model(m), "zero.tflite"));
  t.quantization->scale = {std::numeric_limits<float>::infinity()};
  EXPECT_NO_THROW(tfl::read_model(tfl::write_model(m), "inf.tflite"));
}

TEST(TfliteMalformed, MissingFileIsAUsageError) {
  try {
    tfl::read_model_file("/nonexistent/model.tflite");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.tflite: no such file"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace euc
