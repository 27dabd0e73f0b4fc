#pragma once
// The weight-reading NPU operations of a model compiled by Arm's Vela, with the bytes their
// weight and scale registers point at, traced back to the flash tensor (through the DMAs that
// copied them into SRAM when they were buffered). For tests that check euc's weight layout
// against Vela's.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "npu/operation.hpp"

namespace euc::test {

struct VelaFlashBytes {
  std::size_t flash_offset = 0;  // in the ethos-u operator's flash tensor
  std::vector<std::uint8_t> bytes;
};

struct VelaWeightOp {
  std::size_t ethosu_operator = 0;                      // which ethos-u operator of the model
  std::size_t operation = 0;                            // index in that operator's NPU operations
  npu::OperationKind kind = npu::OperationKind::kConv;  // kConv or kDepthwise
  npu::Kernel kernel;                                   // sizes, strides, traversal bit
  int block_depth = 0;                                  // OFM_BLK_DEPTH_M1 + 1
  int ifm_depth = 0;
  int ofm_depth = 0;
  int ifm_bits = 8;
  std::vector<VelaFlashBytes> weights;  // one per core
  std::vector<VelaFlashBytes> scales;
};

// Every CONV and DEPTHWISE operation in command-stream order. Throws euc::Error when a weight or
// scale range cannot be traced to the flash tensor.
std::vector<VelaWeightOp> vela_weight_ops(const std::filesystem::path& model_path);

}  // namespace euc::test
