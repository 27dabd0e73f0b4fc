#pragma once
// `--enable-debug-db`: Vela's debug database, `<stem>_debug.xml`, in euc's terms: which network
// operators became which NPU operations, and where in which command stream each operation
// starts (docs/output_formats.md §Debug database gives the tables and columns).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codegen/command_stream.hpp"
#include "ir/model.hpp"

namespace euc::output {

// One lowered NPU operation of a segment.
struct DebugOperation {
  std::string kind;  // the operation kind's report name
  int kernel_width = 1;
  int kernel_height = 1;
  int ofm_width = 1;
  int ofm_height = 1;
  int ofm_depth = 1;
  std::vector<int> source_ops;  // operator indices of the input model (its subgraph)
};

// One NPU segment (ethos-u operator) as the debug database sees it.
struct DebugSegment {
  int subgraph = 0;
  std::vector<DebugOperation> operations;  // the segment's lowered operations
  // Network operators of the segment that became no operation of their own (reshapes kept as
  // storage aliases, operators folded into another's output): input model indices.
  std::vector<int> without_operation;
  std::vector<codegen::StreamLaunch> launches;  // every NPU operation of its command stream
  std::vector<uint8_t> command_stream;          // its ethos-u operator's payload bytes
};

// The byte offset, in the written output `file` (the .tflite or the .npz), of each segment's
// command stream. Throws an internal error when one is not found.
std::vector<int64_t> command_stream_file_offsets(const std::vector<DebugSegment>& segments,
                                                 std::span<const uint8_t> file);

// The XML text. `source` and `optimised` are the file names written into the root element;
// `stream_file_offsets` is parallel to `segments`.
std::string format_debug_database(const ir::Model& input, const std::vector<DebugSegment>& segments,
                                  std::span<const int64_t> stream_file_offsets,
                                  std::string_view source, std::string_view optimised);

}  // namespace euc::output
