#include "output/vela_format.hpp"

#include <fmt/format.h>

namespace euc::output {

std::string_view area_display_name(arch::MemArea area) {
  switch (area) {
    case arch::MemArea::kSram:
      return "SRAM";
    case arch::MemArea::kDram:
      return "DRAM";
    case arch::MemArea::kOnChipFlash:
      return "On-chip Flash";
    case arch::MemArea::kOffChipFlash:
      return "Off-chip Flash";
  }
  return "";
}

std::string py_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s;
}

}  // namespace euc::output
