// SVDF (int8 input and output, int8 or int16 time weights and state) on the NPU against the
// reference interpreter: random SVDF networks (rank 1 and above, with and without bias, fused
// RELU, batches, zero points), streamed over several invocations with the state compared after
// each; the keyword spotting model's seven SVDFs streamed over its golden inputs under the six
// setups' accelerators; and the instances that stay on the CPU with their reason.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "frontend/lowering/svdf.hpp"
#include "refinterp/interpreter.hpp"
#include "refinterp/npy.hpp"
#include "runner/ethosu_kernel.hpp"
#include "small_network.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::test {
namespace {

using ir::BuiltinOp;

const char* const kAccelerators[] = {"ethos-u55-32",  "ethos-u55-64",  "ethos-u55-128",
                                     "ethos-u55-256", "ethos-u65-256", "ethos-u65-512"};

struct Spec {
  int batches = 1, inputs = 12, units = 5, rank = 1, memory = 4;
  bool bias = true;
  bool int16_state = false;
  tflite::ActivationFunctionType activation = tflite::ActivationFunctionType::NONE;
  float input_scale = 0.05f, state_scale = 0.1f, output_scale = 0.08f;
  int64_t input_zp = 0, state_zp = 0, output_zp = 0;
  int time_max = 127;  // largest |time weight|
};

ir::Model svdf_model(const Spec& s, std::mt19937& rng) {
  Net n;
  const int filters = s.units * s.rank;
  const ir::DataType state_type = s.int16_state ? ir::DataType::kInt16 : ir::DataType::kInt8;
  const int x = n.tensor("x", {s.batches, s.inputs}, s.input_scale, s.input_zp);
  std::uniform_int_distribution<int> w8(-127, 127);
  std::vector<int8_t> wf(static_cast<size_t>(filters) * s.inputs);
  for (int8_t& v : wf)
    v = static_cast<int8_t>(w8(rng));
  const int feature = n.constant("feature", {filters, s.inputs}, ir::DataType::kInt8, wf.data(),
                                 wf.size(), 0.01f, 0);
  std::uniform_int_distribution<int> wt(-s.time_max, s.time_max);
  const float time_scale = 0.02f;
  int time = -1;
  if (s.int16_state) {
    std::vector<int16_t> w(static_cast<size_t>(filters) * s.memory);
    for (int16_t& v : w)
      v = static_cast<int16_t>(wt(rng));
    time = n.constant("time", {filters, s.memory}, ir::DataType::kInt16, w.data(), w.size() * 2,
                      time_scale, 0);
  } else {
    std::vector<int8_t> w(static_cast<size_t>(filters) * s.memory);
    for (int8_t& v : w)
      v = static_cast<int8_t>(wt(rng));
    time = n.constant("time", {filters, s.memory}, ir::DataType::kInt8, w.data(), w.size(),
                      time_scale, 0);
  }
  int bias = -1;
  if (s.bias) {
    std::uniform_int_distribution<int32_t> b(-20000, 20000);
    std::vector<int32_t> values(static_cast<size_t>(s.units));
    for (int32_t& v : values)
      v = b(rng);
    bias = n.constant("bias", {s.units}, ir::DataType::kInt32, values.data(), values.size() * 4,
                      s.state_scale * time_scale, 0);
  }
  const int state =
      n.tensor("state", {s.batches, filters * s.memory}, s.state_scale, s.state_zp, state_type);
  n.make_variable(state);
  const int y = n.tensor("y", {s.batches, s.units}, s.output_scale, s.output_zp);
  tflite::SVDFOptionsT o;
  o.rank = s.rank;
  o.fused_activation_function = s.activation;
  n.op<tflite::SVDFOptions>(BuiltinOp::SVDF, {x, feature, time, bias, state}, {y}, o);
  n.io({x}, {y});
  return n.model();
}

// The variable tensors of subgraph 0, in index order (the compiled model keeps them, in order).
std::vector<int> variables(const ir::Model& m) {
  std::vector<int> out;
  const ir::Subgraph& sg = m.subgraphs[0];
  for (size_t t = 0; t < sg.tensors.size(); ++t) {
    if (sg.tensors[t].is_variable)
      out.push_back(static_cast<int>(t));
  }
  return out;
}

struct Counts {
  int compared = 0;         // invocations compared
  int carried_outputs = 0;  // of which outputs differ from a fresh start's (the state mattered)
  int carried_states = 0;   // of which the state differs from a fresh start's
  int cpu_svdfs = 0;        // SVDFs left in the compiled models
};

// Invokes the original (reference interpreter) and the compiled model (functional model) in
// turn `inputs.size()` times without resetting the variable tensors, as TensorFlow Lite Micro
// does: every invocation's outputs and every state tensor after it must be byte-identical.
void expect_same_stream(const ir::Model& original, const std::string& accelerator,
                        const std::vector<std::vector<std::vector<uint8_t>>>& inputs,
                        Counts& counts) {
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator(accelerator);
  const arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  const ir::Model compiled =
      tfl::read_model(tfl::write_model(driver::compile_model(original, system, {}).model), "c");
  for (const ir::Operator& op : compiled.subgraphs[0].operators)
    counts.cpu_svdfs += op.type == BuiltinOp::SVDF;
  const std::vector<int> want_state = variables(original);
  const std::vector<int> got_state = variables(compiled);
  EXPECT_FALSE(want_state.empty());
  EXPECT_EQ(got_state.size(), want_state.size()) << "the compiled model keeps the variables";
  if (got_state.size() != want_state.size())
    return;
  refinterp::Interpreter want(original);
  refinterp::Interpreter fresh(original);
  refinterp::Interpreter got(compiled, runner::ethosu_kernel_factory("compiled"));
  want.keep_variables(true);
  got.keep_variables(true);
  for (size_t run = 0; run < inputs.size(); ++run) {
    for (size_t k = 0; k < inputs[run].size(); ++k) {
      want.set_input(k, inputs[run][k]);
      got.set_input(k, inputs[run][k]);
      fresh.set_input(k, inputs[run][k]);
    }
    want.invoke();
    got.invoke();
    fresh.invoke();
    bool outputs_differ = false, states_differ = false;
    for (size_t k = 0; k < want.output_count(); ++k) {
      const auto a = want.output(k);
      const auto b = got.output(k);
      outputs_differ = outputs_differ || !std::equal(a.begin(), a.end(), fresh.output(k).begin());
      EXPECT_TRUE(a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()))
          << accelerator << " invocation " << run << " output " << k;
    }
    for (size_t v = 0; v < want_state.size(); ++v) {
      const auto a = want.tensor_bytes(want_state[v]);
      const auto b = got.tensor_bytes(got_state[v]);
      states_differ = states_differ ||
                      !std::equal(a.begin(), a.end(), fresh.tensor_bytes(want_state[v]).begin());
      EXPECT_TRUE(a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()))
          << accelerator << " invocation " << run << " state " << v;
    }
    counts.carried_outputs += outputs_differ;
    counts.carried_states += states_differ;
    ++counts.compared;
  }
}

std::vector<std::vector<std::vector<uint8_t>>> random_inputs(const ir::Model& m, int count,
                                                             std::mt19937& rng) {
  const ir::Subgraph& sg = m.subgraphs[0];
  std::vector<std::vector<std::vector<uint8_t>>> out(static_cast<size_t>(count));
  for (auto& run : out) {
    for (int t : sg.inputs) {
      const ir::Tensor& in = sg.tensors[static_cast<size_t>(t)];
      std::vector<uint8_t> bytes(static_cast<size_t>(in.num_elements()) *
                                 static_cast<size_t>(*ir::element_size(in.type)));
      for (uint8_t& v : bytes)
        v = static_cast<uint8_t>(rng());
      run.push_back(std::move(bytes));
    }
  }
  return out;
}

std::string describe(const Spec& s) {
  return fmt::format(
      "batches {} inputs {} units {} rank {} memory {} bias {} int16 {} activation {} zero "
      "points {} {} {}",
      s.batches, s.inputs, s.units, s.rank, s.memory, s.bias, s.int16_state,
      static_cast<int>(s.activation), s.input_zp, s.state_zp, s.output_zp);
}

// Rank 1 and above, with and without bias, fused RELU (which TFLite's integer kernel does not
// apply), int8 and int16 state, one and two batches, memory 1 and longer: six invocations each,
// outputs and the state equal the reference's after every one.
TEST(Svdf, RandomNetworksMatchTheReferenceAcrossInvocations) {
  std::mt19937 rng(2717);
  std::uniform_int_distribution<int> size(1, 24);
  std::uniform_int_distribution<int> memory(2, 10);
  std::uniform_int_distribution<int> rank(1, 3);
  std::uniform_int_distribution<int> zp(-128, 127);
  std::uniform_real_distribution<float> scale(0.02f, 0.2f);
  std::vector<Spec> specs;
  specs.push_back(Spec{});                   // rank 1, bias
  specs.push_back(Spec{.rank = 3});          // rank 3
  specs.push_back(Spec{.bias = false});      // no bias: the sums go straight to the output
  specs.push_back(Spec{.int16_state = true,  // int16 state and time weights
                       .state_scale = 0.002f,
                       .time_max = 2000});
  specs.push_back(Spec{.activation = tflite::ActivationFunctionType::RELU,
                       .input_zp = -20,
                       .state_zp = 30,
                       .output_zp = -128});
  for (int k = 0; k < 10; ++k) {
    Spec s;
    s.batches = k % 3 == 0 ? 2 : 1;
    s.inputs = size(rng);
    s.units = size(rng);
    s.rank = rank(rng);
    s.memory = memory(rng);
    s.bias = k % 4 != 1;
    s.int16_state = k % 3 == 2;
    s.activation =
        k % 2 == 0 ? tflite::ActivationFunctionType::RELU : tflite::ActivationFunctionType::NONE;
    s.input_scale = scale(rng);
    s.state_scale = s.int16_state ? scale(rng) / 8 : scale(rng);
    s.output_scale = scale(rng);
    s.input_zp = zp(rng);
    s.state_zp = s.int16_state ? 0 : zp(rng);
    s.output_zp = zp(rng);
    s.time_max = s.int16_state ? 1500 : 127;
    specs.push_back(s);
  }
  Counts counts;
  int lowered = 0;
  for (const Spec& s : specs) {
    SCOPED_TRACE(describe(s));
    const ir::Model m = svdf_model(s, rng);
    const auto why = frontend::svdf_why_not(m, 0, 0);
    EXPECT_FALSE(why.has_value()) << *why;
    if (why)
      continue;
    ++lowered;
    const auto inputs = random_inputs(m, 6, rng);
    for (const char* accelerator : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"})
      expect_same_stream(m, accelerator, inputs, counts);
  }
  EXPECT_EQ(lowered, static_cast<int>(specs.size()));
  EXPECT_EQ(counts.cpu_svdfs, 0);
  EXPECT_EQ(counts.compared, lowered * 3 * 6);
  // The state matters: most invocations after the first differ from a fresh start's.
  EXPECT_GE(counts.carried_outputs, lowered * 3 * 3);
  EXPECT_GE(counts.carried_states, lowered * 3 * 4);
}

// Memory 1: the state is overwritten whole before it is read, so the compiled model needs none
// of it between invocations (the segment neither reads nor keeps it); the outputs still equal
// the reference's.
TEST(Svdf, MemoryOfOneNeedsNoStateBetweenInvocations) {
  std::mt19937 rng(12);
  for (const bool bias : {false, true}) {
    Spec s;
    s.memory = 1;
    s.rank = 2;
    s.bias = bias;
    s.state_zp = -7;
    const ir::Model m = svdf_model(s, rng);
    ASSERT_FALSE(frontend::svdf_why_not(m, 0, 0).has_value());
    for (const char* accelerator : {"ethos-u55-64", "ethos-u65-256"})
      expect_same_outputs(m, accelerator);
  }
}

// Instances the lowering does not cover stay on the CPU with their reason, and the compiled
// model still computes the reference's result there.
TEST(Svdf, UnsupportedInstancesStayOnTheCpuWithTheirReason) {
  std::mt19937 rng(8);
  // int16 time weights this large could overflow TFLite's int32 sum (the NPU saturates).
  Spec wide;
  wide.int16_state = true;
  wide.time_max = 32767;
  wide.memory = 8;
  ir::Model m = svdf_model(wide, rng);
  EXPECT_NE(frontend::svdf_why_not(m, 0, 0).value_or("").find("could overflow"), std::string::npos);
  driver::CompileResult r = compile_and_compare(m, "ethos-u55-128");
  EXPECT_EQ(r.model.subgraphs[0].operators[0].type, BuiltinOp::SVDF);

  Spec big;  // input scale x feature scale / state scale above 1
  big.input_scale = 2.0f;
  big.state_scale = 0.01f;
  m = svdf_model(big, rng);
  EXPECT_EQ(frontend::svdf_why_not(m, 0, 0).value_or(""),
            "a rescale is not below 1 within the NPU's shift range");
  compile_and_compare(m, "ethos-u55-128");

  Spec offset;  // int16 state with a zero point
  offset.int16_state = true;
  offset.state_scale = 0.002f;
  offset.state_zp = 5;
  offset.time_max = 100;
  m = svdf_model(offset, rng);
  EXPECT_EQ(frontend::svdf_why_not(m, 0, 0).value_or(""),
            "the int16 state's zero point is not 0 (TFLite's int16 SVDF assumes 0)");
  compile_and_compare(m, "ethos-u55-128");
}

// The keyword spotting model (seven SVDFs, rank 1, int8 state with zero points, fused RELU):
// every SVDF on the NPU, the model one ethos-u operator and the final int16 -> int32 QUANTIZE
// on the CPU; its five golden inputs and five random ones streamed without a reset under the six
// setups' accelerators, the outputs and all seven states equal to the reference's after every
// invocation.
TEST(Svdf, KeywordSpotterStreamsWithItsStateOnTheNpu) {
  EUC_REQUIRE_SHARED();
  const auto dir = test::shared_dir() / "models";
  const ir::Model model = tfl::read_model_file(dir / "keyword_scrambled_8bit.tflite");
  std::vector<std::filesystem::path> cases;
  for (const auto& e :
       std::filesystem::directory_iterator(dir / "golden" / "keyword_scrambled_8bit")) {
    if (e.is_directory())
      cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());  // a fixed order
  std::vector<std::vector<std::vector<uint8_t>>> inputs;
  for (const auto& c : cases) {
    const auto file = c / "input0.npy";
    std::ifstream f(file, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                               std::istreambuf_iterator<char>());
    inputs.push_back({refinterp::parse_npy(bytes, file.string()).data});
  }
  ASSERT_EQ(inputs.size(), 5u);
  std::mt19937 rng(31);
  for (auto& r : random_inputs(model, 5, rng))
    inputs.push_back(std::move(r));
  ASSERT_EQ(variables(model).size(), 7u);
  Counts counts;
  for (const char* accelerator : kAccelerators) {
    arch::SystemConfigOptions so;
    so.accelerator = arch::parse_accelerator(accelerator);
    const arch::SystemConfig system =
        arch::resolve_system_config(arch::builtin_config_library(), so);
    const ir::Model compiled = driver::compile_model(model, system, {}).model;
    ASSERT_EQ(compiled.subgraphs[0].operators.size(), 2u) << accelerator;
    EXPECT_EQ(compiled.subgraphs[0].operators[1].type, BuiltinOp::QUANTIZE) << accelerator;
    expect_same_stream(model, accelerator, inputs, counts);
  }
  EXPECT_EQ(counts.cpu_svdfs, 0);
  EXPECT_EQ(counts.compared, 6 * 10);
  // Every invocation after the first leaves another state than a fresh start would.
  EXPECT_EQ(counts.carried_states, 6 * 9);
}

}  // namespace
}  // namespace euc::test
