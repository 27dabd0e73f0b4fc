#pragma once
// NPU_OP_DMA_START: a byte copy between regions, or from a region into SHRAM (the `internal`
// endpoint flag; Vela loads LUTs that way).
//
// Only the 1D stride mode is modelled: the facts name 2D and 3D modes and their SIZE0/SIZE1/
// SKIP0/SKIP1 registers but not how they walk memory, and Vela 3.10 never emits them; a 2D/3D
// DMA is an error. Alignment: source, destination and length must be multiples of 16 bytes on
// U55, and on U65 the SHRAM side (docs/npu_architecture.md §Memory and alignment, Vela
// check_dma_op). Initialisation marks travel with the bytes: copying bytes that hold no data is not
// an error in itself (a DMA may move a whole buffer), reading them later is.
#include "arch/accelerator.hpp"
#include "npu/operation.hpp"
#include "npusim/hazards.hpp"
#include "npusim/memory.hpp"

namespace euc::npusim {

AccessSet dma_accesses(const NpuMemory& memory, const npu::DmaOperation& dma,
                       const arch::AcceleratorConfig& accel);
void run_dma(NpuMemory& memory, const npu::DmaOperation& dma, const arch::AcceleratorConfig& accel);

}  // namespace euc::npusim
