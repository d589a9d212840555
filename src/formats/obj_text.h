#pragma once
// Text handling shared by the OBJ and MTL readers and writers: statement tokens, line
// iteration and number output.

#include <initializer_list>
#include <string>
#include <string_view>

#include "core/byte_reader.h"
#include "core/file_io.h"

namespace atlas::obj {

// Named in the comment line that starts every written OBJ and MTL file.
inline constexpr const char* kGenerator = "Atlas 0.1.0";

// The blanks that separate tokens within a line.
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// Splits one statement line into blank-separated tokens.
class Tokens {
 public:
  explicit Tokens(std::string_view line) : rest_(line) {}

  std::string_view next() {
    std::size_t start = 0;
    while (start < rest_.size() && is_space(rest_[start])) ++start;
    std::size_t end = start;
    while (end < rest_.size() && !is_space(rest_[end])) ++end;
    const std::string_view token = rest_.substr(start, end - start);
    rest_.remove_prefix(end);
    return token;
  }

  // Everything not yet read, without surrounding blanks (names may contain spaces).
  std::string_view remainder() const {
    std::string_view text = rest_;
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
  }

 private:
  std::string_view rest_;
};

// Reads up to `count` numbers; stops (without consuming) at the first non-number.
// Returns how many were read.
int read_floats(Tokens& tokens, float* out, int count);

// Calls callback(line, number) for each '\n'-separated line (numbered from 1) until it
// returns false.
template <typename Callback>
void for_each_line(ByteView bytes, Callback&& callback) {
  const std::string_view text = as_chars(bytes);
  std::size_t start = 0, number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    if (!callback(text.substr(start, end - start), number)) return;
    start = end + 1;
  }
}

// Appends `value` as the shortest text that reads back the same; non-finite values are
// written as 0, since OBJ and MTL have no spelling for them.
void append_finite(std::string& out, float value);

// Appends "keyword v1 v2 ...\n".
void append_numbers(std::string& out, const char* keyword, std::initializer_list<float> values);

}  // namespace atlas::obj
