// The scheduler's static cost (what it optimises, what the reports print) against the timing
// model's simulated run of the same compiled output (src/nputiming, built independently of it):
// within 5% for every shared model on the reference configurations a-d, so that plans are
// compared on what they cost when the command stream runs. And the reference comparison on that
// timed run: euc's outputs against Vela 3.10's and 5.1's.
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
#include "support/vela_partition.hpp"
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

// The reference comparison on the timed run: Vela 3.10's and 5.1's outputs of the shared models
// (shared/reference/vela_outputs) run through the same timing model under the same system
// config as euc's: euc's plan needs no more simulated cycles. Where euc places other operators
// than that Vela (keyword_scrambled: euc also runs the SVDFs), euc is compiled again with exactly
// the operators Vela keeps on the CPU kept there, and that plan is compared.
TEST(TimedRun, EucNeedsNoMoreSimulatedCyclesThanVela) {
  EUC_REQUIRE_SHARED();
  const fs::path outputs = test::shared_dir() / "reference" / "vela_outputs";
  const auto library = arch::builtin_config_library();
  int compared = 0;
  bool person_detect_and_mobilenet_everywhere = true;
  for (const char* name : {"hello_world_int8", "keyword_scrambled_8bit", "micro_speech_quantized",
                           "mnist_lstm_int8", "mobilenet_v2_224_int8", "person_detect"}) {
    const ir::Model model =
        tfl::read_model_file(test::shared_dir() / "models" / (std::string(name) + ".tflite"));
    for (const Config& c : kConfigs) {
      arch::SystemConfigOptions o;
      o.accelerator = arch::parse_accelerator(c.accelerator);
      o.system_config = c.system;
      o.memory_mode = c.memory;
      driver::CompileOptions options;
      options.plan.strategy = c.strategy;
      const driver::CompileResult result =
          driver::compile_model(model, arch::resolve_system_config(library, o), options);
      const int64_t euc = nputiming::time_model(result.model, name, library, o).total_cycles;
      for (const char* version : {"vela3.10", "vela5.1"}) {
        const fs::path file = outputs / version / c.name / (std::string(name) + "_vela.tflite");
        if (!fs::exists(file))
          continue;
        const ir::Model vela_output = tfl::read_model_file(file);
        int vela_cpu = 0;
        for (const auto& sg : vela_output.subgraphs)
          for (const auto& op : sg.operators)
            vela_cpu += op.type != ir::BuiltinOp::CUSTOM;
        const int64_t vela = nputiming::time_model(vela_output, name, library, o).total_cycles;
        std::printf("%-24s %s %-8s CPU operators euc %d / Vela %d, simulated euc %lld Vela %lld\n",
                    name, c.name, version, result.report.cpu_ops, vela_cpu,
                    static_cast<long long>(euc), static_cast<long long>(vela));
        if (result.report.cpu_ops == vela_cpu) {
          EXPECT_LE(euc, vela) << name << " " << c.name << " against " << version;
          ++compared;
          continue;
        }
        if (std::string(name) == "person_detect" || std::string(name) == "mobilenet_v2_224_int8")
          person_detect_and_mobilenet_everywhere = false;
        // A different partition: euc again with exactly the operators Vela keeps on the CPU.
        driver::CompileOptions same = options;
        same.cpu_operators = test::operators_left_on_cpu(model, vela_output);
        const driver::CompileResult like =
            driver::compile_model(model, arch::resolve_system_config(library, o), same);
        ASSERT_EQ(like.report.cpu_ops, vela_cpu) << name << " " << c.name << " " << version;
        const int64_t euc_like = nputiming::time_model(like.model, name, library, o).total_cycles;
        std::printf("%-24s %s %-8s   with Vela's partition: simulated euc %lld\n", name, c.name,
                    version, static_cast<long long>(euc_like));
        EXPECT_LE(euc_like, vela) << name << " " << c.name << " against " << version
                                  << " with its partition";
        ++compared;
      }
    }
  }
  EXPECT_TRUE(person_detect_and_mobilenet_everywhere);
  // Six models in a-d against both Velas.
  EXPECT_EQ(compared, 48);
}

}  // namespace
}  // namespace euc
