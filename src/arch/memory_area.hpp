#pragma once
// Memory areas and AXI ports as vela.ini names them.
#include <array>
#include <optional>
#include <string_view>

namespace euc::arch {

enum class MemArea { kSram, kDram, kOnChipFlash, kOffChipFlash };
inline constexpr std::array kAllMemAreas{MemArea::kSram, MemArea::kDram, MemArea::kOnChipFlash,
                                         MemArea::kOffChipFlash};
inline constexpr size_t kMemAreaCount = kAllMemAreas.size();

enum class MemPort { kAxi0, kAxi1 };
inline constexpr std::array kAllMemPorts{MemPort::kAxi0, MemPort::kAxi1};

// "Sram", "Dram", "OnChipFlash", "OffChipFlash": the spelling of vela.ini keys and values.
std::string_view mem_area_name(MemArea area);
// "Axi0", "Axi1".
std::string_view mem_port_name(MemPort port);

// Exact (case-sensitive) spellings, as Vela looks them up by enum member name.
std::optional<MemArea> parse_mem_area(std::string_view text);
std::optional<MemPort> parse_mem_port(std::string_view text);

inline size_t index_of(MemArea area) {
  return static_cast<size_t>(area);
}

}  // namespace euc::arch
