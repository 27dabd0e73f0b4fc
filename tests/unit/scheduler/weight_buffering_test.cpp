// Weight buffering decisions: where copying weights into SRAM is possible, what a tight arena
// leaves room for, and the exact sizes once the slices are encoded.
#include <gtest/gtest.h>

#include <cstdio>

#include "arch/config_file.hpp"
#include "frontend/lowering/lowering.hpp"
#include "scheduler/arena.hpp"
#include "scheduler/cascade.hpp"
#include "scheduler/initial_plan.hpp"
#include "scheduler/live_range.hpp"
#include "scheduler/plan_cost.hpp"
#include "scheduler/plan_verifier.hpp"
#include "scheduler/weight_buffering.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::scheduler {
namespace {

arch::SystemConfig config(arch::Accelerator accelerator, const std::string& system,
                          const std::string& mode) {
  arch::SystemConfigOptions o;
  o.accelerator = accelerator;
  o.system_config = system;
  o.memory_mode = mode;
  return arch::resolve_system_config(arch::builtin_config_library(), o);
}

arch::SystemConfig shared_sram() {
  return config(arch::Accelerator::kEthosU55_128, "Ethos_U55_High_End_Embedded", "Shared_Sram");
}

const ir::NpuGraph& person_detect() {
  static const frontend::LoweredSubgraph lowered = [] {
    const ir::Model model =
        tfl::read_model_file(test::source_dir() / "models/person_detect.tflite");
    std::vector<bool> all(model.subgraphs[0].operators.size(), true);
    return frontend::lower_subgraph(model, 0, all);
  }();
  return lowered.segments.at(0).graph;
}

std::vector<int64_t> estimated_streams(const ir::NpuGraph& g) {
  std::vector<int64_t> out;
  for (const ir::NpuOp& op : g.ops) {
    out.push_back(op.weights < 0 ? -1
                                 : static_cast<int64_t>(g.tensors[op.weights].data->size()) +
                                       int64_t{10} * op.ofm.shape.c + 32);
  }
  return out;
}

TEST(WeightBuffering, OnlyWeightsInSlowMemoryNextToAnSramAreWorthCopying) {
  // Shared_Sram: constants in off-chip flash (axi1), arena in SRAM (axi0).
  EXPECT_TRUE(weights_need_dma(shared_sram()));
  // Sram_Only: constants already in SRAM-timed memory.
  EXPECT_FALSE(weights_need_dma(
      config(arch::Accelerator::kEthosU55_64, "Ethos_U55_High_End_Embedded", "Sram_Only")));
  // Dedicated_Sram: constants and arena in DRAM, the SRAM cache takes the buffers.
  EXPECT_TRUE(weights_need_dma(
      config(arch::Accelerator::kEthosU65_256, "Ethos_U65_High_End", "Dedicated_Sram")));
  // Without a DMA reason nothing is buffered.
  const ir::NpuGraph& g = person_detect();
  const arch::SystemConfig sram_only =
      config(arch::Accelerator::kEthosU55_64, "Ethos_U55_High_End_Embedded", "Sram_Only");
  Plan plan = plan_whole_tensors(g, sram_only, PlanOptions{});
  EXPECT_EQ(buffer_weights(g, plan, sram_only, PlanOptions{}, estimated_streams(g)), 0);
  for (const OpPlan& p : plan.ops)
    EXPECT_FALSE(p.weight_buffer.enabled());
}

TEST(WeightBuffering, ATightArenaKeepsOnlyBuffersThatFitBesideTheLiveFeatureMaps) {
  const ir::NpuGraph& g = person_detect();
  const arch::SystemConfig system = shared_sram();
  PlanOptions o;
  const Plan bare = plan_whole_tensors(g, system, o);
  const std::vector<int64_t> live =
      live_bytes_per_step(compute_live_ranges(g, &bare), g.ops.size());
  // No limit: Performance buffers where it saves cycles.
  Plan free_plan = bare;
  buffer_weights(g, free_plan, system, o, estimated_streams(g));
  int free_count = 0;
  for (const OpPlan& p : free_plan.ops)
    free_count += p.weight_buffer.enabled() ? 1 : 0;
  ASSERT_GT(free_count, 0);
  // Limits at the unbuffered peak and below it (cascades then make the feature maps fit): a
  // buffer live over steps i-1..i needs its bytes free at both, beside the feature maps live
  // there, and the arena stays within the limit.
  for (int64_t limit : {bare.arena_size, int64_t{40000}, int64_t{30000}}) {
    o.arena_limit = limit;
    Plan tight = plan_whole_tensors(g, system, o);
    const std::vector<int64_t> fm =
        live_bytes_per_step(compute_live_ranges(g, &tight), g.ops.size());
    EXPECT_EQ(buffer_weights(g, tight, system, o, estimated_streams(g)), limit);
    EXPECT_LE(tight.arena_size, limit);
    int count = 0;
    for (size_t i = 0; i < tight.ops.size(); ++i) {
      const WeightBuffer& b = tight.ops[i].weight_buffer;
      if (!b.enabled())
        continue;
      ++count;
      const int64_t around = std::max(fm[i], i > 0 ? fm[i - 1] : 0);
      EXPECT_LE(around + b.size, limit) << i;
    }
    // A limit only takes buffers away from operations that run whole as in the free plan. A
    // cascaded operation runs stripe by stripe and fetches its weights again for every stripe,
    // so a buffer may pay off there where it did not for the whole operation.
    int cascaded = 0;
    for (size_t i = 0; i < tight.ops.size(); ++i) {
      if (tight.ops[i].cascade >= 0) {
        cascaded += tight.ops[i].weight_buffer.enabled() ? 1 : 0;
        continue;
      }
      if (tight.ops[i].weight_buffer.enabled()) {
        EXPECT_TRUE(free_plan.ops[i].weight_buffer.enabled()) << limit << " " << i;
      }
    }
    EXPECT_LE(count - cascaded, free_count) << limit;
  }
  // Size: the budget is the cascaded peak, 26112 bytes, which the feature maps fill at steps 0-8
  // (the cascade over the 48x48 layers); so a buffer there cannot fit, and the buffers the free
  // plan gives operations 6 and 8 (1376 and 1408 bytes) go. Later the maps need at most 18432
  // bytes: a buffer fits beside them, and the ones the plan takes must save cycles on the
  // static timeline (copies share one DMA queue, so whether one pays depends on its
  // neighbours' copies: the Size plan need not take every buffer the free plan took).
  PlanOptions size;
  size.strategy = Strategy::kSize;
  Plan smallest = plan_whole_tensors(g, system, size);
  const int64_t budget = smallest.arena_size;
  EXPECT_EQ(budget, 26112);
  const std::vector<int64_t> fm =
      live_bytes_per_step(compute_live_ranges(g, &smallest), g.ops.size());
  const Plan unbuffered = smallest;
  EXPECT_EQ(buffer_weights(g, smallest, system, size, estimated_streams(g)), budget);
  EXPECT_LE(smallest.arena_size, budget);
  int count = 0;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const int64_t around = std::max(fm[i], i > 0 ? fm[i - 1] : 0);
    if (smallest.ops[i].weight_buffer.enabled()) {
      EXPECT_LE(around + smallest.ops[i].weight_buffer.size, budget) << i;
      EXPECT_GT(smallest.ops[i].weight_buffer.saving, 0) << i;
      ++count;
    }
  }
  EXPECT_FALSE(smallest.ops[6].weight_buffer.enabled());
  EXPECT_FALSE(smallest.ops[8].weight_buffer.enabled());
  EXPECT_GE(count, 8);
  const std::vector<int64_t> streams = estimated_streams(g);
  auto total = [&](const Plan& p) {
    std::vector<OpCostInput> inputs;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      std::optional<int64_t> bytes;
      if (streams[i] > 0)
        bytes = streams[i];
      inputs.push_back(cost_input(g, p, system, i, bytes));
    }
    return score(arch::PerformanceModel(system), inputs).total_cycles;
  };
  EXPECT_LT(total(smallest), total(unbuffered));
}

TEST(WeightBuffering, SettledBuffersHoldTheirEncodedSlicesAndTheLeastSavingGoFirst) {
  const ir::NpuGraph& g = person_detect();
  const arch::SystemConfig system = shared_sram();
  PlanOptions o;
  o.weight_buffering = false;
  Plan plan = plan_whole_tensors(g, system, o);
  // Two operations with weights and at least 32 OFM channels: j buffered whole, k in two slices.
  std::vector<size_t> picked;
  for (size_t i = 0; i < g.ops.size() && picked.size() < 2; ++i) {
    if (g.ops[i].weights >= 0 && g.ops[i].ofm.shape.c >= 32 &&
        g.ops[i].type != ir::NpuOpType::kFullyConnected)
      picked.push_back(i);
  }
  ASSERT_EQ(picked.size(), 2u);
  const size_t j = picked[0], k = picked[1];
  const int depth = g.ops[k].ofm.shape.c;
  plan.ops[j].weight_buffer.size = 1;
  plan.ops[j].weight_buffer.saving = 5;
  plan.ops[k].weight_buffer.size = 1;
  plan.ops[k].weight_buffer.depth_slices = {0, 16, depth};
  plan.ops[k].weight_buffer.saving = 10;
  std::vector<std::vector<int64_t>> slices(g.ops.size());
  slices[j] = {480};
  slices[k] = {96, 304};
  Plan both = plan;
  settle_weight_buffers(g, both, o, slices, INT64_MAX);
  // Whole: the stream; double: two halves of the larger slice, the first slice noted.
  EXPECT_EQ(both.ops[j].weight_buffer.size, 480);
  EXPECT_EQ(both.ops[k].weight_buffer.half, 304);
  EXPECT_EQ(both.ops[k].weight_buffer.first, 96);
  EXPECT_EQ(both.ops[k].weight_buffer.size, 608);
  build_passes(g, both);
  PlanCheckContext c;
  c.slice_bytes = [&](size_t op) { return slices[op]; };
  EXPECT_NO_THROW(verify_plan(g, both, system, c));
  // A budget of the arena with k's buffer alone: j's (saving less) goes, k's stays.
  Plan only_k = plan;
  only_k.ops[j].weight_buffer = WeightBuffer{};
  settle_weight_buffers(g, only_k, o, slices, INT64_MAX);
  if (only_k.arena_size < both.arena_size) {
    Plan squeezed = plan;
    settle_weight_buffers(g, squeezed, o, slices, only_k.arena_size);
    EXPECT_FALSE(squeezed.ops[j].weight_buffer.enabled());
    EXPECT_TRUE(squeezed.ops[k].weight_buffer.enabled());
    EXPECT_LE(squeezed.arena_size, only_k.arena_size);
  }
}

TEST(WeightBuffering, IdenticalStreamsOfNeighboursShareOneBuffer) {
  const ir::NpuGraph& g = person_detect();
  const arch::SystemConfig system = shared_sram();
  PlanOptions o;
  o.weight_buffering = false;
  Plan plan = plan_whole_tensors(g, system, o);
  size_t i = 1;
  while (i < g.ops.size() && (g.ops[i].weights < 0 || g.ops[i - 1].weights < 0))
    ++i;
  ASSERT_LT(i, g.ops.size());
  for (size_t k : {i - 1, i})
    plan.ops[k].weight_buffer.size = 512;
  allocate_arena(g, plan, o);
  const int64_t before = plan.arena_size;
  std::vector<int64_t> address(g.ops.size(), -1);
  address[i - 1] = address[i] = 4096;  // one stream stored once
  share_identical_buffers(g, plan, o, address);
  EXPECT_FALSE(plan.ops[i - 1].weight_buffer.reuses_previous);
  EXPECT_TRUE(plan.ops[i].weight_buffer.reuses_previous);
  EXPECT_EQ(plan.ops[i].weight_buffer.address, plan.ops[i - 1].weight_buffer.address);
  EXPECT_LE(plan.arena_size, before);
  build_passes(g, plan);
  EXPECT_NO_THROW(verify_plan(g, plan, system));
}

TEST(WeightBuffering, EarlyCopiesKeepClearOfTheOperationTwoBeforeAtNoSramCost) {
  const ir::NpuGraph& g = person_detect();
  const arch::SystemConfig system = shared_sram();
  PlanOptions o;
  o.weight_buffering = false;
  Plan plan = plan_whole_tensors(g, system, o);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (g.ops[i].weights >= 0)
      plan.ops[i].weight_buffer.size = 512;
  }
  allocate_arena(g, plan, o);
  const int64_t before = plan.arena_size;
  start_copies_early(g, plan, o);
  EXPECT_LE(plan.arena_size, before);
  int early = 0;
  for (size_t i = 2; i < g.ops.size(); ++i) {
    const WeightBuffer& b = plan.ops[i].weight_buffer;
    if (!b.early_copy)
      continue;
    ++early;
    // Clear of the buffer of the operation two before, which may still be reading it.
    const WeightBuffer& two_before = plan.ops[i - 2].weight_buffer;
    if (two_before.enabled()) {
      EXPECT_TRUE(b.address + b.size <= two_before.address ||
                  two_before.address + two_before.size <= b.address)
          << "operation " << i;
    }
  }
  EXPECT_GT(early, 0);
  // The verifier holds every early buffer clear of all that is live two operations before.
  build_passes(g, plan);
  EXPECT_NO_THROW(verify_plan(g, plan, system));
}

}  // namespace
}  // namespace euc::scheduler
