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
  int remainder_count = 0;
  std::array<std::uint32_t, mlw::kWeightChunkPositions> remainders{};
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
          chunk.remainders[static_cast<std::size_t>(chunk.remainder_count++)] = remainder_;
        }
        active_ = false;
      }
    }
    return chunk;
  }

 private:
  void start_symbol() {
    active_ = true;
    real_ = next_ < values_.size();
    if (!real_) {
      quotient_ = 0;
      return;
    }
    const std::uint32_t value = values_[next_++];
    quotient_ = value >> div_;
    remainder_ = value & ((std::uint32_t{1} << div_) - 1);
  }

  std::span<const Value> values_;
  int div_;
  bool weights_;
  bool truncated_;
  std::size_t next_ = 0;
  bool active_ = false;
  bool real_ = false;
  std::uint32_t quotient_ = 0;
  std::uint32_t remainder_ = 0;
};

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
      for (int i = 0; i < previous_weights.remainder_count; ++i) {
        out.put(previous_weights.remainders[static_cast<std::size_t>(i)], weight_div);
      }
    }
    if (previous_runs_enabled) {
      for (int i = 0; i < previous_runs.remainder_count; ++i) {
        out.put(previous_runs.remainders[static_cast<std::size_t>(i)], slice.zero_run_div);
      }
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
