#include "npusim/ethosu_runner.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace euc::npusim {
namespace {

// Region numbers of Vela's command streams (docs/npu_architecture.md §Feature maps and regions).
constexpr int kFlashRegion = 0;
constexpr int kScratchRegion = 1;
constexpr int kScratchFastRegion = 2;
// TensorFlow Lite Micro's ethos-u kernel passes the operator's IFMs, then its OFMs, as base
// pointers 3, 4, ..., at most 8 base pointers in all (docs/output_formats.md §Separate I/O
// regions).
constexpr int kFirstIoRegion = 3;
constexpr int kMaxRegions = 8;

std::size_t byte_size(const ir::Tensor& t) {
  return static_cast<std::size_t>(t.num_elements()) *
         static_cast<std::size_t>(ir::element_size(t.type).value_or(0));
}

}  // namespace

std::shared_ptr<MemoryBuffer> SharedScratch::buffer(std::size_t subgraph, int tensor,
                                                    const std::string& name, std::size_t size) {
  auto& slot = buffers_[{subgraph, tensor}];
  if (!slot)
    slot = std::make_shared<MemoryBuffer>(name, size);
  return slot;
}

void SharedScratch::clear() {
  for (auto& [key, buffer] : buffers_)
    buffer->clear();
}

void EthosuRunner::fail(const std::string& what) const {
  throw_input(fmt::format("{}: {}", where_, what));
}

EthosuRunner::EthosuRunner(const ir::Model& model, const npu::EthosuOperator& op,
                           std::string source, std::shared_ptr<SharedScratch> shared)
    : op_(op),
      where_(fmt::format("{}: subgraph {} operator {} (ethos-u)", source, op.subgraph,
                         op.operator_index)),
      shared_(std::move(shared)) {
  const ir::Subgraph& graph = model.subgraphs.at(op.subgraph);
  auto tensor = [&](const npu::EthosuTensor& t) -> const ir::Tensor& {
    return graph.tensors.at(static_cast<std::size_t>(t.index));
  };
  try {
    simulator_ = std::make_unique<Simulator>(op.payload.command_words,
                                             accelerator_from_config(op.payload.config.word()));
  } catch (const Error& e) {
    fail(e.what());
  }
  const ir::Tensor& flash = tensor(op.flash);
  memory_.map_region(kFlashRegion,
                     std::make_shared<MemoryBuffer>(fmt::format("flash '{}'", flash.name),
                                                    model.tensor_data(flash), /*read_only=*/true));
  auto memory_of = [&](const npu::EthosuTensor& t, const char* role) {
    const ir::Tensor& info = tensor(t);
    const std::string name = fmt::format("{} '{}'", role, info.name);
    if (shared_)
      return shared_->buffer(op.subgraph, t.index, name, byte_size(info));
    return std::make_shared<MemoryBuffer>(name, byte_size(info));
  };
  scratch_ = memory_of(op.scratch, "scratch");
  memory_.map_region(kScratchRegion, scratch_);
  scratch_fast_ = op.scratch_fast.index == op.scratch.index
                      ? scratch_
                      : memory_of(op.scratch_fast, "scratch_fast");
  memory_.map_region(kScratchFastRegion, scratch_fast_);
  memory_.set_shram(simulator_->make_shram());

  if (!op.scratch.arena_offset)
    fail("the scratch tensor has no arena offset in OfflineMemoryAllocation");
  const int64_t base = *op.scratch.arena_offset;
  int io_region = kFirstIoRegion;
  auto place = [&](const npu::EthosuTensor& t, const char* role, std::size_t k) {
    const ir::Tensor& tensor_info = tensor(t);
    Placement p;
    p.size = byte_size(tensor_info);
    p.name = fmt::format("{} {} (tensor {} '{}')", role, k, t.index, tensor_info.name);
    const int region = io_region++;
    if (!t.arena_offset) {
      if (region >= kMaxRegions)
        fail(fmt::format("{} is not in the arena and has no base pointer (region {} of at most {})",
                         p.name, region, kMaxRegions));
      p.own = std::make_shared<MemoryBuffer>(p.name, p.size);
      memory_.map_region(region, p.own);
      return p;
    }
    const int64_t address = *t.arena_offset - base;
    if (address < 0 || static_cast<uint64_t>(address) + p.size > scratch_->size()) {
      fail(
          fmt::format("{} at arena offset {} ({} bytes) lies outside the scratch tensor (offset "
                      "{}, {} bytes)",
                      p.name, *t.arena_offset, p.size, base, scratch_->size()));
    }
    p.address = static_cast<uint64_t>(address);
    return p;
  };
  for (std::size_t k = 0; k < op.ifms.size(); ++k)
    ifms_.push_back(place(op.ifms[k], "IFM", k));
  for (std::size_t k = 0; k < op.ofms.size(); ++k)
    ofms_.push_back(place(op.ofms[k], "OFM", k));
}

std::optional<std::span<const uint8_t>> EthosuRunner::scratch_bytes(int64_t arena_offset,
                                                                    std::size_t size) const {
  const int64_t address = arena_offset - *op_.scratch.arena_offset;
  if (address < 0 || static_cast<uint64_t>(address) + size > scratch_->size())
    return std::nullopt;
  return std::span<const uint8_t>(scratch_->data() + address, size);
}

bool EthosuRunner::write_scratch(int64_t arena_offset, std::span<const uint8_t> bytes) {
  const int64_t address = arena_offset - *op_.scratch.arena_offset;
  if (address < 0 || static_cast<uint64_t>(address) + bytes.size() > scratch_->size())
    return false;
  scratch_->write(static_cast<std::size_t>(address), bytes);
  return true;
}

std::vector<std::vector<uint8_t>> EthosuRunner::run(std::span<const std::span<const uint8_t>> ifms,
                                                    const OperationObserver& observer,
                                                    const RunOptions& options) {
  if (ifms.size() != ifms_.size())
    fail(fmt::format("{} IFMs given, the operator has {}", ifms.size(), ifms_.size()));
  if (!shared_) {
    scratch_->clear();
    scratch_fast_->clear();
  }
  memory_.shram().clear();
  for (const Placement& p : ofms_) {
    if (p.own)
      p.own->clear();
  }
  auto flag = [](const std::vector<bool>& flags, std::size_t k) {
    return k < flags.size() && flags[k];
  };
  for (std::size_t k = 0; k < ifms.size(); ++k) {
    const Placement& p = ifms_[k];
    if (p.own) {
      if (ifms[k].size() != p.size)
        fail(fmt::format("{} needs {} bytes, {} given", p.name, p.size, ifms[k].size()));
      p.own->clear();
      p.own->write(0, ifms[k]);
      continue;
    }
    if (flag(options.ifm_in_scratch, k))
      continue;
    if (ifms[k].size() != p.size)
      fail(fmt::format("{} needs {} bytes, {} given", p.name, p.size, ifms[k].size()));
    // An earlier IFM placed over this one must hold the same bytes where they meet.
    for (std::size_t j = 0; j < k; ++j) {
      if (flag(options.ifm_in_scratch, j) || ifms_[j].own)
        continue;
      const Placement& q = ifms_[j];
      const uint64_t lo = std::max(p.address, q.address);
      const uint64_t hi = std::min(p.address + p.size, q.address + q.size);
      for (uint64_t a = lo; a < hi; ++a) {
        if (ifms[k][a - p.address] != ifms[j][a - q.address]) {
          fail(fmt::format("{} and {} share arena bytes from offset {} but hold different data",
                           q.name, p.name, lo));
        }
      }
    }
    scratch_->write(p.address, ifms[k]);
  }
  for (int r = 0; r < 3; ++r) {
    if (memory_.is_mapped(r))
      memory_.region(r, "region").reset_traffic();
  }
  try {
    simulator_->run(memory_, observer);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kUsage)
      throw;
    fail(e.what());
  }
  traffic_ = {};
  for (int r = 0; r < 3; ++r) {
    const bool alias = r == 2 && scratch_fast_ == scratch_;
    if (memory_.is_mapped(r) && !alias)
      traffic_[static_cast<std::size_t>(r)] = memory_.region(r, "region").traffic();
  }
  std::vector<std::vector<uint8_t>> outputs;
  for (std::size_t k = 0; k < ofms_.size(); ++k) {
    const Placement& p = ofms_[k];
    MemoryBuffer& memory = p.own ? *p.own : *scratch_;
    const std::size_t bad = flag(options.ofm_may_be_partial, k)
                                ? p.size
                                : memory.first_uninitialised(p.address, p.size);
    if (bad != p.size)
      fail(fmt::format("{}: byte {} was never written by the NPU", p.name, bad));
    const uint8_t* data = memory.data() + p.address;
    outputs.emplace_back(data, data + p.size);
  }
  return outputs;
}

MemoryBuffer::Traffic EthosuRunner::region_traffic(int region) const {
  if (region < 0 || region >= static_cast<int>(traffic_.size()))
    return {};
  return traffic_[static_cast<std::size_t>(region)];
}

}  // namespace euc::npusim
