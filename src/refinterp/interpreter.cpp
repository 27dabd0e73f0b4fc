#include "refinterp/interpreter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "refinterp/kernels.hpp"

namespace euc::refinterp {
namespace {

size_t byte_size(const ir::Tensor& t, int index) {
  auto elem = ir::element_size(t.type);
  if (!elem)
    throw_input(fmt::format("tensor {} ('{}') has type {}, which the interpreter cannot hold",
                            index, t.name, ir::data_type_name(t.type)));
  return static_cast<size_t>(t.num_elements()) * static_cast<size_t>(*elem);
}

}  // namespace

Interpreter::Interpreter(ir::Model model, const CustomKernelFactory& custom)
    : model_(std::move(model)), arena_(0) {
  if (model_.subgraphs.empty())
    throw_input("model has no subgraph");
  const ir::Subgraph& g = graph();
  arena_ = TensorArena(g.tensors.size());
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const ir::Tensor& t = g.tensors[i];
    const auto index = static_cast<int>(i);
    if (t.type == ir::DataType::kString || t.type == ir::DataType::kResource ||
        t.type == ir::DataType::kVariant)
      continue;  // never used by the supported operators; a kernel rejects them by type
    const size_t size = byte_size(t, index);
    auto constant = model_.tensor_data(t);
    if (!constant.empty()) {
      if (constant.size() != size)
        throw_input(fmt::format("tensor {} ('{}') has {} bytes of data, its shape {} needs {}",
                                index, t.name, constant.size(), shape_string(t.shape), size));
      arena_.bytes(index).assign(constant.begin(), constant.end());
    } else {
      arena_.bytes(index).assign(size, 0);
    }
  }
  kernels_.reserve(g.operators.size());
  for (size_t i = 0; i < g.operators.size(); ++i) {
    OpContext ctx(model_, g, static_cast<int>(i));
    const ir::Operator& op = g.operators[i];
    PrepareFn prepare = op.type == ir::BuiltinOp::CUSTOM ? nullptr : find_kernel(op.type);
    Kernel custom_kernel = prepare == nullptr && custom ? custom(ctx) : Kernel{};
    if (prepare == nullptr && !custom_kernel)
      ctx.fail("not supported by the reference interpreter");
    for (size_t k = 0; k < ctx.num_outputs(); ++k)
      if (ctx.output_index(k) >= 0 && !model_.tensor_data(ctx.output(k)).empty())
        ctx.fail(fmt::format("output {} ('{}') is a constant tensor", k, ctx.output(k).name));
    kernels_.push_back(custom_kernel ? std::move(custom_kernel) : prepare(ctx));
  }
  reset_variable_tensors();
}

const ir::Tensor& Interpreter::input_tensor(size_t k) const {
  return graph().tensors.at(static_cast<size_t>(graph().inputs.at(k)));
}

const ir::Tensor& Interpreter::output_tensor(size_t k) const {
  return graph().tensors.at(static_cast<size_t>(graph().outputs.at(k)));
}

void Interpreter::set_input(size_t k, std::span<const uint8_t> bytes) {
  const int index = graph().inputs.at(k);
  auto& dst = arena_.bytes(index);
  if (bytes.size() != dst.size())
    throw_input(fmt::format("input {} ('{}') needs {} bytes ({} {}), got {}", k,
                            input_tensor(k).name, dst.size(),
                            ir::data_type_name(input_tensor(k).type),
                            shape_string(input_tensor(k).shape), bytes.size()));
  std::copy(bytes.begin(), bytes.end(), dst.begin());
}

void Interpreter::invoke() {
  if (!keep_variables_)
    reset_variable_tensors();
  for (auto& kernel : kernels_)
    kernel(arena_);
}

void Interpreter::reset_variable_tensors() {
  const ir::Subgraph& g = graph();
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const ir::Tensor& t = g.tensors[i];
    if (!t.is_variable)
      continue;
    // TFLM resets int8 state to its zero point and everything else to 0.
    const int fill = t.type == ir::DataType::kInt8 ? zero_point_of(t) : 0;
    auto& bytes = arena_.bytes(static_cast<int>(i));
    std::fill(bytes.begin(), bytes.end(), static_cast<uint8_t>(fill));
  }
}

std::span<const uint8_t> Interpreter::output(size_t k) const {
  return arena_.bytes(graph().outputs.at(k));
}

std::span<const uint8_t> Interpreter::tensor_bytes(int tensor_index) const {
  return arena_.bytes(tensor_index);
}

}  // namespace euc::refinterp
