#include "npusim/op_weights.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>

#include "core/error.hpp"
#include "weights/mlw_decoder.hpp"
#include "weights/reorder.hpp"

namespace euc::npusim {
namespace {

// The bytes of a weight or scale range, checked to lie in their region and to hold data.
// `fetch`: the NPU reads them now (counted as traffic); otherwise the simulator only looks again.
std::span<const uint8_t> range_bytes(const NpuMemory& memory, const npu::AddressRange& range,
                                     const std::string& what, bool fetch) {
  const MemoryBuffer& buffer = memory.region(range.region, what);
  buffer.check_range(range.address, range.length, what);
  const std::size_t bad = fetch ? buffer.first_uninitialised(range.address, range.length)
                                : buffer.first_uninitialised_quiet(range.address, range.length);
  if (bad != range.length) {
    throw_input(fmt::format("{}: byte {:#x} of {} holds no data", what, range.address + bad,
                            buffer.name()));
  }
  return {buffer.data() + range.address, static_cast<std::size_t>(range.length)};
}

std::vector<uint8_t> gather_encoded(const NpuMemory& memory, const npu::BlockOperation& op) {
  std::vector<uint8_t> all;
  for (std::size_t core = 0; core < op.weights.size(); ++core) {
    for (const auto& [range, name] :
         {std::pair{op.weights[core], "weights"}, std::pair{op.scales[core], "scales"}}) {
      const auto bytes = range_bytes(memory, range, fmt::format("{} of core {}", name, core), true);
      all.insert(all.end(), bytes.begin(), bytes.end());
    }
  }
  return all;
}

OpWeights decode(const NpuMemory& memory, const npu::BlockOperation& op, bool depthwise,
                 const arch::AcceleratorConfig& accelerator) {
  const npu::Kernel& k = *op.kernel;
  OpWeights w;
  w.ofm_depth = op.ofm.shape.depth;
  w.kernel_height = k.height;
  w.kernel_width = k.width;
  w.ifm_depth = depthwise ? 1 : op.ifm.shape.depth;
  w.values.assign(static_cast<std::size_t>(w.ofm_depth) * static_cast<std::size_t>(k.height) *
                      static_cast<std::size_t>(k.width) * static_cast<std::size_t>(w.ifm_depth),
                  0);
  w.scales.resize(static_cast<std::size_t>(w.ofm_depth));
  const int cores = static_cast<int>(op.weights.size());
  const int per_kernel = k.height * k.width * w.ifm_depth;

  for (int core = 0; core < cores; ++core) {
    const int channels = (w.ofm_depth - core + cores - 1) / cores;
    const std::string name = fmt::format("weights of core {}", core);
    // A core with no output channels (OFM depth below the core count) is idle: Vela points its
    // weight and scale registers at core 0's data with zero lengths
    // (register_command_stream_generator.py generate_weights).
    if (channels == 0) {
      if (op.weights[static_cast<std::size_t>(core)].length != 0) {
        throw_input(fmt::format("{}: the core has no output channels but {} bytes of weights", name,
                                op.weights[static_cast<std::size_t>(core)].length));
      }
      continue;
    }
    const auto encoded =
        range_bytes(memory, op.weights[static_cast<std::size_t>(core)], name, false);
    const std::vector<int16_t> stream = weights::decode_mlw(encoded);

    const int block_depth = (op.block_config.depth + cores - 1 - core) / cores;
    if (block_depth <= 0)
      throw_input(fmt::format("{}: OFM block depth {} leaves core {} no channels", name,
                              op.block_config.depth, core));
    const weights::WeightTraversal traversal =
        depthwise ? weights::WeightTraversal::kDepthwise
                  : (k.part_kernel_first ? weights::WeightTraversal::kPartKernelFirst
                                         : weights::WeightTraversal::kDepthFirst);
    const weights::ReorderParams params = weights::reorder_params(
        accelerator, traversal, block_depth, op.ifm.type.bits, k.dilation_x, k.dilation_y);
    const weights::OhwiShape shape{channels, k.height, k.width, w.ifm_depth};
    const std::size_t expected = weights::reordered_length(shape, params);
    if (stream.size() != expected) {
      throw_input(fmt::format(
          "{}: the stream decodes to {} weights, a {}x{} kernel over {} IFM and {} OFM channels "
          "({}, OFM block depth {}) needs {}",
          name, stream.size(), k.width, k.height, w.ifm_depth, channels,
          weights::weight_traversal_name(traversal), block_depth, expected));
    }
    const std::vector<int16_t> ohwi = weights::unreorder_weights(stream, shape, params);
    // Core-local channel c is OFM channel c * cores + core.
    for (int c = 0; c < channels; ++c) {
      std::copy_n(ohwi.begin() + static_cast<std::ptrdiff_t>(c) * per_kernel, per_kernel,
                  w.values.begin() + static_cast<std::ptrdiff_t>(c * cores + core) * per_kernel);
    }

    const std::string scale_name = fmt::format("scales of core {}", core);
    const auto scale_bytes =
        range_bytes(memory, op.scales[static_cast<std::size_t>(core)], scale_name, false);
    const std::size_t needed = static_cast<std::size_t>(channels) * weights::kScaleRecordBytes;
    if (scale_bytes.size() < needed) {
      throw_input(fmt::format("{}: {} bytes hold fewer than the {} records of {} channels",
                              scale_name, scale_bytes.size(), channels, channels));
    }
    for (int c = 0; c < channels; ++c) {
      const auto record = scale_bytes.subspan(
          static_cast<std::size_t>(c) * weights::kScaleRecordBytes, weights::kScaleRecordBytes);
      w.scales[static_cast<std::size_t>(c * cores + core)] = weights::unpack_scale_record(record);
    }
  }
  return w;
}

}  // namespace

const OpWeights& WeightCache::load(const NpuMemory& memory, const npu::BlockOperation& op,
                                   bool depthwise, const arch::AcceleratorConfig& accelerator,
                                   std::size_t op_index) {
  if (op.weights.empty() || op.weights.size() != op.scales.size())
    throw_input("weight or scale ranges missing");
  std::vector<uint8_t> encoded = gather_encoded(memory, op);
  auto it = entries_.find(op_index);
  if (it != entries_.end() && it->second.encoded == encoded)
    return it->second.weights;
  Entry entry{std::move(encoded), decode(memory, op, depthwise, accelerator)};
  return entries_.insert_or_assign(op_index, std::move(entry)).first->second.weights;
}

}  // namespace euc::npusim
