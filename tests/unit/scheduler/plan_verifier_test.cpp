// The plan verifier: finished plans of person_detect pass under every memory setup; each kind of
// corruption of one field of such a plan is caught and named.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "arch/config_file.hpp"
#include "core/error.hpp"
#include "frontend/lowering/lowering.hpp"
#include "scheduler/arena.hpp"
#include "scheduler/cascade.hpp"
#include "scheduler/estimated_weights.hpp"
#include "scheduler/initial_plan.hpp"
#include "scheduler/plan_verifier.hpp"
#include "scheduler/schedule.hpp"
#include "scheduler/weight_buffering.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::scheduler {
namespace {

struct Fixture {
  ir::Model model;
  frontend::LoweredSubgraph lowered;
  const ir::NpuGraph& graph() const { return lowered.segments.at(0).graph; }
};

const Fixture& person_detect() {
  static const Fixture f = [] {
    Fixture x{tfl::read_model_file(test::source_dir() / "models/person_detect.tflite"), {}};
    std::vector<bool> all(x.model.subgraphs[0].operators.size(), true);
    x.lowered = frontend::lower_subgraph(x.model, 0, all);
    return x;
  }();
  return f;
}

arch::SystemConfig config(arch::Accelerator accelerator, const std::string& system = "",
                          const std::string& mode = "") {
  arch::SystemConfigOptions o;
  o.accelerator = accelerator;
  if (!system.empty())
    o.system_config = system;
  if (!mode.empty())
    o.memory_mode = mode;
  return arch::resolve_system_config(arch::builtin_config_library(), o);
}

// U55-128 with its constants in off-chip flash and an SRAM arena: weights are worth buffering.
arch::SystemConfig buffering() {
  return config(arch::Accelerator::kEthosU55_128, "Ethos_U55_High_End_Embedded", "Shared_Sram");
}
// U65 with a DRAM arena and an SRAM cache: feature maps spill, inputs may be staged.
arch::SystemConfig spilling() {
  return config(arch::Accelerator::kEthosU65_256, "Ethos_U65_High_End", "Dedicated_Sram");
}

// A finished plan as scheduler::schedule_segment makes one, with encoded weight slices stood in
// for by their estimates pro rata (EstimatedWeights: 16-byte multiples).
struct Finished {
  Plan plan;
  std::vector<std::vector<int64_t>> slice_bytes;
  PlanCheckContext context() const {
    PlanCheckContext c;
    c.segment = "person_detect";
    c.slice_bytes = [this](size_t op) { return slice_bytes.at(op); };
    return c;
  }
};

Finished finish(const ir::NpuGraph& graph, const arch::SystemConfig& system,
                const PlanOptions& options) {
  Finished f;
  Schedule s = schedule_segment(graph, system, options, EstimatedWeights{});
  f.plan = std::move(s.plan);
  f.slice_bytes.resize(graph.ops.size());
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    for (const ConstantLayout::Slice& slice : s.constants.op_slices[i])
      f.slice_bytes[i].push_back(slice.stream.size);
  }
  return f;
}

std::string failure(const Finished& f, const Plan& plan,
                    const arch::SystemConfig& system = config(arch::Accelerator::kEthosU55_256),
                    PlanCheckContext context = {}) {
  if (!context.slice_bytes)
    context.slice_bytes = f.context().slice_bytes;
  context.segment = "person_detect";
  try {
    verify_plan(person_detect().graph(), plan, system, context);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Two feature maps live at the same step: operation `step`'s IFM and OFM.
std::pair<int, int> live_together(const ir::NpuGraph& graph, size_t step) {
  return {graph.ops[step].ifm.tensor, graph.ops[step].ofm.tensor};
}

TEST(PlanVerifier, AcceptsFinishedPlansUnderEveryMemorySetupStrategyAndAllocator) {
  const ir::NpuGraph& g = person_detect().graph();
  int cascaded = 0, buffered = 0, double_buffered = 0, staged = 0, spilled = 0;
  for (const arch::SystemConfig& system :
       {config(arch::Accelerator::kEthosU55_256), buffering(), spilling(),
        config(arch::Accelerator::kEthosU55_32, "Ethos_U55_Deep_Embedded", "Shared_Sram")}) {
    for (Strategy strategy : {Strategy::kPerformance, Strategy::kSize}) {
      for (AllocatorKind allocator :
           {AllocatorKind::kHillClimb, AllocatorKind::kGreedy, AllocatorKind::kLinear}) {
        for (int64_t limit : {INT64_MAX, int64_t{60000}}) {
          if (allocator == AllocatorKind::kLinear && limit != INT64_MAX)
            continue;  // (no reuse: does not fit)
          PlanOptions o;
          o.strategy = strategy;
          o.allocator = allocator;
          o.arena_limit = limit;
          o.cpu_tensor_alignment = 64;
          Finished f = finish(g, system, o);
          PlanCheckContext c = f.context();
          c.cpu_tensor_alignment = 64;
          EXPECT_NO_THROW(verify_plan(g, f.plan, system, c));
          cascaded += f.plan.cascades.empty() ? 0 : 1;
          staged += f.plan.staged.empty() ? 0 : 1;
          spilled += f.plan.spilling ? 1 : 0;
          for (const OpPlan& p : f.plan.ops) {
            buffered += p.weight_buffer.enabled() ? 1 : 0;
            double_buffered += p.weight_buffer.enabled() && p.weight_buffer.double_buffered();
          }
        }
      }
    }
  }
  // The plans exercise what the corruption tests below corrupt.
  EXPECT_GT(cascaded, 0);
  EXPECT_GT(buffered, 0);
  EXPECT_GT(double_buffered, 0);
  EXPECT_GT(spilled, 0);
  EXPECT_GT(staged, 0);
}

TEST(PlanVerifier, CatchesAFeatureMapOutsideTheArenaOrMisaligned) {
  const ir::NpuGraph& g = person_detect().graph();
  const Finished f = finish(g, config(arch::Accelerator::kEthosU55_256), PlanOptions{});
  const int t = g.ops[1].ofm.tensor;
  Plan bad = f.plan;
  bad.tensors[t].address = bad.arena_size - 16;
  std::string msg = failure(f, bad);
  EXPECT_TRUE(
      contains(msg, "person_detect: tensor " + std::to_string(t) + " '" + g.tensors[t].name + "'"))
      << msg;
  EXPECT_TRUE(contains(msg, "lies outside the arena of " + std::to_string(f.plan.arena_size)))
      << msg;
  bad = f.plan;
  bad.arena_size = f.plan.tensors[t].address + f.plan.tensors[t].size - 1;
  EXPECT_TRUE(contains(failure(f, bad), "lies outside the arena")) << failure(f, bad);
  bad = f.plan;
  bad.tensors[t].address += 8;
  msg = failure(f, bad);
  EXPECT_TRUE(contains(msg, "breaks its 16-byte alignment")) << msg;
  bad = f.plan;
  bad.tensors[t].address = -1;
  EXPECT_TRUE(contains(failure(f, bad), "has no address in the arena")) << failure(f, bad);
}

TEST(PlanVerifier, SegmentInputsAndOutputsFollowTheCpuAlignment) {
  const ir::NpuGraph& g = person_detect().graph();
  PlanOptions o;
  o.cpu_tensor_alignment = 256;
  const Finished f = finish(g, config(arch::Accelerator::kEthosU55_256), o);
  PlanCheckContext c;
  c.cpu_tensor_alignment = 256;
  EXPECT_EQ(failure(f, f.plan, config(arch::Accelerator::kEthosU55_256), c), "(no error)");
  // Find the input: moved by 16 bytes it breaks the CPU's 256-byte alignment, not the NPU's.
  Plan bad = f.plan;
  bad.tensors[g.inputs[0]].address += 16;
  bad.arena_size += 16;
  const std::string msg = failure(f, bad, config(arch::Accelerator::kEthosU55_256), c);
  EXPECT_TRUE(contains(msg, "breaks its 256-byte alignment")) << msg;
}

TEST(PlanVerifier, CatchesTensorsLiveTogetherSharingBytes) {
  const ir::NpuGraph& g = person_detect().graph();
  const Finished f = finish(g, config(arch::Accelerator::kEthosU55_256), PlanOptions{});
  auto [ifm, ofm] = live_together(g, 2);
  Plan bad = f.plan;
  bad.arena_size = int64_t{1} << 30;  // (only the overlap is wrong)
  bad.tensors[ofm].address = bad.tensors[ifm].address;
  const std::string msg = failure(f, bad);
  EXPECT_TRUE(contains(msg, "overlap in the arena while both live")) << msg;
  // The moved OFM overlaps the IFM, or first another tensor live with it near that address.
  EXPECT_TRUE(contains(msg, g.tensors[ofm].name)) << msg;
  EXPECT_TRUE(contains(msg, " and tensor ")) << msg;
}

TEST(PlanVerifier, AliasesShareStorageButMustShareTheAddress) {
  // person_detect's SOFTMAX reads a reshape of the logits: same range, same address, no alarm;
  // an alias placed elsewhere is caught.
  const ir::NpuGraph& g = person_detect().graph();
  const Finished f = finish(g, config(arch::Accelerator::kEthosU55_256), PlanOptions{});
  int out = -1;
  for (size_t t = 0; t < g.tensors.size() && out < 0; ++t) {
    if (g.tensors[t].network_tensor >= 0 && g.tensors[t].alias_of >= 0)
      out = static_cast<int>(t);
  }
  ASSERT_GE(out, 0);
  EXPECT_EQ(failure(f, f.plan), "(no error)");
  Plan bad = f.plan;
  bad.arena_size += 16;
  bad.tensors[out].address += 16;
  const std::string msg = failure(f, bad);
  EXPECT_TRUE(contains(msg, "shares storage with")) << msg;
}

TEST(PlanVerifier, CatchesAFeatureMapSmallerThanItsStorage) {
  const ir::NpuGraph& g = person_detect().graph();
  const Finished f = finish(g, config(arch::Accelerator::kEthosU55_256), PlanOptions{});
  // An 8-channel map stored in 16-channel bricks needs twice its NHWC bytes.
  int t = -1;
  for (size_t k = 0; k < g.tensors.size() && t < 0; ++k) {
    if (f.plan.tensors[k].layout == Layout::kNhcwb16 && g.tensors[k].shape.c % 16 != 0)
      t = static_cast<int>(k);
  }
  ASSERT_GE(t, 0);
  Plan bad = f.plan;
  bad.tensors[t].size = linear_size(g.tensors[t]);
  const std::string msg = failure(f, bad);
  EXPECT_TRUE(contains(msg, "bytes planned but needs")) << msg;
  bad = f.plan;
  bad.tensors[g.outputs[0]].layout = Layout::kNhcwb16;
  EXPECT_TRUE(contains(failure(f, bad), "must be NHWC")) << failure(f, bad);
  bad = f.plan;
  const int w = g.ops[1].weights;
  bad.tensors[w].region = Region::kArena;
  EXPECT_TRUE(contains(failure(f, bad), "is not in flash")) << failure(f, bad);
}

TEST(PlanVerifier, CatchesPassesThatMissDuplicateOrReorderRows) {
  const ir::NpuGraph& g = person_detect().graph();
  PlanOptions o;
  o.weight_buffering = false;  // one pass per operation
  const Finished f = finish(g, config(arch::Accelerator::kEthosU55_256), o);
  ASSERT_EQ(f.plan.passes.size(), g.ops.size());
  Plan bad = f.plan;
  bad.passes.pop_back();
  std::string msg = failure(f, bad);
  EXPECT_TRUE(contains(msg, "of its OFM are never computed")) << msg;
  bad = f.plan;
  bad.passes.insert(bad.passes.begin() + 3, bad.passes[3]);
  msg = failure(f, bad);
  EXPECT_TRUE(contains(msg, "rows must be computed once and in order")) << msg;
  // Operation 3 before operation 2, whose OFM it reads.
  bad = f.plan;
  std::swap(bad.passes[2], bad.passes[3]);
  msg = failure(f, bad);
  EXPECT_TRUE(contains(msg, "pass 2 (operation 3")) << msg;
  EXPECT_TRUE(contains(msg, "before operation 2")) << msg;
  // Rows split in two passes are fine; a gap between them is not.
  bad = f.plan;
  const int rows = g.ops[4].ofm.shape.h;
  bad.passes[4].row_end = rows / 2;
  bad.passes.insert(bad.passes.begin() + 5, Pass{4, rows / 2, rows, 0});
  EXPECT_EQ(failure(f, bad), "(no error)");
  bad.passes[5].row_begin += 1;
  EXPECT_TRUE(contains(failure(f, bad), "rows must be computed once and in order"));
}

// A finished plan with cascades: person_detect in a 40000-byte arena.
Finished cascaded() {
  PlanOptions o;
  o.arena_limit = 40000;
  return finish(person_detect().graph(), config(arch::Accelerator::kEthosU55_256), o);
}

TEST(PlanVerifier, CatchesARollingBufferTooSmallOrPassesOutOfStep) {
  const ir::NpuGraph& g = person_detect().graph();
  const Finished f = cascaded();
  ASSERT_FALSE(f.plan.cascades.empty());
  EXPECT_EQ(failure(f, f.plan), "(no error)");
  const Cascade& c = f.plan.cascades[0];
  const int t = g.ops[static_cast<size_t>(c.first)].ofm.tensor;  // the first rolling buffer
  ASSERT_GT(f.plan.tensors[t].rolling_rows, 1);
  Plan bad = f.plan;
  bad.tensors[t].rolling_rows -= 1;
  std::string msg = failure(f, bad);
  EXPECT_TRUE(
      contains(msg, "rolling buffer of " + std::to_string(bad.tensors[t].rolling_rows) + " rows"))
      << msg;
  // Size only for the rows it holds: one row less than planned is too small.
  bad = f.plan;
  bad.tensors[t].size -= row_bytes(g.tensors[t], bad.tensors[t].layout);
  msg = failure(f, bad);
  EXPECT_TRUE(contains(msg, "rolling rows")) << msg;
  // The consumer's first pass before the producer's.
  bad = f.plan;
  size_t p = 0;
  while (bad.passes[p].op != c.first)
    ++p;
  std::swap(bad.passes[p], bad.passes[p + 1]);
  msg = failure(f, bad);
  EXPECT_TRUE(contains(msg, "has produced rows [0, 0) only")) << msg;
  // A rolling buffer outside any cascade.
  bad = f.plan;
  bad.tensors[g.ops[0].ifm.tensor].rolling_rows = 2;
  EXPECT_TRUE(contains(failure(f, bad), "but no cascade runs through it")) << failure(f, bad);
  // A cascade id an operation does not carry.
  bad = f.plan;
  bad.ops[static_cast<size_t>(c.last)].cascade = -1;
  EXPECT_TRUE(contains(failure(f, bad), "lies in cascade 0 but names cascade -1"))
      << failure(f, bad);
}

TEST(PlanVerifier, CatchesWeightBuffersThatDoNotHoldOrCoverTheirWeights) {
  const ir::NpuGraph& g = person_detect().graph();
  const arch::SystemConfig system = buffering();
  const Finished f = finish(g, system, PlanOptions{});
  EXPECT_EQ(failure(f, f.plan, system), "(no error)");
  int single = -1, dbl = -1;
  for (size_t i = 0; i < f.plan.ops.size(); ++i) {
    const WeightBuffer& b = f.plan.ops[i].weight_buffer;
    if (b.enabled() && !b.reuses_previous && b.double_buffered() && dbl < 0)
      dbl = static_cast<int>(i);
    if (b.enabled() && !b.reuses_previous && !b.double_buffered() && single < 0)
      single = static_cast<int>(i);
  }
  ASSERT_GE(dbl, 0);
  Plan bad = f.plan;
  WeightBuffer& b = bad.ops[static_cast<size_t>(dbl)].weight_buffer;
  b.depth_slices.back() -= 1;
  std::string msg = failure(f, bad, system);
  EXPECT_TRUE(contains(msg, "depth slices [")) << msg;
  EXPECT_TRUE(contains(msg, "do not cover its " +
                                std::to_string(g.ops[static_cast<size_t>(dbl)].ofm.shape.c) +
                                " OFM channels"))
      << msg;
  bad = f.plan;
  bad.ops[static_cast<size_t>(dbl)].weight_buffer.half -= 16;
  msg = failure(f, bad, system);
  EXPECT_TRUE(contains(msg, "bytes of weights, a half holds")) << msg;
  // A buffer over a feature map read at the same time.
  bad = f.plan;
  const size_t i = static_cast<size_t>(dbl);
  bad.arena_size = int64_t{1} << 30;
  bad.ops[i].weight_buffer.address = bad.tensors[g.ops[i].ifm.tensor].address;
  msg = failure(f, bad, system);
  EXPECT_TRUE(contains(msg, "the weight buffer of operation " + std::to_string(i))) << msg;
  EXPECT_TRUE(contains(msg, "overlap in the arena while both live")) << msg;
  // Reusing a buffer the previous operation does not have.
  bad = f.plan;
  bad.ops[i].weight_buffer.reuses_previous = true;
  bad.ops[i - 1].weight_buffer = WeightBuffer{};
  msg = failure(f, bad, system);
  EXPECT_TRUE(contains(msg, "reuses the previous operation's weight buffer")) << msg;
  if (single >= 0) {
    bad = f.plan;
    bad.ops[static_cast<size_t>(single)].weight_buffer.size -= 16;
    msg = failure(f, bad, system);
    EXPECT_TRUE(contains(msg, "holds")) << msg;
  }
  // Depth slices in a cascade.
  const Finished c = cascaded();
  bad = c.plan;
  const size_t k = static_cast<size_t>(c.plan.cascades[0].first);
  bad.ops[k].weight_buffer.depth_slices = {0, 16, g.ops[k].ofm.shape.c};
  EXPECT_TRUE(contains(failure(c, bad), "is cascaded but its weights come in depth slices"))
      << failure(c, bad);
}

TEST(PlanVerifier, CatchesStagedInputsCopiedLateOrOutsideTheCache) {
  const ir::NpuGraph& g = person_detect().graph();
  const arch::SystemConfig system = spilling();
  const Finished f = finish(g, system, PlanOptions{});
  ASSERT_TRUE(f.plan.spilling);
  EXPECT_EQ(failure(f, f.plan, system), "(no error)");
  ASSERT_FALSE(f.plan.staged.empty());
  Plan bad = f.plan;
  bad.staged[0].first_reader += 1;
  std::string msg = failure(f, bad, system);
  EXPECT_TRUE(contains(msg, "reads it first")) << msg;
  bad = f.plan;
  bad.staged[0].address = bad.fast_arena_size;
  msg = failure(f, bad, system);
  EXPECT_TRUE(contains(msg, "lies outside the fast arena")) << msg;
  bad = f.plan;
  bad.fast_arena_size = system.arena_cache_size + 16;
  msg = failure(f, bad, system);
  EXPECT_TRUE(contains(msg, "but the SRAM cache holds")) << msg;
  // The CPU reads segment outputs in the DRAM arena.
  bad = f.plan;
  bad.tensors[g.outputs[0]].region = Region::kFastArena;
  msg = failure(f, bad, system);
  EXPECT_TRUE(contains(msg, "is in the fast arena but the CPU sees it")) << msg;
  // A reshape alias shares its base's bytes: both in one region.
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const int base = g.tensors[t].alias_of;
    if (base < 0)
      continue;
    bad = f.plan;
    bad.tensors[t].region = f.plan.tensors[static_cast<size_t>(base)].region == Region::kArena
                                ? Region::kFastArena
                                : Region::kArena;
    msg = failure(f, bad, system);
    EXPECT_TRUE(contains(msg, "is an alias of") || contains(msg, "but the CPU sees it")) << msg;
    break;
  }
}

ir::NpuTensor feature_map(const ir::Shape4& shape, int network_tensor = -1) {
  ir::NpuTensor t;
  t.name = fmt::format("t{}", network_tensor);
  t.shape = shape;
  t.network_tensor = network_tensor;
  return t;
}

TEST(PlanVerifier, AcceptsCascadesWhoseStrideLeavesTheLastRowsUncomputed) {
  // A 3x3 convolution (10 rows) cascaded into a 1x1 pool of stride 2 (5 rows): the pool reads
  // rows 0, 2, .., 8, so row 9 of the convolution is never computed, and need not be (graph_fuzz
  // seeds 142 and 268 under configuration 2).
  ir::NpuGraph g;
  g.tensors = {feature_map({1, 10, 8, 16}), feature_map({1, 10, 8, 16}),
               feature_map({1, 5, 8, 16})};
  ir::NpuOp conv;
  conv.type = ir::NpuOpType::kDepthwiseConv2D;
  conv.ifm = {0, {0, 0, 0, 0}, g.tensors[0].shape};
  conv.ofm = {1, {0, 0, 0, 0}, g.tensors[1].shape};
  conv.kernel = {3, 3, 1, 1, 1, 1};
  conv.padding = {1, 1, 1, 1};
  ir::NpuOp pool;
  pool.type = ir::NpuOpType::kMaxPool;
  pool.ifm = conv.ofm;
  pool.ofm = {2, {0, 0, 0, 0}, g.tensors[2].shape};
  pool.kernel = {1, 1, 2, 2, 1, 1};
  g.ops = {conv, pool};
  g.inputs = {0};
  g.outputs = {2};
  const arch::SystemConfig system = config(arch::Accelerator::kEthosU55_256);
  PlanOptions o;
  o.cascading = false;
  Plan plan = plan_whole_tensors(g, system, o);
  ASSERT_TRUE(can_cascade(g, 0, 1));
  apply_cascade(g, plan, Cascade{0, 1, 1});
  allocate_arena(g, plan, o);
  EXPECT_NO_THROW(verify_plan(g, plan, system));
  int conv_rows = 0;
  for (const Pass& p : plan.passes)
    conv_rows = p.op == 0 ? p.row_end : conv_rows;
  EXPECT_EQ(conv_rows, 9);
  // The pool's own rows must all be computed.
  Plan bad = plan;
  bad.passes.pop_back();
  try {
    verify_plan(g, bad, system);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(),
                         "operation 1 '' depth slice 0: rows [4, 5) of its OFM are "
                         "never computed"))
        << e.what();
  }
}

TEST(PlanVerifier, NetworkTensorsAnEarlierSegmentAliasedMayShareAnAddressHere) {
  // Segment inputs t0 and t1 are network tensors 5 and 8, which an earlier segment stored as
  // one (8 a reshape alias of 5), so the subgraph arena gave them one address.
  ir::NpuGraph g;
  g.tensors = {feature_map({1, 2, 2, 16}, 5), feature_map({1, 2, 2, 16}, 8),
               feature_map({1, 2, 2, 16}, 9)};
  ir::NpuOp add;
  add.type = ir::NpuOpType::kAdd;
  add.ifm = {0, {0, 0, 0, 0}, g.tensors[0].shape};
  add.ifm2 = {1, {0, 0, 0, 0}, g.tensors[1].shape};
  add.ofm = {2, {0, 0, 0, 0}, g.tensors[2].shape};
  g.ops = {add};
  g.inputs = {0, 1};
  g.outputs = {2};
  const arch::SystemConfig system = config(arch::Accelerator::kEthosU55_256);
  Plan plan = plan_whole_tensors(g, system, PlanOptions{});
  plan.tensors[1].address = plan.tensors[0].address;
  EXPECT_NO_THROW(verify_plan(g, plan, system));
  // An internal tensor there is a real overlap.
  ir::NpuGraph internal = g;
  internal.tensors[1].network_tensor = -1;
  EXPECT_THROW(verify_plan(internal, plan, system), Error);
  // So is an output written here over an input still being read.
  Plan over = plan_whole_tensors(g, system, PlanOptions{});
  over.tensors[2].address = over.tensors[0].address;
  EXPECT_THROW(verify_plan(g, over, system), Error);
}

// A strided view (a transpose's depth-1 lattice) passes while its footprint lies in its tensor;
// one element past the end is caught.
TEST(PlanVerifier, CatchesAStridedViewReachingPastItsTensor) {
  ir::NpuGraph g;
  for (const char* name : {"in", "out"}) {
    ir::NpuTensor t;
    t.name = name;
    t.shape = {1, 4, 6, 8};
    g.tensors.push_back(t);
  }
  g.tensors[1].shape = {1, 8, 4, 6};  // [0,3,1,2] of the input
  g.inputs = {0};
  g.outputs = {1};
  ir::NpuOp op;
  op.type = ir::NpuOpType::kMaxPool;
  op.byte_copy = true;
  op.name = "out";
  // Depth 1: rows are the input's channels (step 1), columns its 24 pixels (step 8).
  op.ifm = {0, {0, 0, 0, 0}, {1, 8, 24, 1}, ir::ElementStrides{0, 1, 8}};
  op.ofm = {1, {0, 0, 0, 0}, {1, 8, 24, 1}, ir::ElementStrides{0, 24, 1}};
  g.ops.push_back(op);
  const arch::SystemConfig system = config(arch::Accelerator::kEthosU55_256);
  const Schedule s = schedule_segment(g, system, PlanOptions{}, EstimatedWeights{});
  EXPECT_NO_THROW(verify_plan(g, s.plan, system, PlanCheckContext{}));
  ir::NpuGraph bad = g;
  bad.ops[0].ofm.strides->origin = 1;  // the last element lands at 192
  try {
    verify_plan(bad, s.plan, system, PlanCheckContext{});
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "reaches elements [1, 192]")) << e.what();
  }
  bad = g;
  bad.ops[0].ifm.strides->w = -8;  // walks backwards from element 0
  try {
    verify_plan(bad, s.plan, system, PlanCheckContext{});
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "reaches elements [-184, 7]")) << e.what();
  }
}

}  // namespace
}  // namespace euc::scheduler
