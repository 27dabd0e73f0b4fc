#pragma once
// A lowering's parameter check returns either the parameters it derived or the reason it
// refuses the operator; the why_not and the lowering of an operator read that one result.
#include <fmt/format.h>

#include <optional>
#include <string>
#include <variant>

#include "core/error.hpp"
#include "ir/model.hpp"

namespace euc::frontend {

template <class Params>
using Checked = std::variant<Params, std::string>;

// The reason the check refused the operator, or nothing when it accepted it.
template <class Params>
std::optional<std::string> refusal(const Checked<Params>& checked) {
  if (const std::string* why = std::get_if<std::string>(&checked))
    return *why;
  return std::nullopt;
}

// The accepted parameters; an input error naming operator `index` when the check refused it (the
// partitioner asks the why_not first, so this is a model the caller should not have lowered).
template <class Params>
Params accepted(Checked<Params> checked, const ir::Operator& op, int index) {
  if (const std::string* why = std::get_if<std::string>(&checked)) {
    throw_input(fmt::format("operator {} ({}) cannot be lowered to the NPU: {}", index,
                            ir::operator_display_name(op), *why));
  }
  return std::get<Params>(std::move(checked));
}

}  // namespace euc::frontend
