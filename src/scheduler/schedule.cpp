#include "scheduler/schedule.hpp"

#include "scheduler/arena.hpp"
#include "scheduler/cascade.hpp"
#include "scheduler/initial_plan.hpp"
#include "scheduler/plan_verifier.hpp"
#include "scheduler/weight_buffering.hpp"

namespace euc::scheduler {

Schedule schedule_segment(const ir::NpuGraph& graph, const arch::SystemConfig& system,
                          const PlanOptions& options, const WeightEncoder& encoder) {
  Schedule out;
  Plan& plan = out.plan;
  plan = plan_whole_tensors(graph, system, options);
  std::vector<int64_t> estimated_bytes;
  for (const ir::NpuOp& op : graph.ops)
    estimated_bytes.push_back(encoder.estimate_stream_bytes(graph, op));
  const int64_t budget = buffer_weights(graph, plan, system, options, estimated_bytes);
  // The block configs and depth slices are final: encode once, then size buffers exactly.
  out.constants = encoder.encode(graph, plan);
  std::vector<std::vector<int64_t>> slice_bytes(graph.ops.size());
  std::vector<int64_t> stream_address;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    for (const ConstantLayout::Slice& slice : out.constants.op_slices[i])
      slice_bytes[i].push_back(slice.stream.size);
    stream_address.push_back(
        out.constants.op_slices[i].empty() ? -1 : out.constants.op_streams[i].address);
  }
  settle_weight_buffers(graph, plan, options, slice_bytes, budget);
  share_identical_buffers(graph, plan, options, stream_address);
  share_resident_streams(graph, plan, options, stream_address, slice_bytes, budget);
  start_copies_early(graph, plan, options);
  build_passes(graph, plan);
  return out;
}

std::vector<Schedule> schedule(const SubgraphTimeline& timeline, const arch::SystemConfig& system,
                               const PlanOptions& options, const WeightEncoder& encoder) {
  std::vector<Schedule> out;
  for (const SubgraphTimeline::Segment& segment : timeline.segments)
    out.push_back(schedule_segment(*segment.graph, system, options, encoder));
  if (out.size() > 1) {
    std::vector<ArenaSegment> arena;
    for (size_t k = 0; k < out.size(); ++k) {
      arena.push_back({timeline.segments[k].graph, &out[k].plan, timeline.segments[k].first_step});
    }
    allocate_subgraph_arena(arena, timeline.cpu_uses, timeline.steps, options);
  }
  for (size_t k = 0; k < out.size(); ++k) {
    const ir::NpuGraph& graph = *timeline.segments[k].graph;
    check_arena_limit(graph, out[k].plan, options);
    PlanCheckContext context;
    context.segment = timeline.segments[k].name;
    context.cpu_tensor_alignment = options.cpu_tensor_alignment;
    const ConstantLayout& constants = out[k].constants;
    // An encoder that only estimates (EstimatedWeights) lays out no bytes: size unknown.
    context.flash_size =
        constants.flash.empty() ? -1 : static_cast<int64_t>(constants.flash.size());
    context.slice_bytes = [&constants](size_t op) {
      std::vector<int64_t> bytes;
      for (const ConstantLayout::Slice& slice : constants.op_slices.at(op))
        bytes.push_back(slice.stream.size);
      return bytes;
    };
    verify_plan(graph, out[k].plan, system, context);
  }
  return out;
}

}  // namespace euc::scheduler
