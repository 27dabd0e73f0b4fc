#include <gtest/gtest.h>
#include <tflite/schema_generated.h>

#include <filesystem>

#include "core/file_io.hpp"
#include "support/test_paths.hpp"
#include "tflite/options.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> shared_models() {
  std::vector<fs::path> out;
  for (const auto& root : {test::shared_dir() / "models", test::shared_dir() / "reference"}) {
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().extension() == ".tflite")
        out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every Buffer.data vector in a written file starts on a 16-byte boundary.
void expect_buffers_aligned(const std::vector<uint8_t>& bytes, const fs::path& name) {
  const tflite::Model* m = tflite::GetModel(bytes.data());
  ASSERT_NE(m->buffers(), nullptr);
  for (const tflite::Buffer* b : *m->buffers()) {
    if (b->data() == nullptr || b->data()->size() == 0)
      continue;
    auto offset = static_cast<size_t>(b->data()->data() - bytes.data());
    EXPECT_EQ(offset % 16, 0u) << name;
  }
}

TEST(TfliteRoundTrip, EverySharedModelReadsWritesAndReadsBackIdentically) {
  EUC_REQUIRE_SHARED();
  auto models = shared_models();
  ASSERT_GT(models.size(), 20u);
  for (const fs::path& path : models) {
    SCOPED_TRACE(path.string());
    ir::Model first = tfl::read_model_file(path);
    std::vector<uint8_t> written = tfl::write_model(first);
    ir::Model second = tfl::read_model(written, "rewritten");
    EXPECT_TRUE(first == second);
    // Check the parts one by one too, so a failure says where.
    ASSERT_EQ(first.subgraphs.size(), second.subgraphs.size());
    for (size_t s = 0; s < first.subgraphs.size(); ++s) {
      const auto& a = first.subgraphs[s];
      const auto& b = second.subgraphs[s];
      ASSERT_EQ(a.tensors.size(), b.tensors.size());
      for (size_t t = 0; t < a.tensors.size(); ++t)
        EXPECT_TRUE(a.tensors[t] == b.tensors[t]) << t;
      ASSERT_EQ(a.operators.size(), b.operators.size());
      for (size_t o = 0; o < a.operators.size(); ++o) {
        EXPECT_TRUE(a.operators[o] == b.operators[o]) << "operator " << o;
      }
    }
    EXPECT_TRUE(first.buffers == second.buffers);
    EXPECT_TRUE(first.metadata == second.metadata);
    EXPECT_TRUE(first.signature_defs == second.signature_defs);
    expect_buffers_aligned(written, path);
    // Writing is deterministic and idempotent.
    EXPECT_EQ(written, tfl::write_model(second));
  }
}

TEST(TfliteReader, ShippedPersonDetectHasTheDocumentedGraph) {
  ir::Model m = tfl::read_model_file(test::source_dir() / "models" / "person_detect.tflite");
  ASSERT_EQ(m.subgraphs.size(), 1u);
  const ir::Subgraph& sg = m.subgraphs[0];
  int dw = 0, conv = 0, other = 0;
  for (const auto& op : sg.operators) {
    if (op.type == ir::BuiltinOp::DEPTHWISE_CONV_2D) {
      ++dw;
    } else if (op.type == ir::BuiltinOp::CONV_2D) {
      ++conv;
    } else {
      ++other;
    }
  }
  // models/README: DEPTHWISE_CONV_2D x14, CONV_2D x14, AVERAGE_POOL_2D, RESHAPE, SOFTMAX.
  EXPECT_EQ(conv, 14);
  EXPECT_EQ(dw, 14);
  EXPECT_EQ(other, 3);
  ASSERT_EQ(sg.inputs.size(), 1u);
  const ir::Tensor& in = sg.tensors[sg.inputs[0]];
  EXPECT_EQ(in.type, ir::DataType::kInt8);
  EXPECT_EQ(in.shape, (std::vector<int32_t>{1, 96, 96, 1}));
  const ir::Tensor& out = sg.tensors[sg.outputs[0]];
  EXPECT_EQ(out.shape, (std::vector<int32_t>{1, 2}));
  // MobileNet V1's stem (Conv2d_0) is a stride-2 depthwise convolution of the 1-channel input
  // in this model; its options survive as a typed table.
  const ir::Operator& first = sg.operators[0];
  ASSERT_EQ(first.type, ir::BuiltinOp::DEPTHWISE_CONV_2D);
  EXPECT_NE(sg.tensors[first.outputs[0]].name.find("Conv2d_0/"), std::string::npos);
  const auto* opts = tfl::builtin_options_as<tflite::DepthwiseConv2DOptions>(first);
  ASSERT_NE(opts, nullptr);
  EXPECT_EQ(opts->stride_w(), 2);
  EXPECT_EQ(opts->stride_h(), 2);
  EXPECT_EQ(opts->padding(), tflite::Padding::SAME);
  EXPECT_EQ(opts->depth_multiplier(), sg.tensors[first.outputs[0]].shape[3]);
  EXPECT_EQ(tfl::builtin_options_as<tflite::Conv2DOptions>(first), nullptr);
}

TEST(TfliteReader, VelaCompiledModelKeepsItsCustomOperatorAndOptions) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models" / "person_detect_vela.tflite");
  const auto& ops = m.subgraphs[0].operators;
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].type, ir::BuiltinOp::CUSTOM);
  EXPECT_EQ(ops[0].custom_code, "ethos-u");
  // docs/npu_architecture.md §Driver payload: the custom options flexbuffer is 01 04 01.
  EXPECT_EQ(ops[0].custom_options, (ir::Bytes{0x01, 0x04, 0x01}));
  EXPECT_NE(m.find_metadata("OfflineMemoryAllocation"), nullptr);
}

TEST(TfliteReader, KeywordModelKeepsSvdfOptions) {
  EUC_REQUIRE_SHARED();
  ir::Model m =
      tfl::read_model_file(test::shared_dir() / "models" / "keyword_scrambled_8bit.tflite");
  int svdf = 0;
  for (const auto& op : m.subgraphs[0].operators) {
    if (op.type != ir::BuiltinOp::SVDF)
      continue;
    ++svdf;
    const auto* o = tfl::builtin_options_as<tflite::SVDFOptions>(op);
    ASSERT_NE(o, nullptr);
    EXPECT_GT(o->rank(), 0);
  }
  EXPECT_EQ(svdf, 7);
}

TEST(TfliteWriter, WritesAtomicallyAndReadsBack) {
  ir::Model m = tfl::read_model_file(test::source_dir() / "models" / "person_detect.tflite");
  fs::path dir = test::temp_dir();
  tfl::write_model_file(dir / "out.tflite", m);
  EXPECT_TRUE(tfl::read_model_file(dir / "out.tflite") == m);
  // Only the output itself is left behind; no temporary files.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

}  // namespace
}  // namespace euc
