// Scale/bias records: byte layout derived by hand from the field positions (bias bits 0-39,
// multiplier 40-71, shift 72-77, little endian).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "weights/scale_record.hpp"

namespace euc::weights {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes packed(const ScaleRecord& r) {
  const auto b = pack_scale_record(r);
  return {b.begin(), b.end()};
}

TEST(ScaleRecord, PacksFieldsLittleEndianAtTheirBitPositions) {
  // bias -2 = 0xFF_FFFF_FFFE in 40 bits; multiplier 0x12345678; shift 35 = 0x23.
  EXPECT_EQ(packed({-2, 0x12345678u, 35}),
            (Bytes{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0x78, 0x56, 0x34, 0x12, 0x23}));
  EXPECT_EQ(packed({0x0102030405, 0xA0B0C0D0u, 63}),
            (Bytes{0x05, 0x04, 0x03, 0x02, 0x01, 0xD0, 0xC0, 0xB0, 0xA0, 0x3F}));
  EXPECT_EQ(packed({0, 0, 0}), Bytes(10, 0));
}

TEST(ScaleRecord, PacksBiasRangeLimits) {
  EXPECT_EQ(packed({kMaxRecordBias, 0, 0}), (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0, 0}));
  EXPECT_EQ(packed({kMinRecordBias, 0, 0}), (Bytes{0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0}));
  EXPECT_EQ(kMaxRecordBias, 549755813887);
  EXPECT_EQ(kMinRecordBias, -549755813888);
}

TEST(ScaleRecord, UnpacksHandWrittenBytesWithSignExtension) {
  const Bytes b = {0x00, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x80, 0x10};
  const ScaleRecord r = unpack_scale_record(b);
  EXPECT_EQ(r.bias, kMinRecordBias);
  EXPECT_EQ(r.multiplier, 0x80000001u);
  EXPECT_EQ(r.shift, 16);
}

TEST(ScaleRecord, UnpackInvertsPack) {
  std::mt19937_64 rng(2);
  std::uniform_int_distribution<std::int64_t> bias(kMinRecordBias, kMaxRecordBias);
  std::uniform_int_distribution<std::uint32_t> multiplier;
  std::uniform_int_distribution<int> shift(0, 63);
  for (int i = 0; i < 1000; ++i) {
    const ScaleRecord r{bias(rng), multiplier(rng), shift(rng)};
    EXPECT_EQ(unpack_scale_record(pack_scale_record(r)), r);
  }
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(ScaleRecord, RejectsBiasBeyondFortyBits) {
  EXPECT_NE(error_of([] {
              pack_scale_record({kMaxRecordBias + 1, 0, 0});
            }).find("bias"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              pack_scale_record({kMinRecordBias - 1, 0, 0});
            }).find("bias"),
            std::string::npos);
}

TEST(ScaleRecord, RejectsShiftOutsideSixBits) {
  EXPECT_NE(error_of([] { pack_scale_record({0, 1, 64}); }).find("shift 64"), std::string::npos);
  EXPECT_NE(error_of([] { pack_scale_record({0, 1, -1}); }).find("shift -1"), std::string::npos);
}

TEST(ScaleRecord, RejectsReservedBitsAndShortInput) {
  Bytes b(10, 0);
  b[9] = 0x40;
  EXPECT_NE(error_of([&] { unpack_scale_record(b); }).find("reserved"), std::string::npos);
  EXPECT_NE(error_of([] { unpack_scale_record(Bytes(9, 0)); }).find("9 bytes"), std::string::npos);
}

TEST(ScaleRecord, RecordListsNameTheChannel) {
  const std::vector<ScaleRecord> records = {{1, 2, 3}, {4, 5, 6}, {0, 0, 99}};
  EXPECT_NE(error_of([&] { pack_scale_records(records); }).find("output channel 2"),
            std::string::npos);
  const std::vector<ScaleRecord> good(records.begin(), records.begin() + 2);
  const auto bytes = pack_scale_records(good);
  ASSERT_EQ(bytes.size(), 20u);
  EXPECT_EQ(unpack_scale_records(bytes), good);
  Bytes bad = bytes;
  bad[19] = 0x80;
  EXPECT_NE(error_of([&] { unpack_scale_records(bad); }).find("output channel 1"),
            std::string::npos);
  EXPECT_NE(error_of([&] { unpack_scale_records(Bytes(15, 0)); }).find("multiple of 10"),
            std::string::npos);
}

}  // namespace
}  // namespace euc::weights
