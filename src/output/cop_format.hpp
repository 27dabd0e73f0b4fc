#pragma once
// --cop-format: the driver-payload format of the command-stream tensor. COP1 is what euc writes
// (docs/npu_architecture.md §Driver payload): the format TensorFlow Lite Micro's ethos-u kernel and
// the Ethos-U driver read. Vela 5 can also write COP2, but no public description of its layout
// (FourCC, actions, how it names the extra regions) exists for euc to write it from.
#include <string>

namespace euc::output {

inline std::string cop2_unavailable_reason() {
  return "option --cop-format COP2: euc writes COP1 only; COP2's driver-payload layout is not "
         "publicly specified (neither Vela's documentation nor the Ethos-U driver's describes "
         "it), so euc cannot write it faithfully; use COP1, which TensorFlow Lite Micro and the "
         "Ethos-U driver read";
}

}  // namespace euc::output
