#include "codegen/sync_tracker.hpp"

#include "codegen/block_dependency.hpp"

namespace euc::codegen {

bool conflict(const Touches& a, const Touches& b) {
  for (const Touch& x : a) {
    for (const Touch& y : b) {
      if (!x.write && !y.write)
        continue;
      if (x.begin >= x.end || y.begin >= y.end)
        continue;
      const bool shram_x = x.region == kShramRegion;
      const bool shram_y = y.region == kShramRegion;
      if (shram_x != shram_y)
        continue;
      if (!shram_x && !regions_may_alias(x.region, y.region))
        continue;
      if (x.region != y.region)
        return true;  // aliasing regions at unknown offsets
      if (x.begin < y.end && y.begin < x.end)
        return true;
    }
  }
  return false;
}

std::optional<int> SyncTracker::kernel_wait_for(const Touches& t) {
  for (std::size_t i = kernels_.size(); i-- > 0;) {
    if (conflict(kernels_[i], t)) {
      const int keep = static_cast<int>(kernels_.size() - 1 - i);
      kernels_.erase(kernels_.begin(), kernels_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return keep;
    }
  }
  return std::nullopt;
}

bool SyncTracker::dma_wait_for(const Touches& t) {
  for (const Touches& d : dmas_) {
    if (conflict(d, t)) {
      dmas_.clear();
      return true;
    }
  }
  return false;
}

void SyncTracker::kernel_started(Touches t) {
  kernels_.push_back(std::move(t));
  while (static_cast<int>(kernels_.size()) > max_kernels_)
    kernels_.pop_front();
}

}  // namespace euc::codegen
