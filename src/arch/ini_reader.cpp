#include "arch/ini_reader.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace euc::arch {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

// Splits on '\n'; a trailing '\r' is removed by trim().
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

void parse_header(std::string_view line, int line_number, std::string_view source,
                  IniDocument& document) {
  if (line.back() != ']') {
    throw_at(source, line_number, fmt::format("section header '{}' does not end with ']'", line));
  }
  const std::string_view name = trim(line.substr(1, line.size() - 2));
  if (name.empty())
    throw_at(source, line_number, "empty section name");
  if (name.find_first_of("[]") != std::string_view::npos) {
    throw_at(source, line_number, fmt::format("bad section header '{}'", line));
  }
  for (const auto& section : document.sections) {
    if (section.name == name) {
      throw_at(source, line_number,
               fmt::format("section [{}] is defined twice (first at line {})", name, section.line));
    }
  }
  document.sections.push_back(IniSection{std::string(name), line_number, {}});
}

void parse_entry(std::string_view line, int line_number, std::string_view source,
                 IniDocument& document) {
  const size_t equals = line.find('=');
  if (equals == std::string_view::npos) {
    throw_at(source, line_number,
             fmt::format("expected '[section]', 'key=value' or a comment, got '{}'", line));
  }
  const std::string_view key = trim(line.substr(0, equals));
  const std::string_view value = trim(line.substr(equals + 1));
  if (key.empty())
    throw_at(source, line_number, "empty key before '='");
  if (document.sections.empty()) {
    throw_at(source, line_number, fmt::format("'{}' is outside any [section]", key));
  }
  IniSection& section = document.sections.back();
  const std::string lower_key = to_lower_ascii(key);
  for (const auto& entry : section.entries) {
    if (to_lower_ascii(entry.key) == lower_key) {
      throw_at(source, line_number,
               fmt::format("duplicate key '{}' in [{}] (first at line {})", key, section.name,
                           entry.line));
    }
  }
  section.entries.push_back(IniEntry{std::string(key), std::string(value), line_number});
}

}  // namespace

void throw_at(std::string_view source, int line, std::string_view message) {
  throw_usage(fmt::format("{}:{}: {}", source, line, message));
}

std::string to_lower_ascii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

IniDocument parse_ini(std::string_view text, std::string_view source) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (text.starts_with(kUtf8Bom))
    text.remove_prefix(kUtf8Bom.size());

  IniDocument document;
  document.source = std::string(source);
  int line_number = 0;
  for (std::string_view raw : split_lines(text)) {
    ++line_number;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == ';' || line.front() == '#')
      continue;
    if (line.front() == '[') {
      parse_header(line, line_number, source, document);
    } else {
      parse_entry(line, line_number, source, document);
    }
  }
  return document;
}

}  // namespace euc::arch
