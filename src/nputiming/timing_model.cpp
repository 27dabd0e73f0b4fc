#include "nputiming/timing_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "core/error.hpp"
#include "nputiming/block_work.hpp"

namespace euc::nputiming {
namespace {

constexpr uint32_t kWaitCountMask = 0xF;  // outstanding count in the wait's parameter
constexpr int64_t kMaxBlocks = 1 << 22;   // per operation (MobileNetV2's largest: a few hundred)
constexpr int64_t kMaxStreamBlocks = 1 << 24;  // per stream (MobileNetV2: about 5,000)

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

constexpr double kEpsilon = 1e-7;  // cycles: below this a difference of times or work is none
constexpr double kNever = std::numeric_limits<double>::infinity();

// A time of the fluid model as the whole cycle it is reported in: an integral time as itself,
// otherwise the cycle it falls in (the next whole cycle).
int64_t whole(double t) {
  const double r = std::round(t);
  if (std::abs(t - r) < 1e-6)
    return static_cast<int64_t>(r);
  return static_cast<int64_t>(std::ceil(t));
}

bool all_moved(const PortWork& w) {
  return std::all_of(w.begin(), w.end(), [](double x) { return x <= kEpsilon; });
}

// A kernel launch and what its blocks need.
struct KernelJob {
  const npu::NpuOperation* op = nullptr;
  std::size_t timing = 0;  // its entry in the result's operations
  double issue = 0;
  int64_t blocks = 0;
  int64_t next_block = 0;  // the next block to enter the MAC stage
  int64_t read_latency = 0;
  int64_t write_latency = 0;
  bool started = false;
  double start = 0;  // its first fetch: the first block's MAC stage minus the read latency
  bool ended = false;
  double end = 0;                        // its last output stage ended and was written
  std::vector<double> block_mac_starts;  // for the next kernel's BLOCKDEP
  double port_wait = 0;
};

// A block in the pipeline: in its MAC stage, waiting for the output stage, or in it.
struct StageWork {
  std::size_t kernel = 0;
  bool last = false;  // the last block of its kernel
  bool elementwise = false;
  double floor_end = 0;  // the stage's compute bound ends
  double alone_end = 0;  // when the stage would end with the ports to itself
  PortWork remaining{};  // port cycles still to move in this stage
  PortWork port{};       // the block's port cycles (an elementwise block moves them when output)
  int64_t out = 0;
  int64_t memory = 0;
};

// A DMA launch.
struct DmaJob {
  std::size_t timing = 0;
  double issue = 0;
  int64_t latency = 0;        // the source's read latency
  int64_t write_latency = 0;  // the destination's
  double alone = 0;           // data cycles with the ports to itself
  PortWork share{};           // the share of each memory's port it takes at full speed
  bool started = false;
  double start = 0;
  bool ended = false;
  double end = 0;
};

class StreamTimer {
 public:
  explicit StreamTimer(const TimingSetup& setup) : setup_(setup), accel_(*setup.accelerator) {}

  TimingResult run(std::span<const npu::DecodedCommand> commands,
                   std::span<const npu::NpuOperation> operations);

 private:
  enum class DmaPhase { kIdle, kLatency, kData, kWrite };

  const MemoryTiming& area_of_region(int region) const { return setup_.area[area_index(region)]; }
  std::size_t area_index(int region) const { return memory_of_region(setup_, region); }

  void launch_dma(const npu::NpuOperation& op, std::size_t timing);
  void launch_kernel(const npu::NpuOperation& op, std::size_t timing);
  // Block `index` of a kernel's OFM, its traffic and cycles counted in the result.
  BlockWork block(const KernelJob& job, int64_t index);

  // The simulation: time moves from event to event; in between every transfer moves at a
  // constant rate.
  struct Rates {
    double dma = 0;  // the DMA's speed relative to alone
    PortWork mac{};  // port share of the block in its MAC stage, per memory
    PortWork out{};  // of the (elementwise) block in its output stage
  };
  Rates rates() const;
  void settle();
  bool step(double limit);
  void advance_to(double t);
  template <typename Done>
  void run_until(Done done);
  bool idle() const;

  std::optional<double> first_block_ready(std::size_t kernel) const;
  bool try_start_block();
  void begin_output(StageWork stage);
  void finish_output();
  void finish_dma();

  const TimingSetup& setup_;
  const arch::AcceleratorConfig& accel_;
  TimingResult result_;
  double now_ = 0;
  double reader_ = 0;  // the command reader's cycle
  int64_t blocks_walked_ = 0;

  std::vector<KernelJob> kernels_;
  std::size_t cursor_ = 0;  // the kernel whose next block enters the MAC stage next
  std::optional<StageWork> mac_, waiting_, out_;
  double last_out_end_ = 0;

  std::vector<DmaJob> dmas_;
  std::size_t dma_head_ = 0;  // the DMA running or next to run
  DmaPhase dma_phase_ = DmaPhase::kIdle;
  double dma_phase_end_ = 0;
  double dma_remaining_ = 0;  // data cycles (at full speed) still to move
  double dma_free_ = 0;       // the last DMA ended
  std::vector<double> dma_port_wait_;
};

void StreamTimer::launch_dma(const npu::NpuOperation& op, std::size_t timing) {
  const npu::DmaOperation& dma = *op.dma;
  const MemoryTiming* source = dma.source.internal ? nullptr : &area_of_region(dma.source.region);
  const MemoryTiming* destination =
      dma.destination.internal ? nullptr : &area_of_region(dma.destination.region);
  DmaJob job;
  job.timing = timing;
  const auto bytes = static_cast<int64_t>(dma.length);
  job.latency = source ? source->read_latency : 0;
  job.write_latency = destination ? destination->write_latency : 0;
  if (bytes > 0) {
    const int64_t moved = source ? round_up(bytes, source->burst_length) : bytes;
    job.alone = static_cast<double>(
        transfer_cycles(bytes, source, destination, accel_.axi_data_width_bytes));
    // Each external memory's port: the copy's bytes at that memory's bandwidth, spread over
    // the copy (a copy within one memory takes its port once).
    std::optional<std::size_t> source_area;
    if (source) {
      source_area = area_index(dma.source.region);
      job.share[*source_area] =
          static_cast<double>(cycles_for(static_cast<double>(moved), source->bytes_per_cycle)) /
          job.alone;
    }
    if (destination && area_index(dma.destination.region) != source_area) {
      job.share[area_index(dma.destination.region)] =
          static_cast<double>(
              cycles_for(static_cast<double>(moved), destination->bytes_per_cycle)) /
          job.alone;
    }
  }
  if (dma.source.internal)
    result_.shram_dma.read += bytes;
  else
    result_.traffic[area_index(dma.source.region)].read += bytes;
  if (dma.destination.internal)
    result_.shram_dma.written += bytes;
  else
    result_.traffic[area_index(dma.destination.region)].written += bytes;
  OperationTiming& t = result_.operations[timing];
  t.bytes_read = dma.source.internal ? 0 : bytes;
  t.bytes_written = dma.destination.internal ? 0 : bytes;

  // Accepted once the previous DMA has started.
  if (!dmas_.empty()) {
    const std::size_t previous = dmas_.size() - 1;
    run_until([&] { return dmas_[previous].started; });
    reader_ = std::max(reader_, dmas_[previous].start);
  }
  job.issue = reader_;
  advance_to(reader_);
  dmas_.push_back(job);
  dma_port_wait_.push_back(0);
}

void StreamTimer::launch_kernel(const npu::NpuOperation& op, std::size_t timing) {
  const npu::BlockOperation& b = *op.block;
  const int bw = b.block_config.width, bh = b.block_config.height, bd = b.block_config.depth;
  if (bw <= 0 || bh <= 0 || bd <= 0)
    throw_input(fmt::format("block config {}x{}x{} cannot be timed", bw, bh, bd));
  const npu::Shape3D ofm = b.ofm.shape;
  // Untrusted streams: a huge OFM in tiny blocks would take hours to walk block by block.
  const int64_t block_count =
      ofm.height <= 0 || ofm.width <= 0 || ofm.depth <= 0
          ? 0
          : ceil_div(ofm.height, bh) * ceil_div(ofm.width, bw) * ceil_div(ofm.depth, bd);
  if (block_count > kMaxBlocks || blocks_walked_ + block_count > kMaxStreamBlocks) {
    throw_input(fmt::format(
        "{} OFM blocks ({}x{}x{} in {}x{}x{} blocks): more than the {} per "
        "operation and {} per stream the timing model walks",
        block_count, ofm.height, ofm.width, ofm.depth, bh, bw, bd, kMaxBlocks, kMaxStreamBlocks));
  }
  blocks_walked_ += block_count;
  KernelJob job;
  job.op = &op;
  job.timing = timing;
  job.blocks = block_count;
  // The memories the first block reads: their largest read latency is paid up front.
  const MemoryTiming& ifm_mem = area_of_region(b.ifm.region);
  int64_t read_latency = ifm_mem.read_latency;
  if (b.ifm2 && !(b.ifm2_setting && b.ifm2_setting->is_scalar))
    read_latency = std::max(read_latency, area_of_region(b.ifm2->region).read_latency);
  for (const auto* ranges : {&b.weights, &b.scales}) {
    for (const npu::AddressRange& r : *ranges) {
      const MemoryTiming& m = area_of_region(r.region);  // checks every region up front
      if (r.length > 0)
        read_latency = std::max(read_latency, m.read_latency);
    }
  }
  job.read_latency = read_latency;
  job.write_latency = area_of_region(b.ofm.region).write_latency;

  // Accepted once the previous kernel has started.
  if (!kernels_.empty()) {
    const std::size_t previous = kernels_.size() - 1;
    run_until([&] { return kernels_[previous].started; });
    reader_ = std::max(reader_, kernels_[previous].start);
  }
  job.issue = reader_;
  advance_to(reader_);
  kernels_.push_back(std::move(job));
}

BlockWork StreamTimer::block(const KernelJob& job, int64_t index) {
  const BlockWork work = block_work(*job.op, index, setup_);
  OperationTiming& timing = result_.operations[job.timing];
  for (std::size_t a = 0; a < work.read.size(); ++a) {
    result_.traffic[a].read += work.read[a];
    timing.bytes_read += work.read[a];
  }
  result_.traffic[work.ofm_area].written += work.written;
  timing.bytes_written += work.written;
  timing.mac_cycles += work.compute;
  timing.output_cycles += work.out;
  timing.memory_cycles += work.memory;
  ++timing.blocks;
  return work;
}

// The memory ports: every memory serves the transfers on it with its whole bandwidth, shared
// fairly. The DMA takes at most an equal share of a port that kernel traffic also wants (less
// if it needs less, or is held back on its other memory); the kernel's transfers share the
// rest.
StreamTimer::Rates StreamTimer::rates() const {
  Rates r;
  std::array<int, arch::kMemAreaCount> kernel_flows{};
  for (std::size_t a = 0; a < kernel_flows.size(); ++a) {
    if (mac_ && mac_->remaining[a] > kEpsilon)
      ++kernel_flows[a];
    if (out_ && out_->remaining[a] > kEpsilon)
      ++kernel_flows[a];
  }
  const bool dma_data = dma_phase_ == DmaPhase::kData && dma_remaining_ > kEpsilon;
  const PortWork* share = dma_data ? &dmas_[dma_head_].share : nullptr;
  if (dma_data) {
    r.dma = 1;
    for (std::size_t a = 0; a < kernel_flows.size(); ++a) {
      if (kernel_flows[a] == 0 || (*share)[a] <= 0)
        continue;
      const double fair = 1.0 / (kernel_flows[a] + 1);
      if ((*share)[a] > fair)
        r.dma = std::min(r.dma, fair / (*share)[a]);
    }
  }
  for (std::size_t a = 0; a < kernel_flows.size(); ++a) {
    if (kernel_flows[a] == 0)
      continue;
    const double left = std::max(0.0, 1.0 - (share ? r.dma * (*share)[a] : 0.0));
    const double each = left / kernel_flows[a];
    if (mac_ && mac_->remaining[a] > kEpsilon)
      r.mac[a] = each;
    if (out_ && out_->remaining[a] > kEpsilon)
      r.out[a] = each;
  }
  return r;
}

std::optional<double> StreamTimer::first_block_ready(std::size_t kernel) const {
  const KernelJob& job = kernels_[kernel];
  double dependency = 0;
  if (kernel > 0) {
    const KernelJob& previous = kernels_[kernel - 1];
    const int blockdep = job.op->block->blockdep;
    if (blockdep > 0 && !previous.block_mac_starts.empty()) {
      // Its first MAC stage may start once the previous kernel's b-th last block has begun its
      // MAC stage.
      const std::size_t n = previous.block_mac_starts.size();
      const auto b = static_cast<std::size_t>(blockdep);
      dependency = previous.block_mac_starts[b >= n ? 0 : n - b];
    } else {
      if (!previous.ended)
        return std::nullopt;
      dependency = previous.end;
    }
  }
  return std::max(job.issue, dependency) + static_cast<double>(job.read_latency);
}

bool StreamTimer::try_start_block() {
  // Two accumulator buffers: a block enters the MAC stage when at most one other is between
  // its MAC stage and the end of its output stage.
  if (waiting_ && out_)
    return false;
  while (cursor_ < kernels_.size()) {
    KernelJob& job = kernels_[cursor_];
    if (!job.started) {
      const std::optional<double> ready = first_block_ready(cursor_);
      if (!ready || *ready > now_ + kEpsilon)
        return false;
      if (job.blocks == 0) {
        // Nothing to compute: it ends once the blocks before it have been written.
        if (out_ || waiting_)
          return false;
        job.started = true;
        job.start = now_ - static_cast<double>(job.read_latency);
        job.ended = true;
        job.end = std::max(last_out_end_, job.start) + static_cast<double>(job.write_latency);
        if (cursor_ > 0)
          kernels_[cursor_ - 1].block_mac_starts = {};
        ++cursor_;
        continue;
      }
      job.started = true;
      job.start = now_ - static_cast<double>(job.read_latency);
      // The kernel before the previous one is no longer needed for BLOCKDEP.
      if (cursor_ > 0)
        kernels_[cursor_ - 1].block_mac_starts.shrink_to_fit();
      if (cursor_ > 1)
        kernels_[cursor_ - 2].block_mac_starts = {};
    }
    const int64_t index = job.next_block++;
    const BlockWork work = block(job, index);
    job.block_mac_starts.push_back(now_);
    StageWork stage;
    stage.kernel = cursor_;
    stage.last = job.next_block == job.blocks;
    stage.elementwise = job.op->kind == npu::OperationKind::kElementwise;
    stage.port = work.port;
    stage.out = work.out;
    stage.memory = work.memory;
    if (stage.elementwise) {
      // No MAC stage: its reads and writes move in the output stage.
      stage.floor_end = now_;
      stage.alone_end = now_;
    } else {
      stage.floor_end = now_ + static_cast<double>(work.compute);
      stage.alone_end = now_ + static_cast<double>(std::max(work.compute, work.memory));
      stage.remaining = work.port;
    }
    mac_ = stage;
    if (stage.last)
      ++cursor_;
    return true;
  }
  return false;
}

void StreamTimer::begin_output(StageWork stage) {
  stage.floor_end = now_ + static_cast<double>(stage.out);
  if (stage.elementwise) {
    stage.remaining = stage.port;
    stage.alone_end = now_ + static_cast<double>(std::max(stage.out, stage.memory));
  }
  out_ = stage;
}

void StreamTimer::finish_output() {
  const StageWork stage = *out_;
  out_.reset();
  KernelJob& job = kernels_[stage.kernel];
  if (stage.elementwise)
    job.port_wait += std::max(0.0, now_ - stage.alone_end);
  last_out_end_ = now_;
  if (stage.last) {
    job.ended = true;
    job.end = now_ + static_cast<double>(job.write_latency);
  }
}

void StreamTimer::finish_dma() {
  DmaJob& job = dmas_[dma_head_];
  job.ended = true;
  job.end = dma_phase_end_;
  const double alone =
      job.alone > 0 ? job.start + static_cast<double>(job.latency + job.write_latency) + job.alone
                    : job.start;
  dma_port_wait_[dma_head_] = std::max(0.0, job.end - alone);
  dma_free_ = job.end;
  dma_phase_ = DmaPhase::kIdle;
  ++dma_head_;
}

// Every transition due at the current time.
void StreamTimer::settle() {
  for (bool changed = true; changed;) {
    changed = false;
    if (dma_phase_ == DmaPhase::kIdle && dma_head_ < dmas_.size() &&
        dmas_[dma_head_].issue <= now_ + kEpsilon) {
      DmaJob& job = dmas_[dma_head_];
      job.started = true;
      job.start = std::max(job.issue, dma_free_);
      dma_remaining_ = job.alone;
      if (job.alone <= 0) {
        dma_phase_end_ = job.start;
        finish_dma();
      } else {
        dma_phase_ = DmaPhase::kLatency;
        dma_phase_end_ = job.start + static_cast<double>(job.latency);
      }
      changed = true;
    }
    if (dma_phase_ == DmaPhase::kLatency && dma_phase_end_ <= now_ + kEpsilon) {
      dma_phase_ = DmaPhase::kData;
      changed = true;
    }
    if (dma_phase_ == DmaPhase::kData && dma_remaining_ <= kEpsilon) {
      dma_phase_ = DmaPhase::kWrite;
      dma_phase_end_ = now_ + static_cast<double>(dmas_[dma_head_].write_latency);
      changed = true;
    }
    if (dma_phase_ == DmaPhase::kWrite && dma_phase_end_ <= now_ + kEpsilon) {
      finish_dma();
      changed = true;
    }
    if (out_ && out_->floor_end <= now_ + kEpsilon && all_moved(out_->remaining)) {
      finish_output();
      changed = true;
    }
    if (!out_ && waiting_) {
      begin_output(*waiting_);
      waiting_.reset();
      changed = true;
    }
    if (mac_ && mac_->floor_end <= now_ + kEpsilon && all_moved(mac_->remaining)) {
      StageWork stage = *mac_;
      mac_.reset();
      if (!stage.elementwise)
        kernels_[stage.kernel].port_wait += std::max(0.0, now_ - stage.alone_end);
      stage.remaining = {};
      if (!out_)
        begin_output(stage);
      else
        waiting_ = stage;
      changed = true;
    }
    if (!mac_ && try_start_block())
      changed = true;
  }
}

// Moves to the next event (at most to `limit`) and settles there; false when nothing is left
// to happen and no limit was given.
bool StreamTimer::step(double limit) {
  settle();
  const Rates r = rates();
  double next = limit;
  // (A transfer's completion is at least 2 epsilons away, so time always moves on.)
  auto consider = [&](double t) {
    if (t > now_ + kEpsilon)
      next = std::min(next, t);
  };
  switch (dma_phase_) {
    case DmaPhase::kLatency:
    case DmaPhase::kWrite:
      consider(dma_phase_end_);
      break;
    case DmaPhase::kData:
      if (r.dma > 0)
        consider(now_ + std::max(dma_remaining_ / r.dma, 2 * kEpsilon));
      break;
    case DmaPhase::kIdle:
      if (dma_head_ < dmas_.size())
        consider(dmas_[dma_head_].issue);
      break;
  }
  auto stage_events = [&](const std::optional<StageWork>& stage, const PortWork& rate) {
    if (!stage)
      return;
    consider(stage->floor_end);
    for (std::size_t a = 0; a < rate.size(); ++a)
      if (stage->remaining[a] > kEpsilon && rate[a] > 0)
        consider(now_ + std::max(stage->remaining[a] / rate[a], 2 * kEpsilon));
  };
  stage_events(mac_, r.mac);
  stage_events(out_, r.out);
  if (!mac_ && cursor_ < kernels_.size() && !kernels_[cursor_].started) {
    if (const std::optional<double> ready = first_block_ready(cursor_))
      consider(*ready);
  }
  if (next == kNever)
    return false;
  const double dt = next - now_;
  if (dma_phase_ == DmaPhase::kData) {
    dma_remaining_ -= r.dma * dt;
    if (dma_remaining_ < kEpsilon)
      dma_remaining_ = 0;
  }
  auto progress = [&](std::optional<StageWork>& stage, const PortWork& rate) {
    if (!stage)
      return;
    for (std::size_t a = 0; a < rate.size(); ++a) {
      stage->remaining[a] -= rate[a] * dt;
      if (stage->remaining[a] < kEpsilon)
        stage->remaining[a] = 0;
    }
  };
  progress(mac_, r.mac);
  progress(out_, r.out);
  now_ = next;
  settle();
  return true;
}

void StreamTimer::advance_to(double t) {
  while (now_ < t - kEpsilon)
    step(t);
  settle();
}

template <typename Done>
void StreamTimer::run_until(Done done) {
  settle();
  while (!done()) {
    if (!step(kNever))
      throw Error(ErrorKind::kInternal, "timing model: the stream cannot make progress");
  }
}

bool StreamTimer::idle() const {
  return dma_head_ == dmas_.size() && dma_phase_ == DmaPhase::kIdle && cursor_ == kernels_.size() &&
         !mac_ && !waiting_ && !out_ &&
         std::all_of(kernels_.begin(), kernels_.end(), [](const KernelJob& k) { return k.ended; });
}

TimingResult StreamTimer::run(std::span<const npu::DecodedCommand> commands,
                              std::span<const npu::NpuOperation> operations) {
  std::size_t next = 0;
  auto stall_until = [&](double until) {
    if (until > reader_) {
      result_.wait_stall_cycles += whole(until) - whole(reader_);
      reader_ = until;
    }
  };
  for (const npu::DecodedCommand& command : commands) {
    const npu::Opcode opcode = command.command.opcode;
    if (opcode == npu::Opcode::kOpStop)
      break;
    reader_ += command.word_count();
    if (opcode == npu::Opcode::kOpDmaWait || opcode == npu::Opcode::kOpKernelWait) {
      // In-order completion: at most `allowed` outstanding once the (size - allowed)-th has
      // ended.
      const uint32_t allowed = command.command.param & kWaitCountMask;
      if (opcode == npu::Opcode::kOpDmaWait && dmas_.size() > allowed) {
        const std::size_t i = dmas_.size() - 1 - allowed;
        run_until([&] { return dmas_[i].ended; });
        stall_until(dmas_[i].end);
      } else if (opcode == npu::Opcode::kOpKernelWait && kernels_.size() > allowed) {
        const std::size_t i = kernels_.size() - 1 - allowed;
        run_until([&] { return kernels_[i].ended; });
        stall_until(kernels_[i].end);
      }
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
    result_.operations.push_back(timing);
    try {
      if (op.kind == npu::OperationKind::kDma)
        launch_dma(op, result_.operations.size() - 1);
      else
        launch_kernel(op, result_.operations.size() - 1);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kUsage || e.kind() == ErrorKind::kInternal)
        throw;
      throw Error(e.kind(), fmt::format("command stream byte offset {:#x}: {} (operation {}): {}",
                                        op.byte_offset, npu::operation_kind_name(op.kind),
                                        timing.index, e.what()));
    }
  }
  run_until([&] { return idle(); });

  double total = reader_;
  double previous_end = 0;
  for (const KernelJob& k : kernels_) {
    OperationTiming& t = result_.operations[k.timing];
    t.issue = whole(k.issue);
    t.start = whole(k.start);
    t.end = whole(k.end);
    t.port_wait_cycles = whole(k.port_wait);
    result_.port_wait_cycles += t.port_wait_cycles;
    result_.kernel_busy_cycles +=
        std::max<int64_t>(t.end - std::max(t.start, whole(previous_end)), 0);
    previous_end = std::max(previous_end, k.end);
    total = std::max(total, k.end);
  }
  for (std::size_t i = 0; i < dmas_.size(); ++i) {
    const DmaJob& d = dmas_[i];
    OperationTiming& t = result_.operations[d.timing];
    t.issue = whole(d.issue);
    t.start = whole(d.start);
    t.end = whole(d.end);
    t.memory_cycles = t.end - t.start;
    t.port_wait_cycles = whole(dma_port_wait_[i]);
    result_.port_wait_cycles += t.port_wait_cycles;
    result_.dma_busy_cycles += t.end - t.start;
    total = std::max(total, d.end);
  }
  result_.total_cycles = whole(total);
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
