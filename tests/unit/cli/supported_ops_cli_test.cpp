// `euc --supported-ops-report` and `euc MODEL --show-cpu-operations` as a user runs them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "e2e/small_network.hpp"
#include "frontend/supported/supported_ops.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc {
namespace {

using test::run_tool;

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t count(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

// Runs euc with the current folder set to `dir` (the report goes to the current folder).
test::CommandResult run_in(const std::filesystem::path& dir, const std::vector<std::string>& args) {
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  auto result = run_tool("euc", args);
  std::filesystem::current_path(previous);
  return result;
}

TEST(SupportedOpsCli, ReportIsWrittenToTheCurrentFolderWithoutANetwork) {
  auto dir = test::temp_dir();
  auto r = run_in(dir, {"--supported-ops-report"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto path = dir / "SUPPORTED_OPS.md";
  EXPECT_EQ(r.out, "Report file: " + path.string() + "\n");
  EXPECT_EQ(slurp(path), frontend::supported_ops_report());
}

TEST(SupportedOpsCli, ReportReplacesAnOlderFile) {
  auto dir = test::temp_dir();
  std::ofstream(dir / "SUPPORTED_OPS.md") << "stale";
  ASSERT_EQ(run_in(dir, {"--supported-ops-report"}).exit_code, 0);
  EXPECT_EQ(slurp(dir / "SUPPORTED_OPS.md"), frontend::supported_ops_report());
  // Only the report is left: the temporary file of the atomic write is gone.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir))
    ++files;
  EXPECT_EQ(files, 1u);
}

TEST(SupportedOpsCli, ShowCpuOperationsOnAWhollyLoweredModelListsNothing) {
  auto out = test::temp_dir();
  auto r = run_tool("euc", {(test::source_dir() / "models/person_detect.tflite").string(),
                            "--show-cpu-operations", "--output-dir", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Every operator passes the NPU's constraints and euc lowers every one, the softmax included.
  EXPECT_NE(r.out.find("CPU operators = 0 of 31 (0.0%)\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("euc does not lower"), std::string::npos) << r.out;
}

TEST(SupportedOpsCli, ShowCpuOperationsSaysWhyEucKeepsAVelaTypeOnTheCpu) {
  auto out = test::temp_dir();
  // An int8 EXP passes Vela's constraints, but TensorFlow Lite Micro computes EXP on float32
  // only: there is no integer result for the NPU to reproduce.
  test::Net n;
  const int in = n.tensor("input", {1, 8, 8, 16}, 0.05f, -3);
  const int exp = n.tensor("exp", {1, 8, 8, 16}, 0.2f, -128);
  n.op(ir::BuiltinOp::EXP, {in}, {exp});
  n.io({in}, {exp});
  const auto bytes = tfl::write_model(n.model());
  const auto model = out / "exp_int8.tflite";
  std::ofstream(model, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  auto r = run_tool("euc", {model.string(), "--show-cpu-operations", "--output-dir", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CPU operators = 1 of 1 (100.0%)\n  op   0 EXP 'exp'"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("TensorFlow Lite Micro's EXP kernel computes float32 tensors only"),
            std::string::npos)
      << r.out;
}

TEST(SupportedOpsCli, ShowCpuOperationsListsEachCpuOperatorWithItsReasons) {
  EUC_REQUIRE_SHARED();
  auto out = test::temp_dir();
  auto r = run_tool("euc", {(test::shared_dir() / "models/keyword_scrambled_8bit.tflite").string(),
                            "--show-cpu-operations", "--output-dir", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Vela 5.1 leaves 8 of the 15 operators on the CPU (reference/vela_figures.csv): the seven
  // SVDFs, which euc lowers (svdf.cpp), and the final int16 -> int32 QUANTIZE. The first
  // QUANTIZE runs on the NPU as a rescale, the int8 -> int16 SOFTMAX (which Vela 3.10 also left
  // on the CPU) as its chain of NPU operations.
  EXPECT_NE(r.out.find("CPU operators = 1 of 15 (6.7%)\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("SVDF"), std::string::npos) << r.out;
  EXPECT_EQ(count(r.out, "  op "), 1u) << r.out;
  EXPECT_EQ(r.out.find("SOFTMAX"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  op  14 QUANTIZE\n      - Feature-map, weight and output tensors are "
                       "not int32"),
            std::string::npos)
      << r.out;
}

TEST(SupportedOpsCli, ShowCpuOperationsNamesTheOutputAndHonoursForcedSymmetricWeights) {
  EUC_REQUIRE_SHARED();
  auto dir = test::temp_dir();
  ir::Model model = tfl::read_model_file(test::shared_dir() /
                                         "models/ops/conv2d_k3s1_same_relu6_d8o8_int8.tflite");
  ir::Subgraph& sg = model.subgraphs[0];
  sg.tensors[sg.operators[0].inputs[1]].quantization->zero_point.assign(8, 3);
  auto path = dir / "asymmetric.tflite";
  tfl::write_model_file(path, model);

  auto r = run_tool("euc", {path.string(), "--show-cpu-operations", "--output-dir", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string output_name = sg.tensors[sg.operators[0].outputs[0]].name;
  EXPECT_NE(r.out.find("CPU operators = 1 of 1 (100.0%)\n  op   0 CONV_2D '" + output_name +
                       "'\n      - With int8 or int16 IFMs the weights' zero points are 0"),
            std::string::npos)
      << r.out;

  r = run_tool("euc", {path.string(), "--show-cpu-operations", "--force-symmetric-int-weights",
                       "--output-dir", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CPU operators = 0 of 1 (0.0%)\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace euc
