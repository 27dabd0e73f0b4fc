#pragma once
// The performance model: cycles and memory traffic of one NPU operation, given where its
// tensors live and the block configuration it runs with (docs/scheduling.md §Performance model).
// With CostFormulas::kVela310 its estimates mean what Vela 3.10's mean - the same formulas,
// including their quirks - to compare with Vela's own figures; the default, kComplete, walks
// each launch block by block as the NPU runs it (walked_launch_cycles), and the scheduler's
// timeline (scheduler/plan_cost) adds the copies and their queue.
//
// Per operation: a compute estimate (DPU and output-stage cycles per OFM block, pipelined over
// the blocks), the elements each operand reads or writes, those bytes per memory area (scaled by
// how well the access pattern bursts), and a total that is the largest of the NPU's cycles and
// each memory's access cycles. Weight buffering changes the NPU cycles by the DMA time the
// previous operation cannot hide.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "arch/block_config.hpp"
#include "arch/memory_area.hpp"
#include "arch/system_config.hpp"

namespace euc::arch {

enum class FeatureMapFormat { kNhwc, kNhcwb16 };

// What the output stage does besides the activation, which sets its cost per element.
enum class OutputKind {
  kMul,      // elementwise multiply
  kAddSub,   // elementwise add or subtract (always costed as the rescaling variant)
  kMaxPool,  // max pooling
  kOther,    // convolutions, average pooling, other elementwise operations
};

enum class ActivationKind {
  kNone,
  kClamp,  // ReLU, ReLU6, ReLU_N1_TO_1
  kTable,  // LUT, sigmoid, tanh
};

// A feature map as an operation accesses it.
struct FeatureMapAccess {
  Hwc shape;  // the part the operation reads or writes
  int bits = 8;
  FeatureMapFormat format = FeatureMapFormat::kNhwc;
  MemArea area = MemArea::kSram;
};

struct OpQuery {
  BlockKind kind = BlockKind::kConvolution;
  bool reduce_sum = false;  // a pooling-kind reduce-sum: costed like a convolution over depth
  OutputKind output = OutputKind::kOther;
  ActivationKind activation = ActivationKind::kNone;
  FeatureMapAccess ifm;
  std::optional<FeatureMapAccess> ifm2;
  bool ifm2_in_register = false;  // a scalar second operand the command stream carries
  FeatureMapAccess ofm;
  ir::Kernel kernel;
  Hwc ofm_block;
  Hwc ifm_block;
  AccumulatorType accumulator = AccumulatorType::kInt32;
  bool part_kernel_first = false;
  // Scales and biases (convolutions, fully connected): where the output stage reads them.
  std::optional<MemArea> scale_area;
  // The encoded weight and scale stream, when known (0: none): kComplete counts each block's
  // share of it among the block's reads.
  int64_t weight_stream_bytes = 0;
  // The kernel launches the operation runs as, when more than one (weight depth slices, cascade
  // stripes): each computes a part of the OFM, reads the IFM that part needs (for a convolution
  // all of its depth, once per slice) and pays its own pipeline fill and latencies. Empty: one
  // launch over `ofm.shape` (docs/scheduling.md §Performance model).
  struct Launch {
    Hwc ofm;
    Hwc ifm;
    int64_t count = 1;  // identical launches
  };
  std::vector<Launch> launches;
};

// Elements each operand moves (multiply by element size for bytes).
struct ElementAccess {
  int64_t ifm_read = 0;
  int64_t ifm2_read = 0;
  int64_t ofm_write = 0;
  int64_t weights_read = 0;    // weight elements fetched, before compression
  int64_t scales_read = 0;     // one per OFM channel
  int64_t weight_refetch = 0;  // how often the weights are fetched again (OFM XY blocks)
};

// Weights of one operation: their encoding and, when buffered, how they reach SRAM.
struct WeightTraffic {
  int64_t encoded_bytes = 0;      // the encoded stream, scales included
  int64_t original_elements = 0;  // weights before encoding
  int bias_bytes = 4;             // bytes of one bias value (4, or 8 for 16-bit IFMs)
  MemArea source_area = MemArea::kOffChipFlash;  // where the encoded stream is stored
  // kResident: already in the buffer (the previous operation's copy of the same stream).
  enum class Buffering { kNone, kSingle, kDouble, kResident };
  Buffering buffering = Buffering::kNone;
  MemArea buffer_area = MemArea::kSram;
  int64_t first_transfer_bytes = 0;  // the first depth slice's DMA (all cores)
  int64_t full_transfer_cycles = 0;  // DMA cycles of the whole stream
  int64_t own_slack_cycles = 0;      // this operation's cycles left for the next one's DMA
  int slices = 1;                    // depth slices (kDouble: one DMA and one launch each)
};

// A DMA of the operation (a LUT load, a copy between areas) the NPU waits for.
struct DmaTraffic {
  int64_t bytes = 0;
  MemArea from = MemArea::kOffChipFlash;
  std::optional<MemArea> to;  // nullopt: the NPU's own SHRAM (a LUT)
};

struct AreaBytes {
  double read = 0;
  double write = 0;
};

struct OpCost {
  int64_t macs = 0;
  int64_t op_cycles = 0;                              // compute alone
  double npu_cycles = 0;                              // with the DMA time that is not hidden
  std::array<double, kMemAreaCount> access_cycles{};  // by index_of(MemArea)
  // Bytes moved per area, split as feature maps and weights (unscaled, for reports).
  std::array<AreaBytes, kMemAreaCount> feature_map_bytes{};
  std::array<AreaBytes, kMemAreaCount> weight_bytes{};
  double total_cycles = 0;  // max(npu, each area's access cycles)
  // The ends of the operation's launches, for the overlap of consecutive kernels (BLOCKDEP):
  // the first launch's first block and the last launch's last block, their MAC and output
  // stages (kComplete only; zero otherwise), the last launch's block count, and the latencies
  // its op_cycles count (launch_overhead).
  struct Edges {
    double first_mac = 0;
    double last_mac = 0;
    double last_out = 0;
    int64_t last_blocks = 0;
    int64_t first_read_latency = 0;
    int64_t last_write_latency = 0;
  };
  Edges edges;
};

// A DMA of `bytes` from one area to another (nullopt: into SHRAM, at the AXI width): the slower
// of reading (with the source's latency) and writing, in whole cycles.
int64_t dma_transfer_cycles(const SystemConfig& system, MemArea from, std::optional<MemArea> to,
                            int64_t bytes);

// What the model counts: Vela 3.10's formulas alone (to compare with Vela's own per-layer
// figures), or the NPU's blocks walked one by one - MAC stage, output stage and each block's
// bytes per memory, weights included - with each launch's latencies (launch_overhead): the
// default, which the scheduler optimises and the reports print. Launches (OpQuery::launches)
// count in both.
enum class CostFormulas { kComplete, kVela310 };

class PerformanceModel {
 public:
  explicit PerformanceModel(const SystemConfig& system,
                            CostFormulas formulas = CostFormulas::kComplete);

  // MACs of the operation over `query.ofm.shape`; its compute cycles and the elements it
  // moves, summed over its launches, each with its fixed overhead (launch_overhead).
  int64_t macs(const OpQuery& query) const;
  int64_t op_cycles(const OpQuery& query) const;
  ElementAccess element_access(const OpQuery& query) const;
  // Cycles every kernel launch adds beyond its blocks: its first block waits for the IFM
  // memory's read latency, its last for the OFM memory's write latency (where BLOCKDEP lets the
  // next launch overlap it, the scheduler's timeline takes back what overlaps: OpCost::edges).
  // 0 with kVela310.
  int64_t launch_overhead(const OpQuery& query) const;

  // Everything about one operation. `prev_slack_cycles` are the cycles of the previous
  // operation under which this one's first weight DMA (or other DMA) can run.
  OpCost estimate(const OpQuery& query, const std::optional<WeightTraffic>& weights,
                  const std::optional<DmaTraffic>& dma, int64_t prev_slack_cycles) const;

  // A DMA of `bytes` from one area to another (nullopt: into SHRAM, at the AXI width): the
  // slower of reading and writing.
  int64_t transfer_cycles(MemArea from, std::optional<MemArea> to, int64_t bytes) const;
  // A DMA-only operation (a copy between areas): its cycles and bytes, no compute.
  OpCost estimate_dma(const DmaTraffic& dma, int64_t prev_slack_cycles) const;

  double bandwidth(MemArea area) const { return bandwidth_[index_of(area)]; }
  CostFormulas formulas() const { return formulas_; }
  const SystemConfig& system() const { return system_; }

 private:
  // One launch over `q.ofm.shape` (launches ignored).
  int64_t launch_cycles(const OpQuery& q) const;
  // kComplete's launch: the OFM block by block as the NPU runs it (a MAC stage and an output
  // stage per block, pipelined; each block also bound by the bytes it moves per memory).
  int64_t walked_launch_cycles(const OpQuery& q) const;
  // One block of `h` x `w` x `d` of a kComplete launch: its MAC stage and output stage cycles.
  std::pair<double, double> block_stages(const OpQuery& q, int64_t h, int64_t w, int64_t d) const;
  OpCost::Edges edges(const OpQuery& q) const;
  ElementAccess launch_access(const OpQuery& q) const;
  double output_cycles_per_element(const OpQuery& q) const;
  // Bytes scaled up by how much of each memory burst the access pattern uses.
  double burst_scaled(bool read, MemArea area, const FeatureMapAccess& fm, const Hwc& block,
                      double bytes) const;
  std::pair<double, double> block_memory_cycles(const OpQuery& q) const;

  SystemConfig system_;
  CostFormulas formulas_;
  const AcceleratorConfig* acc_;
  std::array<double, kMemAreaCount> bandwidth_{};
  std::array<double, 8> output_cycles_{};
  std::array<double, 3> activation_cycles_{};
};

}  // namespace euc::arch
