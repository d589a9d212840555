#pragma once
// Bounds-checked sequential reading of binary data. Every read checks the remaining
// length first, so a parser built on it cannot run past the end of a hostile file.

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

namespace atlas {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return bytes_.size() - offset_; }
  bool has(std::size_t count) const { return count <= remaining(); }

  // Reads a little-endian (or big-endian) arithmetic value. Returns false, consuming
  // nothing, when fewer than sizeof(T) bytes remain.
  template <typename T>
  bool read(T& out, std::endian order = std::endian::little) {
    static_assert(std::is_arithmetic_v<T>);
    if (!has(sizeof(T))) return false;
    std::uint8_t raw[sizeof(T)];
    std::memcpy(raw, bytes_.data() + offset_, sizeof(T));
    if (order != std::endian::native) {
      for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(raw[i], raw[sizeof(T) - 1 - i]);
    }
    std::memcpy(&out, raw, sizeof(T));
    offset_ += sizeof(T);
    return true;
  }

  // Returns a view of the next `count` bytes and advances, or an empty span (consuming
  // nothing) when fewer remain.
  std::span<const std::uint8_t> take(std::size_t count) {
    if (!has(count)) return {};
    auto view = bytes_.subspan(offset_, count);
    offset_ += count;
    return view;
  }

  bool skip(std::size_t count) {
    if (!has(count)) return false;
    offset_ += count;
    return true;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
};

inline std::string_view as_chars(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace atlas
