#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "ir/model.hpp"

namespace euc::tfl {

// Builds the IR from TFLite flatbuffer bytes. Every byte is untrusted: the buffer is verified
// (flatbuffers Verifier, identifier TFL3) and every index, shape, type and buffer size is checked
// before use. A violation throws an input error "<source>: <what> ..." naming the subgraph,
// tensor or operator index.
ir::Model read_model(std::span<const uint8_t> bytes, std::string_view source);

// Reads a file (a missing or unreadable file is a usage error) and builds the IR.
ir::Model read_model_file(const std::filesystem::path& path);

}  // namespace euc::tfl
