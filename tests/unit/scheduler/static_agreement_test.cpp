// The scheduler's static cost (what it optimises, what the reports print) against the timing
// model's simulated run of the same compiled output (src/nputiming, built independently of it):
// within 5% for every shared model on the reference configurations a-d, so that plans are
// compared on what they cost when the command stream runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "nputiming/model_timing.hpp"
#include "support/reference_configs.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc {
namespace {

namespace fs = std::filesystem;

using Config = test::ReferenceConfig;
constexpr const auto& kConfigs = test::kReferenceConfigs;

TEST(StaticAgreement, StaticEstimateWithinFivePercentOfTheSimulatedRun) {
  EUC_REQUIRE_SHARED();
  std::vector<fs::path> models;
  for (const auto& e : fs::directory_iterator(test::shared_dir() / "models")) {
    if (e.path().extension() == ".tflite" && !e.path().stem().string().ends_with("_vela"))
      models.push_back(e.path());
  }
  std::sort(models.begin(), models.end());
  const auto library = arch::builtin_config_library();
  int compared = 0;
  for (const fs::path& path : models) {
    const ir::Model model = tfl::read_model_file(path);
    for (const Config& c : kConfigs) {
      const std::string what = path.stem().string() + " " + c.name;
      arch::SystemConfigOptions o;
      o.accelerator = arch::parse_accelerator(c.accelerator);
      o.system_config = c.system;
      o.memory_mode = c.memory;
      const arch::SystemConfig system = arch::resolve_system_config(library, o);
      driver::CompileOptions options;
      options.plan.strategy = c.strategy;
      const driver::CompileResult result = driver::compile_model(model, system, options);
      const nputiming::ModelTiming t =
          nputiming::time_model(result.model, path.stem().string(), library, o);
      if (!result.report.performance || t.total_cycles == 0)
        continue;
      const double ratio =
          result.report.performance->total_cycles / static_cast<double>(t.total_cycles);
      std::printf("%-24s %s static %12.0f simulated %10lld ratio %.3f\n",
                  path.stem().string().c_str(), c.name, result.report.performance->total_cycles,
                  static_cast<long long>(t.total_cycles), ratio);
      EXPECT_NEAR(ratio, 1.0, 0.05)
          << what << ": static " << result.report.performance->total_cycles << ", simulated "
          << t.total_cycles;
      ++compared;
    }
  }
  // hello_world, keyword_scrambled, micro_speech, mnist_lstm, MobileNetV2, person_detect,
  // simple_add: seven models, four configurations.
  EXPECT_GE(compared, 28);
  std::printf("static within 5%% of the simulated run: %d cases compared\n", compared);
}

}  // namespace
}  // namespace euc
