// BATCH_MATMUL int8 and FULLY_CONNECTED with per-channel weights on the NPU against the reference
// interpreter, on random inputs: constant and feature-map right-hand sides, adj_x / adj_y,
// broadcast batches of either operand, ranks 2 to 4; per-channel FC int8 and int16x8 with and
// without a bias. The instances the lowering cannot make exact stay on the CPU with the reason.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "frontend/lowering/batch_matmul.hpp"
#include "frontend/lowering/lower_ops.hpp"
#include "small_network.hpp"

namespace euc::test {
namespace {

using ir::BuiltinOp;

struct MatMulCase {
  std::vector<int32_t> lhs, rhs, out;
  bool adj_x = false, adj_y = false;
  bool constant_rhs = false;
};

std::string describe(const MatMulCase& c) {
  return fmt::format("{} * {}{}{}{}", fmt::join(c.lhs, "x"), fmt::join(c.rhs, "x"),
                     c.adj_x ? " adj_x" : "", c.adj_y ? " adj_y" : "",
                     c.constant_rhs ? " constant" : " two inputs");
}

ir::Model matmul_model(const MatMulCase& c, std::mt19937& rng,
                       ir::DataType type = ir::DataType::kInt8) {
  std::uniform_real_distribution<double> log_scale(std::log(0.005), std::log(0.2));
  std::uniform_int_distribution<int> zp(-128, 127);
  const bool int8 = type == ir::DataType::kInt8;
  const float sl = static_cast<float>(std::exp(log_scale(rng)));
  const float sr = static_cast<float>(std::exp(log_scale(rng)));
  const int depth = c.adj_x ? c.lhs[c.lhs.size() - 2] : c.lhs.back();
  // The sum of depth products of about 74^2 each, spread over most of the output range.
  const float so =
      static_cast<float>(sl * sr * 74.0 * 74.0 * std::sqrt(static_cast<double>(depth)) / 40.0);
  Net n;
  const int lhs = n.tensor("lhs", c.lhs, sl, int8 ? zp(rng) : 0, type);
  int rhs;
  if (c.constant_rhs) {
    size_t count = 1;
    for (int32_t d : c.rhs)
      count *= static_cast<size_t>(d);
    std::vector<uint8_t> bytes(count);
    for (uint8_t& b : bytes)
      b = static_cast<uint8_t>(rng());
    rhs = n.constant("rhs", c.rhs, ir::DataType::kInt8, bytes.data(), bytes.size(), sr, zp(rng));
  } else {
    rhs = n.tensor("rhs", c.rhs, sr, int8 ? zp(rng) : 0, type);
  }
  const int out = n.tensor("out", c.out, so, int8 ? zp(rng) : 0, type);
  tflite::BatchMatMulOptionsT o;
  o.adj_x = c.adj_x;
  o.adj_y = c.adj_y;
  n.op<tflite::BatchMatMulOptions>(BuiltinOp::BATCH_MATMUL, {lhs, rhs}, {out}, o);
  if (c.constant_rhs)
    n.io({lhs}, {out});
  else
    n.io({lhs, rhs}, {out});
  return n.model();
}

TEST(BatchMatMul, RandomInstancesMatchTheReference) {
  const std::vector<MatMulCase> cases = {
      // The corpus geometry, both forms.
      {{1, 8, 16}, {1, 16, 8}, {1, 8, 8}, false, false, true},
      {{1, 8, 16}, {1, 16, 8}, {1, 8, 8}, false, false, false},
      // Constant right-hand side: broadcast over the left-hand batches, transposes, rank 4.
      {{3, 5, 7}, {7, 4}, {3, 5, 4}, false, false, true},
      {{2, 7, 5}, {2, 6, 7}, {2, 5, 6}, true, true, true},
      {{2, 6, 3}, {2, 6, 9}, {2, 3, 9}, true, false, true},
      {{2, 3, 4, 6}, {1, 3, 6, 5}, {2, 3, 4, 5}, false, false, true},
      // Feature-map right-hand side.
      {{2, 5, 9}, {2, 9, 3}, {2, 5, 3}, false, false, false},
      {{3, 9, 5}, {1, 4, 9}, {3, 5, 4}, true, true, false},
      {{2, 1, 4, 6}, {2, 3, 6, 5}, {2, 3, 4, 5}, false, false, false},
      {{6, 10}, {10, 7}, {6, 7}, false, false, false},
      {{4, 33}, {5, 33}, {4, 5}, false, true, false},
  };
  std::mt19937 rng(16);
  for (const MatMulCase& c : cases) {
    SCOPED_TRACE(describe(c));
    const ir::Model m = matmul_model(c, rng);
    const auto why = frontend::batch_matmul_why_not(m, 0, 0);
    ASSERT_FALSE(why.has_value()) << *why;
    for (const char* accelerator : {"ethos-u55-64", "ethos-u65-256"}) {
      const ir::Model compiled = expect_same_outputs(m, accelerator);
      ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u);
      EXPECT_EQ(compiled.subgraphs[0].operators[0].type, BuiltinOp::CUSTOM);
    }
  }
}

TEST(BatchMatMul, InstancesTheNpuCannotMakeExactStayOnTheCpu) {
  std::mt19937 rng(3);
  // int16: 64-bit sums.
  const ir::Model int16 =
      matmul_model({{1, 4, 8}, {1, 8, 4}, {1, 4, 4}}, rng, ir::DataType::kInt16);
  const auto why16 = frontend::batch_matmul_why_not(int16, 0, 0);
  ASSERT_TRUE(why16.has_value());
  EXPECT_NE(why16->find("int8 only"), std::string::npos) << *why16;
  const driver::CompileResult r = compile_and_compare(int16, "ethos-u55-128");
  EXPECT_EQ(r.model.subgraphs[0].operators[0].type, BuiltinOp::BATCH_MATMUL);

  // An output multiplier far above one: TFLite's left shift of a deep accumulator may overflow.
  Net n;
  const int lhs = n.tensor("lhs", {1, 4, 64}, 1.0f, 0);
  const int rhs = n.tensor("rhs", {1, 64, 4}, 1.0f, 0);
  const int out = n.tensor("out", {1, 4, 4}, 1.0f / 1024.0f, 0);
  n.op<tflite::BatchMatMulOptions>(BuiltinOp::BATCH_MATMUL, {lhs, rhs}, {out}, {});
  n.io({lhs, rhs}, {out});
  const ir::Model big = n.model();
  const auto why = frontend::batch_matmul_why_not(big, 0, 0);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("left shift"), std::string::npos) << *why;
}

// FULLY_CONNECTED with one weight scale per output channel (scales spread over two decades).
ir::Model per_channel_fc(std::mt19937& rng, ir::DataType type, std::vector<int32_t> in_shape,
                         int out_depth, bool bias, bool int32_bias = false) {
  const bool int8 = type == ir::DataType::kInt8;
  const int depth = in_shape.back();
  const int batches = static_cast<int>([&] {
    int64_t e = 1;
    for (int32_t d : in_shape)
      e *= d;
    return e / depth;
  }());
  std::uniform_real_distribution<double> log_scale(std::log(0.001), std::log(0.1));
  std::uniform_int_distribution<int> zp(-128, 127);
  const float si = int8 ? 0.02f : 0.0005f;
  Net n;
  const int x = n.tensor("x", in_shape, si, int8 ? zp(rng) : 0, type);
  std::vector<uint8_t> wbytes(static_cast<size_t>(out_depth) * depth);
  for (uint8_t& b : wbytes)
    b = static_cast<uint8_t>(rng());
  const int w =
      n.constant("w", {out_depth, depth}, ir::DataType::kInt8, wbytes.data(), wbytes.size(), 1.0f);
  ir::Quantization q;
  double largest = 0;
  for (int c = 0; c < out_depth; ++c) {
    q.scale.push_back(static_cast<float>(std::exp(log_scale(rng))));
    q.zero_point.push_back(0);
    largest = std::max(largest, double{q.scale.back()});
  }
  q.quantized_dimension = 0;
  n.quantize(w, q);
  std::vector<int32_t> inputs = {x, w};
  if (bias) {
    std::uniform_int_distribution<int> value(-20000, 20000);
    if (int8 || int32_bias) {
      std::vector<int32_t> b(static_cast<size_t>(out_depth));
      for (int32_t& v : b)
        v = value(rng);
      inputs.push_back(n.constant("b", {out_depth}, ir::DataType::kInt32, b.data(), b.size() * 4));
    } else {
      std::vector<int64_t> b(static_cast<size_t>(out_depth));
      for (int64_t& v : b)
        v = value(rng);
      inputs.push_back(n.constant("b", {out_depth}, ir::DataType::kInt64, b.data(), b.size() * 8));
    }
  }
  const double typical = (int8 ? 74.0 : 18000.0) * 74.0 * std::sqrt(static_cast<double>(depth));
  const float so = static_cast<float>(si * largest * typical / (int8 ? 60.0 : 15000.0));
  const int y = n.tensor("y", {batches, out_depth}, so, int8 ? zp(rng) : 0, type);
  tflite::FullyConnectedOptionsT o;
  n.op<tflite::FullyConnectedOptions>(BuiltinOp::FULLY_CONNECTED, inputs, {y}, o);
  n.io({x}, {y});
  return n.model();
}

TEST(FullyConnectedPerChannel, Int8AndInt16MatchTheReference) {
  std::mt19937 rng(161);
  struct FcCase {
    ir::DataType type;
    std::vector<int32_t> in;
    int out;
    bool bias;
    bool int32_bias = false;  // int16: int32 accumulation
  };
  const FcCase cases[] = {
      {ir::DataType::kInt8, {1, 96}, 24, true},        {ir::DataType::kInt8, {3, 40}, 17, false},
      {ir::DataType::kInt16, {1, 64}, 20, true},       {ir::DataType::kInt16, {2, 48}, 9, false},
      {ir::DataType::kInt16, {1, 80}, 12, true, true},
  };
  for (const FcCase& c : cases) {
    SCOPED_TRACE(testing::Message()
                 << "type " << static_cast<int>(c.type) << " depth " << c.in.back() << " bias "
                 << c.bias << " int32 bias " << c.int32_bias);
    const ir::Model m = per_channel_fc(rng, c.type, c.in, c.out, c.bias, c.int32_bias);
    ASSERT_EQ(frontend::convolution_why_not(m, 0, 0), std::nullopt);
    for (const char* accelerator : {"ethos-u55-32", "ethos-u65-512"}) {
      const ir::Model compiled = expect_same_outputs(m, accelerator);
      ASSERT_EQ(compiled.subgraphs[0].operators.size(), 1u);
      EXPECT_EQ(compiled.subgraphs[0].operators[0].type, BuiltinOp::CUSTOM);
    }
  }
}

TEST(FullyConnectedPerChannel, NonZeroPerChannelZeroPointsStayOnTheCpu) {
  std::mt19937 rng(5);
  ir::Model m = per_channel_fc(rng, ir::DataType::kInt8, {1, 16}, 4, true);
  ir::Tensor& w =
      m.subgraphs[0].tensors[static_cast<size_t>(m.subgraphs[0].operators[0].inputs[1])];
  w.quantization->zero_point[2] = 3;
  const auto why = frontend::convolution_why_not(m, 0, 0);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("non-zero zero point"), std::string::npos) << *why;
}

}  // namespace
}  // namespace euc::test
