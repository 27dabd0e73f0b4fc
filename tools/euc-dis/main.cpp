// euc-dis: disassembles the Ethos-U command streams of a Vela-compiled (or euc-compiled) model:
// per ethos-u operator the driver payload header, the tensors, every command and the NPU
// operations the commands launch; --json gives the same as JSON.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "core/error.hpp"
#include "core/tool_main.hpp"
#include "disassembly.hpp"
#include "tflite/reader.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"Disassembles the Ethos-U command streams of a compiled TFLite model", "euc-dis"};
  std::string model_path;
  bool json = false;
  app.add_option("model", model_path, "A model compiled for the NPU (MODEL_vela.tflite)")
      ->required();
  app.add_flag("--json", json, "Print JSON instead of the listing");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    euc::throw_usage(e.what());
  }
  const euc::ir::Model model = euc::tfl::read_model_file(model_path);
  const euc::dis::Disassembly d = euc::dis::disassemble(model, model_path);
  const std::string out = json ? euc::dis::format_json(d) : euc::dis::format_text(d);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return euc::run_tool_main("euc-dis", [&] { return run(argc, argv); });
}
