#pragma once
// Why euc keeps every instance of an operator type that Vela places on the NPU on the CPU: the
// types with a reason here have no entry in the lowering table (operator_table.cpp) on purpose.
// --show-cpu-operations gives the reason for each such operator and SUPPORTED_OPS.md lists them.
#include <optional>
#include <string_view>

#include "ir/model.hpp"

namespace euc::frontend {

// The reason for `type`, or nullopt when euc has no settled reason (the type is not lowered
// yet, or it is lowered).
std::optional<std::string_view> unlowered_reason(ir::BuiltinOp type);

}  // namespace euc::frontend
