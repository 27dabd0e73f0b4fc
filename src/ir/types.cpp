#include "ir/types.hpp"

#include <cstdint>

namespace euc::ir {

std::string_view data_type_name(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return "float32";
    case DataType::kFloat16:
      return "float16";
    case DataType::kInt32:
      return "int32";
    case DataType::kUInt8:
      return "uint8";
    case DataType::kInt64:
      return "int64";
    case DataType::kString:
      return "string";
    case DataType::kBool:
      return "bool";
    case DataType::kInt16:
      return "int16";
    case DataType::kComplex64:
      return "complex64";
    case DataType::kInt8:
      return "int8";
    case DataType::kFloat64:
      return "float64";
    case DataType::kComplex128:
      return "complex128";
    case DataType::kUInt64:
      return "uint64";
    case DataType::kResource:
      return "resource";
    case DataType::kVariant:
      return "variant";
    case DataType::kUInt32:
      return "uint32";
    case DataType::kUInt16:
      return "uint16";
    case DataType::kInt4:
      return "int4";
    case DataType::kBFloat16:
      return "bfloat16";
    case DataType::kInt2:
      return "int2";
    case DataType::kUInt4:
      return "uint4";
    case DataType::kFloat8E4M3FN:
      return "float8_e4m3fn";
    case DataType::kFloat8E5M2:
      return "float8_e5m2";
  }
  return "unknown";
}

std::pair<int32_t, int32_t> integer_range(DataType type) {
  switch (type) {
    case DataType::kInt8:
      return {-128, 127};
    case DataType::kUInt8:
      return {0, 255};
    case DataType::kInt16:
      return {-32768, 32767};
    case DataType::kUInt16:
      return {0, 65535};
    default:
      return {INT32_MIN, INT32_MAX};
  }
}

std::optional<int> element_size(DataType type) {
  switch (type) {
    case DataType::kBool:
    case DataType::kInt8:
    case DataType::kUInt8:
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E5M2:
      return 1;
    case DataType::kInt16:
    case DataType::kUInt16:
    case DataType::kFloat16:
    case DataType::kBFloat16:
      return 2;
    case DataType::kInt32:
    case DataType::kUInt32:
    case DataType::kFloat32:
      return 4;
    case DataType::kInt64:
    case DataType::kUInt64:
    case DataType::kFloat64:
    case DataType::kComplex64:
      return 8;
    case DataType::kComplex128:
      return 16;
    default:
      return std::nullopt;
  }
}

}  // namespace euc::ir
