// libFuzzer target: the COP1 payload reader must turn any bytes into either a payload or an
// euc::Error, never a crash or a sanitizer report. An accepted payload's command words are
// decoded and their operations read (each step may reject with an euc::Error), and the payload
// is rebuilt and parsed again: the builder must reproduce what the parser accepted.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "npu/command.hpp"
#include "npu/driver_payload.hpp"
#include "npu/operation.hpp"
#include "npu/operation_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  euc::npu::DriverPayload payload;
  try {
    payload = euc::npu::parse_driver_payload(bytes, "fuzz");
  } catch (const euc::Error&) {
    return 0;
  }
  const auto rebuilt =
      euc::npu::build_cop1_payload(payload.config, payload.id, payload.command_words);
  const euc::npu::DriverPayload again = euc::npu::parse_driver_payload(rebuilt, "fuzz-rebuilt");
  if (again.command_words != payload.command_words || !(again.config == payload.config) ||
      !(again.id == payload.id))
    __builtin_trap();
  try {
    const auto commands = euc::npu::decode_stream(payload.command_words);
    for (const auto& op : euc::npu::extract_operations(commands))
      (void)euc::npu::summarize_operation(op);
  } catch (const euc::Error&) {
  }
  return 0;
}
