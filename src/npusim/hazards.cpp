#include "npusim/hazards.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace euc::npusim {
namespace {

bool overlap(const ByteRange& a, const ByteRange& b) {
  return a.buffer == b.buffer && a.begin < b.end && b.begin < a.end;
}

std::string overlap_text(const ByteRange& a, const char* a_kind, const ByteRange& b,
                         const char* b_kind) {
  return fmt::format("its {} of [{:#x}, {:#x}) of {} overlaps the other's {} of [{:#x}, {:#x})",
                     a_kind, a.begin, a.end, a.buffer->name(), b_kind, b.begin, b.end);
}

}  // namespace

std::string find_conflict(const AccessSet& a, const AccessSet& b) {
  for (const ByteRange& w : a.writes) {
    for (const ByteRange& r : b.reads)
      if (overlap(w, r))
        return overlap_text(w, "write", r, "read");
    for (const ByteRange& w2 : b.writes)
      if (overlap(w, w2))
        return overlap_text(w, "write", w2, "write");
  }
  for (const ByteRange& r : a.reads)
    for (const ByteRange& w : b.writes)
      if (overlap(r, w))
        return overlap_text(r, "read", w, "write");
  return {};
}

void HazardTracker::check(const AccessSet& access, const std::deque<Pending>& others,
                          const std::string& wait) {
  for (const Pending& other : others) {
    const std::string conflict = find_conflict(access, other.access);
    if (!conflict.empty()) {
      throw_input(fmt::format("runs while the {} may still be running and {}: a {} is missing",
                              other.name, conflict, wait));
    }
  }
}

void HazardTracker::start_kernel(AccessSet access, std::string name) {
  check(access, dmas_, "NPU_OP_DMA_WAIT");
  kernels_.push_back({std::move(access), std::move(name)});
  while (kernels_.size() > max_kernels_)
    kernels_.pop_front();
}

void HazardTracker::start_dma(AccessSet access, std::string name) {
  check(access, kernels_, "NPU_OP_KERNEL_WAIT");
  dmas_.push_back({std::move(access), std::move(name)});
  while (dmas_.size() > max_dmas_)
    dmas_.pop_front();
}

void HazardTracker::wait_kernels(std::size_t outstanding) {
  while (kernels_.size() > outstanding)
    kernels_.pop_front();
}

void HazardTracker::wait_dmas(std::size_t outstanding) {
  while (dmas_.size() > outstanding)
    dmas_.pop_front();
}

}  // namespace euc::npusim
