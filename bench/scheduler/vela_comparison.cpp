// euc against Vela: for person_detect and MobileNetV2 under the configurations of
// shared/reference/vela_figures.csv (a: defaults, b: --optimise Size, c: ethos-u55-128
// Ethos_U55_High_End_Embedded Shared_Sram, d: ethos-u65-256 Ethos_U65_High_End Dedicated_Sram),
// prints euc's peak SRAM and estimated total cycles beside Vela 3.10's and 5.1's, with the ratios
// euc/Vela (below 1: euc needs less).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "support/reference_configs.hpp"
#include "tflite/reader.hpp"

namespace fs = std::filesystem;

namespace {

struct Figures {
  double sram_kib = 0;
  double cycles = 0;
};

// (version, config, model) -> figures
std::map<std::tuple<std::string, std::string, std::string>, Figures> read_vela(
    const fs::path& csv) {
  std::map<std::tuple<std::string, std::string, std::string>, Figures> out;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ','))
      f.push_back(cell);
    if (f.size() < 15)
      continue;
    out[{f[0], f[1], f[2]}] = {std::stod(f[8]), std::stod(f[14])};
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path(EUC_DEFAULT_SHARED_DIR);
  const fs::path csv = shared / "reference" / "vela_figures.csv";
  if (!fs::exists(csv)) {
    fmt::print("no {}: nothing to compare\n", csv.string());
    return 0;
  }
  const auto vela = read_vela(csv);
  fmt::print("{:<22} {:<3} {:>9} {:>9} {:>9} {:>6} {:>6} | {:>10} {:>10} {:>10} {:>6} {:>6}\n",
             "model", "cfg", "SRAM euc", "3.10", "5.1", "/3.10", "/5.1", "cycles euc", "3.10",
             "5.1", "/3.10", "/5.1");
  auto ratio = [](double euc, double vela) { return vela > 0 ? euc / vela : 0.0; };
  for (const char* model_name : {"person_detect", "mobilenet_v2_224_int8"}) {
    const euc::ir::Model model =
        euc::tfl::read_model_file(shared / "models" / (std::string(model_name) + ".tflite"));
    for (const euc::test::ReferenceConfig& c : euc::test::kReferenceConfigs) {
      euc::arch::SystemConfigOptions so;
      so.accelerator = euc::arch::parse_accelerator(c.accelerator);
      so.system_config = c.system;
      so.memory_mode = c.memory;
      const auto system = euc::arch::resolve_system_config(euc::arch::builtin_config_library(), so);
      euc::driver::CompileOptions options;
      options.plan.strategy = c.strategy;
      const auto result = euc::driver::compile_model(model, system, options);
      // SRAM in use: the arena when it is in SRAM, else the SRAM cache (Dedicated_Sram).
      const double sram = static_cast<double>(system.arena_area() == euc::arch::MemArea::kSram
                                                  ? result.report.arena_size
                                                  : result.report.fast_arena_size) /
                          1024.0;
      const double cycles = result.report.performance ? result.report.performance->total_cycles : 0;
      const Figures v310 = vela.count({"vela3.10", c.name, model_name})
                               ? vela.at({"vela3.10", c.name, model_name})
                               : Figures{};
      const Figures v51 = vela.count({"vela5.1", c.name, model_name})
                              ? vela.at({"vela5.1", c.name, model_name})
                              : Figures{};
      fmt::print(
          "{:<22} {:<3} {:>9.2f} {:>9.2f} {:>9.2f} {:>6.3f} {:>6.3f} | {:>10.0f} {:>10.0f} "
          "{:>10.0f} {:>6.3f} {:>6.3f}\n",
          model_name, c.name, sram, v310.sram_kib, v51.sram_kib, ratio(sram, v310.sram_kib),
          ratio(sram, v51.sram_kib), cycles, v310.cycles, v51.cycles, ratio(cycles, v310.cycles),
          ratio(cycles, v51.cycles));
    }
  }
  return 0;
}
