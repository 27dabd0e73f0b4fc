#pragma once
// Text for NPU operations: the disassembler's one-line summary of what an NPU_OP_* command
// launches, and test diagnostics.
#include <string>

#include "npu/operation.hpp"

namespace euc::npu {

// "48x48x8 int8 NHCWB16 r1@0x2400"
std::string format_feature_map(const FeatureMap& fm);

// One line, e.g.
//   CONV ifm 96x96x1 int8 NHWC r1@0x0 -> ofm 48x48x8 int8 NHCWB16 r1@0x2400 kernel 3x3
//   stride 2x2 pad t0 l0 b1 r1 weights r0@0x0+0x150 scales r0@0x150+0x50
//   POOL AVERAGE ...; ELEMENTWISE ADD ifm ... ifm2 ... -> ofm ...
//   DMA r0@0x1200 -> r1@0x0 length 0x400
std::string summarize_operation(const NpuOperation& op);

}  // namespace euc::npu
