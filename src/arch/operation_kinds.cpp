#include "arch/operation_kinds.hpp"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "core/error.hpp"

namespace euc::arch {
namespace {

constexpr size_t kKinds = static_cast<size_t>(ir::NpuOpType::kMemcpy) + 1;

// The family tables merged and indexed by type; every type must have exactly one entry.
std::vector<OperationKind> build_table() {
  std::vector<OperationKind> table(kKinds);
  std::array<bool, kKinds> seen{};
  for (auto family : {operations::convolution_kinds(), operations::pooling_kinds(),
                      operations::elementwise_kinds(), operations::data_movement_kinds()}) {
    for (const OperationKind& kind : family) {
      const auto index = static_cast<size_t>(kind.type);
      if (index >= kKinds || seen[index])
        throw Error(ErrorKind::kInternal,
                    fmt::format("operation kind '{}' listed twice or out of range", kind.name));
      seen[index] = true;
      table[index] = kind;
    }
  }
  for (size_t i = 0; i < kKinds; ++i) {
    if (!seen[i])
      throw Error(ErrorKind::kInternal, fmt::format("NPU operation type {} has no entry", i));
  }
  return table;
}

const std::vector<OperationKind>& table() {
  static const std::vector<OperationKind> kTable = build_table();
  return kTable;
}

}  // namespace

const OperationKind& operation_kind(ir::NpuOpType type) {
  const auto index = static_cast<size_t>(type);
  if (index >= table().size())
    throw Error(ErrorKind::kInternal, fmt::format("unknown NPU operation type {}", index));
  return table()[index];
}

std::span<const OperationKind> operation_kinds() {
  return table();
}

}  // namespace euc::arch
