#pragma once
// Zip archives with every file stored (no compression), each file's data starting at a
// multiple of a given alignment: the container USDZ packages use.

#include <cstddef>
#include <vector>

#include "core/file_io.h"
#include "core/result.h"
#include "formats/mesh_formats.h"

namespace atlas {

// Writes `files` in order as one zip archive: local headers with CRC-32 and sizes, the
// data of each file at a multiple of `alignment` bytes from the start (a power of two
// from 1 to 32768; the padding is an extra field of ID 0x1986 in the local header),
// then the central directory and its end record. Dates are 1980-01-01 00:00 and there
// is no comment, so the same files give the same bytes. Fails on an invalid alignment,
// an empty name or one longer than 65535 bytes, more than 65535 files, or an archive of
// 4 GiB or more (no Zip64).
Result<Bytes> build_stored_zip(const std::vector<OutputFile>& files, std::size_t alignment);

}  // namespace atlas
