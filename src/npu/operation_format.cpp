#include "npu/operation_format.hpp"

#include <fmt/format.h>

namespace euc::npu {
namespace {

std::string enum_text(std::string_view enumeration, uint32_t value) {
  if (const EnumInfo* info = find_enum(enumeration)) {
    if (auto name = describe_enum_value(*info, value))
      return *name;
  }
  return fmt::format("{}?", value);
}

std::string range_text(const AddressRange& r) {
  return fmt::format("r{}@{:#x}+{:#x}", r.region, r.address, r.length);
}

std::string ranges_text(std::string_view what, const std::vector<AddressRange>& ranges) {
  std::string out;
  for (std::size_t i = 0; i < ranges.size(); ++i)
    out += fmt::format(" {}{} {}", what, i == 0 ? "" : fmt::format("[core{}]", i),
                       range_text(ranges[i]));
  return out;
}

std::string endpoint_text(const DmaEndpoint& e) {
  std::string out = fmt::format("r{}{}@{:#x}", e.region, e.internal ? "(internal)" : "", e.address);
  if (e.stride_mode != StrideMode::kStrideMode1d)
    out += fmt::format(" {}", enum_text("stride_mode", static_cast<uint32_t>(e.stride_mode)));
  return out;
}

std::string block_text(OperationKind kind, const BlockOperation& b) {
  std::string out(operation_kind_name(kind));
  if (kind == OperationKind::kPool)
    out += fmt::format(" {}", enum_text("pooling_mode", static_cast<uint32_t>(b.pooling_mode)));
  if (kind == OperationKind::kElementwise)
    out += fmt::format(" {}",
                       enum_text("elementwise_mode", static_cast<uint32_t>(b.elementwise_mode)));
  out += fmt::format(" ifm {}", format_feature_map(b.ifm));
  if (b.ifm2_setting && b.ifm2_setting->is_scalar) {
    out += fmt::format(" ifm2 scalar {} {}", b.ifm2_setting->scalar_value, b.ifm2->type.name());
  } else if (b.ifm2) {
    out += fmt::format(" ifm2 {}", format_feature_map(*b.ifm2));
  }
  if (b.ifm2_setting && b.ifm2_setting->reversed_operands)
    out += " (reversed)";
  out += fmt::format(" -> ofm {}", format_feature_map(b.ofm));
  if (b.kernel) {
    const Kernel& k = *b.kernel;
    out += fmt::format(" kernel {}x{} stride {}x{}", k.width, k.height, k.stride_x, k.stride_y);
    if (k.dilation_x != 1 || k.dilation_y != 1)
      out += fmt::format(" dilation {}x{}", k.dilation_x, k.dilation_y);
  }
  if (b.padding) {
    const Padding& p = *b.padding;
    out += fmt::format(" pad t{} l{} b{} r{}", p.top, p.left, p.bottom, p.right);
  }
  if (b.upscale != ResamplingMode::kNone)
    out +=
        fmt::format(" upscale {}", enum_text("resampling_mode", static_cast<uint32_t>(b.upscale)));
  out += ranges_text("weights", b.weights);
  out += ranges_text("scales", b.scales);
  if (b.activation.function == ActivationFunction::kTableLookup) {
    out += fmt::format(" act LUT{}", b.activation.lut_slot);
  } else if (b.activation.function != ActivationFunction::kNone) {
    out += fmt::format(" act {}", activation_function_name(b.activation.function));
  }
  return out;
}

}  // namespace

std::string format_feature_map(const FeatureMap& fm) {
  return fmt::format("{}x{}x{} {} {} r{}@{:#x}", fm.shape.height, fm.shape.width, fm.shape.depth,
                     fm.type.name(), enum_text("data_format", static_cast<uint32_t>(fm.format)),
                     fm.region, fm.base[0]);
}

std::string summarize_operation(const NpuOperation& op) {
  if (op.dma) {
    return fmt::format("DMA {} -> {} length {:#x}", endpoint_text(op.dma->source),
                       endpoint_text(op.dma->destination), op.dma->length);
  }
  if (op.block)
    return block_text(op.kind, *op.block);
  return std::string(operation_kind_name(op.kind));
}

}  // namespace euc::npu
