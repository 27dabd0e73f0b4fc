#include "runner/ethosu_kernel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "core/error.hpp"
#include "npu/ethosu_op.hpp"

namespace euc::runner {
namespace {

// What the ethos-u operators of subgraph 0 share within one invocation. TensorFlow Lite Micro
// keeps every tensor with an OfflineMemoryAllocation offset at that offset of one arena, and the
// ethos-u operators' scratch tensor covers it: a tensor an ethos-u operator wrote is read by the
// next one (and by CPU operators) from those very bytes, which later NPU writes may extend (Vela
// writes one concatenation from several ethos-u operators). The interpreter keeps a copy of each
// tensor instead, so this glue keeps both views the same: CPU operators' outputs are written into
// scratch before the next ethos-u operator runs, and after each one the copies of every tensor
// the NPU wrote are refreshed from scratch.
struct Shared {
  std::string source;
  NpuObserver observer;
  const ir::Model* model = nullptr;
  std::optional<std::vector<npu::EthosuOperator>> operators;  // read on first use
  std::optional<npu::OfflineMemoryAllocation> offsets;
  std::size_t prepared = 0;
  std::shared_ptr<npusim::SharedScratch> scratch = std::make_shared<npusim::SharedScratch>();
  // Operator index of the last ethos-u operator run in this invocation (an operator at or before
  // it starts a new invocation: the arena is fresh again).
  std::optional<std::size_t> last_run;
  std::set<int> npu_written;  // tensors ethos-u operators wrote in this invocation
};

std::optional<int32_t> arena_offset(const Shared& shared, int tensor) {
  if (!shared.offsets)
    return std::nullopt;
  return shared.offsets->offset(0, tensor);
}

// Tensors CPU operators (or the caller, for subgraph inputs) produced between the last ethos-u
// operator run and operator `index`, with their arena offsets.
std::vector<int> cpu_tensors_before(const Shared& shared, std::size_t index) {
  const ir::Subgraph& graph = shared.model->subgraphs.at(0);
  std::vector<int> tensors;
  std::size_t first = 0;
  if (shared.last_run) {
    first = *shared.last_run + 1;
  } else {
    tensors.assign(graph.inputs.begin(), graph.inputs.end());
  }
  for (std::size_t i = first; i < index && i < graph.operators.size(); ++i) {
    const ir::Operator& op = graph.operators[i];
    if (op.type == ir::BuiltinOp::CUSTOM && op.custom_code == npu::kEthosuCustomCode)
      continue;
    for (int t : op.outputs)
      tensors.push_back(t);
  }
  return tensors;
}

refinterp::Kernel make_kernel(const refinterp::OpContext& ctx,
                              const std::shared_ptr<Shared>& shared) {
  if (!shared->operators) {
    shared->model = &ctx.model();
    shared->operators = npu::read_ethosu_operators(ctx.model(), shared->source);
    shared->offsets = npu::read_offline_memory_allocation(ctx.model(), shared->source);
  }
  const auto& ops = *shared->operators;
  const auto it = std::find_if(ops.begin(), ops.end(), [&](const npu::EthosuOperator& op) {
    return op.subgraph == 0 && op.operator_index == static_cast<std::size_t>(ctx.index());
  });
  if (it == ops.end())
    ctx.fail("is not among the ethos-u operators found in the model");
  auto runner =
      std::make_shared<npusim::EthosuRunner>(ctx.model(), *it, shared->source, shared->scratch);
  std::vector<int> inputs;
  for (const npu::EthosuTensor& t : it->ifms)
    inputs.push_back(t.index);
  std::vector<int> outputs;
  npusim::EthosuRunner::RunOptions options;
  for (const npu::EthosuTensor& t : it->ofms) {
    outputs.push_back(t.index);
    bool read_later = false;
    for (const npu::EthosuOperator& later : ops) {
      if (later.subgraph != 0 || later.operator_index <= it->operator_index)
        continue;
      for (const npu::EthosuTensor& ifm : later.ifms)
        read_later = read_later || ifm.index == t.index;
    }
    options.ofm_may_be_partial.push_back(read_later);
  }
  const std::size_t number = shared->prepared++;
  const std::size_t index = it->operator_index;
  return [runner, inputs, outputs, options, number, index,
          shared](refinterp::TensorArena& arena) mutable {
    if (shared->last_run && index <= *shared->last_run) {
      shared->scratch->clear();
      shared->last_run.reset();
      shared->npu_written.clear();
    }
    for (int t : cpu_tensors_before(*shared, index)) {
      if (auto offset = arena_offset(*shared, t))
        runner->write_scratch(*offset, arena.bytes(t));
    }
    shared->last_run = index;
    std::vector<std::span<const uint8_t>> ifms;
    options.ifm_in_scratch.clear();
    for (int t : inputs) {
      ifms.emplace_back(arena.bytes(t));
      options.ifm_in_scratch.push_back(shared->npu_written.count(t) > 0);
    }
    npusim::OperationObserver observer;
    if (shared->observer) {
      observer = [&](const npusim::OperationEvent& event) {
        shared->observer(number, *runner, event);
      };
    }
    const std::vector<std::vector<uint8_t>> ofms = runner->run(ifms, observer, options);
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      auto& dst = arena.bytes(outputs[k]);
      if (dst.size() != ofms[k].size())
        throw Error(ErrorKind::kInternal, "npusim: OFM size differs from its tensor");
      std::copy(ofms[k].begin(), ofms[k].end(), dst.begin());
      shared->npu_written.insert(outputs[k]);
    }
    // Tensors earlier ethos-u operators wrote are what scratch holds now.
    for (int t : shared->npu_written) {
      const auto offset = arena_offset(*shared, t);
      auto& dst = arena.bytes(t);
      if (!offset)
        continue;
      if (auto bytes = runner->scratch_bytes(*offset, dst.size()))
        std::copy(bytes->begin(), bytes->end(), dst.begin());
    }
  };
}

}  // namespace

refinterp::CustomKernelFactory ethosu_kernel_factory(std::string source, NpuObserver observer) {
  auto shared = std::make_shared<Shared>();
  shared->source = std::move(source);
  shared->observer = std::move(observer);
  return [shared](const refinterp::OpContext& ctx) -> refinterp::Kernel {
    if (ctx.op().custom_code != npu::kEthosuCustomCode)
      return {};
    return make_kernel(ctx, shared);
  };
}

}  // namespace euc::runner
