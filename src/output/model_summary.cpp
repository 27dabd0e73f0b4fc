#include "output/model_summary.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace euc::output {
namespace {

std::string describe_tensor(const ir::Tensor& t) {
  std::string text =
      fmt::format("{} [{}] '{}'", ir::data_type_name(t.type), fmt::join(t.shape, ","), t.name);
  if (t.quantization && t.quantization->scale.size() == 1) {
    int64_t zp = t.quantization->zero_point.empty() ? 0 : t.quantization->zero_point[0];
    text += fmt::format(" scale={:g} zero_point={}", t.quantization->scale[0], zp);
  } else if (t.quantization && t.quantization->per_axis()) {
    text += fmt::format(" per-axis({} scales, axis {})", t.quantization->scale.size(),
                        t.quantization->quantized_dimension);
  }
  return text;
}

}  // namespace

std::string format_model_summary(const ir::Model& model, std::string_view source) {
  std::string out = fmt::format("Model: {}\n", source);
  if (!model.description.empty())
    out += fmt::format("Description: {}\n", model.description);
  for (size_t s = 0; s < model.subgraphs.size(); ++s) {
    const ir::Subgraph& sg = model.subgraphs[s];
    out += fmt::format("Subgraph {}{}: {} operators, {} tensors\n", s,
                       sg.name.empty() ? "" : fmt::format(" '{}'", sg.name), sg.operators.size(),
                       sg.tensors.size());
    std::map<std::string, int> counts;
    std::set<uint32_t> constant_buffers;
    for (const ir::Operator& op : sg.operators) {
      ++counts[ir::operator_display_name(op)];
      for (int32_t in : op.inputs) {
        if (in >= 0 && !model.tensor_data(sg.tensors[in]).empty()) {
          constant_buffers.insert(sg.tensors[in].buffer);
        }
      }
    }
    out += "  Operators:\n";
    for (const auto& [name, n] : counts)
      out += fmt::format("    {:<28} {:>5}\n", name, n);
    out += "  Inputs:\n";
    for (int32_t i : sg.inputs)
      out += fmt::format("    {}\n", describe_tensor(sg.tensors[i]));
    out += "  Outputs:\n";
    for (int32_t o : sg.outputs)
      out += fmt::format("    {}\n", describe_tensor(sg.tensors[o]));
    size_t weight_bytes = 0;
    for (uint32_t b : constant_buffers)
      weight_bytes += model.buffers[b].bytes().size();
    out += fmt::format("  Constant (weight) bytes: {} in {} buffers\n", weight_bytes,
                       constant_buffers.size());
  }
  return out;
}

}  // namespace euc::output
