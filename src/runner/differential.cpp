#include "runner/differential.hpp"

#include <fmt/format.h>

#include <random>

#include "core/error.hpp"
#include "refinterp/interpreter.hpp"
#include "runner/ethosu_kernel.hpp"

namespace euc::runner {
namespace {

// Element k of a tensor's bytes as a signed integer of its type.
int64_t element_value(ir::DataType type, std::span<const uint8_t> bytes, std::size_t k) {
  const std::size_t size = static_cast<std::size_t>(ir::element_size(type).value_or(1));
  uint64_t raw = 0;
  for (std::size_t b = 0; b < size; ++b)
    raw |= uint64_t{bytes[k * size + b]} << (8 * b);
  switch (type) {
    case ir::DataType::kInt8:
      return static_cast<int8_t>(raw);
    case ir::DataType::kInt16:
      return static_cast<int16_t>(raw);
    case ir::DataType::kInt32:
      return static_cast<int32_t>(raw);
    case ir::DataType::kInt64:
      return static_cast<int64_t>(raw);
    default:
      return static_cast<int64_t>(raw);
  }
}

}  // namespace

std::vector<std::vector<uint8_t>> random_inputs(const ir::Model& model, uint64_t seed) {
  if (model.subgraphs.empty())
    throw_input("the model has no subgraph");
  const ir::Subgraph& graph = model.subgraphs.front();
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> inputs;
  for (int t : graph.inputs) {
    const ir::Tensor& tensor = graph.tensors.at(static_cast<std::size_t>(t));
    if (tensor.type == ir::DataType::kFloat32 || tensor.type == ir::DataType::kFloat16 ||
        tensor.type == ir::DataType::kFloat64) {
      throw_input(fmt::format("input '{}': random inputs need an integer type", tensor.name));
    }
    const std::size_t size = static_cast<std::size_t>(tensor.num_elements()) *
                             static_cast<std::size_t>(ir::element_size(tensor.type).value_or(1));
    std::vector<uint8_t> bytes(size);
    for (uint8_t& b : bytes)
      b = static_cast<uint8_t>(rng());
    inputs.push_back(std::move(bytes));
  }
  return inputs;
}

Comparison compare_models(const ir::Model& original, const ir::Model& compiled,
                          std::span<const std::vector<uint8_t>> inputs) {
  refinterp::Interpreter want(original);
  refinterp::Interpreter got(compiled, ethosu_kernel_factory("compiled model"));
  if (want.input_count() != inputs.size() || got.input_count() != inputs.size())
    throw_input(
        fmt::format("{} inputs given, the model has {}", inputs.size(), want.input_count()));
  if (want.output_count() != got.output_count()) {
    throw_input(fmt::format("the compiled model has {} outputs, the original {}",
                            got.output_count(), want.output_count()));
  }
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    want.set_input(k, inputs[k]);
    got.set_input(k, inputs[k]);
  }
  want.invoke();
  got.invoke();
  Comparison result;
  for (std::size_t k = 0; k < want.output_count(); ++k) {
    const ir::Tensor& tensor = want.output_tensor(k);
    const auto a = want.output(k);
    const auto b = got.output(k);
    const std::size_t esize = static_cast<std::size_t>(ir::element_size(tensor.type).value_or(1));
    OutputDifference diff;
    diff.output = k;
    diff.tensor = tensor.name;
    if (a.size() != b.size()) {
      throw Error(ErrorKind::kInternal,
                  fmt::format("output '{}': the compiled model gives {} bytes, the original {}",
                              tensor.name, b.size(), a.size()));
    }
    for (std::size_t e = 0; e < a.size() / esize; ++e) {
      const int64_t va = element_value(tensor.type, a, e);
      const int64_t vb = element_value(tensor.type, b, e);
      if (va == vb)
        continue;
      if (diff.differing++ == 0) {
        diff.element = e;
        diff.want = va;
        diff.got = vb;
      }
    }
    const bool equal = diff.differing == 0;
    result.output_equal.push_back(equal);
    if (!equal && !result.first)
      result.first = diff;
  }
  return result;
}

}  // namespace euc::runner
