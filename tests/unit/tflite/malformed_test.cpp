// A corpus of malformed models: each must give an input error that names the problem, never a
// crash. Mutations are applied to the IR of a real model and written with our writer, which
// does not validate, so the reader sees exactly the defect under test.
#include <gtest/gtest.h>

#include <random>

#include <tflite/schema_generated.h>

#include <cstring>

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

TEST(TfliteMalformed, NoSubgraphsIsRejected) {
  ir::Model m = person_detect();
  m.subgraphs.clear();
  EXPECT_NE(read_error(m).find("no subgraphs"), std::string::npos);
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
