#pragma once
// NumPy's .npy arrays and .npz archives (a zip of `<key>.npy` members), written without zlib:
// every member is STORED (method 0) with a fixed timestamp (1980-01-01 00:00), so the same arrays
// always give the same bytes. The reader takes what the writer writes (and any other STORED,
// single-disk zip of version 1.0 .npy members) and checks every byte it relies on
// (docs/output_formats.md §npz).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace euc::output {

struct NpyArray {
  std::string descr;           // NumPy's type string: "|u1" (uint8) or "<i8" (int64)
  std::vector<int64_t> shape;  // empty: a 0-d array (a scalar)
  std::vector<uint8_t> data;   // C order, little-endian

  int64_t num_elements() const;
  // The values of an "<i8" array (throws otherwise).
  std::vector<int64_t> int64_values() const;

  static NpyArray uint8(std::span<const uint8_t> bytes);
  static NpyArray int64_scalar(int64_t value);
  static NpyArray int64(std::vector<int64_t> shape, std::span<const int64_t> values);
};

using NpzArrays = std::vector<std::pair<std::string, NpyArray>>;

// One .npy file (format version 1.0, header padded to 64 bytes).
std::vector<uint8_t> write_npy(const NpyArray& array);
NpyArray read_npy(std::span<const uint8_t> bytes, std::string_view source);

// The archive, members in the order given. Throws an internal error for a member of 4 GiB or
// more (the format would need zip64).
std::vector<uint8_t> write_npz(const NpzArrays& arrays);
// Throws an input error prefixed with `source` for anything that is not such an archive:
// truncated records, a compressed member, a CRC that does not match, a malformed .npy.
NpzArrays read_npz(std::span<const uint8_t> bytes, std::string_view source);

// CRC-32 (ISO-HDLC, the zip checksum).
uint32_t crc32(std::span<const uint8_t> bytes);

}  // namespace euc::output
