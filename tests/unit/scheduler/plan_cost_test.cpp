// Plan cost inputs: what each operation copies before it runs.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "arch/config_file.hpp"
#include "scheduler/initial_plan.hpp"
#include "scheduler/plan_cost.hpp"

namespace euc::scheduler {
namespace {

// Four 1x1 max pools over 8x8x16 int8 maps: tables 0, 0, none, 0.
ir::NpuGraph table_chain() {
  ir::NpuGraph g;
  for (int t = 0; t < 5; ++t) {
    ir::NpuTensor tensor;
    tensor.name = fmt::format("t{}", t);
    tensor.shape = {1, 8, 8, 16};
    g.tensors.push_back(tensor);
  }
  g.luts.push_back({ir::DataType::kInt8, std::vector<int32_t>(256, 0)});
  for (int k = 0; k < 4; ++k) {
    ir::NpuOp op;
    op.type = ir::NpuOpType::kMaxPool;
    op.ifm = {k, {0, 0, 0, 0}, g.tensors[static_cast<size_t>(k)].shape};
    op.ofm = {k + 1, {0, 0, 0, 0}, g.tensors[static_cast<size_t>(k) + 1].shape};
    op.byte_copy = true;
    if (k != 2) {
      op.activation.kind = ir::Activation::Kind::kLut;
      op.activation.min = -128;
      op.activation.max = 127;
      op.activation.lut = 0;
    }
    op.name = g.tensors[static_cast<size_t>(k) + 1].name;
    g.ops.push_back(op);
  }
  g.inputs = {0};
  g.outputs = {4};
  return g;
}

int64_t table_bytes(const OpCostInput& in) {
  return in.dma && !in.dma->to ? in.dma->bytes : 0;
}

TEST(PlanCost, CountsATableCopyOnlyWhereTheSlotDoesNotHoldIt) {
  const ir::NpuGraph g = table_chain();
  for (const char* accelerator : {"ethos-u55-256", "ethos-u55-32"}) {
    arch::SystemConfigOptions so;
    so.accelerator = arch::parse_accelerator(accelerator);
    const arch::SystemConfig system =
        arch::resolve_system_config(arch::builtin_config_library(), so);
    const Plan plan = plan_whole_tensors(g, system, PlanOptions{});
    EXPECT_EQ(table_bytes(cost_input(g, plan, system, 0)), 256) << accelerator;
    EXPECT_EQ(table_bytes(cost_input(g, plan, system, 1)), 0) << accelerator;
    EXPECT_EQ(table_bytes(cost_input(g, plan, system, 2)), 0) << accelerator;
    // 48 SHRAM banks keep the LUT area to itself; 16 lend it to the pool without a table.
    const int64_t reload = std::string(accelerator) == "ethos-u55-32" ? 256 : 0;
    EXPECT_EQ(table_bytes(cost_input(g, plan, system, 3)), reload) << accelerator;
  }
}

}  // namespace
}  // namespace euc::scheduler
