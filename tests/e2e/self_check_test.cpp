// The compiler's self-check of a command stream (selfcheck/stream_check): it accepts what the
// compiler writes for a small network and names each kind of violation when the facts it is
// given are made wrong by hand (an arena one byte short, an input the runtime never wrote, an
// output nothing writes, a stream cut before its last operation).
#include <gtest/gtest.h>

#include <string>

#include "arch/config_file.hpp"
#include "core/error.hpp"
#include "npu/command.hpp"
#include "npu/ethosu_op.hpp"
#include "npu/operation.hpp"
#include "selfcheck/stream_check.hpp"
#include "small_network.hpp"

namespace euc {
namespace {

// conv -> add(conv output, input): one ethos-u operator.
ir::Model conv_add_model() {
  test::Net n;
  std::vector<int8_t> w(8 * 3 * 3 * 8);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 23) - 11);
  std::vector<int32_t> b(8, 100);
  int in = n.tensor("input", {1, 12, 12, 8}, 0.1f, 3);
  int weights =
      n.constant("weights", {8, 3, 3, 8}, ir::DataType::kInt8, w.data(), w.size(), 0.01f, 0);
  int bias = n.constant("bias", {8}, ir::DataType::kInt32, b.data(), b.size() * 4, 0.001f, 0);
  int x = n.tensor("x", {1, 12, 12, 8}, 0.2f, -5);
  int out = n.tensor("output", {1, 12, 12, 8}, 0.3f, 1);
  tflite::Conv2DOptionsT conv;
  conv.padding = tflite::Padding::SAME;
  conv.stride_w = conv.stride_h = 1;
  n.op<tflite::Conv2DOptions>(ir::BuiltinOp::CONV_2D, {in, weights, bias}, {x}, conv);
  n.op<tflite::AddOptions>(ir::BuiltinOp::ADD, {x, in}, {out}, tflite::AddOptionsT{});
  n.io({in}, {out});
  return n.model();
}

struct Fixture {
  ir::Model compiled;
  npu::EthosuOperator op;
  selfcheck::SegmentStream stream;
};

Fixture compile_fixture() {
  Fixture f;
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator("ethos-u55-128");
  const arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  f.compiled = driver::compile_model(conv_add_model(), system, {}).model;
  f.op = npu::read_ethosu_operators(f.compiled, "compiled").at(0);
  const ir::Subgraph& g = f.compiled.subgraphs[0];
  auto size = [&](const npu::EthosuTensor& t) {
    const ir::Tensor& tensor = g.tensors[static_cast<size_t>(t.index)];
    return tensor.num_elements() * *ir::element_size(tensor.type);
  };
  f.stream.segment = "test segment";
  f.stream.region_size = {size(f.op.flash), size(f.op.scratch), 0};
  f.stream.shram_bytes = 48 * 1024;
  for (const npu::EthosuTensor& t : f.op.ifms)
    f.stream.inputs.push_back({"in", 1, *t.arena_offset, size(t)});
  for (const npu::EthosuTensor& t : f.op.ofms)
    f.stream.outputs.push_back({"out", 1, *t.arena_offset, size(t)});
  return f;
}

std::string violation(const selfcheck::SegmentStream& stream) {
  try {
    selfcheck::check_segment_stream(stream);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    return e.what();
  }
  return {};
}

TEST(SelfCheck, AcceptsTheCompilersStream) {
  Fixture f = compile_fixture();
  f.stream.commands = f.op.payload.command_words;
  EXPECT_EQ(violation(f.stream), "");
}

TEST(SelfCheck, NamesAnAccessOutsideTheArena) {
  Fixture f = compile_fixture();
  f.stream.commands = f.op.payload.command_words;
  f.stream.region_size[1] -= 1;
  EXPECT_NE(violation(f.stream).find("outside the region"), std::string::npos);
}

TEST(SelfCheck, NamesAReadOfBytesNeverWritten) {
  Fixture f = compile_fixture();
  f.stream.commands = f.op.payload.command_words;
  f.stream.inputs.clear();
  const std::string what = violation(f.stream);
  EXPECT_NE(what.find("never written"), std::string::npos) << what;
  EXPECT_NE(what.find("CONV operation 0"), std::string::npos) << what;
}

TEST(SelfCheck, NamesAnOutputNothingWrites) {
  Fixture f = compile_fixture();
  f.stream.commands = f.op.payload.command_words;
  // The stream without its last operation (the ADD writing the output) and STOP.
  std::vector<uint32_t> words = f.op.payload.command_words;
  const auto ops = npu::extract_operations(npu::decode_stream(words));
  words.resize(ops.back().byte_offset / 4);
  f.stream.commands = words;
  const std::string what = violation(f.stream);
  EXPECT_NE(what.find("segment output 'out'"), std::string::npos) << what;
}

}  // namespace
}  // namespace euc
