// The operation-kind table: one entry per lowered operation type, each with the hardware
// command and mode the Ethos-U55 command stream reference gives that operation.
#include "arch/operation_kinds.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace euc::arch {
namespace {

TEST(OperationKinds, EveryTypeHasOneEntryInTypeOrder) {
  const auto kinds = operation_kinds();
  ASSERT_EQ(kinds.size(), static_cast<size_t>(ir::NpuOpType::kMemcpy) + 1);
  std::set<std::string> names;
  for (size_t i = 0; i < kinds.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(kinds[i].type), i);
    EXPECT_FALSE(kinds[i].name.empty());
    EXPECT_FALSE(kinds[i].vela_name.empty());
    EXPECT_TRUE(names.insert(std::string(kinds[i].name)).second) << kinds[i].name;
  }
}

TEST(OperationKinds, HardwareOperationsAndModes) {
  // NPU_OP_POOL modes: MAX 0, AVERAGE 1, REDUCE_SUM 2; NPU_OP_ELEMENTWISE modes: MUL 0, ADD 1,
  // SUB 2, MIN 3, MAX 4, LRELU 5, ABS 6, CLZ 7, SHR 8, SHL 9.
  EXPECT_EQ(operation_kind(ir::NpuOpType::kConv2D).kernel, NpuKernel::kConvolution);
  EXPECT_EQ(operation_kind(ir::NpuOpType::kFullyConnected).kernel, NpuKernel::kConvolution);
  EXPECT_EQ(operation_kind(ir::NpuOpType::kDepthwiseConv2D).kernel, NpuKernel::kDepthwise);
  EXPECT_EQ(static_cast<int>(operation_kind(ir::NpuOpType::kMaxPool).pooling), 0);
  EXPECT_EQ(static_cast<int>(operation_kind(ir::NpuOpType::kAvgPool).pooling), 1);
  EXPECT_EQ(static_cast<int>(operation_kind(ir::NpuOpType::kReduceSum).pooling), 2);
  const std::pair<ir::NpuOpType, int> modes[] = {
      {ir::NpuOpType::kMul, 0},     {ir::NpuOpType::kAdd, 1},     {ir::NpuOpType::kSub, 2},
      {ir::NpuOpType::kMinimum, 3}, {ir::NpuOpType::kMaximum, 4}, {ir::NpuOpType::kLeakyRelu, 5},
      {ir::NpuOpType::kAbs, 6},     {ir::NpuOpType::kClz, 7},     {ir::NpuOpType::kShr, 8},
      {ir::NpuOpType::kShl, 9}};
  for (auto [type, mode] : modes) {
    const OperationKind& k = operation_kind(type);
    EXPECT_EQ(k.kernel, NpuKernel::kElementwise) << k.name;
    EXPECT_EQ(static_cast<int>(k.elementwise), mode) << k.name;
  }
  EXPECT_TRUE(operation_kind(ir::NpuOpType::kMemcpy).is_dma());
}

TEST(OperationKinds, OperandsAndReportNames) {
  // Binary: ADD SUB MUL MIN MAX SHL SHR; unary: ABS, LRELU, CLZ.
  for (auto t :
       {ir::NpuOpType::kAdd, ir::NpuOpType::kSub, ir::NpuOpType::kMul, ir::NpuOpType::kMinimum,
        ir::NpuOpType::kMaximum, ir::NpuOpType::kShl, ir::NpuOpType::kShr})
    EXPECT_TRUE(operation_kind(t).is_binary()) << operation_kind(t).name;
  for (auto t : {ir::NpuOpType::kAbs, ir::NpuOpType::kLeakyRelu, ir::NpuOpType::kClz})
    EXPECT_FALSE(operation_kind(t).is_binary()) << operation_kind(t).name;
  // Vela's per-layer report names the convolutions with their bias.
  EXPECT_EQ(operation_kind(ir::NpuOpType::kConv2D).vela_name, "Conv2DBias");
  EXPECT_EQ(operation_kind(ir::NpuOpType::kDepthwiseConv2D).vela_name, "DepthwiseConv2DBias");
  EXPECT_EQ(operation_kind(ir::NpuOpType::kShl).vela_name, "SHL");
  // Fully connected layers may copy their weights (where the scheduler's timeline says it
  // pays); vectors stay NHWC.
  EXPECT_TRUE(operation_kind(ir::NpuOpType::kFullyConnected).buffers_weights);
  EXPECT_TRUE(operation_kind(ir::NpuOpType::kFullyConnected).linear_feature_maps);
  EXPECT_TRUE(operation_kind(ir::NpuOpType::kConv2D).buffers_weights);
}

}  // namespace
}  // namespace euc::arch
