#include "core/compression.h"

#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

namespace atlas {

Compression detect_compression(ByteView bytes) {
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return Compression::Gzip;
  if (bytes.size() >= 4 && bytes[0] == 0x28 && bytes[1] == 0xb5 && bytes[2] == 0x2f &&
      bytes[3] == 0xfd) {
    return Compression::Zstd;
  }
  return Compression::None;
}

namespace {

std::string cap_message(std::uint64_t max_output) {
  return "decompressed data exceeds the limit of " + std::to_string(max_output) + " bytes";
}

}  // namespace

namespace {

// libdeflate inflates several times faster than zlib but needs the output size up front.
// A single-member gzip file states it in its trailer (ISIZE, the size mod 2^32), so
// try that; nullopt means "use zlib's streaming path", which also handles multi-member
// files and reports truncation and corruption precisely.
std::optional<Bytes> gunzip_single_member(ByteView compressed, std::uint64_t max_output) {
  if (compressed.size() < 18) return std::nullopt;
  std::uint32_t declared = 0;
  std::memcpy(&declared, compressed.data() + compressed.size() - 4, 4);
  // Deflate expands at most about 1032:1; a larger claim is not worth trusting.
  if (declared > max_output || declared / 1032 > compressed.size()) return std::nullopt;
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> decompressor(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (!decompressor) return std::nullopt;
  Bytes out(declared);
  std::size_t consumed = 0, produced = 0;
  const libdeflate_result result =
      libdeflate_gzip_decompress_ex(decompressor.get(), compressed.data(), compressed.size(),
                                    out.data(), out.size(), &consumed, &produced);
  if (result != LIBDEFLATE_SUCCESS || consumed != compressed.size() || produced != out.size()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

Result<Bytes> gunzip(ByteView compressed, std::uint64_t max_output) {
  if (auto fast = gunzip_single_member(compressed, max_output)) return std::move(*fast);

  z_stream stream{};
  // 15 + 32: accept gzip or zlib headers.
  if (inflateInit2(&stream, 15 + 32) != Z_OK) return make_error("gzip: cannot initialise zlib");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&stream, inflateEnd);

  Bytes out;
  out.reserve(std::min<std::uint64_t>(compressed.size() * 4 + 1024, max_output));
  stream.next_in = const_cast<Bytef*>(compressed.data());
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::uint8_t chunk[1 << 16];
  int code = Z_OK;
  while (code != Z_STREAM_END) {
    stream.next_out = chunk;
    stream.avail_out = sizeof(chunk);
    code = inflate(&stream, Z_NO_FLUSH);
    if (code != Z_OK && code != Z_STREAM_END) {
      if (code == Z_BUF_ERROR) return make_error("gzip: stream is truncated");
      return make_error(std::string("gzip: corrupt stream (") +
                        (stream.msg ? stream.msg : "zlib error") + ")");
    }
    const std::size_t produced = sizeof(chunk) - stream.avail_out;
    if (out.size() + produced > max_output) return make_error("gzip: " + cap_message(max_output));
    out.insert(out.end(), chunk, chunk + produced);
    if (code == Z_OK && produced == 0 && stream.avail_in == 0) {
      return make_error("gzip: stream is truncated");
    }
    // A gzip file may hold several members; keep going if more input follows.
    if (code == Z_STREAM_END && stream.avail_in > 0) {
      if (inflateReset(&stream) != Z_OK) return make_error("gzip: cannot reset stream");
      code = Z_OK;
    }
  }
  return out;
}

Result<Bytes> zstd_decompress(ByteView compressed, std::uint64_t max_output) {
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!context) return make_error("zstd: cannot create context");
  Bytes out;
  const unsigned long long declared =
      ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (declared != ZSTD_CONTENTSIZE_ERROR && declared != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (declared > max_output) return make_error("zstd: " + cap_message(max_output));
    // The declared size is only a claim: reserve no more than the input could honestly
    // expand to, so a tiny hostile frame cannot make us allocate gigabytes up front.
    out.reserve(std::min<std::uint64_t>(declared, compressed.size() * 64 + (1 << 20)));
  }
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  std::uint8_t chunk[1 << 16];
  std::size_t last = 1;
  while (input.pos < input.size) {
    ZSTD_outBuffer output{chunk, sizeof(chunk), 0};
    last = ZSTD_decompressStream(context.get(), &output, &input);
    if (ZSTD_isError(last)) {
      return make_error(std::string("zstd: corrupt stream (") + ZSTD_getErrorName(last) + ")");
    }
    if (out.size() + output.pos > max_output) return make_error("zstd: " + cap_message(max_output));
    out.insert(out.end(), chunk, chunk + output.pos);
    if (output.pos == 0 && input.pos == input.size) break;
  }
  // Flush what the decoder still holds once all input is consumed.
  while (last != 0) {
    ZSTD_outBuffer output{chunk, sizeof(chunk), 0};
    last = ZSTD_decompressStream(context.get(), &output, &input);
    if (ZSTD_isError(last)) {
      return make_error(std::string("zstd: corrupt stream (") + ZSTD_getErrorName(last) + ")");
    }
    if (output.pos == 0) break;
    if (out.size() + output.pos > max_output) return make_error("zstd: " + cap_message(max_output));
    out.insert(out.end(), chunk, chunk + output.pos);
  }
  if (last != 0) return make_error("zstd: stream is truncated");
  return out;
}

Result<Bytes> decompress_any(ByteView bytes, std::uint64_t max_output) {
  switch (detect_compression(bytes)) {
    case Compression::Gzip:
      return gunzip(bytes, max_output);
    case Compression::Zstd:
      return zstd_decompress(bytes, max_output);
    case Compression::None:
      break;
  }
  if (bytes.size() > max_output) return make_error(cap_message(max_output));
  return Bytes(bytes.begin(), bytes.end());
}

namespace {

// One libdeflate compression in the wrapper `bound` and `compress` write.
Bytes deflate_wrapped(ByteView raw, int level,
                      std::size_t (*bound)(libdeflate_compressor*, std::size_t),
                      std::size_t (*compress)(libdeflate_compressor*, const void*, std::size_t,
                                              void*, std::size_t)) {
  std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> compressor(
      libdeflate_alloc_compressor(level), libdeflate_free_compressor);
  Bytes out(bound(compressor.get(), raw.size()));
  out.resize(compress(compressor.get(), raw.data(), raw.size(), out.data(), out.size()));
  return out;
}

}  // namespace

Bytes gzip_compress(ByteView raw, int level) {
  return deflate_wrapped(raw, level, libdeflate_gzip_compress_bound, libdeflate_gzip_compress);
}

Bytes zlib_compress(ByteView raw, int level) {
  return deflate_wrapped(raw, level, libdeflate_zlib_compress_bound, libdeflate_zlib_compress);
}

std::uint32_t crc32(ByteView bytes, std::uint32_t crc) {
  return libdeflate_crc32(crc, bytes.data(), bytes.size());
}

Bytes zstd_compress(ByteView raw, int level) {
  Bytes out(ZSTD_compressBound(raw.size()));
  const std::size_t size = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), level);
  out.resize(ZSTD_isError(size) ? 0 : size);
  return out;
}

}  // namespace atlas
