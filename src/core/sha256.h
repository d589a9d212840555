#pragma once
// Content hashes for provenance and caching.

#include <string>
#include <string_view>

#include "core/file_io.h"

namespace atlas {

// SHA-256 of `bytes` as 64 lowercase hex digits.
std::string sha256_hex(ByteView bytes);

// HMAC-SHA256 (RFC 2104) of `message` under `key`, as 64 lowercase hex digits: what
// signs webhook deliveries.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

}  // namespace atlas
