#include "output/debug_database.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "tflite/options.hpp"

namespace euc::output {
namespace {

// A CSV field as Python's csv module writes it with QUOTE_NONNUMERIC: text quoted, quotes doubled.
std::string csv_text(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string xml_attribute(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Rows end in CR LF, as Python's csv writer ends them.
constexpr std::string_view kRowEnd = "\r\n";

std::string table(std::string_view name, const std::vector<std::string>& headers,
                  const std::vector<std::string>& rows) {
  std::string csv;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0)
      csv += ',';
    csv += csv_text(headers[i]);
  }
  csv += kRowEnd;
  for (const std::string& row : rows) {
    csv += row;
    csv += kRowEnd;
  }
  return fmt::format("  <table name=\"{}\"><![CDATA[{}]]></table>\n", name, csv);
}

struct Extent {
  int width = 1;
  int height = 1;
  int depth = 1;
};

// A shape's last three dimensions as height, width, depth (missing ones are 1).
Extent extent_of(const std::vector<int32_t>& shape) {
  auto dim = [&](size_t from_end) {
    return shape.size() >= from_end ? shape[shape.size() - from_end] : 1;
  };
  return {dim(2), dim(3), dim(1)};
}

std::pair<int, int> source_kernel(const ir::Subgraph& sg, const ir::Operator& op) {
  auto weights_kernel = [&]() -> std::pair<int, int> {
    if (op.inputs.size() < 2 || op.inputs[1] < 0 ||
        static_cast<size_t>(op.inputs[1]) >= sg.tensors.size())
      return {1, 1};
    const auto& s = sg.tensors[static_cast<size_t>(op.inputs[1])].shape;
    if (s.size() != 4)
      return {1, 1};
    return {s[2], s[1]};  // [O or 1, H, W, I or C]
  };
  switch (op.type) {
    case ir::BuiltinOp::CONV_2D:
    case ir::BuiltinOp::DEPTHWISE_CONV_2D:
    case ir::BuiltinOp::TRANSPOSE_CONV:
      return weights_kernel();
    case ir::BuiltinOp::AVERAGE_POOL_2D:
    case ir::BuiltinOp::MAX_POOL_2D:
    case ir::BuiltinOp::L2_POOL_2D:
      if (const auto* o = tfl::builtin_options_as<tflite::Pool2DOptions>(op))
        return {o->filter_width(), o->filter_height()};
      return {1, 1};
    default:
      return {1, 1};
  }
}

}  // namespace

std::vector<int64_t> command_stream_file_offsets(const std::vector<DebugSegment>& segments,
                                                 std::span<const uint8_t> file) {
  std::vector<int64_t> offsets;
  size_t from = 0;
  for (const DebugSegment& seg : segments) {
    const std::vector<uint8_t>& data = seg.command_stream;
    // Buffers are written in operator order, so each stream lies after the previous one unless
    // two operators share one buffer.
    auto at =
        std::search(file.begin() + static_cast<long>(from), file.end(), data.begin(), data.end());
    if (at == file.end())
      at = std::search(file.begin(), file.end(), data.begin(), data.end());
    if (at == file.end() || data.empty())
      throw Error(ErrorKind::kInternal,
                  "debug database: a command stream is not in the output file");
    offsets.push_back(at - file.begin());
    from = static_cast<size_t>(at - file.begin());
  }
  return offsets;
}

std::string format_debug_database(const ir::Model& input, const std::vector<DebugSegment>& segments,
                                  std::span<const int64_t> stream_file_offsets,
                                  std::string_view source, std::string_view optimised) {
  if (stream_file_offsets.size() != segments.size())
    throw Error(ErrorKind::kInternal, "debug database: one file offset per command stream needed");
  // Source operators: every operator of the input model, numbered over the subgraphs in order.
  std::vector<int> first_id;
  std::vector<std::string> source_rows;
  for (const ir::Subgraph& sg : input.subgraphs) {
    first_id.push_back(static_cast<int>(source_rows.size()));
    for (const ir::Operator& op : sg.operators) {
      const auto [kw, kh] = source_kernel(sg, op);
      Extent ofm;
      if (!op.outputs.empty() && op.outputs[0] >= 0 &&
          static_cast<size_t>(op.outputs[0]) < sg.tensors.size())
        ofm = extent_of(sg.tensors[static_cast<size_t>(op.outputs[0])].shape);
      source_rows.push_back(fmt::format("{},{},{},{},{},{},{}", source_rows.size(),
                                        csv_text(ir::operator_display_name(op)), kw, kh, ofm.width,
                                        ofm.height, ofm.depth));
    }
  }
  auto source_id = [&](int subgraph, int op) {
    if (subgraph < 0 || static_cast<size_t>(subgraph) >= first_id.size() || op < 0 ||
        static_cast<size_t>(op) >= input.subgraphs[static_cast<size_t>(subgraph)].operators.size())
      throw Error(ErrorKind::kInternal, "debug database: source operator out of range");
    return first_id[static_cast<size_t>(subgraph)] + op;
  };

  std::vector<std::string> optimised_rows, queue_rows, stream_rows;
  for (size_t k = 0; k < segments.size(); ++k) {
    const DebugSegment& seg = segments[k];
    const int first_op = static_cast<int>(optimised_rows.size());
    for (const DebugOperation& op : seg.operations) {
      std::vector<int> ids;
      for (int s : op.source_ops)
        ids.push_back(source_id(seg.subgraph, s));
      optimised_rows.push_back(fmt::format(
          "{},{},{},{},{},{},{},{},{}", optimised_rows.size(), ids.empty() ? -1 : ids[0],
          csv_text(op.kind), op.kernel_width, op.kernel_height, op.ofm_width, op.ofm_height,
          op.ofm_depth, csv_text(fmt::format("{}", fmt::join(ids, " ")))));
    }
    const ir::Subgraph& sg = input.subgraphs.at(static_cast<size_t>(seg.subgraph));
    for (int s : seg.without_operation) {
      const int id = source_id(seg.subgraph, s);
      const ir::Operator& op = sg.operators[static_cast<size_t>(s)];
      Extent ofm;
      if (!op.outputs.empty() && op.outputs[0] >= 0 &&
          static_cast<size_t>(op.outputs[0]) < sg.tensors.size())
        ofm = extent_of(sg.tensors[static_cast<size_t>(op.outputs[0])].shape);
      optimised_rows.push_back(
          fmt::format("{},{},{},1,1,{},{},{},{}", optimised_rows.size(), id,
                      csv_text(fmt::format("{} (no NPU operation)", ir::operator_display_name(op))),
                      ofm.width, ofm.height, ofm.depth, csv_text(std::to_string(id))));
    }
    for (const codegen::StreamLaunch& l : seg.launches) {
      if (l.op < 0 || static_cast<size_t>(l.op) >= seg.operations.size())
        throw Error(ErrorKind::kInternal, "debug database: a launch serves no operation");
      queue_rows.push_back(fmt::format("{},{},{}", l.byte_offset, k, first_op + l.op));
    }
    stream_rows.push_back(fmt::format("{},{}", k, stream_file_offsets[k]));
  }

  std::string xml = "<?xml version='1.0' encoding='UTF-8'?>\n";
  xml += fmt::format("<debug source=\"{}\" optimised=\"{}\">\n", xml_attribute(source),
                     xml_attribute(optimised));
  xml += table("source", {"id", "operator", "kernel_w", "kernel_h", "ofm_w", "ofm_h", "ofm_d"},
               source_rows);
  xml += table("optimised",
               {"id", "source_id", "operator", "kernel_w", "kernel_h", "ofm_w", "ofm_h", "ofm_d",
                "source_ids"},
               optimised_rows);
  xml += table("queue", {"offset", "cmdstream_id", "optimised_id"}, queue_rows);
  xml += table("cmdstream", {"id", "file_offset"}, stream_rows);
  xml += "</debug>\n";
  return xml;
}

}  // namespace euc::output
