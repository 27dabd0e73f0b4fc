// SQUARED_DIFFERENCE int8 on the NPU against the reference interpreter: random input and output
// scales and zero points, every one of the 65,536 pairs of input values at once, on three cores;
// broadcast inputs on random values.
// Unequal scales take the two-step rescale of the smaller-scale input (a shift right after the
// doubling high multiply); equal scales take one step for both.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "frontend/lowering/squared_difference.hpp"
#include "refinterp/interpreter.hpp"
#include "runner/ethosu_kernel.hpp"
#include "small_network.hpp"

namespace euc::test {
namespace {

using ir::BuiltinOp;

struct Case {
  float s1, s2, so;
  int64_t z1, z2, zo;
};

// Inputs of [1, 16, 16, 256]: element i holds i mod 256 in `a` and i / 256 in `b`, every pair.
ir::Model model_of(const Case& c) {
  Net n;
  const std::vector<int32_t> shape{1, 16, 16, 256};
  const int a = n.tensor("a", shape, c.s1, c.z1);
  const int b = n.tensor("b", shape, c.s2, c.z2);
  const int y = n.tensor("y", shape, c.so, c.zo);
  n.op(BuiltinOp::SQUARED_DIFFERENCE, {a, b}, {y});
  n.io({a, b}, {y});
  return n.model();
}

// Compiles for `accelerator`, runs both on every input pair; returns the number of operators
// of the compiled model.
size_t expect_exact(const ir::Model& original, const std::string& accelerator) {
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator(accelerator);
  const arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  const ir::Model compiled = driver::compile_model(original, system, {}).model;
  refinterp::Interpreter want(original);
  refinterp::Interpreter got(tfl::read_model(tfl::write_model(compiled), "compiled"),
                             runner::ethosu_kernel_factory("compiled"));
  std::vector<uint8_t> a(65536), b(65536);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<uint8_t>(i & 255);
    b[i] = static_cast<uint8_t>(i >> 8);
  }
  want.set_input(0, a);
  got.set_input(0, a);
  want.set_input(1, b);
  got.set_input(1, b);
  want.invoke();
  got.invoke();
  const auto w = want.output(0);
  const auto g = got.output(0);
  EXPECT_EQ(w.size(), g.size());
  size_t differ = 0;
  for (size_t i = 0; i < std::min(w.size(), g.size()); ++i)
    differ += w[i] != g[i] ? 1 : 0;
  EXPECT_EQ(differ, 0u) << accelerator;
  return compiled.subgraphs[0].operators.size();
}

TEST(SquaredDifference, RandomScalesAndZeroPointsMatchTheReferenceForEveryInputPair) {
  std::mt19937 rng(2026);
  std::uniform_real_distribution<double> log_scale(std::log(1e-3), std::log(0.2));
  std::uniform_real_distribution<double> log_ratio(std::log(0.02), std::log(50.0));
  std::uniform_real_distribution<double> out_part(0.02, 1.5);
  std::uniform_int_distribution<int> zp(-128, 127);
  std::vector<Case> cases;
  // The corpus model's kind: equal scales.
  cases.push_back({0.05f, 0.05f, 0.3f, 3, -7, -128});
  for (int k = 0; k < 10; ++k) {
    Case c;
    c.s1 = static_cast<float>(std::exp(log_scale(rng)));
    c.s2 = k % 3 == 0 ? c.s1 : static_cast<float>(c.s1 * std::exp(log_ratio(rng)));
    // Output scale: the largest square (255 * 2 max scale)^2 / 4 spread over part of the range.
    const double big = 255.0 * std::max(c.s1, c.s2);
    c.so = static_cast<float>(big * big / 255.0 * out_part(rng));
    c.z1 = zp(rng);
    c.z2 = zp(rng);
    c.zo = zp(rng);
    cases.push_back(c);
  }
  int npu = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "scales " << c.s1 << " " << c.s2 << " " << c.so
                                    << " zero points " << c.z1 << " " << c.z2 << " " << c.zo);
    const ir::Model m = model_of(c);
    const auto why = frontend::squared_difference_why_not(m, 0, 0);
    // Every case here is within the lowering's limits (input scales at most 50x apart).
    EXPECT_FALSE(why.has_value()) << *why;
    if (why)
      continue;
    ++npu;
    for (const char* accelerator : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"})
      EXPECT_EQ(expect_exact(m, accelerator), 1u) << "one ethos-u operator expected";
  }
  EXPECT_EQ(npu, static_cast<int>(cases.size()));
}

// One input broadcast (either one, lower ranks included) against random inputs: the broadcast
// input's rescale runs in its own shape and the subtraction broadcasts it.
TEST(SquaredDifference, BroadcastInputsMatchTheReference) {
  struct Shapes {
    std::vector<int32_t> a, b, out;
  };
  const Shapes shapes[] = {
      {{1, 6, 5, 8}, {1, 1, 1, 8}, {1, 6, 5, 8}},
      {{1, 1, 5, 1}, {1, 6, 5, 8}, {1, 6, 5, 8}},
      {{2, 7, 16}, {16}, {2, 7, 16}},
      {{1}, {3, 9}, {3, 9}},
  };
  std::mt19937 rng(51);
  std::uniform_int_distribution<int> zp(-128, 127);
  std::uniform_real_distribution<double> ratio(0.05, 3.0);
  for (const Shapes& sh : shapes) {
    Net n;
    const float s1 = 0.03f, s2 = static_cast<float>(0.03 * ratio(rng));
    const double big = 255.0 * std::max(s1, s2);
    const int a = n.tensor("a", sh.a, s1, zp(rng));
    const int b = n.tensor("b", sh.b, s2, zp(rng));
    const int y = n.tensor("y", sh.out, static_cast<float>(big * big / 255.0 * 0.3), zp(rng));
    n.op(BuiltinOp::SQUARED_DIFFERENCE, {a, b}, {y});
    n.io({a, b}, {y});
    const ir::Model m = n.model();
    const auto why = frontend::squared_difference_why_not(m, 0, 0);
    ASSERT_FALSE(why.has_value()) << *why;
    for (const char* accelerator : {"ethos-u55-64", "ethos-u65-256"}) {
      const ir::Model compiled = expect_same_outputs(m, accelerator);
      EXPECT_EQ(compiled.subgraphs[0].operators.size(), 1u);
      EXPECT_EQ(compiled.subgraphs[0].operators[0].type, BuiltinOp::CUSTOM);
    }
  }
}

// Scales so far apart that the smaller input's rescale shifts beyond 31 bits stay on the CPU
// with a reason.
TEST(SquaredDifference, InputScalesTooFarApartStayOnTheCpu) {
  const ir::Model m = model_of({1.0f, 1e-12f, 1.0f, 0, 0, 0});
  const auto why = frontend::squared_difference_why_not(m, 0, 0);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("too small"), std::string::npos) << *why;
}

}  // namespace
}  // namespace euc::test
