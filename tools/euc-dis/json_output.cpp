// The JSON form of the disassembly: the same content as the listing, with every field of every
// command and operation by name.
#include <nlohmann/json.hpp>

#include "disassembly.hpp"
#include "npu/format.hpp"
#include "npu/operation_format.hpp"

namespace euc::dis {
namespace {

using nlohmann::json;

std::string enum_text(std::string_view enumeration, uint32_t value) {
  if (const npu::EnumInfo* info = npu::find_enum(enumeration)) {
    if (auto name = npu::describe_enum_value(*info, value))
      return *name;
  }
  return std::to_string(value);
}

template <typename E>
std::string enum_text(std::string_view enumeration, E value) {
  return enum_text(enumeration, static_cast<uint32_t>(value));
}

json payload_json(const npu::DriverPayload& p) {
  json actions = json::array();
  for (const npu::DriverAction& a : p.actions) {
    actions.push_back({{"id", npu::driver_action_name(a.id)},
                       {"byte_offset", a.byte_offset},
                       {"reserved", a.reserved},
                       {"param", a.param},
                       {"data_words", a.data_words}});
  }
  json reads = json::array();
  for (const npu::RegisterRead& r : p.register_reads)
    reads.push_back({{"index", r.index}, {"count", r.count}});
  const npu::ConfigRegisterImage& c = p.config;
  const npu::IdRegisterImage& id = p.id;
  return {{"fourcc", "COP1"},
          {"config_release", p.config_release},
          {"config_patch", p.config_patch},
          {"config",
           {{"word", c.word()},
            {"product", npu::product_name(c.product)},
            {"macs_per_cc", c.macs_per_cc_log2},
            {"macs_per_cycle", c.macs_per_cycle()},
            {"shram_size_kib", c.shram_size_kib},
            {"cmd_stream_version", c.cmd_stream_version}}},
          {"id",
           {{"word", id.word()},
            {"arch_version", id.arch_version()},
            {"arch_major_rev", id.arch_major_rev},
            {"arch_minor_rev", id.arch_minor_rev},
            {"arch_patch_rev", id.arch_patch_rev},
            {"product_major", id.product_major},
            {"version_major", id.version_major},
            {"version_minor", id.version_minor},
            {"version_status", id.version_status}}},
          {"actions", actions},
          {"register_reads", reads},
          {"shram_dumps", p.shram_dumps},
          {"command_stream_byte_offset", p.command_stream_byte_offset},
          {"command_words", p.command_words.size()}};
}

json tensor_json(const TensorEntry& t) {
  return {{"role", t.role},
          {"index", t.index},
          {"name", t.name},
          {"type", ir::data_type_name(t.type)},
          {"shape", t.shape},
          {"bytes", t.bytes},
          {"arena_offset", t.arena_offset ? json(*t.arena_offset) : json(nullptr)}};
}

json command_json(const npu::DecodedCommand& d) {
  const npu::Command& c = d.command;
  json fields = json::object();
  for (const npu::FieldInfo& f : d.info->fields) {
    const uint32_t value = npu::field_value(c, f);
    if (f.role == npu::FieldRole::kReserved && value != 0) {
      fields[std::string(f.name)] = value;
    } else if (f.role == npu::FieldRole::kValue) {
      std::optional<std::string> name;
      if (f.enumeration != nullptr)
        name = npu::describe_enum_value(*f.enumeration, value);
      fields[std::string(f.name)] = name ? json(*name) : json(value);
    }
  }
  json j = {{"byte_offset", d.byte_offset},
            {"opcode", d.info->name},
            {"words", npu::encode(c)},
            {"fields", fields}};
  if (c.kind() == npu::CommandKind::kCmd1)
    j["value"] = npu::command_address(c);
  return j;
}

json shape_json(const npu::Shape3D& s) {
  return {{"height", s.height}, {"width", s.width}, {"depth", s.depth}};
}

json feature_map_json(const npu::FeatureMap& fm) {
  return {{"region", fm.region},
          {"base", fm.base},
          {"height0", fm.height0},
          {"height1", fm.height1},
          {"width0", fm.width0},
          {"shape", shape_json(fm.shape)},
          {"stride_x", fm.stride_x},
          {"stride_y", fm.stride_y},
          {"stride_c", fm.stride_c},
          {"type", fm.type.name()},
          {"format", enum_text("data_format", fm.format)},
          {"zero_point", fm.zero_point}};
}

json ranges_json(const std::vector<npu::AddressRange>& ranges) {
  json out = json::array();
  for (const npu::AddressRange& r : ranges)
    out.push_back({{"region", r.region}, {"address", r.address}, {"length", r.length}});
  return out;
}

json scale_json(const std::optional<npu::Scale>& s) {
  if (!s)
    return nullptr;
  return {{"multiplier", s->multiplier}, {"shift", s->shift}};
}

json block_json(npu::OperationKind kind, const npu::BlockOperation& b) {
  json j;
  if (kind == npu::OperationKind::kPool)
    j["mode"] = enum_text("pooling_mode", b.pooling_mode);
  if (kind == npu::OperationKind::kElementwise)
    j["mode"] = enum_text("elementwise_mode", b.elementwise_mode);
  j["ifm"] = feature_map_json(b.ifm);
  j["ifm2"] = b.ifm2 ? feature_map_json(*b.ifm2) : json(nullptr);
  j["ofm"] = feature_map_json(b.ofm);
  j["ifm_scale_mode"] = enum_text("ifm_scale_mode", b.ifm_scale_mode);
  j["ifm_round_mode"] = enum_text("rounding", b.ifm_round_mode);
  j["ofm_global_scale"] = b.ofm_global_scale;
  j["ofm_rounding"] = enum_text("rounding", b.ofm_rounding);
  if (b.kernel) {
    const npu::Kernel& k = *b.kernel;
    j["kernel"] = {{"width", k.width},
                   {"height", k.height},
                   {"stride_x", k.stride_x},
                   {"stride_y", k.stride_y},
                   {"dilation_x", k.dilation_x},
                   {"dilation_y", k.dilation_y},
                   {"part_kernel_first", k.part_kernel_first}};
  } else {
    j["kernel"] = nullptr;
  }
  if (b.padding) {
    const npu::Padding& p = *b.padding;
    j["padding"] = {{"top", p.top}, {"left", p.left}, {"bottom", p.bottom}, {"right", p.right}};
  } else {
    j["padding"] = nullptr;
  }
  j["upscale"] = enum_text("resampling_mode", b.upscale);
  j["weights"] = ranges_json(b.weights);
  j["scales"] = ranges_json(b.scales);
  const npu::ActivationSetting& a = b.activation;
  j["activation"] = {{"function", npu::activation_function_name(a.function)},
                     {"lut_slot", a.lut_slot},
                     {"clip", enum_text("clip_range", a.clip)},
                     {"min", a.min},
                     {"max", a.max}};
  j["ofm_scale"] = scale_json(b.ofm_scale);
  j["opa_scale"] = scale_json(b.opa_scale);
  j["opb_scale"] = b.opb_scale ? json(*b.opb_scale) : json(nullptr);
  if (b.ifm2_setting) {
    const npu::Ifm2Setting& s = *b.ifm2_setting;
    j["ifm2_setting"] = {{"broadcast_height", s.broadcast_height},
                         {"broadcast_width", s.broadcast_width},
                         {"broadcast_depth", s.broadcast_depth},
                         {"reversed_operands", s.reversed_operands},
                         {"is_scalar", s.is_scalar},
                         {"scalar_value", s.scalar_value}};
  } else {
    j["ifm2_setting"] = nullptr;
  }
  j["acc_format"] = enum_text("acc_format", b.acc_format);
  j["block_config"] = {{"width", b.block_config.width},
                       {"height", b.block_config.height},
                       {"depth", b.block_config.depth}};
  j["shram"] = {{"ifm_ib_end", b.shram.ifm_ib_end},
                {"ifm2_ib_start", b.shram.ifm2_ib_start},
                {"ab_start", b.shram.ab_start}};
  j["blockdep"] = b.blockdep;
  j["cores"] = b.cores;
  return j;
}

json endpoint_json(const npu::DmaEndpoint& e) {
  return {{"region", e.region},
          {"internal", e.internal},
          {"stride_mode", enum_text("stride_mode", e.stride_mode)},
          {"address", e.address}};
}

json operation_json(const npu::NpuOperation& op) {
  json j = {{"kind", npu::operation_kind_name(op.kind)},
            {"command_index", op.command_index},
            {"byte_offset", op.byte_offset},
            {"summary", npu::summarize_operation(op)}};
  if (op.block)
    j.update(block_json(op.kind, *op.block));
  if (op.dma) {
    const npu::DmaOperation& d = *op.dma;
    j["channel"] = d.channel;
    j["mode"] = d.mode;
    j["source"] = endpoint_json(d.source);
    j["destination"] = endpoint_json(d.destination);
    j["length"] = d.length;
    j["size0"] = d.size0;
    j["size1"] = d.size1;
    j["skip0"] = d.skip0;
    j["skip1"] = d.skip1;
  }
  json unset = json::array();
  for (npu::Opcode reg : op.unset_registers)
    unset.push_back(npu::opcode_name(reg));
  j["unset_registers"] = unset;
  return j;
}

}  // namespace

std::string format_json(const Disassembly& d) {
  json operators = json::array();
  for (const OperatorDisassembly& od : d.operators) {
    json tensors = json::array();
    for (const TensorEntry& t : od.tensors)
      tensors.push_back(tensor_json(t));
    json commands = json::array();
    for (const npu::DecodedCommand& c : od.commands)
      commands.push_back(command_json(c));
    json operations = json::array();
    for (const npu::NpuOperation& op : od.operations)
      operations.push_back(operation_json(op));
    operators.push_back({{"subgraph", od.op.subgraph},
                         {"operator", od.op.operator_index},
                         {"payload", payload_json(od.op.payload)},
                         {"tensors", tensors},
                         {"commands", commands},
                         {"operations", operations}});
  }
  const json out = {{"file", d.file}, {"operators", operators}};
  return out.dump(1) + "\n";
}

}  // namespace euc::dis
