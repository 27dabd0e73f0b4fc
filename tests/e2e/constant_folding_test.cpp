// SHAPE is folded into a constant before the supported-operator checks (its value is the input's
// static shape, what TensorFlow Lite Micro's kernel writes), so the RESHAPE reading it has a
// constant shape and the network runs on the NPU as one ethos-u operator. The reference
// interpreter running the original network, SHAPE included, is the expectation.
#include <gtest/gtest.h>

#include <cstring>

#include "driver/compiler.hpp"
#include "frontend/rewrite/fold_constants.hpp"
#include "small_network.hpp"

namespace euc {
namespace {

using test::Net;

tflite::Pool2DOptionsT pool(int k) {
  tflite::Pool2DOptionsT o;
  o.padding = tflite::Padding::SAME;
  o.stride_w = o.stride_h = 1;
  o.filter_width = o.filter_height = k;
  return o;
}

// input [1,6,6,8] -> max pool 3x3 -> RESHAPE(pooled, SHAPE(input)) -> output; and, when
// `shape_is_output`, the SHAPE's value as a second graph output.
ir::Model pool_reshape_by_shape(ir::DataType shape_type, bool shape_is_output = false) {
  Net n;
  int in = n.tensor("input", {1, 6, 6, 8}, 0.05f, -4);
  int pooled = n.tensor("pooled", {1, 6, 6, 8}, 0.05f, -4);
  int shape = n.tensor("shape", {4}, 1.0f, 0, shape_type);
  int out = n.tensor("output", {1, 6, 6, 8}, 0.05f, -4);
  tflite::ShapeOptionsT so;
  so.out_type =
      shape_type == ir::DataType::kInt64 ? tflite::TensorType::INT64 : tflite::TensorType::INT32;
  n.op<tflite::ShapeOptions>(ir::BuiltinOp::SHAPE, {in}, {shape}, so);
  n.op<tflite::Pool2DOptions>(ir::BuiltinOp::MAX_POOL_2D, {in}, {pooled}, pool(3));
  n.op<tflite::ReshapeOptions>(ir::BuiltinOp::RESHAPE, {pooled, shape}, {out},
                               tflite::ReshapeOptionsT{});
  if (shape_is_output)
    n.io({in}, {out, shape});
  else
    n.io({in}, {out});
  return n.model();
}

TEST(ConstantFolding, ShapeBecomesTheInputsStaticShape) {
  for (ir::DataType type : {ir::DataType::kInt32, ir::DataType::kInt64}) {
    const ir::Model m = pool_reshape_by_shape(type);
    frontend::FoldReport report;
    const ir::Model folded = frontend::fold_constants(m, &report);
    EXPECT_EQ(report.folded, 1);
    ASSERT_EQ(folded.subgraphs[0].operators.size(), 2u);
    EXPECT_EQ(report.original_index[0], (std::vector<int>{1, 2}));
    const ir::Tensor& shape = folded.subgraphs[0].tensors[2];
    const auto values = folded.constant_ints(shape);
    ASSERT_TRUE(values.has_value());
    EXPECT_EQ(*values, (std::vector<int64_t>{1, 6, 6, 8}));
    EXPECT_EQ(folded.tensor_data(shape).size(), type == ir::DataType::kInt64 ? 32u : 16u);
  }
}

TEST(ConstantFolding, AShapeThatIsAGraphOutputStays) {
  const ir::Model m = pool_reshape_by_shape(ir::DataType::kInt32, true);
  frontend::FoldReport report;
  const ir::Model folded = frontend::fold_constants(m, &report);
  EXPECT_EQ(report.folded, 0);
  EXPECT_EQ(folded.subgraphs[0].operators.size(), 3u);
}

TEST(ConstantFolding, TheFoldedNetworkIsOneEthosUOperatorWithTheReferenceOutputs) {
  for (ir::DataType type : {ir::DataType::kInt32, ir::DataType::kInt64}) {
    const ir::Model m = pool_reshape_by_shape(type);
    for (const char* acc : {"ethos-u55-128", "ethos-u65-512"})
      test::expect_same_outputs(m, acc);
  }
}

TEST(ConstantFolding, CpuOperatorsKeepTheirIndexInTheInputModel) {
  // The SHAPE (operator 0) folds; the pool is ignored, so it and the reshape after it run on the
  // CPU, named by their index in the input model (1 and 2), of 3 network operators.
  const ir::Model m = pool_reshape_by_shape(ir::DataType::kInt32);
  driver::CompileOptions o;
  o.ignore_ops = {"MAX_POOL_2D"};
  const driver::CompileResult r = test::compile_and_compare(m, "ethos-u55-256", o);
  std::vector<int> cpu;
  for (const driver::CpuOperator& op : r.report.cpu_operators)
    cpu.push_back(op.index);
  EXPECT_EQ(cpu, (std::vector<int>{1, 2}));
  EXPECT_EQ(r.report.network_ops, 3);
  EXPECT_EQ(r.report.folded_ops, 1);
}

}  // namespace
}  // namespace euc
