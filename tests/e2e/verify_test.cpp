// What `euc --verify` relies on, on every shared model: the compiled model (default
// configuration) gives the reference interpreter's outputs on random inputs, and
// runner::compare_models finds a deliberately wrong compile and the NPU operation where it starts.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "runner/differential.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc {
namespace {

namespace fs = std::filesystem;

driver::CompileResult compile(const ir::Model& model, bool corrupt) {
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator("ethos-u55-256");
  const arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  driver::CompileOptions options;
  options.corrupt_one_weight = corrupt;
  return driver::compile_model(model, system, options);
}

TEST(Verify, EverySharedModelGivesTheReferenceOutputs) {
  EUC_REQUIRE_SHARED();
  int models = 0;
  for (const auto& e : fs::directory_iterator(test::shared_dir() / "models")) {
    if (e.path().extension() != ".tflite")
      continue;
    const ir::Model model = tfl::read_model_file(e.path());
    const ir::Model compiled =
        tfl::read_model(tfl::write_model(compile(model, false).model), "compiled");
    for (uint64_t seed = 1; seed <= 2; ++seed) {
      const auto c = runner::compare_models(model, compiled, runner::random_inputs(model, seed));
      EXPECT_TRUE(c.equal()) << e.path().filename() << " seed " << seed << ": output "
                             << c.first->output << " element " << c.first->element;
    }
    ++models;
  }
  EXPECT_GT(models, 0);
}

TEST(Verify, FindsAWrongWeightAndTheOperationItStartsIn) {
  EUC_REQUIRE_SHARED();
  const ir::Model model =
      tfl::read_model_file(test::shared_dir() / "models" / "person_detect.tflite");
  const driver::CompileResult result = compile(model, true);
  const ir::Model compiled = tfl::read_model(tfl::write_model(result.model), "compiled");
  const auto& ofms = result.report.segments.at(0).block_ofm_tensors;
  const auto c = runner::compare_models(model, compiled, runner::random_inputs(model, 1),
                                        [&](size_t, size_t block) { return ofms.at(block); });
  ASSERT_FALSE(c.equal());
  ASSERT_TRUE(c.culprit.has_value());
  EXPECT_EQ(c.culprit->ethosu_operator, 0u);
  EXPECT_EQ(c.culprit->block_operation, 0u);  // the first convolution holds the changed weight
  EXPECT_EQ(c.culprit->kind, "CONV");
  ASSERT_TRUE(c.first_npu_tensor.has_value());
  EXPECT_EQ(c.first_npu_tensor->tensor, "MobilenetV1/MobilenetV1/Conv2d_0/Relu6");
}

}  // namespace
}  // namespace euc
