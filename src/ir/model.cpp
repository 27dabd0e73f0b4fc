#include "ir/model.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace euc::ir {

namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace

bool operator==(const Quantization& a, const Quantization& b) {
  return same_bits(a.scale, b.scale) && a.zero_point == b.zero_point && same_bits(a.min, b.min) &&
         same_bits(a.max, b.max) && a.quantized_dimension == b.quantized_dimension &&
         a.details == b.details;
}

int64_t Tensor::num_elements() const {
  int64_t n = 1;
  for (int32_t d : shape)
    n *= d;
  return n;
}

std::span<const uint8_t> Model::tensor_data(const Tensor& tensor) const {
  if (tensor.buffer >= buffers.size())
    return {};
  return buffers[tensor.buffer].bytes();
}

std::optional<std::vector<int64_t>> Model::constant_ints(const Tensor& tensor) const {
  auto bytes = tensor_data(tensor);
  if (bytes.empty())
    return std::nullopt;
  auto decode = [&]<class T>(T) {
    std::vector<int64_t> out(bytes.size() / sizeof(T));
    for (size_t i = 0; i < out.size(); ++i) {
      T v;
      std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
      out[i] = static_cast<int64_t>(v);
    }
    return std::optional<std::vector<int64_t>>(std::move(out));
  };
  switch (tensor.type) {
    case DataType::kInt8:
      return decode(int8_t{});
    case DataType::kUInt8:
      return decode(uint8_t{});
    case DataType::kInt16:
      return decode(int16_t{});
    case DataType::kInt32:
      return decode(int32_t{});
    case DataType::kInt64:
      return decode(int64_t{});
    default:
      return std::nullopt;
  }
}

const Metadata* Model::find_metadata(std::string_view name) const {
  auto it = std::find_if(metadata.begin(), metadata.end(),
                         [&](const Metadata& m) { return m.name == name; });
  return it == metadata.end() ? nullptr : &*it;
}

std::string_view builtin_op_name(BuiltinOp op) {
  auto code = static_cast<int32_t>(op);
  if (code < 0 || code > kMaxBuiltinOp || kBuiltinOpNames[code].empty())
    return "UNKNOWN";
  return kBuiltinOpNames[code];
}

std::string operator_display_name(const Operator& op) {
  if (op.type == BuiltinOp::CUSTOM)
    return "CUSTOM(" + op.custom_code + ")";
  auto name = builtin_op_name(op.type);
  if (name == "UNKNOWN")
    return "UNKNOWN(" + std::to_string(static_cast<int32_t>(op.type)) + ")";
  return std::string(name);
}

}  // namespace euc::ir
