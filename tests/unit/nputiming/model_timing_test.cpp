// The timing model on real compiled models: Vela's reference outputs (../shared) and euc's own
// output of the bundled person_detect. Sanity properties only (no hardware figures exist here):
// every operation starts after its launch and ends within the total, the total covers the busy
// time of the kernel and DMA engines, slower memories never make a run faster, repeated runs
// agree, and the figures lie within a factor of 3 of Vela's own estimate.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "arch/config_file.hpp"
#include "core/error.hpp"
#include "driver/compiler.hpp"
#include "npu/ethosu_op.hpp"
#include "npusim/ethosu_runner.hpp"
#include "nputiming/model_timing.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::nputiming {
namespace {

namespace fs = std::filesystem;

arch::SystemConfigOptions config_of(const std::string& folder) {
  arch::SystemConfigOptions o;
  if (folder == "c") {
    o.system_config = "Ethos_U55_High_End_Embedded";
    o.memory_mode = "Shared_Sram";
  } else if (folder == "d") {
    o.system_config = "Ethos_U65_High_End";
    o.memory_mode = "Dedicated_Sram";
  }
  return o;
}

void check_consistent(const ModelTiming& t, const std::string& what) {
  int64_t sum = 0;
  for (const OperatorTiming& op : t.operators) {
    const TimingResult& r = op.result;
    ASSERT_EQ(r.operations.size(), op.operations.size()) << what;
    for (const OperationTiming& o : r.operations) {
      EXPECT_LE(o.issue, o.start) << what << " operation " << o.index;
      EXPECT_LE(o.start, o.end) << what << " operation " << o.index;
      EXPECT_LE(o.end, r.total_cycles) << what << " operation " << o.index;
    }
    // The operations' bytes add up to the memories' traffic.
    int64_t read = 0, written = 0, memory_read = 0, memory_written = 0;
    for (const OperationTiming& o : r.operations) {
      read += o.bytes_read;
      written += o.bytes_written;
    }
    for (const MemoryTraffic& m : r.traffic) {
      memory_read += m.read;
      memory_written += m.written;
    }
    EXPECT_EQ(read, memory_read) << what;
    EXPECT_EQ(written, memory_written) << what;
    EXPECT_GE(r.total_cycles, r.kernel_busy_cycles) << what;
    EXPECT_GE(r.total_cycles, r.dma_busy_cycles) << what;
    EXPECT_GT(r.total_cycles, 0) << what;
    sum += r.total_cycles;
  }
  EXPECT_EQ(sum, t.total_cycles) << what;
}

// (version, config, model) -> Vela's estimated total cycles, from vela_figures.csv.
std::map<std::tuple<std::string, std::string, std::string>, double> vela_cycles() {
  std::map<std::tuple<std::string, std::string, std::string>, double> out;
  std::ifstream in(test::shared_dir() / "reference" / "vela_figures.csv");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ','))
      f.push_back(cell);
    if (f.size() >= 15)
      out[{f[0], f[1], f[2]}] = std::stod(f[14]);
  }
  return out;
}

TEST(ModelTiming, VelaReferenceOutputsAreConsistentAndNearVelasEstimate) {
  EUC_REQUIRE_SHARED();
  const fs::path root = test::shared_dir() / "reference" / "vela_outputs";
  const auto vela = vela_cycles();
  const auto library = arch::builtin_config_library();
  int timed = 0;
  for (const char* version : {"vela3.10", "vela5.1"}) {
    for (const char* folder : {"a", "b", "c", "d"}) {
      const fs::path dir = root / version / folder;
      if (!fs::exists(dir))
        continue;
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().string().ends_with("_vela.tflite"))
          files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) {
        const std::string what = file.string();
        const ir::Model model = tfl::read_model_file(file);
        const ModelTiming t = time_model(model, what, library, config_of(folder));
        check_consistent(t, what);
        ++timed;
        std::string name = file.filename().string();
        name = name.substr(0, name.size() - std::string("_vela.tflite").size());
        const auto it = vela.find({version, folder, name});
        if (it == vela.end() || it->second < 20000 || t.operators.empty())
          continue;  // tiny models: fixed overheads dominate either figure
        const double ratio = static_cast<double>(t.total_cycles) / it->second;
        EXPECT_GT(ratio, 1.0 / 3) << what << ": simulated " << t.total_cycles << ", Vela "
                                  << it->second;
        EXPECT_LT(ratio, 3.0) << what << ": simulated " << t.total_cycles << ", Vela "
                              << it->second;
      }
    }
  }
  EXPECT_GE(timed, 40);
}

TEST(ModelTiming, SlowerMemoriesNeverRunFaster) {
  EUC_REQUIRE_SHARED();
  const fs::path file = test::shared_dir() / "reference" / "vela_outputs" / "vela3.10" / "a" /
                        "person_detect_vela.tflite";
  const ir::Model model = tfl::read_model_file(file);
  const auto library = arch::builtin_config_library();
  arch::SystemConfigOptions fast;
  fast.system_config = "Ethos_U55_High_End_Embedded";
  fast.memory_mode = "Shared_Sram";
  arch::SystemConfigOptions slow = fast;
  slow.system_config = "Ethos_U55_Deep_Embedded";  // flash at 1/16 of the core clock
  const ModelTiming a = time_model(model, "fast", library, fast);
  const ModelTiming b = time_model(model, "slow", library, slow);
  EXPECT_GT(b.total_cycles, a.total_cycles);
  // The same bytes move either way.
  for (std::size_t i = 0; i < a.traffic.size(); ++i)
    EXPECT_EQ(a.traffic[i].written, b.traffic[i].written);
}

TEST(ModelTiming, EucOutputOfPersonDetect) {
  const fs::path file = test::source_dir() / "models" / "person_detect.tflite";
  const ir::Model model = tfl::read_model_file(file);
  const auto library = arch::builtin_config_library();
  const arch::SystemConfig system = arch::resolve_system_config(library, {});
  const driver::CompileResult compiled = driver::compile_model(model, system, {});
  const ModelTiming t = time_model(compiled.model, "person_detect (euc)", library, {});
  ASSERT_FALSE(t.operators.empty());
  check_consistent(t, "person_detect (euc)");
  const ModelTiming again = time_model(compiled.model, "person_detect (euc)", library, {});
  EXPECT_EQ(again.total_cycles, t.total_cycles);
  // Every OFM byte is written at least once: the SRAM (arena) receives writes, the weights come
  // from the flash.
  EXPECT_GT(t.traffic[arch::index_of(system.arena_area())].written, 0);
  EXPECT_GT(t.traffic[arch::index_of(system.const_area())].read, 0);
  // Within a factor of 3 of euc's own static estimate.
  ASSERT_TRUE(compiled.report.performance.has_value());
  const double ratio =
      static_cast<double>(t.total_cycles) / compiled.report.performance->total_cycles;
  EXPECT_GT(ratio, 1.0 / 3);
  EXPECT_LT(ratio, 3.0);
}

// The bytes the timing model moves against the bytes the functional model moves running the same
// stream: never fewer (the timing model adds the IFM halo and re-reads of every block and whole
// bursts), and the written bytes at most twice (burst and brick padding only: every byte is
// written once).
TEST(ModelTiming, TrafficCoversWhatTheFunctionalModelMoves) {
  const fs::path file = test::source_dir() / "models" / "person_detect.tflite";
  const ir::Model model = tfl::read_model_file(file);
  const auto library = arch::builtin_config_library();
  struct Setup {
    const char* accelerator;
    const char* system;
    const char* memory;
  };
  for (const Setup& s : {Setup{"ethos-u55-256", "internal-default", "internal-default"},
                         Setup{"ethos-u55-128", "Ethos_U55_High_End_Embedded", "Shared_Sram"},
                         Setup{"ethos-u65-256", "Ethos_U65_High_End", "Sram_Only"}}) {
    arch::SystemConfigOptions so;
    so.accelerator = arch::parse_accelerator(s.accelerator);
    so.system_config = s.system;
    so.memory_mode = s.memory;
    const arch::SystemConfig system = arch::resolve_system_config(library, so);
    const driver::CompileResult compiled = driver::compile_model(model, system, {});
    const auto ops = npu::read_ethosu_operators(compiled.model, "compiled");
    ASSERT_EQ(ops.size(), 1u);
    npusim::EthosuRunner runner(compiled.model, ops[0], "compiled");
    std::vector<uint8_t> input(96 * 96);
    std::mt19937 rng(5);
    for (uint8_t& b : input)
      b = static_cast<uint8_t>(rng());
    std::vector<std::span<const uint8_t>> ifms = {input};
    runner.run(ifms);
    const ModelTiming t = time_model(compiled.model, "compiled", system);
    ASSERT_EQ(t.operators.size(), 1u);
    // Functional traffic per memory area (regions 1 and 2 may share one).
    std::array<MemoryTraffic, arch::kMemAreaCount> functional{};
    const std::array<arch::MemArea, 3> areas{system.const_area(), system.arena_area(),
                                             system.cache_area()};
    for (int region = 0; region < 3; ++region) {
      const auto traffic = runner.region_traffic(region);
      auto& f = functional[arch::index_of(areas[static_cast<std::size_t>(region)])];
      f.read += static_cast<int64_t>(traffic.read);
      f.written += static_cast<int64_t>(traffic.written);
    }
    for (arch::MemArea a : arch::kAllMemAreas) {
      const auto& f = functional[arch::index_of(a)];
      const auto& m = t.traffic[arch::index_of(a)];
      EXPECT_GE(m.read, f.read) << s.accelerator << " " << arch::mem_area_name(a);
      EXPECT_GE(m.written, f.written) << s.accelerator << " " << arch::mem_area_name(a);
      EXPECT_LE(m.written, 2 * f.written) << s.accelerator << " " << arch::mem_area_name(a);
    }
    EXPECT_GT(functional[arch::index_of(system.arena_area())].written, 0);
  }
}

// Untrusted streams: euc's person_detect stream with random words changed either times or gives
// an input error, never a crash or a hang.
TEST(ModelTiming, MutatedStreamsTimeOrFailCleanly) {
  const ir::Model model =
      tfl::read_model_file(test::source_dir() / "models" / "person_detect.tflite");
  const auto library = arch::builtin_config_library();
  const arch::SystemConfig system = arch::resolve_system_config(library, {});
  const driver::CompileResult compiled = driver::compile_model(model, system, {});
  const auto ops = npu::read_ethosu_operators(compiled.model, "compiled");
  ASSERT_FALSE(ops.empty());
  const std::vector<uint32_t>& words = ops[0].payload.command_words;
  const TimingSetup setup = timing_setup(system, arch::Accelerator::kEthosU55_256);
  std::mt19937 rng(11);
  int timed = 0, refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<uint32_t> mutated = words;
    const int changes = 1 + static_cast<int>(rng() % 4);
    for (int c = 0; c < changes; ++c) {
      uint32_t& w = mutated[rng() % mutated.size()];
      w = (rng() % 2) ? static_cast<uint32_t>(rng()) : (w ^ (1u << (rng() % 32)));
    }
    try {
      const TimingResult r = time_command_stream(mutated, setup);
      EXPECT_GE(r.total_cycles, 0);
      ++timed;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_EQ(timed + refused, 300);
  EXPECT_GT(timed, 0);
}

}  // namespace
}  // namespace euc::nputiming
