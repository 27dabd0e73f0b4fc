// _euc: the C++ half of the Python package `euc` (python/euc/__init__.py is the API). It runs the
// command line's own code (tools/euc, the euc_cli library): compile() parses the same options
// with the same parser, resolves the same system configuration and compiles through
// cli::compile(); write() is cli::write_outputs(); main() is cli::run(). So every option, figure,
// file and message is the command line's. The GIL is released while C++ works; the compiler
// keeps no shared mutable state, so compiles may run in several threads at once.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cstdio>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "arch/system_config.hpp"
#include "cli.hpp"
#include "compile_command.hpp"
#include "core/error.hpp"
#include "core/tool_main.hpp"
#include "frontend/supported/supported_ops.hpp"
#include "ir/model.hpp"
#include "options.hpp"
#include "output/performance_report.hpp"
#include "output/summary_csv.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace py = pybind11;

namespace euc::python {
namespace {

// Tags for the Python exception types (pybind11 keys py::exception by a C++ type).
struct ErrorTag {};
struct UsageTag {};
struct InputTag {};
struct InternalTag {};

// An exception that is not an euc::Error is a bug: it reaches Python as an internal error with
// the command line's message ("internal error: ..."); running out of memory stays MemoryError.
template <class Fn>
auto guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorKind::kInternal, std::string("internal error: ") + e.what());
  }
}

// argv for the command-line parser: "euc" then the arguments.
struct Argv {
  explicit Argv(const std::vector<std::string>& args) : strings{"euc"} {
    strings.insert(strings.end(), args.begin(), args.end());
    for (std::string& s : strings)
      pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(strings.size()); }
  char** argv() { return pointers.data(); }
  std::vector<std::string> strings;
  std::vector<char*> pointers;
};

// One finished compile: what the command line holds after cli::compile().
struct Compiled {
  cli::Options options;
  arch::SystemConfig system;
  ir::Model input;
  cli::Compilation compilation;
  std::string tflite;  // the output model's bytes
};

std::shared_ptr<Compiled> compile(const std::vector<std::string>& args,
                                  std::optional<std::string> model_bytes,
                                  const std::filesystem::path& config_fallback) {
  py::gil_scoped_release release;
  return guarded([&] {
    Argv argv(args);
    std::optional<cli::Options> options = cli::parse_options(argv.argc(), argv.argv());
    if (!options)
      throw_usage("--help is not a compile option");
    auto c = std::make_shared<Compiled>();
    c->options = std::move(*options);
    c->system = cli::resolve_system(c->options, cli::config_files_dir(config_fallback));
    if (model_bytes) {
      const auto* data = reinterpret_cast<const uint8_t*>(model_bytes->data());
      c->input =
          tfl::read_model(std::span<const uint8_t>(data, model_bytes->size()), c->options.network);
      model_bytes.reset();
    } else {
      c->input = tfl::read_model_file(c->options.network);
    }
    c->compilation = cli::compile(c->options, c->input, c->system);
    const std::vector<uint8_t> bytes = tfl::write_model(c->compilation.result.model);
    c->tflite.assign(bytes.begin(), bytes.end());
    return c;
  });
}

// The command line, in this process: the exit code, messages printed as `euc` prints them.
int run_main(const std::vector<std::string>& args, const std::filesystem::path& config_fallback) {
  int code = 0;
  {
    py::gil_scoped_release release;
    Argv argv(args);
    code = run_tool_main("euc", [&] {
      return cli::run(argv.argc(), argv.argv(), cli::config_files_dir(config_fallback));
    });
    std::fflush(stdout);
    std::fflush(stderr);
  }
  return code;
}

py::list cpu_operators(const Compiled& c) {
  py::list out;
  for (const driver::CpuOperator& cpu : c.compilation.result.report.cpu_operators) {
    py::dict d;
    d["subgraph"] = cpu.subgraph;
    d["index"] = cpu.index;
    std::string type, output;
    if (cpu.subgraph >= 0 && static_cast<size_t>(cpu.subgraph) < c.input.subgraphs.size()) {
      const ir::Subgraph& sg = c.input.subgraphs[static_cast<size_t>(cpu.subgraph)];
      if (cpu.index >= 0 && static_cast<size_t>(cpu.index) < sg.operators.size()) {
        const ir::Operator& op = sg.operators[static_cast<size_t>(cpu.index)];
        type = ir::operator_display_name(op);
        if (!op.outputs.empty() && op.outputs[0] >= 0 &&
            static_cast<size_t>(op.outputs[0]) < sg.tensors.size())
          output = sg.tensors[static_cast<size_t>(op.outputs[0])].name;
      }
    }
    d["operator"] = type;
    d["output"] = output;
    d["reasons"] = cpu.reasons;
    out.append(d);
  }
  return out;
}

}  // namespace
}  // namespace euc::python

PYBIND11_MODULE(_euc, m) {
  using namespace euc;
  using namespace euc::python;
  m.doc() = "The euc compiler's C++ library; use the package `euc`.";
  m.attr("__version__") = EUC_VERSION;

  static py::exception<ErrorTag> error(m, "Error");
  static py::exception<UsageTag> usage(m, "UsageError", error.ptr());
  static py::exception<InputTag> input(m, "InputError", error.ptr());
  static py::exception<InternalTag> internal(m, "InternalError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p)
        std::rethrow_exception(p);
    } catch (const Error& e) {
      switch (e.kind()) {
        case ErrorKind::kUsage:
          usage(e.what());
          return;
        case ErrorKind::kInput:
          input(e.what());
          return;
        case ErrorKind::kInternal:
          internal(e.what());
          return;
      }
      internal(e.what());
    }
  });

  py::class_<Compiled, std::shared_ptr<Compiled>>(m, "Compiled")
      .def_property_readonly("stem", [](const Compiled& c) { return c.compilation.stem; })
      .def_property_readonly("tflite", [](const Compiled& c) { return py::bytes(c.tflite); })
      .def_property_readonly("summary_columns",
                             [](const Compiled& c) {
                               return output::summary_columns(c.system, c.compilation.figures);
                             })
      .def_property_readonly("per_layer_rows",
                             [](const Compiled& c) {
                               const driver::CompileReport& r = c.compilation.result.report;
                               if (!r.performance)
                                 return std::vector<std::vector<std::string>>{};
                               return output::per_layer_rows(r.layers, *r.performance, c.system,
                                                             r.arena_size);
                             })
      .def_property_readonly("cpu_operators", &cpu_operators)
      .def(
          "write",
          [](const Compiled& c, const std::filesystem::path& dir) {
            py::gil_scoped_release release;
            return guarded([&] {
              const cli::OutputFiles f =
                  cli::write_outputs(c.options, c.compilation, c.system, dir);
              std::vector<std::pair<std::string, std::filesystem::path>> files = {
                  {f.model.extension() == ".npz" ? "npz" : "tflite", f.model},
                  {"summary", f.summary}};
              if (f.per_layer)
                files.emplace_back("per_layer", *f.per_layer);
              if (f.debug_db)
                files.emplace_back("debug_db", *f.debug_db);
              return files;
            });
          },
          py::arg("directory"));

  m.def("compile", &compile, py::arg("args"), py::arg("model_bytes"), py::arg("config_dir"),
        "Compiles with command-line arguments `args` (the network last); `model_bytes` replaces "
        "reading the network file.");
  m.def("main", &run_main, py::arg("args"), py::arg("config_dir"),
        "Runs the euc command line with `args` and returns its exit code.");
  m.def(
      "supported_operators",
      [] {
        std::vector<std::string> names;
        for (ir::BuiltinOp op : frontend::npu_operator_types())
          names.emplace_back(ir::builtin_op_name(op));
        return names;
      },
      "The TensorFlow Lite operator types euc places on the NPU (when an instance meets the "
      "constraints), in name order.");
}
