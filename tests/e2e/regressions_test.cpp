// Models euc once compiled wrongly (tests/data/regressions, and any newer ones in
// ../shared/regressions), each compiled with the command-line tool under six configurations and
// run with euc-run (NPU parts on the functional model): the outputs must equal TensorFlow Lite
// Micro's byte for byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "support/test_paths.hpp"

namespace euc {
namespace {

namespace fs = std::filesystem;

// The configurations of shared/regressions/README.md.
const std::vector<std::vector<std::string>>& configurations() {
  static const std::vector<std::vector<std::string>> all = {
      {},
      {"--optimise", "Size"},
      {"--accelerator-config", "ethos-u55-32", "--system-config", "Ethos_U55_High_End_Embedded",
       "--memory-mode", "Shared_Sram"},
      {"--accelerator-config", "ethos-u65-512", "--system-config", "Ethos_U65_High_End",
       "--memory-mode", "Dedicated_Sram"},
      {"--accelerator-config", "ethos-u65-256", "--system-config", "Ethos_U65_High_End",
       "--memory-mode", "Dedicated_Sram", "--arena-cache-size", "2048"},
      {"--accelerator-config", "ethos-u55-128", "--tensor-allocator", "Greedy",
       "--disable-cascading"},
      // Not in the README's list: the cross_segment_* cases failed when their MEAN stayed on the
      // CPU between two ethos-u operators; euc now lowers MEAN, so keeping it on the CPU is what
      // still exercises tensors that cross ethos-u operators.
      {"--ignore-ops", "MEAN"},
  };
  return all;
}

struct Case {
  fs::path folder;
  size_t config = 0;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.folder.filename().string() << " config " << c.config + 1;
}

std::vector<Case> cases() {
  std::vector<fs::path> folders;
  std::set<std::string> names;
  auto add = [&](const fs::path& root) {
    for (const std::string& name : test::subfolders(root)) {
      if (fs::exists(root / name / "model.tflite") && names.insert(name).second)
        folders.push_back(root / name);
    }
  };
  add(test::source_dir() / "tests" / "data" / "regressions");
  if (test::have_shared())
    add(test::shared_dir() / "regressions");
  std::vector<Case> out;
  for (const fs::path& f : folders) {
    for (size_t k = 0; k < configurations().size(); ++k)
      out.push_back({f, k});
  }
  return out;
}

class Regression : public ::testing::TestWithParam<Case> {};

TEST_P(Regression, CompiledModelGivesTheReferenceOutputs) {
  const Case& c = GetParam();
  const fs::path dir = test::temp_dir();
  std::vector<std::string> args = {(c.folder / "model.tflite").string(), "--output-dir",
                                   dir.string()};
  for (const std::string& a : configurations()[c.config])
    args.push_back(a);
  const auto compiled = test::run_tool("euc", args);
  ASSERT_EQ(compiled.exit_code, 0) << compiled.err;
  std::vector<std::string> run = {(dir / "model_vela.tflite").string(), "--output-dir",
                                  (dir / "out").string()};
  int outputs = 0;
  for (const auto& e : fs::directory_iterator(c.folder)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("output", 0) == 0)
      ++outputs;
  }
  for (int k = 0; fs::exists(c.folder / ("input" + std::to_string(k) + ".npy")); ++k) {
    run.push_back("--input");
    run.push_back((c.folder / ("input" + std::to_string(k) + ".npy")).string());
  }
  const auto ran = test::run_tool("euc-run", run);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  ASSERT_GT(outputs, 0);
  for (int k = 0; k < outputs; ++k) {
    const std::string file = "output" + std::to_string(k) + ".npy";
    EXPECT_EQ(read_file_bytes(dir / "out" / file), read_file_bytes(c.folder / file))
        << file << " differs";
  }
}

INSTANTIATE_TEST_SUITE_P(All, Regression, ::testing::ValuesIn(cases()));

}  // namespace
}  // namespace euc
