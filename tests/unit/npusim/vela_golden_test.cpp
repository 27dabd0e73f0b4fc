// Every model Vela 3.10 and 5.1 compiled (configs a-d), run with its NPU parts on the functional
// model and its CPU parts in the reference interpreter, must reproduce TensorFlow Lite Micro's
// golden outputs byte for byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "refinterp/interpreter.hpp"
#include "refinterp/npy.hpp"
#include "runner/ethosu_kernel.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::npusim {
namespace {

namespace fs = std::filesystem;

struct GoldenCase {
  std::string version;  // "3.10", "5.1"
  std::string config;   // "a".."d"
  std::string model;    // file stem of the original model
};

void PrintTo(const GoldenCase& c, std::ostream* os) {
  *os << "vela" << c.version << "/" << c.config << "/" << c.model;
}

// Describes where two outputs differ: element count and the first few positions.
std::string describe_difference(std::span<const uint8_t> got, std::span<const uint8_t> want) {
  std::ostringstream s;
  int shown = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i] == want[i])
      continue;
    ++count;
    if (shown++ < 8)
      s << " [byte " << i << ": " << int{got[i]} << " want " << int{want[i]} << "]";
  }
  return std::to_string(count) + " bytes differ:" + s.str();
}

class VelaGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(VelaGoldenTest, NpuOutputsMatchTfliteMicroGoldens) {
  EUC_REQUIRE_SHARED();
  const GoldenCase& param = GetParam();
  const fs::path model_path = test::shared_dir() / "reference" / "vela_outputs" /
                              ("vela" + param.version) / param.config /
                              (param.model + "_vela.tflite");
  const fs::path golden = test::shared_dir() / "models" / "golden" / param.model;
  ASSERT_TRUE(fs::exists(model_path)) << model_path;
  refinterp::Interpreter interp(tfl::read_model_file(model_path),
                                runner::ethosu_kernel_factory(model_path.string()));
  const std::vector<std::string> cases = test::subfolders(golden);
  ASSERT_FALSE(cases.empty()) << golden;
  for (const std::string& name : cases) {
    const fs::path dir = golden / name;
    for (std::size_t k = 0; k < interp.input_count(); ++k) {
      const fs::path file = dir / ("input" + std::to_string(k) + ".npy");
      interp.set_input(k, refinterp::parse_npy(read_file_bytes(file), file.string()).data);
    }
    interp.invoke();
    for (std::size_t k = 0; k < interp.output_count(); ++k) {
      const fs::path file = dir / ("output" + std::to_string(k) + ".npy");
      const auto want = refinterp::parse_npy(read_file_bytes(file), file.string());
      const auto got = interp.output(k);
      ASSERT_EQ(got.size(), want.data.size()) << name << " output " << k;
      EXPECT_TRUE(std::equal(got.begin(), got.end(), want.data.begin()))
          << name << " output " << k << ": " << describe_difference(got, want.data);
    }
  }
}

// Vela 3.10 splits this network's NPU part into five ethos-u operators (CPU TRANSPOSEs between
// concatenations) sharing one scratch tensor: a later operator reads what an earlier one left in
// scratch, so the memory must persist across them within an invocation (and be fresh for the next).
TEST(VelaSharedScratch, EthosuOperatorsShareTheScratchTensor) {
  EUC_REQUIRE_SHARED();
  const fs::path dir = test::shared_dir() / "regressions" / "vela_shared_scratch";
  const fs::path model_path = dir / "yolo_style_vela.tflite";
  refinterp::Interpreter interp(tfl::read_model_file(model_path),
                                runner::ethosu_kernel_factory(model_path.string()));
  const auto input = refinterp::parse_npy(read_file_bytes(dir / "input0.npy"), "input0.npy");
  const auto want = refinterp::parse_npy(read_file_bytes(dir / "output0.npy"), "output0.npy");
  for (int run = 0; run < 2; ++run) {
    interp.set_input(0, input.data);
    interp.invoke();
    const auto got = interp.output(0);
    ASSERT_EQ(got.size(), want.data.size());
    EXPECT_TRUE(std::equal(got.begin(), got.end(), want.data.begin()))
        << "run " << run << ": " << describe_difference(got, want.data);
  }
}

std::vector<GoldenCase> all_cases() {
  std::vector<GoldenCase> cases;
  for (const char* version : {"3.10", "5.1"})
    for (const char* config : {"a", "b", "c", "d"})
      for (const char* model : {"person_detect", "mobilenet_v2_224_int8", "micro_speech_quantized",
                                "hello_world_int8", "keyword_scrambled_8bit", "mnist_lstm_int8"})
        cases.push_back({version, config, model});
  return cases;
}

// The LSTM's hidden state after every time step, as the NPU computes it (int16 gates through the
// hardware SIGMOID/TANH, 40-bit accumulators, int16 elementwise arithmetic), must equal TFLite's:
// each step's reference output must appear, in order, among the NPU's 20-channel int8 OFMs. The
// final outputs alone do not show this, as classifier heads saturate.
TEST(VelaLstm, HiddenStateOfEveryStepMatchesTfliteMicro) {
  EUC_REQUIRE_SHARED();
  const fs::path original = test::shared_dir() / "models" / "mnist_lstm_int8.tflite";
  const fs::path golden = test::shared_dir() / "models" / "golden" / "mnist_lstm_int8";
  refinterp::Interpreter reference(tfl::read_model_file(original));
  int lstm_output = -1;
  for (const ir::Operator& op : reference.graph().operators)
    if (op.type == ir::BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM)
      lstm_output = op.outputs.front();
  ASSERT_GE(lstm_output, 0);
  for (const char* version : {"vela3.10", "vela5.1"}) {
    const fs::path compiled = test::shared_dir() / "reference" / "vela_outputs" / version / "a" /
                              "mnist_lstm_int8_vela.tflite";
    std::vector<std::vector<int8_t>> states;
    auto observer = [&](std::size_t, const EthosuRunner&, const OperationEvent& event) {
      if (event.ofm == nullptr || event.ofm->values.size() != 20 ||
          event.operation->block->ofm.type.bits != 8)
        return;
      states.emplace_back(event.ofm->values.begin(), event.ofm->values.end());
    };
    refinterp::Interpreter npu(tfl::read_model_file(compiled),
                               runner::ethosu_kernel_factory(compiled.string(), observer));
    for (const std::string& name : test::subfolders(golden)) {
      const fs::path file = golden / name / "input0.npy";
      const auto input = refinterp::parse_npy(read_file_bytes(file), file.string());
      reference.set_input(0, input.data);
      reference.invoke();
      states.clear();
      npu.set_input(0, input.data);
      npu.invoke();
      const auto sequence = reference.tensor_bytes(lstm_output);
      ASSERT_EQ(sequence.size() % 20, 0u);
      std::size_t next = 0;
      for (std::size_t step = 0; step < sequence.size() / 20; ++step) {
        const std::vector<int8_t> want(
            sequence.begin() + static_cast<std::ptrdiff_t>(step * 20),
            sequence.begin() + static_cast<std::ptrdiff_t>(step * 20 + 20));
        while (next < states.size() && states[next] != want)
          ++next;
        ASSERT_LT(next, states.size())
            << version << " " << name << ": step " << step << " has no matching NPU hidden state";
        ++next;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllVelaOutputs, VelaGoldenTest, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           std::string version = info.param.version;
                           std::replace(version.begin(), version.end(), '.', '_');
                           return "vela" + version + "_" + info.param.config + "_" +
                                  info.param.model;
                         });

}  // namespace
}  // namespace euc::npusim
