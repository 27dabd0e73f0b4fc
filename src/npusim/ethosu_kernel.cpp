#include "npusim/ethosu_kernel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "npu/ethosu_op.hpp"

namespace euc::npusim {
namespace {

struct Shared {
  std::string source;
  NpuObserver observer;
  std::optional<std::vector<npu::EthosuOperator>> operators;  // read on first use
  std::size_t prepared = 0;
};

refinterp::Kernel make_kernel(const refinterp::OpContext& ctx,
                              const std::shared_ptr<Shared>& shared) {
  if (!shared->operators)
    shared->operators = npu::read_ethosu_operators(ctx.model(), shared->source);
  const auto& ops = *shared->operators;
  const auto it = std::find_if(ops.begin(), ops.end(), [&](const npu::EthosuOperator& op) {
    return op.subgraph == 0 && op.operator_index == static_cast<std::size_t>(ctx.index());
  });
  if (it == ops.end())
    ctx.fail("is not among the ethos-u operators found in the model");
  auto runner = std::make_shared<EthosuRunner>(ctx.model(), *it, shared->source);
  std::vector<int> inputs;
  for (const npu::EthosuTensor& t : it->ifms)
    inputs.push_back(t.index);
  std::vector<int> outputs;
  for (const npu::EthosuTensor& t : it->ofms)
    outputs.push_back(t.index);
  const std::size_t number = shared->prepared++;
  return [runner, inputs, outputs, number, shared](refinterp::TensorArena& arena) {
    std::vector<std::span<const uint8_t>> ifms;
    for (int index : inputs)
      ifms.emplace_back(arena.bytes(index));
    OperationObserver observer;
    if (shared->observer) {
      observer = [&](const OperationEvent& event) { shared->observer(number, *runner, event); };
    }
    const std::vector<std::vector<uint8_t>> ofms = runner->run(ifms, observer);
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      auto& dst = arena.bytes(outputs[k]);
      if (dst.size() != ofms[k].size())
        throw Error(ErrorKind::kInternal, "npusim: OFM size differs from its tensor");
      std::copy(ofms[k].begin(), ofms[k].end(), dst.begin());
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

}  // namespace euc::npusim
