#include "refinterp/npy.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "core/error.hpp"

namespace euc::refinterp {
namespace {

std::vector<uint8_t> with_header(const std::string& dict, size_t data_bytes) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0)
    header.push_back(' ');
  header.push_back('\n');
  const uint8_t prefix[] = {
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size()), 0};
  std::vector<uint8_t> out(sizeof(prefix) + header.size() + data_bytes, 7);
  std::memcpy(out.data(), prefix, sizeof(prefix));
  std::memcpy(out.data() + sizeof(prefix), header.data(), header.size());
  return out;
}

TEST(Npy, RoundTripKeepsTypeShapeAndData) {
  const std::vector<int64_t> shape = {1, 2, 3};
  std::vector<uint8_t> data(12);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<uint8_t>(i * 17);
  const auto bytes = format_npy(ir::DataType::kInt16, shape, data);
  EXPECT_EQ(bytes.size() % 64, data.size() % 64);  // header padded to 64 bytes
  const auto a = parse_npy(bytes, "x.npy");
  EXPECT_EQ(a.type, ir::DataType::kInt16);
  EXPECT_EQ(a.shape, shape);
  EXPECT_EQ(a.data, data);
}

TEST(Npy, HeaderIsWhatNumpyWrites) {
  const std::vector<int64_t> shape = {3};
  const std::vector<uint8_t> data = {1, 2, 3};
  const auto bytes = format_npy(ir::DataType::kInt8, shape, data);
  const std::string header(bytes.begin() + 10, bytes.end() - 3);
  EXPECT_EQ(header.substr(0, 60), "{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }   ");
  EXPECT_EQ(header.back(), '\n');
}

TEST(Npy, ReadsNumpyStyleHeaders) {
  const auto a = parse_npy(
      with_header("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", 16), "a.npy");
  EXPECT_EQ(a.type, ir::DataType::kInt32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 2}));
  const auto s =
      parse_npy(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4), "s.npy");
  EXPECT_TRUE(s.shape.empty());
}

void expect_malformed(const std::vector<uint8_t>& bytes, const std::string& fragment) {
  try {
    parse_npy(bytes, "bad.npy");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.npy"), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

TEST(Npy, MalformedFilesAreNamedInputErrors) {
  expect_malformed({1, 2, 3}, "magic");
  expect_malformed(with_header("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 7),
                   "data has 7 bytes");
  expect_malformed(with_header("{'descr': '<i4', 'fortran_order': True, 'shape': (2,), }", 8),
                   "Fortran");
  expect_malformed(with_header("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", 8),
                   "dtype");
  expect_malformed(with_header("{'descr': '<i4', 'shape': (2,), }", 8), "lacks");
  expect_malformed(with_header("{'descr': '<i4', 'fortran_order': False, 'shape': (2,x), }", 8),
                   "header");
  auto truncated = with_header("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8);
  truncated[8] = 0xff;  // header length past the end
  expect_malformed(truncated, "past the end");
}

}  // namespace
}  // namespace euc::refinterp
