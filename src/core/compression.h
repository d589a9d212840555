#pragma once
// gzip and zstd streams, with a hard cap on output so a small hostile file cannot
// inflate into an unbounded allocation.

#include <cstdint>

#include "core/file_io.h"
#include "core/result.h"

namespace atlas {

enum class Compression { None, Gzip, Zstd };

// Sniffs the wrapper from magic bytes: gzip 1f 8b, zstd 28 b5 2f fd.
Compression detect_compression(ByteView bytes);

// Decompresses a gzip (or raw zlib) stream. Fails if the stream is corrupt, truncated,
// or would inflate beyond max_output bytes.
Result<Bytes> gunzip(ByteView compressed, std::uint64_t max_output);

// Decompresses one or more zstd frames, with the same failure rules as gunzip.
Result<Bytes> zstd_decompress(ByteView compressed, std::uint64_t max_output);

// Decompresses according to detect_compression; Compression::None returns a copy.
Result<Bytes> decompress_any(ByteView bytes, std::uint64_t max_output);

// Compresses into one gzip member (as Niantic's SPZ writer does; libdeflate, level 1-12)
// or a zstd frame (level 1-19).
Bytes gzip_compress(ByteView raw, int level = 6);
Bytes zstd_compress(ByteView raw, int level = 3);

// A zlib stream (RFC 1950, as PNG's IDAT holds; libdeflate, level 1-12).
Bytes zlib_compress(ByteView raw, int level = 6);

// CRC-32 (ISO 3309, as gzip and PNG use) of `bytes`, continuing from `crc` (0 to start).
std::uint32_t crc32(ByteView bytes, std::uint32_t crc = 0);

// The cap the format readers use for any decompressed payload: 2 GiB.
inline constexpr std::uint64_t kMaxDecompressedBytes = std::uint64_t{2} << 30;

}  // namespace atlas
