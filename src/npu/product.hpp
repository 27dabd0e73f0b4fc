#pragma once
// The NPU product an accelerator configuration belongs to. Its value is the product field
// (bits 28-31) of the CONFIG register that the driver payload carries and the driver checks
// against the NPU it runs on (docs/npu_architecture.md §Driver payload).
#include <cstdint>

namespace euc::npu {

enum class NpuProduct : uint8_t { kEthosU55 = 0, kEthosU65 = 1 };

}  // namespace euc::npu
