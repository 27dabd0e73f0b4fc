// The hazard checker on real streams: every Vela output in ../shared must pass it (Vela's waits
// and BLOCKDEPs are the reference the checker's model must accept), and so must euc's own
// outputs of the shared models under the configurations of the timing comparison (a-d) and of
// the single-operator corpora.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "arch/config_file.hpp"
#include "core/error.hpp"
#include "driver/compiler.hpp"
#include "npu/command.hpp"
#include "npu/ethosu_op.hpp"
#include "npu/operation.hpp"
#include "npuhazard/hazard_check.hpp"
#include "support/reference_configs.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::npuhazard {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> tflite_files(const fs::path& dir, bool recursive) {
  std::vector<fs::path> out;
  if (!fs::exists(dir))
    return out;
  auto take = [&](const fs::directory_entry& e) {
    if (e.path().extension() == ".tflite")
      out.push_back(e.path());
  };
  if (recursive)
    for (const auto& e : fs::recursive_directory_iterator(dir))
      take(e);
  else
    for (const auto& e : fs::directory_iterator(dir))
      take(e);
  std::sort(out.begin(), out.end());
  return out;
}

// Hazard lines of one model, "" when it has none.
std::string check(const ir::Model& model, const std::string& name) {
  return format_hazards(check_model(model, name), name);
}

TEST(SharedOutputs, EveryVelaOutputPasses) {
  EUC_REQUIRE_SHARED();
  const fs::path ref = test::shared_dir() / "reference";
  std::size_t checked = 0;
  for (const char* corpus : {"vela_outputs", "vela_outputs_ops"}) {
    for (const fs::path& f : tflite_files(ref / corpus, true)) {
      const std::string name = f.string();
      EXPECT_EQ(check(tfl::read_model_file(name), name), "");
      ++checked;
    }
  }
  EXPECT_GE(checked, 48u + 228u);
}

TEST(SharedOutputs, EucRunCheckHazardsReportsAndFails) {
  EUC_REQUIRE_SHARED();
  const fs::path vela =
      test::shared_dir() / "reference/vela_outputs/vela3.10/a/person_detect_vela.tflite";
  const test::CommandResult ok = test::run_tool("euc-run", {vela.string(), "--check-hazards"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("no hazard in 1 ethos-u operators"), std::string::npos) << ok.out;
  // Vela relies on the in-order block pipeline: the strict check finds its overlaps.
  const fs::path pad =
      test::shared_dir() / "reference/vela_outputs_ops/vela5.1/pad_h1w2_int8_vela.tflite";
  const test::CommandResult strict =
      test::run_tool("euc-run", {pad.string(), "--check-hazards", "--strict-hazards"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.err.find("euc-run: error: hazards found:"), std::string::npos) << strict.err;
  EXPECT_NE(strict.err.find("BLOCKDEP 3 after POOL"), std::string::npos) << strict.err;
}

// The largest BLOCKDEP in the compiled model's command streams.
int largest_blockdep(const fs::path& compiled) {
  int largest = 0;
  for (const npu::EthosuOperator& op :
       npu::read_ethosu_operators(tfl::read_model_file(compiled.string()), "compiled"))
    for (const npu::NpuOperation& o :
         npu::extract_operations(npu::decode_stream(op.payload.command_words)))
      if (o.block)
        largest = std::max(largest, o.block->blockdep);
  return largest;
}

TEST(SharedOutputs, MaxBlockDependencyCapsBlockdep) {
  EUC_REQUIRE_SHARED();
  const fs::path model = test::shared_dir() / "models/person_detect.tflite";
  for (const char* cap : {"3", "0"}) {
    const fs::path dir = test::temp_dir() / cap;
    const test::CommandResult r = test::run_tool(
        "euc", {model.string(), "--output-dir", dir.string(), "--max-block-dependency", cap});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const fs::path out = dir / "person_detect_vela.tflite";
    EXPECT_EQ(largest_blockdep(out), std::string(cap) == "3" ? 3 : 0);
    const test::CommandResult check = test::run_tool("euc-run", {out.string(), "--check-hazards"});
    EXPECT_EQ(check.exit_code, 0) << check.err;
  }
}

using Config = test::ReferenceConfig;
constexpr const auto& kConfigs = test::kReferenceConfigs;

// Compiles `model` under `c` and checks the output; compile refusals are not this test's
// business (other suites cover them).
void compile_and_check(const fs::path& path, const Config& c, std::size_t& checked) {
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator(c.accelerator);
  so.system_config = c.system;
  so.memory_mode = c.memory;
  const arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  driver::CompileOptions options;
  options.plan.strategy = c.strategy;
  const std::string name = fmt::format("{} (config {})", path.filename().string(), c.name);
  ir::Model compiled;
  try {
    compiled = driver::compile_model(tfl::read_model_file(path.string()), system, options).model;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInternal)
      ADD_FAILURE() << name << ": " << e.what();
    return;
  }
  EXPECT_EQ(check(compiled, name), "");
  ++checked;
}

TEST(SharedOutputs, EveryEucOutputOfTheSharedModelsPasses) {
  EUC_REQUIRE_SHARED();
  std::size_t checked = 0;
  for (const fs::path& f : tflite_files(test::shared_dir() / "models", false)) {
    if (f.stem().string().ends_with("_vela"))
      continue;
    for (const Config& c : kConfigs)
      compile_and_check(f, c, checked);
  }
  EXPECT_GE(checked, 7u * 4u);
}

TEST(SharedOutputs, EveryEucOutputOfTheOperatorCorporaPasses) {
  EUC_REQUIRE_SHARED();
  std::size_t checked = 0;
  for (const char* corpus : {"ops", "ops51"})
    for (const fs::path& f : tflite_files(test::shared_dir() / "models" / corpus, false))
      for (const Config& c : {kConfigs[0], kConfigs[3]})
        compile_and_check(f, c, checked);
  EXPECT_GE(checked, 200u);
}

}  // namespace
}  // namespace euc::npuhazard
