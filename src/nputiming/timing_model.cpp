#include "nputiming/timing_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "core/error.hpp"

namespace euc::nputiming {
namespace {

constexpr uint32_t kWaitCountMask = 0xF;  // outstanding count in the wait's parameter
constexpr int kDotProductWidth = 8;       // IFM channels per MAC lane per cycle (8-bit)
constexpr int kWeightsPerCycle = 8;       // weight decoder output per core
constexpr int kBrickDepth = 16;           // NHCWB16
constexpr int64_t kMaxBlocks = 1 << 22;   // per operation (MobileNetV2's largest: a few hundred)
constexpr int64_t kMaxStreamBlocks = 1 << 24;       // per stream (MobileNetV2: about 5,000)
constexpr std::size_t kMaxPortIntervals = 1 << 16;  // busy intervals kept per memory port

int64_t ceil_div(int64_t a, int64_t b) {
  return b <= 0 ? 0 : (a + b - 1) / b;
}

int64_t round_up(int64_t a, int64_t b) {
  return ceil_div(a, b) * b;
}

// Bytes moved for `runs` contiguous runs of `run_bytes` each, in whole bursts.
int64_t burst_bytes(int64_t runs, int64_t run_bytes, int64_t burst) {
  if (runs <= 0 || run_bytes <= 0)
    return 0;
  return runs * round_up(run_bytes, std::max<int64_t>(burst, 1));
}

int64_t cycles_for(double bytes, double bytes_per_cycle) {
  if (bytes <= 0)
    return 0;
  return static_cast<int64_t>(std::ceil(bytes / std::max(bytes_per_cycle, 1e-9)));
}

// DMA data cycles without latencies: `bytes` (rounded up to the source's bursts) at the slower
// side's bandwidth; SHRAM moves `axi_bytes` per cycle.
int64_t transfer_cycles(int64_t bytes, const MemoryTiming* source, const MemoryTiming* destination,
                        int axi_bytes) {
  const double shram = axi_bytes;
  const double bandwidth = std::min(source ? source->bytes_per_cycle : shram,
                                    destination ? destination->bytes_per_cycle : shram);
  const int64_t moved = source ? round_up(bytes, source->burst_length) : bytes;
  return cycles_for(static_cast<double>(moved), bandwidth);
}

// Rows (or columns) of the IFM one OFM block reads: the window of output positions
// [first, first + count) with stride, dilated kernel extent, padding before and the upscaling
// factor, clipped to the IFM extent.
int64_t input_extent(int64_t first, int64_t count, int stride, int64_t dilated_kernel,
                     int pad_before, int upscale, int ifm_extent) {
  const int64_t lo = std::max<int64_t>(first * stride - pad_before, 0);
  const int64_t hi =
      std::min<int64_t>((first + count - 1) * stride - pad_before + dilated_kernel - 1,
                        int64_t{ifm_extent} * upscale - 1);
  if (hi < lo)
    return 0;
  return hi / upscale - lo / upscale + 1;
}

// The busy time of one memory port: disjoint, non-adjacent intervals [start, end) reserved by
// the transfers timed so far. A transfer takes `cycles` free cycles at or after the cycle it is
// ready, filling the free gaps in time order (it may be split across gaps): transfers timed
// earlier in the stream keep what they reserved, later ones use the time left around it, even
// before it. Intervals that end before the earliest cycle any later transfer can be ready are
// pruned; past kMaxPortIntervals the earlier half is dropped and the time before its end counts
// as busy (only streams with tens of thousands of overlapping blocks reach that).
class PortTimeline {
 public:
  // Reserves the cycles; returns the cycle after the last one reserved (`ready` for none).
  int64_t reserve(int64_t ready, int64_t cycles) {
    if (cycles <= 0)
      return ready;
    int64_t t = std::max(ready, floor_);
    auto next = busy_.upper_bound(t);  // first interval starting after t
    auto current = busy_.end();        // the interval ending at t, extended by the reservation
    if (next != busy_.begin()) {
      auto previous = std::prev(next);
      if (previous->second >= t) {
        t = previous->second;
        current = previous;
      }
    }
    int64_t remaining = cycles;
    for (;;) {
      const int64_t gap_end =
          next == busy_.end() ? std::numeric_limits<int64_t>::max() : next->first;
      const int64_t take = std::min(remaining, gap_end - t);
      if (current != busy_.end())
        current->second = t + take;
      else
        current = busy_.emplace_hint(next, t, t + take);
      t += take;
      remaining -= take;
      const int64_t reserved_end = t;
      if (t == gap_end) {  // the gap is full: join the interval after it
        current->second = next->second;
        t = next->second;
        next = busy_.erase(next);
      }
      if (remaining == 0) {
        trim();
        return reserved_end;
      }
    }
  }

  // No later transfer is ready before `cycle`.
  void prune(int64_t cycle) {
    while (!busy_.empty() && busy_.begin()->second < cycle)
      busy_.erase(busy_.begin());
  }

 private:
  void trim() {
    if (busy_.size() <= kMaxPortIntervals)
      return;
    auto last = std::next(busy_.begin(), static_cast<std::ptrdiff_t>(busy_.size() / 2));
    floor_ = std::max(floor_, std::prev(last)->second);
    busy_.erase(busy_.begin(), last);
  }

  std::map<int64_t, int64_t> busy_;
  int64_t floor_ = 0;  // everything before is busy
};

class StreamTimer {
 public:
  explicit StreamTimer(const TimingSetup& setup) : setup_(setup), accel_(*setup.accelerator) {}

  TimingResult run(std::span<const npu::DecodedCommand> commands,
                   std::span<const npu::NpuOperation> operations);

 private:
  struct KernelRecord {
    int64_t start = 0;
    int64_t end = 0;
    int64_t mac_end = 0;
    std::vector<int64_t> block_mac_starts;
  };

  const MemoryTiming& area_of_region(int region) const {
    if (region < 0 || region >= static_cast<int>(setup_.region_area.size()))
      throw_input(fmt::format("region {} (only 0-7 exist)", region));
    return setup_.area[arch::index_of(setup_.region_area[static_cast<std::size_t>(region)])];
  }
  std::size_t area_index(int region) const {
    area_of_region(region);
    return arch::index_of(setup_.region_area[static_cast<std::size_t>(region)]);
  }

  void time_dma(const npu::NpuOperation& op, OperationTiming& timing);
  void time_kernel(const npu::NpuOperation& op, OperationTiming& timing);

  const TimingSetup& setup_;
  const arch::AcceleratorConfig& accel_;
  TimingResult result_;
  int64_t reader_ = 0;  // the command reader's cycle
  std::vector<int64_t> kernel_ends_;
  std::vector<int64_t> dma_ends_;
  int64_t last_dma_start_ = 0;
  int64_t dma_free_ = 0;
  int64_t blocks_walked_ = 0;
  int64_t output_free_ = 0;
  // Output ends of the last two blocks (any kernel): two accumulator buffers.
  int64_t out_end_two_back_ = 0;
  int64_t out_end_one_back_ = 0;
  std::optional<KernelRecord> previous_kernel_;
  std::array<PortTimeline, arch::kMemAreaCount> ports_;
};

void StreamTimer::time_dma(const npu::NpuOperation& op, OperationTiming& timing) {
  const npu::DmaOperation& dma = *op.dma;
  const MemoryTiming* source = dma.source.internal ? nullptr : &area_of_region(dma.source.region);
  const MemoryTiming* destination =
      dma.destination.internal ? nullptr : &area_of_region(dma.destination.region);
  const int64_t issue = std::max(reader_, last_dma_start_);
  reader_ = issue;
  for (PortTimeline& port : ports_)
    port.prune(reader_);
  const int64_t start = std::max(issue, dma_free_);
  const auto bytes = static_cast<int64_t>(dma.length);
  // Alone, the copy streams at the slower side's bandwidth; on each external memory it takes
  // bytes / that memory's bandwidth of port time, at the first free port time after the read
  // latency. A copy within one memory takes that memory's port once.
  const int64_t ready = start + (source ? source->read_latency : 0);
  int64_t data_end = ready;
  if (bytes > 0) {
    const int64_t moved = source ? round_up(bytes, source->burst_length) : bytes;
    data_end += transfer_cycles(bytes, source, destination, accel_.axi_data_width_bytes);
    const int64_t alone = data_end;
    std::optional<std::size_t> source_area;
    if (source) {
      source_area = area_index(dma.source.region);
      data_end = std::max(
          data_end, ports_[*source_area].reserve(
                        ready, cycles_for(static_cast<double>(moved), source->bytes_per_cycle)));
    }
    if (destination && area_index(dma.destination.region) != source_area) {
      data_end = std::max(data_end, ports_[area_index(dma.destination.region)].reserve(
                                        ready, cycles_for(static_cast<double>(moved),
                                                          destination->bytes_per_cycle)));
    }
    timing.port_wait_cycles = data_end - alone;
    result_.port_wait_cycles += data_end - alone;
  }
  const int64_t end = bytes > 0 ? data_end + (destination ? destination->write_latency : 0) : start;
  if (dma.source.internal)
    result_.shram_dma.read += bytes;
  else
    result_.traffic[area_index(dma.source.region)].read += bytes;
  if (dma.destination.internal)
    result_.shram_dma.written += bytes;
  else
    result_.traffic[area_index(dma.destination.region)].written += bytes;
  result_.dma_busy_cycles += end - start;
  last_dma_start_ = start;
  dma_free_ = end;
  dma_ends_.push_back(end);
  timing.issue = issue;
  timing.start = start;
  timing.end = end;
  timing.memory_cycles = end - start;
  timing.bytes_read = dma.source.internal ? 0 : bytes;
  timing.bytes_written = dma.destination.internal ? 0 : bytes;
}

void StreamTimer::time_kernel(const npu::NpuOperation& op, OperationTiming& timing) {
  const npu::BlockOperation& b = *op.block;
  const npu::OperationKind kind = op.kind;
  const bool elementwise = kind == npu::OperationKind::kElementwise;
  const int bw = b.block_config.width, bh = b.block_config.height, bd = b.block_config.depth;
  if (bw <= 0 || bh <= 0 || bd <= 0)
    throw_input(fmt::format("block config {}x{}x{} cannot be timed", bw, bh, bd));
  const npu::Shape3D ofm = b.ofm.shape;
  const npu::Shape3D ifm = b.ifm.shape;
  const int cores = std::max(b.cores, 1);
  const int upscale = b.upscale == npu::ResamplingMode::kNone ? 1 : 2;
  const npu::Kernel kernel = b.kernel.value_or(npu::Kernel{});
  const npu::Padding padding = b.padding.value_or(npu::Padding{});
  const int64_t kernel_positions = int64_t{kernel.width} * kernel.height;
  const int ifm_bytes = b.ifm.type.bytes();
  const int ofm_bytes = b.ofm.type.bytes();

  // Weight and scale streams: total bytes per memory area, shared out over the OFM depth.
  std::array<int64_t, arch::kMemAreaCount> const_bytes{};
  for (const npu::AddressRange& r : b.weights)
    const_bytes[area_index(r.region)] += static_cast<int64_t>(r.length);
  for (const npu::AddressRange& r : b.scales)
    const_bytes[area_index(r.region)] += static_cast<int64_t>(r.length);

  const std::size_t ifm_area = area_index(b.ifm.region);
  const std::size_t ofm_area = area_index(b.ofm.region);
  const MemoryTiming& ifm_mem = setup_.area[ifm_area];
  const MemoryTiming& ofm_mem = setup_.area[ofm_area];
  std::optional<std::size_t> ifm2_area;
  if (b.ifm2 && !(b.ifm2_setting && b.ifm2_setting->is_scalar))
    ifm2_area = area_index(b.ifm2->region);

  // The memories the first block reads: their largest read latency is paid up front.
  int64_t read_latency = ifm_mem.read_latency;
  if (ifm2_area)
    read_latency = std::max(read_latency, setup_.area[*ifm2_area].read_latency);
  for (std::size_t a = 0; a < const_bytes.size(); ++a)
    if (const_bytes[a] > 0)
      read_latency = std::max(read_latency, setup_.area[a].read_latency);

  // Feature map bytes of a (rows x cols x channels) piece and its contiguous runs.
  auto fm_bytes = [](const npu::FeatureMap& fm, int64_t rows, int64_t cols, int64_t channels,
                     bool whole_depth, int64_t burst) -> int64_t {
    const int eb = fm.type.bytes();
    if (fm.format == npu::DataFormat::kNhcwb16) {
      const int64_t bricks = ceil_div(channels, kBrickDepth);
      return burst_bytes(rows * bricks, cols * kBrickDepth * eb, burst);
    }
    if (whole_depth)
      return burst_bytes(rows, cols * channels * eb, burst);
    return burst_bytes(rows * cols, channels * eb, burst);
  };

  // Untrusted streams: a huge OFM in tiny blocks would take hours to walk block by block.
  const int64_t block_count =
      ceil_div(ofm.height, bh) * ceil_div(ofm.width, bw) * ceil_div(ofm.depth, bd);
  if (block_count > kMaxBlocks || blocks_walked_ + block_count > kMaxStreamBlocks) {
    throw_input(fmt::format(
        "{} OFM blocks ({}x{}x{} in {}x{}x{} blocks): more than the {} per "
        "operation and {} per stream the timing model walks",
        block_count, ofm.height, ofm.width, ofm.depth, bh, bw, bd, kMaxBlocks, kMaxStreamBlocks));
  }
  blocks_walked_ += block_count;
  KernelRecord record;
  const int64_t dep_ready = [&] {
    if (!previous_kernel_)
      return int64_t{0};
    if (b.blockdep <= 0 || previous_kernel_->block_mac_starts.empty())
      return previous_kernel_->end;
    const auto& starts = previous_kernel_->block_mac_starts;
    const std::size_t n = starts.size();
    const std::size_t k = static_cast<std::size_t>(b.blockdep) >= n ? 0 : n - b.blockdep;
    return starts[k];
  }();
  const int64_t issue = std::max(reader_, previous_kernel_ ? previous_kernel_->start : 0);
  reader_ = issue;
  for (PortTimeline& port : ports_)
    port.prune(reader_);
  const int64_t mac_free = previous_kernel_ ? previous_kernel_->mac_end : 0;
  int64_t mac_start = std::max({issue + read_latency, dep_ready + read_latency, mac_free});
  int64_t last_out_end = output_free_;
  std::array<int64_t, arch::kMemAreaCount> block_bytes{};

  const bool lut = b.activation.function != npu::ActivationFunction::kNone;
  const int64_t ofm_factor = ofm_bytes >= 4 ? 4 : ofm_bytes;
  const int units = std::max(accel_.elementwise_units, 1);
  const arch::BlockShape ub = accel_.ofm_ublock;

  for (int y0 = 0; y0 < ofm.height; y0 += bh) {
    const int h = std::min(bh, ofm.height - y0);
    for (int x0 = 0; x0 < ofm.width; x0 += bw) {
      const int w = std::min(bw, ofm.width - x0);
      for (int z0 = 0; z0 < ofm.depth; z0 += bd) {
        const int d = std::min(bd, ofm.depth - z0);
        const int64_t d_core = ceil_div(d, cores);
        const int64_t elements = int64_t{w} * h * d_core;
        block_bytes.fill(0);
        int64_t mac = 0;
        int64_t decode = 0;
        int64_t out = 0;
        if (elementwise) {
          const int64_t wide = (ifm_bytes >= 4 || ofm_bytes >= 4) ? 2 : 1;
          out = ceil_div(elements * wide, units);
          block_bytes[ifm_area] += fm_bytes(b.ifm, h, w, d, d == ifm.depth, ifm_mem.burst_length);
          if (ifm2_area) {
            const npu::Shape3D s2 = b.ifm2->shape;
            const int64_t h2 = std::min<int64_t>(h, s2.height), w2 = std::min<int64_t>(w, s2.width),
                          d2 = std::min<int64_t>(d, s2.depth);
            block_bytes[*ifm2_area] +=
                fm_bytes(*b.ifm2, h2, w2, d2, d2 == s2.depth, setup_.area[*ifm2_area].burst_length);
          }
        } else {
          const int64_t micro = ceil_div(w, ub.width) * ceil_div(h, ub.height) *
                                ceil_div(d_core, std::max(ub.depth, 1));
          const int64_t rows = input_extent(y0, h, kernel.stride_y, kernel.dilated_height(),
                                            padding.top, upscale, ifm.height);
          const int64_t cols = input_extent(x0, w, kernel.stride_x, kernel.dilated_width(),
                                            padding.left, upscale, ifm.width);
          const int64_t lanes = ifm_bytes;  // 16-bit IFMs take two passes of the dot product
          if (kind == npu::OperationKind::kConv) {
            const int64_t depth = ifm.depth;
            // Depth first and part-kernel first alike: a kernel position's channels fill the
            // dot product, 8 at a time.
            mac = micro * kernel_positions * ceil_div(depth * lanes, kDotProductWidth);
            decode = ceil_div(kernel_positions * depth * d_core, kWeightsPerCycle);
            block_bytes[ifm_area] += fm_bytes(b.ifm, rows, cols, depth, true, ifm_mem.burst_length);
          } else {
            mac = micro * kernel_positions * lanes;
            if (kind == npu::OperationKind::kDepthwise)
              decode = ceil_div(kernel_positions * d_core, kWeightsPerCycle);
            block_bytes[ifm_area] +=
                fm_bytes(b.ifm, rows, cols, d, d == ifm.depth, ifm_mem.burst_length);
          }
          out = ceil_div(elements * ofm_factor, units);
        }
        if (lut)
          out = std::max(out, elements);
        for (std::size_t a = 0; a < const_bytes.size(); ++a)
          if (const_bytes[a] > 0 && ofm.depth > 0)
            block_bytes[a] += ceil_div(const_bytes[a] * d, ofm.depth);
        const int64_t written = fm_bytes(b.ofm, h, w, d, d == ofm.depth, ofm_mem.burst_length);
        // Traffic: what the block reads (burst padding and re-reads included) and writes.
        for (std::size_t a = 0; a < block_bytes.size(); ++a)
          result_.traffic[a].read += block_bytes[a];
        result_.traffic[ofm_area].written += written;
        for (int64_t bytes : block_bytes)
          timing.bytes_read += bytes;
        timing.bytes_written += written;
        block_bytes[ofm_area] += written;
        std::array<int64_t, arch::kMemAreaCount> port_cycles{};
        int64_t memory = 0;
        for (std::size_t a = 0; a < block_bytes.size(); ++a) {
          port_cycles[a] =
              cycles_for(static_cast<double>(block_bytes[a]), setup_.area[a].bytes_per_cycle);
          memory = std::max(memory, port_cycles[a]);
        }
        // The block's traffic on each memory takes that memory's port for port_cycles from the
        // stage's start, in the port time other transfers left free.
        auto ports_done = [&](int64_t from) {
          int64_t done = from;
          for (std::size_t a = 0; a < port_cycles.size(); ++a)
            done = std::max(done, ports_[a].reserve(from, port_cycles[a]));
          return done;
        };
        // MAC stage, then the output stage; ELEMENTWISE works in the output stage alone.
        int64_t mac_stage = std::max(mac, decode);
        int64_t out_stage = out;
        if (elementwise)
          out_stage = std::max(out_stage, memory);
        else
          mac_stage = std::max(mac_stage, memory);
        mac_start = std::max(mac_start, out_end_two_back_);
        record.block_mac_starts.push_back(mac_start);
        int64_t mac_end = mac_start + mac_stage;
        int64_t port_wait = 0;
        if (!elementwise) {
          const int64_t shared = std::max(mac_end, ports_done(mac_start));
          port_wait = shared - mac_end;
          mac_end = shared;
        }
        const int64_t out_start = std::max(mac_end, last_out_end);
        last_out_end = out_start + out_stage;
        if (elementwise) {
          const int64_t shared = std::max(last_out_end, ports_done(out_start));
          port_wait = shared - last_out_end;
          last_out_end = shared;
        }
        timing.port_wait_cycles += port_wait;
        result_.port_wait_cycles += port_wait;
        out_end_two_back_ = out_end_one_back_;
        out_end_one_back_ = last_out_end;
        mac_start = mac_end;
        record.mac_end = mac_end;
        timing.mac_cycles += std::max(mac, decode);
        timing.output_cycles += out;
        timing.memory_cycles += memory;
        ++timing.blocks;
      }
    }
  }
  const int64_t first_fetch =
      (record.block_mac_starts.empty() ? mac_start : record.block_mac_starts.front()) -
      read_latency;
  record.start = first_fetch;
  record.end = std::max(last_out_end, first_fetch) + ofm_mem.write_latency;
  output_free_ = last_out_end;
  if (timing.blocks == 0)
    record.mac_end = std::max(mac_free, first_fetch);
  const int64_t busy_from =
      previous_kernel_ ? std::max(record.start, previous_kernel_->end) : record.start;
  result_.kernel_busy_cycles += std::max<int64_t>(record.end - busy_from, 0);
  kernel_ends_.push_back(record.end);
  timing.issue = issue;
  timing.start = record.start;
  timing.end = record.end;
  previous_kernel_ = std::move(record);
}

TimingResult StreamTimer::run(std::span<const npu::DecodedCommand> commands,
                              std::span<const npu::NpuOperation> operations) {
  std::size_t next = 0;
  auto wait_for = [&](const std::vector<int64_t>& ends, uint32_t allowed) {
    // In-order completion: at most `allowed` outstanding once the (size - allowed)-th has ended.
    if (ends.size() <= allowed)
      return;
    const int64_t until = ends[ends.size() - 1 - allowed];
    if (until > reader_) {
      result_.wait_stall_cycles += until - reader_;
      reader_ = until;
    }
  };
  for (const npu::DecodedCommand& command : commands) {
    const npu::Opcode opcode = command.command.opcode;
    if (opcode == npu::Opcode::kOpStop)
      break;
    reader_ += command.word_count();
    if (opcode == npu::Opcode::kOpDmaWait) {
      wait_for(dma_ends_, command.command.param & kWaitCountMask);
      continue;
    }
    if (opcode == npu::Opcode::kOpKernelWait) {
      wait_for(kernel_ends_, command.command.param & kWaitCountMask);
      continue;
    }
    if (!npu::launched_kind(opcode))
      continue;
    if (next >= operations.size())
      throw_input("the stream launches more operations than were read from it");
    const npu::NpuOperation& op = operations[next];
    OperationTiming timing;
    timing.index = next++;
    timing.kind = op.kind;
    try {
      if (op.kind == npu::OperationKind::kDma)
        time_dma(op, timing);
      else
        time_kernel(op, timing);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kUsage)
        throw;
      throw Error(e.kind(), fmt::format("command stream byte offset {:#x}: {} (operation {}): {}",
                                        op.byte_offset, npu::operation_kind_name(op.kind),
                                        timing.index, e.what()));
    }
    result_.operations.push_back(timing);
  }
  int64_t total = reader_;
  for (int64_t e : kernel_ends_)
    total = std::max(total, e);
  for (int64_t e : dma_ends_)
    total = std::max(total, e);
  result_.total_cycles = total;
  return std::move(result_);
}

}  // namespace

TimingSetup timing_setup(const arch::SystemConfig& system, arch::Accelerator accelerator) {
  TimingSetup setup;
  setup.accelerator = &arch::accelerator_config(accelerator);
  setup.core_clock = system.core_clock;
  setup.region_area.fill(system.arena_area());
  setup.region_area[0] = system.const_area();
  setup.region_area[1] = system.arena_area();
  setup.region_area[2] = system.cache_area();
  for (arch::MemArea a : arch::kAllMemAreas) {
    const arch::AreaTiming& t = system.area_timing(a);
    MemoryTiming& m = setup.area[arch::index_of(a)];
    m.bytes_per_cycle = setup.accelerator->axi_data_width_bytes * t.clock_scale;
    m.burst_length = std::max<int64_t>(t.burst_length, 1);
    m.read_latency = t.read_latency;
    m.write_latency = t.write_latency;
  }
  return setup;
}

int64_t dma_cycles(uint64_t bytes, const MemoryTiming* source, const MemoryTiming* destination,
                   int axi_bytes) {
  if (bytes == 0)
    return 0;
  return (source ? source->read_latency : 0) +
         transfer_cycles(static_cast<int64_t>(bytes), source, destination, axi_bytes) +
         (destination ? destination->write_latency : 0);
}

TimingResult time_stream(std::span<const npu::DecodedCommand> commands,
                         std::span<const npu::NpuOperation> operations, const TimingSetup& setup) {
  if (setup.accelerator == nullptr)
    throw_usage("time_stream: no accelerator in the timing setup");
  StreamTimer timer(setup);
  return timer.run(commands, operations);
}

TimingResult time_command_stream(std::span<const uint32_t> words, const TimingSetup& setup) {
  const std::vector<npu::DecodedCommand> commands = npu::decode_stream(words);
  const std::vector<npu::NpuOperation> operations = npu::extract_operations(commands);
  return time_stream(commands, operations, setup);
}

}  // namespace euc::nputiming
