#include "driver/compiler.hpp"

#include "scheduler/live_range.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "arch/operation_kinds.hpp"
#include "codegen/compile_segment.hpp"
#include "frontend/lowering/lowering.hpp"
#include "frontend/rewrite/fold_constants.hpp"
#include "frontend/supported/supported_ops.hpp"
#include "npu/driver_payload.hpp"
#include "output/ethosu_model.hpp"
#include "output/schedule_report.hpp"
#include "scheduler/schedule.hpp"
#include "selfcheck/stream_check.hpp"
#include "weights/constant_encoder.hpp"

namespace euc::driver {

int64_t operation_macs(const ir::NpuOp& op) {
  const int64_t ofm = op.ofm.shape.elements();
  const int64_t kernel = int64_t{op.kernel.width} * op.kernel.height;
  switch (arch::operation_kind(op.type).macs) {
    case arch::MacRule::kKernelTimesDepth:
      return kernel * op.ifm.shape.c * ofm;
    case arch::MacRule::kKernel:
      return kernel * ofm;
    case arch::MacRule::kNone:
      return 0;
  }
  return 0;
}

namespace {

// Why a lowerable operator stays on the CPU with its neighbours.
std::string neighbours_reason(ir::BuiltinOp type) {
  switch (type) {
    case ir::BuiltinOp::RESHAPE:
    case ir::BuiltinOp::SQUEEZE:
    case ir::BuiltinOp::EXPAND_DIMS:
      return "a pure reshape between CPU operators: it costs the CPU nothing, and alone on the "
             "NPU it would only add a copy and an NPU call";
    case ir::BuiltinOp::PAD:
      return "a PAD folds into the convolution after it, which stays on the CPU";
    default:
      return "its neighbours stay on the CPU";
  }
}

// Estimates every operation of a compiled segment and appends it to the report's layers and
// totals.
void add_performance(CompileReport& report, const ir::Subgraph& sg, const ir::NpuGraph& graph,
                     const scheduler::Plan& plan, const codegen::CompiledSegment& compiled,
                     const arch::SystemConfig& system) {
  const arch::PerformanceModel model(system);
  std::vector<scheduler::OpCostInput> inputs;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    std::optional<int64_t> encoded;
    if (i < compiled.op_encoded_weight_bytes.size() && compiled.op_encoded_weight_bytes[i] >= 0)
      encoded = compiled.op_encoded_weight_bytes[i];
    inputs.push_back(scheduler::cost_input(graph, plan, system, i, encoded));
  }
  scheduler::PlanCost cost = scheduler::score(model, inputs);
  const auto live =
      scheduler::sram_bytes_per_step(graph, plan, system.arena_area() == arch::MemArea::kSram);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::NpuOp& op = graph.ops[i];
    output::LayerPerformance l;
    if (!op.source_ops.empty() && op.source_ops[0] >= 0 &&
        op.source_ops[0] < static_cast<int>(sg.operators.size())) {
      l.tflite_operator = ir::builtin_op_name(sg.operators[op.source_ops[0]].type);
    }
    l.npu_operation = arch::operation_kind(op.type).vela_name;
    l.name = op.name;
    l.sram_usage = live[i];
    l.cost = cost.ops[i];
    report.layers.push_back(std::move(l));
  }
  if (!report.performance)
    report.performance.emplace();
  for (const arch::OpCost& op : cost.ops)
    report.performance->add(op);
}

// The block operations the command stream launches, in order: names, and the network tensor
// each writes whole ("" for a part).
std::vector<std::string> block_operations(const ir::NpuGraph& graph, const scheduler::Plan& plan,
                                          std::vector<std::string>* whole_tensors = nullptr) {
  std::vector<std::string> names;
  auto add = [&](const scheduler::Pass& pass) {
    const ir::NpuOp& op = graph.ops[static_cast<size_t>(pass.op)];
    const arch::OperationKind& kind = arch::operation_kind(op.type);
    if (kind.is_dma())
      return;
    names.push_back(fmt::format("{} '{}'", kind.name, op.name));
    if (whole_tensors == nullptr)
      return;
    const ir::NpuTensor& ofm = graph.tensors[static_cast<size_t>(op.ofm.tensor)];
    const bool whole_pass =
        pass.row_begin == 0 && pass.row_end == op.ofm.shape.n * op.ofm.shape.h &&
        plan.ops[static_cast<size_t>(pass.op)].weight_buffer.depth_slices.size() <= 2;
    const bool whole_tensor = op.ofm.offset == ir::Shape4{0, 0, 0, 0} && op.ofm.shape == ofm.shape;
    whole_tensors->push_back(whole_pass && whole_tensor && ofm.network_tensor >= 0 ? op.name
                                                                                   : std::string());
  };
  if (plan.passes.empty()) {
    for (size_t i = 0; i < graph.ops.size(); ++i) {
      const ir::Shape4& s = graph.ops[i].ofm.shape;
      add({static_cast<int>(i), 0, s.n * s.h, 0});
    }
  } else {
    for (const scheduler::Pass& pass : plan.passes)
      add(pass);
  }
  return names;
}

// The segment's operations and the network operators (input model indices) they implement.
output::DebugSegment debug_segment(int subgraph, const frontend::Segment& seg,
                                   const std::vector<int>& original_index) {
  output::DebugSegment d;
  d.subgraph = subgraph;
  auto original = [&](int i) {
    return i >= 0 && static_cast<size_t>(i) < original_index.size()
               ? original_index[static_cast<size_t>(i)]
               : i;
  };
  std::set<int> implemented;
  for (const ir::NpuOp& op : seg.graph.ops) {
    output::DebugOperation o;
    o.kind = std::string(arch::operation_kind(op.type).name);
    o.kernel_width = op.kernel.width;
    o.kernel_height = op.kernel.height;
    o.ofm_width = op.ofm.shape.w;
    o.ofm_height = op.ofm.shape.h;
    o.ofm_depth = op.ofm.shape.c;
    for (int i : op.source_ops) {
      o.source_ops.push_back(original(i));
      implemented.insert(i);
    }
    d.operations.push_back(std::move(o));
  }
  for (int i : seg.network_ops) {
    if (!implemented.count(i))
      d.without_operation.push_back(original(i));
  }
  return d;
}

// --debug-corrupt-weight: the first weight byte of the first operation with weights, changed.
void corrupt_one_weight(ir::NpuGraph& graph) {
  for (const ir::NpuOp& op : graph.ops) {
    if (op.weights < 0)
      continue;
    ir::NpuTensor& w = graph.tensors[static_cast<size_t>(op.weights)];
    if (!w.data || w.data->empty())
      continue;
    auto bytes = std::make_shared<ir::Bytes>(*w.data);
    (*bytes)[0] = static_cast<uint8_t>((*bytes)[0] ^ 0x55);
    w.data = std::move(bytes);
    return;
  }
}

// Verifies the segment's command stream on its own before anything is written (an internal
// error otherwise): every access inside its region, every read of data written before, every
// output byte written.
void self_check(const ir::NpuGraph& graph, const scheduler::Plan& plan,
                const codegen::CompiledSegment& compiled, const arch::SystemConfig& system,
                const std::string& name) {
  selfcheck::SegmentStream stream;
  stream.segment = name;
  const npu::DriverPayload payload = npu::parse_driver_payload(compiled.payload, name);
  stream.commands = payload.command_words;
  stream.region_size = {static_cast<int64_t>(compiled.flash.size()), plan.arena_size,
                        plan.fast_arena_size};
  const bool separate = !compiled.input_addresses.empty() ? compiled.input_addresses[0] < 0
                                                          : !compiled.output_addresses.empty() &&
                                                                compiled.output_addresses[0] < 0;
  int io_region = codegen::kFirstIoRegion;
  stream.shram_bytes = int64_t{system.accelerator_config().shram_banks} * 1024;
  auto placed = [&](int t) {
    const ir::NpuTensor& tensor = graph.tensors[static_cast<size_t>(t)];
    const scheduler::TensorPlacement& place = plan.tensors[static_cast<size_t>(t)];
    const int64_t size = scheduler::linear_size(tensor);
    if (separate) {
      // Its own region, exactly its size.
      stream.region_size.at(static_cast<size_t>(io_region)) = size;
      return selfcheck::PlacedTensor{tensor.name, io_region++, 0, size};
    }
    return selfcheck::PlacedTensor{tensor.name, static_cast<int>(place.region), place.address,
                                   size};
  };
  for (int t : graph.inputs)
    stream.inputs.push_back(placed(t));
  for (int t : graph.outputs)
    stream.outputs.push_back(placed(t));
  for (const std::string& op : block_operations(graph, plan))
    stream.block_names.push_back(op);
  selfcheck::check_segment_stream(stream);
}

}  // namespace

CompileResult compile_model(const ir::Model& input, const arch::SystemConfig& system,
                            const CompileOptions& options) {
  CompileResult result;
  auto stage = [&](std::string what) {
    if (options.progress)
      options.progress(std::move(what));
  };
  stage("checking operators");
  // Operators the model alone determines (SHAPE) become constants first; reports name
  // operators by their index in `input`.
  frontend::FoldReport folding;
  const ir::Model model = frontend::fold_constants(input, &folding);
  result.report.folded_ops = folding.folded;
  result.report.network_ops = folding.folded;
  std::vector<output::SubgraphCompilation> subgraphs;
  frontend::CheckOptions checks;
  checks.force_symmetric_int_weights = options.force_symmetric_int_weights;
  auto verdicts = frontend::check_model(model, checks);
  const weights::NpuWeightEncoder encoder(system.accelerator_config());
  for (size_t s = 0; s < model.subgraphs.size(); ++s) {
    // Operators that meet the NPU's rules and whose type euc lowers go to it, where the lowering
    // can express them.
    std::vector<bool> on_npu;
    std::vector<std::optional<std::string>> ignored;  // why an operator was kept on the CPU
    for (const frontend::SupportVerdict& v : verdicts[s]) {
      on_npu.push_back(v.on_npu);
      ignored.emplace_back();
    }
    for (size_t i = 0; i < on_npu.size(); ++i) {
      std::string_view name = ir::builtin_op_name(model.subgraphs[s].operators[i].type);
      for (const std::string& op : options.ignore_ops) {
        if (op == name)
          ignored[i] = "listed in --ignore-ops";
      }
      const std::pair<int, int> original{static_cast<int>(s), folding.original_index[s][i]};
      if (std::find(options.cpu_operators.begin(), options.cpu_operators.end(), original) !=
          options.cpu_operators.end())
        ignored[i] = "kept on the CPU by the caller";
      if (ignored[i])
        on_npu[i] = false;
    }
    result.report.network_ops += static_cast<int>(on_npu.size());
    output::SubgraphCompilation comp;
    stage(fmt::format("lowering subgraph {}", s));
    comp.lowered = frontend::lower_subgraph(model, static_cast<int>(s), on_npu);
    if (options.corrupt_one_weight) {
      for (frontend::Segment& seg : comp.lowered.segments) {
        if (seg.on_npu)
          corrupt_one_weight(seg.graph);
      }
    }
    // The scheduler plans the subgraph's NPU segments on one timeline; codegen then writes each.
    scheduler::SubgraphTimeline timeline;
    int step = 0;
    for (const frontend::Segment& seg : comp.lowered.segments) {
      if (!seg.on_npu) {
        result.report.cpu_ops += static_cast<int>(seg.network_ops.size());
        for (int i : seg.network_ops) {
          CpuOperator cpu{static_cast<int>(s), folding.original_index[s][static_cast<size_t>(i)],
                          verdicts[s][i].reasons};
          if (verdicts[s][i].meets_rules) {
            std::optional<std::string> why =
                ignored[i] ? ignored[i] : frontend::why_not_lowered(model, static_cast<int>(s), i);
            // Lowerable, but only with neighbours that stay on the CPU.
            cpu.reasons.push_back(
                why ? *why
                    : neighbours_reason(model.subgraphs[s].operators[static_cast<size_t>(i)].type));
          }
          result.report.cpu_operators.push_back(std::move(cpu));
          const ir::Operator& op = model.subgraphs[s].operators[static_cast<size_t>(i)];
          for (int t : op.inputs)
            timeline.cpu_uses.push_back({t, step});
          for (int t : op.outputs)
            timeline.cpu_uses.push_back({t, step});
          ++step;
        }
        continue;
      }
      result.report.npu_network_ops += static_cast<int>(seg.network_ops.size());
      timeline.segments.push_back({&seg.graph, step, {}});
      step += std::max<int>(1, static_cast<int>(seg.graph.ops.size()));
    }
    for (int t : model.subgraphs[s].inputs)
      timeline.cpu_uses.push_back({t, 0});
    for (int t : model.subgraphs[s].outputs)
      timeline.cpu_uses.push_back({t, step - 1});
    timeline.steps = step;
    // A variable tensor (a recurrent operator's state) keeps its bytes from one invocation to
    // the next: nothing else of the subgraph may use them at any step.
    for (const frontend::Segment& seg : comp.lowered.segments) {
      if (!seg.on_npu)
        continue;
      for (const ir::NpuTensor& t : seg.graph.tensors) {
        const auto& tensors = model.subgraphs[s].tensors;
        if (t.network_tensor >= 0 && static_cast<size_t>(t.network_tensor) < tensors.size() &&
            tensors[static_cast<size_t>(t.network_tensor)].is_variable) {
          timeline.cpu_uses.push_back({t.network_tensor, 0});
          timeline.cpu_uses.push_back({t.network_tensor, std::max(0, step - 1)});
        }
      }
    }
    for (size_t k = 0; k < timeline.segments.size(); ++k) {
      timeline.segments[k].name =
          fmt::format("subgraph {} segment {}", s, result.report.segments.size() + k);
    }
    stage(fmt::format("scheduling subgraph {}", s));
    const std::vector<scheduler::Schedule> schedules =
        scheduler::schedule(timeline, system, options.plan, encoder);
    size_t k = 0;
    for (const frontend::Segment& seg : comp.lowered.segments) {
      if (!seg.on_npu)
        continue;
      const scheduler::Plan& plan = schedules[k].plan;
      stage(fmt::format("generating the command stream of segment {}",
                        result.report.segments.size()));
      codegen::CompiledSegment compiled =
          codegen::compile_segment(seg.graph, plan, schedules[k].constants, system,
                                   options.separate_io_regions, options.max_block_dependency);
      ++k;
      self_check(seg.graph, plan, compiled, system,
                 fmt::format("subgraph {} segment {}", s, result.report.segments.size()));
      SegmentReport r;
      r.block_operations = block_operations(seg.graph, plan, &r.block_ofm_tensors);
      r.debug = debug_segment(static_cast<int>(s), seg, folding.original_index[s]);
      r.debug.launches = compiled.launches;
      r.debug.command_stream = compiled.payload;
      r.subgraph = static_cast<int>(s);
      r.network_ops = static_cast<int>(seg.network_ops.size());
      r.npu_ops = static_cast<int>(seg.graph.ops.size());
      r.arena_size = compiled.arena_size;
      r.fast_arena_size = compiled.fast_arena_size;
      r.flash_size = static_cast<int64_t>(compiled.flash.size());
      r.command_stream_bytes = static_cast<int64_t>(compiled.payload.size());
      r.original_weight_bytes = compiled.original_weight_bytes;
      r.encoded_weight_bytes = compiled.encoded_weight_bytes;
      for (const ir::NpuOp& op : seg.graph.ops)
        r.macs += operation_macs(op);
      add_performance(result.report, model.subgraphs[s], seg.graph, plan, compiled, system);
      if (options.describe_plans) {
        const std::string name =
            fmt::format("subgraph {} segment {}", s, result.report.segments.size());
        r.schedule = output::format_schedule(name, seg.graph, plan,
                                             compiled.op_encoded_weight_bytes, system);
        const char* allocator =
            options.plan.allocator == scheduler::AllocatorKind::kLinear   ? "LinearAlloc"
            : options.plan.allocator == scheduler::AllocatorKind::kGreedy ? "Greedy"
                                                                          : "HillClimb";
        r.allocation = output::format_allocation(name, seg.graph, plan, system, allocator);
      }
      if (options.verbose.any()) {
        r.verbose = output::format_verbose_segment(
            options.verbose,
            fmt::format("subgraph {} segment {}", s, result.report.segments.size()),
            model.subgraphs[s], seg.graph, plan, compiled, system);
      }
      result.report.macs += r.macs;
      result.report.segments.push_back(r);
      result.report.arena_size = std::max(result.report.arena_size, r.arena_size);
      result.report.fast_arena_size = std::max(result.report.fast_arena_size, r.fast_arena_size);
      result.report.flash_size += r.flash_size;
      comp.compiled.push_back(std::move(compiled));
    }
    subgraphs.push_back(std::move(comp));
  }
  stage("assembling the output model");
  result.model = output::build_ethosu_model(model, subgraphs, options.description);
  return result;
}

}  // namespace euc::driver
