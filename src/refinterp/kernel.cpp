#include "refinterp/kernel.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace euc::refinterp {

int OpContext::input_index(size_t i) const {
  if (!has_input(i))
    fail(fmt::format("input {} is missing", i));
  return op_.inputs[i];
}

int OpContext::output_index(size_t i) const {
  if (i >= op_.outputs.size() || op_.outputs[i] < 0)
    fail(fmt::format("output {} is missing", i));
  return op_.outputs[i];
}

bool OpContext::is_constant(size_t input) const {
  return has_input(input) && !model_.tensor_data(this->input(input)).empty();
}

std::span<const uint8_t> OpContext::constant_bytes(size_t input) const {
  const ir::Tensor& t = this->input(input);
  auto data = model_.tensor_data(t);
  if (data.empty() && t.num_elements() != 0)
    fail(fmt::format("input {} ('{}') must be a constant tensor", input, t.name));
  return data;
}

std::vector<int64_t> OpContext::constant_ints(size_t input) const {
  const ir::Tensor& t = this->input(input);
  auto data = constant_bytes(input);
  std::vector<int64_t> values;
  if (t.type == ir::DataType::kInt32) {
    for (size_t i = 0; i + 4 <= data.size(); i += 4) {
      int32_t v;
      std::memcpy(&v, data.data() + i, 4);
      values.push_back(v);
    }
  } else if (t.type == ir::DataType::kInt64) {
    for (size_t i = 0; i + 8 <= data.size(); i += 8) {
      int64_t v;
      std::memcpy(&v, data.data() + i, 8);
      values.push_back(v);
    }
  } else {
    fail(fmt::format("input {} ('{}') must be int32 or int64, not {}", input, t.name,
                     ir::data_type_name(t.type)));
  }
  return values;
}

void OpContext::fail(std::string_view message) const {
  throw_input(fmt::format("operator {} ({}): {}", index_, name(), message));
}

void OpContext::expect_arity(size_t min_inputs, size_t max_inputs, size_t outputs) const {
  if (num_inputs() < min_inputs || num_inputs() > max_inputs) {
    if (min_inputs == max_inputs)
      fail(fmt::format("expects {} inputs, has {}", min_inputs, num_inputs()));
    fail(fmt::format("expects {} to {} inputs, has {}", min_inputs, max_inputs, num_inputs()));
  }
  if (num_outputs() != outputs)
    fail(fmt::format("expects {} outputs, has {}", outputs, num_outputs()));
}

void OpContext::expect_type(const ir::Tensor& t, std::initializer_list<ir::DataType> allowed,
                            std::string_view role) const {
  for (auto a : allowed)
    if (t.type == a)
      return;
  std::string names;
  for (auto a : allowed)
    names += fmt::format("{}{}", names.empty() ? "" : " or ", ir::data_type_name(a));
  fail(fmt::format("{} '{}' has type {}, expected {}", role, t.name, ir::data_type_name(t.type),
                   names));
}

void OpContext::expect_same_shape(const ir::Tensor& a, const ir::Tensor& b,
                                  std::string_view what) const {
  if (a.shape != b.shape)
    fail(fmt::format("{}: shapes {} and {} differ", what, shape_string(a.shape),
                     shape_string(b.shape)));
}

float scale_of(const ir::Tensor& t) {
  if (!t.quantization || t.quantization->scale.empty())
    return 0.0f;
  return t.quantization->scale[0];
}

int32_t zero_point_of(const ir::Tensor& t) {
  if (!t.quantization || t.quantization->zero_point.empty())
    return 0;
  return static_cast<int32_t>(t.quantization->zero_point[0]);
}

std::string shape_string(std::span<const int32_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += fmt::format("{}{}", i ? "," : "", shape[i]);
  return s + "]";
}

int64_t flat_size(std::span<const int32_t> shape) {
  int64_t n = 1;
  for (int32_t d : shape)
    n *= d;
  return n;
}

int32_t type_min(ir::DataType type) {
  switch (type) {
    case ir::DataType::kInt8:
      return std::numeric_limits<int8_t>::min();
    case ir::DataType::kUInt8:
      return 0;
    case ir::DataType::kInt16:
      return std::numeric_limits<int16_t>::min();
    default:
      return std::numeric_limits<int32_t>::min();
  }
}

int32_t type_max(ir::DataType type) {
  switch (type) {
    case ir::DataType::kInt8:
      return std::numeric_limits<int8_t>::max();
    case ir::DataType::kUInt8:
      return std::numeric_limits<uint8_t>::max();
    case ir::DataType::kInt16:
      return std::numeric_limits<int16_t>::max();
    default:
      return std::numeric_limits<int32_t>::max();
  }
}

}  // namespace euc::refinterp
