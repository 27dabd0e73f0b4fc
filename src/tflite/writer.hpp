#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

#include "ir/model.hpp"

namespace euc::tfl {

// Serialises the IR as a TFLite flatbuffer. Operator codes are rebuilt in first-use order;
// buffer data is 16-byte aligned in the file.
std::vector<uint8_t> write_model(const ir::Model& model);

// Writes to a temporary file and renames it into place.
void write_model_file(const std::filesystem::path& path, const ir::Model& model);

}  // namespace euc::tfl
