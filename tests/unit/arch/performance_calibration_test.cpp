// Calibration of euc's performance model against Vela 3.10: given the plan Vela chose (block
// configs, stripes, weight buffers, read from its schedule and command stream), euc's estimate
// of every layer's NPU cycles (Vela's formulas alone: arch::CostFormulas::kVela310) and each
// memory's access cycles must be within 2% of Vela's (or one cycle, for layers of a few cycles) for
// at least 95% of the layers, and the network totals within 1%. The worst layers are printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "arch/config_file.hpp"
#include "support/test_paths.hpp"
#include "unit/arch/vela_plan.hpp"

namespace euc {
namespace {

namespace fs = std::filesystem;

struct Config {
  std::string name;
  arch::SystemConfigOptions options;
};

std::vector<Config> configs() {
  auto make = [](const char* name, const char* acc, const char* sys, const char* mode) {
    Config c;
    c.name = name;
    c.options.accelerator = arch::parse_accelerator(acc);
    c.options.system_config = sys;
    c.options.memory_mode = mode;
    return c;
  };
  return {make("a", "ethos-u55-256", "internal-default", "internal-default"),
          make("b", "ethos-u55-256", "internal-default", "internal-default"),
          make("c", "ethos-u55-128", "Ethos_U55_High_End_Embedded", "Shared_Sram"),
          make("d", "ethos-u65-256", "Ethos_U65_High_End", "Dedicated_Sram")};
}

bool close(double ours, double vela) {
  return std::abs(ours - vela) <= std::max(0.02 * std::abs(vela), 1.0);
}

struct Mismatch {
  std::string where;
  std::string column;
  double ours;
  double vela;
};

TEST(PerformanceCalibration, LayersMatchVela310GivenItsPlan) {
  EUC_REQUIRE_SHARED();
  const fs::path ref = test::shared_dir() / "reference";
  int layers = 0, matched = 0;
  std::vector<Mismatch> worst;
  for (const Config& c : configs()) {
    const arch::SystemConfig system =
        arch::resolve_system_config(arch::builtin_config_library(), c.options);
    const arch::PerformanceModel model(system, arch::CostFormulas::kVela310);
    for (const char* stem : {"person_detect", "mobilenet_v2_224_int8", "micro_speech_quantized"}) {
      const fs::path dir = ref / "vela_perlayer" / c.name;
      auto plans = test::read_vela_schedule(dir / (std::string(stem) + "_schedule.txt"));
      auto vela = test::read_vela_per_layer(dir / (std::string(stem) + "_per-layer.csv"));
      ASSERT_EQ(plans.size(), vela.size()) << c.name << " " << stem;
      auto queries = test::layer_queries(
          plans, ref / "vela_outputs" / "vela3.10" / c.name / (std::string(stem) + "_vela.tflite"),
          system, model);
      double total_ours = 0, total_vela = 0;
      int64_t prev_slack = 0;
      for (size_t i = 0; i < plans.size(); ++i) {
        const test::LayerQuery& lq = queries[i];
        arch::OpCost cost;
        if (!lq.dma_only)
          cost = model.estimate(lq.query, lq.weights, lq.dma, prev_slack);
        else if (lq.dma)
          cost = model.estimate_dma(*lq.dma, prev_slack);
        const auto& v = vela[i];
        if (const char* dbg = std::getenv("EUC_CALIBRATION_DEBUG");
            dbg != nullptr && (c.name + " " + stem + " " + std::to_string(i)) == dbg) {
          const auto& q = lq.query;
          std::printf(
              "ifm %dx%dx%d %db fmt%d area%d ofm %dx%dx%d %db fmt%d area%d blk %dx%dx%d "
              "ifmblk %dx%dx%d acc40 %d pkf %d act %d\n",
              q.ifm.shape.height, q.ifm.shape.width, q.ifm.shape.depth, q.ifm.bits,
              static_cast<int>(q.ifm.format), static_cast<int>(q.ifm.area), q.ofm.shape.height,
              q.ofm.shape.width, q.ofm.shape.depth, q.ofm.bits, static_cast<int>(q.ofm.format),
              static_cast<int>(q.ofm.area), q.ofm_block.height, q.ofm_block.width,
              q.ofm_block.depth, q.ifm_block.height, q.ifm_block.width, q.ifm_block.depth,
              q.accumulator == arch::AccumulatorType::kInt40, q.part_kernel_first,
              static_cast<int>(q.activation));
          if (lq.weights)
            std::printf(
                "weights enc %lld orig %lld buf %d first %lld full %lld own %lld prev %lld\n",
                (long long)lq.weights->encoded_bytes, (long long)lq.weights->original_elements,
                static_cast<int>(lq.weights->buffering),
                (long long)lq.weights->first_transfer_bytes,
                (long long)lq.weights->full_transfer_cycles, (long long)lq.own_slack,
                (long long)prev_slack);
          std::printf(
              "op %lld npu %.1f ac %.1f %.1f %.1f %.1f | vela npu %.1f ac %.1f %.1f %.1f %.1f\n",
              (long long)cost.op_cycles, cost.npu_cycles, cost.access_cycles[0],
              cost.access_cycles[1], cost.access_cycles[2], cost.access_cycles[3], v.npu,
              v.access[0], v.access[1], v.access[2], v.access[3]);
        }
        prev_slack = lq.own_slack;
        std::array<std::pair<const char*, std::pair<double, double>>, 5> cols = {{
            {"NPU", {cost.npu_cycles, v.npu}},
            {"SRAM AC", {cost.access_cycles[0], v.access[0]}},
            {"DRAM AC", {cost.access_cycles[1], v.access[1]}},
            {"OnFlash AC", {cost.access_cycles[2], v.access[2]}},
            {"OffFlash AC", {cost.access_cycles[3], v.access[3]}},
        }};
        bool ok = true;
        for (const auto& [col, values] : cols) {
          if (!close(values.first, values.second)) {
            ok = false;
            worst.push_back({c.name + " " + stem + " #" + std::to_string(i) + " " + plans[i].type +
                                 " " + plans[i].name,
                             col, values.first, values.second});
          }
        }
        EXPECT_EQ(cost.macs, v.macs) << c.name << " " << stem << " layer " << i;
        ++layers;
        matched += ok ? 1 : 0;
        total_ours += cost.total_cycles;
        total_vela += v.op_cycles;
      }
      std::printf("%s %-24s total cycles euc %.0f vela %.0f (%+.2f%%)\n", c.name.c_str(), stem,
                  total_ours, total_vela, 100.0 * (total_ours - total_vela) / total_vela);
      EXPECT_LE(std::abs(total_ours - total_vela), 0.01 * total_vela) << c.name << " " << stem;
    }
  }
  std::sort(worst.begin(), worst.end(), [](const Mismatch& a, const Mismatch& b) {
    return std::abs(a.ours - a.vela) / std::max(1.0, a.vela) >
           std::abs(b.ours - b.vela) / std::max(1.0, b.vela);
  });
  std::printf("layers within 2%%: %d of %d (%.1f%%)\n", matched, layers, 100.0 * matched / layers);
  for (size_t k = 0; k < std::min<size_t>(worst.size(), 40); ++k) {
    std::printf("  %-70s %-11s euc %10.1f vela %10.1f\n", worst[k].where.substr(0, 70).c_str(),
                worst[k].column.c_str(), worst[k].ours, worst[k].vela);
  }
  EXPECT_GE(matched, layers * 95 / 100);
}

}  // namespace
}  // namespace euc
