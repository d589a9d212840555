#pragma once
// Standard base64 (RFC 4648, '+' '/' alphabet, '=' padding).

#include <cstdint>
#include <string>

#include "core/file_io.h"
#include "core/result.h"

namespace atlas {

// Decodes base64 text. ASCII whitespace anywhere is ignored (payloads are often
// line-wrapped); padding is optional. Fails on any other character outside the alphabet,
// on data after padding, on a dangling single character, and when the decoded size would
// exceed max_output bytes (checked before allocating).
Result<Bytes> base64_decode(ByteView text, std::uint64_t max_output);

// Encodes with padding and no line breaks.
std::string base64_encode(ByteView bytes);

}  // namespace atlas
