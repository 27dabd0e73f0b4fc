#include "output/summary_csv.hpp"

#include <fmt/format.h>

#include <map>

#include "output/vela_format.hpp"

namespace euc::output {
namespace {

// Vela prints the accelerator as Ethos_U55_256.
std::string accelerator_label(std::string_view name) {
  // "ethos-u55-256" -> "Ethos_U55_256"
  std::string out = "Ethos_U";
  out += name.substr(std::string_view("ethos-u").size());
  for (char& c : out) {
    if (c == '-')
      c = '_';
  }
  return out;
}

// Vela's column prefixes for the four memory areas.
constexpr std::pair<const char*, arch::MemArea> kAreas[] = {
    {"sram", arch::MemArea::kSram},
    {"dram", arch::MemArea::kDram},
    {"on_chip_flash", arch::MemArea::kOnChipFlash},
    {"off_chip_flash", arch::MemArea::kOffChipFlash},
};

}  // namespace

std::vector<std::pair<std::string, std::string>> summary_columns(const arch::SystemConfig& system,
                                                                 const SummaryFigures& f) {
  const scheduler::PlanCost* perf = f.performance ? &*f.performance : nullptr;
  std::optional<double> inference_seconds;
  if (perf != nullptr)
    inference_seconds = perf->total_cycles / system.core_clock;
  std::map<arch::MemArea, double> used_kib;
  used_kib[system.arena_area()] += static_cast<double>(f.arena_bytes) / 1024.0;
  if (f.fast_arena_bytes > 0)
    used_kib[system.cache_area()] += static_cast<double>(f.fast_arena_bytes) / 1024.0;
  used_kib[system.const_area()] += static_cast<double>(f.read_only_bytes) / 1024.0;

  std::vector<std::pair<std::string, std::string>> cols;
  auto add = [&](std::string name, std::string value) {
    cols.emplace_back(std::move(name), std::move(value));
  };
  add("experiment", "default");
  add("network", f.network);
  add("accelerator_configuration", accelerator_label(system.accelerator_config().name));
  add("system_config", system.system_config_name);
  add("memory_mode", system.memory_mode_name);
  add("core_clock", py_float(system.core_clock));
  add("arena_cache_size", py_float(static_cast<double>(system.arena_cache_size) / 1024.0));
  for (const auto& [n, a] : kAreas) {
    add(std::string(n) + "_bandwidth", py_float(system.bandwidth_bytes_per_second(a) / 1e9));
  }
  add("weights_storage_area", std::string(area_display_name(system.const_area())));
  add("feature_map_storage_area", std::string(area_display_name(system.arena_area())));
  add("inferences_per_second",
      inference_seconds && *inference_seconds > 0 ? py_float(1.0 / *inference_seconds) : "");
  add("batch_size", "1");
  add("inference_time", inference_seconds ? py_float(*inference_seconds) : "");
  add("passes_before_fusing", std::to_string(f.passes_before_fusing));
  add("passes_after_fusing", std::to_string(f.passes_after_fusing));
  for (const auto& [n, a] : kAreas)
    add(std::string(n) + "_memory_used", py_float(used_kib[a]));
  add("total_original_weights", std::to_string(f.original_weight_bytes));
  add("total_npu_encoded_weights", std::to_string(f.encoded_weight_bytes));
  // Bytes moved per area, as the performance model counts them.
  auto figure = [&](auto get) { return perf != nullptr ? py_float(get(*perf)) : std::string(); };
  for (const auto& [n, a] : kAreas) {
    const size_t k = arch::index_of(a);
    add(fmt::format("{}_feature_map_read_bytes", n),
        figure([k](const scheduler::PlanCost& c) { return c.feature_map_bytes[k].read; }));
    add(fmt::format("{}_feature_map_write_bytes", n),
        figure([k](const scheduler::PlanCost& c) { return c.feature_map_bytes[k].write; }));
    add(fmt::format("{}_weight_read_bytes", n),
        figure([k](const scheduler::PlanCost& c) { return c.weight_bytes[k].read; }));
    add(fmt::format("{}_weight_write_bytes", n),
        figure([k](const scheduler::PlanCost& c) { return c.weight_bytes[k].write; }));
    add(fmt::format("{}_total_bytes", n), figure([k](const scheduler::PlanCost& c) {
          return c.feature_map_bytes[k].read + c.feature_map_bytes[k].write +
                 c.weight_bytes[k].read + c.weight_bytes[k].write;
        }));
  }
  add("nn_macs", std::to_string(f.macs));
  add("nn_tops", inference_seconds && *inference_seconds > 0
                     ? py_float(static_cast<double>(f.macs) * 2 / *inference_seconds / 1e12)
                     : "");
  add("cycles_npu", figure([](const scheduler::PlanCost& c) { return c.npu_cycles; }));
  for (const auto& [n, a] : kAreas) {
    const size_t k = arch::index_of(a);
    add(fmt::format("cycles_{}_access", n),
        figure([k](const scheduler::PlanCost& c) { return c.access_cycles[k]; }));
  }
  add("cycles_total", figure([](const scheduler::PlanCost& c) { return c.total_cycles; }));
  // euc's own column, after all of Vela's: the timed run of the command streams.
  add("cycles_simulated", f.simulated_cycles ? std::to_string(*f.simulated_cycles) : "");
  return cols;
}

std::string format_summary_csv(const arch::SystemConfig& system, const SummaryFigures& f) {
  const std::vector<std::pair<std::string, std::string>> cols = summary_columns(system, f);
  std::string header, row;
  for (size_t i = 0; i < cols.size(); ++i) {
    header += (i ? "," : "") + cols[i].first;
    row += (i ? "," : "") + cols[i].second;
  }
  return header + "\n" + row + "\n";
}

}  // namespace euc::output
