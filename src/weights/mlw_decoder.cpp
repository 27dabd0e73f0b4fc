#include "weights/mlw_decoder.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <string>

#include "core/error.hpp"
#include "weights/bit_stream.hpp"
#include "weights/mlw_format.hpp"

namespace euc::weights {
namespace {

// The symbols whose unary parts one chunk completed; their remainders follow the next chunk.
struct ChunkSymbols {
  bool enabled = false;
  int count = 0;
  std::array<std::uint64_t, mlw::kWeightChunkPositions> quotients{};
};

struct Palette {
  std::array<std::uint16_t, mlw::kMaxPaletteSize> entries{};
  int size = 0;
  int bits = 0;
  int direct_offset = 0;
};

class StreamDecoder {
 public:
  StreamDecoder(std::span<const std::uint8_t> bytes, const MlwDecodeLimits& limits, MlwStream& out)
      : reader_(bytes), limits_(limits), out_(out) {}

  void run() {
    bool first = true;
    while (decode_slice(first)) {
      first = false;
    }
    out_.size_bytes = reader_.position() / 8;
  }

 private:
  [[noreturn]] void fail(std::size_t bit, const std::string& what) const {
    throw_input(fmt::format("MLW weight stream: {} at bit {}", what, bit));
  }

  std::uint32_t read(int count, const char* field) {
    std::uint32_t value = 0;
    if (!reader_.get(count, value)) {
      fail(reader_.position(), fmt::format("stream truncated: field {} needs {} bits, {} left",
                                           field, count, reader_.bits_left()));
    }
    return value;
  }

  // Returns false after the end-of-stream marker.
  bool decode_slice(bool first) {
    const std::size_t header_bit = reader_.position();
    if (reader_.bits_left() < mlw::kZdivBits) {
      fail(header_bit, fmt::format("missing end-of-stream marker ({} bits left after the last "
                                   "slice)",
                                   reader_.bits_left()));
    }
    MlwSliceInfo info;
    info.bit_offset = header_bit;
    info.zdiv = static_cast<int>(read(mlw::kZdivBits, "ZDIV"));
    if (info.zdiv == mlw::kZdivEndOfStream) {
      reader_.align_to_byte();
      return false;
    }
    if (info.zdiv > mlw::kMaxZdiv && info.zdiv != mlw::kZdivNoZeroRuns) {
      fail(header_bit, fmt::format("reserved ZDIV value {} in slice header", info.zdiv));
    }
    info.weight_count = static_cast<int>(read(mlw::kSliceLenBits, "SLICELEN")) + 1;
    info.wdiv = static_cast<int>(read(mlw::kWdivBits, "WDIV"));
    if (info.wdiv > mlw::kMaxWdiv && info.wdiv != mlw::kWdivUncompressed) {
      fail(header_bit, fmt::format("reserved WDIV value {} in slice header", info.wdiv));
    }
    info.truncated = read(mlw::kWtruncBits, "WTRUNC") != 0;
    info.new_palette = read(mlw::kNewPaletteBits, "NEWPAL") != 0;
    const bool zero_runs = info.zdiv != mlw::kZdivNoZeroRuns;
    if (info.new_palette) {
      read_palette();
    } else if (first) {
      fail(header_bit, "the first slice of a stream does not define a palette (NEWPAL = 0)");
    } else if (zero_runs != zero_runs_) {
      // Zero is left out of the palette in zero-run mode, so the mode can only change together
      // with the palette.
      fail(header_bit, "slice switches zero-run mode without a new palette");
    }
    zero_runs_ = zero_runs;
    info.palette_size = palette_.size;
    info.palette_bits = palette_.bits;
    info.direct_offset = palette_.direct_offset;

    const std::size_t before = out_.values.size();
    decode_payload(info);
    info.value_count = out_.values.size() - before;
    out_.slices.push_back(info);
    return true;
  }

  void read_palette() {
    palette_.direct_offset = static_cast<int>(read(mlw::kDirectOffsetBits, "DIROFS"));
    const int size_field = static_cast<int>(read(mlw::kPaletteSizeBits, "PALSIZE"));
    palette_.size = size_field == 0 ? 0 : size_field + 1;
    palette_.bits = static_cast<int>(read(mlw::kPaletteBitsBits, "PALBITS")) + mlw::kMinPaletteBits;
    for (int i = 0; i < palette_.size; ++i) {
      palette_.entries[static_cast<std::size_t>(i)] =
          static_cast<std::uint16_t>(read(palette_.bits, "PALETTE"));
    }
  }

  void decode_payload(const MlwSliceInfo& info) {
    const bool zero_runs = info.zdiv != mlw::kZdivNoZeroRuns;
    const bool uncompressed = info.wdiv == mlw::kWdivUncompressed;
    // Uncompressed indices are as wide as the palette needs, or PALBITS without a palette; they
    // are carried entirely in the "remainder" part.
    const int weight_div = !uncompressed       ? info.wdiv
                           : palette_.size > 0 ? mlw::palette_index_bits(palette_.size)
                                               : palette_.bits;
    const int weight_positions =
        uncompressed ? mlw::uncompressed_chunk_positions(weight_div) : mlw::kWeightChunkPositions;
    const int zero_div = zero_runs ? info.zdiv : 0;
    const int zero_chunk_bits = mlw::zero_run_chunk_bits(info.zdiv);

    const std::size_t weights = static_cast<std::size_t>(info.weight_count);
    // A slice that sets a palette also carries the zero run before its first weight.
    const std::size_t runs = zero_runs ? weights + (info.new_palette ? 1 : 0) : 0;
    indices_.assign(weights, 0);
    run_lengths_.assign(runs, 0);

    std::size_t weights_started = 0;  // symbols whose unary part was read, padding included
    std::size_t runs_started = 0;
    std::size_t weights_done = 0;  // symbols whose remainder was read
    std::size_t runs_done = 0;
    std::uint64_t weight_carry = 0;
    std::uint64_t run_carry = 0;
    std::size_t zeros = 0;
    ChunkSymbols previous_weights;
    ChunkSymbols previous_runs;
    do {
      const std::int64_t balance = zero_runs ? static_cast<std::int64_t>(weights_started) -
                                                   static_cast<std::int64_t>(runs_started)
                                             : 0;
      ChunkSymbols chunk_weights;
      ChunkSymbols chunk_runs;
      chunk_weights.enabled = balance < mlw::kChunkBalanceLimit && weights_started < weights;
      chunk_runs.enabled = zero_runs && balance >= 0 && runs_started < runs;

      std::uint32_t unary0 = 0;
      if (chunk_weights.enabled && !uncompressed) {
        unary0 = read(mlw::kWeightChunkPositions, "WUNARY0");
      }
      if (chunk_runs.enabled) {
        const std::size_t bit = reader_.position();
        const std::uint32_t unary = read(zero_chunk_bits, "ZUNARY");
        for (int i = 0; i < zero_chunk_bits; ++i) {
          if ((unary >> i) & 1u) {
            ++run_carry;
          } else {
            chunk_runs.quotients[static_cast<std::size_t>(chunk_runs.count++)] = run_carry;
            run_carry = 0;
          }
        }
        // A zero run longer than the output limit can be rejected before it is complete.
        if ((run_carry << zero_div) > limits_.max_values) {
          fail(bit, fmt::format("zero run longer than the limit of {} values", limits_.max_values));
        }
        runs_started += static_cast<std::size_t>(chunk_runs.count);
      }
      if (chunk_weights.enabled) {
        const std::size_t bit = reader_.position();
        const std::uint32_t used = unary0 & ((1u << weight_positions) - 1);
        std::uint32_t unary1 = read(std::popcount(used), "WUNARY1");
        for (int i = 0; i < weight_positions; ++i) {
          int code = 0;
          if ((used >> i) & 1u) {
            code = 1 + static_cast<int>(unary1 & 1u);
            unary1 >>= 1;
          }
          weight_carry += static_cast<std::uint64_t>(code);
          if (code < 2 || info.truncated) {
            chunk_weights.quotients[static_cast<std::size_t>(chunk_weights.count++)] = weight_carry;
            weight_carry = 0;
          }
        }
        if (weight_carry > mlw::kMaxWeightIndex) {
          fail(bit, fmt::format("weight quotient exceeds {}", mlw::kMaxWeightIndex));
        }
        weights_started += static_cast<std::size_t>(chunk_weights.count);
      }
      if (previous_weights.enabled) {
        for (int i = 0; i < previous_weights.count && weights_done < weights; ++i) {
          const std::size_t bit = reader_.position();
          const std::uint64_t q = previous_weights.quotients[static_cast<std::size_t>(i)];
          const std::uint64_t index = (q << weight_div) | read(weight_div, "WREMAIN");
          if (index > mlw::kMaxWeightIndex) {
            fail(bit, fmt::format("weight index {} exceeds {}", index, mlw::kMaxWeightIndex));
          }
          indices_[weights_done++] = static_cast<std::uint16_t>(index);
        }
      }
      if (previous_runs.enabled) {
        for (int i = 0; i < previous_runs.count && runs_done < runs; ++i) {
          const std::size_t bit = reader_.position();
          const std::uint64_t q = previous_runs.quotients[static_cast<std::size_t>(i)];
          const std::uint64_t length = (q << zero_div) | read(zero_div, "ZREMAIN");
          zeros += static_cast<std::size_t>(length);
          check_output_size(bit, weights + zeros);
          run_lengths_[runs_done++] = length;
        }
      }
      previous_weights = chunk_weights;
      previous_runs = chunk_runs;
    } while (previous_weights.enabled || previous_runs.enabled);

    check_output_size(info.bit_offset, weights + zeros);
    emit(info, zero_runs);
  }

  void check_output_size(std::size_t bit, std::size_t slice_values) const {
    if (slice_values > limits_.max_values - out_.values.size() ||
        out_.values.size() > limits_.max_values) {
      fail(bit, fmt::format("output longer than the limit of {} values", limits_.max_values));
    }
  }

  void emit(const MlwSliceInfo& info, bool zero_runs) {
    auto& values = out_.values;
    std::size_t run = 0;
    if (zero_runs && info.new_palette) {
      values.insert(values.end(), run_lengths_[run++], 0);
    }
    for (std::size_t i = 0; i < indices_.size(); ++i) {
      const int index = indices_[i];
      int sign_magnitude = 0;
      if (index < palette_.size) {
        sign_magnitude = palette_.entries[static_cast<std::size_t>(index)];
      } else {
        sign_magnitude = index - palette_.size + palette_.direct_offset;
        if (sign_magnitude > mlw::kMaxWeightIndex) {
          fail(info.bit_offset,
               fmt::format("direct weight value {} (index {}, weight {} of the slice) exceeds {}",
                           sign_magnitude, index, i, mlw::kMaxWeightIndex));
        }
      }
      values.push_back(static_cast<std::int16_t>(mlw::from_sign_magnitude(sign_magnitude)));
      if (zero_runs) {
        values.insert(values.end(), run_lengths_[run++], 0);
      }
    }
  }

  BitReader reader_;
  const MlwDecodeLimits& limits_;
  MlwStream& out_;
  Palette palette_;
  bool zero_runs_ = false;
  std::vector<std::uint16_t> indices_;
  std::vector<std::uint64_t> run_lengths_;
};

}  // namespace

MlwStream decode_mlw_stream(std::span<const std::uint8_t> bytes, const MlwDecodeLimits& limits) {
  MlwStream stream;
  StreamDecoder(bytes, limits, stream).run();
  return stream;
}

std::vector<std::int16_t> decode_mlw(std::span<const std::uint8_t> bytes,
                                     const MlwDecodeLimits& limits) {
  if (bytes.empty()) {
    throw_input("MLW weight stream: empty buffer, no end-of-stream marker");
  }
  std::vector<std::int16_t> values;
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    MlwDecodeLimits remaining{limits.max_values - values.size()};
    MlwStream stream;
    try {
      stream = decode_mlw_stream(bytes.subspan(offset), remaining);
    } catch (const Error& e) {
      if (offset == 0) {
        throw;
      }
      throw_input(fmt::format("{} (in the stream starting at byte {})", e.what(), offset));
    }
    values.insert(values.end(), stream.values.begin(), stream.values.end());
    offset += stream.size_bytes;
  }
  return values;
}

}  // namespace euc::weights
