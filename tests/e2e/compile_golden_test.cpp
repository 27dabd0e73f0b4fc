// Every golden case of shared/models, compiled by euc for every accelerator and memory mode,
// run with its NPU parts on the functional model (which also checks every memory access of the
// plan) and its CPU parts in the reference interpreter, gives TFLite Micro's outputs exactly.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "core/file_io.hpp"
#include "driver/compiler.hpp"
#include "refinterp/interpreter.hpp"
#include "refinterp/npy.hpp"
#include "runner/ethosu_kernel.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc {
namespace {

namespace fs = std::filesystem;

struct Setup {
  std::string accelerator;
  std::string system_config;
  std::string memory_mode;
  scheduler::Strategy strategy = scheduler::Strategy::kPerformance;
  bool weight_buffering = true;
  bool cascading = true;
  scheduler::AllocatorKind allocator = scheduler::AllocatorKind::kHillClimb;
};

struct Case {
  fs::path model;
  fs::path golden;  // folder of case folders with input*.npy / output*.npy
  Setup setup;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.model.stem().string() << " " << c.setup.accelerator << " " << c.setup.system_config
      << " " << c.setup.memory_mode
      << (c.setup.strategy == scheduler::Strategy::kSize ? " Size" : "")
      << (c.setup.weight_buffering ? "" : " no-buffering")
      << (c.setup.cascading ? "" : " no-cascading")
      << (c.setup.allocator == scheduler::AllocatorKind::kGreedy   ? " Greedy"
          : c.setup.allocator == scheduler::AllocatorKind::kLinear ? " LinearAlloc"
                                                                   : "");
}

bool full_matrix() {
  const char* v = std::getenv("EUC_FULL_MATRIX");
  return v != nullptr && std::string(v) == "1";
}

std::vector<Setup> setups(bool big_model) {
  std::vector<Setup> all = {
      {"ethos-u55-32", "Ethos_U55_Deep_Embedded", "Shared_Sram"},
      {"ethos-u55-64", "Ethos_U55_High_End_Embedded", "Sram_Only"},
      {"ethos-u55-128", "Ethos_U55_High_End_Embedded", "Shared_Sram"},
      {"ethos-u55-256", "internal-default", "internal-default"},
      {"ethos-u65-256", "Ethos_U65_High_End", "Dedicated_Sram"},
      {"ethos-u65-512", "Ethos_U65_Client_Server", "Shared_Sram"},
  };
  // The strategies, feature switches and allocators (on the default accelerator, and Size
  // without cascades on the Dedicated_Sram one).
  Setup size = all[3];
  size.strategy = scheduler::Strategy::kSize;
  Setup unbuffered = all[2];
  unbuffered.weight_buffering = false;
  Setup greedy = all[3];
  greedy.allocator = scheduler::AllocatorKind::kGreedy;
  Setup linear = all[1];
  linear.allocator = scheduler::AllocatorKind::kLinear;
  Setup flat = all[4];  // Size without cascades: spilling and staging alone fit the cache
  flat.strategy = scheduler::Strategy::kSize;
  flat.cascading = false;
  all.insert(all.end(), {size, unbuffered, greedy, linear, flat});
  if (!big_model || full_matrix())
    return all;
  return {all[3], all[4], size};
}

std::vector<Case> model_cases() {
  std::vector<Case> out;
  if (!test::have_shared())
    return out;
  for (const char* stem :
       {"hello_world_int8", "simple_add_model", "micro_speech_quantized", "keyword_scrambled_8bit",
        "mnist_lstm_int8", "person_detect", "mobilenet_v2_224_int8"}) {
    bool big = std::string(stem) == "mobilenet_v2_224_int8";
    for (const Setup& s : setups(big)) {
      out.push_back({test::shared_dir() / "models" / (std::string(stem) + ".tflite"),
                     test::shared_dir() / "models" / "golden" / stem, s});
    }
  }
  return out;
}

std::vector<Case> op_cases() {
  std::vector<Case> out;
  if (!test::have_shared())
    return out;
  // Both corpora (Vela 3.10's operators and the Vela 5.1 supplement); operators euc does not
  // lower run in the reference interpreter, the rest on the functional model.
  std::vector<fs::path> models;
  for (const char* corpus : {"ops", "ops51"}) {
    for (const auto& e : fs::directory_iterator(test::shared_dir() / "models" / corpus)) {
      if (e.path().extension() == ".tflite")
        models.push_back(e.path());
    }
  }
  std::sort(models.begin(), models.end());
  // The six accelerator setups of the model suite.
  const std::vector<Setup> all = setups(false);
  for (const fs::path& m : models) {
    for (size_t k = 0; k < 6; ++k)
      out.push_back({m, m.parent_path() / "golden" / m.stem(), all[k]});
  }
  return out;
}

void run_case(const Case& c) {
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator(c.setup.accelerator);
  so.system_config = c.setup.system_config;
  so.memory_mode = c.setup.memory_mode;
  arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  driver::CompileOptions options;
  options.plan.strategy = c.setup.strategy;
  options.plan.weight_buffering = c.setup.weight_buffering;
  options.plan.cascading = c.setup.cascading;
  options.plan.allocator = c.setup.allocator;
  ir::Model compiled = driver::compile_model(tfl::read_model_file(c.model), system, options).model;
  // Through the file format, as a runtime would receive it.
  ir::Model loaded = tfl::read_model(tfl::write_model(compiled), "compiled");
  refinterp::Interpreter interp(std::move(loaded), runner::ethosu_kernel_factory("compiled"));
  int checked = 0;
  for (const auto& e : fs::directory_iterator(c.golden)) {
    if (!e.is_directory())
      continue;
    const fs::path dir = e.path();
    for (size_t k = 0; k < interp.input_count(); ++k) {
      fs::path file = dir / ("input" + std::to_string(k) + ".npy");
      interp.set_input(k, refinterp::parse_npy(read_file_bytes(file), file.string()).data);
    }
    interp.invoke();
    for (size_t k = 0; k < interp.output_count(); ++k) {
      fs::path file = dir / ("output" + std::to_string(k) + ".npy");
      auto want = refinterp::parse_npy(read_file_bytes(file), file.string()).data;
      auto got = interp.output(k);
      ASSERT_EQ(got.size(), want.size()) << dir;
      EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin()))
          << dir.filename() << " output " << k << " differs";
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// Without ../shared (a user's clone) the lists are empty: that is not an error.
class CompiledModelGolden : public ::testing::TestWithParam<Case> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CompiledModelGolden);
TEST_P(CompiledModelGolden, MatchesTfliteMicroByteForByte) {
  run_case(GetParam());
}
INSTANTIATE_TEST_SUITE_P(Models, CompiledModelGolden, ::testing::ValuesIn(model_cases()));

class CompiledOperatorGolden : public ::testing::TestWithParam<Case> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CompiledOperatorGolden);
TEST_P(CompiledOperatorGolden, MatchesTfliteMicroByteForByte) {
  run_case(GetParam());
}
INSTANTIATE_TEST_SUITE_P(Operators, CompiledOperatorGolden, ::testing::ValuesIn(op_cases()));

// Issue 15's operators: each corpus model compiles to one ethos-u operator and nothing else, as
// do person_detect and micro_speech (their SOFTMAX included); the suites above check the bytes.
TEST(CompiledPlacement, ActivationAndSoftmaxModelsRunEntirelyOnTheNpu) {
  EUC_REQUIRE_SHARED();
  const std::vector<std::string> models = {"ops/abs_int16",
                                           "ops/abs_int8",
                                           "ops/hard_swish_int8",
                                           "ops/leaky_relu_a0p1_int16",
                                           "ops/leaky_relu_a0p1_int8",
                                           "ops/logistic_int16",
                                           "ops/logistic_int8",
                                           "ops/prelu_int8",
                                           "ops/relu6_int8",
                                           "ops/relu_int8",
                                           "ops/rsqrt_int8",
                                           "ops/softmax_1x10_int8",
                                           "ops/softmax_7x7x16_int8",
                                           "ops/tanh_int16",
                                           "ops/tanh_int8",
                                           "ops51/leaky_relu_a0p2_int8",
                                           "ops51/softmax_8x8x16_int16",
                                           "ops51/softmax_8x8x16_int8_to_int16",
                                           "person_detect",
                                           "micro_speech_quantized"};
  const arch::SystemConfig system =
      arch::resolve_system_config(arch::builtin_config_library(), arch::SystemConfigOptions{});
  for (const std::string& stem : models) {
    const ir::Model compiled =
        driver::compile_model(
            tfl::read_model_file(test::shared_dir() / "models" / (stem + ".tflite")), system, {})
            .model;
    ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u) << stem;
    EXPECT_EQ(compiled.subgraphs[0].operators[0].type, ir::BuiltinOp::CUSTOM) << stem;
  }
}

// Without ../shared the suites above have no cases; this says so as a skipped test.
TEST(CompiledGoldenSuites, HaveTheirCases) {
  EUC_REQUIRE_SHARED();
  EXPECT_FALSE(model_cases().empty());
  EXPECT_FALSE(op_cases().empty());
}

}  // namespace
}  // namespace euc
