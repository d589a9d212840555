#include "formats/zip_store.h"

#include <cstdint>
#include <limits>

#include "core/compression.h"

namespace atlas {

namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr std::uint16_t kPaddingFieldId = 0x1986;
constexpr std::uint16_t kVersionStored = 10;  // zip 1.0: stored entries only
constexpr std::uint16_t kDosDate1980 = (1 << 5) | 1;
constexpr std::size_t kLocalHeaderBytes = 30;
constexpr std::size_t kExtraFieldHeaderBytes = 4;

void put16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}

void put32(Bytes& out, std::uint32_t value) {
  put16(out, static_cast<std::uint16_t>(value));
  put16(out, static_cast<std::uint16_t>(value >> 16));
}

// The fields local and central headers share, from "version needed" to "extra length".
void put_common(Bytes& out, std::uint32_t crc, std::uint32_t size, std::uint16_t name_bytes,
                std::uint16_t extra_bytes) {
  put16(out, kVersionStored);
  put16(out, 0);  // flags
  put16(out, 0);  // method: stored
  put16(out, 0);  // time
  put16(out, kDosDate1980);
  put32(out, crc);
  put32(out, size);  // compressed
  put32(out, size);  // uncompressed
  put16(out, name_bytes);
  put16(out, extra_bytes);
}

}  // namespace

Result<Bytes> build_stored_zip(const std::vector<OutputFile>& files, std::size_t alignment) {
  if (alignment == 0 || alignment > 32768 || (alignment & (alignment - 1)) != 0)
    return make_error("zip: alignment must be a power of two from 1 to 32768");
  if (files.size() > std::numeric_limits<std::uint16_t>::max())
    return make_error("zip: more than 65535 files");
  constexpr std::uint64_t kLimit = std::numeric_limits<std::uint32_t>::max();
  Bytes out;
  std::vector<std::uint32_t> offsets, crcs;
  for (const OutputFile& file : files) {
    if (file.name.empty() || file.name.size() > std::numeric_limits<std::uint16_t>::max())
      return make_error("zip: a file name must have 1 to 65535 bytes");
    const std::size_t unpadded = out.size() + kLocalHeaderBytes + file.name.size();
    std::size_t padding = (alignment - unpadded % alignment) % alignment;
    // An extra field needs room for its own 4-byte header.
    if (padding != 0 && padding < kExtraFieldHeaderBytes) padding += alignment;
    if (unpadded + padding + file.bytes.size() >= kLimit)
      return make_error("zip: the archive would reach 4 GiB");
    offsets.push_back(static_cast<std::uint32_t>(out.size()));
    crcs.push_back(crc32(file.bytes));
    put32(out, kLocalHeader);
    put_common(out, crcs.back(), static_cast<std::uint32_t>(file.bytes.size()),
               static_cast<std::uint16_t>(file.name.size()), static_cast<std::uint16_t>(padding));
    out.insert(out.end(), file.name.begin(), file.name.end());
    if (padding != 0) {
      put16(out, kPaddingFieldId);
      put16(out, static_cast<std::uint16_t>(padding - kExtraFieldHeaderBytes));
      out.resize(out.size() + padding - kExtraFieldHeaderBytes, 0);
    }
    out.insert(out.end(), file.bytes.begin(), file.bytes.end());
  }
  const std::size_t directory_start = out.size();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const OutputFile& file = files[i];
    put32(out, kCentralHeader);
    put16(out, kVersionStored);  // made by: MS-DOS attributes, zip 1.0
    put_common(out, crcs[i], static_cast<std::uint32_t>(file.bytes.size()),
               static_cast<std::uint16_t>(file.name.size()), 0);
    put16(out, 0);  // comment length
    put16(out, 0);  // disk
    put16(out, 0);  // internal attributes
    put32(out, 0);  // external attributes
    put32(out, offsets[i]);
    out.insert(out.end(), file.name.begin(), file.name.end());
  }
  const std::size_t directory_bytes = out.size() - directory_start;
  if (out.size() + 22 >= kLimit) return make_error("zip: the archive would reach 4 GiB");
  put32(out, kEndOfCentralDirectory);
  put16(out, 0);  // this disk
  put16(out, 0);  // disk with the directory
  put16(out, static_cast<std::uint16_t>(files.size()));
  put16(out, static_cast<std::uint16_t>(files.size()));
  put32(out, static_cast<std::uint32_t>(directory_bytes));
  put32(out, static_cast<std::uint32_t>(directory_start));
  put16(out, 0);  // comment length
  return out;
}

}  // namespace atlas
