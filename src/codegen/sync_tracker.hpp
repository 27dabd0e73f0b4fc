#pragma once
// Which waits a command needs: the DMAs and kernels still outstanding, each with the bytes it
// touches (docs/npu_architecture.md §Command stream): a DMA waits with NPU_OP_KERNEL_WAIT n
// until the kernels whose memory it conflicts with are done, leaving the n kernels launched
// after the newest of them running (at most 2 kernels are in flight: launching a third waits
// for the oldest); a kernel waits with NPU_OP_DMA_WAIT only when an outstanding DMA touches
// its memory.
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace euc::codegen {

// A byte range an operation reads or writes. Region kShramRegion is the NPU's SHRAM.
struct Touch {
  int region = 0;
  int64_t begin = 0;
  int64_t end = 0;
  bool write = false;
};
inline constexpr int kShramRegion = -2;
using Touches = std::vector<Touch>;

// Whether one operation writes bytes the other reads or writes.
bool conflict(const Touches& a, const Touches& b);

class SyncTracker {
 public:
  explicit SyncTracker(int max_kernels) : max_kernels_(max_kernels) {}

  // The n of the NPU_OP_KERNEL_WAIT a DMA touching `t` needs first (nullopt: none); the kernels
  // it waits for are no longer outstanding.
  std::optional<int> kernel_wait_for(const Touches& t);
  // Whether a kernel touching `t` needs NPU_OP_DMA_WAIT first. The command takes no count on
  // the Ethos-U55 (its parameter is reserved in the command facts), so it waits for every DMA;
  // a DMA stays outstanding until such a wait (the outstanding-DMA limit is not relied on).
  bool dma_wait_for(const Touches& t);
  void dma_started(Touches t) { dmas_.push_back(std::move(t)); }
  void kernel_started(Touches t);

 private:
  int max_kernels_;
  std::deque<Touches> dmas_;
  std::deque<Touches> kernels_;
};

}  // namespace euc::codegen
