// The scheduler's static cost (what it optimises, what the reports print) against the timing
// model's simulated run of the same compiled output (src/nputiming, built independently of it):
// within 5% for every shared model on the reference configurations a-d, so that plans are
// compared on what they cost when the command stream runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "nputiming/model_timing.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc {
namespace {

namespace fs = std::filesystem;

struct Config {
  const char* name;
  const char* accelerator;
  const char* system;
  const char* memory;
  scheduler::Strategy strategy;
};

// shared/reference/vela_outputs/README.md's configurations.
const Config kConfigs[] = {
    {"a", "ethos-u55-256", "internal-default", "internal-default",
     scheduler::Strategy::kPerformance},
    {"b", "ethos-u55-256", "internal-default", "internal-default", scheduler::Strategy::kSize},
    {"c", "ethos-u55-128", "Ethos_U55_High_End_Embedded", "Shared_Sram",
     scheduler::Strategy::kPerformance},
    {"d", "ethos-u65-256", "Ethos_U65_High_End", "Dedicated_Sram",
     scheduler::Strategy::kPerformance},
};

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
      // Known: micro_speech on a and c copies its fully connected layer's weights from flash
      // while the convolution before it reads its own weights from flash. The static timeline
      // shares flash bandwidth between the two; the timing model does not yet (each gets all
      // of it), so its run is 10-11% shorter. Held between 1.0 and 1.15 until it does.
      const bool shared_flash = path.stem() == "micro_speech_quantized" &&
                                (std::string(c.name) == "a" || std::string(c.name) == "c");
      if (shared_flash) {
        EXPECT_GE(ratio, 1.0) << what;
        EXPECT_LE(ratio, 1.15) << what;
        ++compared;
        continue;
      }
      EXPECT_NEAR(ratio, 1.0, 0.05)
          << what << ": static " << result.report.performance->total_cycles << ", simulated "
          << t.total_cycles;
      ++compared;
    }
  }
  // hello_world, keyword_scrambled, micro_speech, mnist_lstm, MobileNetV2, person_detect,
  // simple_add: seven models, four configurations.
  EXPECT_GE(compared, 28);
}

}  // namespace
}  // namespace euc
