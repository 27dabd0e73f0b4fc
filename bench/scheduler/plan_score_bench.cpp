// How fast euc scores plans: MobileNetV2 (or, without ../shared, the bundled person_detect)
// lowered and planned once, then (a) whole plans scored from scratch and (b) plans scored after
// changing one operation (the incremental update a plan search makes), per second.
// Target (issue 7): at least 10,000 full-network plan evaluations per second.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "arch/config_file.hpp"
#include "arch/performance.hpp"
#include "frontend/lowering/lowering.hpp"
#include "scheduler/initial_plan.hpp"
#include "scheduler/plan_cost.hpp"
#include "tflite/reader.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path(EUC_DEFAULT_SHARED_DIR);
  fs::path model_path = shared / "models" / "mobilenet_v2_224_int8.tflite";
  if (!fs::exists(model_path))
    model_path = fs::path(EUC_SOURCE_DIR) / "models" / "person_detect.tflite";
  const euc::ir::Model model = euc::tfl::read_model_file(model_path);
  const auto system = euc::arch::resolve_system_config(euc::arch::builtin_config_library(), {});
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
  const euc::scheduler::Plan plan = euc::scheduler::plan_whole_tensors(*graph, system, {});
  const euc::arch::PerformanceModel perf(system);
  std::vector<euc::scheduler::OpCostInput> inputs;
  for (size_t i = 0; i < graph->ops.size(); ++i)
    inputs.push_back(euc::scheduler::cost_input(*graph, plan, system, i));

  double sink = 0;
  auto rate = [](int n, Clock::time_point start) {
    return n / std::chrono::duration<double>(Clock::now() - start).count();
  };
  const int full_runs = 20000;
  auto start = Clock::now();
  for (int r = 0; r < full_runs; ++r)
    sink += euc::scheduler::score(perf, inputs).total_cycles;
  const double full_rate = rate(full_runs, start);

  euc::scheduler::PlanScorer scorer(perf, inputs);
  const int updates = 200000;
  start = Clock::now();
  for (int r = 0; r < updates; ++r) {
    const size_t i = static_cast<size_t>(r) % inputs.size();
    scorer.replace(i, inputs[i]);
    sink += scorer.total_cycles();
  }
  const double incremental_rate = rate(updates, start);

  fmt::print("model: {} ({} NPU operations)\n", model_path.filename().string(), graph->ops.size());
  fmt::print("whole-plan scoring:        {:>12.0f} plans/s\n", full_rate);
  fmt::print("incremental (one op each): {:>12.0f} plans/s\n", incremental_rate);
  fmt::print("estimated total cycles: {:.0f}\n", euc::scheduler::score(perf, inputs).total_cycles);
  return sink > 0 ? 0 : 1;
}
