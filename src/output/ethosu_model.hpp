#pragma once
// Assembles the output model: every NPU segment of the input becomes one CUSTOM "ethos-u"
// operator with inputs [command_stream, flash, scratch, scratch_fast, segment inputs...];
// CPU operators pass through untouched. Tensors and buffers no operator uses any more are
// dropped, and the OfflineMemoryAllocation metadata places the custom operators' inputs and
// outputs at the arena addresses the command streams expect
// (docs/npu_architecture.md §Driver payload).
#include <string>
#include <vector>

#include "codegen/compile_segment.hpp"
#include "frontend/lowering/lowering.hpp"
#include "ir/model.hpp"

namespace euc::output {

struct SubgraphCompilation {
  frontend::LoweredSubgraph lowered;
  std::vector<codegen::CompiledSegment> compiled;  // one per NPU segment, in order
};

ir::Model build_ethosu_model(const ir::Model& input,
                             const std::vector<SubgraphCompilation>& subgraphs,
                             const std::string& description);

}  // namespace euc::output
