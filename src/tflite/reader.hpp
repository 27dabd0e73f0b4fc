#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "ir/model.hpp"

namespace euc::tfl {

// Builds the IR from TFLite flatbuffer bytes. Every byte is untrusted: the buffer is verified
// (flatbuffers Verifier, identifier TFL3) and every index, shape, type, scale and buffer size is
// checked before use, as is the dataflow: each tensor is a subgraph input, a constant, a variable
// or written by exactly one operator before any operator reads it (or, for a variable, by the
// one operator that reads it: a state updated in place); no operator writes a constant
// or a subgraph input; every subgraph output has a value; signatures name subgraph inputs and
// outputs. A violation throws an input error "<source>: <what> ..." naming the subgraph, tensor
// or operator index.
ir::Model read_model(std::span<const uint8_t> bytes, std::string_view source);

// Reads a file (a missing or unreadable file is a usage error) and builds the IR.
ir::Model read_model_file(const std::filesystem::path& path);

}  // namespace euc::tfl
