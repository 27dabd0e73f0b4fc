#pragma once
// Least-significant-bit-first bit packing, as used by the MLW weight stream: the first bit of a
// field lands in bit 0 of the current byte, and a field's bit 0 is written first.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace euc::weights {

class BitWriter {
 public:
  // Appends the low `count` bits of `value` (count 0..32).
  void put(std::uint32_t value, int count) {
    pending_ |= static_cast<std::uint64_t>(value & mask(count)) << pending_bits_;
    pending_bits_ += count;
    bit_count_ += static_cast<std::size_t>(count);
    if (pending_bits_ >= 32) {
      // Whole 32-bit words move to the bytes: fewer, larger appends than byte by byte.
      if (used_ + 4 > bytes_.size())
        bytes_.resize(std::max<std::size_t>(bytes_.size() * 2, 64));
      std::uint8_t* at = bytes_.data() + used_;
      for (int b = 0; b < 4; ++b)
        at[b] = static_cast<std::uint8_t>(pending_ >> (8 * b));
      used_ += 4;
      pending_ >>= 32;
      pending_bits_ -= 32;
    }
  }
  // Room for `bits` more bits without growing.
  void reserve_bits(std::size_t bits) {
    bytes_.resize(std::max(bytes_.size(), used_ + bits / 8 + 8));
  }
  // Fills the current byte with one-bits.
  void fill_byte_with_ones() {
    if (pending_bits_ % 8 != 0) {
      put(0xFFu, 8 - pending_bits_ % 8);
    }
  }
  std::size_t bit_count() const { return bit_count_; }
  // The bytes written so far; a partial last byte is completed with zero bits.
  std::vector<std::uint8_t> take_bytes() {
    bytes_.resize(used_);
    used_ = 0;
    while (pending_bits_ > 0) {
      bytes_.push_back(static_cast<std::uint8_t>(pending_));
      pending_ >>= 8;
      pending_bits_ = std::max(0, pending_bits_ - 8);
    }
    pending_ = 0;
    bit_count_ = 0;
    return std::move(bytes_);
  }

 private:
  static std::uint32_t mask(int count) {
    return count >= 32 ? 0xFFFFFFFFu : (std::uint32_t{1} << count) - 1;
  }
  std::vector<std::uint8_t> bytes_;  // the first used_ are written; the rest is room
  std::size_t used_ = 0;
  std::uint64_t pending_ = 0;  // bits not yet in bytes_, first bit in bit 0 (fewer than 32)
  int pending_bits_ = 0;
  std::size_t bit_count_ = 0;
};

// Reads fields from a byte span. It never reads past the span: `get` with too few bits left
// reports failure so that the caller can name the field in its error.
class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t position() const { return position_; }
  std::size_t bits_left() const { return bytes_.size() * 8 - position_; }
  bool at_end() const { return position_ == bytes_.size() * 8; }

  // Reads `count` bits (0..32) into `value`; returns false, reading nothing, if fewer are left.
  bool get(int count, std::uint32_t& value) {
    if (static_cast<std::size_t>(count) > bits_left()) {
      return false;
    }
    std::uint64_t result = 0;
    int produced = 0;
    while (produced < count) {
      const std::size_t byte = position_ >> 3;
      const int offset = static_cast<int>(position_ & 7);
      const int take = std::min(8 - offset, count - produced);
      const std::uint64_t bits = (bytes_[byte] >> offset) & ((1u << take) - 1);
      result |= bits << produced;
      produced += take;
      position_ += static_cast<std::size_t>(take);
    }
    value = static_cast<std::uint32_t>(result);
    return true;
  }
  // Skips to the next byte boundary (no-op when already aligned).
  void align_to_byte() { position_ = (position_ + 7) & ~std::size_t{7}; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
};

}  // namespace euc::weights
