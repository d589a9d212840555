#pragma once
// Whole-file reads and atomic writes.

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "core/result.h"

namespace atlas {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Reads a whole regular file. Fails (message names the path) if it cannot be opened,
// is not a regular file, or is larger than max_bytes.
Result<Bytes> read_file(const std::filesystem::path& path,
                        std::uint64_t max_bytes = std::uint64_t{4} << 30);

// Writes bytes to a temporary file beside `path` and renames it into place, so a reader
// never sees a half-written file and a crash leaves the old file intact.
Status write_file_atomic(const std::filesystem::path& path, ByteView bytes);

// Lower-case extension without the dot ("Model.GLB" -> "glb").
std::string lower_extension(const std::filesystem::path& path);

}  // namespace atlas
