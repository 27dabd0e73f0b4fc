#include "runner/differential.hpp"

#include <fmt/format.h>

#include <map>
#include <random>

#include "core/error.hpp"
#include "npu/ethosu_op.hpp"
#include "npu/operation.hpp"
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

struct Written {
  std::size_t ethosu = 0;
  std::size_t operation = 0;
  std::size_t block = 0;
  npu::OperationKind kind = npu::OperationKind::kConv;
  std::size_t byte_offset = 0;
  npu::FeatureMap ofm;
};

// The last block operation of the ethos-u operator producing `tensor` whose OFM covers byte
// `byte` of it (in the arena, where OfflineMemoryAllocation places it).
std::optional<Culprit> find_writer(const ir::Model& compiled, const std::vector<Written>& written,
                                   int tensor, std::size_t byte) {
  const auto offsets = npu::read_offline_memory_allocation(compiled, "compiled model");
  if (!offsets)
    return std::nullopt;
  const auto tensor_offset = offsets->offset(0, tensor);
  if (!tensor_offset)
    return std::nullopt;
  const auto ops = npu::read_ethosu_operators(compiled, "compiled model");
  std::size_t producer = 0;
  const npu::EthosuOperator* op = nullptr;
  for (std::size_t k = 0; k < ops.size(); ++k) {
    for (const npu::EthosuTensor& ofm : ops[k].ofms) {
      if (ops[k].subgraph == 0 && ofm.index == tensor) {
        producer = k;
        op = &ops[k];
      }
    }
  }
  if (op == nullptr || !op->scratch.arena_offset)
    return std::nullopt;
  const uint64_t address = static_cast<uint64_t>(*tensor_offset - *op->scratch.arena_offset) + byte;
  for (auto it = written.rbegin(); it != written.rend(); ++it) {
    if (it->ethosu != producer || it->ofm.region != 1)
      continue;
    const npu::FeatureMap& fm = it->ofm;
    for (int y = 0; y < fm.shape.height; ++y) {
      for (int x = 0; x < fm.shape.width; ++x) {
        for (int c = 0; c < fm.shape.depth; ++c) {
          const uint64_t a = npu::element_address(fm, y, x, c);
          if (address >= a && address < a + static_cast<uint64_t>(fm.type.bytes())) {
            return Culprit{producer, it->operation, it->block,
                           std::string(npu::operation_kind_name(it->kind)), it->byte_offset};
          }
        }
      }
    }
  }
  return std::nullopt;
}

// The elements of `want` (the reference's bytes of `tensor`) that differ from got(e).
template <class Got>
OutputDifference count_differences(const ir::Tensor& tensor, std::span<const uint8_t> want,
                                   std::size_t elements, const Got& got) {
  OutputDifference diff;
  diff.tensor = tensor.name;
  for (std::size_t e = 0; e < elements; ++e) {
    const int64_t va = element_value(tensor.type, want, e);
    const int64_t vb = got(e);
    if (va == vb)
      continue;
    if (diff.differing++ == 0) {
      diff.element = e;
      diff.want = va;
      diff.got = vb;
    }
  }
  return diff;
}

// Where two byte images of a tensor differ, element by element.
OutputDifference difference(const ir::Tensor& tensor, std::span<const uint8_t> want,
                            std::span<const uint8_t> got) {
  if (want.size() != got.size()) {
    throw Error(ErrorKind::kInternal,
                fmt::format("tensor '{}': the compiled model gives {} bytes, the original {}",
                            tensor.name, got.size(), want.size()));
  }
  const std::size_t esize = static_cast<std::size_t>(ir::element_size(tensor.type).value_or(1));
  return count_differences(tensor, want, want.size() / esize,
                           [&](std::size_t e) { return element_value(tensor.type, got, e); });
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
                          std::span<const std::vector<uint8_t>> inputs,
                          const BlockOfmName& ofm_name) {
  // A model that holds ethos-u operators already (compiled before) runs them on the NPU model.
  refinterp::Interpreter want(original, ethosu_kernel_factory("original model"));
  std::map<std::string, int> original_tensor;
  for (std::size_t t = 0; t < want.graph().tensors.size(); ++t)
    original_tensor.emplace(want.graph().tensors[t].name, static_cast<int>(t));
  // Every block operation's OFM as written, to find who wrote a differing element; and the first
  // one whose whole-tensor OFM differs from the reference.
  std::vector<Written> written;
  std::optional<OutputDifference> first_block;
  std::optional<Culprit> first_block_culprit;
  auto observer = [&](std::size_t ethosu, const npusim::EthosuRunner&,
                      const npusim::OperationEvent& event) {
    if (event.operation == nullptr || !event.operation->block)
      return;
    std::size_t blocks = 0;
    for (const Written& w : written)
      blocks += w.ethosu == ethosu ? 1 : 0;
    written.push_back({ethosu, event.index, blocks, event.operation->kind,
                       event.operation->byte_offset, event.operation->block->ofm});
    if (!ofm_name || first_block || event.ofm == nullptr)
      return;
    const auto it = original_tensor.find(ofm_name(ethosu, blocks));
    if (it == original_tensor.end())
      return;
    const ir::Tensor& tensor = want.graph().tensors[static_cast<std::size_t>(it->second)];
    const auto bytes = want.tensor_bytes(it->second);
    const std::size_t esize = static_cast<std::size_t>(ir::element_size(tensor.type).value_or(1));
    if (bytes.size() != event.ofm->values.size() * esize)
      return;  // a part of the tensor
    const OutputDifference diff =
        count_differences(tensor, bytes, event.ofm->values.size(),
                          [&](std::size_t e) { return int64_t{event.ofm->values[e]}; });
    if (diff.differing == 0)
      return;
    first_block = diff;
    first_block_culprit = Culprit{ethosu, event.index, blocks,
                                  std::string(npu::operation_kind_name(event.operation->kind)),
                                  event.operation->byte_offset};
  };
  refinterp::Interpreter got(compiled, ethosu_kernel_factory("compiled model", observer));
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
  want.invoke();  // first: the observer compares the NPU's OFMs with its tensors
  got.invoke();
  Comparison result;
  for (std::size_t k = 0; k < want.output_count(); ++k) {
    const ir::Tensor& tensor = want.output_tensor(k);
    OutputDifference diff = difference(tensor, want.output(k), got.output(k));
    diff.output = k;
    const bool equal = diff.differing == 0;
    result.output_equal.push_back(equal);
    if (!equal && !result.first)
      result.first = diff;
  }
  if (!result.first)
    return result;
  if (first_block) {
    result.first_npu_tensor = first_block;
    result.culprit = first_block_culprit;
    return result;
  }
  // The first tensor an ethos-u operator wrote (in execution order) that differs from the
  // original's tensor of the same name: where the error starts.
  const ir::Subgraph& compiled_graph = got.graph();
  for (const ir::Operator& op : compiled_graph.operators) {
    if (op.type != ir::BuiltinOp::CUSTOM || op.custom_code != npu::kEthosuCustomCode)
      continue;
    for (int t : op.outputs) {
      const ir::Tensor& tensor = compiled_graph.tensors.at(static_cast<std::size_t>(t));
      auto it = original_tensor.find(tensor.name);
      if (it == original_tensor.end())
        continue;
      const auto a = want.tensor_bytes(it->second);
      const auto b = got.tensor_bytes(t);
      if (a.size() != b.size())
        continue;
      const OutputDifference diff = difference(tensor, a, b);
      if (diff.differing == 0)
        continue;
      result.first_npu_tensor = diff;
      const std::size_t esize = static_cast<std::size_t>(ir::element_size(tensor.type).value_or(1));
      result.culprit = find_writer(compiled, written, t, diff.element * esize);
      return result;
    }
  }
  return result;
}

}  // namespace euc::runner
