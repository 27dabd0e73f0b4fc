#include "output/schedule_report.hpp"
#include "arch/operation_kinds.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "output/performance_report.hpp"
#include "scheduler/live_range.hpp"

namespace euc::output {
namespace {

std::string shape4d(const ir::Shape4& s) {
  return fmt::format("<Shape4D [{}, {}, {}, {}]>", s.n, s.h, s.w, s.c);
}

std::string_view area_name(arch::MemArea a) {
  return arch::mem_area_name(a);
}

}  // namespace

std::string format_schedule(const std::string& name, const ir::NpuGraph& graph,
                            const scheduler::Plan& plan,
                            const std::vector<int64_t>& encoded_weight_bytes,
                            const arch::SystemConfig& system) {
  const auto live =
      scheduler::sram_bytes_per_step(graph, plan, system.arena_area() == arch::MemArea::kSram);
  std::string out = fmt::format("Schedule: '{}'\n", name);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::NpuOp& op = graph.ops[i];
    const scheduler::OpPlan& p = plan.ops[i];
    out += fmt::format("\t{}: Operation {}  - OFM {}\n", i, op.name, shape4d(op.ofm.shape));
    out += fmt::format("\t\tType: {}\n", arch::operation_kind(op.type).vela_name);
    out += fmt::format("\t\tKernel: w={}, h={}, stride=({}, {}), dilation=({}, {})\n",
                       op.kernel.width, op.kernel.height, op.kernel.stride_x, op.kernel.stride_y,
                       op.kernel.dilation_x, op.kernel.dilation_y);
    if (!arch::operation_kind(op.type).is_dma()) {
      const arch::BlockConfig& b = p.block;
      out += fmt::format("\t\tBlock Config = [{}, {}, {}, {}]\n", b.ofm_block.height,
                         b.ofm_block.width, b.ifm_block.depth, b.ofm_block.depth);
      out += fmt::format("\t\tOFM Block = {}\n",
                         shape4d({1, b.ofm_block.height, b.ofm_block.width, b.ofm_block.depth}));
    }
    out += fmt::format("\t\tIFM Stripe   = {}\n", shape4d(op.ifm.shape));
    out += fmt::format("\t\tIFM2 Stripe  = {}\n",
                       op.ifm2.valid() ? shape4d(op.ifm2.shape) : std::string("None"));
    out += fmt::format("\t\tOFM Stripe   = {}\n", shape4d(p.ofm_stripe));
    const int64_t encoded = i < encoded_weight_bytes.size() ? encoded_weight_bytes[i] : -1;
    out += fmt::format("\t\tEncoded Weights = {} bytes\n",
                       encoded >= 0 ? std::to_string(encoded) : std::string("None"));
    const scheduler::WeightBuffer& wb = p.weight_buffer;
    if (wb.double_buffered()) {
      out += fmt::format("\t\tWeight buffer1 = {} bytes\n", wb.half);
      out += fmt::format("\t\tWeight buffer2 = {} bytes\n", wb.half);
    } else if (wb.enabled()) {
      out += fmt::format("\t\tWeight buffer1 = {} bytes{}\n", wb.size,
                         !wb.reuses_previous ? ""
                         : wb.shared_from >= 0
                             ? fmt::format(" (operation {}'s, resident)", wb.shared_from)
                             : std::string(" (the previous operation's, reused)"));
    }
    if (wb.double_buffered())
      out += fmt::format("\t\tDepth slices = [{}]\n", fmt::join(wb.depth_slices, ", "));
    else
      out += fmt::format("\t\tDepth slices = [0, {}]\n", op.ofm.shape.c);
    // Vela numbers cascades from 1; 0 is an operation running alone.
    out += fmt::format("\t\tAssigned Cascade = {}\n", p.cascade + 1);
    out += fmt::format("\t\tSRAM Used: {} bytes\n", live[i]);
  }
  return out;
}

std::string format_allocation(const std::string& name, const ir::NpuGraph& graph,
                              const scheduler::Plan& plan, const arch::SystemConfig& system,
                              const std::string& allocator) {
  const scheduler::LiveRanges live = scheduler::compute_live_ranges(graph, &plan);
  const auto usage = scheduler::live_bytes_per_step(live, graph.ops.size());
  std::vector<size_t> order(live.ranges.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return live.ranges[a].start < live.ranges[b].start; });
  std::string out = fmt::format(
      "Tensor Allocation for mem_area {}, of the arena of segment {}, using allocator {}:\n",
      area_name(system.arena_area()), name, allocator);
  out +=
      "Start Time -   End Time: Start Addr -   End Addr: Tensor Size: Memory Usage: Purpose     "
      ": Name\n";
  int64_t peak_live = 0;
  for (int64_t u : usage)
    peak_live = std::max(peak_live, u);
  for (size_t k : order) {
    const scheduler::LiveRange& lr = live.ranges[k];
    if (lr.tensors.empty())
      continue;
    const int t = lr.tensors.front();
    const int64_t address = plan.tensors[static_cast<size_t>(t)].address;
    const int64_t at_start =
        lr.start >= 0 && static_cast<size_t>(lr.start) < usage.size() ? usage[lr.start] : 0;
    out += fmt::format("{:>10} - {:>10}: {:>#10x} - {:>#10x}: {:>11}: {:>12}: {:<12}: {}\n",
                       lr.start, lr.end + 1, address, address + lr.size, lr.size, at_start,
                       "FeatureMap", graph.tensors[static_cast<size_t>(t)].name);
  }
  auto kib = [](int64_t b) { return static_cast<double>(b) / 1024.0; };
  out += fmt::format("Allocation Peak Tensor Size:  {:>9} ({:>#10x}) Bytes {:>10.2f} KiB\n",
                     peak_live, peak_live, kib(peak_live));
  out += fmt::format("Allocation Peak Memory Usage: {:>9} ({:>#10x}) Bytes {:>10.2f} KiB\n",
                     plan.arena_size, plan.arena_size, kib(plan.arena_size));
  const int64_t overhead = plan.arena_size - peak_live;
  out += fmt::format(
      "Allocation Overhead:          {:>9} Bytes ({:.2f} %)\n", overhead,
      peak_live > 0 ? 100.0 * static_cast<double>(overhead) / static_cast<double>(peak_live) : 0.0);
  return out;
}

}  // namespace euc::output
