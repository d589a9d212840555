#pragma once
// Numbers in text formats (OBJ, MTL, STL, ASCII PLY): strict parsing of one token and
// shortest round-trip formatting, both locale-independent (std::from_chars/to_chars).

#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace atlas {

// Parses the whole token as a T (an integer or floating-point type). A leading '+' is
// accepted, which std::from_chars alone refuses. Returns nullopt for an empty token,
// any character the number does not use, or a value T cannot hold.
template <typename T>
std::optional<T> parse_number(std::string_view token) {
  static_assert(std::is_arithmetic_v<T>);
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  T value{};
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return value;
}

// Appends the shortest decimal text that parses back to exactly `value` ("inf"/"nan"
// for non-finite floats) to `out`, a std::string or a byte vector.
template <typename Container, typename T>
void append_number(Container& out, T value) {
  static_assert(std::is_arithmetic_v<T>);
  char text[64];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value);
  if (error == std::errc()) out.insert(out.end(), text, end);
}

}  // namespace atlas
