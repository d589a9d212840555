#pragma once
// A generic PLY 1.0 reader and writer shared by the splat and mesh PLY formats.
//
// The reader parses the header (ascii, binary_little_endian, binary_big_endian; every
// scalar type and its sized alias such as uint8 or float32; scalar and list properties;
// comment and obj_info lines; \n or \r\n line endings) and then locates every element
// in the body, checking each element's count against the bytes actually present before
// anyone allocates for it. Values are then read column by column into caller-owned
// arrays, converted to float, in one pass over the element's rows.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_io.h"
#include "core/result.h"

namespace atlas::ply {

enum class Encoding { Ascii, BinaryLittleEndian, BinaryBigEndian };

enum class ScalarType : std::uint8_t {
  Int8,
  UInt8,
  Int16,
  UInt16,
  Int32,
  UInt32,
  Float32,
  Float64
};

// Bytes one value of the type takes in a binary body.
std::size_t size_of(ScalarType type);
// The canonical PLY name: char, uchar, short, ushort, int, uint, float, double.
const char* type_name(ScalarType type);
bool is_integer(ScalarType type);

struct Property {
  std::string name;
  ScalarType type = ScalarType::Float32;  // the item type for a list
  bool is_list = false;
  ScalarType list_count_type = ScalarType::UInt8;
};

struct Element {
  std::string name;
  std::uint64_t count = 0;
  std::vector<Property> properties;

  // Index of the property with this name, or -1.
  int find(std::string_view property_name) const;
  bool has_lists() const;
};

struct Header {
  Encoding encoding = Encoding::BinaryLittleEndian;
  std::vector<Element> elements;
  std::vector<std::string> comments;  // comment and obj_info lines, keyword removed
  std::size_t body_offset = 0;        // first byte after the end_header line

  // Index of the element with this name, or -1.
  int find(std::string_view element_name) const;
};

// Headers longer than this are refused, so a file of garbage cannot make the reader
// scan gigabytes for an end_header line.
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

// Parses and checks the header only.
Result<Header> parse_header(ByteView bytes);

// Where one value of an element's row goes: property `property` of row r is written,
// converted to float, to destination[r * stride] (stride counted in floats).
struct ColumnTarget {
  int property = -1;
  float* destination = nullptr;
  std::size_t stride = 1;
};

class Reader {
 public:
  // Parses the header and locates every element's rows in the body. Fails when the
  // header is malformed or the body is shorter than the elements it declares. The
  // reader keeps a view of `bytes`, which must outlive it.
  static Result<Reader> open(ByteView bytes);

  const Header& header() const { return header_; }
  const char* encoding_name() const;

  // Reads scalar properties of element `element` into the targets, all in one pass.
  // Every destination must hold count rows at its stride. Fails on a list property
  // among the targets or, in ASCII, on a value that is not a number.
  Status read_columns(int element, std::span<const ColumnTarget> targets) const;

  // Reads list property `property` of element `element`: the length of each row's list
  // into `lengths` and every item, concatenated, into `items`. Items must be
  // non-negative integers that fit 32 bits.
  Status read_list(int element, int property, std::vector<std::uint32_t>& lengths,
                   std::vector<std::uint32_t>& items) const;

 private:
  Reader(ByteView bytes, Header header) : bytes_(bytes), header_(std::move(header)) {}
  Status locate_elements();

  ByteView bytes_;
  Header header_;
  // Byte offset where each element's first row starts.
  std::vector<std::size_t> element_begin_;
};

// A PLY opened to read its 'vertex' element, the one both PLY splats and PLY meshes
// keep their points in.
struct OpenedVertices {
  Reader reader;
  int element_index = -1;  // of 'vertex' in reader.header().elements

  const Element& vertex() const { return reader.header().elements[element_index]; }
};

// Opens `bytes` as Reader::open does and finds the 'vertex' element. Fails with
// "PLY has no 'vertex' element" when there is none and "PLY has zero <rows_noun>" when
// it has no rows; `rows_noun` says what a row is to the caller ("vertices", "splats").
Result<OpenedVertices> open_vertices(ByteView bytes, std::string_view rows_noun);

// Builds a PLY file: header declarations first, then rows of values in declaration
// order. In ASCII each row ends with a newline; call end_row() after each row.
class Writer {
 public:
  explicit Writer(Encoding encoding);

  void comment(std::string_view text);
  void element(std::string_view name, std::uint64_t count);
  void property(ScalarType type, std::string_view name);
  void list_property(ScalarType count_type, ScalarType item_type, std::string_view name);
  // Ends the header; values may follow.
  void end_header();
  // Makes room for `bytes` more bytes of values, so large bodies are not copied as they grow.
  void reserve(std::size_t bytes) { bytes_.reserve(bytes_.size() + bytes); }

  // Appends one value, converted to the type given (the property's declared type).
  void value(ScalarType type, double number);
  void float_value(float number);
  void end_row();
  // Appends a whole row of float properties and ends it.
  void float_row(std::span<const float> numbers);

  Bytes finish() { return std::move(bytes_); }

 private:
  template <typename T>
  void put(T number);

  Encoding encoding_;
  Bytes bytes_;
  bool row_started_ = false;
};

}  // namespace atlas::ply
