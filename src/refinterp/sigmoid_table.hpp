#pragma once
#include <array>
#include <cstdint>

namespace euc::refinterp {

extern const std::array<uint16_t, 256> kSigmoidTable;

}  // namespace euc::refinterp
