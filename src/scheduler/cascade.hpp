#pragma once
// Cascading: running a chain of operations stripe by stripe so that the tensors between them
// are rolling buffers of a few rows instead of whole feature maps (docs/scheduling.md §Cascading).
//
// A chain links operations i..j where each one's OFM is, whole, the next one's IFM and nothing
// else reads it; the operations compute rows (convolutions, pooling, elementwise without height
// broadcast) of single-batch feature maps. The last operation's OFM is produced `stripe_rows` at
// a time; before each of its stripes every earlier operation produces the rows its successor
// needs next, a window found from kernel, stride, dilation and padding.
#include <vector>

#include "ir/npu_graph.hpp"
#include "scheduler/plan.hpp"

namespace euc::scheduler {

// The IFM rows (of the operation's IFM view) that OFM rows [begin, end) read, and the padding
// rows above and below them.
struct RowWindow {
  int begin = 0;
  int end = 0;
  int pad_top = 0;
  int pad_bottom = 0;
};
RowWindow input_rows(const ir::NpuOp& op, int begin, int end);

// Whether operations first..last form a chain that may be cascaded.
bool can_cascade(const ir::NpuGraph& graph, int first, int last);

// The passes of a cascade, in execution order.
std::vector<Pass> cascade_passes(const ir::NpuGraph& graph, const Cascade& cascade);

// Rows the rolling buffer between operation k - 1 and k of a cascade must hold.
int rolling_rows(const ir::NpuGraph& graph, const Cascade& cascade, int k);

// Adds `cascade` to the plan: operation cascade ids, rolling buffer rows and sizes, the passes
// of the whole plan in order. Does not allocate.
void apply_cascade(const ir::NpuGraph& graph, Plan& plan, const Cascade& cascade);

// Cascades operations to lower the plan's peak of live bytes, step by step at the peak: each
// round tries the chains (up to 8 operations) around the peak step with stripes of 1 to 32 rows
// and keeps the one that lowers the peak most, until the peak is at most `target` or no chain
// helps. Does not allocate.
void choose_cascades(const ir::NpuGraph& graph, Plan& plan, int64_t target);

// The plan's launches in order: cascades stripe by stripe, other operations whole, one launch
// per depth slice of double-buffered weights.
void build_passes(const ir::NpuGraph& graph, Plan& plan);

// Bytes of one row of a feature map as the plan stores it (NHCWB16 rounds depth up to 16).
int64_t row_bytes(const ir::NpuTensor& tensor, Layout layout);

}  // namespace euc::scheduler
