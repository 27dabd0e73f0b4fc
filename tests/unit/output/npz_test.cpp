// The .npz writer against the zip and .npy format facts (docs/output_formats.md §npz): fixed
// record layout, CRC-32 check values, deterministic bytes, and a reader that refuses damage.
#include "output/npz.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace euc::output {
namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

uint32_t u32_at(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
}

NpzArrays sample() {
  const std::vector<int64_t> shape = {1, 1, 1, 96, 96, 1, 1, 1, 1, 1, 1, 2};
  const std::vector<uint8_t> cmd = {'C', 'O', 'P', '1', 1, 2, 3};
  return {{"cmd_data", NpyArray::uint8(cmd)},
          {"weight_region", NpyArray::int64_scalar(-5)},
          {"input_shape", NpyArray::int64({2, 6}, shape)},
          {"variable_offset", NpyArray::int64({0}, {})}};
}

TEST(Npz, Crc32MatchesTheStandardCheckValue) {
  // The CRC-32 (ISO-HDLC) check value of "123456789".
  EXPECT_EQ(crc32(bytes_of("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32({}), 0u);
}

TEST(Npz, NpyHeaderIsVersionOnePaddedTo64Bytes) {
  const std::vector<uint8_t> npy = write_npy(NpyArray::int64({2, 6}, std::vector<int64_t>(12, 7)));
  ASSERT_GE(npy.size(), 10u);
  EXPECT_EQ(std::string(npy.begin(), npy.begin() + 6), "\x93NUMPY");
  EXPECT_EQ(npy[6], 1);
  EXPECT_EQ(npy[7], 0);
  const size_t header = npy[8] | (npy[9] << 8);
  EXPECT_EQ((10 + header) % 64, 0u);
  const std::string text(npy.begin() + 10, npy.begin() + 10 + static_cast<long>(header));
  EXPECT_EQ(text.find("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 6), }"), 0u) << text;
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(npy.size(), 10 + header + 12 * 8);
  // One-dimensional and 0-d shapes in Python's tuple syntax.
  auto header_of = [](const NpyArray& a) {
    auto b = write_npy(a);
    return std::string(b.begin() + 10, b.begin() + 10 + (b[8] | (b[9] << 8)));
  };
  EXPECT_NE(header_of(NpyArray::uint8(std::vector<uint8_t>(3))).find("'shape': (3,)"),
            std::string::npos);
  EXPECT_NE(header_of(NpyArray::int64_scalar(1)).find("'shape': ()"), std::string::npos);
}

TEST(Npz, ArchiveIsStoredZipWithFixedTimestampsAndReadsBack) {
  const std::vector<uint8_t> a = write_npz(sample());
  EXPECT_EQ(a, write_npz(sample()));  // deterministic
  // First local header: signature, version 2.0, no flags, stored, 00:00 1980-01-01.
  EXPECT_EQ(u32_at(a, 0), 0x04034b50u);
  EXPECT_EQ(a[4], 20);
  EXPECT_EQ(a[6] | a[7], 0);
  EXPECT_EQ(a[8] | a[9], 0);
  EXPECT_EQ(a[10] | a[11], 0);
  EXPECT_EQ(a[12], 0x21);
  EXPECT_EQ(std::string(a.begin() + 30, a.begin() + 30 + 12), "cmd_data.npy");
  // End record: four entries.
  EXPECT_EQ(u32_at(a, a.size() - 22), 0x06054b50u);
  EXPECT_EQ(a[a.size() - 12], 4);

  const NpzArrays back = read_npz(a, "sample.npz");
  ASSERT_EQ(back.size(), 4u);
  const NpzArrays want = sample();
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(back[i].first, want[i].first);
    EXPECT_EQ(back[i].second.descr, want[i].second.descr);
    EXPECT_EQ(back[i].second.shape, want[i].second.shape);
    EXPECT_EQ(back[i].second.data, want[i].second.data);
  }
  EXPECT_EQ(back[1].second.int64_values(), std::vector<int64_t>{-5});
  EXPECT_EQ(back[1].second.shape, std::vector<int64_t>{});
}

TEST(Npz, ReaderRefusesDamagedArchives) {
  const std::vector<uint8_t> good = write_npz(sample());
  auto expect_input_error = [](std::vector<uint8_t> bytes, std::string_view needle) {
    try {
      read_npz(bytes, "x.npz");
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("x.npz: ", 0), 0u) << e.what();
    }
  };
  std::vector<uint8_t> flipped = good;
  flipped[30 + 12 + 80] ^= 1;  // a data byte of cmd_data.npy
  expect_input_error(flipped, "CRC-32 does not match");
  std::vector<uint8_t> compressed = good;
  const size_t directory = u32_at(good, good.size() - 22 + 16);
  compressed[directory + 10] = 8;  // deflate
  expect_input_error(compressed, "compressed");
  expect_input_error({good.begin(), good.begin() + 10}, "too short");
  expect_input_error({good.begin(), good.end() - 30}, "no end of central directory");
  std::vector<uint8_t> truncated = good;
  const size_t directory_offset = truncated.size() - 22 + 16;
  for (size_t i = 0; i < 3; ++i)
    truncated.at(directory_offset + i) = 0xff;  // the central directory beyond the end
  expect_input_error(truncated, "truncated");
  // A .npy whose data disagrees with its shape.
  std::vector<uint8_t> npy = write_npy(NpyArray::int64({2}, std::vector<int64_t>{1, 2}));
  npy.pop_back();
  EXPECT_THROW(read_npy(npy, "a.npy"), Error);
}

}  // namespace
}  // namespace euc::output
