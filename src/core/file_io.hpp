#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace euc {

// Reads a whole file; throws a usage error naming the file when it is missing or unreadable
// (the file was named on the command line).
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

// Writes through a temporary file in the same folder and renames it into place, so a reader
// never sees a half-written output, even when the process is interrupted.
void write_file_atomically(const std::filesystem::path& path, std::span<const uint8_t> bytes);
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace euc
