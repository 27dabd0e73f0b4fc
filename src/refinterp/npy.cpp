#include "refinterp/npy.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <string>

#include "core/error.hpp"

namespace euc::refinterp {
namespace {

struct DescrEntry {
  std::string_view descr;
  ir::DataType type;
};
// One-byte types are written with '|' by NumPy; '<' is accepted for them as well.
constexpr std::array<DescrEntry, 11> kDescrs = {{
    {"|i1", ir::DataType::kInt8},
    {"|u1", ir::DataType::kUInt8},
    {"<i2", ir::DataType::kInt16},
    {"<u2", ir::DataType::kUInt16},
    {"<i4", ir::DataType::kInt32},
    {"<u4", ir::DataType::kUInt32},
    {"<i8", ir::DataType::kInt64},
    {"<u8", ir::DataType::kUInt64},
    {"<f4", ir::DataType::kFloat32},
    {"<f8", ir::DataType::kFloat64},
    {"|b1", ir::DataType::kBool},
}};

[[noreturn]] void fail(std::string_view source, std::string_view what) {
  throw_input(fmt::format("{}: malformed .npy file: {}", source, what));
}

// A tiny parser for the Python dict literal of the header.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c))
      fail(source_, fmt::format("header: expected '{}' at offset {}", c, pos_));
  }
  std::string string_literal() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      fail(source_, "header: expected a string");
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos)
      fail(source_, "header: unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  bool boolean() {
    skip_space();
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail(source_, "header: expected True or False");
  }
  std::vector<int64_t> shape_tuple() {
    expect('(');
    std::vector<int64_t> dims;
    while (!consume(')')) {
      skip_space();
      int64_t v = 0;
      size_t digits = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (v > (int64_t{1} << 40))
          fail(source_, "header: dimension too large");
        v = v * 10 + (text_[pos_++] - '0');
        ++digits;
      }
      if (digits == 0)
        fail(source_, "header: expected a dimension in the shape");
      dims.push_back(v);
      if (!consume(',')) {
        expect(')');
        break;
      }
    }
    return dims;
  }
  bool at_end() {
    skip_space();
    return pos_ == text_.size();
  }

 private:
  std::string_view text_;
  std::string_view source_;
  size_t pos_ = 0;
};

}  // namespace

std::string_view npy_descr(ir::DataType type) {
  for (const auto& e : kDescrs)
    if (e.type == type)
      return e.descr;
  throw_input(
      fmt::format("tensor type {} cannot be stored in a .npy file", ir::data_type_name(type)));
}

NpyArray parse_npy(std::span<const uint8_t> bytes, std::string_view source) {
  static constexpr std::array<uint8_t, 6> kMagic = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || !std::equal(kMagic.begin(), kMagic.end(), bytes.begin()))
    fail(source, "missing the \\x93NUMPY magic");
  const int major = bytes[6];
  size_t header_len = 0;
  size_t header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (size_t{bytes[9]} << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      fail(source, "truncated header");
    header_len =
        bytes[8] | (size_t{bytes[9]} << 8) | (size_t{bytes[10]} << 16) | (size_t{bytes[11]} << 24);
    header_start = 12;
  } else {
    fail(source, fmt::format("unsupported format version {}", major));
  }
  if (header_start + header_len > bytes.size())
    fail(source, "header runs past the end of the file");
  std::string_view header(reinterpret_cast<const char*>(bytes.data() + header_start), header_len);

  HeaderParser p(header, source);
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
  bool have_descr = false, have_order = false, have_shape = false;
  p.expect('{');
  while (!p.consume('}')) {
    const std::string key = p.string_literal();
    p.expect(':');
    if (key == "descr") {
      descr = p.string_literal();
      have_descr = true;
    } else if (key == "fortran_order") {
      fortran = p.boolean();
      have_order = true;
    } else if (key == "shape") {
      shape = p.shape_tuple();
      have_shape = true;
    } else {
      fail(source, fmt::format("header: unknown key '{}'", key));
    }
    if (!p.consume(',')) {
      p.expect('}');
      break;
    }
  }
  if (!p.at_end())
    fail(source, "header: text after the dictionary");
  if (!have_descr || !have_order || !have_shape)
    fail(source, "header lacks descr, fortran_order or shape");
  if (fortran)
    fail(source, "Fortran-order arrays are not supported");

  NpyArray array;
  bool found = false;
  for (const auto& e : kDescrs) {
    const bool one_byte = e.descr[0] == '|';
    if (descr == e.descr || (one_byte && descr.size() == 3 && descr[0] == '<' &&
                             descr.substr(1) == e.descr.substr(1))) {
      array.type = e.type;
      found = true;
      break;
    }
  }
  if (!found)
    fail(source, fmt::format("unsupported dtype '{}' (little-endian numeric types only)", descr));
  array.shape = shape;

  int64_t count = 1;
  for (int64_t d : shape) {
    count *= d;
    if (count > (int64_t{1} << 40))
      fail(source, "array too large");
  }
  const size_t payload = bytes.size() - header_start - header_len;
  const size_t expected = static_cast<size_t>(count) * ir::element_size(array.type).value();
  if (payload != expected)
    fail(source, fmt::format("data has {} bytes, shape and dtype need {}", payload, expected));
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header_start + header_len),
                    bytes.end());
  return array;
}

std::vector<uint8_t> format_npy(ir::DataType type, std::span<const int64_t> shape,
                                std::span<const uint8_t> data) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i)
    dims += fmt::format("{}{}", i == 0 ? "" : ", ", shape[i]);
  if (shape.size() == 1)
    dims += ",";  // a Python 1-tuple
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}",
                                   npy_descr(type), dims);
  // magic(6) + version(2) + length(2) + header + '\n' padded to a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.push_back(static_cast<uint8_t>(header.size() & 0xff));
  out.push_back(static_cast<uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

}  // namespace euc::refinterp
