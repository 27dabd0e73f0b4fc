#include "arch/memory_area.hpp"

namespace euc::arch {

std::string_view mem_area_name(MemArea area) {
  switch (area) {
    case MemArea::kSram:
      return "Sram";
    case MemArea::kDram:
      return "Dram";
    case MemArea::kOnChipFlash:
      return "OnChipFlash";
    case MemArea::kOffChipFlash:
      return "OffChipFlash";
  }
  return "?";
}

std::string_view mem_port_name(MemPort port) {
  return port == MemPort::kAxi0 ? "Axi0" : "Axi1";
}

std::optional<MemArea> parse_mem_area(std::string_view text) {
  for (MemArea area : kAllMemAreas) {
    if (text == mem_area_name(area))
      return area;
  }
  return std::nullopt;
}

std::optional<MemPort> parse_mem_port(std::string_view text) {
  for (MemPort port : kAllMemPorts) {
    if (text == mem_port_name(port))
      return port;
  }
  return std::nullopt;
}

}  // namespace euc::arch
