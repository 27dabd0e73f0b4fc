#pragma once
// Plugs the functional model into the reference interpreter: models compiled for the NPU run
// their `ethos-u` operators here and their CPU operators in refinterp, e.g.
//   refinterp::Interpreter interp(model, npusim::ethosu_kernel_factory(path));
#include <cstddef>
#include <functional>
#include <string>

#include "ir/model.hpp"
#include "npusim/ethosu_runner.hpp"
#include "refinterp/interpreter.hpp"

namespace euc::npusim {

// Called after every NPU operation of every ethos-u operator; `ethosu_index` counts the ethos-u
// operators of the subgraph in execution order.
using NpuObserver = std::function<void(std::size_t ethosu_index, const EthosuRunner& runner,
                                       const OperationEvent& event)>;

// A factory that prepares every CUSTOM "ethos-u" operator of the first subgraph of the model the
// interpreter runs and leaves other custom codes to the interpreter (it returns no kernel).
// Errors from the NPU name `source`, the operator and the command.
refinterp::CustomKernelFactory ethosu_kernel_factory(std::string source, NpuObserver observer = {});

}  // namespace euc::npusim
