#pragma once
// Plugs the functional model into the reference interpreter: models compiled for the NPU run
// their `ethos-u` operators here and their CPU operators in refinterp, e.g.
//   refinterp::Interpreter interp(model, runner::ethosu_kernel_factory(path));
#include <cstddef>
#include <functional>
#include <string>

#include "ir/model.hpp"
#include "npusim/ethosu_runner.hpp"
#include "refinterp/interpreter.hpp"

namespace euc::runner {

// Called after every NPU operation of every ethos-u operator; `ethosu_index` counts the ethos-u
// operators of the subgraph in execution order.
using NpuObserver = std::function<void(std::size_t ethosu_index, const npusim::EthosuRunner& runner,
                                       const npusim::OperationEvent& event)>;

// A factory that prepares every CUSTOM "ethos-u" operator of the first subgraph of the model the
// interpreter runs and leaves other custom codes to the interpreter (it returns no kernel).
// Operators that name the same scratch tensor share its memory for the whole invocation, as in
// TensorFlow Lite Micro. Errors from the NPU name `source`, the operator and the command.
refinterp::CustomKernelFactory ethosu_kernel_factory(std::string source, NpuObserver observer = {});

}  // namespace euc::runner
