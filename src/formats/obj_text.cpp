#include "formats/obj_text.h"

#include <cmath>
#include <optional>

#include "core/text_numbers.h"

namespace atlas::obj {

int read_floats(Tokens& tokens, float* out, int count) {
  int read = 0;
  while (read < count) {
    Tokens probe = tokens;
    const std::string_view token = probe.next();
    const std::optional<float> value = parse_number<float>(token);
    if (token.empty() || !value) break;
    out[read++] = *value;
    tokens = probe;
  }
  return read;
}

void append_finite(std::string& out, float value) {
  append_number(out, std::isfinite(value) ? value : 0.0f);
}

void append_numbers(std::string& out, const char* keyword, std::initializer_list<float> values) {
  out += keyword;
  for (float value : values) {
    out += ' ';
    append_finite(out, value);
  }
  out += '\n';
}

}  // namespace atlas::obj
