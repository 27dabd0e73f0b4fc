#pragma once
// Which network operators may run on the NPU. The rules are those Vela 3.10 applies before it
// rewrites a TFLite graph (published in its SUPPORTED_OPS.md; semantics from its semantic and
// supported-operator checks), held as one table of constraints: the checks, the command line's
// --show-cpu-operations and the generated SUPPORTED_OPS.md all read that table, so the
// documentation cannot drift from the code. The rules are the same for every Ethos-U55 and
// Ethos-U65 configuration (Vela 3.10 has no per-accelerator operator rules).
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/model.hpp"

namespace euc::frontend {

class OpView;

struct CheckOptions {
  // --force-symmetric-int-weights: asymmetric int8/int16 convolution weights are made symmetric
  // instead of sending the operator to the CPU.
  bool force_symmetric_int_weights = false;
};

struct SupportVerdict {
  // Vela 3.10 would place the operator on the NPU: its type is one of vela_operator_types()
  // and it meets every constraint.
  bool meets_rules = false;
  // euc places it there: it meets the rules and euc lowers its type (the lowering may still
  // find an instance it cannot express). `reasons` are rule violations only; why an operator
  // that meets the rules stays on the CPU: frontend::why_not_lowered.
  bool on_npu = false;
  // One line per violated constraint: "<description>: <specifics>".
  std::vector<std::string> reasons;
  // The ids of the violated constraints, parallel to `reasons` (empty id: the operator type is
  // not an NPU operator at all).
  std::vector<std::string> failed;
};

// Reason given for every operator whose type the NPU cannot run at all.
inline constexpr std::string_view kNotNpuOperatorReason =
    "operator type is not supported on the NPU";

// The verdict for operator `op_index` of subgraph `subgraph`. Every applicable constraint is
// evaluated and every violation listed (Vela stops at the first).
SupportVerdict check_operator(const ir::Model& model, int subgraph, int op_index,
                              const CheckOptions& options = {});
// Verdicts for every operator of every subgraph: result[subgraph][operator].
std::vector<std::vector<SupportVerdict>> check_model(const ir::Model& model,
                                                     const CheckOptions& options = {});

// SUPPORTED_OPS.md: a summary table of the NPU operators with links, the generic constraints
// with their exceptions, and the specific constraints of each operator.
std::string supported_ops_report();

// The TFLite operators euc places on the NPU (subject to the constraints): exactly those with a
// lowering (frontend/lowering/operator_table), in name order.
std::span<const ir::BuiltinOp> npu_operator_types();
bool is_npu_operator_type(ir::BuiltinOp type);
// The TFLite operators Vela 3.10 places on the NPU and those Vela 5.1 adds for the Ethos-U55, in
// name order; the constraint table holds rules for all of them (those euc does not lower stay on
// the CPU, saying why: frontend/lowering/unlowered.hpp).
std::span<const ir::BuiltinOp> vela_operator_types();
bool is_vela_operator_type(ir::BuiltinOp type);

// One rule. A generic constraint applies to every NPU operator except those in `ops`; a specific
// one applies to exactly the operators in `ops`.
enum class ConstraintScope { kGeneric, kSpecific };

// nullopt: the operator satisfies the constraint (or it does not apply to this instance);
// otherwise what is wrong, with specifics (tensor names, shapes, values).
using ConstraintCheck = std::optional<std::string> (*)(const OpView& op);

struct Constraint {
  std::string id;                    // stable, snake_case
  std::string description;           // one sentence, for reasons and the report
  std::vector<std::string> details;  // extra lines for the report (criteria lists), may be empty
  ConstraintScope scope = ConstraintScope::kSpecific;
  std::vector<ir::BuiltinOp> ops;
  ConstraintCheck check = nullptr;

  bool applies_to(ir::BuiltinOp type) const;
};

// The whole table, in evaluation order: generic constraints first.
const std::vector<Constraint>& constraint_table();
const Constraint* find_constraint(std::string_view id);

}  // namespace euc::frontend
