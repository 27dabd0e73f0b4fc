#pragma once
// NumPy .npy files (format version 1.0 and 2.0 read, 1.0 written): little-endian, C order,
// fixed-size numeric dtypes only. Anything else is an input error naming the source.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ir/types.hpp"

namespace euc::refinterp {

struct NpyArray {
  ir::DataType type = ir::DataType::kInt8;
  std::vector<int64_t> shape;  // empty for a 0-d array
  std::vector<uint8_t> data;   // little-endian elements in C order
};

// Parses .npy bytes; `source` names the file in error messages.
NpyArray parse_npy(std::span<const uint8_t> bytes, std::string_view source);

// Serialises to .npy version 1.0 (header padded to a multiple of 64 bytes).
std::vector<uint8_t> format_npy(ir::DataType type, std::span<const int64_t> shape,
                                std::span<const uint8_t> data);

// The NumPy descr ("<i1", "<f4", ...) of a type; throws for types .npy cannot hold here.
std::string_view npy_descr(ir::DataType type);

}  // namespace euc::refinterp
