#pragma once
// Numeric tables both oracles take from the same public reference: the reference interpreter
// (TFLite int16 LOGISTIC/TANH, LSTM gates) and the functional model (the NPU's built-in
// sigmoid/tanh), so neither depends on the other.
#include <array>
#include <cstdint>

namespace euc::tables {

extern const std::array<uint16_t, 256> kSigmoidTable;

}  // namespace euc::tables
