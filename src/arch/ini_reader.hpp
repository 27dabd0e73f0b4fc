#pragma once
// A reader for the INI text format of Vela's vela.ini: "[section]" headers, "key=value" lines,
// full-line comments starting with ';' or '#', and blank lines. It knows nothing about what
// the sections mean (config_file.hpp does).
#include <string>
#include <string_view>
#include <vector>

namespace euc::arch {

struct IniEntry {
  std::string key;    // as written, trimmed
  std::string value;  // trimmed; may be empty
  int line = 0;
};

struct IniSection {
  std::string name;  // between the brackets, trimmed
  int line = 0;
  std::vector<IniEntry> entries;  // in file order
};

struct IniDocument {
  std::string source;                // the file name used in error messages
  std::vector<IniSection> sections;  // in file order
};

// Parses INI text. `source` names the text in errors, which are usage errors of the form
// "SOURCE:LINE: message". Errors: a line that is neither header, key=value nor comment; a
// key=value line before the first header; an empty key or section name; a key repeated in a
// section (compared case-insensitively, because Vela's ConfigParser folds key case); a section
// repeated in the same text. Inline comments are not recognised (as in ConfigParser): they
// become part of the value.
IniDocument parse_ini(std::string_view text, std::string_view source);

// Throws the usage error "SOURCE:LINE: message".
[[noreturn]] void throw_at(std::string_view source, int line, std::string_view message);

// ASCII lower-casing, for case-insensitive key comparison.
std::string to_lower_ascii(std::string_view text);

}  // namespace euc::arch
