#pragma once
// How Vela's reports spell things, shared by euc's reports that copy them.
#include <string>
#include <string_view>

#include "arch/memory_area.hpp"

namespace euc::output {

// "SRAM", "DRAM", "On-chip Flash", "Off-chip Flash".
std::string_view area_display_name(arch::MemArea area);

// Python's repr of a float, as Vela's CSV writer prints it (shortest round-trip form, with a
// trailing ".0" for integral values).
std::string py_float(double v);

}  // namespace euc::output
