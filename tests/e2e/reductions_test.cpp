// REDUCE_MAX, REDUCE_MIN, SUM and MEAN on the NPU against the reference interpreter (TFLite
// Micro's reference kernels) on random inputs: ranks 2 to 4, single and several axes, negative
// axes, keep_dims, int8 and int16, random scales and zero points; and the instances that stay on
// the CPU with their reasons.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "frontend/lowering/lowering.hpp"
#include "frontend/lowering/reductions.hpp"
#include "refinterp/interpreter.hpp"
#include "runner/ethosu_kernel.hpp"
#include "small_network.hpp"
#include "support/test_paths.hpp"

namespace euc::test {
namespace {

using ir::BuiltinOp;
using ir::DataType;

struct Shape {
  std::vector<int32_t> in;
  std::vector<int32_t> axes;
};

std::vector<int32_t> reduced_shape(const Shape& s, bool keep) {
  const auto rank = static_cast<int32_t>(s.in.size());
  std::vector<bool> r(s.in.size(), false);
  for (int32_t a : s.axes)
    r[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  std::vector<int32_t> out;
  for (size_t k = 0; k < s.in.size(); ++k) {
    if (!r[k])
      out.push_back(s.in[k]);
    else if (keep)
      out.push_back(1);
  }
  return out;
}

struct Quant {
  float in_scale, out_scale;
  int64_t in_zp, out_zp;
};

ir::Model model_of(BuiltinOp type, const Shape& s, bool keep, DataType t, const Quant& q) {
  Net n;
  const int x = n.tensor("x", s.in, q.in_scale, q.in_zp, t);
  const int axes = n.int32_constant("axes", s.axes);
  const int y = n.tensor("y", reduced_shape(s, keep), q.out_scale, q.out_zp, t);
  tflite::ReducerOptionsT o;
  o.keep_dims = keep;
  n.op<tflite::ReducerOptions>(type, {x, axes}, {y}, o);
  n.io({x}, {y});
  return n.model();
}

int64_t count_of(const Shape& s) {
  const auto rank = static_cast<int32_t>(s.in.size());
  std::vector<bool> r(s.in.size(), false);
  for (int32_t a : s.axes)
    r[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  int64_t c = 1;
  for (size_t k = 0; k < s.in.size(); ++k)
    c *= r[k] ? s.in[k] : 1;
  return c;
}

// Quantisation for `type`: max/min copy the values (equal quantisation); sums and means get an
// output scale spreading the result over part of the range (sometimes finer than the input's:
// a left shift).
Quant quant_for(BuiltinOp type, DataType t, int64_t count, std::mt19937& rng) {
  std::uniform_real_distribution<double> log_scale(std::log(1e-3), std::log(0.1));
  const bool int16 = t == DataType::kInt16;
  std::uniform_int_distribution<int> zp(int16 ? 0 : -128, int16 ? 0 : 127);
  Quant q;
  q.in_scale = static_cast<float>(std::exp(log_scale(rng)));
  q.in_zp = zp(rng);
  if (type == BuiltinOp::REDUCE_MAX || type == BuiltinOp::REDUCE_MIN) {
    q.out_scale = q.in_scale;
    q.out_zp = q.in_zp;
    return q;
  }
  std::uniform_real_distribution<double> part(0.3, 2.5);
  const double spread = type == BuiltinOp::SUM ? std::sqrt(static_cast<double>(count)) : 1.0;
  q.out_scale = static_cast<float>(q.in_scale * spread * part(rng));
  q.out_zp = zp(rng);
  return q;
}

TEST(Reductions, MatchTheReferenceOverAxesShapesAndTypes) {
  // (Batch 1 and no scalar output: Vela's generic rules keep those on the CPU.)
  const Shape shapes[] = {
      {{1, 8, 8, 16}, {3}},           // depth
      {{1, 8, 8, 16}, {1, 2}},        // height and width
      {{1, 8, 8, 16}, {2}},           // width, height kept
      {{1, 6, 5, 12}, {-3}},          // height (negative axis)
      {{10, 7, 3}, {1}},              // kept axes on both sides: a 1 x 7 kernel
      {{1, 4, 30, 3}, {1, 2}},        // 120 elements in one run: a 4 x 30 kernel
      {{3, 100}, {1}},                // innermost run longer than a kernel: REDUCE_SUM
      {{1, 3, 200}, {-1}},            // the same, negative axis
      {{1, 8, 8, 16}, {0, 1, 2, 3}},  // everything (keep_dims: no scalar output)
      {{1, 10, 7, 3}, {1, 3}},        // two runs (max/min only)
      {{1, 4, 6, 5}, {1, 3}},         // two runs (max/min only)
      {{1, 5, 1, 9}, {2}},            // a reduced axis of size 1: a copy or a rescale
  };
  const BuiltinOp types[] = {BuiltinOp::REDUCE_MAX, BuiltinOp::REDUCE_MIN, BuiltinOp::SUM,
                             BuiltinOp::MEAN};
  std::mt19937 rng(1616);
  int npu = 0, cpu = 0, k = 0;
  for (const Shape& s : shapes) {
    for (BuiltinOp type : types) {
      for (DataType t : {DataType::kInt8, DataType::kInt16}) {
        const bool keep = (k++ % 2) == 0 || s.axes.size() == s.in.size();
        const Quant q = quant_for(type, t, count_of(s), rng);
        SCOPED_TRACE(testing::Message()
                     << ir::builtin_op_name(type) << " "
                     << (t == DataType::kInt8 ? "int8" : "int16") << " in "
                     << testing::PrintToString(s.in) << " axes " << testing::PrintToString(s.axes)
                     << (keep ? " keep_dims" : "") << " scales " << q.in_scale << " -> "
                     << q.out_scale << " zero points " << q.in_zp << " -> " << q.out_zp);
        const ir::Model m = model_of(type, s, keep, t, q);
        const auto why = frontend::reduction_why_not(m, 0, 0);
        const bool sum_like = type == BuiltinOp::SUM || type == BuiltinOp::MEAN;
        if (why) {
          // Only sums and means over two separate runs may stay on the CPU here.
          EXPECT_TRUE(sum_like) << *why;
          EXPECT_NE(why->find("more than one run"), std::string::npos) << *why;
          ++cpu;
          continue;
        }
        ++npu;
        const ir::Model compiled = expect_same_outputs(m, k % 3 == 0   ? "ethos-u65-256"
                                                          : k % 3 == 1 ? "ethos-u55-128"
                                                                       : "ethos-u55-32");
        EXPECT_EQ(compiled.subgraphs[0].operators.size(), 1u);
        EXPECT_EQ(compiled.subgraphs[0].operators.at(0).type, BuiltinOp::CUSTOM) << "on the CPU";
      }
    }
  }
  EXPECT_EQ(cpu, 8);  // SUM and MEAN, int8 and int16, over the two two-run shapes
  EXPECT_EQ(npu, 12 * 8 - 8);
}

// Long rows: 2048 int8 values reduced into each output value (max/min by a 1 x 2048 window, sums
// and means by REDUCE_SUM over the run viewed as the depth).
TEST(Reductions, LongInt8RowsMatchTheReference) {
  for (BuiltinOp type :
       {BuiltinOp::REDUCE_MAX, BuiltinOp::REDUCE_MIN, BuiltinOp::SUM, BuiltinOp::MEAN}) {
    const Shape s{{1, 4, 8, 256}, {2, 3}};
    const Quant q{0.02f,
                  type == BuiltinOp::SUM    ? 0.9f
                  : type == BuiltinOp::MEAN ? 0.017f
                                            : 0.02f,
                  -3, type == BuiltinOp::REDUCE_MAX || type == BuiltinOp::REDUCE_MIN ? -3 : 5};
    const ir::Model m = model_of(type, s, false, DataType::kInt8, q);
    const auto why = frontend::reduction_why_not(m, 0, 0);
    ASSERT_FALSE(why.has_value()) << *why;
    const ir::Model compiled = expect_same_outputs(m, "ethos-u55-256");
    EXPECT_EQ(compiled.subgraphs[0].operators.at(0).type, BuiltinOp::CUSTOM);
  }
}

TEST(Reductions, InstancesOutsideTheLimitsStayOnTheCpuWithTheirReasons) {
  const Quant same{0.05f, 0.05f, 0, 0};
  auto why = [&](BuiltinOp type, const Shape& s, DataType t, const Quant& q) {
    const auto r = frontend::reduction_why_not(model_of(type, s, false, t, q), 0, 0);
    return r.value_or("");
  };
  // Max/min copy the values: the quantisation must not change.
  EXPECT_NE(why(BuiltinOp::REDUCE_MAX, {{1, 4, 4, 8}, {3}}, DataType::kInt8, {0.05f, 0.1f, 0, 0})
                .find("quantisation differ"),
            std::string::npos);
  // int16 sums need zero points 0.
  EXPECT_NE(why(BuiltinOp::MEAN, {{1, 4, 4, 8}, {1, 2}}, DataType::kInt16, {0.05f, 0.05f, 3, 0})
                .find("zero points 0"),
            std::string::npos);
  // A finer output scale shifts the sum left; 4096 int8 sums shifted by 2^12 overflow.
  EXPECT_NE(
      why(BuiltinOp::SUM, {{1, 64, 64, 2}, {1, 2}}, DataType::kInt8, {0.05f, 0.05f / 5000.0f, 0, 0})
          .find("shifts the sum left"),
      std::string::npos);
  // 100 reduced elements between kept axes fit no depthwise kernel.
  EXPECT_NE(
      why(BuiltinOp::MEAN, {{2, 100, 3}, {1}}, DataType::kInt8, same).find("depthwise kernel"),
      std::string::npos);
  // Dimensions of the views stay within 16 bits.
  EXPECT_NE(why(BuiltinOp::REDUCE_MAX, {{70000, 2}, {1}}, DataType::kInt8, same).find("exceeds"),
            std::string::npos);
}

// ARG_MAX int8 -> int32 along the depth: values drawn from a few (ties everywhere, the first
// largest wins), the extremes included, on three accelerators.
TEST(Reductions, ArgMaxMatchesTheReferenceWithTies) {
  std::mt19937 rng(316);
  for (int depth : {1, 2, 7, 16, 100, 127}) {
    for (bool keep : {false, true}) {
      Net n;
      const int x = n.tensor("x", {1, 4, 5, depth}, 0.1f, rng() % 50);
      const int axis = n.int32_constant("axis", {keep ? -1 : 3});
      std::vector<int32_t> out_shape{1, 4, 5};
      if (keep)
        out_shape.push_back(1);  // as Vela 3.10's converter writes it
      const int y = n.tensor("y", out_shape, 1.0f, 0, DataType::kInt32);
      tflite::ArgMaxOptionsT o;
      o.output_type = tflite::TensorType::INT32;
      n.op<tflite::ArgMaxOptions>(BuiltinOp::ARG_MAX, {x, axis}, {y}, o);
      n.io({x}, {y});
      const ir::Model m = n.model();
      ASSERT_EQ(frontend::reduction_why_not(m, 0, 0), std::nullopt) << depth;
      for (const char* accelerator : {"ethos-u55-32", "ethos-u55-256", "ethos-u65-512"}) {
        arch::SystemConfigOptions so;
        so.accelerator = arch::parse_accelerator(accelerator);
        const arch::SystemConfig system =
            arch::resolve_system_config(arch::builtin_config_library(), so);
        const ir::Model compiled = driver::compile_model(m, system, {}).model;
        ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u) << depth;
        EXPECT_EQ(compiled.subgraphs[0].operators[0].type, BuiltinOp::CUSTOM) << depth;
        refinterp::Interpreter want(m);
        refinterp::Interpreter got(tfl::read_model(tfl::write_model(compiled), "compiled"),
                                   runner::ethosu_kernel_factory("compiled"));
        for (int run = 0; run < 3; ++run) {
          const uint8_t pool[] = {
              0x80, 0xFF, 0x00, 0x7F, static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng())};
          std::vector<uint8_t> input(static_cast<size_t>(20 * depth));
          for (uint8_t& v : input)
            v = run == 2 ? static_cast<uint8_t>(rng()) : pool[rng() % (run == 0 ? 2 : 6)];
          want.set_input(0, input);
          got.set_input(0, input);
          want.invoke();
          got.invoke();
          const auto w = want.output(0);
          const auto g = got.output(0);
          ASSERT_EQ(w.size(), g.size());
          EXPECT_TRUE(std::equal(w.begin(), w.end(), g.begin()))
              << "depth " << depth << " " << accelerator << " run " << run;
        }
      }
    }
  }
}

TEST(Reductions, ArgMaxOutsideTheLoweringStaysOnTheCpuWithItsReason) {
  auto model = [](DataType in_type, DataType out_type, int depth) {
    Net n;
    const int x = n.tensor("x", {1, 2, 3, depth}, 0.1f, 0, in_type);
    const int axis = n.int32_constant("axis", {3});
    const int y = n.tensor("y", {1, 2, 3}, 1.0f, 0, out_type);
    tflite::ArgMaxOptionsT o;
    o.output_type =
        out_type == DataType::kInt64 ? tflite::TensorType::INT64 : tflite::TensorType::INT32;
    n.op<tflite::ArgMaxOptions>(BuiltinOp::ARG_MAX, {x, axis}, {y}, o);
    n.io({x}, {y});
    return n.model();
  };
  auto why = [](const ir::Model& m) { return frontend::reduction_why_not(m, 0, 0).value_or(""); };
  EXPECT_NE(why(model(DataType::kInt16, DataType::kInt32, 8)).find("int8 inputs"),
            std::string::npos);
  EXPECT_NE(why(model(DataType::kInt8, DataType::kInt64, 8)).find("not int32"), std::string::npos);
  EXPECT_NE(why(model(DataType::kInt8, DataType::kInt32, 300)).find("at most 256"),
            std::string::npos);
}

// The corpus reductions compile to one ethos-u operator and nothing else (the golden suite
// checks their bytes under six setups).
TEST(Reductions, CorpusModelsRunEntirelyOnTheNpu) {
  EUC_REQUIRE_SHARED();
  const arch::SystemConfig system =
      arch::resolve_system_config(arch::builtin_config_library(), arch::SystemConfigOptions{});
  for (const char* stem :
       {"ops51/mean_c_8x8x16_int8", "ops51/mean_w_8x8x16_int8", "ops51/reduce_max_c_8x8x16_int8",
        "ops51/reduce_max_hw_8x8x16_int8", "ops51/reduce_min_c_8x8x16_int8",
        "ops51/reduce_min_hw_8x8x16_int8", "ops51/sum_c_8x8x16_int8", "ops51/sum_hw_8x8x16_int8",
        "ops/mean_hw_7x7x32_int8", "ops/mean_hw_16x16x16_rescale_int8", "ops/arg_max_axis3_int8"}) {
    const ir::Model compiled =
        driver::compile_model(
            tfl::read_model_file(shared_dir() / "models" / (std::string(stem) + ".tflite")), system,
            {})
            .model;
    ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u) << stem;
    EXPECT_EQ(compiled.subgraphs[0].operators[0].type, BuiltinOp::CUSTOM) << stem;
  }
}

}  // namespace
}  // namespace euc::test
