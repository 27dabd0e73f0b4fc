#pragma once
// Checks and bookkeeping around a block operation (CONV, DEPTHWISE, POOL, ELEMENTWISE) that do
// not depend on its arithmetic.
#include "arch/accelerator.hpp"
#include "npu/operation.hpp"
#include "npusim/hazards.hpp"
#include "npusim/memory.hpp"

namespace euc::npusim {

// Throws an input error for fields the hardware does not accept (BLOCKDEP above 3, empty
// shapes, element types the operation does not take, a core count without weight ranges) and
// for an OFM that overlaps what the operation reads: the NPU computes block by block, so only
// an operation whose OFM elements each depend on the IFM element at the same position, writing
// its result exactly over that IFM (same layout; Vela's in-place elementwise), is safe.
void check_block_operation(const NpuMemory& memory, npu::OperationKind kind,
                           const npu::BlockOperation& op, const arch::AcceleratorConfig& accel);

// What the operation reads and writes, for the DMA hazard checks: IFM/IFM2 tiles, weights,
// scales and LUT read; OFM tiles written, and the SHRAM banks it uses for IFM and accumulator
// buffers (all banks below the LUT area, Vela's available_shram_banks).
AccessSet block_accesses(const NpuMemory& memory, const npu::BlockOperation& op,
                         const arch::AcceleratorConfig& accel);

// After the operation, the SHRAM banks it used no longer hold a LUT: on configurations without
// reserved LUT banks (16 banks or fewer) an operation without a LUT overwrites the LUT area,
// which is why Vela reloads LUTs after such operations (lut.py).
void clobber_shram(NpuMemory& memory, const npu::BlockOperation& op,
                   const arch::AcceleratorConfig& accel);

}  // namespace euc::npusim
