// The random graph generator: deterministic, valid for the reference interpreter by
// construction, honouring TFLite's quantisation rules; and the minimiser shrinks a recipe to what
// a predicate needs.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "arch/config_file.hpp"
#include "builder.hpp"
#include "core/error.hpp"
#include "driver/compiler.hpp"
#include "generator.hpp"
#include "minimise.hpp"
#include "refinterp/interpreter.hpp"
#include "runner/differential.hpp"
#include "tflite/writer.hpp"

namespace euc::graphgen {
namespace {

TEST(GraphGen, SameSeedGivesTheSameBytes) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    EXPECT_EQ(tfl::write_model(generate(seed)), tfl::write_model(generate(seed))) << seed;
  }
  EXPECT_NE(tfl::write_model(generate(1)), tfl::write_model(generate(2)));
}

TEST(GraphGen, GraphsRunOnTheReferenceInterpreter) {
  std::set<ir::BuiltinOp> seen;
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    ir::Model m = generate(seed);
    for (const ir::Operator& op : m.subgraphs[0].operators)
      seen.insert(op.type);
    auto inputs = runner::random_inputs(m, seed);
    try {
      refinterp::Interpreter interp(m);
      for (size_t k = 0; k < inputs.size(); ++k)
        interp.set_input(k, inputs[k]);
      interp.invoke();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << ": " << e.what() << "\n"
                    << describe(generate_recipe(seed));
    }
  }
  // The families the fuzzer is meant to cover all show up in a small sample.
  for (ir::BuiltinOp op :
       {ir::BuiltinOp::CONV_2D, ir::BuiltinOp::DEPTHWISE_CONV_2D, ir::BuiltinOp::FULLY_CONNECTED,
        ir::BuiltinOp::AVERAGE_POOL_2D, ir::BuiltinOp::MAX_POOL_2D, ir::BuiltinOp::ADD,
        ir::BuiltinOp::SUB, ir::BuiltinOp::MUL, ir::BuiltinOp::MINIMUM, ir::BuiltinOp::MAXIMUM,
        ir::BuiltinOp::CONCATENATION, ir::BuiltinOp::SPLIT, ir::BuiltinOp::SPLIT_V,
        ir::BuiltinOp::SLICE, ir::BuiltinOp::STRIDED_SLICE, ir::BuiltinOp::PAD, ir::BuiltinOp::MEAN,
        ir::BuiltinOp::RESHAPE, ir::BuiltinOp::QUANTIZE}) {
    EXPECT_TRUE(seen.count(op) != 0) << ir::builtin_op_name(op);
  }
}

TEST(GraphGen, Int16TensorsHaveZeroPointZeroAndWideBiases) {
  GenOptions o;
  o.int16_share = 1.0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    ir::Model m = generate(seed, o);
    const ir::Subgraph& sg = m.subgraphs[0];
    for (const ir::Tensor& t : sg.tensors) {
      if (t.type == ir::DataType::kInt16 && t.quantization) {
        for (int64_t zp : t.quantization->zero_point)
          EXPECT_EQ(zp, 0) << t.name;
      }
    }
    for (const ir::Operator& op : sg.operators) {
      const bool weighted = op.type == ir::BuiltinOp::CONV_2D ||
                            op.type == ir::BuiltinOp::DEPTHWISE_CONV_2D ||
                            op.type == ir::BuiltinOp::FULLY_CONNECTED;
      if (!weighted || op.inputs.size() < 3 || op.inputs[2] < 0)
        continue;
      const bool int16 = sg.tensors[op.inputs[0]].type == ir::DataType::kInt16;
      EXPECT_EQ(sg.tensors[op.inputs[2]].type, int16 ? ir::DataType::kInt64 : ir::DataType::kInt32);
    }
  }
}

TEST(GraphGen, GraphsAreMostlyPlacedOnTheNpuInSeveralSegments) {
  // A graph that stays on the CPU tests nothing; CPU operators in between should cut the NPU
  // part into several ethos-u operators now and then.
  arch::SystemConfig system =
      arch::resolve_system_config(arch::builtin_config_library(), arch::SystemConfigOptions{});
  int64_t npu = 0, cpu = 0;
  int compiled = 0, several = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    try {
      driver::CompileReport r = driver::compile_model(generate(seed), system, {}).report;
      npu += r.npu_network_ops;
      cpu += r.cpu_ops;
      ++compiled;
      several += r.segments.size() >= 2 ? 1 : 0;
    } catch (const Error&) {
      // Compiler failures are graph_fuzz's business.
    }
  }
  ASSERT_GT(compiled, 50);
  EXPECT_GT(static_cast<double>(npu), 0.75 * static_cast<double>(npu + cpu));
  EXPECT_GT(several, compiled / 10);
}

TEST(GraphGen, MinimiserKeepsOnlyWhatThePredicateNeeds) {
  // The first seed with a MUL among several steps; "fails" means "has a MUL".
  auto has_mul = [](const ir::Model& m) {
    const auto& ops = m.subgraphs[0].operators;
    return std::any_of(ops.begin(), ops.end(),
                       [](const ir::Operator& op) { return op.type == ir::BuiltinOp::MUL; });
  };
  for (uint64_t seed = 1; seed < 500; ++seed) {
    Recipe r = generate_recipe(seed);
    auto m = build(r);
    if (r.steps.size() < 6 || !m || !has_mul(*m))
      continue;
    MinimiseResult small = minimise(r, has_mul);
    ASSERT_LE(small.recipe.steps.size(), 2u) << describe(small.recipe);
    auto mm = build(small.recipe);
    ASSERT_TRUE(mm.has_value());
    EXPECT_TRUE(has_mul(*mm));
    return;
  }
  FAIL() << "no seed with a MUL";
}

}  // namespace
}  // namespace euc::graphgen
