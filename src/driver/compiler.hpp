#pragma once
// The compiler pipeline for one model: supported-operator decisions, lowering to NPU segments,
// planning, code generation and assembly of the output model.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "arch/system_config.hpp"
#include "ir/model.hpp"
#include "output/debug_database.hpp"
#include "output/performance_report.hpp"
#include "output/verbose_report.hpp"
#include "scheduler/plan_cost.hpp"
#include "scheduler/plan_options.hpp"

namespace euc::driver {

struct CompileOptions {
  scheduler::PlanOptions plan;
  bool force_symmetric_int_weights = false;
  // --separate-io-regions: every NPU segment's inputs and outputs in their own regions (3...),
  // placed by the runtime instead of in the scratch arena.
  bool separate_io_regions = false;
  // --max-block-dependency: the largest BLOCKDEP codegen may write (0-3).
  int max_block_dependency = 3;
  std::vector<std::string> ignore_ops;  // --ignore-ops: builtin operator names kept on the CPU
  // Operators kept on the CPU one by one: (subgraph, operator index in the input model). For
  // comparisons that must place exactly the operators another compiler placed.
  std::vector<std::pair<int, int>> cpu_operators;
  std::string description = "euc";
  bool describe_plans = false;     // fill SegmentReport::schedule and ::allocation
  output::VerboseRequest verbose;  // fill SegmentReport::verbose with these listings
  // Told what the compile does next ("lowering subgraph 0", ...), e.g. for a progress line.
  std::function<void(std::string)> progress;
  // A test hook for --verify: one weight of the first NPU operation with weights is changed
  // after lowering, so the compiled model is wrong.
  bool corrupt_one_weight = false;
};

struct SegmentReport {
  int subgraph = 0;
  int network_ops = 0;
  int npu_ops = 0;
  int64_t arena_size = 0;
  int64_t fast_arena_size = 0;  // the SRAM cache in use (Dedicated_Sram), else 0
  int64_t flash_size = 0;
  int64_t command_stream_bytes = 0;
  int64_t original_weight_bytes = 0;
  int64_t encoded_weight_bytes = 0;
  int64_t macs = 0;
  // The block operations (CONV, DEPTHWISE, POOL, ELEMENTWISE launches) of its command stream in
  // order: the lowered operation's name and kind.
  std::vector<std::string> block_operations;
  // Parallel to it: the network tensor each writes whole, or "" (a stripe, a depth slice, or no
  // network tensor).
  std::vector<std::string> block_ofm_tensors;
  std::string schedule;    // --verbose-schedule text, when CompileOptions::describe_plans
  std::string allocation;  // --verbose-allocation text, likewise
  // Its operations, the network operators they implement and every NPU operation of its command
  // stream: the debug database (--enable-debug-db) and the stream listings.
  output::DebugSegment debug;
  std::string verbose;  // the CompileOptions::verbose listings
};

// A network operator that stays on the CPU and why.
struct CpuOperator {
  int subgraph = 0;
  int index = 0;
  std::vector<std::string> reasons;
};

struct CompileReport {
  int cpu_ops = 0;          // network operators left on the CPU
  int npu_network_ops = 0;  // network operators placed on the NPU
  std::vector<SegmentReport> segments;
  int64_t arena_size = 0;       // largest arena over the NPU segments
  int64_t fast_arena_size = 0;  // largest SRAM cache use (Dedicated_Sram)
  int64_t flash_size = 0;       // total read-only bytes
  int64_t macs = 0;
  int network_ops = 0;
  int folded_ops = 0;  // operators replaced by constants before the checks (SHAPE)
  std::vector<CpuOperator> cpu_operators;  // index: the operator's index in the input model
  // The performance model's estimate: every NPU operation in execution order, and the totals
  // (absent when nothing runs on the NPU).
  std::vector<output::LayerPerformance> layers;
  std::optional<scheduler::PlanCost> performance;
};

// Multiply-accumulates of one lowered operation: kernel area x OFM elements, times the IFM depth
// for convolutions and fully connected layers (docs/scheduling.md §Performance model).
int64_t operation_macs(const ir::NpuOp& op);

struct CompileResult {
  ir::Model model;
  CompileReport report;
};

CompileResult compile_model(const ir::Model& model, const arch::SystemConfig& system,
                            const CompileOptions& options);

}  // namespace euc::driver
