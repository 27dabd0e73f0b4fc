#pragma once
// A timed run of an Ethos-U55/U65 command stream: cycles per operation and in total, and the
// bytes each memory reads and writes. It is an estimate built independently of the scheduler's
// cost model (src/arch/performance*, src/scheduler): it shares no code or decision with them and
// reads only the command stream and the hardware and system facts (AcceleratorConfig,
// SystemConfig), so it can judge euc's plans and Vela's alike.
//
// What the public facts give (docs/npu_architecture.md, reference/design_brief.md, the system
// configs): MACs per cycle and the OFM micro-block of each accelerator, the 8-wide dot product,
// the elementwise units, the AXI data width (8 bytes U55, 16 bytes U65), each memory's clock
// scale, burst length and read/write latency, which AXI port holds constants (region 0), the
// arena (region 1) and the fast scratch (region 2), the DMA/kernel wait semantics and BLOCKDEP.
//
// What is modelled (assumptions, no measured hardware behind them):
// - Command reader: one command per cycle (a two-word command takes two). A kernel launch is
//   accepted once the previous kernel has started (one kernel may be pending); a DMA launch
//   once the previous DMA has started. NPU_OP_KERNEL_WAIT n / NPU_OP_DMA_WAIT n stall the reader
//   until at most n kernels / DMAs are outstanding (launched and not finished).
// - DMA: one channel, in order, concurrent with the kernel. Alone: source read latency +
//   ceil(bytes rounded up to the source's burst length / min(source, destination bandwidth))
//   + destination write latency, where a memory's bandwidth is AXI width x its clock scale bytes
//   per cycle; SHRAM moves AXI width bytes per cycle with no latency. 2D/3D stride modes move
//   DMA0_LEN bytes like 1D. Its data phase also takes a share of each external memory's port
//   (below): at full speed bytes / that memory's bandwidth over the copy's data cycles (a copy
//   within one memory takes its port once).
// - Memory ports: each memory (not SHRAM) is one port of its bandwidth, shared by the DMA and
//   the kernel and, within the kernel, by IFM, IFM2, weight, scale and OFM traffic alike (reads
//   and writes add up). A block's traffic needs bytes / bandwidth cycles of port time on each
//   memory, from the start of its MAC stage (of its output stage for ELEMENTWISE). Time runs
//   from event to event (a stage's compute bound ends, a transfer completes, a latency passes,
//   a launch is accepted); in between every transfer moves at a constant rate. A port that
//   several transfers want is shared fairly, as a round-robin arbiter of bursts does: the DMA
//   gets an equal share (less if it needs less, or is held back on its other memory), the
//   kernel's transfers split the rest equally; a transfer alone on a port gets all of it. So
//   neither a copy issued first nor a kernel issued first holds a port the other needs.
//   A launch is timed from the cycle the command reader issues it; the reader only learns that
//   a kernel has started when its first MAC stage begins, so a DMA issued in the read latency
//   before that begins its data phase no earlier than the cycle the kernel's start was seen.
// - Kernel: the OFM is walked block by block (the block config, clipped at the edges). Per block
//   a MAC stage and an output stage, pipelined with two accumulator buffers: block i+1's MAC
//   stage starts when block i's MAC stage has ended and block i-1's output stage has ended.
//   * MAC stage: every cycle the array computes one OFM micro-block (W x H x D) for one kernel
//     position and 8 IFM channels (8-bit IFM; 16-bit IFMs take two cycles). CONV: micro-blocks x
//     kernel positions x ceil(IFM depth / 8), in either weight traversal (part-kernel first
//     changes the order, not the packing: no kernel positions share the dot product).
//     DEPTHWISE and POOL: micro-blocks x kernel positions (one channel per MAC lane). The
//     weight decoder delivers 8 weights per cycle per core, reused by every micro-block of the
//     block: the stage takes at least block weights / 8. Two cores (U65-512) split the block
//     depth. The stage also takes at least the block's memory time (below).
//   * Output stage: elementwise-units elements per cycle for 8-bit OFMs (half for 16-bit, a
//     quarter for 32-bit); one element per cycle with a LUT, tanh or sigmoid activation.
//     ELEMENTWISE has no MAC stage: its blocks take the output stage time (32-bit operands
//     half rate), and their reads count in it.
//   * Memory per block: the IFM area under the block (kernel halo included, clipped to the
//     IFM, all IFM channels for CONV, the block's channels otherwise; NHCWB16 depth rounded to
//     16), its share of the weight and scale streams (they are re-read for every block column
//     and row: weight refetch per block), the OFM block written. Each contiguous run of bytes
//     moves in whole bursts. A block takes at least max over memories of bytes / bandwidth,
//     more when its memories' ports are busy with other transfers (Memory ports).
//   * The first block pays the read latency of the memories it reads, the last the OFM
//     memory's write latency.
//   * BLOCKDEP b: with b = 0 the kernel starts when the previous kernel has ended; with b > 0
//     its first MAC stage may start when the previous kernel's MAC stage has begun its b-th
//     last block (the MAC array itself stays in order).
// - The total is the cycle the last operation ends. It does not model bank conflicts, separate
//   AXI read and write channels, burst-level arbitration (the ports are shared as fluids),
//   stalls of the weight decoder on compressed streams, or SHRAM refill beyond the bytes read.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "arch/accelerator.hpp"
#include "arch/memory_area.hpp"
#include "arch/system_config.hpp"
#include "npu/command.hpp"
#include "npu/operation.hpp"

namespace euc::nputiming {

// Timing of one memory as the model uses it.
struct MemoryTiming {
  double bytes_per_cycle = 8;  // AXI width x clock scale
  int64_t burst_length = 1;
  int64_t read_latency = 0;
  int64_t write_latency = 0;
};

// The memory system a command stream runs on: which memory area each region (base pointer
// 0-7) lives in, and each area's timing.
struct TimingSetup {
  const arch::AcceleratorConfig* accelerator = nullptr;
  double core_clock = 500e6;  // Hz, only for printing times
  std::array<arch::MemArea, 8> region_area{};
  std::array<MemoryTiming, arch::kMemAreaCount> area{};
};

// Regions as TensorFlow Lite Micro's Ethos-U driver binds them: 0 the constants (flash tensor),
// 1 the arena, 2 the fast scratch; 3-7 (unused by Vela and euc) the arena.
TimingSetup timing_setup(const arch::SystemConfig& system, arch::Accelerator accelerator);

struct MemoryTraffic {
  int64_t read = 0;
  int64_t written = 0;
};

struct OperationTiming {
  std::size_t index = 0;  // in the stream's operations
  npu::OperationKind kind = npu::OperationKind::kConv;
  int64_t issue = 0;  // the cycle the command reader launched it
  int64_t start = 0;  // first cycle of work
  int64_t end = 0;    // cycle it finished
  int64_t blocks = 0;
  int64_t mac_cycles = 0;        // sum over blocks of the MAC stage's compute bound
  int64_t output_cycles = 0;     // sum over blocks of the output stage
  int64_t memory_cycles = 0;     // sum over blocks of the memory bound (alone on the ports)
  int64_t port_wait_cycles = 0;  // cycles its blocks or transfer waited for shared memory ports
  int64_t bytes_read = 0;        // over all memories (SHRAM excluded)
  int64_t bytes_written = 0;
  int64_t cycles() const { return end - start; }
};

struct TimingResult {
  std::vector<OperationTiming> operations;
  int64_t total_cycles = 0;
  int64_t wait_stall_cycles = 0;  // reader cycles spent in KERNEL_WAIT / DMA_WAIT
  int64_t kernel_busy_cycles = 0;
  int64_t dma_busy_cycles = 0;
  int64_t port_wait_cycles = 0;                              // sum over operations
  std::array<MemoryTraffic, arch::kMemAreaCount> traffic{};  // by arch::index_of(MemArea)
  MemoryTraffic shram_dma;                                   // DMA bytes into/out of SHRAM
};

// Times a decoded stream up to NPU_OP_STOP (or its end). `operations` are the stream's
// launched operations in order (npu::extract_operations). Throws an input error for an
// operation whose fields the model cannot time (a zero block config, a region outside 0-7, more
// than 4,194,304 OFM blocks in one operation or 16,777,216 in the stream).
TimingResult time_stream(std::span<const npu::DecodedCommand> commands,
                         std::span<const npu::NpuOperation> operations, const TimingSetup& setup);

// Decodes the words and times them.
TimingResult time_command_stream(std::span<const uint32_t> words, const TimingSetup& setup);

// The modelled time of one DMA of `bytes` between two memories (exposed for tests).
int64_t dma_cycles(uint64_t bytes, const MemoryTiming* source, const MemoryTiming* destination,
                   int axi_bytes);

}  // namespace euc::nputiming
