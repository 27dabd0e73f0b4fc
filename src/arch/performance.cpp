#include "arch/performance.hpp"

#include <algorithm>
#include <cmath>

namespace euc::arch {
namespace {

int64_t div_up(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

int64_t round_up(int64_t a, int64_t b) {
  return div_up(a, b) * b;
}

Hwc min_hwc(const Hwc& a, const Hwc& b) {
  return {std::min(a.height, b.height), std::min(a.width, b.width), std::min(a.depth, b.depth)};
}

// Storage is allocated in whole bricks: NHCWB16 rounds depth to 16.
Hwc storage_rounded(const Hwc& s, FeatureMapFormat format) {
  if (format == FeatureMapFormat::kNhcwb16)
    return {s.height, s.width, static_cast<int>(round_up(s.depth, 16))};
  return s;
}

// Output-stage cycles per element by accelerator: 32-bit binary elementwise, 32-bit unary
// elementwise, 32-bit multiply, multiply or 40-bit accumulation, simple add/sub, rescaling
// add/sub, max pool, other. Then by activation: table lookup, clamp, none.
struct OutputTables {
  std::array<double, 8> output;
  std::array<double, 3> activation;
};

OutputTables output_tables(Accelerator a) {
  switch (a) {
    case Accelerator::kEthosU55_32:
      return {{2.0, 3.0, 3.0, 3.0, 4.0, 6.0, 1.0, 2.0}, {1.0, 1.0, 0.0}};
    case Accelerator::kEthosU55_64:
      return {{1.0, 1.5, 1.5, 1.5, 2.0, 3.0, 0.5, 1.0}, {1.0, 1.0, 0.0}};
    case Accelerator::kEthosU55_128:
      return {{0.75, 1.25, 0.75, 0.75, 1.0, 1.5, 0.25, 0.5}, {1.0, 0.5, 0.0}};
    case Accelerator::kEthosU55_256:
    case Accelerator::kEthosU65_256:
      return {{0.625, 1.125, 0.5, 0.375, 0.5, 0.75, 0.125, 0.25}, {1.0, 0.25, 0.0}};
    case Accelerator::kEthosU65_512:
      return {{0.3125, 0.5625, 0.25, 0.1875, 0.25, 0.375, 0.0625, 0.125}, {0.5, 0.125, 0.0}};
  }
  return {};
}

// The largest kernel the hardware runs in one pass (bigger kernels are split).
std::pair<int, int> sub_kernel_limit(BlockKind kind) {
  return kind == BlockKind::kVectorProduct || kind == BlockKind::kElementwise
             ? std::pair{1, 1}
             : std::pair{kSubKernelMax.height, kSubKernelMax.width};
}

bool is_convolution_like(BlockKind k) {
  return k != BlockKind::kElementwise;
}

}  // namespace

PerformanceModel::PerformanceModel(const SystemConfig& system, CostFormulas formulas)
    : system_(system), formulas_(formulas), acc_(&system_.accelerator_config()) {
  for (MemArea a : kAllMemAreas)
    bandwidth_[index_of(a)] = system_.bandwidth_bytes_per_cycle(a);
  OutputTables t = output_tables(system_.accelerator);
  output_cycles_ = t.output;
  activation_cycles_ = t.activation;
}

int64_t dma_transfer_cycles(const SystemConfig& system, MemArea from, std::optional<MemArea> to,
                            int64_t bytes) {
  // Whole cycles of each side's bandwidth; the read side also waits for its latency.
  const auto b = static_cast<double>(bytes);
  const auto read = static_cast<int64_t>(std::floor(b / system.bandwidth_bytes_per_cycle(from))) +
                    system.area_timing(from).read_latency;
  const double to_bandwidth =
      to ? system.bandwidth_bytes_per_cycle(*to) : system.accelerator_config().axi_data_width_bytes;
  const auto write = static_cast<int64_t>(std::floor(b / to_bandwidth));
  return std::max(read, write);
}

int64_t PerformanceModel::transfer_cycles(MemArea from, std::optional<MemArea> to,
                                          int64_t bytes) const {
  return dma_transfer_cycles(system_, from, to, bytes);
}

OpCost PerformanceModel::estimate_dma(const DmaTraffic& dma, int64_t prev_slack_cycles) const {
  OpCost c;
  if (dma.bytes > 0 && dma.to && dma.from != *dma.to) {
    c.feature_map_bytes[index_of(dma.from)].read += static_cast<double>(dma.bytes);
    c.feature_map_bytes[index_of(*dma.to)].write += static_cast<double>(dma.bytes);
    c.npu_cycles = static_cast<double>(
        std::max<int64_t>(transfer_cycles(dma.from, dma.to, dma.bytes) - prev_slack_cycles, 0));
  }
  c.total_cycles = c.npu_cycles;
  return c;
}

double PerformanceModel::burst_scaled(bool read, MemArea area, const FeatureMapAccess& fm,
                                      const Hwc& block, double bytes) const {
  // The burst an access pattern produces, in bits, compared with the area's burst length. The
  // stride tests compare byte strides with a block depth in elements, as Vela 3.10 does: they
  // hold only for one-element-deep blocks, and the estimates must match.
  const int bits = fm.bits;
  int64_t burst_bits = 8 * 8;
  if (fm.format == FeatureMapFormat::kNhcwb16) {
    const double c_stride = bits * 16.0 * fm.shape.width / 8.0;
    if (c_stride == block.depth)
      burst_bits = int64_t{bits} * block.depth * block.width;
    else if (read)
      burst_bits = int64_t{16} * bits * block.width;
    else
      burst_bits = int64_t{16} * bits * block.width * acc_->cores;
  } else {
    const double z_stride = bits / 8.0;
    if (read) {
      burst_bits = z_stride == block.depth ? int64_t{bits} * block.depth * block.width
                                           : int64_t{bits} * block.depth;
    } else if (block.depth <= 16 && z_stride == block.depth) {
      burst_bits = int64_t{bits} * block.depth * block.width;
    } else {
      burst_bits = std::min<int64_t>(
          {64 * 8, int64_t{16} * bits * acc_->cores, int64_t{block.depth} * bits});
    }
  }
  const int64_t area_burst = system_.area_timing(area).burst_length;
  const int64_t burst = std::max<int64_t>(1, std::min(area_burst, burst_bits / 8));
  return bytes * (static_cast<double>(area_burst) / static_cast<double>(burst));
}

std::pair<double, double> PerformanceModel::block_memory_cycles(const OpQuery& q) const {
  // One IFM block in and one OFM block out, latency included. The "bytes" are element counts
  // of the block clipped to the tensor (the model's convention).
  const double ifm_elems = static_cast<double>(min_hwc(q.ifm.shape, q.ifm_block).elements());
  const double ofm_elems = static_cast<double>(min_hwc(q.ofm.shape, q.ofm_block).elements());
  const double ifm =
      static_cast<double>(system_.area_timing(q.ifm.area).read_latency) +
      burst_scaled(true, q.ifm.area, q.ifm, q.ifm_block, ifm_elems) / bandwidth(q.ifm.area);
  const double ofm =
      static_cast<double>(system_.area_timing(q.ofm.area).write_latency) +
      burst_scaled(false, q.ofm.area, q.ofm, q.ofm_block, ofm_elems) / bandwidth(q.ofm.area);
  return {ifm, ofm};
}

double PerformanceModel::output_cycles_per_element(const OpQuery& q) const {
  size_t out = 7;
  if (q.kind == BlockKind::kElementwise && q.ifm.bits == 32) {
    out = q.ifm2 ? 0 : 1;
  } else if (q.output == OutputKind::kMul && q.ofm.bits == 32) {
    out = 2;
  } else if (q.output == OutputKind::kMul ||
             (is_convolution_like(q.kind) && q.accumulator == AccumulatorType::kInt40)) {
    out = 3;
  } else if (q.output == OutputKind::kAddSub) {
    out = 5;
  } else if (q.output == OutputKind::kMaxPool) {
    out = 6;
  }
  const size_t act = q.activation == ActivationKind::kTable   ? 0
                     : q.activation == ActivationKind::kClamp ? 1
                                                              : 2;
  double per_element = std::max(output_cycles_[out], activation_cycles_[act]);
  if (q.kind == BlockKind::kElementwise) {
    // Small blocks are bound by issuing them: the memory time of one block, shared by 4.
    const double block_elems = static_cast<double>(q.ofm_block.elements());
    auto [ifm, ofm] = block_memory_cycles(q);
    const double command = (ifm + ofm + per_element * block_elems) / 4;
    per_element = std::max(per_element, command / block_elems);
  }
  return per_element;
}

int64_t PerformanceModel::macs(const OpQuery& q) const {
  const int64_t kernel = int64_t{q.kernel.width} * q.kernel.height;
  switch (q.kind) {
    case BlockKind::kElementwise:
      return 0;
    case BlockKind::kDepthwise:
      return kernel * q.ofm.shape.elements();
    case BlockKind::kPooling:
      return q.reduce_sum ? kernel * q.ifm.shape.depth * q.ofm.shape.elements()
                          : kernel * q.ofm.shape.elements();
    default:
      return kernel * q.ifm.shape.depth * q.ofm.shape.elements();
  }
}

int64_t PerformanceModel::launch_overhead(const OpQuery& q) const {
  if (formulas_ == CostFormulas::kVela310)
    return 0;
  // The first block waits for the slowest memory it reads.
  int64_t read = system_.area_timing(q.ifm.area).read_latency;
  if (q.ifm2 && !q.ifm2_in_register)
    read = std::max(read, system_.area_timing(q.ifm2->area).read_latency);
  if (q.scale_area && q.weight_stream_bytes > 0)
    read = std::max(read, system_.area_timing(*q.scale_area).read_latency);
  return read + system_.area_timing(q.ofm.area).write_latency;
}

namespace {

// The query of one launch: its OFM part and the IFM it reads, as one launch.
OpQuery launch_query(const OpQuery& q, const OpQuery::Launch& l) {
  OpQuery one = q;
  one.launches.clear();
  // A depth slice reads its share of the weights; a stripe all of them.
  if (q.ofm.shape.depth > 0)
    one.weight_stream_bytes = q.weight_stream_bytes * l.ofm.depth / q.ofm.shape.depth;
  one.ofm.shape = l.ofm;
  one.ifm.shape = l.ifm;
  return one;
}

}  // namespace

int64_t PerformanceModel::op_cycles(const OpQuery& q) const {
  if (q.launches.empty())
    return launch_cycles(q) + launch_overhead(q);
  int64_t total = 0;
  for (const OpQuery::Launch& l : q.launches) {
    const OpQuery one = launch_query(q, l);
    total += l.count * (launch_cycles(one) + launch_overhead(one));
  }
  return total;
}

ElementAccess PerformanceModel::element_access(const OpQuery& q) const {
  if (q.launches.empty())
    return launch_access(q);
  ElementAccess sum;
  for (const OpQuery::Launch& l : q.launches) {
    const ElementAccess a = launch_access(launch_query(q, l));
    sum.ifm_read += l.count * a.ifm_read;
    sum.ifm2_read += l.count * a.ifm2_read;
    sum.ofm_write += l.count * a.ofm_write;
    sum.weights_read += l.count * a.weights_read;
    sum.scales_read += l.count * a.scales_read;
    sum.weight_refetch += l.count * a.weight_refetch;
  }
  return sum;
}

std::pair<double, double> PerformanceModel::block_stages(const OpQuery& q, int64_t h, int64_t w,
                                                         int64_t d) const {
  const bool elementwise = q.kind == BlockKind::kElementwise;
  const bool dot_product = q.kind == BlockKind::kConvolution || q.kind == BlockKind::kVectorProduct;
  const int64_t cores = std::max(acc_->cores, 1);
  const int64_t units = std::max(acc_->elementwise_units, 1);
  const BlockShape ub = acc_->ofm_ublock;
  const int64_t kernel_positions = int64_t{q.kernel.width} * q.kernel.height;
  const int64_t lanes = std::max(1, q.ifm.bits / 8);
  const int64_t ofm_factor = std::min(4, std::max(1, q.ofm.bits / 8));
  // Bytes of a (rows x cols x channels) piece of a feature map, in whole bursts of its memory.
  auto piece = [&](const FeatureMapAccess& fm, int64_t rows, int64_t cols, int64_t channels) {
    const int64_t eb = std::max(1, fm.bits / 8);
    const int64_t burst = std::max<int64_t>(1, system_.area_timing(fm.area).burst_length);
    int64_t runs = rows * cols;
    int64_t run = channels * eb;
    if (fm.format == FeatureMapFormat::kNhcwb16) {
      runs = rows * div_up(channels, 16);
      run = cols * 16 * eb;
    } else if (channels == fm.shape.depth) {
      runs = rows;
      run = cols * channels * eb;
    }
    return runs <= 0 || run <= 0 ? int64_t{0} : runs * round_up(run, burst);
  };
  const int64_t d_core = div_up(d, cores);
  const int64_t elements = w * h * d_core;
  std::array<int64_t, kMemAreaCount> bytes{};
  int64_t mac = 0;
  int64_t out = 0;
  if (elementwise) {
    const int64_t wide = q.ifm.bits >= 32 || q.ofm.bits >= 32 ? 2 : 1;
    out = div_up(elements * wide, units);
    bytes[index_of(q.ifm.area)] += piece(q.ifm, h, w, d);
    if (q.ifm2 && !q.ifm2_in_register) {
      bytes[index_of(q.ifm2->area)] += piece(*q.ifm2, std::min<int64_t>(h, q.ifm2->shape.height),
                                             std::min<int64_t>(w, q.ifm2->shape.width),
                                             std::min<int64_t>(d, q.ifm2->shape.depth));
    }
  } else {
    const int64_t micro =
        div_up(w, ub.width) * div_up(h, ub.height) * div_up(d_core, std::max(ub.depth, 1));
    const int64_t rows = std::min<int64_t>(q.ifm.shape.height,
                                           (h - 1) * q.kernel.stride_y + q.kernel.dilated_height());
    const int64_t cols = std::min<int64_t>(q.ifm.shape.width,
                                           (w - 1) * q.kernel.stride_x + q.kernel.dilated_width());
    int64_t decode = 0;
    if (dot_product) {
      const int64_t depth = q.ifm.shape.depth;
      mac = micro * kernel_positions * div_up(depth * lanes, kDpuDotProductWidth);
      decode = div_up(kernel_positions * depth * d_core, 8);
      bytes[index_of(q.ifm.area)] += piece(q.ifm, rows, cols, depth);
    } else {
      mac = micro * kernel_positions * lanes;
      if (q.kind == BlockKind::kDepthwise)
        decode = div_up(kernel_positions * d_core, 8);
      bytes[index_of(q.ifm.area)] += piece(q.ifm, rows, cols, d);
    }
    mac = std::max(mac, decode);
    out = div_up(elements * ofm_factor, units);
  }
  if (q.activation == ActivationKind::kTable)
    out = std::max(out, elements);
  if (q.scale_area && q.weight_stream_bytes > 0 && q.ofm.shape.depth > 0)
    bytes[index_of(*q.scale_area)] += div_up(q.weight_stream_bytes * d, q.ofm.shape.depth);
  bytes[index_of(q.ofm.area)] += piece(q.ofm, h, w, d);
  double memory = 0;
  for (MemArea a : kAllMemAreas) {
    if (bytes[index_of(a)] > 0)
      memory = std::max(memory, std::ceil(static_cast<double>(bytes[index_of(a)]) / bandwidth(a)));
  }
  double mac_stage = static_cast<double>(mac);
  double out_stage = static_cast<double>(out);
  if (elementwise)
    out_stage = std::max(out_stage, memory);
  else
    mac_stage = std::max(mac_stage, memory);
  return {mac_stage, out_stage};
}

int64_t PerformanceModel::walked_launch_cycles(const OpQuery& q) const {
  const int bh = std::max(1, std::min(q.ofm_block.height, q.ofm.shape.height));
  const int bw = std::max(1, std::min(q.ofm_block.width, q.ofm.shape.width));
  const int bd = std::max(1, std::min(q.ofm_block.depth, q.ofm.shape.depth));
  // The blocks in classes of equal size: whole blocks and the remainders at the edges.
  struct Extent {
    int size;
    int64_t count;
  };
  auto extents = [](int total, int block) {
    std::vector<Extent> out;
    if (total / block > 0)
      out.push_back({block, total / block});
    if (total % block > 0)
      out.push_back({total % block, 1});
    return out;
  };
  double total = 0;
  double tail = 0;
  for (const Extent& ey : extents(q.ofm.shape.height, bh)) {
    for (const Extent& ex : extents(q.ofm.shape.width, bw)) {
      for (const Extent& ez : extents(q.ofm.shape.depth, bd)) {
        const int64_t count = ey.count * ex.count * ez.count;
        const auto [mac_stage, out_stage] = block_stages(q, ey.size, ex.size, ez.size);
        // Two accumulator buffers: the stages overlap; the slower one sets the pace.
        total += static_cast<double>(count) * std::max(mac_stage, out_stage);
        tail = std::min(mac_stage, out_stage);
      }
    }
  }
  return static_cast<int64_t>(total + tail);
}

OpCost::Edges PerformanceModel::edges(const OpQuery& q) const {
  OpCost::Edges e;
  if (formulas_ != CostFormulas::kComplete)
    return e;
  const OpQuery first = q.launches.empty() ? q : launch_query(q, q.launches.front());
  const OpQuery last = q.launches.empty() ? q : launch_query(q, q.launches.back());
  auto clipped = [](int total, int block) { return std::max(1, std::min(block, total)); };
  {
    const Hwc& s = first.ofm.shape;
    if (s.elements() > 0) {
      e.first_mac = block_stages(first, clipped(s.height, first.ofm_block.height),
                                 clipped(s.width, first.ofm_block.width),
                                 clipped(s.depth, first.ofm_block.depth))
                        .first;
    }
  }
  const Hwc& s = last.ofm.shape;
  if (s.elements() > 0) {
    const int bh = clipped(s.height, last.ofm_block.height);
    const int bw = clipped(s.width, last.ofm_block.width);
    const int bd = clipped(s.depth, last.ofm_block.depth);
    auto rest = [](int total, int block) { return total % block > 0 ? total % block : block; };
    const auto [mac, out] =
        block_stages(last, rest(s.height, bh), rest(s.width, bw), rest(s.depth, bd));
    e.last_mac = mac;
    e.last_out = out;
    e.last_blocks = div_up(s.height, bh) * div_up(s.width, bw) * div_up(s.depth, bd);
  }
  const int64_t overhead = launch_overhead(first);
  e.last_write_latency = system_.area_timing(last.ofm.area).write_latency;
  e.first_read_latency = overhead - system_.area_timing(first.ofm.area).write_latency;
  return e;
}

int64_t PerformanceModel::launch_cycles(const OpQuery& q) const {
  if (formulas_ == CostFormulas::kComplete)
    return walked_launch_cycles(q);
  if (q.kind == BlockKind::kElementwise) {
    const Hwc rounded = storage_rounded(q.ofm.shape, q.ofm.format);
    return static_cast<int64_t>(
        std::ceil(output_cycles_per_element(q) * static_cast<double>(rounded.elements())));
  }
  const Hwc ifm_block = min_hwc(q.ifm.shape, q.ifm_block);
  Hwc ofm_block = min_hwc(q.ofm.shape, q.ofm_block);
  BlockShape ublock = acc_->ofm_ublock;
  // 2x2 micro-blocks run one-row outputs of even width as 4x1.
  if (ublock.height == 2 &&
      (q.kind == BlockKind::kConvolution || q.kind == BlockKind::kDepthwise ||
       q.kind == BlockKind::kVectorProduct) &&
      q.ofm.shape.height == 1 && q.ofm.shape.width % 2 == 0 && q.kernel.height == 1) {
    ublock = {4, 1, ublock.depth};
    ofm_block.height = 1;
  }
  const int64_t ublk_x = div_up(ofm_block.width, ublock.width);
  const int64_t ublk_y = div_up(ofm_block.height, ublock.height);
  const int64_t ublk_xy = ublk_x * ublk_y;
  const int64_t ublk_z = div_up(ofm_block.depth, ublock.depth);
  const bool acc40 = q.accumulator == AccumulatorType::kInt40;
  const auto [limit_h, limit_w] = sub_kernel_limit(q.kind);

  double dpu_block = 0;
  const int64_t weight_fetch = 32 * ublock.depth / 8;
  for (int y0 = 0; y0 < q.kernel.height; y0 += limit_h) {
    for (int x0 = 0; x0 < q.kernel.width; x0 += limit_w) {
      const int64_t elems =
          int64_t{std::min(q.kernel.height - y0, limit_h)} * std::min(q.kernel.width - x0, limit_w);
      int64_t steps = 0;
      int64_t cycles = 0;
      if (q.kind == BlockKind::kPooling && !q.reduce_sum) {
        steps = 1;
        cycles = std::max<int64_t>(4, elems) * ublk_xy * ublk_z;
        if (q.ifm.bits == 16 && system_.accelerator != Accelerator::kEthosU55_32)
          cycles *= 2;
      } else if (q.kind == BlockKind::kDepthwise) {
        cycles = 4 * ublk_xy * (q.ifm.bits == 16 ? 2 : 1);
        steps = div_up(elems, 4);
        cycles = std::max(weight_fetch, cycles) * steps * ublk_z;
      } else if (!q.part_kernel_first || q.kind != BlockKind::kConvolution) {
        steps = elems;
        cycles = std::max(weight_fetch, 4 * ublk_xy) * steps * ublk_z;
      } else {
        steps = div_up(elems, q.ifm.bits == 16 ? 2 : 4);
        cycles = std::max(weight_fetch, 4 * ublk_xy) * steps * div_up(ifm_block.depth, 8) * ublk_z;
      }
      // Pipeline bubbles when a block is a single micro-block in XY.
      int64_t delay_cycles = 0;
      if (system_.accelerator == Accelerator::kEthosU55_32) {
        const int64_t delay = acc40 ? 7 : 3;
        if (ublk_x == 1 && ublk_y == 1) {
          if (ublk_z == 1)
            delay_cycles = delay * steps;
          else if (steps > 1)
            delay_cycles = delay * (steps - 1) * ublk_z;
        }
        if ((ublk_x == 1 || ublk_y == 1) && ublk_z > 1 && acc40)
          delay_cycles += delay * ublk_z;
      } else {
        const int64_t delay = acc40 && (system_.accelerator == Accelerator::kEthosU55_64 ||
                                        system_.accelerator == Accelerator::kEthosU55_128)
                                  ? 3
                                  : 2;
        if (ublk_x == 1 && ublk_y == 1) {
          if (ublk_z == 1)
            delay_cycles = delay * steps;
          else if (steps > 1)
            delay_cycles = delay * (steps - 1) * ublk_z;
        }
      }
      if (q.kind == BlockKind::kConvolution && q.part_kernel_first)
        delay_cycles *= div_up(ifm_block.depth, 8);
      dpu_block += static_cast<double>(cycles + delay_cycles);
    }
  }
  if (q.kind == BlockKind::kConvolution || q.kind == BlockKind::kVectorProduct || q.reduce_sum)
    dpu_block *= static_cast<double>(div_up(q.ifm.shape.depth, ifm_block.depth));
  dpu_block /= acc_->cores;

  const int64_t blocks = div_up(q.ofm.shape.height, ofm_block.height) *
                         div_up(q.ofm.shape.width, ofm_block.width) *
                         div_up(q.ofm.shape.depth, ofm_block.depth);
  double output_block =
      std::ceil(output_cycles_per_element(q) * static_cast<double>(ofm_block.elements()));
  if (q.scale_area) {
    const double bias = 10.0 * ofm_block.depth *
                        static_cast<double>(system_.area_timing(*q.scale_area).read_latency) / 256;
    output_block = std::max(output_block, bias);
  }
  auto [ifm_mem, ofm_mem] = block_memory_cycles(q);
  const double command = (ifm_mem + ofm_mem + output_block + dpu_block) / 4;
  dpu_block = std::max(dpu_block, command);
  output_block = std::max(output_block, command);
  // Two pipelined stages: the slower one runs once per block, the faster one once at the end.
  const double total = dpu_block > output_block
                           ? dpu_block * static_cast<double>(blocks) + output_block
                           : output_block * static_cast<double>(blocks) + dpu_block;
  return static_cast<int64_t>(total);
}

ElementAccess PerformanceModel::launch_access(const OpQuery& q) const {
  ElementAccess a;
  const Hwc ifm_r = storage_rounded(q.ifm.shape, q.ifm.format);
  if (q.kind == BlockKind::kElementwise) {
    const int64_t ofm_as_ifm = storage_rounded(q.ofm.shape, q.ifm.format).elements();
    if (q.ifm.shape.elements() == 1) {
      if (q.ifm.bits > 8)
        a.ifm_read = ifm_r.elements();  // a wide scalar is still fetched
      if (q.ifm2)
        a.ifm2_read = ofm_as_ifm;
    } else {
      a.ifm_read = ofm_as_ifm;
      if (q.ifm2) {
        if (q.ifm2->shape.elements() > 1)
          a.ifm2_read = ofm_as_ifm;
        else if (q.ifm2->bits > 8)
          a.ifm2_read = storage_rounded(q.ifm2->shape, q.ifm.format).elements();
      }
    }
  } else {
    const Hwc ifm_block = min_hwc(q.ifm.shape, q.ifm_block);
    const Hwc ofm_block = min_hwc(q.ofm.shape, q.ofm_block);
    int64_t blocks_h = div_up(q.ofm.shape.height, ofm_block.height);
    int64_t blocks_w = div_up(q.ofm.shape.width, ofm_block.width);
    int64_t blocks_d = div_up(q.ofm.shape.depth, ofm_block.depth);
    int64_t block_depth = ofm_block.depth;
    if (q.kind == BlockKind::kDepthwise || (q.kind == BlockKind::kPooling && !q.reduce_sum)) {
      blocks_d = 1;
      block_depth = q.ifm.shape.depth;
    }
    const int64_t block_count = blocks_h * blocks_w * blocks_d;
    const auto [limit_h, limit_w] = sub_kernel_limit(q.kind);
    // (Vela pairs the width with the height limit here; both limits are equal.)
    const int64_t sub_kernels = div_up(q.kernel.width, limit_h) * div_up(q.kernel.height, limit_w);
    const int64_t ifm_fetch = storage_rounded(ifm_block, q.ifm.format).elements_hw() * ifm_r.depth;
    a.ifm_read = ifm_fetch * sub_kernels * block_count;
    const int64_t kernel = int64_t{q.kernel.width} * q.kernel.height;
    const int64_t kernel_read =
        (q.kind == BlockKind::kDepthwise || (q.kind == BlockKind::kPooling && !q.reduce_sum))
            ? kernel
            : kernel * q.ifm.shape.depth;
    if (q.kind != BlockKind::kPooling && q.scale_area) {
      a.weights_read = kernel_read * block_depth * block_count;
      a.scales_read = q.ofm.shape.depth;
      a.weight_refetch = blocks_h * blocks_w;
    }
  }
  a.ofm_write = storage_rounded(q.ofm.shape, q.ofm.format).elements();
  return a;
}

OpCost PerformanceModel::estimate(const OpQuery& q, const std::optional<WeightTraffic>& weights,
                                  const std::optional<DmaTraffic>& dma,
                                  int64_t prev_slack_cycles) const {
  OpCost c;
  c.macs = macs(q);
  c.op_cycles = op_cycles(q);
  c.edges = edges(q);
  c.npu_cycles = static_cast<double>(c.op_cycles);
  const ElementAccess access = element_access(q);
  std::array<double, kMemAreaCount> scaled{};

  int64_t dma_cycles = 0;
  if (dma && dma->bytes > 0 && (!dma->to || dma->from != *dma->to)) {
    // A LUT into SHRAM, or a copy the operation waits for.
    dma_cycles = transfer_cycles(dma->from, dma->to, dma->bytes);
    c.feature_map_bytes[index_of(dma->from)].read += static_cast<double>(dma->bytes);
    if (dma->to)
      scaled[index_of(*dma->to)] += static_cast<double>(dma->bytes);
  }
  // Buffered weights are read from SRAM; a resident buffer (filled for the previous operation)
  // costs no copy.
  const bool buffered = weights && weights->buffering != WeightTraffic::Buffering::kNone;
  if (buffered && weights->buffering != WeightTraffic::Buffering::kResident) {
    const auto& w = *weights;
    c.weight_bytes[index_of(w.source_area)].read += static_cast<double>(w.encoded_bytes);
    c.weight_bytes[index_of(w.buffer_area)].write += static_cast<double>(w.encoded_bytes);
    const int64_t first = transfer_cycles(w.source_area, w.buffer_area, w.first_transfer_bytes);
    if (w.buffering == WeightTraffic::Buffering::kDouble) {
      // The DMA of slice k+1 runs under the compute of slice k; what the previous operation
      // did not hide of the first slice adds up front.
      c.npu_cycles = std::max(
          static_cast<double>(w.full_transfer_cycles - prev_slack_cycles + w.own_slack_cycles),
          static_cast<double>(c.op_cycles + std::max<int64_t>(first - prev_slack_cycles, 0)));
    } else {
      c.npu_cycles = static_cast<double>(c.op_cycles + w.full_transfer_cycles -
                                         std::min(first, prev_slack_cycles));
    }
    c.npu_cycles += static_cast<double>(dma_cycles);
  } else {
    c.npu_cycles += static_cast<double>(std::max<int64_t>(dma_cycles - prev_slack_cycles, 0));
  }

  auto fm_bytes = [](const FeatureMapAccess& fm, int64_t elements) {
    return static_cast<double>(elements) * (fm.bits / 8);
  };
  // Output feature map.
  {
    const double b = fm_bytes(q.ofm, access.ofm_write);
    c.feature_map_bytes[index_of(q.ofm.area)].write += b;
    scaled[index_of(q.ofm.area)] += burst_scaled(false, q.ofm.area, q.ofm, q.ofm_block, b);
  }
  // Input feature maps (the second operand bursts as the first operand's block).
  {
    const double b = fm_bytes(q.ifm, access.ifm_read);
    c.feature_map_bytes[index_of(q.ifm.area)].read += b;
    scaled[index_of(q.ifm.area)] += burst_scaled(true, q.ifm.area, q.ifm, q.ifm_block, b);
  }
  if (q.ifm2) {
    const double b = fm_bytes(*q.ifm2, access.ifm2_read);
    c.feature_map_bytes[index_of(q.ifm2->area)].read += b;
    scaled[index_of(q.ifm2->area)] += burst_scaled(true, q.ifm2->area, *q.ifm2, q.ifm_block, b);
  }
  // Weights and scales, read where the output stage finds them, for every OFM block column
  // and row (and every launch). Vela 3.10 leaves the reads of buffered weights out of the
  // SRAM's bandwidth; the NPU still makes them, so kComplete counts them.
  if (weights && q.scale_area) {
    const auto& w = *weights;
    const MemArea area = *q.scale_area;
    if (access.weights_read > 0 && w.original_elements > 0) {
      const double encoded_approx =
          static_cast<double>(w.encoded_bytes) -
          static_cast<double>(q.ofm.shape.depth) * static_cast<double>(w.bias_bytes);
      const double b = static_cast<double>(access.weights_read) * std::max(encoded_approx, 0.0) /
                       static_cast<double>(w.original_elements);
      c.weight_bytes[index_of(area)].read += b;
      if (!buffered || formulas_ == CostFormulas::kComplete)
        scaled[index_of(area)] += b;
    }
    if (access.scales_read > 0) {
      const double b = static_cast<double>(access.scales_read) * w.bias_bytes;
      c.weight_bytes[index_of(area)].read += b;
      if (!buffered || formulas_ == CostFormulas::kComplete)
        scaled[index_of(area)] += b;
    }
  }
  c.total_cycles = c.npu_cycles;
  for (MemArea a : kAllMemAreas) {
    c.access_cycles[index_of(a)] = scaled[index_of(a)] / bandwidth(a);
    c.total_cycles = std::max(c.total_cycles, c.access_cycles[index_of(a)]);
  }
  return c;
}

}  // namespace euc::arch
