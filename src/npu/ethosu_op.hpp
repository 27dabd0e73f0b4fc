#pragma once
// The NPU parts of a Vela-compiled model: every CUSTOM operator with custom code "ethos-u", its
// tensors, its driver payload, and where the runtime places its IFMs and OFMs in the arena
// (docs/npu_architecture.md §Driver payload).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "ir/model.hpp"
#include "npu/driver_payload.hpp"

namespace euc::npu {

inline constexpr std::string_view kEthosuCustomCode = "ethos-u";
inline constexpr std::string_view kOfflineMemoryAllocationName = "OfflineMemoryAllocation";
// The custom options Vela writes: the flexbuffer of the integer 1.
inline constexpr uint8_t kEthosuCustomOptions[] = {0x01, 0x04, 0x01};
// An OfflineMemoryAllocation offset meaning "the runtime allocates this tensor".
inline constexpr int32_t kRuntimeAllocated = -1;

// The "OfflineMemoryAllocation" metadata (TFLite Micro's offline memory planner format): int32
// little-endian words: version 0, subgraph count, tensor count, then one arena offset per tensor
// of every subgraph in order (-1: left to the runtime). Vela writes it with the subgraph and
// tensor counts of the whole model, e.g. person_detect (Vela 3.10) `0 1 6 0 -1 -1 0 0 0`: output
// at 0, command stream and flash -1, scratch, scratch_fast and input at 0.
struct OfflineMemoryAllocation {
  int32_t version = 0;
  std::vector<std::vector<int32_t>> offsets;  // [subgraph][tensor]

  // The offset of a tensor, or nullopt for kRuntimeAllocated.
  std::optional<int32_t> offset(std::size_t subgraph, int32_t tensor) const;
};

// nullopt when the model has no such metadata. Throws an input error, prefixed with `source`,
// for a size that is not whole int32 words, fewer than three header words, a version other than
// 0, counts that disagree with the model's subgraphs and tensors or with the metadata size, an
// offset below -1, or two entries of that name.
std::optional<OfflineMemoryAllocation> read_offline_memory_allocation(const ir::Model& model,
                                                                      std::string_view source);

struct EthosuTensor {
  int32_t index = -1;                   // in the operator's subgraph
  std::optional<int32_t> arena_offset;  // from OfflineMemoryAllocation, when planned there
  friend bool operator==(const EthosuTensor&, const EthosuTensor&) = default;
};

struct EthosuOperator {
  std::size_t subgraph = 0;
  std::size_t operator_index = 0;  // in the subgraph's execution order
  // Inputs [command_stream, flash, scratch, scratch_fast, IFMs...], outputs the OFMs. Vela 5.1
  // passes its one scratch tensor as both scratch and scratch_fast unless the arena is split.
  EthosuTensor command_stream;
  EthosuTensor flash;
  EthosuTensor scratch;
  EthosuTensor scratch_fast;
  std::vector<EthosuTensor> ifms;
  std::vector<EthosuTensor> ofms;
  DriverPayload payload;
};

// Every ethos-u operator of every subgraph in order, checked: at least the four fixed inputs
// and one output, no omitted tensor, uint8 command stream and flash tensors holding constant
// data of their full size, uint8 scratch tensors without data, custom options empty or the
// bytes Vela writes, a valid driver payload. Throws an input error "<source>: subgraph S
// operator O (ethos-u): ..." otherwise.
std::vector<EthosuOperator> read_ethosu_operators(const ir::Model& model, std::string_view source);

}  // namespace euc::npu
