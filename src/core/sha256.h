#pragma once
// Content hashes for provenance and caching.

#include <string>

#include "core/file_io.h"

namespace atlas {

// SHA-256 of `bytes` as 64 lowercase hex digits.
std::string sha256_hex(ByteView bytes);

}  // namespace atlas
