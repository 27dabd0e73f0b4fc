// euc-run end to end: it is run from the build's bin/ folder.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_io.hpp"
#include "refinterp/npy.hpp"
#include "support/test_paths.hpp"

namespace euc::test {
namespace {

namespace fs = std::filesystem;

fs::path models() {
  return shared_dir() / "models";
}
fs::path golden(const std::string& model, const std::string& c, const std::string& file) {
  return models() / "golden" / model / c / file;
}

TEST(EucRun, HappyPathWritesOutputNpyIdenticalToGolden) {
  EUC_REQUIRE_SHARED();
  const fs::path out = temp_dir() / "out";
  const auto r =
      run_tool("euc-run", {(models() / "simple_add_model.tflite").string(), "--input",
                           golden("simple_add_model", "seed0", "input0.npy").string(), "--input",
                           golden("simple_add_model", "seed0", "input1.npy").string(),
                           "--output-dir", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file_bytes(out / "output0.npy"),
            read_file_bytes(golden("simple_add_model", "seed0", "output0.npy")));
}

TEST(EucRun, RawBinInputOfExactSizeIsAccepted) {
  EUC_REQUIRE_SHARED();
  const fs::path dir = temp_dir();
  const auto npy = read_file_bytes(golden("person_detect", "person", "input0.npy"));
  const auto array = refinterp::parse_npy(npy, "person");
  write_file_atomically(dir / "in.bin", array.data);
  const auto r =
      run_tool("euc-run", {(models() / "person_detect.tflite").string(), "--input",
                           (dir / "in.bin").string(), "--output-dir", (dir / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file_bytes(dir / "out" / "output0.npy"),
            read_file_bytes(golden("person_detect", "person", "output0.npy")));
}

TEST(EucRun, WrongInputCountIsExit1NamingTheExpectedInputs) {
  EUC_REQUIRE_SHARED();
  const auto r = run_tool("euc-run", {(models() / "simple_add_model.tflite").string(), "--input",
                                      golden("simple_add_model", "seed0", "input0.npy").string(),
                                      "--output-dir", (temp_dir() / "o").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("euc-run: error: model has 2 inputs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("int8 [1,128,128,1]"), std::string::npos) << r.err;
}

TEST(EucRun, WrongInputShapeIsExit1NamingInputAndExpectedShape) {
  EUC_REQUIRE_SHARED();
  const auto r = run_tool("euc-run", {(models() / "person_detect.tflite").string(), "--input",
                                      golden("hello_world_int8", "seed0", "input0.npy").string(),
                                      "--output-dir", (temp_dir() / "o").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("input 0 ('input'): expected int8 [1,96,96,1]"), std::string::npos) << r.err;
}

TEST(EucRun, WrongInputDtypeIsExit1NamingTheExpectedType) {
  EUC_REQUIRE_SHARED();
  const fs::path dir = temp_dir();
  const std::vector<int64_t> shape = {1, 96};
  write_file_atomically(dir / "i8.npy", refinterp::format_npy(ir::DataType::kInt8, shape,
                                                              std::vector<uint8_t>(96, 0)));
  const auto r =
      run_tool("euc-run", {(models() / "keyword_scrambled_8bit.tflite").string(), "--input",
                           (dir / "i8.npy").string(), "--output-dir", (dir / "o").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("expected int16 [1,96]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("holds int8 [1,96]"), std::string::npos) << r.err;
}

TEST(EucRun, BinInputOfWrongSizeIsExit1) {
  EUC_REQUIRE_SHARED();
  const fs::path dir = temp_dir();
  write_file_atomically(dir / "in.bin", std::vector<uint8_t>(5, 0));
  const auto r =
      run_tool("euc-run", {(models() / "hello_world_int8.tflite").string(), "--input",
                           (dir / "in.bin").string(), "--output-dir", (dir / "o").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("(1 bytes)"), std::string::npos) << r.err;
}

TEST(EucRun, MalformedNpyIsExit1) {
  EUC_REQUIRE_SHARED();
  const fs::path dir = temp_dir();
  write_file_atomically(dir / "bad.npy", std::string_view("not numpy"));
  const auto r =
      run_tool("euc-run", {(models() / "hello_world_int8.tflite").string(), "--input",
                           (dir / "bad.npy").string(), "--output-dir", (dir / "o").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("malformed .npy"), std::string::npos) << r.err;
}

TEST(EucRun, UnknownOptionIsUsageErrorExit2) {
  const auto r = run_tool("euc-run", {"model.tflite", "--frobnicate", "--output-dir", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("euc-run: error: ", 0), 0u) << r.err;
}

TEST(EucRun, MissingModelFileIsAnErrorNotACrash) {
  const auto r = run_tool("euc-run", {"/nonexistent/model.tflite", "--random-inputs", "1",
                                      "--output-dir", (temp_dir() / "o").string()});
  EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 2) << r.exit_code;
  EXPECT_EQ(r.err.rfind("euc-run: error: ", 0), 0u) << r.err;
}

TEST(EucRun, RandomInputsAndIntermediateDumpWriteFiles) {
  EUC_REQUIRE_SHARED();
  const fs::path dir = temp_dir();
  const auto r = run_tool("euc-run", {(models() / "hello_world_int8.tflite").string(),
                                      "--random-inputs", "7", "--output-dir", (dir / "o").string(),
                                      "--dump-intermediates", (dir / "d").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "o" / "output0.npy"));
  size_t dumped = 0;
  for (const auto& e : fs::directory_iterator(dir / "d")) {
    refinterp::parse_npy(read_file_bytes(e.path()), e.path().string());
    ++dumped;
  }
  EXPECT_EQ(dumped, 4u);  // input, two hidden activations, output
}

}  // namespace
}  // namespace euc::test
