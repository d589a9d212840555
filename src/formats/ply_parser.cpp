#include "formats/ply_parser.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/byte_reader.h"
#include "core/text_numbers.h"

namespace atlas::ply {

std::size_t size_of(ScalarType type) {
  switch (type) {
    case ScalarType::Int8:
    case ScalarType::UInt8:
      return 1;
    case ScalarType::Int16:
    case ScalarType::UInt16:
      return 2;
    case ScalarType::Int32:
    case ScalarType::UInt32:
    case ScalarType::Float32:
      return 4;
    case ScalarType::Float64:
      return 8;
  }
  return 0;
}

const char* type_name(ScalarType type) {
  switch (type) {
    case ScalarType::Int8:
      return "char";
    case ScalarType::UInt8:
      return "uchar";
    case ScalarType::Int16:
      return "short";
    case ScalarType::UInt16:
      return "ushort";
    case ScalarType::Int32:
      return "int";
    case ScalarType::UInt32:
      return "uint";
    case ScalarType::Float32:
      return "float";
    case ScalarType::Float64:
      return "double";
  }
  return "?";
}

bool is_integer(ScalarType type) {
  return type != ScalarType::Float32 && type != ScalarType::Float64;
}

int Element::find(std::string_view property_name) const {
  for (std::size_t i = 0; i < properties.size(); ++i) {
    if (properties[i].name == property_name) return static_cast<int>(i);
  }
  return -1;
}

bool Element::has_lists() const {
  return std::any_of(properties.begin(), properties.end(),
                     [](const Property& p) { return p.is_list; });
}

int Header::find(std::string_view element_name) const {
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (elements[i].name == element_name) return static_cast<int>(i);
  }
  return -1;
}

namespace {

// Binary values are stored in the file's byte order; true when it is not this machine's.
bool needs_swap(Encoding encoding) {
  return (encoding == Encoding::BinaryBigEndian) != (std::endian::native == std::endian::big);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

bool parse_type(std::string_view name, ScalarType& type) {
  struct Alias {
    std::string_view name;
    ScalarType type;
  };
  static constexpr std::array<Alias, 16> kAliases{{
      {"char", ScalarType::Int8},
      {"int8", ScalarType::Int8},
      {"uchar", ScalarType::UInt8},
      {"uint8", ScalarType::UInt8},
      {"short", ScalarType::Int16},
      {"int16", ScalarType::Int16},
      {"ushort", ScalarType::UInt16},
      {"uint16", ScalarType::UInt16},
      {"int", ScalarType::Int32},
      {"int32", ScalarType::Int32},
      {"uint", ScalarType::UInt32},
      {"uint32", ScalarType::UInt32},
      {"float", ScalarType::Float32},
      {"float32", ScalarType::Float32},
      {"double", ScalarType::Float64},
      {"float64", ScalarType::Float64},
  }};
  for (const Alias& alias : kAliases) {
    if (alias.name == name) {
      type = alias.type;
      return true;
    }
  }
  return false;
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string shown(text.substr(0, kShown));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return "'" + shown + (text.size() > kShown ? "...'" : "'");
}

Status parse_header_line(const std::vector<std::string_view>& words, Header& header,
                         bool& has_format) {
  const std::string_view keyword = words[0];
  if (keyword == "comment" || keyword == "obj_info") {
    const bool has_text = words.size() > 1;
    header.comments.push_back(
        has_text ? std::string(words[1].data(), words.back().data() + words.back().size()) : "");
    return Ok{};
  }
  if (keyword == "format") {
    if (has_format) return make_error("PLY header has two format lines");
    if (words.size() != 3) return make_error("PLY format line must be 'format <encoding> 1.0'");
    if (words[1] == "ascii") {
      header.encoding = Encoding::Ascii;
    } else if (words[1] == "binary_little_endian") {
      header.encoding = Encoding::BinaryLittleEndian;
    } else if (words[1] == "binary_big_endian") {
      header.encoding = Encoding::BinaryBigEndian;
    } else {
      return make_error("unknown PLY format " + quoted(words[1]));
    }
    if (words[2] != "1.0" && words[2] != "1") {
      return make_error("unsupported PLY version " + quoted(words[2]));
    }
    has_format = true;
    return Ok{};
  }
  if (keyword == "element") {
    if (words.size() != 3) return make_error("PLY element line must be 'element <name> <count>'");
    Element element;
    element.name = std::string(words[1]);
    const auto [end, error] =
        std::from_chars(words[2].data(), words[2].data() + words[2].size(), element.count);
    if (error != std::errc{} || end != words[2].data() + words[2].size()) {
      return make_error("PLY element " + quoted(words[1]) + " has an invalid count " +
                        quoted(words[2]));
    }
    header.elements.push_back(std::move(element));
    return Ok{};
  }
  if (keyword == "property") {
    if (header.elements.empty()) return make_error("PLY property declared before any element");
    Property property;
    if (words.size() >= 2 && words[1] == "list") {
      if (words.size() != 5) {
        return make_error(
            "PLY list property line must be 'property list <count type> <type> <name>'");
      }
      if (!parse_type(words[2], property.list_count_type)) {
        return make_error("unknown PLY property type " + quoted(words[2]));
      }
      if (!is_integer(property.list_count_type)) {
        return make_error("PLY list " + quoted(words[4]) + " has a non-integer count type");
      }
      if (!parse_type(words[3], property.type)) {
        return make_error("unknown PLY property type " + quoted(words[3]));
      }
      property.is_list = true;
      property.name = std::string(words[4]);
    } else {
      if (words.size() != 3)
        return make_error("PLY property line must be 'property <type> <name>'");
      if (!parse_type(words[1], property.type)) {
        return make_error("unknown PLY property type " + quoted(words[1]));
      }
      property.name = std::string(words[2]);
    }
    header.elements.back().properties.push_back(std::move(property));
    return Ok{};
  }
  return make_error("unknown PLY header line starting with " + quoted(keyword));
}

template <typename T>
T load_raw(const std::uint8_t* p, bool swap) {
  std::uint8_t raw[sizeof(T)];
  std::memcpy(raw, p, sizeof(T));
  if (swap) std::reverse(raw, raw + sizeof(T));
  T value;
  std::memcpy(&value, raw, sizeof(T));
  return value;
}

double load_number(const std::uint8_t* p, ScalarType type, bool swap) {
  switch (type) {
    case ScalarType::Int8:
      return load_raw<std::int8_t>(p, swap);
    case ScalarType::UInt8:
      return load_raw<std::uint8_t>(p, swap);
    case ScalarType::Int16:
      return load_raw<std::int16_t>(p, swap);
    case ScalarType::UInt16:
      return load_raw<std::uint16_t>(p, swap);
    case ScalarType::Int32:
      return load_raw<std::int32_t>(p, swap);
    case ScalarType::UInt32:
      return load_raw<std::uint32_t>(p, swap);
    case ScalarType::Float32:
      return load_raw<float>(p, swap);
    case ScalarType::Float64:
      return load_raw<double>(p, swap);
  }
  return 0;
}

float load_float(const std::uint8_t* p, ScalarType type, bool swap) {
  if (type == ScalarType::Float32) return load_raw<float>(p, swap);
  return static_cast<float>(load_number(p, type, swap));
}

// A list length or item as an unsigned 32-bit integer; false when negative, fractional
// or too large.
bool to_index(double number, std::uint32_t& index) {
  if (!(number >= 0) || number > std::numeric_limits<std::uint32_t>::max() ||
      number != std::floor(number)) {
    return false;
  }
  index = static_cast<std::uint32_t>(number);
  return true;
}

// An ASCII list length or item: a number that to_index accepts.
bool parse_index(std::string_view word, std::uint32_t& index) {
  const std::optional<double> number = parse_number<double>(word);
  return number && to_index(*number, index);
}

// Sequential whitespace-separated words of an ASCII body.
class WordCursor {
 public:
  WordCursor(std::string_view text, std::size_t offset) : text_(text), offset_(offset) {}

  bool next(std::string_view& word) {
    while (offset_ < text_.size() && is_space(text_[offset_])) ++offset_;
    const std::size_t start = offset_;
    while (offset_ < text_.size() && !is_space(text_[offset_])) ++offset_;
    word = text_.substr(start, offset_ - start);
    return !word.empty();
  }
  std::size_t offset() const { return offset_; }

 private:
  std::string_view text_;
  std::size_t offset_;
};

std::string row_error(const Element& element, std::uint64_t row, const std::string& problem) {
  return "PLY element '" + element.name + "' row " + std::to_string(row) + ": " + problem;
}

std::string truncated(const Element& element, std::uint64_t row) {
  return row_error(element, row, "data ends early (file truncated?)");
}

// Binary rows: finds where each property of the row at `offset` starts and advances
// `offset` past the row. Fails when the row runs past `end` or a list length is negative.
Status walk_binary_row(ByteView bytes, std::size_t& offset, const Element& element,
                       std::uint64_t row, bool swap, std::size_t* starts) {
  for (std::size_t p = 0; p < element.properties.size(); ++p) {
    const Property& property = element.properties[p];
    starts[p] = offset;
    if (!property.is_list) {
      const std::size_t size = size_of(property.type);
      if (bytes.size() - offset < size) return make_error(truncated(element, row));
      offset += size;
      continue;
    }
    const std::size_t count_size = size_of(property.list_count_type);
    if (bytes.size() - offset < count_size) return make_error(truncated(element, row));
    std::uint32_t length = 0;
    if (!to_index(load_number(bytes.data() + offset, property.list_count_type, swap), length)) {
      return make_error(
          row_error(element, row, "list '" + property.name + "' has a negative length"));
    }
    offset += count_size;
    const std::uint64_t list_bytes = std::uint64_t{length} * size_of(property.type);
    if (bytes.size() - offset < list_bytes) return make_error(truncated(element, row));
    offset += static_cast<std::size_t>(list_bytes);
  }
  return Ok{};
}

// ASCII rows: records where each property's first word starts and the word itself
// (for a list, its length), and advances past the row.
Status walk_ascii_row(WordCursor& cursor, const Element& element, std::uint64_t row,
                      std::string_view* words, std::size_t* starts) {
  for (std::size_t p = 0; p < element.properties.size(); ++p) {
    const Property& property = element.properties[p];
    starts[p] = cursor.offset();
    if (!cursor.next(words[p])) {
      return make_error(row_error(element, row, "too few values (file truncated?)"));
    }
    if (!property.is_list) continue;
    std::uint32_t length = 0;
    if (!parse_index(words[p], length)) {
      return make_error(row_error(
          element, row, "list '" + property.name + "' has an invalid length " + quoted(words[p])));
    }
    std::string_view item;
    for (std::uint32_t i = 0; i < length; ++i) {
      if (!cursor.next(item)) {
        return make_error(row_error(element, row, "too few values (file truncated?)"));
      }
    }
  }
  return Ok{};
}

}  // namespace

Result<Header> parse_header(ByteView bytes) {
  const std::string_view text = as_chars(bytes.first(std::min(bytes.size(), kMaxHeaderBytes)));
  if (!(text.starts_with("ply\n") || text.starts_with("ply\r\n"))) {
    return make_error("not a PLY file (no 'ply' magic line)");
  }
  Header header;
  bool has_format = false;
  std::size_t offset = text.find('\n') + 1;
  while (true) {
    const std::size_t newline = text.find('\n', offset);
    if (newline == std::string_view::npos) {
      if (bytes.size() > kMaxHeaderBytes) return make_error("PLY header is longer than 64 KiB");
      return make_error("PLY header has no end_header line");
    }
    const std::string_view line = text.substr(offset, newline - offset);
    offset = newline + 1;
    const auto words = split_words(line);
    if (words.empty()) continue;
    if (words[0] == "end_header") break;
    if (auto status = parse_header_line(words, header, has_format); !status) return status.error();
  }
  if (!has_format) return make_error("PLY header has no format line");
  header.body_offset = offset;
  return header;
}

Result<Reader> Reader::open(ByteView bytes) {
  auto header = parse_header(bytes);
  if (!header) return header.error();
  Reader reader(bytes, std::move(header).value());
  if (auto status = reader.locate_elements(); !status) return status.error();
  return reader;
}

Result<OpenedVertices> open_vertices(ByteView bytes, std::string_view rows_noun) {
  auto reader = Reader::open(bytes);
  if (!reader) return reader.error();
  const int element_index = reader->header().find("vertex");
  if (element_index < 0) return make_error("PLY has no 'vertex' element");
  if (reader->header().elements[element_index].count == 0) {
    return make_error("PLY has zero " + std::string(rows_noun));
  }
  return OpenedVertices{std::move(reader).value(), element_index};
}

const char* Reader::encoding_name() const {
  switch (header_.encoding) {
    case Encoding::Ascii:
      return "ASCII";
    case Encoding::BinaryLittleEndian:
      return "binary little-endian";
    case Encoding::BinaryBigEndian:
      return "binary big-endian";
  }
  return "?";
}

Status Reader::locate_elements() {
  const bool swap = needs_swap(header_.encoding);
  const std::string_view text = as_chars(bytes_);
  std::size_t offset = header_.body_offset;
  std::vector<std::size_t> starts;
  std::vector<std::string_view> words;
  for (const Element& element : header_.elements) {
    element_begin_.push_back(offset);
    const std::size_t remaining = bytes_.size() - offset;
    const std::size_t property_count = element.properties.size();
    if (property_count == 0 || element.count == 0) continue;
    // The smallest row the declaration allows; the count is checked against it before
    // any row is walked, so a huge count over a tiny body fails at once.
    std::uint64_t min_row_bytes = 0;
    for (const Property& property : element.properties) {
      min_row_bytes += header_.encoding == Encoding::Ascii ? 2
                       : property.is_list                  ? size_of(property.list_count_type)
                                                           : size_of(property.type);
    }
    const std::uint64_t available =
        header_.encoding == Encoding::Ascii ? remaining + 1 : std::uint64_t{remaining};
    if (element.count > available / min_row_bytes) {
      return make_error("PLY element '" + element.name + "' declares " +
                        std::to_string(element.count) + " rows but the file has only " +
                        std::to_string(remaining) + " bytes left (file truncated?)");
    }
    if (header_.encoding == Encoding::Ascii) {
      words.resize(property_count);
      starts.resize(property_count);
      WordCursor cursor(text, offset);
      for (std::uint64_t row = 0; row < element.count; ++row) {
        if (auto status = walk_ascii_row(cursor, element, row, words.data(), starts.data());
            !status) {
          return status;
        }
      }
      offset = cursor.offset();
    } else if (!element.has_lists()) {
      offset += static_cast<std::size_t>(element.count * min_row_bytes);
    } else {
      starts.resize(property_count);
      for (std::uint64_t row = 0; row < element.count; ++row) {
        if (auto status = walk_binary_row(bytes_, offset, element, row, swap, starts.data());
            !status) {
          return status;
        }
      }
    }
  }
  return Ok{};
}

Status Reader::read_columns(int element_index, std::span<const ColumnTarget> targets) const {
  if (element_index < 0 || static_cast<std::size_t>(element_index) >= header_.elements.size()) {
    return make_error("PLY element index out of range");
  }
  const Element& element = header_.elements[element_index];
  for (const ColumnTarget& target : targets) {
    if (target.property < 0 ||
        static_cast<std::size_t>(target.property) >= element.properties.size()) {
      return make_error("PLY property index out of range");
    }
    if (element.properties[target.property].is_list) {
      return make_error("PLY property '" + element.properties[target.property].name +
                        "' is a list, not a scalar");
    }
  }
  const std::size_t rows = static_cast<std::size_t>(element.count);
  std::size_t offset = element_begin_[element_index];

  if (header_.encoding == Encoding::Ascii) {
    std::vector<std::string_view> words(element.properties.size());
    std::vector<std::size_t> starts(element.properties.size());
    WordCursor cursor(as_chars(bytes_), offset);
    for (std::size_t row = 0; row < rows; ++row) {
      if (auto status = walk_ascii_row(cursor, element, row, words.data(), starts.data());
          !status) {
        return status;
      }
      for (const ColumnTarget& target : targets) {
        const std::optional<double> number = parse_number<double>(words[target.property]);
        if (!number) {
          return make_error(row_error(element, row,
                                      "property '" + element.properties[target.property].name +
                                          "' is not a number: " + quoted(words[target.property])));
        }
        target.destination[row * target.stride] = static_cast<float>(*number);
      }
    }
    return Ok{};
  }

  const bool swap = needs_swap(header_.encoding);
  if (!element.has_lists()) {
    // Fixed-size rows: each property sits at a constant offset, so the loop is a
    // strided gather with no per-row bookkeeping.
    std::vector<std::size_t> property_offsets(element.properties.size());
    std::size_t row_bytes = 0;
    for (std::size_t p = 0; p < element.properties.size(); ++p) {
      property_offsets[p] = row_bytes;
      row_bytes += size_of(element.properties[p].type);
    }
    struct Gather {
      std::size_t offset;
      ScalarType type;
      float* destination;
      std::size_t stride;
    };
    std::vector<Gather> gathers;
    bool all_native_floats = !swap;
    for (const ColumnTarget& target : targets) {
      const ScalarType type = element.properties[target.property].type;
      gathers.push_back(
          {property_offsets[target.property], type, target.destination, target.stride});
      all_native_floats = all_native_floats && type == ScalarType::Float32;
    }
    const std::uint8_t* row = bytes_.data() + offset;
    if (all_native_floats) {
      for (std::size_t r = 0; r < rows; ++r, row += row_bytes) {
        for (const Gather& g : gathers)
          std::memcpy(g.destination + r * g.stride, row + g.offset, sizeof(float));
      }
    } else {
      for (std::size_t r = 0; r < rows; ++r, row += row_bytes) {
        for (const Gather& g : gathers)
          g.destination[r * g.stride] = load_float(row + g.offset, g.type, swap);
      }
    }
    return Ok{};
  }

  std::vector<std::size_t> starts(element.properties.size());
  for (std::size_t row = 0; row < rows; ++row) {
    if (auto status = walk_binary_row(bytes_, offset, element, row, swap, starts.data()); !status) {
      return status;
    }
    for (const ColumnTarget& target : targets) {
      target.destination[row * target.stride] = load_float(
          bytes_.data() + starts[target.property], element.properties[target.property].type, swap);
    }
  }
  return Ok{};
}

Status Reader::read_list(int element_index, int property_index, std::vector<std::uint32_t>& lengths,
                         std::vector<std::uint32_t>& items) const {
  if (element_index < 0 || static_cast<std::size_t>(element_index) >= header_.elements.size()) {
    return make_error("PLY element index out of range");
  }
  const Element& element = header_.elements[element_index];
  if (property_index < 0 || static_cast<std::size_t>(property_index) >= element.properties.size() ||
      !element.properties[property_index].is_list) {
    return make_error("PLY property is not a list");
  }
  const Property& property = element.properties[property_index];
  const std::size_t rows = static_cast<std::size_t>(element.count);
  lengths.clear();
  items.clear();
  lengths.reserve(rows);
  std::size_t offset = element_begin_[element_index];
  const auto bad_item = [&](std::size_t row) {
    return make_error(row_error(
        element, row,
        "list '" + property.name + "' has an item that is not a non-negative 32-bit integer"));
  };

  if (header_.encoding == Encoding::Ascii) {
    std::vector<std::string_view> words(element.properties.size());
    std::vector<std::size_t> starts(element.properties.size());
    const std::string_view text = as_chars(bytes_);
    WordCursor cursor(text, offset);
    for (std::size_t row = 0; row < rows; ++row) {
      if (auto status = walk_ascii_row(cursor, element, row, words.data(), starts.data());
          !status) {
        return status;
      }
      WordCursor list_cursor(text, starts[property_index]);
      std::string_view word;
      list_cursor.next(word);
      // walk_ascii_row has checked the length already.
      std::uint32_t length = 0;
      parse_index(word, length);
      lengths.push_back(length);
      for (std::uint32_t i = 0; i < length; ++i) {
        std::uint32_t item = 0;
        if (!list_cursor.next(word) || !parse_index(word, item)) {
          return bad_item(row);
        }
        items.push_back(item);
      }
    }
    return Ok{};
  }

  const bool swap = needs_swap(header_.encoding);
  std::vector<std::size_t> starts(element.properties.size());
  const std::size_t item_size = size_of(property.type);
  for (std::size_t row = 0; row < rows; ++row) {
    if (auto status = walk_binary_row(bytes_, offset, element, row, swap, starts.data()); !status) {
      return status;
    }
    const std::uint8_t* at = bytes_.data() + starts[property_index];
    std::uint32_t length = 0;
    to_index(load_number(at, property.list_count_type, swap), length);
    at += size_of(property.list_count_type);
    lengths.push_back(length);
    for (std::uint32_t i = 0; i < length; ++i, at += item_size) {
      std::uint32_t item = 0;
      if (!to_index(load_number(at, property.type, swap), item)) return bad_item(row);
      items.push_back(item);
    }
  }
  return Ok{};
}

Writer::Writer(Encoding encoding) : encoding_(encoding) {
  const char* format = encoding == Encoding::Ascii                ? "ascii"
                       : encoding == Encoding::BinaryLittleEndian ? "binary_little_endian"
                                                                  : "binary_big_endian";
  const std::string start = std::string("ply\nformat ") + format + " 1.0\n";
  bytes_.insert(bytes_.end(), start.begin(), start.end());
}

namespace {

void append_text(Bytes& bytes, std::string_view text) {
  bytes.insert(bytes.end(), text.begin(), text.end());
}

}  // namespace

void Writer::comment(std::string_view text) {
  append_text(bytes_, "comment ");
  append_text(bytes_, text);
  append_text(bytes_, "\n");
}

void Writer::element(std::string_view name, std::uint64_t count) {
  append_text(bytes_, "element ");
  append_text(bytes_, name);
  append_text(bytes_, " " + std::to_string(count) + "\n");
}

void Writer::property(ScalarType type, std::string_view name) {
  append_text(bytes_, std::string("property ") + type_name(type) + " ");
  append_text(bytes_, name);
  append_text(bytes_, "\n");
}

void Writer::list_property(ScalarType count_type, ScalarType item_type, std::string_view name) {
  append_text(bytes_, std::string("property list ") + type_name(count_type) + " " +
                          type_name(item_type) + " ");
  append_text(bytes_, name);
  append_text(bytes_, "\n");
}

void Writer::end_header() { append_text(bytes_, "end_header\n"); }

template <typename T>
void Writer::put(T number) {
  if (encoding_ == Encoding::Ascii) {
    if (row_started_) bytes_.push_back(' ');
    row_started_ = true;
    append_number(bytes_, number);
    return;
  }
  std::uint8_t raw[sizeof(T)];
  std::memcpy(raw, &number, sizeof(T));
  const bool swap = needs_swap(encoding_);
  if (swap) std::reverse(raw, raw + sizeof(T));
  bytes_.insert(bytes_.end(), raw, raw + sizeof(T));
}

namespace {

// Rounds to the nearest integer of type T, saturating, with NaN as 0.
template <typename T>
T saturate(double number) {
  if (!(number == number)) return 0;
  const double low = static_cast<double>(std::numeric_limits<T>::min());
  const double high = static_cast<double>(std::numeric_limits<T>::max());
  return static_cast<T>(std::clamp(std::nearbyint(number), low, high));
}

}  // namespace

void Writer::value(ScalarType type, double number) {
  switch (type) {
    case ScalarType::Int8:
      put(saturate<std::int8_t>(number));
      break;
    case ScalarType::UInt8:
      put(saturate<std::uint8_t>(number));
      break;
    case ScalarType::Int16:
      put(saturate<std::int16_t>(number));
      break;
    case ScalarType::UInt16:
      put(saturate<std::uint16_t>(number));
      break;
    case ScalarType::Int32:
      put(saturate<std::int32_t>(number));
      break;
    case ScalarType::UInt32:
      put(saturate<std::uint32_t>(number));
      break;
    case ScalarType::Float32:
      put(static_cast<float>(number));
      break;
    case ScalarType::Float64:
      put(number);
      break;
  }
}

void Writer::float_value(float number) { put(number); }

void Writer::float_row(std::span<const float> numbers) {
  const bool swap = needs_swap(encoding_);
  if (encoding_ != Encoding::Ascii && !swap) {
    const auto* raw = reinterpret_cast<const std::uint8_t*>(numbers.data());
    bytes_.insert(bytes_.end(), raw, raw + numbers.size_bytes());
  } else {
    for (float number : numbers) put(number);
  }
  end_row();
}

void Writer::end_row() {
  if (encoding_ == Encoding::Ascii) bytes_.push_back('\n');
  row_started_ = false;
}

}  // namespace atlas::ply
