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

}  // namespace

std::string format_per_layer(const std::vector<LayerPerformance>& layers,
                             const scheduler::PlanCost& totals, const arch::SystemConfig& system,
                             int64_t peak_sram, bool csv) {
  const arch::AcceleratorConfig& acc = system.accelerator_config();
  std::string out;
  if (csv) {
    for (size_t i = 0; i < kColumns.size(); ++i)
      out += fmt::format("{}{}", i ? "," : "", kColumns[i].name);
    out += "\n";
  } else {
    std::string header, rule;
    for (const Column& c : kColumns) {
      std::string cell =
          c.left ? fmt::format("{:<{}}", c.name, c.width) : fmt::format("{:>{}}", c.name, c.width);
      header += cell + " ";
      rule += std::string(cell.size(), '-') + " ";
    }
    out += header + "\n" + rule + "\n";
  }
  for (const LayerPerformance& l : layers) {
    const double max_macs = l.cost.total_cycles * acc.macs * acc.cores;
    const std::array<std::string, 15> text = {
        l.tflite_operator, l.npu_operation, "", "", "", "", "", "", "", "", "", "", "", "", l.name};
    const std::array<double, 15> value = {
        0,
        0,
        static_cast<double>(l.sram_usage),
        percentage(static_cast<double>(l.sram_usage), static_cast<double>(peak_sram)),
        l.cost.total_cycles,
        percentage(l.cost.total_cycles, totals.total_cycles),
        l.cost.npu_cycles,
        l.cost.access_cycles[arch::index_of(arch::MemArea::kSram)],
        l.cost.access_cycles[arch::index_of(arch::MemArea::kDram)],
        l.cost.access_cycles[arch::index_of(arch::MemArea::kOnChipFlash)],
        l.cost.access_cycles[arch::index_of(arch::MemArea::kOffChipFlash)],
        static_cast<double>(l.cost.macs),
        percentage(static_cast<double>(l.cost.macs), static_cast<double>(totals.macs)),
        percentage(static_cast<double>(l.cost.macs), max_macs),
        0};
    for (size_t i = 0; i < kColumns.size(); ++i) {
      const Column& c = kColumns[i];
      if (csv) {
        std::string cell = c.precision < 0     ? text[i]
                           : i == 2 || i == 11 ? std::to_string(static_cast<int64_t>(value[i]))
                                               : py_float(value[i]);
        out += fmt::format("{}{}", i ? "," : "", cell);
      } else if (c.precision < 0) {
        out += (c.left ? fmt::format("{:<{}}", text[i], c.width)
                       : fmt::format("{:>{}}", text[i], c.width)) +
               " ";
      } else {
        out += fmt::format("{:>{}.{}f} ", value[i], c.width, c.precision);
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
