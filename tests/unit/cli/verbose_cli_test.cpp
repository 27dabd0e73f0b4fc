// The --verbose-* listings, --cop-format and the progress line as a user meets them: each
// listing says something checkable about the compile (the register listing names every command
// an independent decode of the output finds), output is deterministic, and the progress line
// appears only on a terminal.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "core/file_io.hpp"
#include "npu/command.hpp"
#include "npu/ethosu_op.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc {
namespace {

using test::run_tool;

std::string person_detect() {
  return (test::source_dir() / "models/person_detect.tflite").string();
}

std::string fmt_kib(double kib) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f KiB", kib);
  return text;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

// The block of stdout that starts with `header` (up to the next empty line).
std::string block(const std::string& out, const std::string& header) {
  const size_t at = out.find(header);
  if (at == std::string::npos)
    return {};
  const size_t end = out.find("\n\n", at);
  return out.substr(at, end == std::string::npos ? std::string::npos : end - at + 1);
}

// The operation count a listing's header gives ("...: 57 operations, ...").
size_t operations_in(const std::string& listing) {
  const size_t at = listing.find(" operations, ");
  if (at == std::string::npos)
    return 0;
  const size_t begin = listing.rfind(' ', at - 1) + 1;
  return std::stoul(listing.substr(begin, at - begin));
}

test::CommandResult compile(const std::vector<std::string>& extra,
                            std::filesystem::path* dir_out = nullptr) {
  const auto dir = test::temp_dir();
  std::vector<std::string> args{person_detect(), "--output-dir", dir.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  if (dir_out != nullptr)
    *dir_out = dir;
  return run_tool("euc", args);
}

TEST(VerboseCli, GraphListsEveryLoweredOperationWithItsTensors) {
  const auto r = compile({"--verbose-graph"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string g = block(r.out, "Graph of subgraph 0 segment 0: ");
  ASSERT_FALSE(g.empty()) << r.out;
  // More operations than person_detect's 31 operators (its SOFTMAX alone becomes a chain).
  const size_t n = operations_in(g);
  EXPECT_GT(n, 31u) << g.substr(0, 200);
  EXPECT_EQ(count_of(g, "      ifm  t"), n);
  EXPECT_EQ(count_of(g, "      ofm  t"), n);
  EXPECT_EQ(count_of(g, "      kernel "), n);
  EXPECT_EQ(count_of(g, "scale "), 0u);  // no quantization unless asked
}

TEST(VerboseCli, QuantizationAddsScalesAndZeroPoints) {
  const auto r = compile({"--verbose-quantization"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string g = block(r.out, "Graph with quantization of subgraph 0 segment 0");
  ASSERT_FALSE(g.empty()) << r.out;
  const size_t n = operations_in(g);
  EXPECT_GT(n, 31u);
  EXPECT_EQ(count_of(g, "      ifm  scale "), n);
  EXPECT_EQ(count_of(g, "      ofm  scale "), n);
  EXPECT_EQ(count_of(g, "      rounding "), n);
}

TEST(VerboseCli, PackingNamesTheNetworkOperatorsOfEveryOperation) {
  const auto r = compile({"--verbose-packing"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string p = block(r.out, "Packing of subgraph 0 segment 0");
  ASSERT_FALSE(p.empty()) << r.out;
  const ir::Model model = tfl::read_model_file(person_detect());
  for (size_t i = 0; i < model.subgraphs[0].operators.size(); ++i) {
    const ir::Operator& op = model.subgraphs[0].operators[i];
    const std::string needle = "op " + std::to_string(i) + " " + ir::operator_display_name(op);
    if (op.type == ir::BuiltinOp::RESHAPE)
      EXPECT_EQ(p.find(needle), std::string::npos) << "a reshape is no operation";
    else
      EXPECT_NE(p.find(needle), std::string::npos) << needle;
  }
}

TEST(VerboseCli, TensorPurposeAndFormatDescribeEveryTensor) {
  const auto r =
      compile({"--verbose-tensor-purpose", "--verbose-tensor-format", "--verbose-graph"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string p = block(r.out, "Tensor purposes of subgraph 0 segment 0");
  const std::string f = block(r.out, "Tensor formats of subgraph 0 segment 0");
  ASSERT_FALSE(p.empty() || f.empty()) << r.out;
  EXPECT_EQ(count_of(p, "feature map, segment input\n"), 1u);
  EXPECT_EQ(count_of(p, "feature map, segment output\n"), 1u);
  // As many weight tensors as operations that read weights.
  const std::string g = block(r.out, "Graph of subgraph 0 segment 0");
  EXPECT_EQ(count_of(p, " weights\n"), count_of(g, "      weights t"));
  EXPECT_GT(count_of(p, " weights\n"), 20u);
  // One line per tensor in both, each tensor placed or encoded.
  EXPECT_EQ(count_of(p, "\n  t"), count_of(f, "\n  t"));
  EXPECT_GT(count_of(f, "encoded weight stream (MLW)"), 0u);
  EXPECT_GT(count_of(f, "in arena (region 1) at 0x"), 0u);
}

TEST(VerboseCli, WeightsListEveryOperationWithWeightsAndTheSummaryTotal) {
  const auto r = compile({"--verbose-weights", "--verbose-graph"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string w = block(r.out, "Weights of subgraph 0 segment 0");
  ASSERT_FALSE(w.empty()) << r.out;
  const std::string g = block(r.out, "Graph of subgraph 0 segment 0");
  EXPECT_EQ(count_of(w, " bytes, encoded with scales "), count_of(g, "      weights t"));
  // The total encoded bytes are the summary's "NPU encoded weights".
  const size_t at = w.find("  total: ");
  ASSERT_NE(at, std::string::npos);
  const size_t enc_end = w.find(" bytes encoded with scales", at);
  const size_t enc_begin = w.rfind(' ', enc_end - 1) + 1;
  const double kib = std::stod(w.substr(enc_begin, enc_end - enc_begin)) / 1024.0;
  const size_t s = r.out.find("NPU encoded weights");
  ASSERT_NE(s, std::string::npos);
  const std::string line = r.out.substr(s, r.out.find('\n', s) - s);
  EXPECT_NE(line.find(fmt_kib(kib)), std::string::npos) << line << " vs " << kib;
}

TEST(VerboseCli, HighLevelCommandStreamListsEveryStripe) {
  const auto r = compile({"--verbose-high-level-command-stream"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string h = block(r.out, "High-level command stream of subgraph 0 segment 0");
  ASSERT_FALSE(h.empty()) << r.out;
  // At least one launch per operation; each names its OFM rows.
  EXPECT_GE(count_of(h, " stripe of op "), 30u);
  EXPECT_EQ(count_of(h, " stripe of op "), count_of(h, ": OFM rows "));
}

TEST(VerboseCli, RegisterCommandStreamNamesEveryCommandOfTheOutput) {
  std::filesystem::path dir;
  const auto r = compile({"--verbose-register-command-stream"}, &dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string listing = block(r.out, "Register command stream of subgraph 0 segment 0");
  ASSERT_FALSE(listing.empty()) << r.out;
  const ir::Model out = tfl::read_model_file(dir / "person_detect_vela.tflite");
  const auto ops = npu::read_ethosu_operators(out, "output");
  ASSERT_EQ(ops.size(), 1u);
  const auto commands = npu::decode_stream(ops[0].payload.command_words);
  EXPECT_NE(listing.find(": " + std::to_string(commands.size()) + " commands"), std::string::npos)
      << listing.substr(0, 200);
  // One line per command, in order, each naming its opcode.
  std::istringstream lines(listing);
  std::string line;
  std::getline(lines, line);  // header
  for (const npu::DecodedCommand& c : commands) {
    ASSERT_TRUE(std::getline(lines, line));
    EXPECT_NE(line.find(std::string(npu::opcode_name(c.command.opcode))), std::string::npos)
        << line;
  }
  EXPECT_NE(listing.find("NPU_OP_STOP"), std::string::npos);
}

TEST(VerboseCli, CycleEstimateListsEveryOperationAndTheTotal) {
  const auto r = compile({"--verbose-cycle-estimate", "--verbose-graph"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string c = block(r.out, "Cycle estimate per NPU operation");
  ASSERT_FALSE(c.empty()) << r.out;
  EXPECT_EQ(count_of(c, " cycles (the largest of NPU and each memory's access)"),
            operations_in(block(r.out, "Graph of subgraph 0 segment 0")));
  EXPECT_NE(c.find("  total: "), std::string::npos);
}

TEST(VerboseCli, VerboseAllIsDeterministic) {
  const auto a = compile({"--verbose-all"});
  const auto b = compile({"--verbose-all"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto without_paths = [](std::string s) {
    // Output folders differ; everything else must not.
    const size_t at = s.find("Output written to ");
    return at == std::string::npos ? s : s.substr(0, at);
  };
  EXPECT_EQ(without_paths(a.out), without_paths(b.out));
  EXPECT_GT(a.out.size(), 10000u);
}

TEST(VerboseCli, VerboseProgressPrintsEveryStage) {
  const auto r = compile({"--verbose-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("Progress: checking operators\nProgress: lowering subgraph 0\n"
                       "Progress: scheduling subgraph 0\n"
                       "Progress: generating the command stream of segment 0\n"
                       "Progress: assembling the output model\n"),
            0u)
      << r.out;
}

TEST(VerboseCli, Cop2IsRefusedWithTheReason) {
  const auto r = compile({"--cop-format", "COP2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("COP2's driver-payload layout is not publicly specified"), std::string::npos)
      << r.err;
  EXPECT_EQ(compile({"--cop-format", "COP1"}).exit_code, 0);
}

TEST(VerboseCli, ProgressLineOnlyOnATerminal) {
  // Shown at once (delay 0) so a quick compile shows it; in a pipe never.
  setenv("EUC_PROGRESS_DELAY_MS", "0", 1);
  const auto piped = compile({});
  EXPECT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.err.find("compiling"), std::string::npos) << piped.err;
  EXPECT_EQ(piped.out.find("compiling"), std::string::npos);
  // On a pseudo-terminal (util-linux `script`, when present).
  if (std::system("command -v script >/dev/null 2>&1") == 0) {
    const auto dir = test::temp_dir();
    const auto log = dir / "typescript";
    const std::string cmd = "TERM=xterm script -qec '" + (test::bin_dir() / "euc").string() + " " +
                            person_detect() + " --output-dir " + dir.string() + "' " +
                            log.string() + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    const auto bytes = read_file_bytes(log);
    const std::string text(bytes.begin(), bytes.end());
    EXPECT_NE(text.find("\reuc: compiling person_detect: "), std::string::npos) << text;
    EXPECT_NE(text.find("Network summary for person_detect"), std::string::npos);
  }
  unsetenv("EUC_PROGRESS_DELAY_MS");
}

}  // namespace
}  // namespace euc
