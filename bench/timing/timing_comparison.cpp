// Cycle figures from the timing model (nputiming), which runs the command stream itself:
// 1. for each of Vela's compiled reference outputs (shared/reference/vela_outputs), the simulated
//    total beside Vela's own estimate (vela_figures.csv), ratios above 1.2 or below 0.8 marked
//    (docs/timing.md gives the cause of each marked row);
// 2. for euc's outputs of the shared models under the same four configurations, euc's static
//    estimate (the scheduler's cost model) beside the simulated total, and the operations where
//    the two disagree most (cycles of the simulated kernel timeline each operation adds);
// 3. the simulated totals of euc's, Vela 3.10's and 5.1's outputs of every shared model side by
//    side (same timing model, same system config);
// 4. how long a timed run of MobileNetV2 takes.
// Usage: timing_comparison [shared dir] [--quick: part 1 and 4 only]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "nputiming/model_timing.hpp"
#include "support/reference_configs.hpp"
#include "support/vela_partition.hpp"
#include "tflite/reader.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The configurations of shared/reference/vela_outputs/README.md.
using Config = euc::test::ReferenceConfig;
constexpr const auto& kConfigs = euc::test::kReferenceConfigs;

euc::arch::SystemConfigOptions options_of(const Config& c) {
  euc::arch::SystemConfigOptions o;
  o.accelerator = euc::arch::parse_accelerator(c.accelerator);
  o.system_config = c.system;
  o.memory_mode = c.memory;
  return o;
}

struct VelaFigures {
  double total_cycles = 0;  // its own estimate
  double sram_kib = 0;      // SRAM used
  int cpu_ops = 0;          // network operators it left on the CPU
};

// (version, config, model) -> Vela's figures.
std::map<std::tuple<std::string, std::string, std::string>, VelaFigures> read_vela(
    const fs::path& csv) {
  std::map<std::tuple<std::string, std::string, std::string>, VelaFigures> out;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ','))
      f.push_back(cell);
    if (f.size() >= 15)
      out[{f[0], f[1], f[2]}] = {std::stod(f[14]), std::stod(f[8]), std::stoi(f[11])};
  }
  return out;
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

const char* mark(double r) {
  return r > 1.2 || (r > 0 && r < 0.8) ? " *" : "";
}

// Per lowered operation: the cycles the simulated kernel timeline advances over its launches.
std::map<std::string, int64_t> simulated_per_operation(const euc::nputiming::ModelTiming& t,
                                                       const euc::driver::CompileReport& report,
                                                       bool& matched) {
  std::map<std::string, int64_t> out;
  matched = t.operators.size() == report.segments.size();
  for (std::size_t s = 0; matched && s < t.operators.size(); ++s) {
    const auto& op = t.operators[s];
    const auto& names = report.segments[s].block_operations;
    std::size_t k = 0;
    int64_t timeline = 0;
    for (const auto& o : op.result.operations) {
      if (o.kind == euc::npu::OperationKind::kDma)
        continue;
      if (k >= names.size()) {
        matched = false;
        break;
      }
      // "CONV 'name'": the lowered operation's name follows the kind.
      std::string name = names[k++];
      if (auto q = name.find('\''); q != std::string::npos && name.size() > q + 1)
        name = name.substr(q + 1, name.size() - q - 2);
      out[name] += std::max<int64_t>(o.end - timeline, 0);
      timeline = std::max(timeline, o.end);
    }
    if (k != names.size())
      matched = false;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path shared = EUC_DEFAULT_SHARED_DIR;
  bool quick = false;
  // --per-operation MODEL:CFG prints every operation's static and simulated cycles of that case.
  std::string per_operation;
  // --per-launch MODEL:CFG prints the static cost of every operation in order, then every
  // simulated launch (DMAs included) with its issue, start, end, blocks and BLOCKDEP.
  std::string per_launch;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--quick")
      quick = true;
    else if (std::string(argv[i]) == "--per-operation" && i + 1 < argc)
      per_operation = argv[++i];
    else if (std::string(argv[i]) == "--per-launch" && i + 1 < argc)
      per_launch = argv[++i];
    else
      shared = argv[i];
  }
  const fs::path outputs = shared / "reference" / "vela_outputs";
  if (!fs::exists(outputs)) {
    fmt::print("no {}: nothing to compare\n", outputs.string());
    return 0;
  }
  const auto vela = read_vela(shared / "reference" / "vela_figures.csv");
  const auto library = euc::arch::builtin_config_library();
  // (version, config, model) -> simulated total of Vela's output
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> vela_simulated;

  fmt::print(
      "1. Vela's compiled outputs: simulated total vs Vela's estimate (* off by >20%: causes in "
      "docs/timing.md)\n");
  fmt::print("{:<8} {:<3} {:<24} {:>12} {:>12} {:>7}  {}\n", "version", "cfg", "model", "simulated",
             "Vela est.", "ratio", "largest memory traffic");
  for (const char* version : {"vela3.10", "vela5.1"}) {
    for (const Config& c : kConfigs) {
      const fs::path dir = outputs / version / c.name;
      if (!fs::exists(dir))
        continue;
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().string().ends_with("_vela.tflite"))
          files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) {
        std::string model = file.filename().string();
        model = model.substr(0, model.size() - std::string("_vela.tflite").size());
        try {
          const auto t = euc::nputiming::time_model(euc::tfl::read_model_file(file), file.string(),
                                                    library, options_of(c));
          vela_simulated[{version, c.name, model}] = t.total_cycles;
          const auto it = vela.find({version, c.name, model});
          const double est = it == vela.end() ? 0 : it->second.total_cycles;
          const double r = ratio(static_cast<double>(t.total_cycles), est);
          std::string traffic;
          int64_t most = 0;
          for (euc::arch::MemArea a : euc::arch::kAllMemAreas) {
            const auto& m = t.traffic[euc::arch::index_of(a)];
            if (m.read + m.written > most) {
              most = m.read + m.written;
              traffic = fmt::format("{} {} B", euc::arch::mem_area_name(a), most);
            }
          }
          fmt::print("{:<8} {:<3} {:<24} {:>12} {:>12.0f} {:>7.3f}{:<2} {}\n", version, c.name,
                     model, t.total_cycles, est, r, mark(r), traffic);
        } catch (const std::exception& e) {
          fmt::print("{:<8} {:<3} {:<24} error: {}\n", version, c.name, model, e.what());
        }
      }
    }
  }

  // 4. Speed: a timed run of MobileNetV2 (Vela 3.10, config a), median of 20.
  const fs::path mobilenet = outputs / "vela3.10" / "a" / "mobilenet_v2_224_int8_vela.tflite";
  if (fs::exists(mobilenet)) {
    const euc::ir::Model model = euc::tfl::read_model_file(mobilenet);
    std::vector<double> ms;
    int64_t total = 0;
    for (int r = 0; r < 20; ++r) {
      const auto start = Clock::now();
      total = euc::nputiming::time_model(model, "mobilenet", library, {}).total_cycles;
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    fmt::print(
        "\n4. A timed run of MobileNetV2 (Vela 3.10 output, {} cycles): median {:.2f} ms, "
        "slowest {:.2f} ms (target: under 2 s)\n",
        total, ms[ms.size() / 2], ms.back());
  }
  if (quick)
    return 0;

  fmt::print("\n2. euc's outputs: static estimate vs simulated total (* off by >20%)\n");
  fmt::print(
      "   (arena reads: the bytes the static model counts read from the arena's memory, "
      "feature maps and weights, beside the simulated reads)\n");
  fmt::print("{:<24} {:<3} {:>12} {:>12} {:>7} {:>22}  {}\n", "model", "cfg", "static", "simulated",
             "ratio", "arena reads st/sim",
             "largest per-operation disagreements (static/simulated)");
  std::vector<fs::path> models;
  for (const auto& e : fs::directory_iterator(shared / "models"))
    if (e.path().extension() == ".tflite" && !e.path().stem().string().ends_with("_vela"))
      models.push_back(e.path());
  std::sort(models.begin(), models.end());
  // (config, model) -> euc's simulated total
  std::map<std::pair<std::string, std::string>, int64_t> euc_simulated;
  std::map<std::pair<std::string, std::string>, double> euc_sram_kib;
  std::map<std::pair<std::string, std::string>, int> euc_cpu_ops;
  std::map<std::string, euc::ir::Model> model_of;
  for (const fs::path& path : models) {
    const std::string model_name = path.stem().string();
    euc::ir::Model model;
    try {
      model = euc::tfl::read_model_file(path);
    } catch (const std::exception& e) {
      fmt::print("{:<24} error: {}\n", model_name, e.what());
      continue;
    }
    for (const Config& c : kConfigs) {
      try {
        const auto system = euc::arch::resolve_system_config(library, options_of(c));
        euc::driver::CompileOptions options;
        options.plan.strategy = c.strategy;
        const auto result = euc::driver::compile_model(model, system, options);
        const auto t = euc::nputiming::time_model(result.model, model_name, library, options_of(c));
        euc_simulated[{c.name, model_name}] = t.total_cycles;
        euc_sram_kib[{c.name, model_name}] =
            static_cast<double>(result.report.fast_arena_size > 0 ? result.report.fast_arena_size
                                                                  : result.report.arena_size) /
            1024.0;
        model_of.emplace(model_name, model);
        euc_cpu_ops[{c.name, model_name}] = result.report.cpu_ops;
        const double est =
            result.report.performance ? result.report.performance->total_cycles : 0.0;
        const double r = ratio(est, static_cast<double>(t.total_cycles));
        if (per_launch == model_name + ":" + c.name) {
          fmt::print("  static, per operation: name, total, op cycles\n");
          for (const auto& layer : result.report.layers)
            fmt::print("  S {:<16} {:<40} {:>9.0f} {:>9}\n", layer.npu_operation,
                       layer.name.substr(0, 40), layer.cost.total_cycles, layer.cost.op_cycles);
          for (const auto& op : t.operators) {
            int64_t last_end = 0;
            for (std::size_t k = 0; k < op.result.operations.size(); ++k) {
              const auto& o = op.result.operations[k];
              const auto& n = op.operations[k];
              fmt::print(
                  "  T {:<12} issue {:>8} start {:>8} end {:>8} adds {:>6} blocks {:>4} "
                  "dep {} mac {} out {} mem {} wait {}\n",
                  euc::npu::operation_kind_name(o.kind), o.issue, o.start, o.end,
                  std::max<int64_t>(o.end - last_end, 0), o.blocks,
                  n.block ? n.block->blockdep : -1, o.mac_cycles, o.output_cycles, o.memory_cycles,
                  o.port_wait_cycles);
              last_end = std::max(last_end, o.end);
            }
            fmt::print("  T total {} stalls {}\n", op.result.total_cycles,
                       op.result.wait_stall_cycles);
          }
        }
        bool matched = false;
        const auto per_op = simulated_per_operation(t, result.report, matched);
        std::string worst;
        if (matched) {
          struct Gap {
            double gap;
            std::string text;
          };
          std::vector<Gap> gaps;
          const bool dump = per_operation == model_name + ":" + c.name;
          for (const auto& layer : result.report.layers) {
            const auto it = per_op.find(layer.name);
            const double sim = it == per_op.end() ? 0.0 : static_cast<double>(it->second);
            const double st = layer.cost.total_cycles;
            if (dump) {
              fmt::print("  {:<22} {:<40} {:>9.0f} {:>9.0f} {:>9}\n", layer.npu_operation,
                         layer.name.substr(0, 40), st, sim, layer.cost.op_cycles);
            }
            gaps.push_back(
                {std::abs(st - sim), fmt::format("{} {}: {:.0f}/{:.0f}", layer.npu_operation,
                                                 layer.name.substr(0, 40), st, sim)});
          }
          std::sort(gaps.begin(), gaps.end(),
                    [](const Gap& a, const Gap& b) { return a.gap > b.gap; });
          for (std::size_t i = 0; i < gaps.size() && i < 3; ++i)
            worst += fmt::format("{}{}", i ? "; " : "", gaps[i].text);
        } else if (!t.operators.empty()) {
          worst = "(launches do not match the report's operations)";
        }
        const std::size_t arena = euc::arch::index_of(system.arena_area());
        double static_reads = 0;
        if (result.report.performance) {
          static_reads = result.report.performance->feature_map_bytes[arena].read +
                         result.report.performance->weight_bytes[arena].read;
        }
        const std::string reads = fmt::format("{:.0f}/{}", static_reads, t.traffic[arena].read);
        fmt::print("{:<24} {:<3} {:>12.0f} {:>12} {:>7.3f}{:<2}{:>22}  {}\n", model_name, c.name,
                   est, t.total_cycles, r, mark(r), reads, worst);
      } catch (const std::exception& e) {
        fmt::print("{:<24} {:<3} error: {}\n", model_name, c.name, e.what());
      }
    }
  }

  fmt::print(
      "\n3. Simulated totals of the three compilers' outputs (same timing model, same "
      "system config); euc/Vela below 1: euc's plan runs faster; SRAM used in KiB\n");
  fmt::print("{:<24} {:<3} {:>12} {:>12} {:>12} {:>7} {:>7} {:>8} {:>8} {:>8}\n", "model", "cfg",
             "euc", "3.10", "5.1", "/3.10", "/5.1", "SRAM euc", "3.10", "5.1");
  struct SameSram {
    std::string model, config, version;
    double sram_kib;
    double vela_cycles;
  };
  std::vector<SameSram> same_sram;
  for (const auto& [key, euc_total] : euc_simulated) {
    const auto& [config, model] = key;
    const auto a = vela_simulated.find({"vela3.10", config, model});
    const auto b = vela_simulated.find({"vela5.1", config, model});
    const double v310 = a == vela_simulated.end() ? 0.0 : static_cast<double>(a->second);
    const double v51 = b == vela_simulated.end() ? 0.0 : static_cast<double>(b->second);
    auto sram = [&](const char* version) {
      const auto it = vela.find({version, config, model});
      return it == vela.end() ? 0.0 : it->second.sram_kib;
    };
    const double euc_sram = euc_sram_kib[key];
    fmt::print(
        "{:<24} {:<3} {:>12} {:>12.0f} {:>12.0f} {:>7.3f} {:>7.3f} {:>8.1f} {:>8.1f} {:>8.1f}\n",
        model, config, euc_total, v310, v51, ratio(static_cast<double>(euc_total), v310),
        ratio(static_cast<double>(euc_total), v51), euc_sram, sram("vela3.10"), sram("vela5.1"));
    // Where euc is slower than a Vela that used more SRAM (Size: euc's least SRAM is less),
    // the comparison at equal SRAM follows below.
    for (const auto& [version, total] : {std::pair{"vela3.10", v310}, std::pair{"vela5.1", v51}}) {
      if (total > 0 && static_cast<double>(euc_total) > total && sram(version) > euc_sram)
        same_sram.push_back({model, config, version, sram(version), total});
    }
  }
  if (!same_sram.empty()) {
    fmt::print(
        "\n   Where euc is slower using less SRAM: euc (Performance) with the arena limited to "
        "that Vela's SRAM\n");
    for (const SameSram& s : same_sram) {
      const Config* c = nullptr;
      for (const Config& k : kConfigs)
        if (s.config == k.name)
          c = &k;
      try {
        const auto system = euc::arch::resolve_system_config(library, options_of(*c));
        euc::driver::CompileOptions options;
        options.plan.strategy = euc::scheduler::Strategy::kPerformance;
        options.plan.arena_limit = static_cast<int64_t>(s.sram_kib * 1024.0);
        const auto result = euc::driver::compile_model(model_of.at(s.model), system, options);
        const auto t = euc::nputiming::time_model(result.model, s.model, library, options_of(*c));
        fmt::print("   {:<24} {:<3} at {}'s {:.1f} KiB: euc {} against {:.0f} ({:.3f})\n", s.model,
                   s.config, s.version, s.sram_kib, t.total_cycles, s.vela_cycles,
                   ratio(static_cast<double>(t.total_cycles), s.vela_cycles));
      } catch (const std::exception& e) {
        fmt::print("   {:<24} {:<3} at {}'s SRAM: error: {}\n", s.model, s.config, s.version,
                   e.what());
      }
    }
  }
  // Where euc places operators a Vela leaves on the CPU, its NPU cycles include work that Vela's
  // do not: compiled again with exactly the operators that Vela's output keeps on the CPU kept
  // there too, so both place the same operators.
  std::vector<std::string> like_for_like;
  for (const auto& [key, euc_cpu] : euc_cpu_ops) {
    const auto& [config, model] = key;
    for (const char* version : {"vela3.10", "vela5.1"}) {
      const auto v = vela.find({version, config, model});
      const auto sim = vela_simulated.find({version, config, model});
      if (v == vela.end() || sim == vela_simulated.end() || euc_cpu >= v->second.cpu_ops)
        continue;
      const Config* c = nullptr;
      for (const Config& k : kConfigs)
        if (config == k.name)
          c = &k;
      try {
        const euc::ir::Model vela_output =
            euc::tfl::read_model_file(outputs / version / config / (model + "_vela.tflite"));
        std::set<std::string> cpu_types;
        for (const auto& sg : vela_output.subgraphs)
          for (const auto& op : sg.operators)
            if (op.type != euc::ir::BuiltinOp::CUSTOM)
              cpu_types.insert(std::string(euc::ir::builtin_op_name(op.type)));
        const auto system = euc::arch::resolve_system_config(library, options_of(*c));
        euc::driver::CompileOptions options;
        options.plan.strategy = c->strategy;
        options.cpu_operators = euc::test::operators_left_on_cpu(model_of.at(model), vela_output);
        const auto result = euc::driver::compile_model(model_of.at(model), system, options);
        const auto t = euc::nputiming::time_model(result.model, model, library, options_of(*c));
        std::string types;
        for (const std::string& name : cpu_types)
          types += (types.empty() ? "" : ",") + name;
        like_for_like.push_back(fmt::format(
            "   {:<24} {:<3} {:<8} CPU operators euc {} / Vela {} ({}): euc {} against {} ({:.3f})",
            model, config, version, result.report.cpu_ops, v->second.cpu_ops, types, t.total_cycles,
            sim->second,
            ratio(static_cast<double>(t.total_cycles), static_cast<double>(sim->second))));
      } catch (const std::exception& e) {
        like_for_like.push_back(
            fmt::format("   {:<24} {:<3} {:<8} error: {}", model, config, version, e.what()));
      }
    }
  }
  if (!like_for_like.empty()) {
    fmt::print(
        "\n   Where euc places operators a Vela leaves on the CPU: euc with the operator "
        "instances that Vela keeps on the CPU kept there\n");
    for (const std::string& line : like_for_like)
      fmt::print("{}\n", line);
  }
  return 0;
}
