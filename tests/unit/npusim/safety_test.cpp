// The simulator as a checker: every bad access, field and missing wait is an input error naming
// the command's byte offset and the operation.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "stream_builder.hpp"

namespace euc::npusim::test {
namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const Fm kIfm{1, 0x0, 4, 4, 8, 8, true, false, 0};
const Fm kOfm{1, 0x100, 4, 4, 8, 8, true, false, 0};

StreamBuilder max_pool(const Fm& ifm, const Fm& ofm) {
  StreamBuilder s;
  s.ifm(ifm).ofm(ofm).kernel(1, 1).block();
  return s;
}

TEST(Safety, ReadPastTheRegionNamesOffsetAndOperation) {
  TestMemory m(0x100, 0x140);  // the OFM's 128 bytes from 0x100 do not fit
  store(*m.scratch, kIfm, std::vector<int32_t>(128, 1));
  StreamBuilder s = max_pool(kIfm, kOfm);
  const std::size_t at = s.offset();
  s.pool(npu::PoolingMode::kMax).stop();
  const std::string e = error_of([&] { run(m, s); });
  EXPECT_TRUE(contains(e, fmt::format("command stream byte offset {:#x}: POOL", at))) << e;
  EXPECT_TRUE(contains(e, "operation 0")) << e;
  EXPECT_TRUE(contains(e, "run past the end of scratch")) << e;
}

TEST(Safety, ReadingBytesNoOneWroteIsAnError) {
  TestMemory m(0x100, 0x400);
  StreamBuilder s = max_pool(kIfm, kOfm);
  s.pool(npu::PoolingMode::kMax).stop();
  EXPECT_TRUE(contains(error_of([&] { run(m, s); }), "holds no data"));
}

TEST(Safety, WritingFlashIsAnError) {
  TestMemory m(0x400, 0x400);
  store(*m.scratch, kIfm, std::vector<int32_t>(128, 1));
  Fm ofm = kOfm;
  ofm.region = 0;
  StreamBuilder s = max_pool(kIfm, ofm);
  s.pool(npu::PoolingMode::kMax).stop();
  EXPECT_TRUE(contains(error_of([&] { run(m, s); }), "read only"));
}

TEST(Safety, KernelReadingWhatAnOutstandingDmaWritesNeedsADmaWait) {
  TestMemory m(0x400, 0x400);
  m.flash->write(0, std::vector<uint8_t>(128, 3));
  StreamBuilder racing;
  racing.dma(0, 0, 1, kIfm.base, 128);
  racing.ifm(kIfm).ofm(kOfm).kernel(1, 1).block().pool(npu::PoolingMode::kMax).stop();
  EXPECT_TRUE(contains(error_of([&] { run(m, racing); }), "NPU_OP_DMA_WAIT is missing"));

  StreamBuilder waiting;
  waiting.dma(0, 0, 1, kIfm.base, 128).dma_wait();
  waiting.ifm(kIfm).ofm(kOfm).kernel(1, 1).block().pool(npu::PoolingMode::kMax).stop();
  EXPECT_EQ(error_of([&] { run(m, waiting); }), "(no error)");
}

TEST(Safety, DmaOverwritingWhatAnOutstandingKernelReadsNeedsAKernelWait) {
  TestMemory m(0x400, 0x400);
  store(*m.scratch, kIfm, std::vector<int32_t>(128, 1));
  StreamBuilder racing = max_pool(kIfm, kOfm);
  racing.pool(npu::PoolingMode::kMax).dma(0, 0, 1, kIfm.base, 16).stop();
  EXPECT_TRUE(contains(error_of([&] { run(m, racing); }), "NPU_OP_KERNEL_WAIT is missing"));

  StreamBuilder waiting = max_pool(kIfm, kOfm);
  waiting.pool(npu::PoolingMode::kMax).kernel_wait(0).dma(0, 0, 1, kIfm.base, 16).stop();
  EXPECT_EQ(error_of([&] { run(m, waiting); }), "(no error)");
}

TEST(Safety, RegistersNeverWrittenAreAnError) {
  TestMemory m(0x100, 0x400);
  store(*m.scratch, kIfm, std::vector<int32_t>(128, 1));
  StreamBuilder s;
  s.ifm(kIfm).ofm(kOfm).kernel(1, 1).pool(npu::PoolingMode::kMax).stop();  // no block config
  EXPECT_TRUE(contains(error_of([&] { run(m, s); }), "NPU_SET_OFM_BLK_WIDTH_M1"));
}

TEST(Safety, InvalidFieldsAreErrors) {
  TestMemory m(0x100, 0x400);
  store(*m.scratch, kIfm, std::vector<int32_t>(128, 1));
  StreamBuilder s = max_pool(kIfm, kOfm);
  s.cmd0(npu::Opcode::kSetBlockdep, 7).pool(npu::PoolingMode::kMax).stop();
  EXPECT_TRUE(contains(error_of([&] { run(m, s); }), "BLOCKDEP 7"));

  StreamBuilder bad_mode = max_pool(kIfm, kOfm);
  bad_mode.cmd0(npu::Opcode::kOpPool, 9).stop();
  EXPECT_TRUE(contains(error_of([&] { run(m, bad_mode); }), "pooling mode 9"));
}

TEST(Safety, AnOfmOverlappingAWindowedIfmIsAnError) {
  TestMemory m(0x100, 0x400);
  store(*m.scratch, kIfm, std::vector<int32_t>(128, 1));
  Fm ofm = kOfm;
  ofm.base = kIfm.base + 8;
  StreamBuilder s;
  s.ifm(kIfm).padding(1, 1, 1, 1).ofm(ofm).kernel(3, 3).block().pool(npu::PoolingMode::kMax).stop();
  EXPECT_TRUE(contains(error_of([&] { run(m, s); }), "the OFM overlaps the IFM"));
}

TEST(Safety, InPlaceElementwiseIsAllowed) {
  TestMemory m(0x100, 0x400);
  store(*m.scratch, kIfm, std::vector<int32_t>(128, 1));
  StreamBuilder s;
  s.ifm(kIfm).ofm(kIfm, npu::Rounding::kTfl, true).ofm_scale(1, 0).block();
  s.elementwise(npu::ElementwiseMode::kAbs).stop();
  EXPECT_EQ(error_of([&] { run(m, s); }), "(no error)");
}

TEST(Safety, MisalignedBrickFormatBaseIsAnError) {
  TestMemory m(0x100, 0x400);
  store(*m.scratch, kIfm, std::vector<int32_t>(128, 1));
  Fm ofm = kOfm;
  ofm.nhcwb16 = true;
  ofm.base = 0x108;
  StreamBuilder s = max_pool(kIfm, ofm);
  s.pool(npu::PoolingMode::kMax).stop();
  EXPECT_TRUE(contains(error_of([&] { run(m, s); }), "OFM base 0 0x108 is not a multiple of 16"));
}

TEST(Safety, UnalignedU55DmaIsAnError) {
  TestMemory m(0x100, 0x400);
  StreamBuilder s;
  s.dma(0, 0x8, 1, 0, 16).stop();
  EXPECT_TRUE(contains(error_of([&] { run(m, s); }), "DMA source 0x8 is not a multiple of 16"));
}

TEST(Safety, AStreamWithoutStopIsAnError) {
  TestMemory m(0x100, 0x400);
  StreamBuilder s;
  s.dma_wait();
  EXPECT_TRUE(contains(error_of([&] { run(m, s); }), "without NPU_OP_STOP"));
}

}  // namespace
}  // namespace euc::npusim::test
