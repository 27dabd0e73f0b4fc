#include "output/verbose_report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "arch/memory_area.hpp"
#include "arch/operation_kinds.hpp"
#include "npu/command.hpp"
#include "npu/driver_payload.hpp"
#include "npu/format.hpp"
#include "scheduler/cascade.hpp"

namespace euc::output {
namespace {

std::string shape_text(const ir::Shape4& s) {
  return fmt::format("[{},{},{},{}]", s.n, s.h, s.w, s.c);
}

std::string tensor_ref(const ir::NpuGraph& graph, const ir::TensorSlice& slice) {
  if (!slice.valid())
    return "-";
  const ir::NpuTensor& t = graph.tensors.at(static_cast<size_t>(slice.tensor));
  std::string view;
  if (slice.strided())
    view = " strided";
  else if (!(slice.shape == t.shape) || !(slice.offset == ir::Shape4{0, 0, 0, 0}))
    view = fmt::format(" at {}", shape_text(slice.offset));
  return fmt::format("t{} '{}' {} {}{}", slice.tensor, t.name, ir::data_type_name(t.type),
                     shape_text(slice.shape), view);
}

std::string activation_text(const ir::Activation& a) {
  switch (a.kind) {
    case ir::Activation::Kind::kNone:
      return "none";
    case ir::Activation::Kind::kClamp:
      return fmt::format("clamp [{}, {}]", a.min, a.max);
    case ir::Activation::Kind::kTanh:
      return "tanh";
    case ir::Activation::Kind::kSigmoid:
      return "sigmoid";
    case ir::Activation::Kind::kLut:
      return fmt::format("lut {} then clamp [{}, {}]", a.lut, a.min, a.max);
  }
  return "?";
}

std::string network_op_text(const ir::Subgraph& network, int index) {
  if (index < 0 || static_cast<size_t>(index) >= network.operators.size())
    return fmt::format("op {}", index);
  const ir::Operator& op = network.operators[static_cast<size_t>(index)];
  std::string out =
      op.outputs.empty() || op.outputs[0] < 0 ||
              static_cast<size_t>(op.outputs[0]) >= network.tensors.size()
          ? std::string()
          : fmt::format(" '{}'", network.tensors[static_cast<size_t>(op.outputs[0])].name);
  return fmt::format("op {} {}{}", index, ir::operator_display_name(op), out);
}

const char* region_name(scheduler::Region r) {
  switch (r) {
    case scheduler::Region::kFlash:
      return "flash (region 0)";
    case scheduler::Region::kArena:
      return "arena (region 1)";
    case scheduler::Region::kFastArena:
      return "SRAM cache (region 2)";
  }
  return "?";
}

// What each tensor is to the segment.
std::vector<std::string> purposes(const ir::NpuGraph& graph) {
  std::vector<std::string> p(graph.tensors.size());
  for (const ir::NpuOp& op : graph.ops) {
    if (op.weights >= 0)
      p[static_cast<size_t>(op.weights)] = "weights";
    if (op.bias >= 0)
      p[static_cast<size_t>(op.bias)] = "bias (with the weights' scales: scale records)";
  }
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    if (!p[i].empty())
      continue;
    const ir::NpuTensor& t = graph.tensors[i];
    const bool in = std::count(graph.inputs.begin(), graph.inputs.end(), static_cast<int>(i)) > 0;
    const bool out =
        std::count(graph.outputs.begin(), graph.outputs.end(), static_cast<int>(i)) > 0;
    const bool read = std::any_of(graph.ops.begin(), graph.ops.end(), [&](const ir::NpuOp& op) {
      return op.ifm.tensor == static_cast<int>(i) || op.ifm2.tensor == static_cast<int>(i);
    });
    if (t.is_constant())
      p[i] =
          read ? "constant feature map" : "constant, read by no operation (replaced in lowering)";
    else if (in && out)
      p[i] = "feature map, segment input and output";
    else if (in)
      p[i] = "feature map, segment input";
    else if (out)
      p[i] = "feature map, segment output";
    else
      p[i] = "feature map, intermediate";
    if (t.alias_of >= 0)
      p[i] += fmt::format(" (storage of t{})", t.alias_of);
  }
  return p;
}

void graph_listing(std::string& out, const ir::NpuGraph& graph, bool quantization) {
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::NpuOp& op = graph.ops[i];
    const arch::OperationKind& kind = arch::operation_kind(op.type);
    out += fmt::format("  {:>3} {} '{}'\n", i, kind.name, op.name);
    out += fmt::format("      ifm  {}\n", tensor_ref(graph, op.ifm));
    if (op.ifm2.valid())
      out += fmt::format("      ifm2 {}\n", tensor_ref(graph, op.ifm2));
    else if (op.ifm2_scalar)
      out += fmt::format("      ifm2 scalar {}\n", *op.ifm2_scalar);
    out += fmt::format("      ofm  {}\n", tensor_ref(graph, op.ofm));
    if (op.weights >= 0) {
      const ir::NpuTensor& w = graph.tensors[static_cast<size_t>(op.weights)];
      out += fmt::format("      weights t{} '{}' [{}]\n", op.weights, w.name,
                         fmt::join(w.weight_shape, ","));
    }
    out += fmt::format(
        "      kernel {}x{} stride {}x{} dilation {}x{} padding t{} l{} b{} r{} activation {}\n",
        op.kernel.width, op.kernel.height, op.kernel.stride_x, op.kernel.stride_y,
        op.kernel.dilation_x, op.kernel.dilation_y, op.padding.top, op.padding.left,
        op.padding.bottom, op.padding.right, activation_text(op.activation));
    if (!quantization)
      continue;
    auto quant = [&](const char* role, const ir::TensorSlice& s) {
      if (!s.valid())
        return;
      const ir::NpuTensor& t = graph.tensors[static_cast<size_t>(s.tensor)];
      out += fmt::format("      {:<4} scale {:.9g} zero point {}\n", role, t.quant.scale,
                         t.quant.zero_point);
    };
    quant("ifm", op.ifm);
    quant("ifm2", op.ifm2);
    quant("ofm", op.ofm);
    if (op.weights >= 0) {
      const ir::NpuTensor& w = graph.tensors[static_cast<size_t>(op.weights)];
      if (w.channel_scales.size() > 1) {
        const auto [lo, hi] = std::minmax_element(w.channel_scales.begin(), w.channel_scales.end());
        out += fmt::format("      weights per channel: {} scales {:.9g} .. {:.9g}\n",
                           w.channel_scales.size(), *lo, *hi);
      } else if (!w.channel_scales.empty()) {
        out += fmt::format("      weights scale {:.9g} zero point {}\n", w.channel_scales[0],
                           w.channel_zero_points.empty() ? 0 : w.channel_zero_points[0]);
      }
    }
    if (op.explicit_scale) {
      out += fmt::format("      output scale multiplier {} shift {}\n", op.explicit_scale->first,
                         op.explicit_scale->second);
    }
    const char* rounding = op.rounding == ir::RoundingMode::kTfl        ? "TFL"
                           : op.rounding == ir::RoundingMode::kTruncate ? "truncate"
                                                                        : "natural";
    out += fmt::format("      rounding {}\n", rounding);
  }
}

}  // namespace

std::string format_verbose_segment(const VerboseRequest& request, const std::string& name,
                                   const ir::Subgraph& network, const ir::NpuGraph& graph,
                                   const scheduler::Plan& plan,
                                   const codegen::CompiledSegment& compiled,
                                   const arch::SystemConfig& system) {
  std::string out;
  if (request.graph || request.quantization) {
    out += fmt::format("{} of {}: {} operations, {} tensors\n",
                       request.quantization ? "Graph with quantization" : "Graph", name,
                       graph.ops.size(), graph.tensors.size());
    graph_listing(out, graph, request.quantization);
    out += '\n';
  }
  if (request.packing) {
    out += fmt::format("Packing of {}: network operators in each NPU operation\n", name);
    for (size_t i = 0; i < graph.ops.size(); ++i) {
      const ir::NpuOp& op = graph.ops[i];
      out += fmt::format("  {:>3} {} '{}' <-", i, arch::operation_kind(op.type).name, op.name);
      if (op.source_ops.empty())
        out += " (no network operator: inserted by the lowering)";
      for (size_t k = 0; k < op.source_ops.size(); ++k)
        out += fmt::format("{} {}", k ? ";" : "", network_op_text(network, op.source_ops[k]));
      out += '\n';
    }
    const int cascades = static_cast<int>(plan.cascades.size());
    for (int c = 0; c < cascades; ++c) {
      const scheduler::Cascade& k = plan.cascades[static_cast<size_t>(c)];
      out += fmt::format("  cascade {}: operations {}..{}, {} OFM rows per stripe\n", c, k.first,
                         k.last, k.stripe_rows);
    }
    out += '\n';
  }
  if (request.tensor_purpose) {
    out += fmt::format("Tensor purposes of {}\n", name);
    const auto p = purposes(graph);
    for (size_t i = 0; i < graph.tensors.size(); ++i)
      out +=
          fmt::format("  t{:<4} {:<40} {}\n", i, fmt::format("'{}'", graph.tensors[i].name), p[i]);
    for (size_t l = 0; l < graph.luts.size(); ++l)
      out += fmt::format("  lut {:<2} {} entries: lookup table ({} output)\n", l,
                         graph.luts[l].values.size(), ir::data_type_name(graph.luts[l].type));
    out += '\n';
  }
  if (request.tensor_format) {
    out += fmt::format("Tensor formats of {}\n", name);
    for (size_t i = 0; i < graph.tensors.size(); ++i) {
      const ir::NpuTensor& t = graph.tensors[i];
      std::string what;
      if (t.is_constant()) {
        const bool weights =
            std::any_of(graph.ops.begin(), graph.ops.end(), [&](const ir::NpuOp& op) {
              return op.weights == static_cast<int>(i) || op.bias == static_cast<int>(i);
            });
        what = weights ? "encoded weight stream (MLW) and scale records in flash (region 0)"
                       : "NHWC in flash (region 0)";
      } else {
        const scheduler::TensorPlacement& p = plan.tensors.at(i);
        what = fmt::format("{} in {} at {:#x}, {} bytes",
                           p.layout == scheduler::Layout::kNhcwb16 ? "NHCWB16" : "NHWC",
                           region_name(p.region), p.address, p.size);
        if (p.rolling_rows > 0)
          what += fmt::format(", rolling buffer of {} rows", p.rolling_rows);
        if (const scheduler::StagedInput* s = plan.staged_copy(static_cast<int>(i)))
          what += fmt::format(", copied to the SRAM cache at {:#x}", s->address);
      }
      out += fmt::format("  t{:<4} {:<40} {} {}: {}\n", i, fmt::format("'{}'", t.name),
                         ir::data_type_name(t.type), shape_text(t.shape), what);
    }
    out += '\n';
  }
  if (request.weights) {
    out += fmt::format("Weights of {}\n", name);
    int64_t original = 0, encoded = 0;
    for (size_t i = 0; i < graph.ops.size(); ++i) {
      const ir::NpuOp& op = graph.ops[i];
      if (op.weights < 0)
        continue;
      const ir::NpuTensor& w = graph.tensors[static_cast<size_t>(op.weights)];
      const int64_t bytes = w.data ? static_cast<int64_t>(w.data->size()) : 0;
      const int64_t enc =
          i < compiled.op_encoded_weight_bytes.size() ? compiled.op_encoded_weight_bytes[i] : -1;
      original += bytes;
      encoded += std::max<int64_t>(enc, 0);
      out += fmt::format(
          "  {:>3} {} '{}': weights [{}] {} bytes, encoded with scales {} bytes ({:.2f}x), {} "
          "scale{}\n",
          i, arch::operation_kind(op.type).name, op.name, fmt::join(w.weight_shape, ","), bytes,
          enc, bytes > 0 && enc > 0 ? static_cast<double>(enc) / static_cast<double>(bytes) : 0.0,
          std::max<size_t>(w.channel_scales.size(), 1), w.channel_scales.size() > 1 ? "s" : "");
      const scheduler::WeightBuffer& b = plan.ops.at(i).weight_buffer;
      if (b.enabled()) {
        out += fmt::format("      buffered in {} at {:#x}, {} bytes{}{}\n", region_name(b.region),
                           b.address, b.size,
                           b.double_buffered() ? fmt::format(", double ({} depth slices)",
                                                             b.depth_slices.size() - 1)
                                               : std::string(),
                           b.reuses_previous ? ", reusing the previous operation's copy" : "");
      } else {
        out += "      read from flash (region 0) while it runs\n";
      }
    }
    out += fmt::format("  total: {} bytes of weights, {} bytes encoded with scales\n\n", original,
                       encoded);
  }
  if (request.high_level_command_stream) {
    out += fmt::format("High-level command stream of {}\n", name);
    std::vector<scheduler::Pass> passes = plan.passes;
    if (passes.empty()) {
      for (size_t i = 0; i < graph.ops.size(); ++i) {
        const ir::Shape4& s = graph.ops[i].ofm.shape;
        passes.push_back({static_cast<int>(i), 0, s.n * s.h, 0});
      }
    }
    for (size_t k = 0; k < passes.size(); ++k) {
      const scheduler::Pass& pass = passes[k];
      const ir::NpuOp& op = graph.ops.at(static_cast<size_t>(pass.op));
      const arch::OperationKind& kind = arch::operation_kind(op.type);
      if (kind.is_dma()) {
        out += fmt::format("  {:>4} DMA copy of op {} '{}': {} -> {}\n", k, pass.op, op.name,
                           tensor_ref(graph, op.ifm), tensor_ref(graph, op.ofm));
        continue;
      }
      const scheduler::RowWindow w = scheduler::input_rows(op, pass.row_begin, pass.row_end);
      std::string slice;
      const auto& slices = plan.ops.at(static_cast<size_t>(pass.op)).weight_buffer.depth_slices;
      if (slices.size() > 2) {
        slice = fmt::format(", depth slice {} (OFM channels {}..{})", pass.slice,
                            slices[static_cast<size_t>(pass.slice)],
                            slices[static_cast<size_t>(pass.slice) + 1]);
      }
      out +=
          fmt::format("  {:>4} stripe of op {} {} '{}': OFM rows {}..{} of {}, IFM rows {}..{}{}\n",
                      k, pass.op, kind.name, op.name, pass.row_begin, pass.row_end,
                      op.ofm.shape.n * op.ofm.shape.h, w.begin, w.end, slice);
    }
    out += '\n';
  }
  if (request.register_command_stream) {
    const npu::DriverPayload payload = npu::parse_driver_payload(compiled.payload, name);
    const auto commands = npu::decode_stream(payload.command_words);
    out += fmt::format(
        "Register command stream of {}: {} commands, {} bytes ({} with the driver "
        "payload header)\n",
        name, commands.size(), payload.command_words.size() * 4, compiled.payload.size());
    out += npu::format_listing(commands);
    out += '\n';
  }
  (void)system;
  return out;
}

std::string format_cycle_estimate(const std::vector<LayerPerformance>& layers,
                                  const arch::SystemConfig& system) {
  std::string out = "Cycle estimate per NPU operation (performance model)\n";
  out += fmt::format("  {:>4} {:<24} {:>10} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}  {}\n", "#",
                     "operation", "MACs", "compute", "NPU", "SRAM", "DRAM", "OnChipFlash",
                     "OffChipFlash", "name");
  double total = 0;
  int64_t macs = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const arch::OpCost& c = layers[i].cost;
    const auto& a = c.access_cycles;
    out += fmt::format(
        "  {:>4} {:<24} {:>10} {:>12} {:>12.0f} {:>12.0f} {:>12.0f} {:>12.0f} {:>12.0f}  {}\n", i,
        layers[i].npu_operation, c.macs, c.op_cycles, c.npu_cycles,
        a[arch::index_of(arch::MemArea::kSram)], a[arch::index_of(arch::MemArea::kDram)],
        a[arch::index_of(arch::MemArea::kOnChipFlash)],
        a[arch::index_of(arch::MemArea::kOffChipFlash)], layers[i].name);
    out += fmt::format("       takes {:.0f} cycles (the largest of NPU and each memory's access)\n",
                       c.total_cycles);
    total += c.total_cycles;
    macs += c.macs;
  }
  out += fmt::format("  total: {} MACs, {:.0f} cycles, {:.4f} ms at {} MHz\n", macs, total,
                     total / system.core_clock * 1000.0,
                     static_cast<int64_t>(system.core_clock / 1e6));
  return out;
}

}  // namespace euc::output
