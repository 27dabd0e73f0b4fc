#include <gtest/gtest.h>

#include "arch/config_file.hpp"
#include "arch/operation_kinds.hpp"
#include "core/error.hpp"
#include "frontend/lowering/lowering.hpp"
#include "scheduler/initial_plan.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::scheduler {
namespace {

struct Fixture {
  ir::Model model;
  frontend::LoweredSubgraph lowered;
  const ir::NpuGraph& graph() const { return lowered.segments.at(0).graph; }
};

Fixture person_detect() {
  Fixture f{tfl::read_model_file(test::source_dir() / "models/person_detect.tflite"), {}};
  std::vector<bool> all(f.model.subgraphs[0].operators.size(), true);
  f.lowered = frontend::lower_subgraph(f.model, 0, all);
  return f;
}

arch::SystemConfig u55_256() {
  return arch::resolve_system_config(arch::builtin_config_library(), arch::SystemConfigOptions{});
}

TEST(SimplePlanner, PlacesFeatureMapsInTheArenaAndConstantsInFlash) {
  Fixture f = person_detect();
  Plan plan = plan_whole_tensors(f.graph(), u55_256(), PlanOptions{});
  ASSERT_EQ(plan.ops.size(), f.graph().ops.size());
  for (size_t t = 0; t < f.graph().tensors.size(); ++t) {
    const auto& tensor = f.graph().tensors[t];
    if (tensor.is_constant()) {
      EXPECT_EQ(plan.tensors[t].region, Region::kFlash);
    } else {
      EXPECT_EQ(plan.tensors[t].region, Region::kArena);
      EXPECT_GE(plan.tensors[t].address, 0);
      EXPECT_EQ(plan.tensors[t].address % 16, 0);
    }
  }
  // The reshape output (SOFTMAX's input) shares the logits' storage.
  int out = -1;
  for (size_t t = 0; t < f.graph().tensors.size() && out < 0; ++t) {
    if (f.graph().tensors[t].network_tensor >= 0 && f.graph().tensors[t].alias_of >= 0)
      out = static_cast<int>(t);
  }
  ASSERT_GE(out, 0);
  int base = f.graph().tensors[out].alias_of;
  ASSERT_GE(base, 0);
  EXPECT_EQ(plan.tensors[out].address, plan.tensors[base].address);
}

TEST(SimplePlanner, ArenaPeakIsAtLeastTheLargestPairOfNeighbouringFeatureMaps) {
  // In a chain every op's IFM and OFM live together and nothing else does (person_detect is a
  // chain): the lower bound is the largest IFM + OFM, here the first pointwise conv's 48x48x8
  // input and 48x48x16 output, 18432 + 36864 bytes. Greedy fragments above it.
  Fixture f = person_detect();
  Plan plan = plan_whole_tensors(f.graph(), u55_256(), PlanOptions{AllocatorKind::kGreedy});
  LiveRanges live = compute_live_ranges(f.graph());
  EXPECT_EQ(lower_bound(live.ranges), 18432 + 36864);
  EXPECT_GE(plan.arena_size, 18432 + 36864);
  Plan linear = plan_whole_tensors(f.graph(), u55_256(), PlanOptions{AllocatorKind::kLinear});
  EXPECT_GT(linear.arena_size, plan.arena_size);
}

TEST(SimplePlanner, ArenaLimitErrorListsOperationsThatDoNotFitAlone) {
  Fixture f = person_detect();
  PlanOptions o;
  o.arena_limit = 40000;
  o.cascading = false;  // (cascades would make it fit: see the next test)
  // Conv2d_1_pointwise reads 48x48x8 and writes 48x48x16: 18432 + 36864 bytes stored NHWC; in
  // 16-channel bricks the 8-channel IFM takes a whole brick, 36864 + 36864.
  for (bool bricks : {false, true}) {
    o.feature_map_layouts = bricks;
    try {
      plan_whole_tensors(f.graph(), u55_256(), o);
      FAIL();
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("--arena-cache-size is 40000"), std::string::npos) << msg;
      EXPECT_NE(msg.find("Conv2d_1_pointwise"), std::string::npos) << msg;
      EXPECT_NE(msg.find(bricks ? "73728 bytes" : "55296 bytes"), std::string::npos) << msg;
    }
  }
}

TEST(SimplePlanner, CascadesMakeAPlanFitTheArenaLimit) {
  // The same 40000-byte limit: Performance cascades the early layers into rolling buffers until
  // the peak fits, and the tensors between cascaded operations hold only a few rows.
  Fixture f = person_detect();
  PlanOptions o;
  o.arena_limit = 40000;
  Plan plan = plan_whole_tensors(f.graph(), u55_256(), o);
  EXPECT_LE(plan.arena_size, 40000);
  ASSERT_FALSE(plan.cascades.empty());
  int rolling = 0;
  for (const TensorPlacement& t : plan.tensors)
    rolling += t.rolling_rows > 0 ? 1 : 0;
  EXPECT_GT(rolling, 0);
  // Every operation's rows are all computed, once, in order.
  std::vector<int> done(f.graph().ops.size(), 0);
  for (const Pass& p : plan.passes) {
    EXPECT_EQ(p.row_begin, done[static_cast<size_t>(p.op)]);
    done[static_cast<size_t>(p.op)] = p.row_end;
  }
  for (size_t i = 0; i < done.size(); ++i)
    EXPECT_EQ(done[i], f.graph().ops[i].ofm.shape.n * f.graph().ops[i].ofm.shape.h) << i;
}

TEST(SimplePlanner, BlockConfigsComeFromTheArchitectureSearch) {
  Fixture f = person_detect();
  Plan plan = plan_whole_tensors(f.graph(), u55_256(), PlanOptions{});
  // Vela 3.10 (vela_perlayer/a/person_detect_schedule.txt) chose [16, 16, 8, 16] (H, W, IFM
  // depth, OFM depth) for Conv2d_1_pointwise over the whole 48x48 OFM.
  const auto& block = plan.ops[2].block;
  EXPECT_EQ(block.ofm_block.height, 16);
  EXPECT_EQ(block.ofm_block.width, 16);
  EXPECT_EQ(block.ifm_block.depth, 8);
  EXPECT_EQ(block.ofm_block.depth, 16);
}

TEST(SimplePlanner, CascadedOperationsTakeBlocksFittedToTheirStripes) {
  // Size cascades person_detect's first layers in stripes of a few rows. Vela 3.10 (Size,
  // vela_perlayer/b/person_detect_schedule.txt) runs Conv2d_1_pointwise in 2-row stripes with
  // block [2, 48, 8, 16]: a block as wide as the 48-column OFM, not the whole-OFM 16x16 one,
  // which a 2-row pass would clip to three narrow blocks.
  Fixture f = person_detect();
  PlanOptions o;
  o.strategy = Strategy::kSize;
  Plan plan = plan_whole_tensors(f.graph(), u55_256(), o);
  ASSERT_GE(plan.ops[2].cascade, 0);
  int tallest = 0;
  for (const Pass& p : plan.passes) {
    if (p.op == 2)
      tallest = std::max(tallest, p.row_end - p.row_begin);
  }
  ASSERT_GT(tallest, 0);
  ASSERT_LT(tallest, 16);
  const auto& block = plan.ops[2].block;
  EXPECT_EQ(block.ofm_block.width, 48);
  EXPECT_EQ(block.ofm_block.depth, 16);
  // No taller than the tallest pass, rounded up to the 2-row micro-block of the U55-256.
  EXPECT_LE(block.ofm_block.height, (tallest + 1) / 2 * 2);
  // Operations that run whole keep the whole-OFM search's block (the Performance plan's).
  Plan whole = plan_whole_tensors(f.graph(), u55_256(), PlanOptions{});
  for (size_t i = 0; i < plan.ops.size(); ++i) {
    if (plan.ops[i].cascade < 0 && !arch::operation_kind(f.graph().ops[i].type).is_dma()) {
      EXPECT_EQ(plan.ops[i].block.ofm_block, whole.ops[i].block.ofm_block) << i;
    }
  }
}

}  // namespace
}  // namespace euc::scheduler
