// Every case of the shared golden vectors (computed by TFLite Micro's reference kernels) is
// reproduced byte for byte: output<k>.npy as we would write it equals the golden file.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_io.hpp"
#include "golden_support.hpp"
#include "refinterp/interpreter.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::test {
namespace {

namespace fs = std::filesystem;

// Runs every case folder of one golden model folder; returns the number of cases run.
int run_golden_folder(const fs::path& models_dir, const fs::path& golden_folder) {
  const std::string model = golden_model_file(golden_folder);
  EXPECT_FALSE(model.empty()) << golden_folder;
  refinterp::Interpreter interp(tfl::read_model_file(models_dir / model));
  int cases = 0;
  for (const std::string& c : subfolders(golden_folder)) {
    const fs::path case_dir = golden_folder / c;
    load_case_inputs(interp, case_dir);
    interp.invoke();
    for (size_t k = 0; k < interp.output_count(); ++k) {
      const fs::path expected = case_dir / ("output" + std::to_string(k) + ".npy");
      EXPECT_TRUE(output_npy(interp, k) == read_file_bytes(expected)) << "mismatch in " << expected;
    }
    ++cases;
  }
  return cases;
}

class ModelGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelGoldenTest, EveryCaseMatchesTfliteMicroBitExactly) {
  EUC_REQUIRE_SHARED();
  const fs::path models = shared_dir() / "models";
  EXPECT_GE(run_golden_folder(models, models / "golden" / GetParam()), 5);
}

INSTANTIATE_TEST_SUITE_P(Models, ModelGoldenTest,
                         ::testing::ValuesIn(subfolders(shared_dir() / "models" / "golden")));

class OpGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OpGoldenTest, BothCasesMatchTfliteMicroBitExactly) {
  EUC_REQUIRE_SHARED();
  const fs::path ops = shared_dir() / "models" / "ops";
  EXPECT_EQ(run_golden_folder(ops, ops / "golden" / GetParam()), 2);
}

INSTANTIATE_TEST_SUITE_P(
    Ops, OpGoldenTest, ::testing::ValuesIn(subfolders(shared_dir() / "models" / "ops" / "golden")));

// The Vela 5.1 supplement (models/ops51): three seeds per model.
class Op51GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(Op51GoldenTest, EveryCaseMatchesTfliteMicroBitExactly) {
  EUC_REQUIRE_SHARED();
  const fs::path ops = shared_dir() / "models" / "ops51";
  EXPECT_EQ(run_golden_folder(ops, ops / "golden" / GetParam()), 3);
}

INSTANTIATE_TEST_SUITE_P(Ops51, Op51GoldenTest,
                         ::testing::ValuesIn(subfolders(shared_dir() / "models" / "ops51" /
                                                        "golden")));
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ModelGoldenTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OpGoldenTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Op51GoldenTest);

// Without ../shared the suites above have no cases; this says so as a skipped test.
TEST(GoldenSuites, HaveTheirCases) {
  EUC_REQUIRE_SHARED();
  EXPECT_FALSE(subfolders(shared_dir() / "models" / "golden").empty());
  EXPECT_FALSE(subfolders(shared_dir() / "models" / "ops" / "golden").empty());
  EXPECT_FALSE(subfolders(shared_dir() / "models" / "ops51" / "golden").empty());
}

TEST(OpGoldenCorpus, HasAllNinetySingleOperatorModels) {
  EUC_REQUIRE_SHARED();
  EXPECT_EQ(subfolders(shared_dir() / "models" / "ops" / "golden").size(), 90u);
}

TEST(Op51GoldenCorpus, HasAllTwentyFourSingleOperatorModels) {
  EUC_REQUIRE_SHARED();
  EXPECT_EQ(subfolders(shared_dir() / "models" / "ops51" / "golden").size(), 24u);
}

// The person image must score higher on "person" (output index 1) than the no-person image,
// both with pixel - 128 inputs and with raw bytes.
TEST(PersonDetect, PersonImageScoresHigherOnPersonThanNoPersonImage) {
  EUC_REQUIRE_SHARED();
  const fs::path models = shared_dir() / "models";
  refinterp::Interpreter interp(tfl::read_model_file(models / "person_detect.tflite"));
  const auto person_score = [&](const std::string& c) {
    load_case_inputs(interp, models / "golden" / "person_detect" / c);
    interp.invoke();
    return static_cast<int8_t>(interp.output(0)[1]);
  };
  EXPECT_GT(person_score("person"), person_score("no_person"));
  EXPECT_GT(person_score("person_raw"), person_score("no_person_raw"));
}

}  // namespace
}  // namespace euc::test
