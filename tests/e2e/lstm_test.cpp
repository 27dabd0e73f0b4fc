// UNIDIRECTIONAL_SEQUENCE_LSTM (int8) on the NPU against the reference interpreter: random
// LSTM networks (sizes, scales, zero points, cell scales and clips, both layouts), and the
// corpus model's hidden state after every time step on its golden inputs.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "frontend/lowering/lstm.hpp"
#include "refinterp/interpreter.hpp"
#include "refinterp/npy.hpp"
#include "runner/ethosu_kernel.hpp"
#include "small_network.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::test {
namespace {

using ir::BuiltinOp;

struct Spec {
  int steps = 5, input_size = 7, units = 6;
  float input_scale = 0.01f, hidden_scale = 0.008f;
  int64_t input_zp = 0, hidden_zp = 0;
  int cell_power = -12;
  float cell_clip = 0.0f;
  bool time_major = false;
  int batches = 1;
  float weight_scale_max = 0.01f;
  bool wide = false;  // 16x8: int16 input, states and output, int64 biases
  int64_t bias_max = 30000;
};

ir::Model lstm_model(const Spec& s, std::mt19937& rng) {
  Net n;
  const std::vector<int32_t> in_shape =
      s.time_major ? std::vector<int32_t>{s.steps, s.batches, s.input_size}
                   : std::vector<int32_t>{s.batches, s.steps, s.input_size};
  const std::vector<int32_t> out_shape = s.time_major
                                             ? std::vector<int32_t>{s.steps, s.batches, s.units}
                                             : std::vector<int32_t>{s.batches, s.steps, s.units};
  const ir::DataType act = s.wide ? ir::DataType::kInt16 : ir::DataType::kInt8;
  const int x = n.tensor("x", in_shape, s.input_scale, s.input_zp, act);
  std::uniform_int_distribution<int> w8(-127, 127);
  std::uniform_real_distribution<float> wscale(0.002f, s.weight_scale_max);
  std::uniform_int_distribution<int64_t> bias(-s.bias_max, s.bias_max);
  std::vector<int32_t> inputs(24, -1);
  inputs[0] = x;
  for (int k = 1; k <= 8; ++k) {
    const int cols = k <= 4 ? s.input_size : s.units;
    std::vector<int8_t> w(static_cast<size_t>(s.units) * cols);
    for (int8_t& v : w)
      v = static_cast<int8_t>(w8(rng));
    inputs[static_cast<size_t>(k)] =
        n.constant(fmt::format("w{}", k), {s.units, cols}, ir::DataType::kInt8, w.data(), w.size(),
                   wscale(rng), 0);
  }
  for (int g = 0; g < 4; ++g) {
    std::vector<int32_t> b(static_cast<size_t>(s.units));
    std::vector<int64_t> b64(static_cast<size_t>(s.units));
    for (size_t u = 0; u < b.size(); ++u) {
      b64[u] = bias(rng);
      b[u] = static_cast<int32_t>(b64[u]);
    }
    inputs[static_cast<size_t>(12 + g)] =
        s.wide ? n.constant(fmt::format("b{}", g), {s.units}, ir::DataType::kInt64, b64.data(),
                            b64.size() * 8, 1e-8f, 0)
               : n.constant(fmt::format("b{}", g), {s.units}, ir::DataType::kInt32, b.data(),
                            b.size() * 4, 1e-5f, 0);
  }
  const int h = n.tensor("h", {s.batches, s.units}, s.hidden_scale, s.hidden_zp, act);
  const int c =
      n.tensor("c", {s.batches, s.units}, std::ldexp(1.0f, s.cell_power), 0, ir::DataType::kInt16);
  n.make_variable(h);
  n.make_variable(c);
  inputs[18] = h;
  inputs[19] = c;
  const int y = n.tensor("y", out_shape, s.hidden_scale, s.hidden_zp, act);
  std::vector<int32_t> intermediates;
  for (int k = 0; k < 5; ++k)
    intermediates.push_back(n.tensor(fmt::format("im{}", k), {1}, 1.0f, 0, ir::DataType::kInt16));
  tflite::UnidirectionalSequenceLSTMOptionsT o;
  o.fused_activation_function = tflite::ActivationFunctionType::TANH;
  o.cell_clip = s.cell_clip;
  o.time_major = s.time_major;
  n.op<tflite::UnidirectionalSequenceLSTMOptions>(BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, inputs,
                                                  {y}, o);
  n.io({x}, {y});
  ir::Model m = n.model();
  m.subgraphs[0].operators[0].intermediates = intermediates;
  return tfl::read_model(tfl::write_model(m), "lstm");
}

// A random 16x8 network's specification (k picks the clip and the layout).
Spec wide_spec(std::mt19937& rng, int k) {
  std::uniform_int_distribution<int> size(1, 32);
  std::uniform_int_distribution<int> steps(1, 10);
  std::uniform_real_distribution<float> input_scale(2e-5f, 5e-4f);
  std::uniform_real_distribution<float> hidden_scale(1.0f / 32768, 1.0f / 4096);
  std::uniform_int_distribution<int> power(-15, -11);
  Spec s;
  s.wide = true;
  s.steps = steps(rng);
  s.input_size = size(rng);
  s.units = size(rng);
  s.input_scale = input_scale(rng);
  s.hidden_scale = hidden_scale(rng);
  s.cell_power = power(rng);
  s.cell_clip = k % 3 == 0 ? 0.0f : (k % 3 == 1 ? 0.5f : 10.0f);
  s.time_major = k % 2 == 1;
  s.bias_max = int64_t{1} << 22;
  return s;
}

// What a failure report names of a network's specification.
std::string describe(const Spec& s) {
  return fmt::format(
      "{}batches {} steps {} input {} units {} zero points {} {} cell 2^{} clip {} time major {}",
      s.wide ? "16x8 " : "", s.batches, s.steps, s.input_size, s.units, s.input_zp, s.hidden_zp,
      s.cell_power, s.cell_clip, s.time_major);
}

// The network is lowered (no reason to keep it on the CPU) and its compiled outputs equal the
// reference's on a small, a large and a two-core accelerator. False if it was not lowered.
bool expect_lowered_and_exact(const ir::Model& m) {
  const auto why = frontend::lstm_why_not(m, 0, 0);
  EXPECT_FALSE(why.has_value()) << *why;
  if (why)
    return false;
  for (const char* accelerator : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"})
    expect_same_outputs(m, accelerator);
  return true;
}

// The variable tensors of subgraph 0 (by name: the compiled model keeps them under theirs).
std::vector<int> variables(const ir::Model& m, const std::vector<std::string>& names) {
  std::vector<int> out;
  const ir::Subgraph& sg = m.subgraphs[0];
  for (const std::string& name : names) {
    for (size_t t = 0; t < sg.tensors.size(); ++t) {
      if (sg.tensors[t].name == name && sg.tensors[t].is_variable)
        out.push_back(static_cast<int>(t));
    }
  }
  return out;
}

// Invokes the original (reference interpreter) and the compiled model (functional model) in
// turn `inputs.size()` times without resetting the variable tensors between invocations, as
// TensorFlow Lite Micro does: every invocation's outputs and the state tensors after it must be
// byte-identical. Returns the number of invocations compared; adds to `carried` those whose
// outputs differ from a fresh start's (the state mattered: a compiled model that ignored or
// dropped it would fail there).
int expect_same_stream(const ir::Model& original, const std::string& accelerator,
                       const std::vector<std::vector<uint8_t>>& inputs, int& carried) {
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator(accelerator);
  const arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  const ir::Model compiled =
      tfl::read_model(tfl::write_model(driver::compile_model(original, system, {}).model), "c");
  const ir::Subgraph& sg = original.subgraphs[0];
  std::vector<std::string> names;
  for (size_t t = 0; t < sg.tensors.size(); ++t) {
    if (sg.tensors[t].is_variable)
      names.push_back(sg.tensors[t].name);
  }
  const std::vector<int> want_state = variables(original, names);
  const std::vector<int> got_state = variables(compiled, names);
  EXPECT_EQ(want_state.size(), 2u);
  EXPECT_EQ(got_state.size(), want_state.size()) << "the compiled model keeps the variables";
  if (got_state.size() != want_state.size())
    return 0;
  refinterp::Interpreter want(original);
  refinterp::Interpreter fresh(original);
  refinterp::Interpreter got(compiled, runner::ethosu_kernel_factory("compiled"));
  want.keep_variables(true);
  got.keep_variables(true);
  int compared = 0;
  for (size_t run = 0; run < inputs.size(); ++run) {
    want.set_input(0, inputs[run]);
    got.set_input(0, inputs[run]);
    fresh.set_input(0, inputs[run]);
    want.invoke();
    got.invoke();
    fresh.invoke();
    bool differs = false;
    for (size_t k = 0; k < want.output_count(); ++k) {
      const auto a = want.output(k);
      const auto b = got.output(k);
      differs = differs || !std::equal(a.begin(), a.end(), fresh.output(k).begin());
      EXPECT_TRUE(a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()))
          << accelerator << " invocation " << run << " output " << k;
    }
    for (size_t v = 0; v < want_state.size(); ++v) {
      const auto a = want.tensor_bytes(want_state[v]);
      const auto b = got.tensor_bytes(got_state[v]);
      EXPECT_TRUE(a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()))
          << accelerator << " invocation " << run << " state '" << names[v] << "'";
    }
    carried += differs;
    ++compared;
  }
  return compared;
}

std::vector<std::vector<uint8_t>> random_inputs(const ir::Model& m, int count, std::mt19937& rng) {
  const ir::Tensor& in = m.subgraphs[0].tensors[static_cast<size_t>(m.subgraphs[0].inputs[0])];
  const size_t element = in.type == ir::DataType::kInt16 ? 2 : 1;
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(count));
  for (auto& bytes : out) {
    bytes.resize(static_cast<size_t>(in.num_elements()) * element);
    for (uint8_t& v : bytes)
      v = static_cast<uint8_t>(rng());
  }
  return out;
}

// The output sequence is the hidden state after every step: comparing it compares each step.
TEST(Lstm, RandomNetworksMatchTheReferenceAtEveryTimeStep) {
  std::mt19937 rng(1717);
  std::uniform_int_distribution<int> size(1, 40);
  std::uniform_int_distribution<int> steps(1, 12);
  std::uniform_int_distribution<int> zp(-128, 127);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  std::uniform_int_distribution<int> power(-15, -11);
  std::vector<Spec> specs;
  specs.push_back(Spec{});  // small, zero points 0
  for (int k = 0; k < 10; ++k) {
    Spec s;
    s.steps = steps(rng);
    s.input_size = size(rng);
    s.units = size(rng);
    s.input_scale = scale(rng);
    s.hidden_scale = scale(rng);
    s.input_zp = zp(rng);
    s.hidden_zp = zp(rng);
    s.cell_power = power(rng);
    s.cell_clip = k % 3 == 0 ? 0.0f : (k % 3 == 1 ? 0.5f : 10.0f);
    s.time_major = k % 2 == 1;
    specs.push_back(s);
  }
  for (const Spec& s : specs) {
    SCOPED_TRACE(describe(s));
    expect_lowered_and_exact(lstm_model(s, rng));
  }
}

// Several batches, time major (the batches share each step's operations) and batch major (one
// unrolled sequence per batch): every step equals the reference on three accelerators, and the
// states after each of three streamed invocations; int8 and 16x8.
TEST(Lstm, SeveralBatchesInBothLayoutsMatchTheReference) {
  std::mt19937 rng(2026);
  std::uniform_int_distribution<int> size(1, 20);
  std::uniform_int_distribution<int> steps(1, 6);
  std::uniform_int_distribution<int> batches(2, 4);
  std::uniform_int_distribution<int> zp(-128, 127);
  int compared = 0, carried = 0;
  for (int k = 0; k < 8; ++k) {
    Spec s;
    if (k >= 4) {
      s = wide_spec(rng, k);
    } else {
      s.input_zp = zp(rng);
      s.hidden_zp = zp(rng);
      s.cell_clip = k % 2 == 0 ? 0.0f : 0.5f;
    }
    s.steps = steps(rng);
    s.input_size = size(rng);
    s.units = size(rng);
    s.batches = batches(rng);
    s.time_major = k % 2 == 1;
    SCOPED_TRACE(describe(s));
    const ir::Model m = lstm_model(s, rng);
    if (!expect_lowered_and_exact(m))
      continue;
    compared += expect_same_stream(m, "ethos-u55-128", random_inputs(m, 3, rng), carried);
  }
  EXPECT_EQ(compared, 8 * 3);
  EXPECT_EQ(carried, 8 * 2);
}

// Instances the lowering does not cover stay on the CPU with their reason, and the model still
// computes the reference's result there.
TEST(Lstm, UnsupportedInstancesStayOnTheCpuWithTheirReason) {
  std::mt19937 rng(5);
  Spec many;  // more rows than euc unrolls
  many.batches = 65;
  many.steps = 16;
  many.input_size = 2;
  many.units = 2;
  ir::Model m = lstm_model(many, rng);
  EXPECT_EQ(frontend::lstm_why_not(m, 0, 0).value_or(""),
            "16 time steps x 65 batches; euc unrolls at most 1024 rows");
  driver::CompileResult r = compile_and_compare(m, "ethos-u55-128");
  EXPECT_EQ(r.model.subgraphs[0].operators[0].type, BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM);

  Spec flat;  // several batches with the cell state flattened: rows not addressable per batch
  flat.batches = 2;
  m = lstm_model(flat, rng);
  m.subgraphs[0].tensors[static_cast<size_t>(m.subgraphs[0].operators[0].inputs[19])].shape = {
      2 * flat.units};
  EXPECT_NE(frontend::lstm_why_not(m, 0, 0).value_or("").find("the cell state [B, units]"),
            std::string::npos);

  Spec big;  // input scale x weight scale / 2^-12 above 1: the NPU's MBQM needs e <= 0
  big.input_scale = 0.2f;
  big.weight_scale_max = 0.05f;
  big.hidden_scale = 0.3f;
  m = lstm_model(big, rng);
  EXPECT_NE(frontend::lstm_why_not(m, 0, 0).value_or("").find("not below 1"), std::string::npos);
  compile_and_compare(m, "ethos-u55-128");

  Spec long_sequence;
  long_sequence.steps = 1025;
  long_sequence.input_size = 2;
  long_sequence.units = 2;
  m = lstm_model(long_sequence, rng);
  EXPECT_EQ(frontend::lstm_why_not(m, 0, 0).value_or(""),
            "1025 time steps; euc unrolls at most 1024");

  Spec odd;  // a cell scale that is no power of two
  m = lstm_model(odd, rng);
  m.subgraphs[0]
      .tensors[static_cast<size_t>(m.subgraphs[0].operators[0].inputs[19])]
      .quantization->scale = {0.0003f};
  EXPECT_EQ(frontend::lstm_why_not(m, 0, 0).value_or(""),
            "the cell state's scale is not a power of two");
}

// mnist_lstm cut after its LSTM: the hidden state after each of the 28 steps (the output
// sequence) equals the reference interpreter's on every golden input, under the six setups'
// accelerators; the whole model compiles to one ethos-u operator.
TEST(Lstm, CorpusModelHiddenStateAfterEveryStepOnGoldenInputs) {
  EUC_REQUIRE_SHARED();
  const auto dir = test::shared_dir() / "models";
  ir::Model whole = tfl::read_model_file(dir / "mnist_lstm_int8.tflite");
  ir::Model cut = whole;
  ir::Subgraph& sg = cut.subgraphs[0];
  ASSERT_EQ(sg.operators[0].type, BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM);
  sg.outputs = {sg.operators[0].outputs[0]};
  sg.operators.resize(1);
  cut.signature_defs.clear();
  cut = tfl::read_model(tfl::write_model(cut), "cut");
  int cases = 0;
  for (const char* accelerator : {"ethos-u55-32", "ethos-u55-64", "ethos-u55-128", "ethos-u55-256",
                                  "ethos-u65-256", "ethos-u65-512"}) {
    arch::SystemConfigOptions so;
    so.accelerator = arch::parse_accelerator(accelerator);
    const arch::SystemConfig system =
        arch::resolve_system_config(arch::builtin_config_library(), so);
    EXPECT_EQ(driver::compile_model(whole, system, {}).model.subgraphs[0].operators.size(), 1u);
    const ir::Model compiled = driver::compile_model(cut, system, {}).model;
    ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u);
    refinterp::Interpreter want(cut);
    refinterp::Interpreter got(tfl::read_model(tfl::write_model(compiled), "compiled"),
                               runner::ethosu_kernel_factory("compiled"));
    for (const auto& e : std::filesystem::directory_iterator(dir / "golden" / "mnist_lstm_int8")) {
      if (!e.is_directory())
        continue;
      const auto file = e.path() / "input0.npy";
      std::ifstream f(file, std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                                 std::istreambuf_iterator<char>());
      const auto input = refinterp::parse_npy(bytes, file.string()).data;
      want.set_input(0, input);
      got.set_input(0, input);
      want.invoke();
      got.invoke();
      const auto a = want.output(0);
      const auto b = got.output(0);
      ASSERT_EQ(a.size(), 28u * 20u);
      ASSERT_EQ(b.size(), a.size());
      for (size_t t = 0; t < 28; ++t) {
        EXPECT_TRUE(std::equal(a.begin() + static_cast<std::ptrdiff_t>(t * 20),
                               a.begin() + static_cast<std::ptrdiff_t>(t * 20 + 20),
                               b.begin() + static_cast<std::ptrdiff_t>(t * 20)))
            << accelerator << " " << e.path().filename() << " step " << t;
      }
      ++cases;
    }
  }
  EXPECT_EQ(cases, 30);
}

// The recurrent weights every unrolled step reads stay resident: step 0's four recurrent fully
// connected layers copy their streams into SRAM once, and the 27 later steps' read them there
// (4 x 27 operations), in the default system (weights in off-chip flash) under the Performance
// strategy; --disable-buffering leaves every step fetching them from flash. The outputs are
// checked bit-exact by the tests above (which compile under the same system).
TEST(Lstm, RecurrentWeightsStayResidentAcrossTimeSteps) {
  EUC_REQUIRE_SHARED();
  const ir::Model m =
      tfl::read_model_file(test::shared_dir() / "models" / "mnist_lstm_int8.tflite");
  const arch::SystemConfig system =
      arch::resolve_system_config(arch::builtin_config_library(), arch::SystemConfigOptions{});
  auto resident = [&](bool buffering) {
    driver::CompileOptions o;
    o.describe_plans = true;
    o.plan.weight_buffering = buffering;
    const driver::CompileResult r = driver::compile_model(m, system, o);
    EXPECT_EQ(r.report.segments.size(), 1u);
    const std::string& text = r.report.segments.at(0).schedule;
    size_t count = 0;
    for (size_t at = text.find("resident"); at != std::string::npos;
         at = text.find("resident", at + 1))
      ++count;
    return count;
  };
  // Four recurrent gates over 27 time steps; since fully connected layers may take a buffer of
  // their own where the static timeline says it pays, one reader of a stream may own a
  // buffer instead of reading the resident one.
  EXPECT_GE(resident(true), 4u * 26u);
  EXPECT_LE(resident(true), 4u * 27u);
  EXPECT_EQ(resident(false), 0u);
}

// Streaming: the state carries over between invocations (TensorFlow Lite Micro resets variable
// tensors only on request). Random networks, four invocations each with new inputs, without a
// reset: outputs and final states equal the reference's after every invocation.
TEST(Lstm, RandomNetworksKeepTheirStateAcrossInvocations) {
  std::mt19937 rng(4242);
  std::uniform_int_distribution<int> size(1, 24);
  std::uniform_int_distribution<int> steps(1, 6);
  std::uniform_int_distribution<int> zp(-128, 127);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  std::uniform_int_distribution<int> power(-15, -11);
  int compared = 0, carried = 0;
  for (int k = 0; k < 8; ++k) {
    Spec s;
    s.steps = steps(rng);
    s.input_size = size(rng);
    s.units = size(rng);
    s.input_scale = scale(rng);
    s.hidden_scale = scale(rng);
    s.input_zp = zp(rng);
    s.hidden_zp = zp(rng);
    s.cell_power = power(rng);
    s.cell_clip = k % 3 == 0 ? 0.0f : (k % 3 == 1 ? 0.5f : 10.0f);
    s.time_major = k % 2 == 1;
    SCOPED_TRACE(describe(s));
    const ir::Model m = lstm_model(s, rng);
    ASSERT_FALSE(frontend::lstm_why_not(m, 0, 0).has_value());
    const auto inputs = random_inputs(m, 4, rng);
    for (const char* accelerator : {"ethos-u55-64", "ethos-u65-256"})
      compared += expect_same_stream(m, accelerator, inputs, carried);
  }
  EXPECT_EQ(compared, 8 * 2 * 4);
  EXPECT_EQ(carried, 8 * 2 * 3);  // every invocation but the first (from the reset state)
}

// The reference interpreter's streaming mode is what TensorFlow Lite Micro does: the second
// invocation of the same input starts from the first's final state, so its output differs from
// a fresh start's (for this network; fixed seed), and the default still resets.
TEST(Lstm, ReferenceInterpreterKeepsVariablesOnlyWhenAsked) {
  std::mt19937 rng(99);
  Spec s;
  s.steps = 3;
  const ir::Model m = lstm_model(s, rng);
  const auto input = random_inputs(m, 1, rng)[0];
  refinterp::Interpreter fresh(m);
  refinterp::Interpreter stream(m);
  stream.keep_variables(true);
  fresh.set_input(0, input);
  stream.set_input(0, input);
  fresh.invoke();
  stream.invoke();
  const std::vector<uint8_t> first(fresh.output(0).begin(), fresh.output(0).end());
  EXPECT_TRUE(std::equal(first.begin(), first.end(), stream.output(0).begin()));
  fresh.invoke();
  stream.invoke();
  EXPECT_TRUE(std::equal(first.begin(), first.end(), fresh.output(0).begin()));
  EXPECT_FALSE(std::equal(first.begin(), first.end(), stream.output(0).begin()));
  stream.reset_variable_tensors();
  stream.invoke();
  EXPECT_TRUE(std::equal(first.begin(), first.end(), stream.output(0).begin()));
}

// mnist_lstm whole and cut after its LSTM, streamed: its five golden inputs and five random ones
// in a row without a reset, under the six setups' accelerators.
TEST(Lstm, CorpusModelKeepsItsStateAcrossInvocations) {
  EUC_REQUIRE_SHARED();
  const auto dir = test::shared_dir() / "models";
  const ir::Model whole = tfl::read_model_file(dir / "mnist_lstm_int8.tflite");
  ir::Model cut = whole;
  ir::Subgraph& sg = cut.subgraphs[0];
  ASSERT_EQ(sg.operators[0].type, BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM);
  sg.outputs = {sg.operators[0].outputs[0]};
  sg.operators.resize(1);
  cut.signature_defs.clear();
  cut = tfl::read_model(tfl::write_model(cut), "cut");
  std::vector<std::filesystem::path> cases;
  for (const auto& e : std::filesystem::directory_iterator(dir / "golden" / "mnist_lstm_int8")) {
    if (e.is_directory())
      cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());  // a fixed order
  std::vector<std::vector<uint8_t>> inputs;
  for (const auto& c : cases) {
    const auto file = c / "input0.npy";
    std::ifstream f(file, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                               std::istreambuf_iterator<char>());
    inputs.push_back(refinterp::parse_npy(bytes, file.string()).data);
  }
  std::mt19937 rng(3);
  for (auto& r : random_inputs(whole, 5, rng))
    inputs.push_back(std::move(r));
  ASSERT_EQ(inputs.size(), 10u);
  int compared = 0, carried = 0;
  for (const char* accelerator : {"ethos-u55-32", "ethos-u55-64", "ethos-u55-128", "ethos-u55-256",
                                  "ethos-u65-256", "ethos-u65-512"}) {
    compared += expect_same_stream(whole, accelerator, inputs, carried);
    compared += expect_same_stream(cut, accelerator, inputs, carried);
  }
  EXPECT_EQ(compared, 6 * 2 * 10);
  EXPECT_GE(carried, 6 * 9);  // at least the cut model's hidden sequences after the first
}

// --- 16x8: int16 activations, int8 weights, int64 biases. ---

// The int16 values of a tensor's bytes.
std::vector<int16_t> int16_values(std::span<const uint8_t> bytes) {
  std::vector<int16_t> v(bytes.size() / 2);
  std::memcpy(v.data(), bytes.data(), v.size() * 2);
  return v;
}

// The model's LSTM in float on dequantised weights, biases and input, from a zero state: the
// textbook cell, an expectation independent of TFLite's integer arithmetic (one batch).
std::vector<float> float_lstm(const ir::Model& m, const std::vector<int16_t>& x) {
  const ir::Subgraph& sg = m.subgraphs[0];
  const ir::Operator& op = sg.operators[0];
  auto t = [&](int i) -> const ir::Tensor& {
    return sg.tensors[static_cast<size_t>(op.inputs[static_cast<size_t>(i)])];
  };
  const int units = t(18).shape[1];
  const int in_size = t(0).shape[2];
  const int steps = static_cast<int>(x.size()) / in_size;
  std::vector<float> h(static_cast<size_t>(units), 0.0f), c(h), out;
  auto weight = [&](int i, int r, int k, int cols) {
    const auto bytes = m.tensor_data(t(i));
    return static_cast<float>(static_cast<int8_t>(bytes[static_cast<size_t>(r * cols + k)])) *
           t(i).quantization->scale[0];
  };
  auto bias = [&](int i, int r) {
    int64_t v = 0;
    std::memcpy(&v, m.tensor_data(t(i)).data() + static_cast<size_t>(r) * 8, 8);
    return static_cast<float>(v) * t(0).quantization->scale[0] * t(i - 11).quantization->scale[0];
  };
  const float sx = t(0).quantization->scale[0];
  for (int step = 0; step < steps; ++step) {
    std::vector<float> gate[4];
    for (int g = 0; g < 4; ++g) {
      for (int r = 0; r < units; ++r) {
        float a = bias(12 + g, r);
        for (int k = 0; k < in_size; ++k)
          a += weight(1 + g, r, k, in_size) * sx * x[static_cast<size_t>(step * in_size + k)];
        for (int k = 0; k < units; ++k)
          a += weight(5 + g, r, k, units) * h[static_cast<size_t>(k)];
        a = std::clamp(a, -8.0f, 8.0f);  // the Q3.12 gate input saturates
        gate[g].push_back(g == 2 ? std::tanh(a) : 1.0f / (1.0f + std::exp(-a)));
      }
    }
    for (int r = 0; r < units; ++r) {
      const auto u = static_cast<size_t>(r);
      c[u] = gate[1][u] * c[u] + gate[0][u] * gate[2][u];
      h[u] = gate[3][u] * std::tanh(c[u]);
      out.push_back(h[u]);
    }
  }
  return out;
}

// The test suite's own 16x8 LSTM networks: compiled, every time step (the output sequence) is
// byte-identical to the reference interpreter's on three accelerators, in both layouts, with
// and without a cell clip.
TEST(Lstm16x8, RandomNetworksMatchTheReferenceAtEveryTimeStep) {
  std::mt19937 rng(1608);
  for (int k = 0; k < 10; ++k) {
    const Spec s = wide_spec(rng, k);
    SCOPED_TRACE(describe(s));
    expect_lowered_and_exact(lstm_model(s, rng));
  }
}

// Streaming 16x8: outputs and both state tensors equal the reference's after every one of four
// invocations without a reset, and the state carries over.
TEST(Lstm16x8, RandomNetworksKeepTheirStateAcrossInvocations) {
  std::mt19937 rng(1609);
  int compared = 0, carried = 0;
  for (int k = 0; k < 6; ++k) {
    const Spec s = wide_spec(rng, k);
    const ir::Model m = lstm_model(s, rng);
    ASSERT_FALSE(frontend::lstm_why_not(m, 0, 0).has_value());
    const auto inputs = random_inputs(m, 4, rng);
    for (const char* accelerator : {"ethos-u55-64", "ethos-u65-256"})
      compared += expect_same_stream(m, accelerator, inputs, carried);
  }
  EXPECT_EQ(compared, 6 * 2 * 4);
  EXPECT_EQ(carried, 6 * 2 * 3);
}

// The reference interpreter's 16x8 path follows the float LSTM: hidden states within a few
// hundredths (int16 gates and state, table activations, saturating Q3.12 gate inputs). Inputs
// of moderate size, so that the gates do not all saturate.
TEST(Lstm16x8, ReferenceInterpreterFollowsTheFloatCell) {
  std::mt19937 rng(1610);
  int checked = 0;
  for (int k = 0; k < 6; ++k) {
    Spec s = wide_spec(rng, 0);
    s.time_major = false;
    s.cell_power = -11;  // cell values up to 16: no saturation of the cell state
    const ir::Model m = lstm_model(s, rng);
    std::uniform_int_distribution<int> value(-6000, 6000);
    std::vector<int16_t> x(static_cast<size_t>(s.steps * s.input_size));
    for (int16_t& v : x)
      v = static_cast<int16_t>(value(rng));
    refinterp::Interpreter ref(m);
    std::vector<uint8_t> bytes(x.size() * 2);
    std::memcpy(bytes.data(), x.data(), bytes.size());
    ref.set_input(0, bytes);
    ref.invoke();
    const std::vector<int16_t> got = int16_values(ref.output(0));
    const std::vector<float> want = float_lstm(m, x);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const float h = static_cast<float>(got[i]) * s.hidden_scale;
      const float expected = std::clamp(want[i], -32768 * s.hidden_scale, 32767 * s.hidden_scale);
      EXPECT_NEAR(h, expected, 0.02f) << "network " << k << " value " << i;
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

// 16x8 instances outside what the NPU reproduces stay on the CPU with the exact reason, and
// still compute the reference's result there.
TEST(Lstm16x8, UnsupportedInstancesStayOnTheCpuWithTheirReason) {
  std::mt19937 rng(1611);
  Spec s = wide_spec(rng, 0);
  s.bias_max = int64_t{1} << 45;  // beyond the NPU's 40-bit bias
  ir::Model m = lstm_model(s, rng);
  EXPECT_NE(frontend::lstm_why_not(m, 0, 0).value_or("").find("40 bits"), std::string::npos);
  driver::CompileResult r = compile_and_compare(m, "ethos-u55-128");
  EXPECT_EQ(r.model.subgraphs[0].operators[0].type, BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM);

  s = wide_spec(rng, 0);
  m = lstm_model(s, rng);
  m.subgraphs[0].tensors[static_cast<size_t>(m.subgraphs[0].operators[0].inputs[12])].type =
      ir::DataType::kInt32;
  EXPECT_EQ(frontend::lstm_why_not(m, 0, 0).value_or(""),
            "a 16x8 LSTM needs int8 weights and int64 biases");
}

}  // namespace
}  // namespace euc::test
