#include "output/ethosu_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

#include "core/error.hpp"
#include "npu/ethosu_op.hpp"

namespace euc::output {
namespace {

// Custom options flexbuffer Vela writes for the ethos-u operator
// (docs/npu_architecture.md §Driver payload).
const ir::Bytes kCustomOptions = {0x01, 0x04, 0x01};

ir::Bytes int32_bytes(const std::vector<int32_t>& values) {
  ir::Bytes out(values.size() * 4);
  for (size_t i = 0; i < values.size(); ++i) {
    auto v = static_cast<uint32_t>(values[i]);
    for (int b = 0; b < 4; ++b)
      out[4 * i + b] = static_cast<uint8_t>(v >> (8 * b));
  }
  return out;
}

class ModelBuilder {
 public:
  explicit ModelBuilder(const ir::Model& input) : in_(input) {}

  ir::Model build(const std::vector<SubgraphCompilation>& subgraphs,
                  const std::string& description) {
    in_offsets_ = npu::read_offline_memory_allocation(in_, "input model");
    out_.version = in_.version;
    out_.description = description;
    out_.buffers.push_back({});  // buffer 0: the empty buffer
    for (size_t s = 0; s < in_.subgraphs.size(); ++s) {
      build_subgraph(static_cast<int>(s), subgraphs.at(s));
    }
    copy_metadata();
    return std::move(out_);
  }

 private:
  uint32_t add_buffer(ir::Bytes bytes) {
    ir::Buffer b;
    if (!bytes.empty())
      b.data = std::make_shared<const ir::Bytes>(std::move(bytes));
    out_.buffers.push_back(std::move(b));
    return static_cast<uint32_t>(out_.buffers.size() - 1);
  }

  uint32_t copy_buffer(uint32_t in_buffer) {
    if (in_buffer == 0 || !in_.buffers.at(in_buffer).has_data())
      return 0;
    auto it = buffer_map_.find(in_buffer);
    if (it != buffer_map_.end())
      return it->second;
    out_.buffers.push_back(in_.buffers[in_buffer]);
    auto index = static_cast<uint32_t>(out_.buffers.size() - 1);
    buffer_map_[in_buffer] = index;
    return index;
  }

  // The output index of input tensor t of the current subgraph (copied on first use).
  int32_t tensor(int t) {
    if (t < 0)
      return t;
    auto it = tensor_map_.find(t);
    if (it != tensor_map_.end())
      return it->second;
    ir::Tensor copy = in_sg_->tensors.at(t);
    copy.buffer = copy_buffer(copy.buffer);
    sg_->tensors.push_back(std::move(copy));
    auto index = static_cast<int32_t>(sg_->tensors.size() - 1);
    tensor_map_[t] = index;
    // A tensor the input already places (the I/O of an ethos-u operator compiled before, passed
    // through) keeps its offset.
    std::optional<int32_t> kept;
    if (in_offsets_)
      kept = in_offsets_->offset(static_cast<std::size_t>(subgraph_), t);
    arena_offset_.push_back(kept ? *kept : -1);
    return index;
  }

  int32_t new_tensor(const std::string& name, int64_t size, ir::Bytes data, int32_t offset) {
    ir::Tensor t;
    t.name = name;
    t.type = ir::DataType::kUInt8;
    t.shape = {static_cast<int32_t>(size)};
    t.buffer = data.empty() ? 0 : add_buffer(std::move(data));
    sg_->tensors.push_back(std::move(t));
    arena_offset_.push_back(offset);
    return static_cast<int32_t>(sg_->tensors.size() - 1);
  }

  void build_subgraph(int s, const SubgraphCompilation& comp) {
    in_sg_ = &in_.subgraphs[s];
    out_.subgraphs.push_back({});
    sg_ = &out_.subgraphs.back();
    sg_->name = in_sg_->name;
    sg_->debug_metadata_index = in_sg_->debug_metadata_index;
    tensor_map_.clear();
    arena_offset_.clear();
    subgraph_ = s;
    // Our arena goes above whatever the input's OfflineMemoryAllocation places already.
    base_ = 0;
    if (in_offsets_) {
      for (std::size_t t = 0; t < in_sg_->tensors.size(); ++t) {
        const auto offset =
            in_offsets_->offset(static_cast<std::size_t>(s), static_cast<int32_t>(t));
        if (!offset)
          continue;
        const ir::Tensor& tensor = in_sg_->tensors[t];
        const int64_t size = tensor.num_elements() * ir::element_size(tensor.type).value_or(1);
        base_ = std::max<int64_t>(base_, (*offset + size + 15) / 16 * 16);
      }
    }
    scratch_ = -1;
    scratch_fast_ = -1;
    // One scratch and one scratch_fast tensor for every ethos-u operator of the subgraph (one
    // arena plan covers them all; TensorFlow Lite Micro keeps the scratch live from the first
    // to the last, so no CPU tensor lands on data left in it between them).
    scratch_size_ = 0;
    fast_size_ = 0;
    for (const codegen::CompiledSegment& c : comp.compiled) {
      scratch_size_ = std::max(scratch_size_, c.arena_size);
      fast_size_ = std::max(fast_size_, c.fast_arena_size);
    }
    for (int t : in_sg_->inputs)
      sg_->inputs.push_back(tensor(t));
    size_t npu_index = 0;
    for (const frontend::Segment& seg : comp.lowered.segments) {
      if (!seg.on_npu) {
        for (int op_index : seg.network_ops) {
          ir::Operator op = in_sg_->operators.at(op_index);
          for (int32_t& t : op.inputs)
            t = tensor(t);
          for (int32_t& t : op.outputs)
            t = tensor(t);
          for (int32_t& t : op.intermediates)
            t = tensor(t);
          sg_->operators.push_back(std::move(op));
        }
        continue;
      }
      add_ethosu_operator(seg, comp.compiled.at(npu_index), static_cast<int>(npu_index));
      ++npu_index;
    }
    for (int t : in_sg_->outputs)
      sg_->outputs.push_back(tensor(t));
    offsets_.push_back(arena_offset_);
  }

  void add_ethosu_operator(const frontend::Segment& seg, const codegen::CompiledSegment& compiled,
                           int index) {
    std::string prefix = "_split_" + std::to_string(index + 1);
    ir::Operator op;
    op.type = ir::BuiltinOp::CUSTOM;
    op.custom_code = "ethos-u";
    op.custom_options = kCustomOptions;
    op.inputs.push_back(new_tensor(prefix + "_command_stream",
                                   static_cast<int64_t>(compiled.payload.size()), compiled.payload,
                                   -1));
    op.inputs.push_back(new_tensor(prefix + "_flash", static_cast<int64_t>(compiled.flash.size()),
                                   compiled.flash, -1));
    if (scratch_ < 0) {
      scratch_ = new_tensor(prefix + "_scratch", scratch_size_, {}, arena(0));
      scratch_fast_ = new_tensor(prefix + "_scratch_fast",
                                 fast_size_ > 0 ? fast_size_ : scratch_size_, {}, arena(0));
    }
    op.inputs.push_back(scratch_);
    op.inputs.push_back(scratch_fast_);
    const ir::NpuGraph& g = seg.graph;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      int32_t t = tensor(g.tensors[g.inputs[i]].network_tensor);
      if (compiled.input_addresses[i] >= 0)  // else in its own region: the runtime places it
        arena_offset_[t] = arena(compiled.input_addresses[i]);
      op.inputs.push_back(t);
    }
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      int32_t t = tensor(g.tensors[g.outputs[i]].network_tensor);
      if (compiled.output_addresses[i] >= 0)
        arena_offset_[t] = arena(compiled.output_addresses[i]);
      op.outputs.push_back(t);
    }
    sg_->operators.push_back(std::move(op));
  }

  // The OfflineMemoryAllocation offset of an address in our arena.
  int32_t arena(int64_t address) const {
    const int64_t offset = base_ + address;
    if (offset > INT32_MAX)
      throw_input(
          fmt::format("the arena needs {} bytes, more than OfflineMemoryAllocation holds", offset));
    return static_cast<int32_t>(offset);
  }

  void copy_metadata() {
    for (const ir::Metadata& m : in_.metadata) {
      if (m.name == "OfflineMemoryAllocation")
        continue;
      out_.metadata.push_back(
          {m.name, add_buffer(ir::Bytes(in_.buffers.at(m.buffer).bytes().begin(),
                                        in_.buffers.at(m.buffer).bytes().end()))});
    }
    // OfflineMemoryAllocation: version 0, subgraph count, tensor count, one offset per tensor of
    // every subgraph (-1: the runtime places it).
    std::vector<int32_t> words = {0, static_cast<int32_t>(offsets_.size())};
    int32_t count = 0;
    for (const auto& o : offsets_)
      count += static_cast<int32_t>(o.size());
    words.push_back(count);
    for (const auto& o : offsets_)
      words.insert(words.end(), o.begin(), o.end());
    out_.metadata.push_back({"OfflineMemoryAllocation", add_buffer(int32_bytes(words))});
    // Signature tensor indices follow the remapping of their subgraph (only subgraph 0 keeps one
    // when tensors were dropped elsewhere, which cannot happen: maps cover every subgraph I/O).
    out_.signature_defs = in_.signature_defs;
    for (ir::SignatureDef& sd : out_.signature_defs) {
      for (auto* maps : {&sd.inputs, &sd.outputs}) {
        for (ir::TensorMap& m : *maps) {
          const ir::Subgraph& in_sg = in_.subgraphs.at(sd.subgraph_index);
          const ir::Subgraph& out_sg = out_.subgraphs.at(sd.subgraph_index);
          // Subgraph inputs/outputs keep their positions: map through them.
          for (size_t k = 0; k < in_sg.inputs.size(); ++k) {
            if (in_sg.inputs[k] == static_cast<int32_t>(m.tensor_index))
              m.tensor_index = out_sg.inputs[k];
          }
          for (size_t k = 0; k < in_sg.outputs.size(); ++k) {
            if (in_sg.outputs[k] == static_cast<int32_t>(m.tensor_index))
              m.tensor_index = out_sg.outputs[k];
          }
        }
      }
    }
  }

  const ir::Model& in_;
  ir::Model out_;
  const ir::Subgraph* in_sg_ = nullptr;
  ir::Subgraph* sg_ = nullptr;
  std::map<int, int32_t> tensor_map_;
  std::map<uint32_t, uint32_t> buffer_map_;
  std::vector<int32_t> arena_offset_;
  std::optional<npu::OfflineMemoryAllocation> in_offsets_;
  int subgraph_ = 0;
  int64_t base_ = 0;  // where our arena starts: above the input's own placements
  int32_t scratch_ = -1;
  int32_t scratch_fast_ = -1;
  int64_t scratch_size_ = 0;
  int64_t fast_size_ = 0;
  std::vector<std::vector<int32_t>> offsets_;
};

}  // namespace

ir::Model build_ethosu_model(const ir::Model& input,
                             const std::vector<SubgraphCompilation>& subgraphs,
                             const std::string& description) {
  return ModelBuilder(input).build(subgraphs, description);
}

}  // namespace euc::output
