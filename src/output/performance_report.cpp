#include "output/performance_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "output/vela_format.hpp"

namespace euc::output {
namespace {

double percentage(double part, double whole) {
  return whole == 0 ? 100.0 : part / whole * 100.0;  // Vela: 100% of nothing
}

struct Column {
  const char* name;
  bool left;
  int width;
  int precision;  // -1: text
};

constexpr std::array<Column, 15> kColumns = {{
    {"TFLite_operator", true, 20, -1},
    {"NNG Operator", true, 20, -1},
    {"SRAM Usage", false, 10, 0},
    {"Peak%", false, 6, 2},
    {"Op Cycles", false, 10, 0},
    {"Network%", false, 8, 2},
    {"NPU", false, 10, 0},
    {"SRAM AC", false, 10, 0},
    {"DRAM AC", false, 10, 0},
    {"OnFlash AC", false, 10, 0},
    {"OffFlash AC", false, 11, 0},
    {"MAC Count", false, 10, 0},
    {"Network%", false, 8, 2},
    {"Util%", false, 6, 2},
    {"Name", true, 20, -1},
}};

// One layer's text columns and numeric columns (text columns hold 0 in `value`).
struct LayerCells {
  std::array<std::string, kColumns.size()> text;
  std::array<double, kColumns.size()> value;
};

LayerCells layer_cells(const LayerPerformance& l, const scheduler::PlanCost& totals,
                       const arch::AcceleratorConfig& acc, int64_t peak_sram) {
  const double max_macs = l.cost.total_cycles * acc.macs * acc.cores;
  return {
      {l.tflite_operator, l.npu_operation, "", "", "", "", "", "", "", "", "", "", "", "", l.name},
      {0, 0, static_cast<double>(l.sram_usage),
       percentage(static_cast<double>(l.sram_usage), static_cast<double>(peak_sram)),
       l.cost.total_cycles, percentage(l.cost.total_cycles, totals.total_cycles), l.cost.npu_cycles,
       l.cost.access_cycles[arch::index_of(arch::MemArea::kSram)],
       l.cost.access_cycles[arch::index_of(arch::MemArea::kDram)],
       l.cost.access_cycles[arch::index_of(arch::MemArea::kOnChipFlash)],
       l.cost.access_cycles[arch::index_of(arch::MemArea::kOffChipFlash)],
       static_cast<double>(l.cost.macs),
       percentage(static_cast<double>(l.cost.macs), static_cast<double>(totals.macs)),
       percentage(static_cast<double>(l.cost.macs), max_macs), 0}};
}

}  // namespace

std::vector<std::vector<std::string>> per_layer_rows(const std::vector<LayerPerformance>& layers,
                                                     const scheduler::PlanCost& totals,
                                                     const arch::SystemConfig& system,
                                                     int64_t peak_sram) {
  std::vector<std::vector<std::string>> rows(1);
  for (const Column& c : kColumns)
    rows[0].emplace_back(c.name);
  for (const LayerPerformance& l : layers) {
    const LayerCells cells = layer_cells(l, totals, system.accelerator_config(), peak_sram);
    std::vector<std::string>& row = rows.emplace_back();
    for (size_t i = 0; i < kColumns.size(); ++i) {
      row.push_back(kColumns[i].precision < 0 ? cells.text[i]
                    : i == 2 || i == 11       ? std::to_string(static_cast<int64_t>(cells.value[i]))
                                              : py_float(cells.value[i]));
    }
  }
  return rows;
}

std::string format_per_layer(const std::vector<LayerPerformance>& layers,
                             const scheduler::PlanCost& totals, const arch::SystemConfig& system,
                             int64_t peak_sram, bool csv) {
  std::string out;
  if (csv) {
    for (const std::vector<std::string>& row : per_layer_rows(layers, totals, system, peak_sram))
      out += fmt::format("{}\n", fmt::join(row, ","));
    return out;
  }
  std::string header, rule;
  for (const Column& c : kColumns) {
    std::string cell =
        c.left ? fmt::format("{:<{}}", c.name, c.width) : fmt::format("{:>{}}", c.name, c.width);
    header += cell + " ";
    rule += std::string(cell.size(), '-') + " ";
  }
  out += header + "\n" + rule + "\n";
  for (const LayerPerformance& l : layers) {
    const LayerCells cells = layer_cells(l, totals, system.accelerator_config(), peak_sram);
    for (size_t i = 0; i < kColumns.size(); ++i) {
      const Column& c = kColumns[i];
      if (c.precision < 0) {
        out += (c.left ? fmt::format("{:<{}}", cells.text[i], c.width)
                       : fmt::format("{:>{}}", cells.text[i], c.width)) +
               " ";
      } else {
        out += fmt::format("{:>{}.{}f} ", cells.value[i], c.width, c.precision);
      }
    }
    out += "\n";
  }
  return out;
}

std::string format_performance_summary(const scheduler::PlanCost& totals,
                                       const arch::SystemConfig& system) {
  std::string out;
  const double seconds = totals.total_cycles / system.core_clock;
  for (arch::MemArea a : arch::kAllMemAreas) {
    const size_t k = arch::index_of(a);
    const double input = totals.feature_map_bytes[k].read;
    const double output = totals.feature_map_bytes[k].write;
    const double weights = totals.weight_bytes[k].read + totals.weight_bytes[k].write;
    const double total = input + output + weights;
    if (total == 0)
      continue;
    const std::string area(area_display_name(a));
    out += fmt::format("{:<40}{:>20.2f} GB/s\n", "Average " + area + " bandwidth",
                       seconds > 0 ? total / seconds / 1e9 : 0.0);
    out += fmt::format("{:<40}{:>20.2f} MB/batch\n", "Input   " + area + " bandwidth", input / 1e6);
    out +=
        fmt::format("{:<40}{:>20.2f} MB/batch\n", "Weight  " + area + " bandwidth", weights / 1e6);
    out +=
        fmt::format("{:<40}{:>20.2f} MB/batch\n", "Output  " + area + " bandwidth", output / 1e6);
    out +=
        fmt::format("{:<40}{:>20.2f} MB/batch\n\n", "Total   " + area + " bandwidth", total / 1e6);
  }
  out += fmt::format("{:<40}{:>20} MACs/batch\n", "Neural network macs", totals.macs);
  out += fmt::format("{:<40}{:>20.2f} Tops/s\n\n", "Network Tops/s",
                     seconds > 0 ? static_cast<double>(totals.macs) * 2 / seconds / 1e12 : 0.0);
  out += fmt::format("{:<40}{:>20.0f} cycles/batch\n", "NPU cycles", totals.npu_cycles);
  for (arch::MemArea a : arch::kAllMemAreas) {
    out += fmt::format("{:<40}{:>20.0f} cycles/batch\n",
                       std::string(area_display_name(a)) + " Access cycles",
                       totals.access_cycles[arch::index_of(a)]);
  }
  out += fmt::format("{:<40}{:>20.0f} cycles/batch\n\n", "Total cycles", totals.total_cycles);
  out += fmt::format("{:<40}{:>20.2f} ms, {:.2f} inferences/s (batch size 1)\n",
                     "Batch Inference time", seconds * 1e3, seconds > 0 ? 1.0 / seconds : 0.0);
  return out;
}

}  // namespace euc::output
