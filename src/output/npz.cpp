#include "output/npz.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace euc::output {
namespace {

// Zip record signatures and the fixed fields euc writes (docs/output_formats.md §npz).
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint16_t kZipVersion = 20;   // 2.0: needed to extract, and "made by" (MS-DOS host)
constexpr uint16_t kDosTime = 0;       // 00:00:00
constexpr uint16_t kDosDate = 0x0021;  // 1980-01-01
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndRecordSize = 22;

constexpr std::string_view kNpyMagic = "\x93NUMPY";
constexpr size_t kNpyAlignment = 64;

void put16(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, std::string_view source)
      : bytes_(bytes), source_(source) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw_input(fmt::format("{}: {}", source_, what));
  }
  void need(size_t at, size_t n, std::string_view what) const {
    if (at > bytes_.size() || n > bytes_.size() - at)
      fail(fmt::format("truncated {} at byte {}", what, at));
  }
  uint32_t u16(size_t at) const { return bytes_[at] | (bytes_[at + 1] << 8); }
  uint32_t u32(size_t at) const { return u16(at) | (u16(at + 2) << 16); }
  std::span<const uint8_t> bytes() const { return bytes_; }

 private:
  std::span<const uint8_t> bytes_;
  std::string_view source_;
};

int element_size_of(const std::string& descr) {
  // "<i8", "|u1", "<f4", "|b1": byte order, kind, size in bytes.
  if (descr.size() < 3 || (descr[0] != '<' && descr[0] != '|' && descr[0] != '='))
    return 0;
  if (std::string_view("iufb").find(descr[1]) == std::string_view::npos)
    return 0;
  int size = 0;
  for (size_t i = 2; i < descr.size(); ++i) {
    if (descr[i] < '0' || descr[i] > '9' || size > 64)
      return 0;
    size = size * 10 + (descr[i] - '0');
  }
  return size;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  if (shape.size() == 1)
    return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace

int64_t NpyArray::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> NpyArray::int64_values() const {
  if (descr != "<i8" || data.size() % 8 != 0)
    throw Error(ErrorKind::kInternal, fmt::format("npy: '{}' is not an int64 array", descr));
  std::vector<int64_t> values(data.size() / 8);
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t v = 0;
    for (int b = 7; b >= 0; --b)
      v = (v << 8) | data[8 * i + static_cast<size_t>(b)];
    values[i] = static_cast<int64_t>(v);
  }
  return values;
}

NpyArray NpyArray::uint8(std::span<const uint8_t> bytes) {
  return NpyArray{"|u1", {static_cast<int64_t>(bytes.size())}, {bytes.begin(), bytes.end()}};
}

NpyArray NpyArray::int64_scalar(int64_t value) {
  return int64({}, std::span(&value, 1));
}

NpyArray NpyArray::int64(std::vector<int64_t> shape, std::span<const int64_t> values) {
  NpyArray a{"<i8", std::move(shape), {}};
  if (a.num_elements() != static_cast<int64_t>(values.size()))
    throw Error(ErrorKind::kInternal, "npy: shape and value count disagree");
  for (int64_t v : values) {
    for (int b = 0; b < 8; ++b)
      a.data.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * b)));
  }
  return a;
}

uint32_t crc32(std::span<const uint8_t> bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t b : bytes)
    c = table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::vector<uint8_t> write_npy(const NpyArray& array) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                   array.descr, shape_text(array.shape));
  // magic (6) + version (2) + header length (2) + header, a multiple of 64, ending in '\n'.
  const size_t unpadded = kNpyMagic.size() + 4 + header.size() + 1;
  header.append((kNpyAlignment - unpadded % kNpyAlignment) % kNpyAlignment, ' ');
  header += '\n';
  std::vector<uint8_t> out(kNpyMagic.begin(), kNpyMagic.end());
  out.push_back(1);
  out.push_back(0);
  put16(out, static_cast<uint32_t>(header.size()));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), array.data.begin(), array.data.end());
  return out;
}

NpyArray read_npy(std::span<const uint8_t> bytes, std::string_view source) {
  Reader r(bytes, source);
  r.need(0, kNpyMagic.size() + 4, ".npy header");
  if (std::memcmp(bytes.data(), kNpyMagic.data(), kNpyMagic.size()) != 0)
    r.fail("not a .npy array (no \\x93NUMPY magic)");
  if (bytes[6] != 1)
    r.fail(fmt::format(".npy format version {}.{} (only 1.x is read)", bytes[6], bytes[7]));
  const size_t header_size = r.u16(8);
  r.need(10, header_size, ".npy header");
  const std::string header(bytes.begin() + 10, bytes.begin() + 10 + static_cast<long>(header_size));
  auto value_of = [&](std::string_view key) {
    const std::string quoted = fmt::format("'{}':", key);
    const size_t at = header.find(quoted);
    if (at == std::string::npos)
      r.fail(fmt::format(".npy header has no '{}'", key));
    size_t v = at + quoted.size();
    while (v < header.size() && header[v] == ' ')
      ++v;
    return v;
  };
  NpyArray a;
  size_t d = value_of("descr");
  if (d >= header.size() || header[d] != '\'')
    r.fail(".npy header: malformed 'descr'");
  const size_t d_end = header.find('\'', d + 1);
  if (d_end == std::string::npos)
    r.fail(".npy header: malformed 'descr'");
  a.descr = header.substr(d + 1, d_end - d - 1);
  const int element_size = element_size_of(a.descr);
  if (element_size == 0)
    r.fail(fmt::format(".npy header: unsupported descr '{}'", a.descr));
  if (header.compare(value_of("fortran_order"), 5, "False") != 0)
    r.fail(".npy header: only C order (fortran_order False) is read");
  size_t s = value_of("shape");
  if (s >= header.size() || header[s] != '(')
    r.fail(".npy header: malformed 'shape'");
  const size_t s_end = header.find(')', s);
  if (s_end == std::string::npos)
    r.fail(".npy header: malformed 'shape'");
  int64_t count = 1;
  for (size_t i = s + 1; i < s_end;) {
    while (i < s_end && (header[i] == ' ' || header[i] == ','))
      ++i;
    if (i == s_end)
      break;
    int64_t dim = 0;
    size_t digits = 0;
    while (i < s_end && header[i] >= '0' && header[i] <= '9') {
      if (dim > (std::numeric_limits<int32_t>::max() - 9) / 10)
        r.fail(".npy header: dimension too large");
      dim = dim * 10 + (header[i++] - '0');
      ++digits;
    }
    if (digits == 0)
      r.fail(".npy header: malformed 'shape'");
    if (dim != 0 && count > std::numeric_limits<int32_t>::max() / dim)
      r.fail(".npy header: too many elements");
    count *= dim;
    a.shape.push_back(dim);
  }
  const size_t data_at = 10 + header_size;
  const auto data_size = static_cast<size_t>(count) * static_cast<size_t>(element_size);
  if (bytes.size() - data_at != data_size)
    r.fail(fmt::format(".npy data is {} bytes, the header says {}", bytes.size() - data_at,
                       data_size));
  a.data.assign(bytes.begin() + static_cast<long>(data_at), bytes.end());
  return a;
}

std::vector<uint8_t> write_npz(const NpzArrays& arrays) {
  std::vector<uint8_t> out;
  std::vector<uint8_t> directory;
  for (const auto& [key, array] : arrays) {
    const std::string name = key + ".npy";
    const std::vector<uint8_t> member = write_npy(array);
    if (member.size() >= 0xFFFFFFFFu || out.size() >= 0xFFFFFFFFu)
      throw Error(ErrorKind::kInternal, fmt::format("npz: member '{}' is 4 GiB or more", name));
    const uint32_t crc = crc32(member);
    const auto offset = static_cast<uint32_t>(out.size());
    const auto size = static_cast<uint32_t>(member.size());
    // Local file header.
    put32(out, kLocalHeader);
    put16(out, kZipVersion);
    put16(out, 0);  // flags
    put16(out, 0);  // method: stored
    put16(out, kDosTime);
    put16(out, kDosDate);
    put32(out, crc);
    put32(out, size);  // compressed
    put32(out, size);  // uncompressed
    put16(out, static_cast<uint32_t>(name.size()));
    put16(out, 0);  // extra field length
    out.insert(out.end(), name.begin(), name.end());
    out.insert(out.end(), member.begin(), member.end());
    // Its central directory entry.
    put32(directory, kCentralHeader);
    put16(directory, kZipVersion);
    put16(directory, kZipVersion);
    put16(directory, 0);
    put16(directory, 0);
    put16(directory, kDosTime);
    put16(directory, kDosDate);
    put32(directory, crc);
    put32(directory, size);
    put32(directory, size);
    put16(directory, static_cast<uint32_t>(name.size()));
    put16(directory, 0);  // extra
    put16(directory, 0);  // comment
    put16(directory, 0);  // disk number start
    put16(directory, 0);  // internal attributes
    put32(directory, 0);  // external attributes
    put32(directory, offset);
    directory.insert(directory.end(), name.begin(), name.end());
  }
  const auto directory_offset = static_cast<uint32_t>(out.size());
  out.insert(out.end(), directory.begin(), directory.end());
  put32(out, kEndOfCentralDirectory);
  put16(out, 0);  // this disk
  put16(out, 0);  // disk with the central directory
  put16(out, static_cast<uint32_t>(arrays.size()));
  put16(out, static_cast<uint32_t>(arrays.size()));
  put32(out, static_cast<uint32_t>(directory.size()));
  put32(out, directory_offset);
  put16(out, 0);  // comment length
  return out;
}

NpzArrays read_npz(std::span<const uint8_t> bytes, std::string_view source) {
  Reader r(bytes, source);
  if (bytes.size() < kEndRecordSize)
    r.fail("not an .npz archive (too short)");
  // The end record: at the end, after a comment of at most 65535 bytes.
  size_t end = bytes.size() - kEndRecordSize;
  const size_t lowest = end > 0xFFFF ? end - 0xFFFF : 0;
  while (r.u32(end) != kEndOfCentralDirectory) {
    if (end == lowest)
      r.fail("not an .npz archive (no end of central directory record)");
    --end;
  }
  if (r.u16(end + 4) != 0 || r.u16(end + 6) != 0)
    r.fail("multi-disk archives are not read");
  const size_t entries = r.u16(end + 10);
  size_t at = r.u32(end + 16);
  NpzArrays arrays;
  for (size_t e = 0; e < entries; ++e) {
    r.need(at, kCentralHeaderSize, "central directory entry");
    if (r.u32(at) != kCentralHeader)
      r.fail(fmt::format("bad central directory signature at byte {}", at));
    const uint32_t method = r.u16(at + 10);
    const uint32_t crc = r.u32(at + 16);
    const size_t compressed = r.u32(at + 20);
    const size_t size = r.u32(at + 24);
    const size_t name_size = r.u16(at + 28);
    const size_t skip = r.u16(at + 30) + r.u16(at + 32);
    const size_t local = r.u32(at + 42);
    r.need(at + kCentralHeaderSize, name_size + skip, "central directory entry");
    const std::string name(bytes.begin() + static_cast<long>(at + kCentralHeaderSize),
                           bytes.begin() + static_cast<long>(at + kCentralHeaderSize + name_size));
    at += kCentralHeaderSize + name_size + skip;
    if (method != 0 || compressed != size)
      r.fail(fmt::format("member '{}' is compressed (method {}); only stored members are read",
                         name, method));
    r.need(local, kLocalHeaderSize, "local file header");
    if (r.u32(local) != kLocalHeader)
      r.fail(fmt::format("bad local header signature for member '{}'", name));
    const size_t data_at = local + kLocalHeaderSize + r.u16(local + 26) + r.u16(local + 28);
    r.need(data_at, size, fmt::format("member '{}'", name));
    const auto member = bytes.subspan(data_at, size);
    if (crc32(member) != crc)
      r.fail(fmt::format("member '{}': CRC-32 does not match", name));
    if (name.size() < 5 || name.substr(name.size() - 4) != ".npy")
      r.fail(fmt::format("member '{}' is not a .npy array", name));
    arrays.emplace_back(name.substr(0, name.size() - 4),
                        read_npy(member, fmt::format("{}: member '{}'", source, name)));
  }
  return arrays;
}

}  // namespace euc::output
