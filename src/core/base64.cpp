#include "core/base64.h"

#include <array>
#include <string_view>

namespace atlas {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t kWhitespace = 0xfe;
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  for (char c : {' ', '\t', '\r', '\n', '\v', '\f'})
    table[static_cast<unsigned char>(c)] = kWhitespace;
  return table;
}

constexpr std::array<std::uint8_t, 256> kDecodeTable = make_decode_table();

}  // namespace

Result<Bytes> base64_decode(ByteView text, std::uint64_t max_output) {
  // Every 4 alphabet characters give 3 bytes: the output is bounded before anything is
  // allocated, counting the digits only when the text length alone does not settle it.
  std::uint64_t digits = text.size();
  if (digits / 4 * 3 + 3 > max_output) {
    digits = 0;
    for (std::uint8_t c : text) digits += kDecodeTable[c] < 64;
    if (digits * 3 / 4 > max_output) {
      return make_error("base64 payload decodes to more than " + std::to_string(max_output) +
                        " bytes");
    }
  }
  Bytes out;
  out.reserve(digits / 4 * 3 + 3);
  std::uint32_t accumulator = 0;
  int pending_digits = 0;
  bool padding_seen = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::uint8_t code = kDecodeTable[text[i]];
    if (code == kWhitespace) continue;
    if (text[i] == '=') {
      padding_seen = true;
      continue;
    }
    if (code == kInvalid) {
      return make_error("base64 text has an invalid character at offset " + std::to_string(i));
    }
    if (padding_seen) return make_error("base64 text continues after '=' padding");
    accumulator = (accumulator << 6) | code;
    if (++pending_digits == 4) {
      out.push_back(static_cast<std::uint8_t>(accumulator >> 16));
      out.push_back(static_cast<std::uint8_t>(accumulator >> 8));
      out.push_back(static_cast<std::uint8_t>(accumulator));
      accumulator = 0;
      pending_digits = 0;
    }
  }
  if (pending_digits == 1) return make_error("base64 text ends with a dangling character");
  if (pending_digits == 2) {
    out.push_back(static_cast<std::uint8_t>(accumulator >> 4));
  } else if (pending_digits == 3) {
    out.push_back(static_cast<std::uint8_t>(accumulator >> 10));
    out.push_back(static_cast<std::uint8_t>(accumulator >> 2));
  }
  if (out.size() > max_output) {
    return make_error("base64 payload decodes to more than " + std::to_string(max_output) +
                      " bytes");
  }
  return out;
}

std::string base64_encode(ByteView bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t triple =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    text += kAlphabet[triple >> 18];
    text += kAlphabet[(triple >> 12) & 63];
    text += kAlphabet[(triple >> 6) & 63];
    text += kAlphabet[triple & 63];
  }
  const std::size_t left = bytes.size() - i;
  if (left > 0) {
    const std::uint32_t triple =
        (std::uint32_t{bytes[i]} << 16) | (left == 2 ? std::uint32_t{bytes[i + 1]} << 8 : 0);
    text += kAlphabet[triple >> 18];
    text += kAlphabet[(triple >> 12) & 63];
    text += left == 2 ? kAlphabet[(triple >> 6) & 63] : '=';
    text += '=';
  }
  return text;
}

}  // namespace atlas
