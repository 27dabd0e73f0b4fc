// The timing model on tiny command streams, against cycle counts derived by hand from the
// model's stated rules (timing_model.hpp): DMA time from bytes, bursts and latencies; MAC and
// output stage cycles of a block config; the block pipeline; KERNEL_WAIT / DMA_WAIT stalls;
// BLOCKDEP overlap.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "nputiming/timing_model.hpp"
#include "stream_builder.hpp"

namespace euc::nputiming {
namespace {

using npu::Opcode;
using npusim::test::Fm;
using npusim::test::StreamBuilder;

// Region 0: a slow flash (1 byte per cycle, 128-byte bursts, latency 64 read / 64 write);
// region 1: an SRAM (8 bytes per cycle, 32-byte bursts, latency 32 / 32) unless `fast`, when
// every memory moves 10,000 bytes per cycle without latency (memory never binds).
TimingSetup setup(bool fast = false) {
  TimingSetup s;
  s.accelerator = &arch::accelerator_config(arch::Accelerator::kEthosU55_256);
  s.region_area.fill(arch::MemArea::kSram);
  s.region_area[0] = arch::MemArea::kOffChipFlash;
  MemoryTiming& flash = s.area[arch::index_of(arch::MemArea::kOffChipFlash)];
  MemoryTiming& sram = s.area[arch::index_of(arch::MemArea::kSram)];
  if (fast) {
    flash = sram = MemoryTiming{10000, 1, 0, 0};
  } else {
    flash = MemoryTiming{1, 128, 64, 64};
    sram = MemoryTiming{8, 32, 32, 32};
  }
  return s;
}

// 9 command words: the five DMA registers (1 + 2 + 1 + 2 + 2 words) and the launch.
constexpr int64_t kDmaWords = 9;

TEST(TimingModel, DmaTimeFromBytesBurstsAndLatencies) {
  StreamBuilder s;
  s.dma(0, 0, 1, 0x100, 1000).stop();
  const TimingResult r = time_command_stream(s.words(), setup());
  ASSERT_EQ(r.operations.size(), 1u);
  const OperationTiming& dma = r.operations[0];
  EXPECT_EQ(dma.issue, kDmaWords);
  EXPECT_EQ(dma.start, kDmaWords);
  // read latency 64 + 1000 bytes in 128-byte bursts (1024 bytes) at 1 byte/cycle + write
  // latency 32 of the SRAM.
  EXPECT_EQ(dma.cycles(), 64 + 1024 + 32);
  EXPECT_EQ(r.total_cycles, kDmaWords + 64 + 1024 + 32);
  EXPECT_EQ(r.traffic[arch::index_of(arch::MemArea::kOffChipFlash)].read, 1000);
  EXPECT_EQ(r.traffic[arch::index_of(arch::MemArea::kSram)].written, 1000);
  EXPECT_EQ(r.dma_busy_cycles, 64 + 1024 + 32);
}

TEST(TimingModel, DmaIntoShramMovesAxiWidthPerCycle) {
  StreamBuilder s;
  s.dma(1, 0, 3, 0, 2048, /*dst_internal=*/true).stop();
  const TimingResult r = time_command_stream(s.words(), setup());
  ASSERT_EQ(r.operations.size(), 1u);
  // SRAM read latency 32, 2048 bytes (whole 32-byte bursts) at min(8, 8) bytes/cycle, no SHRAM
  // write latency.
  EXPECT_EQ(r.operations[0].cycles(), 32 + 256);
  EXPECT_EQ(r.shram_dma.written, 2048);
}

TEST(TimingModel, DmasQueueInOrder) {
  StreamBuilder s;
  s.dma(0, 0, 1, 0x100, 128).dma(0, 0x80, 1, 0x200, 128).stop();
  const TimingResult r = time_command_stream(s.words(), setup());
  ASSERT_EQ(r.operations.size(), 2u);
  const int64_t one = 64 + 128 + 32;
  EXPECT_EQ(r.operations[0].end, kDmaWords + one);
  // Launched 9 words later, it starts when the first has ended.
  EXPECT_EQ(r.operations[1].issue, 2 * kDmaWords);
  EXPECT_EQ(r.operations[1].start, r.operations[0].end);
  EXPECT_EQ(r.total_cycles, kDmaWords + 2 * one);
}

// A 1x1 CONV, IFM 8x8x64 int8 NHWC, OFM 8x8x16, with an OFM block of `block_w` x `block_h` x 16.
StreamBuilder& conv_1x1(StreamBuilder& s, int block_w, int block_h, int blockdep = 0,
                        uint64_t ofm_base = 0x4000) {
  const Fm ifm{.region = 1, .base = 0, .h = 8, .w = 8, .c = 64};
  const Fm ofm{.region = 1, .base = ofm_base, .h = 8, .w = 8, .c = 16};
  s.ifm(ifm).ofm(ofm).kernel(1, 1).padding(0, 0, 0, 0).activation(0, -128, 127);
  s.weights(0, 0x400, 1024).scales(0, 0, 160).block(16);
  s.cmd0(Opcode::kSetOfmBlkWidthM1, static_cast<uint16_t>(block_w - 1));
  s.cmd0(Opcode::kSetOfmBlkHeightM1, static_cast<uint16_t>(block_h - 1));
  s.cmd0(Opcode::kSetBlockdep, static_cast<uint16_t>(blockdep));
  return s.conv();
}

TEST(TimingModel, ConvMacCyclesOfOneBlock) {
  StreamBuilder s;
  conv_1x1(s, 8, 8).stop();
  const TimingResult r = time_command_stream(s.words(), setup(/*fast=*/true));
  ASSERT_EQ(r.operations.size(), 1u);
  const OperationTiming& conv = r.operations[0];
  EXPECT_EQ(conv.blocks, 1);
  // ethos-u55-256: micro-block 2x2x8, so an 8x8x16 block is 4 x 4 x 2 = 32 micro-blocks; each
  // takes ceil(64 / 8) = 8 cycles per kernel position (one position). The weight decoder needs
  // 1 x 64 x 16 / 8 = 128 cycles, fewer.
  EXPECT_EQ(conv.mac_cycles, 32 * 8);
  // Output stage: 8 x 8 x 16 int8 elements at 8 per cycle.
  EXPECT_EQ(conv.output_cycles, 128);
  EXPECT_EQ(conv.cycles(), 256 + 128);
}

TEST(TimingModel, ConvBlocksPipelineMacAndOutputStages) {
  StreamBuilder s;
  conv_1x1(s, 4, 4).stop();
  const TimingResult r = time_command_stream(s.words(), setup(true));
  const OperationTiming& conv = r.operations.at(0);
  EXPECT_EQ(conv.blocks, 4);
  // Per 4x4x16 block: 2 x 2 x 2 = 8 micro-blocks x 8 = 64 MAC cycles, but the weight decoder
  // needs 64 x 16 / 8 = 128 (the weights are decoded again for every block): 128 per block.
  EXPECT_EQ(conv.mac_cycles, 4 * 128);
  EXPECT_EQ(conv.output_cycles, 4 * 32);  // 256 elements / 8
  // MAC stages back to back, the last block's output stage after them.
  EXPECT_EQ(conv.cycles(), 4 * 128 + 32);
}

TEST(TimingModel, ShallowConvPadsChannelsToTheDotProduct) {
  // A 3x3 CONV on an RGB IFM (10x10x3), OFM 8x8x16 in one block, part-kernel first: 32
  // micro-blocks x 9 positions x ceil(3 / 8) = 1 cycle each.
  StreamBuilder s;
  const Fm ifm{.region = 1, .base = 0, .h = 10, .w = 10, .c = 3};
  const Fm ofm{.region = 1, .base = 0x4000, .h = 8, .w = 8, .c = 16};
  s.ifm(ifm).ofm(ofm).kernel(3, 3, 1, 1, 1, 1, /*part_kernel_first=*/true);
  s.padding(0, 0, 0, 0).activation(0, -128, 127).weights(0, 0x400, 512).scales(0, 0, 160);
  s.block(16).cmd0(Opcode::kSetOfmBlkWidthM1, 7).cmd0(Opcode::kSetOfmBlkHeightM1, 7).conv().stop();
  const TimingResult r = time_command_stream(s.words(), setup(true));
  // The weight decoder: 9 x 3 x 16 / 8 = 54 cycles, fewer than the MAC array's 288.
  EXPECT_EQ(r.operations.at(0).mac_cycles, 32 * 9);
}

TEST(TimingModel, PoolMacCyclesPerKernelPosition) {
  StreamBuilder s;
  const Fm ifm{.region = 1, .base = 0, .h = 10, .w = 10, .c = 16};
  const Fm ofm{.region = 1, .base = 0x4000, .h = 8, .w = 8, .c = 16};
  s.ifm(ifm).ofm(ofm).kernel(3, 3).padding(0, 0, 0, 0).activation(0, -128, 127).block(16);
  s.cmd0(Opcode::kSetOfmBlkWidthM1, 7).cmd0(Opcode::kSetOfmBlkHeightM1, 7);
  s.ofm_scale(1, 0).pool(npu::PoolingMode::kMax).stop();
  const TimingResult r = time_command_stream(s.words(), setup(true));
  const OperationTiming& pool = r.operations.at(0);
  // 32 micro-blocks x 9 kernel positions.
  EXPECT_EQ(pool.mac_cycles, 32 * 9);
  EXPECT_EQ(pool.output_cycles, 128);
}

TEST(TimingModel, ElementwiseRunsAtTheElementwiseUnitsRate) {
  StreamBuilder s;
  const Fm a{.region = 1, .base = 0, .h = 8, .w = 8, .c = 16};
  const Fm b{.region = 1, .base = 0x1000, .h = 8, .w = 8, .c = 16};
  const Fm out{.region = 1, .base = 0x2000, .h = 8, .w = 8, .c = 16};
  s.ifm(a).ifm2(b).ofm(out).activation(0, -128, 127).block(16);
  s.cmd0(Opcode::kSetOfmBlkWidthM1, 7).cmd0(Opcode::kSetOfmBlkHeightM1, 7);
  s.ofm_scale(1, 0).opa_scale(1, 0).opb_scale(1).ifm2_broadcast(false, false, false, false, false);
  s.elementwise(npu::ElementwiseMode::kAdd).stop();
  const TimingResult r = time_command_stream(s.words(), setup(true));
  const OperationTiming& add = r.operations.at(0);
  // ethos-u55-256 has 8 elementwise units: 1024 elements in 128 cycles, no MAC stage.
  EXPECT_EQ(add.mac_cycles, 0);
  EXPECT_EQ(add.output_cycles, 128);
  EXPECT_EQ(add.cycles(), 128);
  // Both operands read, the result written.
  EXPECT_EQ(r.traffic[arch::index_of(arch::MemArea::kSram)].read, 2048);
  EXPECT_EQ(r.traffic[arch::index_of(arch::MemArea::kSram)].written, 1024);
}

TEST(TimingModel, TwoCoresSplitTheBlockDepth) {
  StreamBuilder s;
  conv_1x1(s, 8, 8);
  s.cmd0(Opcode::kSetParallelMode, 1).conv().stop();  // the same CONV again, on two cores
  TimingSetup two = setup(true);
  two.accelerator = &arch::accelerator_config(arch::Accelerator::kEthosU65_512);
  const TimingResult r = time_command_stream(s.words(), two);
  ASSERT_EQ(r.operations.size(), 2u);
  // One core: 32 micro-blocks x 8 = 256 MAC cycles; two: each 8 of the 16 channels, 128.
  EXPECT_EQ(r.operations[0].mac_cycles, 256);
  EXPECT_EQ(r.operations[1].mac_cycles, 128);
  EXPECT_EQ(r.operations[1].output_cycles, 64);
}

TEST(TimingModel, RefusesMoreBlocksThanItWalks) {
  StreamBuilder s;
  const Fm ifm{.region = 1, .base = 0, .h = 4096, .w = 4096, .c = 16};
  const Fm ofm{.region = 1, .base = 0, .h = 4096, .w = 4096, .c = 16};
  s.ifm(ifm).ofm(ofm).kernel(1, 1).padding(0, 0, 0, 0).activation(0, -128, 127).block(16);
  s.cmd0(Opcode::kSetOfmBlkWidthM1, 0).cmd0(Opcode::kSetOfmBlkHeightM1, 0);
  s.ofm_scale(1, 0).pool(npu::PoolingMode::kMax).stop();
  try {
    time_command_stream(s.words(), setup(true));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("OFM blocks"), std::string::npos) << e.what();
  }
}

TEST(TimingModel, SlowMemoryBoundsTheBlock) {
  StreamBuilder s;
  conv_1x1(s, 8, 8).stop();
  TimingSetup slow = setup(true);
  // The IFM's SRAM at 1 byte per cycle: the block reads 8 x 8 x 64 IFM bytes, writes 1024 OFM
  // bytes to the same memory; weights and scales come from region 0, still fast.
  slow.region_area[0] = arch::MemArea::kOffChipFlash;
  slow.area[arch::index_of(arch::MemArea::kSram)] = MemoryTiming{1, 1, 0, 0};
  const TimingResult r = time_command_stream(s.words(), slow);
  const OperationTiming& conv = r.operations.at(0);
  EXPECT_EQ(conv.memory_cycles, 4096 + 1024);
  EXPECT_EQ(conv.cycles(), 4096 + 1024 + 128);
  EXPECT_EQ(r.traffic[arch::index_of(arch::MemArea::kSram)].read, 4096);
  EXPECT_EQ(r.traffic[arch::index_of(arch::MemArea::kSram)].written, 1024);
  EXPECT_EQ(r.traffic[arch::index_of(arch::MemArea::kOffChipFlash)].read, 1024 + 160);
}

TEST(TimingModel, DmaRunsConcurrentlyWithTheKernel) {
  StreamBuilder s;
  conv_1x1(s, 8, 8);
  s.dma(0, 0, 1, 0x8000, 128).stop();
  const TimingResult r = time_command_stream(s.words(), setup());
  ASSERT_EQ(r.operations.size(), 2u);
  const OperationTiming& conv = r.operations[0];
  const OperationTiming& dma = r.operations[1];
  EXPECT_LT(dma.start, conv.end);
  EXPECT_EQ(dma.issue, conv.issue + kDmaWords);
  EXPECT_EQ(r.wait_stall_cycles, 0);
}

TEST(TimingModel, KernelWaitStallsTheReader) {
  StreamBuilder s;
  conv_1x1(s, 8, 8);
  s.kernel_wait(0).dma(0, 0, 1, 0x8000, 128).stop();
  const TimingResult r = time_command_stream(s.words(), setup());
  ASSERT_EQ(r.operations.size(), 2u);
  const OperationTiming& conv = r.operations[0];
  const OperationTiming& dma = r.operations[1];
  // The wait (one word, read right after the launch) holds the reader until the CONV ends.
  EXPECT_EQ(r.wait_stall_cycles, conv.end - (conv.issue + 1));
  EXPECT_EQ(dma.issue, conv.end + kDmaWords);
  EXPECT_EQ(r.total_cycles, dma.end);
}

TEST(TimingModel, DmaWaitHoldsTheKernel) {
  StreamBuilder s;
  s.dma(0, 0, 1, 0x8000, 1000).dma_wait(0);
  conv_1x1(s, 8, 8).stop();
  const TimingResult r = time_command_stream(s.words(), setup());
  ASSERT_EQ(r.operations.size(), 2u);
  EXPECT_GE(r.operations[1].issue, r.operations[0].end);
  EXPECT_GE(r.operations[1].start, r.operations[0].end);
  EXPECT_GT(r.wait_stall_cycles, 0);
}

TEST(TimingModel, BlockdepOverlapsTheOutputDrain) {
  auto two_convs = [](int blockdep) {
    StreamBuilder s;
    conv_1x1(s, 4, 4, 0, 0x4000);
    conv_1x1(s, 4, 4, blockdep, 0x5000).stop();
    return time_command_stream(s.words(), setup(true));
  };
  const TimingResult serial = two_convs(0);
  const TimingResult overlapped = two_convs(1);
  ASSERT_EQ(serial.operations.size(), 2u);
  // BLOCKDEP 0: the second starts when the first has ended.
  EXPECT_EQ(serial.operations[1].start, serial.operations[0].end);
  // BLOCKDEP 1: its MAC stage starts when the first's MAC stage is done, during the first's
  // last output stage (32 cycles).
  EXPECT_EQ(overlapped.operations[1].start, overlapped.operations[0].end - 32);
  EXPECT_EQ(overlapped.total_cycles, serial.total_cycles - 32);
}

TEST(TimingModel, Deterministic) {
  StreamBuilder s;
  s.dma(0, 0, 1, 0x8000, 1000);
  conv_1x1(s, 4, 4);
  s.kernel_wait(1).dma(0, 0, 1, 0x9000, 500).dma_wait(0);
  conv_1x1(s, 8, 8, 2, 0x6000).stop();
  const TimingResult a = time_command_stream(s.words(), setup());
  const TimingResult b = time_command_stream(s.words(), setup());
  ASSERT_EQ(a.operations.size(), b.operations.size());
  for (std::size_t i = 0; i < a.operations.size(); ++i) {
    EXPECT_EQ(a.operations[i].start, b.operations[i].start);
    EXPECT_EQ(a.operations[i].end, b.operations[i].end);
  }
  EXPECT_EQ(a.total_cycles, b.total_cycles);
}

// Shared memory ports. Region 0 a DRAM (`dram_rate` bytes per cycle), region 1 an SRAM
// (`sram_rate`), region 2 a flash (1 byte per cycle); 1-byte bursts and no latencies, so port
// times are bytes / rate.
TimingSetup port_setup(double dram_rate, double sram_rate) {
  TimingSetup s;
  s.accelerator = &arch::accelerator_config(arch::Accelerator::kEthosU55_256);
  s.region_area.fill(arch::MemArea::kSram);
  s.region_area[0] = arch::MemArea::kDram;
  s.region_area[2] = arch::MemArea::kOffChipFlash;
  s.area[arch::index_of(arch::MemArea::kDram)] = MemoryTiming{dram_rate, 1, 0, 0};
  s.area[arch::index_of(arch::MemArea::kSram)] = MemoryTiming{sram_rate, 1, 0, 0};
  s.area[arch::index_of(arch::MemArea::kOffChipFlash)] = MemoryTiming{1, 1, 0, 0};
  return s;
}

TEST(TimingModel, DmaAndKernelShareTheDramPortFairly) {
  // conv_1x1 in one 8x8x16 block reads its 1024 weight + 160 scale bytes from the DRAM
  // (region 0) at 1 byte per cycle: 1184 port cycles from the CONV's start c (MAC 256 and the
  // IFM/OFM on the fast SRAM bind less). The DMA of 1000 bytes DRAM -> SRAM launched 9 words
  // later (alone 1000 cycles) shares the port half and half with the weights from c + 9: it
  // moves its 1000 in 2000 cycles, ending at c + 2009, while the weights move 1000 more; the
  // last 175 weight cycles run alone: the MAC stage ends at c + 2184 (the port's 1184 + 1000
  // cycles of work), then the output stage's 128.
  StreamBuilder s;
  conv_1x1(s, 8, 8);
  s.dma(0, 0x8000, 1, 0x8000, 1000).stop();
  const TimingResult r = time_command_stream(s.words(), port_setup(1, 10000));
  ASSERT_EQ(r.operations.size(), 2u);
  const OperationTiming& conv = r.operations[0];
  const OperationTiming& dma = r.operations[1];
  EXPECT_EQ(conv.start, conv.issue);
  EXPECT_EQ(conv.end, conv.start + 1184 + 1000 + 128);
  EXPECT_EQ(conv.port_wait_cycles, 1000);
  EXPECT_EQ(dma.start, conv.issue + kDmaWords);
  EXPECT_EQ(dma.end, conv.start + kDmaWords + 2000);
  EXPECT_EQ(dma.port_wait_cycles, 1000);
  EXPECT_EQ(r.total_cycles, conv.end);
}

TEST(TimingModel, AnEarlierDmaDoesNotHoldThePortFromTheKernel) {
  // The other order: the DMA (launched first, at 9) has the DRAM to itself until the CONV
  // starts at c < 1009, then both get half: the DMA's last 1009 - c cycles take twice that,
  // ending at 2018 - c, and the weights move 1009 - c meanwhile; the rest alone. The port does
  // the same work in all: the MAC stage ends at 9 + 1000 + 1184.
  StreamBuilder s;
  s.dma(0, 0x8000, 1, 0x8000, 1000);
  conv_1x1(s, 8, 8).stop();
  const TimingResult r = time_command_stream(s.words(), port_setup(1, 10000));
  ASSERT_EQ(r.operations.size(), 2u);
  const OperationTiming& dma = r.operations[0];
  const OperationTiming& conv = r.operations[1];
  ASSERT_LT(conv.issue, kDmaWords + 1000);
  EXPECT_EQ(dma.end, 2 * (kDmaWords + 1000) - conv.issue);
  EXPECT_EQ(conv.start, conv.issue);
  EXPECT_EQ(conv.end, kDmaWords + 1000 + 1184 + 128);
  EXPECT_EQ(conv.port_wait_cycles, kDmaWords + 1000 - conv.issue);
}

TEST(TimingModel, DmaAndBlocksShareThePortBlockByBlock) {
  // conv_1x1 in four 4x4x16 blocks, DRAM at 16 bytes per cycle: each block's MAC stage takes
  // 128 cycles (the weight decoder) and re-reads the 1184 weight and scale bytes in
  // ceil(1184 / 16) = 74 port cycles from its start. A DMA of 1600 bytes (100 cycles alone)
  // launched 9 words after the CONV: block 0 moves 9 alone, then 65 at half speed (130 cycles,
  // its MAC stage ends at c + 139 instead of c + 128) while the DMA moves 65; block 1 shares
  // until the DMA's last 35 are done at c + 209 and ends on its 128-cycle bound at c + 267;
  // blocks 2 and 3 run alone: the last MAC stage ends at c + 523, its output stage at c + 555.
  StreamBuilder s;
  conv_1x1(s, 4, 4);
  s.dma(0, 0x8000, 1, 0x8000, 1600).stop();
  const TimingResult r = time_command_stream(s.words(), port_setup(16, 10000));
  ASSERT_EQ(r.operations.size(), 2u);
  const OperationTiming& conv = r.operations[0];
  const OperationTiming& dma = r.operations[1];
  EXPECT_EQ(conv.cycles(), 4 * 128 + 11 + 32);
  EXPECT_EQ(conv.port_wait_cycles, 11);
  EXPECT_EQ(dma.end, conv.start + 209);
  EXPECT_EQ(dma.port_wait_cycles, 209 - kDmaWords - 100);
}

TEST(TimingModel, DmaFromAnotherMemoryOverlapsFully) {
  // As DmaWaitsForTheDramPortTheKernelsWeightsHold, the DMA reading the flash (region 2): no
  // port shared, both run as alone.
  StreamBuilder s;
  conv_1x1(s, 8, 8);
  s.dma(2, 0x8000, 1, 0x8000, 1000).stop();
  const TimingResult r = time_command_stream(s.words(), port_setup(1, 10000));
  ASSERT_EQ(r.operations.size(), 2u);
  const OperationTiming& conv = r.operations[0];
  const OperationTiming& dma = r.operations[1];
  EXPECT_EQ(conv.end, conv.start + 1184 + 128);
  EXPECT_EQ(dma.end, conv.issue + kDmaWords + 1000);
  EXPECT_EQ(r.port_wait_cycles, 0);
  EXPECT_EQ(r.total_cycles, conv.end);
}

TEST(TimingModel, DmaIntoSramSharesItWithTheKernelsFeatureMaps) {
  // SRAM at 8 bytes per cycle, DRAM fast. The DMA DRAM -> SRAM of 800 bytes (launched first)
  // needs the SRAM for 100 cycles from 9. conv_1x1 in one 8x8x16 block reads 8 x 8 x 64 IFM
  // bytes and writes 1,024 OFM bytes on the SRAM: 5,120 / 8 = 640 port cycles (more than its
  // 256 MAC cycles); starting at c < 109 it shares the SRAM with the DMA, and the port's work
  // of both ends at 9 + 100 + 640, then the 128-cycle output stage.
  StreamBuilder s;
  s.dma(0, 0x8000, 1, 0x8000, 800);
  conv_1x1(s, 8, 8).stop();
  const TimingResult r = time_command_stream(s.words(), port_setup(10000, 8));
  ASSERT_EQ(r.operations.size(), 2u);
  const OperationTiming& dma = r.operations[0];
  const OperationTiming& conv = r.operations[1];
  ASSERT_LT(conv.issue, kDmaWords + 100);
  EXPECT_EQ(dma.end, 2 * (kDmaWords + 100) - conv.issue);  // half speed once the CONV starts
  EXPECT_EQ(conv.memory_cycles, 640);
  EXPECT_EQ(conv.end, kDmaWords + 100 + 640 + 128);
}

TEST(TimingModel, QueuedDmasShareThePortBackToBack) {
  // 2,000 DMAs queued behind one long kernel, all on the DRAM port it also uses (16 bytes per
  // cycle; each DMA 256 bytes, 16 cycles alone). The weights' 74 port cycles: 9 alone, then
  // half speed beside DMAs 1-4 (32 cycles each) and the first 2 cycles of DMA 5; from then on
  // the DMAs run back to back, the last ending when the port has done all the work.
  StreamBuilder s;
  conv_1x1(s, 8, 8);
  for (int i = 0; i < 2000; ++i)
    s.dma(0, 0x8000, 1, 0x8000, 256);
  s.stop();
  const TimingResult r = time_command_stream(s.words(), port_setup(16, 10000));
  ASSERT_EQ(r.operations.size(), 2001u);
  const OperationTiming& conv = r.operations[0];
  // The weights end by c + 139, well inside the 256 MAC cycles.
  EXPECT_EQ(conv.end, conv.start + 256 + 128);
  EXPECT_EQ(conv.port_wait_cycles, 0);
  EXPECT_EQ(r.operations[1].end, conv.start + kDmaWords + 32);
  EXPECT_EQ(r.operations[4].end, conv.start + kDmaWords + 4 * 32);
  EXPECT_EQ(r.operations[5].end, conv.start + kDmaWords + 4 * 32 + 2 + 15);
  EXPECT_EQ(r.operations.back().end, conv.start + 74 + 2000 * 16);
}

TEST(TimingModel, ManyBlocksShareThePortWithADma) {
  // A 300x300x16 max pool in 1x1x16 blocks: 90,000 blocks, each reading its 16 IFM bytes from
  // the DRAM in 1 port cycle of a 2-cycle MAC stage. The DMA behind it (1,000 bytes, 63 cycles
  // alone), ready at c + 9: the port is free for it in [c + 9, c + 10) (block 4 moved its byte
  // in [c + 8, c + 9)); from block 5 on each block's port cycle is shared, taking the whole
  // 2-cycle stage, so the pool is not slowed and the DMA gets 1 cycle per block: its other 62
  // take blocks 5-66, ending at c + 134.
  StreamBuilder s;
  const Fm ifm{.region = 0, .base = 0, .h = 300, .w = 300, .c = 16};
  const Fm ofm{.region = 1, .base = 0, .h = 300, .w = 300, .c = 16};
  s.ifm(ifm).ofm(ofm).kernel(1, 1).padding(0, 0, 0, 0).activation(0, -128, 127).block(16);
  s.cmd0(Opcode::kSetOfmBlkWidthM1, 0).cmd0(Opcode::kSetOfmBlkHeightM1, 0);
  s.ofm_scale(1, 0).pool(npu::PoolingMode::kMax);
  s.dma(0, 0x200000, 1, 0x200000, 1000).stop();
  const TimingResult a = time_command_stream(s.words(), port_setup(16, 10000));
  const TimingResult b = time_command_stream(s.words(), port_setup(16, 10000));
  ASSERT_EQ(a.operations.size(), 2u);
  const OperationTiming& pool = a.operations[0];
  const OperationTiming& dma = a.operations[1];
  EXPECT_EQ(pool.blocks, 90000);
  EXPECT_EQ(pool.port_wait_cycles, 0);
  EXPECT_EQ(pool.mac_cycles, 2 * 90000);
  EXPECT_EQ(dma.start, pool.start + kDmaWords);
  EXPECT_EQ(dma.end, pool.start + 134);
  EXPECT_EQ(dma.end, b.operations[1].end);
  EXPECT_EQ(a.total_cycles, b.total_cycles);
}

TEST(TimingModel, RejectsASetupWithoutAccelerator) {
  StreamBuilder s;
  s.dma(0, 0, 1, 0x100, 16).stop();
  TimingSetup bad = setup();
  bad.accelerator = nullptr;
  EXPECT_THROW(time_command_stream(s.words(), bad), Error);
}

}  // namespace
}  // namespace euc::nputiming
