#pragma once
// Vela 3.10's own plans and per-layer estimates (shared/reference/vela_perlayer and
// vela_outputs), read back so that euc's performance model can be given the same plan and its
// estimates compared layer by layer.
//
// A layer's plan comes from `<model>_schedule.txt` (operation type, kernel, block config,
// stripes, encoded weight bytes, weight buffers, depth slices, cascade); what that file leaves
// out (element types, formats, memory regions, activation, accumulator, weight traversal) is read
// from the first NPU operation of the layer in Vela's command stream.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "arch/performance.hpp"
#include "arch/system_config.hpp"
#include "npu/operation.hpp"

namespace euc::test {

struct VelaLayerPlan {
  std::string name;
  std::string type;          // "Conv2DBias", "Add", "Memcpy", ...
  std::array<int, 4> ofm{};  // the whole OFM, NHWC
  int kernel_w = 1, kernel_h = 1, stride_x = 1, stride_y = 1, dilation_x = 1, dilation_y = 1;
  std::array<int, 4> block{};  // [OFM block h, w, IFM block depth, OFM block depth]
  std::array<int, 4> ifm_stripe{};
  std::optional<std::array<int, 4>> ifm2_stripe;
  std::array<int, 4> ofm_stripe{};
  int64_t encoded_weights = -1;  // bytes, -1 without weights
  int64_t buffer1 = -1, buffer2 = -1;
  std::vector<int> depth_slices;
  int cascade = 0;
};

// One row of `<model>_per-layer.csv`.
struct VelaLayerEstimate {
  std::string nng_operator;
  double op_cycles = 0;
  double npu = 0;
  std::array<double, 4> access{};  // SRAM, DRAM, on-chip flash, off-chip flash
  int64_t macs = 0;
  std::string name;
};

std::vector<VelaLayerPlan> read_vela_schedule(const std::filesystem::path& file);
std::vector<VelaLayerEstimate> read_vela_per_layer(const std::filesystem::path& file);

// What the performance model needs for each layer: the query, its weights, its DMA, and its
// own slack (as Vela's scheduler computes it).
struct LayerQuery {
  bool dma_only = false;  // a Memcpy: no NPU compute
  arch::OpQuery query;
  std::optional<arch::WeightTraffic> weights;
  std::optional<arch::DmaTraffic> dma;
  int64_t own_slack = 0;
};

// Builds the queries of every layer of `plans` from Vela's compiled model (its single ethos-u
// operator's command stream). Throws std::runtime_error when layers and operations cannot be
// matched.
std::vector<LayerQuery> layer_queries(const std::vector<VelaLayerPlan>& plans,
                                      const std::filesystem::path& vela_model,
                                      const arch::SystemConfig& system,
                                      const arch::PerformanceModel& model);

}  // namespace euc::test
