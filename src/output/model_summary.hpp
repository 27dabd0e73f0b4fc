#pragma once
#include <string>

#include "ir/model.hpp"

namespace euc::output {

// A human-readable overview of a model: subgraphs, operator counts by type, inputs and outputs
// with shapes and types, and constant (weight) bytes.
std::string format_model_summary(const ir::Model& model, std::string_view source);

}  // namespace euc::output
