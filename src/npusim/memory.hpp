#pragma once
// The memories the NPU addresses: byte buffers that remember which of their bytes hold data,
// and the mapping of command-stream regions onto them.
//
// Regions (docs/npu_architecture.md §Feature maps and regions): the base-pointer index of a feature
// map, weight, scale or DMA address. Vela uses 0 for the flash tensor (read only), 1 for the
// scratch arena and 2 for scratch_fast; two regions may name the same buffer (Vela 5.1 passes one
// scratch tensor as both scratch and scratch_fast). A DMA endpoint with the `internal` flag
// addresses the NPU's SHRAM, where the activation look-up tables live.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace euc::npusim {

class MemoryBuffer {
 public:
  // `size` bytes, none of them initialised.
  MemoryBuffer(std::string name, std::size_t size, bool read_only = false);
  // A buffer holding `contents`, every byte initialised.
  MemoryBuffer(std::string name, std::span<const uint8_t> contents, bool read_only = false);

  const std::string& name() const { return name_; }
  std::size_t size() const { return bytes_.size(); }
  bool read_only() const { return read_only_; }

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }

  // The range [address, address + length) must lie inside the buffer (check_range).
  bool initialised(std::size_t address, std::size_t length) const;
  // The first byte of the range that holds no data; length when all do.
  std::size_t first_uninitialised(std::size_t address, std::size_t length) const;
  // The same check without counting it as NPU traffic (the simulator's own bookkeeping, such as
  // keying its decoded-weights cache on the stream's bytes).
  std::size_t first_uninitialised_quiet(std::size_t address, std::size_t length) const;
  void mark_initialised(std::size_t address, std::size_t length);
  void mark_uninitialised(std::size_t address, std::size_t length);
  // Copies bytes in and marks them initialised.
  void write(std::size_t address, std::span<const uint8_t> bytes);
  // Copies n bytes and their initialisation marks from another buffer (or this one; the ranges
  // must not overlap).
  void copy_from(const MemoryBuffer& source, std::size_t source_address, std::size_t address,
                 std::size_t n);
  // Forgets every byte (the start of a new inference for scratch buffers).
  void clear();

  // Bytes the NPU moved: reads are the ranges checked for data before use (first_uninitialised,
  // initialised, a DMA's source), writes the ranges given data (mark_initialised, write, a DMA's
  // destination). `end` is one past the highest byte touched. Reports compare them with the
  // performance model's traffic estimate.
  struct Traffic {
    uint64_t read = 0;
    uint64_t written = 0;
    uint64_t end = 0;
  };
  const Traffic& traffic() const { return traffic_; }
  void reset_traffic() { traffic_ = {}; }

  // Throws an input error "<what>: <length> bytes at <address> run past the end of <name>
  // (<size> bytes)" unless the range lies inside the buffer.
  void check_range(uint64_t address, uint64_t length, const std::string& what) const;

 private:
  std::string name_;
  std::vector<uint8_t> bytes_;
  std::vector<uint8_t> initialised_;  // 1 per byte that holds data
  bool read_only_;
  mutable Traffic traffic_;
  void count_read(std::size_t address, std::size_t length) const {
    traffic_.read += length;
    traffic_.end = std::max<uint64_t>(traffic_.end, address + length);
  }
  void count_write(std::size_t address, std::size_t length) {
    traffic_.written += length;
    traffic_.end = std::max<uint64_t>(traffic_.end, address + length);
  }
};

// The region table of one command stream, plus SHRAM.
class NpuMemory {
 public:
  static constexpr int kRegions = 8;  // base pointers 0-7

  void map_region(int region, std::shared_ptr<MemoryBuffer> buffer);
  void set_shram(std::shared_ptr<MemoryBuffer> shram) { shram_ = std::move(shram); }

  // Throws an input error naming `what` for an unmapped or out-of-range region.
  MemoryBuffer& region(int region, const std::string& what) const;
  MemoryBuffer& shram() const;
  bool is_mapped(int region) const;

 private:
  std::array<std::shared_ptr<MemoryBuffer>, kRegions> regions_{};
  std::shared_ptr<MemoryBuffer> shram_;
};

}  // namespace euc::npusim
