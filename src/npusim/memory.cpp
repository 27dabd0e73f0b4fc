#include "npusim/memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/error.hpp"

namespace euc::npusim {

MemoryBuffer::MemoryBuffer(std::string name, std::size_t size, bool read_only)
    : name_(std::move(name)), bytes_(size, 0), initialised_(size, 0), read_only_(read_only) {}

MemoryBuffer::MemoryBuffer(std::string name, std::span<const uint8_t> contents, bool read_only)
    : name_(std::move(name)),
      bytes_(contents.begin(), contents.end()),
      initialised_(contents.size(), 1),
      read_only_(read_only) {}

bool MemoryBuffer::initialised(std::size_t address, std::size_t length) const {
  return first_uninitialised(address, length) == length;
}

std::size_t MemoryBuffer::first_uninitialised(std::size_t address, std::size_t length) const {
  count_read(address, length);
  return first_uninitialised_quiet(address, length);
}

std::size_t MemoryBuffer::first_uninitialised_quiet(std::size_t address, std::size_t length) const {
  const uint8_t* begin = initialised_.data() + address;
  const void* zero = std::memchr(begin, 0, length);
  return zero == nullptr ? length
                         : static_cast<std::size_t>(static_cast<const uint8_t*>(zero) - begin);
}

void MemoryBuffer::mark_initialised(std::size_t address, std::size_t length) {
  count_write(address, length);
  std::fill_n(initialised_.begin() + static_cast<std::ptrdiff_t>(address), length, uint8_t{1});
}

void MemoryBuffer::mark_uninitialised(std::size_t address, std::size_t length) {
  std::fill_n(initialised_.begin() + static_cast<std::ptrdiff_t>(address), length, uint8_t{0});
}

void MemoryBuffer::write(std::size_t address, std::span<const uint8_t> bytes) {
  std::copy(bytes.begin(), bytes.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(address));
  mark_initialised(address, bytes.size());
}

void MemoryBuffer::copy_from(const MemoryBuffer& source, std::size_t source_address,
                             std::size_t address, std::size_t n) {
  const auto from = static_cast<std::ptrdiff_t>(source_address);
  const auto to = static_cast<std::ptrdiff_t>(address);
  const auto count = static_cast<std::ptrdiff_t>(n);
  std::copy(source.bytes_.begin() + from, source.bytes_.begin() + from + count,
            bytes_.begin() + to);
  std::copy(source.initialised_.begin() + from, source.initialised_.begin() + from + count,
            initialised_.begin() + to);
  source.count_read(source_address, n);
  count_write(address, n);
}

void MemoryBuffer::clear() {
  std::fill(initialised_.begin(), initialised_.end(), uint8_t{0});
}

void MemoryBuffer::check_range(uint64_t address, uint64_t length, const std::string& what) const {
  const uint64_t size = bytes_.size();
  if (address > size || length > size - address) {
    throw_input(fmt::format("{}: {} bytes at {:#x} run past the end of {} ({:#x} bytes)", what,
                            length, address, name_, size));
  }
}

void NpuMemory::map_region(int region, std::shared_ptr<MemoryBuffer> buffer) {
  regions_.at(static_cast<std::size_t>(region)) = std::move(buffer);
}

bool NpuMemory::is_mapped(int region) const {
  return region >= 0 && region < kRegions && regions_[static_cast<std::size_t>(region)] != nullptr;
}

MemoryBuffer& NpuMemory::region(int region, const std::string& what) const {
  if (!is_mapped(region))
    throw_input(fmt::format("{}: region {} is not mapped to any memory", what, region));
  return *regions_[static_cast<std::size_t>(region)];
}

MemoryBuffer& NpuMemory::shram() const {
  if (shram_ == nullptr)
    throw Error(ErrorKind::kInternal, "npusim: SHRAM not set up");
  return *shram_;
}

}  // namespace euc::npusim
