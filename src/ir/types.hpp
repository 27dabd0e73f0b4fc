#pragma once
// Element types of the network IR. Values equal TFLite's TensorType so the reader and writer
// convert without tables; the IR itself never depends on the flatbuffer code.
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace euc::ir {

enum class DataType : int8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kComplex64 = 8,
  kInt8 = 9,
  kFloat64 = 10,
  kComplex128 = 11,
  kUInt64 = 12,
  kResource = 13,
  kVariant = 14,
  kUInt32 = 15,
  kUInt16 = 16,
  kInt4 = 17,
  kBFloat16 = 18,
  kInt2 = 19,
  kUInt4 = 20,
  kFloat8E4M3FN = 21,
  kFloat8E5M2 = 22,
};
inline constexpr int kMaxDataType = 22;

std::string_view data_type_name(DataType type);
// Smallest and largest value of an integer element type (int32's range for anything else).
std::pair<int32_t, int32_t> integer_range(DataType type);

// Size in bytes of one element; nullopt for types without a fixed byte size (string, sub-byte,
// resource, variant).
std::optional<int> element_size(DataType type);

}  // namespace euc::ir
