// What the plan verifier costs: MobileNetV2 (or, without ../shared, the bundled person_detect)
// lowered and planned as the driver plans it (weight buffers with estimated slice sizes, shared
// buffers, passes) under the default, Shared_Sram and Dedicated_Sram setups, then verified 200
// times; prints the median time of one verification beside the time of planning it.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "arch/config_file.hpp"
#include "frontend/lowering/lowering.hpp"
#include "scheduler/arena.hpp"
#include "scheduler/cascade.hpp"
#include "scheduler/estimated_weights.hpp"
#include "scheduler/initial_plan.hpp"
#include "scheduler/plan_verifier.hpp"
#include "scheduler/schedule.hpp"
#include "scheduler/weight_buffering.hpp"
#include "tflite/reader.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

euc::scheduler::Plan plan(const euc::ir::NpuGraph& g, const euc::arch::SystemConfig& system) {
  return euc::scheduler::schedule_segment(g, system, {}, euc::scheduler::EstimatedWeights{}).plan;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path(EUC_DEFAULT_SHARED_DIR);
  fs::path model_path = shared / "models" / "mobilenet_v2_224_int8.tflite";
  if (!fs::exists(model_path))
    model_path = fs::path(EUC_SOURCE_DIR) / "models" / "person_detect.tflite";
  const euc::ir::Model model = euc::tfl::read_model_file(model_path);
  std::vector<bool> all(model.subgraphs[0].operators.size(), true);
  const auto lowered = euc::frontend::lower_subgraph(model, 0, all);
  const euc::ir::NpuGraph* graph = nullptr;
  for (const auto& seg : lowered.segments) {
    if (seg.on_npu && (graph == nullptr || seg.graph.ops.size() > graph->ops.size()))
      graph = &seg.graph;
  }
  if (graph == nullptr) {
    fmt::print("no NPU segment in {}\n", model_path.string());
    return 1;
  }
  fmt::print("{}: {} operations, {} tensors\n", model_path.filename().string(), graph->ops.size(),
             graph->tensors.size());
  struct Setup {
    const char* name;
    euc::arch::SystemConfigOptions options;
  };
  euc::arch::SystemConfigOptions u65;
  u65.accelerator = euc::arch::Accelerator::kEthosU65_256;
  u65.system_config = "Ethos_U65_High_End";
  u65.memory_mode = "Dedicated_Sram";
  euc::arch::SystemConfigOptions sram_only;
  sram_only.accelerator = euc::arch::Accelerator::kEthosU55_64;
  sram_only.system_config = "Ethos_U55_High_End_Embedded";
  sram_only.memory_mode = "Sram_Only";
  for (const Setup& setup :
       {Setup{"ethos-u55-256 default (Shared_Sram)", {}},
        Setup{"ethos-u55-64 Sram_Only", sram_only}, Setup{"ethos-u65-256 Dedicated_Sram", u65}}) {
    const auto system =
        euc::arch::resolve_system_config(euc::arch::builtin_config_library(), setup.options);
    auto start = Clock::now();
    const euc::scheduler::Plan p = plan(*graph, system);
    const double planning = ms_since(start);
    std::vector<double> times;
    for (int r = 0; r < 200; ++r) {
      start = Clock::now();
      euc::scheduler::verify_plan(*graph, p, system);
      times.push_back(ms_since(start));
    }
    std::sort(times.begin(), times.end());
    fmt::print("{}: {} passes; planning {:.1f} ms, verify_plan {:.3f} ms (median of 200)\n",
               setup.name, p.passes.size(), planning, times[times.size() / 2]);
  }
  return 0;
}
