#pragma once
// DMAs run beside the block operations; the command stream orders them only through
// NPU_OP_DMA_WAIT n (continue once at most n DMAs are outstanding) and NPU_OP_KERNEL_WAIT n
// (likewise for block operations). The simulator executes everything in stream order and checks
// that no other order could give a different result: a block operation must not touch bytes an
// outstanding DMA writes, or write bytes it reads, and a DMA likewise against outstanding block
// operations. That is the rule Vela's generator follows (register_command_stream_util.py,
// get_wait_dependency): an operation is outstanding until a wait retires it or until the queue
// holds more than the hardware keeps in flight (max_outstanding_dma DMAs, 2 block operations),
// when issuing the next one stalls until the oldest finishes.
#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "npusim/feature_map_io.hpp"

namespace euc::npusim {

struct AccessSet {
  std::vector<ByteRange> reads;
  std::vector<ByteRange> writes;
};

// The first overlap of a with b as "a's read of [x, y) in buffer vs b's write", or empty.
std::string find_conflict(const AccessSet& a, const AccessSet& b);

class HazardTracker {
 public:
  HazardTracker(int max_dmas, int max_kernels) : max_dmas_(max_dmas), max_kernels_(max_kernels) {}

  struct Pending {
    AccessSet access;
    std::string name;  // "DMA at byte offset 0x20 (operation 0)"
  };

  // Throw an input error when the new operation conflicts with an outstanding one of the other
  // kind, then queue it.
  void start_kernel(AccessSet access, std::string name);
  void start_dma(AccessSet access, std::string name);
  void wait_kernels(std::size_t outstanding);
  void wait_dmas(std::size_t outstanding);

 private:
  static void check(const AccessSet& access, const std::deque<Pending>& others,
                    const std::string& wait);
  std::size_t max_dmas_;
  std::size_t max_kernels_;
  std::deque<Pending> dmas_;
  std::deque<Pending> kernels_;
};

}  // namespace euc::npusim
