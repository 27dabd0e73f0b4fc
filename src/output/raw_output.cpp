#include "output/raw_output.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "npu/ethosu_op.hpp"

namespace euc::output {
namespace {

// Region numbers (docs/npu_architecture.md §Feature maps and regions, docs/output_formats.md
// §Raw output).
constexpr int64_t kFlashRegion = 0;
constexpr int64_t kScratchRegion = 1;
constexpr int64_t kFastScratchRegion = 2;
constexpr int64_t kFirstIoRegion = 3;
// Shapes are written with six dimensions, leading ones added (ExecuTorch reads six).
constexpr size_t kShapeRank = 6;

struct IoArrays {
  std::vector<int64_t> shapes;  // kShapeRank per tensor
  std::vector<int64_t> elem_sizes;
  std::vector<int64_t> regions;
  std::vector<int64_t> offsets;

  void add_to(NpzArrays& arrays, const std::string& prefix) const {
    const auto n = static_cast<int64_t>(elem_sizes.size());
    arrays.emplace_back(prefix + "_shape",
                        NpyArray::int64({n, static_cast<int64_t>(kShapeRank)}, shapes));
    arrays.emplace_back(prefix + "_elem_size", NpyArray::int64({n}, elem_sizes));
    arrays.emplace_back(prefix + "_region", NpyArray::int64({n}, regions));
    arrays.emplace_back(prefix + "_offset", NpyArray::int64({n}, offsets));
  }
};

}  // namespace

NpzArrays raw_output_arrays(const ir::Model& compiled, const RawOutputOptions& options,
                            std::string_view source) {
  auto fail = [&](const std::string& what) {
    throw_input(fmt::format("{}: --output-format raw: {}", source, what));
  };
  const std::vector<npu::EthosuOperator> ops = npu::read_ethosu_operators(compiled, source);
  size_t operators = 0;
  for (const ir::Subgraph& sg : compiled.subgraphs)
    operators += sg.operators.size();
  if (ops.size() != 1 || operators != 1 || compiled.subgraphs.size() != 1) {
    fail(fmt::format(
        "the raw format holds one command stream, but the compiled model has {} subgraph{}, {} "
        "ethos-u operator{} and {} other operator{}; only a network that compiles to one "
        "ethos-u operator can be written raw (see --show-cpu-operations)",
        compiled.subgraphs.size(), compiled.subgraphs.size() == 1 ? "" : "s", ops.size(),
        ops.size() == 1 ? "" : "s", operators - ops.size(),
        operators - ops.size() == 1 ? "" : "s"));
  }
  const npu::EthosuOperator& op = ops[0];
  const ir::Subgraph& sg = compiled.subgraphs[op.subgraph];
  auto tensor = [&](const npu::EthosuTensor& t) -> const ir::Tensor& {
    return sg.tensors.at(static_cast<size_t>(t.index));
  };
  auto bytes_of = [&](const npu::EthosuTensor& t) {
    const ir::Tensor& info = tensor(t);
    return info.num_elements() * ir::element_size(info.type).value_or(0);
  };
  if (!op.scratch.arena_offset)
    fail("the scratch tensor has no offset in OfflineMemoryAllocation");
  const int64_t base = *op.scratch.arena_offset;
  const int64_t scratch_size = bytes_of(op.scratch);

  NpzArrays arrays;
  arrays.emplace_back("cmd_data", NpyArray::uint8(compiled.tensor_data(tensor(op.command_stream))));
  arrays.emplace_back("weight_data", NpyArray::uint8(compiled.tensor_data(tensor(op.flash))));
  arrays.emplace_back("weight_region", NpyArray::int64_scalar(kFlashRegion));
  auto scratch_arrays = [&](const std::string& name, const npu::EthosuTensor& t, int64_t region) {
    std::vector<int64_t> shape(tensor(t).shape.begin(), tensor(t).shape.end());
    arrays.emplace_back(name + "_shape",
                        NpyArray::int64({static_cast<int64_t>(shape.size())}, shape));
    arrays.emplace_back(name + "_region", NpyArray::int64_scalar(region));
    arrays.emplace_back(name + "_size", NpyArray::int64_scalar(bytes_of(t)));
  };
  scratch_arrays("scratch", op.scratch, kScratchRegion);
  scratch_arrays("scratch_fast", op.scratch_fast,
                 options.fast_scratch_region ? kFastScratchRegion : kScratchRegion);

  int64_t next_io_region = kFirstIoRegion;
  auto io = [&](const std::vector<npu::EthosuTensor>& list, const char* role) {
    IoArrays out;
    for (size_t k = 0; k < list.size(); ++k) {
      const ir::Tensor& t = tensor(list[k]);
      if (t.shape.size() > kShapeRank)
        fail(fmt::format("{} {} '{}' has {} dimensions (at most {})", role, k, t.name,
                         t.shape.size(), kShapeRank));
      out.shapes.insert(out.shapes.end(), kShapeRank - t.shape.size(), 1);
      out.shapes.insert(out.shapes.end(), t.shape.begin(), t.shape.end());
      out.elem_sizes.push_back(ir::element_size(t.type).value_or(0));
      if (options.separate_io_regions) {
        out.regions.push_back(next_io_region++);
        out.offsets.push_back(0);
        continue;
      }
      if (!list[k].arena_offset)
        fail(fmt::format("{} {} '{}' has no offset in OfflineMemoryAllocation", role, k, t.name));
      const int64_t offset = *list[k].arena_offset - base;
      if (offset < 0 || offset + bytes_of(list[k]) > scratch_size)
        fail(fmt::format("{} {} '{}' at arena offset {} lies outside the scratch tensor", role, k,
                         t.name, *list[k].arena_offset));
      out.regions.push_back(kScratchRegion);
      out.offsets.push_back(offset);
    }
    return out;
  };
  io(op.ifms, "input").add_to(arrays, "input");
  io(op.ofms, "output").add_to(arrays, "output");
  // euc keeps variable tensors (LSTM state) as inputs and outputs of the operator at one address,
  // so the variable arrays are empty, as Vela's are for such models.
  IoArrays().add_to(arrays, "variable");
  return arrays;
}

std::vector<uint8_t> raw_output_npz(const ir::Model& compiled, const RawOutputOptions& options,
                                    std::string_view source) {
  return write_npz(raw_output_arrays(compiled, options, source));
}

}  // namespace euc::output
