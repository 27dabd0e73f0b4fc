// `euc --enable-debug-db`: the debug database read back as a consumer reads Vela's (XML tables
// of CSV) and checked against the input model and an independent decode of the output's command
// streams: every source operator mapped, every NPU operation of every stream in the queue once.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/file_io.hpp"
#include "npu/command.hpp"
#include "npu/ethosu_op.hpp"
#include "npu/operation.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc {
namespace {

using Row = std::vector<std::string>;

// Splits one CSV line (fields possibly quoted, no line breaks inside).
Row csv_row(const std::string& line) {
  Row fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(field);
  return fields;
}

// The rows of a named table (header first), lines ended by CR LF.
std::vector<Row> table(const std::string& xml, const std::string& name) {
  const std::string open = "<table name=\"" + name + "\"><![CDATA[";
  const size_t at = xml.find(open);
  EXPECT_NE(at, std::string::npos) << name;
  if (at == std::string::npos)
    return {};
  const size_t begin = at + open.size();
  const size_t end = xml.find("]]></table>", begin);
  const std::string csv = xml.substr(begin, end - begin);
  std::vector<Row> rows;
  for (size_t pos = 0; pos < csv.size();) {
    const size_t eol = csv.find("\r\n", pos);
    EXPECT_NE(eol, std::string::npos) << "rows end in CR LF";
    if (eol == std::string::npos)
      break;
    rows.push_back(csv_row(csv.substr(pos, eol - pos)));
    pos = eol + 2;
  }
  return rows;
}

std::vector<int> ints(const std::string& text) {
  std::vector<int> out;
  std::istringstream in(text);
  for (int v; in >> v;)
    out.push_back(v);
  return out;
}

// `cpu_ops`: source operators expected to stay unmapped (left on the CPU).
void check_debug_database(const std::filesystem::path& model_path,
                          const std::vector<std::string>& extra = {},
                          const std::set<int>& cpu_ops = {}) {
  const auto dir = test::temp_dir();
  std::vector<std::string> args{model_path.string(), "--output-dir", dir.string(),
                                "--enable-debug-db"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = test::run_tool("euc", args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string stem = model_path.stem().string();
  const auto xml_bytes = read_file_bytes(dir / (stem + "_debug.xml"));
  const std::string xml(xml_bytes.begin(), xml_bytes.end());
  EXPECT_EQ(xml.rfind("<?xml version='1.0' encoding='UTF-8'?>\n<debug source=\"", 0), 0u);

  const ir::Model input = tfl::read_model_file(model_path);
  const std::filesystem::path out_path = dir / (stem + "_vela.tflite");
  const ir::Model output = tfl::read_model_file(out_path);
  const auto out_bytes = read_file_bytes(out_path);

  // Source: every operator of the input model, in order, with its name.
  const auto source = table(xml, "source");
  ASSERT_FALSE(source.empty());
  EXPECT_EQ(source[0], (Row{"id", "operator", "kernel_w", "kernel_h", "ofm_w", "ofm_h", "ofm_d"}));
  size_t n = 0;
  for (const ir::Subgraph& sg : input.subgraphs) {
    for (const ir::Operator& op : sg.operators) {
      ++n;
      ASSERT_LT(n, source.size());
      EXPECT_EQ(source[n][0], std::to_string(n - 1));
      EXPECT_EQ(source[n][1], ir::operator_display_name(op));
    }
  }
  EXPECT_EQ(source.size(), n + 1);

  // Optimised: every source operator is implemented by at least one row.
  const auto optimised = table(xml, "optimised");
  ASSERT_FALSE(optimised.empty());
  EXPECT_EQ(optimised[0].size(), 9u);
  std::set<int> mapped;
  std::map<int, std::vector<int>> sources_of;  // optimised id -> source ids
  for (size_t i = 1; i < optimised.size(); ++i) {
    EXPECT_EQ(optimised[i][0], std::to_string(i - 1));
    const std::vector<int> ids = ints(optimised[i][8]);
    ASSERT_FALSE(ids.empty()) << "optimised row " << i - 1;
    EXPECT_EQ(std::to_string(ids[0]), optimised[i][1]);
    for (int id : ids) {
      EXPECT_GE(id, 0);
      EXPECT_LT(static_cast<size_t>(id), n);
      mapped.insert(id);
    }
    sources_of[static_cast<int>(i - 1)] = ids;
  }
  for (size_t id = 0; id < n; ++id) {
    EXPECT_EQ(mapped.count(static_cast<int>(id)), cpu_ops.count(static_cast<int>(id)) ? 0u : 1u)
        << "source operator " << id;
  }

  // Command streams: each at its file offset in the output file.
  const auto ops = npu::read_ethosu_operators(output, "output");
  const auto streams = table(xml, "cmdstream");
  ASSERT_EQ(streams.size(), ops.size() + 1);
  for (size_t k = 0; k < ops.size(); ++k) {
    EXPECT_EQ(streams[k + 1][0], std::to_string(k));
    const auto data =
        output.tensor_data(output.subgraphs[ops[k].subgraph]
                               .tensors[static_cast<size_t>(ops[k].command_stream.index)]);
    const size_t at = std::stoul(streams[k + 1][1]);
    ASSERT_LE(at + data.size(), out_bytes.size());
    EXPECT_TRUE(std::equal(data.begin(), data.end(), out_bytes.begin() + static_cast<long>(at)));
  }

  // Queue: exactly the NPU operations an independent decode finds, each once, in stream order,
  // each referring to an optimised operation.
  const auto queue = table(xml, "queue");
  ASSERT_FALSE(queue.empty());
  EXPECT_EQ(queue[0], (Row{"offset", "cmdstream_id", "optimised_id"}));
  std::map<size_t, std::vector<size_t>> queued;  // stream -> offsets
  for (size_t i = 1; i < queue.size(); ++i) {
    queued[std::stoul(queue[i][1])].push_back(std::stoul(queue[i][0]));
    EXPECT_TRUE(sources_of.count(std::stoi(queue[i][2]))) << queue[i][2];
  }
  size_t total = 0;
  for (size_t k = 0; k < ops.size(); ++k) {
    const auto commands = npu::decode_stream(ops[k].payload.command_words);
    std::vector<size_t> decoded;
    for (const npu::NpuOperation& op : npu::extract_operations(commands))
      decoded.push_back(op.byte_offset);
    total += decoded.size();
    EXPECT_EQ(queued[k], decoded) << "stream " << k;
  }
  EXPECT_EQ(queue.size() - 1, total);
}

TEST(DebugDatabase, PersonDetectMapsEveryOperatorAndEveryNpuOperation) {
  check_debug_database(test::source_dir() / "models/person_detect.tflite");
}

TEST(DebugDatabase, ACpuOperatorSplitsTheNetworkIntoTwoStreamsBothMapped) {
  // person_detect's AVERAGE_POOL_2D (operator 27) kept on the CPU: two ethos-u operators.
  check_debug_database(test::source_dir() / "models/person_detect.tflite",
                       {"--ignore-ops", "AVERAGE_POOL_2D"}, {27});
}

TEST(DebugDatabase, MobileNetV2MapsEveryOperatorAndEveryNpuOperation) {
  EUC_REQUIRE_SHARED();
  check_debug_database(test::shared_dir() / "models/mobilenet_v2_224_int8.tflite");
}

}  // namespace
}  // namespace euc
