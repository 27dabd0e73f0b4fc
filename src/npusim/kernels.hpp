#pragma once
// The block operations of the NPU, each computing an OFM (as stored, after the output stage)
// from the memory the operation reads. The simulator writes the result and does the
// bookkeeping; these functions only compute, checking every field they interpret.
#include <cstddef>

#include "arch/accelerator.hpp"
#include "npu/operation.hpp"
#include "npusim/feature_map_io.hpp"
#include "npusim/memory.hpp"
#include "npusim/op_weights.hpp"

namespace euc::npusim {

struct KernelEnv {
  const NpuMemory& memory;
  const arch::AcceleratorConfig& accelerator;
  WeightCache& weights;
  std::size_t op_index = 0;
};

// conv.cpp: CONV and DEPTHWISE.
DenseMap run_convolution(const KernelEnv& env, const npu::BlockOperation& op, bool depthwise);
// pool.cpp: MAX, AVERAGE, REDUCE_SUM.
DenseMap run_pooling(const KernelEnv& env, const npu::BlockOperation& op);
// elementwise.cpp: binary (MUL, ADD, SUB, MIN, MAX, SHR, SHL) and unary (ABS, LRELU, CLZ).
DenseMap run_elementwise(const KernelEnv& env, const npu::BlockOperation& op);

}  // namespace euc::npusim
