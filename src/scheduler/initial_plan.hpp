#pragma once
// The starting plan: every operation runs alone over whole tensors with its best block config,
// feature maps placed in the arena (or the SRAM cache when spilling), constants in flash; then
// cascades where the strategy asks for them, spills and staged inputs. Weight buffering
// (weight_buffering.hpp) and the passes follow in scheduler::schedule.
#include "arch/system_config.hpp"
#include "scheduler/plan.hpp"
#include "scheduler/plan_options.hpp"

namespace euc::scheduler {

// A feature map shape as the NPU sees it: batch folded into height.
arch::Hwc hwc(const ir::Shape4& s);
// Bits of one element (8 for types without a fixed size).
int bits_of(ir::DataType type);

// The block config request for one lowered operation.
arch::BlockConfigRequest block_request(const ir::NpuGraph& graph, const ir::NpuOp& op);

Plan plan_whole_tensors(const ir::NpuGraph& graph, const arch::SystemConfig& system,
                        const PlanOptions& options);

}  // namespace euc::scheduler
