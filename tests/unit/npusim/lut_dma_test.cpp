// DMA into SHRAM and table-lookup activations.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "stream_builder.hpp"

namespace euc::npusim::test {
namespace {

using npu::ElementwiseMode;

// ethos-u55-256 keeps its LUT in the top 2 of 48 SHRAM banks (Vela lut.py, Vela writes the LUT
// DMA destination 0xb800 in person_detect).
constexpr uint64_t kLutAddress = 46 * 1024;
constexpr int kShramRegion = 3;  // with the internal flag, as Vela writes region 0x103
constexpr uint32_t kLutSlot0 = 16;

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// IFM + scalar 0 through the LUT, as Vela lowers int8 LUT activations (lut.py convert_to_lut).
StreamBuilder& lut_add(StreamBuilder& s, const Fm& ifm, const Fm& ofm, uint32_t slot) {
  Fm scalar = ifm;
  scalar.zero_point = 0;
  s.ifm(ifm).ifm2(scalar).ifm2_broadcast(false, false, false, false, true).ifm2_scalar(0);
  s.ofm(ofm, npu::Rounding::kTfl, true).ofm_scale(1, 0).opa_scale(1, 0).opb_scale(1);
  s.activation(kLutSlot0 + slot, -128, 127).block();
  return s.elementwise(ElementwiseMode::kAdd);
}

TEST(Lut, Int8TableLoadedByDmaMapsEveryValue) {
  const Fm ifm{1, 0x0, 16, 16, 1, 8, true, false, 0};
  const Fm ofm{1, 0x200, 16, 16, 1, 8, true, false, 0};
  TestMemory m(0x200, 0x400);
  std::vector<uint8_t> table(256);
  for (int i = 0; i < 256; ++i)
    table[static_cast<std::size_t>(i)] = static_cast<uint8_t>((i * 7) & 0xFF);
  m.flash->write(0x100, table);  // slot 1
  std::vector<int32_t> values;
  for (int v = -128; v < 128; ++v)
    values.push_back(v);
  store(*m.scratch, ifm, values);
  StreamBuilder s;
  s.dma(0, 0x100, kShramRegion, kLutAddress + 256, 256, true).dma_wait();
  lut_add(s, ifm, ofm, 1).stop();
  run(m, s);
  const auto got = load(*m.scratch, ofm);
  for (int v = -128; v < 128; ++v)
    EXPECT_EQ(got[static_cast<std::size_t>(v + 128)],
              static_cast<int8_t>(table[static_cast<std::size_t>(v + 128)]));
}

TEST(Lut, Int32TableIndexedByTheInt8ClippedValue) {
  // Vela's softmax: int8 - int8 into an int32 OFM with zero point 127, clip forced to int8, and
  // a 256-entry table of 32-bit values.
  const Fm ifm{1, 0x0, 1, 1, 4, 8, true, false, 0};
  Fm ifm2{1, 0x10, 1, 1, 1, 8, true, false, 0};
  const Fm ofm{1, 0x40, 1, 1, 4, 32, true, false, 127};
  TestMemory m(0x400, 0x100);
  std::vector<uint8_t> table(1024);
  for (int i = 0; i < 256; ++i)
    for (int b = 0; b < 4; ++b)
      table[static_cast<std::size_t>(i * 4 + b)] = static_cast<uint8_t>((1000000 * i) >> (8 * b));
  m.flash->write(0, table);
  store(*m.scratch, ifm, std::vector<int32_t>{10, 3, -100, 10});
  store(*m.scratch, ifm2, std::vector<int32_t>{10});
  StreamBuilder s;
  s.dma(0, 0, kShramRegion, kLutAddress, 1024, true).dma_wait();
  s.ifm(ifm).ifm2(ifm2).ifm2_broadcast(false, false, true, false, false);
  s.ofm(ofm, npu::Rounding::kTfl, true).ofm_scale(1, 0).opa_scale(1, 0).opb_scale(1);
  s.activation(kLutSlot0, -128, 127, npu::ClipRange::kForceInt8).block();
  s.elementwise(ElementwiseMode::kSub).stop();
  run(m, s);
  // index = clip(a - b + 127, -128, 127) + 128
  EXPECT_EQ(load(*m.scratch, ofm),
            (std::vector<int32_t>{1000000 * 255, 1000000 * 248, 1000000 * 145, 1000000 * 255}));
}

TEST(Lut, TableLookupWithoutALoadedTableIsAnError) {
  const Fm ifm{1, 0x0, 1, 1, 4, 8, true, false, 0};
  const Fm ofm{1, 0x100, 1, 1, 4, 8, true, false, 0};
  TestMemory m(0x100, 0x200);
  store(*m.scratch, ifm, std::vector<int32_t>{1, 2, 3, 4});
  StreamBuilder s;
  lut_add(s, ifm, ofm, 2).stop();
  EXPECT_NE(error_of([&] { run(m, s); }).find("LUT slot 2"), std::string::npos);
}

TEST(Lut, OperationsOnSmallShramOverwriteTheTable) {
  // ethos-u55-64 has 16 SHRAM banks and no reserved LUT banks: an operation without a LUT uses
  // the LUT area, so the table must be loaded again before the next lookup (Vela lut.py).
  const auto u55_64 = arch::Accelerator::kEthosU55_64;
  const uint64_t lut = 14 * 1024;
  const Fm ifm{1, 0x0, 1, 1, 4, 8, true, false, 0};
  const Fm ofm{1, 0x100, 1, 1, 4, 8, true, false, 0};
  TestMemory m(0x100, 0x200, u55_64);
  m.flash->write(0, std::vector<uint8_t>(256, 9));
  store(*m.scratch, ifm, std::vector<int32_t>{1, 2, 3, 4});
  StreamBuilder s;
  s.dma(0, 0, kShramRegion, lut, 256, true).dma_wait();
  lut_add(s, ifm, ofm, 0);
  s.ifm(ifm).ofm(ofm).kernel(1, 1).block().pool(npu::PoolingMode::kMax);
  lut_add(s, ifm, ofm, 0).stop();
  EXPECT_NE(error_of([&] { run(m, s, u55_64); }).find("holds no table"), std::string::npos);
}

TEST(Dma, CopiesBytesAndTheirInitialisation) {
  TestMemory m(0x100, 0x200);
  std::vector<uint8_t> bytes(32);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<uint8_t>(i + 1);
  m.flash->write(0x20, bytes);
  StreamBuilder s;
  s.dma(0, 0x20, 1, 0x40, 32).dma_wait().stop();
  run(m, s);
  EXPECT_TRUE(m.scratch->initialised(0x40, 32));
  EXPECT_FALSE(m.scratch->initialised(0x60, 1));
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), m.scratch->data() + 0x40));
}

}  // namespace
}  // namespace euc::npusim::test
