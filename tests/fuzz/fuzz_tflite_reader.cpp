// libFuzzer target: the TFLite reader must turn any bytes into either a model or an euc::Error,
// never a crash, a sanitizer report or an unbounded allocation. Accepted models are written
// back and read again, which also fuzzes the writer on whatever the reader lets through.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader expects the alignment a file read into a std::vector has.
  std::vector<uint8_t> bytes(data, data + size);
  try {
    euc::ir::Model model = euc::tfl::read_model(bytes, "fuzz");
    std::vector<uint8_t> written = euc::tfl::write_model(model);
    euc::ir::Model again = euc::tfl::read_model(written, "fuzz-rewritten");
    if (!(again == model))
      __builtin_trap();
  } catch (const euc::Error&) {
  }
  return 0;
}
