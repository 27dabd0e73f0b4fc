#include "driver/compiler.hpp"

#include <algorithm>

#include "codegen/compile_segment.hpp"
#include "frontend/lowering/lowering.hpp"
#include "frontend/supported/supported_ops.hpp"
#include "output/ethosu_model.hpp"

namespace euc::driver {

int64_t operation_macs(const ir::NpuGraph& graph, const ir::NpuOp& op) {
  const int64_t ofm = op.ofm.shape.elements();
  const int64_t kernel = int64_t{op.kernel.width} * op.kernel.height;
  switch (op.type) {
    case ir::NpuOpType::kConv2D:
    case ir::NpuOpType::kFullyConnected:
      return kernel * op.ifm.shape.c * ofm;
    case ir::NpuOpType::kDepthwiseConv2D:
    case ir::NpuOpType::kMaxPool:
    case ir::NpuOpType::kAvgPool:
    case ir::NpuOpType::kReduceSum:
      return kernel * ofm;
    default:
      return 0;
  }
  (void)graph;
}

CompileResult compile_model(const ir::Model& model, const arch::SystemConfig& system,
                            const CompileOptions& options) {
  CompileResult result;
  std::vector<output::SubgraphCompilation> subgraphs;
  frontend::CheckOptions checks;
  checks.force_symmetric_int_weights = options.force_symmetric_int_weights;
  auto verdicts = frontend::check_model(model, checks);
  for (size_t s = 0; s < model.subgraphs.size(); ++s) {
    // Operators the NPU supports go to it where lowering can express them (lowering grows to
    // cover the whole supported set).
    std::vector<bool> on_npu;
    for (const frontend::SupportVerdict& v : verdicts[s])
      on_npu.push_back(v.on_npu);
    for (size_t i = 0; i < on_npu.size(); ++i) {
      std::string_view name = ir::builtin_op_name(model.subgraphs[s].operators[i].type);
      for (const std::string& ignored : options.ignore_ops) {
        if (ignored == name)
          on_npu[i] = false;
      }
    }
    result.report.network_ops += static_cast<int>(on_npu.size());
    output::SubgraphCompilation comp;
    comp.lowered = frontend::lower_subgraph(model, static_cast<int>(s), on_npu);
    for (const frontend::Segment& seg : comp.lowered.segments) {
      if (!seg.on_npu) {
        result.report.cpu_ops += static_cast<int>(seg.network_ops.size());
        for (int i : seg.network_ops) {
          CpuOperator cpu{static_cast<int>(s), i, verdicts[s][i].reasons};
          if (verdicts[s][i].on_npu) {
            cpu.reasons.push_back(on_npu[i] ? "euc does not lower this operator to the NPU yet"
                                            : "listed in --ignore-ops");
          }
          result.report.cpu_operators.push_back(std::move(cpu));
        }
        continue;
      }
      result.report.npu_network_ops += static_cast<int>(seg.network_ops.size());
      scheduler::Plan plan = scheduler::plan_whole_tensors(seg.graph, system, options.plan);
      codegen::CompiledSegment compiled = codegen::compile_segment(seg.graph, plan, system);
      SegmentReport r;
      r.subgraph = static_cast<int>(s);
      r.network_ops = static_cast<int>(seg.network_ops.size());
      r.npu_ops = static_cast<int>(seg.graph.ops.size());
      r.arena_size = compiled.arena_size;
      r.flash_size = static_cast<int64_t>(compiled.flash.size());
      r.command_stream_bytes = static_cast<int64_t>(compiled.payload.size());
      r.original_weight_bytes = compiled.original_weight_bytes;
      r.encoded_weight_bytes = compiled.encoded_weight_bytes;
      for (const ir::NpuOp& op : seg.graph.ops)
        r.macs += operation_macs(seg.graph, op);
      result.report.macs += r.macs;
      result.report.segments.push_back(r);
      result.report.arena_size = std::max(result.report.arena_size, r.arena_size);
      result.report.flash_size += r.flash_size;
      comp.compiled.push_back(std::move(compiled));
    }
    subgraphs.push_back(std::move(comp));
  }
  result.model = output::build_ethosu_model(model, subgraphs, options.description);
  return result;
}

}  // namespace euc::driver
