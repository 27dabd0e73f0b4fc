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

// Max pools over 16x16x64 int8 maps: 0 reads t0, 1 reads t0 as well (independent of 0), 2 reads
// what 1 wrote.
ir::NpuGraph pool_fan() {
  ir::NpuGraph g;
  for (int t = 0; t < 4; ++t) {
    ir::NpuTensor tensor;
    tensor.name = fmt::format("t{}", t);
    tensor.shape = {1, 16, 16, 64};
    g.tensors.push_back(tensor);
  }
  const int reads[] = {0, 0, 2};
  for (int k = 0; k < 3; ++k) {
    ir::NpuOp op;
    op.type = ir::NpuOpType::kMaxPool;
    op.kernel.width = 3;
    op.kernel.height = 3;
    op.padding = {1, 1, 1, 1};
    op.ifm = {reads[k], {0, 0, 0, 0}, g.tensors[static_cast<size_t>(reads[k])].shape};
    op.ofm = {k + 1, {0, 0, 0, 0}, g.tensors[static_cast<size_t>(k) + 1].shape};
    op.name = g.tensors[static_cast<size_t>(k) + 1].name;
    g.ops.push_back(op);
  }
  g.inputs = {0};
  g.outputs = {1, 3};
  return g;
}

TEST(PlanCost, OverlapsConsecutiveKernelsAsFarAsTheirBlockDependencyAllows) {
  const ir::NpuGraph g = pool_fan();
  const arch::SystemConfig system =
      arch::resolve_system_config(arch::builtin_config_library(), arch::SystemConfigOptions{});
  Plan plan = plan_whole_tensors(g, system, PlanOptions{});
  const arch::AcceleratorConfig& acc = system.accelerator_config();
  // Nothing the first pool writes is read by the second; a table loaded for it forbids overlap.
  EXPECT_EQ(block_dependency(g, plan, acc, 1, false), 3);
  EXPECT_EQ(block_dependency(g, plan, acc, 1, true), 0);
  EXPECT_EQ(block_dependency(g, plan, acc, 1, false, 1), 1);
  // The third reads the second's output: its first block's window reaches into the last rows
  // only when the second runs as one block.
  for (size_t i = 0; i < 3; ++i)
    plan.ops[i].block.ofm_block = {4, 16, 64};
  EXPECT_GT(block_dependency(g, plan, acc, 2, false), 0);
  for (size_t i = 0; i < 3; ++i)
    plan.ops[i].block.ofm_block = {16, 16, 64};
  EXPECT_EQ(block_dependency(g, plan, acc, 2, false), 0);
  for (size_t i = 0; i < 3; ++i)
    plan.ops[i].block.ofm_block = {4, 16, 64};

  // The timeline: an overlapping launch ends the stream earlier; without overlap the launches
  // run one after the other.
  const arch::PerformanceModel model(system);
  std::vector<OpCostInput> inputs;
  for (size_t i = 0; i < g.ops.size(); ++i)
    inputs.push_back(cost_input(g, plan, system, i));
  ASSERT_EQ(inputs[1].block_dependency, 3);
  std::vector<OpCostInput> serial = inputs;
  for (OpCostInput& in : serial)
    in.block_dependency = 0;
  const double overlapped = score(model, inputs).total_cycles;
  const double alone = score(model, serial).total_cycles;
  EXPECT_LT(overlapped, alone);
  double sum = TimelineState::kStreamStart;
  for (const OpCostInput& in : inputs)
    sum += static_cast<double>(model.estimate(in.query, in.weights, in.dma, 0).op_cycles);
  EXPECT_DOUBLE_EQ(alone, sum);

  // The incremental scorer agrees with scoring from scratch whichever operation changes.
  for (size_t i = 0; i < inputs.size(); ++i) {
    PlanScorer scorer(model, inputs);
    EXPECT_DOUBLE_EQ(scorer.total_cycles(), overlapped);
    std::vector<OpCostInput> changed = inputs;
    changed[i].block_dependency = 0;
    EXPECT_DOUBLE_EQ(scorer.total_with(i, changed[i]), score(model, changed).total_cycles) << i;
    scorer.replace(i, changed[i]);
    EXPECT_DOUBLE_EQ(scorer.total_cycles(), score(model, changed).total_cycles) << i;
    // Back again: the rest of the timeline is re-advanced where the overlap changes it.
    scorer.replace(i, inputs[i]);
    EXPECT_DOUBLE_EQ(scorer.total_cycles(), overlapped) << i;
  }
}

}  // namespace
}  // namespace euc::scheduler
