#pragma once
// The constraint table is assembled from one list per family of operators; each family's
// checks live in their own file. Order inside a list is the order of evaluation and of the
// report.
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "frontend/supported/supported_ops.hpp"

namespace euc::frontend::detail {

std::vector<Constraint> generic_constraints();
// CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED; strides shared with pooling.
std::vector<Constraint> convolution_constraints();
std::vector<Constraint> pooling_resize_constraints();
std::vector<Constraint> elementwise_constraints();    // element-wise and SOFTMAX
std::vector<Constraint> reduction_constraints();      // MEAN, ARG_MAX
std::vector<Constraint> data_movement_constraints();  // reshapes, concat, split
std::vector<Constraint> slice_pad_transpose_constraints();
std::vector<Constraint> lstm_constraints();

inline Constraint generic(std::string id, std::string description,
                          std::initializer_list<ir::BuiltinOp> exceptions, ConstraintCheck check,
                          std::vector<std::string> details = {}) {
  return Constraint{std::move(id),      std::move(description),
                    std::move(details), ConstraintScope::kGeneric,
                    exceptions,         check};
}

inline Constraint specific(std::string id, std::string description,
                           std::initializer_list<ir::BuiltinOp> ops, ConstraintCheck check,
                           std::vector<std::string> details = {}) {
  return Constraint{
      std::move(id), std::move(description), std::move(details), ConstraintScope::kSpecific, ops,
      check};
}

// "'a', 'b'"
std::string quoted_names(const std::vector<const ir::Tensor*>& tensors);

}  // namespace euc::frontend::detail
