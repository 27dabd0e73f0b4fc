#include "weights/mlw_slice_writer.hpp"

#include <array>
#include <cstddef>

#include "weights/mlw_format.hpp"

namespace euc::weights {
namespace {

// The unary parts of one chunk and the remainders of the symbols it completes. Once the real
// symbols run out, a chunk is filled with zero-quotient padding symbols, which the decoder counts
// as symbols but which have no remainder.
struct Chunk {
  std::uint32_t unary0 = 0;  // weights: WUNARY0; zero runs: ZUNARY
  std::uint32_t unary1 = 0;  // weights only: WUNARY1
  int unary1_bits = 0;
  int completed = 0;  // symbols whose unary part ends in this chunk, padding included
  // The real symbols among them are consecutive: their remainders are those of values
  // [first_remainder, first_remainder + remainder_count).
  std::size_t first_remainder = 0;
  int remainder_count = 0;
};

// Symbols are Golomb-Rice coded: quotient value >> div in unary, remainder in div plain bits.
// Weight unary codes use positions worth 0, 1 or 2 (WUNARY0 bit set = at least 1, then a
// WUNARY1 bit = 2); a 2 continues the symbol unless the code is truncated. Zero-run unary codes
// are runs of one-bits ended by a zero-bit.
template <typename Value>
class Chunker {
 public:
  Chunker(std::span<const Value> values, int div, bool weights, bool truncated)
      : values_(values), div_(div), weights_(weights), truncated_(truncated) {}

  Chunk next(int positions) {
    Chunk chunk;
    int j = 0;
    while (j < positions) {
      if (!active_) {
        start_symbol();
        // Most symbols fit the chunk whole: their unary bits are set at once.
        if (put_whole_symbol(chunk, j, positions)) {
          active_ = false;
          continue;
        }
      }
      while (active_ && j < positions) {
        const bool last = weights_ ? (truncated_ || quotient_ < 2) : quotient_ == 0;
        const std::uint32_t step = weights_ ? (last ? quotient_ : 2) : (last ? 0 : 1);
        if (step > 0) {
          chunk.unary0 |= std::uint32_t{1} << j;
        }
        if (weights_ && step > 0) {
          chunk.unary1 |= std::uint32_t{step > 1} << chunk.unary1_bits;
          ++chunk.unary1_bits;
        }
        ++j;
        if (!last) {
          quotient_ -= step;
          continue;
        }
        ++chunk.completed;
        if (real_) {
          add_remainder(chunk);
        }
        active_ = false;
      }
    }
    return chunk;
  }

 private:
  // Codes the just started symbol into `chunk` from position `j` if all its unary positions fit
  // before `positions`; returns false, changing nothing, if it does not.
  bool put_whole_symbol(Chunk& chunk, int& j, int positions) {
    if (!weights_) {
      // quotient one-bits, then the ending zero-bit.
      const auto q = static_cast<int>(quotient_);
      if (j + q + 1 > positions)
        return false;
      chunk.unary0 |= ((std::uint32_t{1} << q) - 1) << j;
      j += q + 1;
    } else if (truncated_) {
      // One position worth the whole quotient (0, 1 or 2).
      if (quotient_ > 0) {
        chunk.unary0 |= std::uint32_t{1} << j;
        chunk.unary1 |= std::uint32_t{quotient_ > 1} << chunk.unary1_bits;
        ++chunk.unary1_bits;
      }
      ++j;
    } else {
      // quotient / 2 positions worth 2, then one worth quotient mod 2.
      const auto twos = static_cast<int>(quotient_ >> 1);
      const auto odd = static_cast<int>(quotient_ & 1);
      if (j + twos + 1 > positions)
        return false;
      chunk.unary0 |= ((std::uint32_t{1} << (twos + odd)) - 1) << j;
      chunk.unary1 |= ((std::uint32_t{1} << twos) - 1) << chunk.unary1_bits;
      chunk.unary1_bits += twos + odd;
      j += twos + 1;
    }
    ++chunk.completed;
    if (real_)
      add_remainder(chunk);
    return true;
  }

  // The symbol just completed is value next_ - 1.
  void add_remainder(Chunk& chunk) const {
    if (chunk.remainder_count++ == 0)
      chunk.first_remainder = next_ - 1;
  }

  void start_symbol() {
    active_ = true;
    real_ = next_ < values_.size();
    if (!real_) {
      quotient_ = 0;
      return;
    }
    quotient_ = static_cast<std::uint32_t>(values_[next_++]) >> div_;
  }

  std::span<const Value> values_;
  int div_;
  bool weights_;
  bool truncated_;
  std::size_t next_ = 0;
  bool active_ = false;
  bool real_ = false;
  std::uint32_t quotient_ = 0;
};

// The remainders of a chunk's real symbols: the low `div` bits of their values.
template <typename Value>
void put_remainders(BitWriter& out, std::span<const Value> values, const Chunk& chunk, int div) {
  if (div == 0)
    return;
  const std::uint32_t mask = (std::uint32_t{1} << div) - 1;
  const Value* v = values.data() + chunk.first_remainder;
  for (int i = 0; i < chunk.remainder_count; ++i)
    out.put(static_cast<std::uint32_t>(v[i]) & mask, div);
}

void write_header(BitWriter& out, const MlwSectionCoding& coding, const MlwSlice& slice) {
  const grc::WeightCode& code = grc::kWeightCodes[static_cast<std::size_t>(slice.weight_code)];
  out.put(coding.zero_runs ? static_cast<std::uint32_t>(slice.zero_run_div) : mlw::kZdivNoZeroRuns,
          mlw::kZdivBits);
  out.put(static_cast<std::uint32_t>(slice.indices.size() - 1), mlw::kSliceLenBits);
  out.put(code.uncompressed ? mlw::kWdivUncompressed : static_cast<std::uint32_t>(code.div),
          mlw::kWdivBits);
  out.put(code.truncated ? 1 : 0, mlw::kWtruncBits);
  out.put(slice.new_palette ? 1 : 0, mlw::kNewPaletteBits);
  if (!slice.new_palette) {
    return;
  }
  const auto palette_size = static_cast<std::uint32_t>(coding.palette.size());
  out.put(static_cast<std::uint32_t>(coding.direct_offset), mlw::kDirectOffsetBits);
  out.put(palette_size == 0 ? 0 : palette_size - 1, mlw::kPaletteSizeBits);
  out.put(static_cast<std::uint32_t>(coding.palette_bits - mlw::kMinPaletteBits),
          mlw::kPaletteBitsBits);
  for (std::uint16_t entry : coding.palette) {
    out.put(entry, coding.palette_bits);
  }
}

}  // namespace

void write_slice(BitWriter& out, const MlwSectionCoding& coding, const MlwSlice& slice) {
  write_header(out, coding, slice);

  const grc::WeightCode& code = grc::kWeightCodes[static_cast<std::size_t>(slice.weight_code)];
  const int weight_div = code.uncompressed ? coding.uncompressed_bits : code.div;
  const int weight_positions = code.uncompressed ? mlw::uncompressed_chunk_positions(weight_div)
                                                 : mlw::kWeightChunkPositions;
  const int run_bits = mlw::zero_run_chunk_bits(slice.zero_run_div);
  Chunker<std::uint16_t> weights(slice.indices, weight_div, true,
                                 code.truncated || code.uncompressed);
  Chunker<std::uint32_t> runs(slice.runs, slice.zero_run_div, false, false);

  // The chunk schedule mirrors the decoder: it counts the symbols whose unary part it has read
  // (padding included) and lets neither stream run more than 8 symbols ahead of the other.
  const std::size_t weight_count = slice.indices.size();
  const std::size_t run_count = slice.runs.size();
  std::size_t weights_started = 0;
  std::size_t runs_started = 0;
  Chunk previous_weights;
  Chunk previous_runs;
  bool previous_weights_enabled = false;
  bool previous_runs_enabled = false;
  do {
    const std::ptrdiff_t balance = coding.zero_runs ? static_cast<std::ptrdiff_t>(weights_started) -
                                                          static_cast<std::ptrdiff_t>(runs_started)
                                                    : 0;
    const bool weights_enabled =
        balance < mlw::kChunkBalanceLimit && weights_started < weight_count;
    const bool runs_enabled = coding.zero_runs && balance >= 0 && runs_started < run_count;
    Chunk weight_chunk;
    Chunk run_chunk;
    if (weights_enabled) {
      weight_chunk = weights.next(weight_positions);
      weights_started += static_cast<std::size_t>(weight_chunk.completed);
    }
    if (runs_enabled) {
      run_chunk = runs.next(run_bits);
      runs_started += static_cast<std::size_t>(run_chunk.completed);
    }
    if (weights_enabled && !code.uncompressed) {
      out.put(weight_chunk.unary0, mlw::kWeightChunkPositions);
    }
    if (runs_enabled) {
      out.put(run_chunk.unary0, run_bits);
    }
    if (weights_enabled && !code.uncompressed) {
      out.put(weight_chunk.unary1, weight_chunk.unary1_bits);
    }
    if (previous_weights_enabled) {
      put_remainders(out, slice.indices, previous_weights, weight_div);
    }
    if (previous_runs_enabled) {
      put_remainders(out, slice.runs, previous_runs, slice.zero_run_div);
    }
    previous_weights = weight_chunk;
    previous_runs = run_chunk;
    previous_weights_enabled = weights_enabled;
    previous_runs_enabled = runs_enabled;
  } while (previous_weights_enabled || previous_runs_enabled);
}

void write_end_of_stream(BitWriter& out) {
  out.put(mlw::kZdivEndOfStream, mlw::kZdivBits);
  out.fill_byte_with_ones();
  while ((out.bit_count() / 8) % mlw::kStreamAlignment != 0) {
    out.put(0xFFu, 8);
  }
}

}  // namespace euc::weights
