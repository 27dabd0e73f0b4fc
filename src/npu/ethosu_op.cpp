#include "npu/ethosu_op.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "core/error.hpp"

namespace euc::npu {
namespace {

constexpr int kHeaderWords = 3;  // version, subgraph count, tensor count
constexpr std::size_t kFixedInputs = 4;

int32_t read_int32(std::span<const uint8_t> bytes, std::size_t word) {
  const std::size_t at = word * 4;
  return static_cast<int32_t>(
      static_cast<uint32_t>(bytes[at]) | (static_cast<uint32_t>(bytes[at + 1]) << 8) |
      (static_cast<uint32_t>(bytes[at + 2]) << 16) | (static_cast<uint32_t>(bytes[at + 3]) << 24));
}

class OperatorChecker {
 public:
  OperatorChecker(const ir::Model& model, std::size_t subgraph, std::size_t op_index,
                  std::string_view source)
      : model_(model),
        graph_(model.subgraphs[subgraph]),
        where_(fmt::format("{}: subgraph {} operator {} (ethos-u)", source, subgraph, op_index)) {}

  const std::string& where() const { return where_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw_input(fmt::format("{}: {}", where_, what));
  }

  const ir::Tensor& tensor(int32_t index, std::string_view role) const {
    if (index < 0 || static_cast<std::size_t>(index) >= graph_.tensors.size())
      fail(fmt::format("{} tensor index {} is omitted or out of range", role, index));
    return graph_.tensors[static_cast<std::size_t>(index)];
  }

  // A uint8 tensor whose buffer holds exactly its elements.
  std::span<const uint8_t> constant_bytes(int32_t index, std::string_view role) const {
    const ir::Tensor& t = tensor(index, role);
    require_uint8(t, role);
    const std::span<const uint8_t> data = model_.tensor_data(t);
    if (data.size() != static_cast<std::size_t>(t.num_elements())) {
      fail(
          fmt::format("{} tensor {} '{}' must be constant: it has {} elements but {} bytes of "
                      "data",
                      role, index, t.name, t.num_elements(), data.size()));
    }
    return data;
  }

  void require_variable_uint8(int32_t index, std::string_view role) const {
    const ir::Tensor& t = tensor(index, role);
    require_uint8(t, role);
    if (!model_.tensor_data(t).empty())
      fail(fmt::format("{} tensor {} '{}' must not hold constant data", role, index, t.name));
  }

 private:
  void require_uint8(const ir::Tensor& t, std::string_view role) const {
    if (t.type != ir::DataType::kUInt8) {
      fail(fmt::format("{} tensor '{}' has type {}; expected uint8", role, t.name,
                       ir::data_type_name(t.type)));
    }
  }

  const ir::Model& model_;
  const ir::Subgraph& graph_;
  std::string where_;
};

EthosuTensor planned(const std::optional<OfflineMemoryAllocation>& plan, std::size_t subgraph,
                     int32_t index) {
  EthosuTensor t;
  t.index = index;
  if (plan)
    t.arena_offset = plan->offset(subgraph, index);
  return t;
}

}  // namespace

std::optional<int32_t> OfflineMemoryAllocation::offset(std::size_t subgraph, int32_t tensor) const {
  if (subgraph >= offsets.size() || tensor < 0 ||
      static_cast<std::size_t>(tensor) >= offsets[subgraph].size())
    return std::nullopt;
  const int32_t value = offsets[subgraph][static_cast<std::size_t>(tensor)];
  if (value == kRuntimeAllocated)
    return std::nullopt;
  return value;
}

std::optional<OfflineMemoryAllocation> read_offline_memory_allocation(const ir::Model& model,
                                                                      std::string_view source) {
  const auto count =
      std::count_if(model.metadata.begin(), model.metadata.end(),
                    [](const ir::Metadata& m) { return m.name == kOfflineMemoryAllocationName; });
  if (count == 0)
    return std::nullopt;
  const std::string where = fmt::format("{}: metadata {}", source, kOfflineMemoryAllocationName);
  if (count > 1)
    throw_input(fmt::format("{}: appears {} times", where, count));
  const ir::Metadata* metadata = model.find_metadata(kOfflineMemoryAllocationName);
  if (metadata->buffer >= model.buffers.size())
    throw_input(fmt::format("{}: buffer {} does not exist", where, metadata->buffer));
  const std::span<const uint8_t> bytes = model.buffers[metadata->buffer].bytes();
  if (bytes.size() % 4 != 0)
    throw_input(
        fmt::format("{}: {} bytes is not a whole number of int32 words", where, bytes.size()));
  const std::size_t words = bytes.size() / 4;
  if (words < kHeaderWords)
    throw_input(fmt::format("{}: {} words is too short for the 3-word header", where, words));

  OfflineMemoryAllocation plan;
  plan.version = read_int32(bytes, 0);
  const int32_t subgraph_count = read_int32(bytes, 1);
  const int32_t tensor_count = read_int32(bytes, 2);
  if (plan.version != 0)
    throw_input(fmt::format("{}: version {}; only version 0 exists", where, plan.version));
  if (subgraph_count < 0 || static_cast<std::size_t>(subgraph_count) != model.subgraphs.size()) {
    throw_input(fmt::format("{}: subgraph count {} but the model has {} subgraphs", where,
                            subgraph_count, model.subgraphs.size()));
  }
  std::size_t model_tensors = 0;
  for (const ir::Subgraph& g : model.subgraphs)
    model_tensors += g.tensors.size();
  if (tensor_count < 0 || static_cast<std::size_t>(tensor_count) != model_tensors) {
    throw_input(fmt::format("{}: tensor count {} but the model's subgraphs have {} tensors", where,
                            tensor_count, model_tensors));
  }
  if (words - kHeaderWords != model_tensors) {
    throw_input(fmt::format("{}: {} offsets follow the header but the tensor count is {}", where,
                            words - kHeaderWords, tensor_count));
  }
  std::size_t word = kHeaderWords;
  for (std::size_t s = 0; s < model.subgraphs.size(); ++s) {
    std::vector<int32_t>& offsets = plan.offsets.emplace_back();
    for (std::size_t t = 0; t < model.subgraphs[s].tensors.size(); ++t, ++word) {
      const int32_t value = read_int32(bytes, word);
      if (value < kRuntimeAllocated) {
        throw_input(fmt::format("{}: subgraph {} tensor {} has offset {}; offsets are >= 0 or -1",
                                where, s, t, value));
      }
      offsets.push_back(value);
    }
  }
  return plan;
}

std::vector<EthosuOperator> read_ethosu_operators(const ir::Model& model, std::string_view source) {
  const std::optional<OfflineMemoryAllocation> plan = read_offline_memory_allocation(model, source);
  std::vector<EthosuOperator> result;
  for (std::size_t s = 0; s < model.subgraphs.size(); ++s) {
    const ir::Subgraph& graph = model.subgraphs[s];
    for (std::size_t o = 0; o < graph.operators.size(); ++o) {
      const ir::Operator& op = graph.operators[o];
      if (op.type != ir::BuiltinOp::CUSTOM || op.custom_code != kEthosuCustomCode)
        continue;
      const OperatorChecker check(model, s, o, source);
      if (op.inputs.size() < kFixedInputs) {
        check.fail(fmt::format(
            "has {} inputs; expected command_stream, flash, scratch, scratch_fast and the IFMs",
            op.inputs.size()));
      }
      if (op.outputs.empty())
        check.fail("has no outputs; expected at least one OFM");
      const bool vela_options =
          std::equal(op.custom_options.begin(), op.custom_options.end(),
                     std::begin(kEthosuCustomOptions), std::end(kEthosuCustomOptions));
      if (op.custom_options_format != 0 || (!op.custom_options.empty() && !vela_options)) {
        check.fail(
            fmt::format("unexpected custom options (format {}, {} bytes); expected the "
                        "flexbuffer bytes 01 04 01",
                        op.custom_options_format, op.custom_options.size()));
      }

      EthosuOperator e;
      e.subgraph = s;
      e.operator_index = o;
      const std::span<const uint8_t> stream = check.constant_bytes(op.inputs[0], "command stream");
      check.constant_bytes(op.inputs[1], "flash");
      check.require_variable_uint8(op.inputs[2], "scratch");
      check.require_variable_uint8(op.inputs[3], "scratch_fast");
      e.command_stream = planned(plan, s, op.inputs[0]);
      e.flash = planned(plan, s, op.inputs[1]);
      e.scratch = planned(plan, s, op.inputs[2]);
      e.scratch_fast = planned(plan, s, op.inputs[3]);
      for (std::size_t i = kFixedInputs; i < op.inputs.size(); ++i) {
        check.tensor(op.inputs[i], fmt::format("IFM {}", i - kFixedInputs));
        e.ifms.push_back(planned(plan, s, op.inputs[i]));
      }
      for (std::size_t i = 0; i < op.outputs.size(); ++i) {
        check.tensor(op.outputs[i], fmt::format("OFM {}", i));
        e.ofms.push_back(planned(plan, s, op.outputs[i]));
      }
      e.payload = parse_driver_payload(stream, check.where());
      result.push_back(std::move(e));
    }
  }
  return result;
}

}  // namespace euc::npu
