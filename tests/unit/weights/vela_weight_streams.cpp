#include "vela_weight_streams.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace euc::test {
namespace {

// Read-only flatbuffer access with bounds checks (facts: reference/tflite_format_facts.txt).
class Flatbuffer {
 public:
  explicit Flatbuffer(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::uint32_t u32(std::size_t pos) const {
    check(pos, 4);
    return std::uint32_t(bytes_[pos]) | std::uint32_t(bytes_[pos + 1]) << 8 |
           std::uint32_t(bytes_[pos + 2]) << 16 | std::uint32_t(bytes_[pos + 3]) << 24;
  }
  std::uint16_t u16(std::size_t pos) const {
    check(pos, 2);
    return static_cast<std::uint16_t>(bytes_[pos] | bytes_[pos + 1] << 8);
  }
  std::size_t root() const { return u32(0); }
  // Position of field `id` of the table at `table`, if present.
  std::optional<std::size_t> field(std::size_t table, int id) const {
    const auto vtable = static_cast<std::size_t>(static_cast<std::int64_t>(table) -
                                                 static_cast<std::int32_t>(u32(table)));
    const std::uint16_t vtable_size = u16(vtable);
    const std::size_t entry = 4 + 2 * static_cast<std::size_t>(id);
    if (entry + 2 > vtable_size) {
      return std::nullopt;
    }
    const std::uint16_t offset = u16(vtable + entry);
    if (offset == 0) {
      return std::nullopt;
    }
    return table + offset;
  }
  // Follows the offset stored in field `id` (a table, vector or string).
  std::optional<std::size_t> ref(std::size_t table, int id) const {
    const auto pos = field(table, id);
    if (!pos) {
      return std::nullopt;
    }
    return *pos + u32(*pos);
  }
  std::uint32_t scalar_u32(std::size_t table, int id, std::uint32_t fallback = 0) const {
    const auto pos = field(table, id);
    return pos ? u32(*pos) : fallback;
  }
  std::size_t length(std::size_t vector) const { return u32(vector); }
  // Element `i` of a vector of tables.
  std::size_t table_at(std::size_t vector, std::size_t i) const {
    const std::size_t pos = vector + 4 + 4 * i;
    return pos + u32(pos);
  }
  std::int32_t int_at(std::size_t vector, std::size_t i) const {
    return static_cast<std::int32_t>(u32(vector + 4 + 4 * i));
  }
  std::span<const std::uint8_t> bytes_of(std::size_t vector) const {
    const std::size_t n = length(vector);
    check(vector + 4, n);
    return bytes_.subspan(vector + 4, n);
  }
  std::string_view string_of(std::size_t str) const {
    const auto b = bytes_of(str);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

 private:
  void check(std::size_t pos, std::size_t n) const {
    if (pos > bytes_.size() || n > bytes_.size() - pos) {
      throw_input(fmt::format("vela model: flatbuffer access at {} past the end", pos));
    }
  }
  std::span<const std::uint8_t> bytes_;
};

struct NpuBuffers {
  std::span<const std::uint8_t> command_stream;  // the COP1 driver payload
  std::span<const std::uint8_t> flash;
};

// The command stream and flash tensor of every `ethos-u` operator.
std::vector<NpuBuffers> find_npu_buffers(const Flatbuffer& fb) {
  const std::size_t model = fb.root();
  const auto codes = fb.ref(model, 1);
  const auto subgraphs = fb.ref(model, 2);
  const auto buffers = fb.ref(model, 4);
  if (!codes || !subgraphs || !buffers) {
    throw_input("vela model: no operator codes/subgraphs");
  }
  auto tensor_data = [&](std::size_t subgraph, std::int32_t tensor_index) {
    const auto tensors = fb.ref(subgraph, 0);
    const std::size_t tensor = fb.table_at(*tensors, static_cast<std::size_t>(tensor_index));
    const std::size_t buffer = fb.table_at(*buffers, fb.scalar_u32(tensor, 2));
    const auto data = fb.ref(buffer, 0);
    return data ? fb.bytes_of(*data) : std::span<const std::uint8_t>{};
  };
  std::vector<NpuBuffers> found;
  for (std::size_t s = 0; s < fb.length(*subgraphs); ++s) {
    const std::size_t subgraph = fb.table_at(*subgraphs, s);
    const auto operators = fb.ref(subgraph, 3);
    if (!operators) {
      continue;
    }
    for (std::size_t o = 0; o < fb.length(*operators); ++o) {
      const std::size_t op = fb.table_at(*operators, o);
      const std::size_t code = fb.table_at(*codes, fb.scalar_u32(op, 0));
      const auto custom = fb.ref(code, 1);
      if (!custom || fb.string_of(*custom) != "ethos-u") {
        continue;
      }
      const auto inputs = fb.ref(op, 1);
      if (!inputs || fb.length(*inputs) < 2) {
        throw_input("vela model: ethos-u op without inputs");
      }
      found.push_back({tensor_data(subgraph, fb.int_at(*inputs, 0)),
                       tensor_data(subgraph, fb.int_at(*inputs, 1))});
    }
  }
  if (found.empty()) {
    throw_input("vela model: no ethos-u operator");
  }
  return found;
}

std::uint32_t word_at(std::span<const std::uint8_t> b, std::size_t i) {
  const std::size_t p = 4 * i;
  if (p + 4 > b.size()) {
    throw_input("vela model: command stream ends inside a word");
  }
  return std::uint32_t(b[p]) | std::uint32_t(b[p + 1]) << 8 | std::uint32_t(b[p + 2]) << 16 |
         std::uint32_t(b[p + 3]) << 24;
}

// Command words after the COP1 header: the CMDSTRM entry's payload.
std::span<const std::uint8_t> command_words(std::span<const std::uint8_t> payload) {
  if (word_at(payload, 0) != 0x31504F43u) {
    throw_input("vela model: payload is not COP1");
  }
  std::size_t i = 1;
  while (4 * i < payload.size()) {
    const std::uint32_t w = word_at(payload, i);
    switch (w & 0xFF) {
      case 0x01:
        i += 3;
        break;  // config tag, CONFIG and ID register images
      case 0x05:
        i += 1;
        break;  // NOP
      case 0x02: {
        const std::size_t words = ((w >> 16) & 0xFFFF) | ((w >> 8) & 0xFF) << 16;
        if (4 * (i + 1 + words) > payload.size()) {
          throw_input("vela model: short command stream");
        }
        return payload.subspan(4 * (i + 1), 4 * words);
      }
      default:
        throw_input(fmt::format("vela model: unknown driver tag {:#x}", w & 0xFF));
    }
  }
  throw_input("vela model: no command stream in the payload");
}

struct Dma {
  std::uint32_t src_region = 0, dst_region = 0;
  std::uint64_t src = 0, dst = 0, length = 0;
};

// Adds the weight ranges that one operator's command stream reads to `ranges`.
void trace_weight_ranges(
    const NpuBuffers& npu,
    std::map<std::pair<const std::uint8_t*, std::size_t>, std::size_t>& ranges) {
  const auto commands = command_words(npu.command_stream);
  // Vela places the flash tensor in region 0 (docs/npu_architecture.md §Feature maps and regions).
  constexpr std::uint32_t kFlashRegion = 0;

  Dma next_dma;
  std::vector<Dma> dmas;
  std::uint32_t weight_region = 0;
  std::uint64_t weight_base[2] = {0, 0};
  std::uint64_t weight_length[2] = {0, 0};
  auto record = [&](std::uint64_t base, std::uint64_t length) {
    if (length == 0) {
      return;
    }
    std::optional<std::uint64_t> offset;
    if (weight_region == kFlashRegion) {
      offset = base;
    } else {
      for (auto it = dmas.rbegin(); it != dmas.rend(); ++it) {
        if (it->dst_region == weight_region && it->src_region == kFlashRegion && base >= it->dst &&
            base + length <= it->dst + it->length) {
          offset = it->src + (base - it->dst);
          break;
        }
      }
    }
    if (!offset || *offset + length > npu.flash.size()) {
      throw_input(fmt::format("vela model: weights at {:#x} not traced to the flash tensor", base));
    }
    ranges[{npu.flash.data(), static_cast<std::size_t>(*offset)}] =
        static_cast<std::size_t>(length);
  };

  const std::size_t words = commands.size() / 4;
  for (std::size_t i = 0; i < words; ++i) {
    const std::uint32_t w = word_at(commands, i);
    const std::uint32_t opcode = w & 0x3FF;
    const std::uint32_t param = w >> 16;
    if ((w & 0x4000) != 0) {  // cmd1: payload in the next word, address bits 32+ in param
      const std::uint64_t value = std::uint64_t(word_at(commands, ++i)) | std::uint64_t(param)
                                                                              << 32;
      switch (opcode) {
        case 0x020:
          weight_base[0] = value;
          break;
        case 0x021:
          weight_length[0] = value & 0xFFFFFFFF;
          break;
        case 0x090:
          weight_base[1] = value;
          break;
        case 0x091:
          weight_length[1] = value & 0xFFFFFFFF;
          break;
        case 0x030:
          next_dma.src = value;
          break;
        case 0x031:
          next_dma.dst = value;
          break;
        case 0x032:
          next_dma.length = value & 0xFFFFFFFF;
          break;
        default:
          break;
      }
      continue;
    }
    switch (opcode) {
      case 0x128:
        weight_region = param & 0xFF;
        break;
      case 0x130:
        next_dma.src_region = param & 0xFF;
        break;
      case 0x131:
        next_dma.dst_region = param & 0xFF;
        break;
      case 0x010:
        dmas.push_back(next_dma);
        break;
      case 0x002:  // NPU_OP_CONV
      case 0x003:  // NPU_OP_DEPTHWISE
        record(weight_base[0], weight_length[0]);
        // Registers keep their values between operators (Vela leaves out unchanged writes).
        record(weight_base[1], weight_length[1]);
        break;
      default:
        break;
    }
  }
}

}  // namespace

std::vector<VelaWeightStream> vela_weight_streams(std::span<const std::uint8_t> tflite) {
  const Flatbuffer fb(tflite);
  // (flash tensor, offset) -> length; operators may share a flash tensor.
  std::map<std::pair<const std::uint8_t*, std::size_t>, std::size_t> ranges;
  for (const NpuBuffers& npu : find_npu_buffers(fb)) {
    trace_weight_ranges(npu, ranges);
  }
  std::vector<VelaWeightStream> streams;
  for (const auto& [where, length] : ranges) {
    const std::uint8_t* begin = where.first + where.second;
    streams.push_back({where.second, {begin, begin + length}});
  }
  return streams;
}

}  // namespace euc::test
