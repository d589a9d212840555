// Decodes Niantic SPZ versions 2, 3 and 4 into a SplatCloud.

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/byte_reader.h"
#include "formats/splat_formats.h"
#include "formats/spz_layout.h"

namespace atlas {
namespace {

struct SpzHeader {
  std::uint32_t version = 0;
  std::uint32_t count = 0;
  int sh_degree = 0;
  int fractional_bits = 0;
  std::uint8_t flags = 0;
};

// The attribute arrays of a payload, each exactly the size the header implies.
struct SpzArrays {
  ByteView positions, alphas, colours, scales, rotations, sh;
};

struct ArraySizes {
  std::uint64_t positions, alphas, colours, scales, rotations, sh;
  std::uint64_t total() const { return positions + alphas + colours + scales + rotations + sh; }
};

ArraySizes array_sizes(const SpzHeader& header) {
  const std::uint64_t n = header.count;
  const std::uint64_t sh_per_splat =
      static_cast<std::uint64_t>(sh_rest_coefficients(header.sh_degree)) * 3;
  return {n * spz::kPositionBytes,
          n * spz::kAlphaBytes,
          n * spz::kColourBytes,
          n * spz::kScaleBytes,
          n * spz::rotation_bytes(header.version),
          n * sh_per_splat};
}

std::string str(std::uint64_t value) { return std::to_string(value); }

Result<SpzHeader> parse_header(ByteView payload) {
  ByteReader reader(payload);
  std::uint32_t magic = 0;
  SpzHeader header;
  std::uint8_t sh_degree = 0, fractional_bits = 0;
  if (!reader.read(magic) || !reader.read(header.version) || !reader.read(header.count) ||
      !reader.read(sh_degree) || !reader.read(fractional_bits) || !reader.read(header.flags)) {
    return make_error("SPZ: header is truncated (" + str(payload.size()) + " bytes)");
  }
  if (magic != spz::kMagic) return make_error("SPZ: wrong magic (expected NGSP)");
  if (header.version < 2 || header.version > 4) {
    return make_error("SPZ: unsupported version " + str(header.version) + " (2, 3 and 4 are read)");
  }
  if (sh_degree > 3) {
    return make_error("SPZ: unsupported SH degree " + str(sh_degree) + " (0 to 3 are read)");
  }
  if (fractional_bits > spz::kMaxFractionalBits) {
    return make_error("SPZ: " + str(fractional_bits) + " fractional position bits is out of range");
  }
  header.sh_degree = sh_degree;
  header.fractional_bits = fractional_bits;
  return header;
}

// Versions 2 and 3: the arrays follow the 16-byte header, after any extension records
// (flag 0x2). The records' layout has changed between reference releases, so rather
// than parse them they are skipped as whatever lies between the header and the arrays.
Result<SpzArrays> split_legacy(ByteView payload, const SpzHeader& header) {
  const ArraySizes sizes = array_sizes(header);
  const std::uint64_t available = payload.size() - spz::kLegacyHeaderBytes;
  if (sizes.total() > available) {
    return make_error("SPZ: payload is truncated: " + str(header.count) + " splats need " +
                      str(sizes.total()) + " bytes after the header, " + str(available) +
                      " present");
  }
  std::size_t offset = spz::kLegacyHeaderBytes;
  if (header.flags & spz::kFlagHasExtensions) offset += available - sizes.total();
  auto take = [&](std::uint64_t size) {
    const ByteView view = payload.subspan(offset, size);
    offset += size;
    return view;
  };
  SpzArrays arrays;
  arrays.positions = take(sizes.positions);
  arrays.alphas = take(sizes.alphas);
  arrays.colours = take(sizes.colours);
  arrays.scales = take(sizes.scales);
  arrays.rotations = take(sizes.rotations);
  arrays.sh = take(sizes.sh);
  return arrays;
}

// Version 4: header byte 15 counts the streams, bytes 16-19 give the table of contents'
// offset; the streams follow the table back to back in array order.
Result<SpzArrays> split_v4(ByteView file, const SpzHeader& header, std::array<Bytes, 6>& storage) {
  if (file.size() < spz::kV4HeaderBytes) return make_error("SPZ v4: header is truncated");
  const unsigned stream_count = file[15];
  std::uint32_t toc_offset = 0;
  std::memcpy(&toc_offset, file.data() + 16, sizeof toc_offset);

  const ArraySizes sizes = array_sizes(header);
  const std::array<std::uint64_t, 6> expected = {sizes.positions, sizes.alphas,    sizes.colours,
                                                 sizes.scales,    sizes.rotations, sizes.sh};
  const unsigned expected_streams = header.sh_degree > 0 ? 6 : 5;
  if (stream_count != expected_streams) {
    return make_error("SPZ v4: " + str(stream_count) + " streams where SH degree " +
                      str(header.sh_degree) + " needs " + str(expected_streams));
  }
  if (toc_offset < spz::kV4HeaderBytes ||
      toc_offset + std::uint64_t{stream_count} * spz::kV4TocEntryBytes > file.size()) {
    return make_error("SPZ v4: table of contents at byte " + str(toc_offset) +
                      " lies outside the file");
  }

  ByteReader toc(file.subspan(toc_offset, stream_count * spz::kV4TocEntryBytes));
  std::uint64_t data_offset = toc_offset + std::uint64_t{stream_count} * spz::kV4TocEntryBytes;
  std::array<std::uint64_t, 6> compressed_sizes{};
  for (unsigned i = 0; i < stream_count; ++i) {
    std::uint64_t uncompressed = 0;
    (void)toc.read(compressed_sizes[i]);
    (void)toc.read(uncompressed);
    if (uncompressed != expected[i]) {
      return make_error("SPZ v4: stream " + str(i) + " holds " + str(uncompressed) +
                        " bytes where " + str(header.count) + " splats need " + str(expected[i]));
    }
    if (compressed_sizes[i] > file.size() - data_offset) {
      return make_error("SPZ v4: stream " + str(i) + " (" + str(compressed_sizes[i]) +
                        " bytes) runs past the end of the file");
    }
    data_offset += compressed_sizes[i];
  }

  // Each stream may inflate to exactly the size the header implies and no more, so a
  // hostile count with small streams fails on the first short stream.
  if (sizes.total() > kMaxDecompressedBytes) {
    return make_error("SPZ v4: " + str(header.count) + " splats exceed the decompression limit");
  }
  data_offset = toc_offset + std::uint64_t{stream_count} * spz::kV4TocEntryBytes;
  for (unsigned i = 0; i < stream_count; ++i) {
    const ByteView compressed = file.subspan(data_offset, compressed_sizes[i]);
    data_offset += compressed_sizes[i];
    if (expected[i] == 0) continue;
    Result<Bytes> stream = zstd_decompress(compressed, expected[i]);
    if (!stream) return with_context("SPZ v4: stream " + str(i), stream.error());
    if (stream->size() != expected[i]) {
      return make_error("SPZ v4: stream " + str(i) + " decompresses to " + str(stream->size()) +
                        " bytes, the table says " + str(expected[i]));
    }
    storage[i] = std::move(stream).value();
  }
  SpzArrays arrays;
  arrays.positions = storage[0];
  arrays.alphas = storage[1];
  arrays.colours = storage[2];
  arrays.scales = storage[3];
  arrays.rotations = storage[4];
  arrays.sh = storage[5];
  return arrays;
}

// Decoded value of every byte, so the per-splat loops do no transcendental maths. The
// alpha bytes 0 and 255 go through logit's clamp: the reference makes them infinite.
struct ByteTables {
  std::array<float, 256> opacity_logit, sh_dc, log_scale, sh, rotation_component;
  ByteTables() {
    for (int b = 0; b < 256; ++b) {
      const float byte = static_cast<float>(b);
      opacity_logit[b] = logit(byte / 255.0f);
      sh_dc[b] = (byte / 255.0f - 0.5f) / spz::kColourScale;
      log_scale[b] = byte / spz::kScaleSteps - spz::kScaleOffset;
      sh[b] = spz::sh_from_byte(static_cast<std::uint8_t>(b));
      rotation_component[b] = byte / 127.5f - 1.0f;
    }
  }
};

const ByteTables& byte_tables() {
  static const ByteTables tables;
  return tables;
}

// Rescales to unit length only when the stored components are not already (hostile
// v3 data, or v2 xyz whose rounding put them just outside the unit ball).
Quat unit(Quat q) {
  const float norm2 = q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z;
  return std::fabs(norm2 - 1.0f) > 1e-5f ? normalized(q) : q;
}

// v2: x, y, z as bytes mapping [-1, 1]; w >= 0 follows from unit length.
Quat decode_first_three(const std::uint8_t* bytes, const ByteTables& tables) {
  const float x = tables.rotation_component[bytes[0]];
  const float y = tables.rotation_component[bytes[1]];
  const float z = tables.rotation_component[bytes[2]];
  const float w = std::sqrt(std::max(0.0f, 1.0f - (x * x + y * y + z * z)));
  return unit({w, x, y, z});
}

// v3+: a little-endian u32 whose top 2 bits index the largest component (0..3 = x, y,
// z, w) and whose remaining 30 bits hold the other three, last component lowest, each
// as a sign bit and 9 bits of magnitude in units of sqrt(1/2) / 511.
Quat decode_smallest_three(const std::uint8_t* bytes) {
  std::uint32_t packed = std::uint32_t{bytes[0]} | std::uint32_t{bytes[1]} << 8 |
                         std::uint32_t{bytes[2]} << 16 | std::uint32_t{bytes[3]} << 24;
  const unsigned largest = packed >> 30;
  float xyzw[4] = {};
  float sum_squares = 0;
  for (int i = 3; i >= 0; --i) {
    if (static_cast<unsigned>(i) == largest) continue;
    const float magnitude = spz::kSqrtHalf * static_cast<float>(packed & spz::kSmallestThreeMask) /
                            static_cast<float>(spz::kSmallestThreeMask);
    xyzw[i] = (packed >> 9) & 1u ? -magnitude : magnitude;
    sum_squares += xyzw[i] * xyzw[i];
    packed >>= 10;
  }
  xyzw[largest] = std::sqrt(std::max(0.0f, 1.0f - sum_squares));
  return unit({xyzw[3], xyzw[0], xyzw[1], xyzw[2]});
}

void decode_arrays(const SpzArrays& arrays, const SpzHeader& header, SplatCloud& cloud) {
  const ByteTables& tables = byte_tables();
  const std::size_t n = header.count;
  const float position_scale = 1.0f / static_cast<float>(1u << header.fractional_bits);
  const std::uint8_t* p = arrays.positions.data();
  auto fixed24 = [&](std::size_t at) {
    std::uint32_t raw =
        std::uint32_t{p[at]} | std::uint32_t{p[at + 1]} << 8 | std::uint32_t{p[at + 2]} << 16;
    if (raw & 0x800000u) raw |= 0xff000000u;
    return static_cast<float>(static_cast<std::int32_t>(raw)) * position_scale;
  };
  const std::uint8_t* alphas = arrays.alphas.data();
  const std::uint8_t* colours = arrays.colours.data();
  const std::uint8_t* scales = arrays.scales.data();
  const std::uint8_t* rotations = arrays.rotations.data();
  const bool smallest_three = header.version >= 3;
  for (std::size_t i = 0; i < n; ++i) {
    cloud.positions[i] = {fixed24(i * 9), fixed24(i * 9 + 3), fixed24(i * 9 + 6)};
    cloud.opacity_logits[i] = tables.opacity_logit[alphas[i]];
    cloud.sh_dc[i] = {tables.sh_dc[colours[i * 3]], tables.sh_dc[colours[i * 3 + 1]],
                      tables.sh_dc[colours[i * 3 + 2]]};
    cloud.log_scales[i] = {tables.log_scale[scales[i * 3]], tables.log_scale[scales[i * 3 + 1]],
                           tables.log_scale[scales[i * 3 + 2]]};
    cloud.rotations[i] = smallest_three ? decode_smallest_three(rotations + i * 4)
                                        : decode_first_three(rotations + i * 3, tables);
  }
  // SPZ and SplatCloud both order SH per splat as [coefficient][channel].
  const std::uint8_t* sh = arrays.sh.data();
  for (std::size_t k = 0; k < arrays.sh.size(); ++k) cloud.sh_rest[k] = tables.sh[sh[k]];
}

const char* wrapper_name(Compression compression) {
  switch (compression) {
    case Compression::Gzip:
      return "gzip";
    case Compression::Zstd:
      return "zstd";
    case Compression::None:
      break;
  }
  return "uncompressed";
}

}  // namespace

Result<SplatCloud> decode_spz(ByteView bytes, FormatDetails* details) {
  const Compression wrapper = detect_compression(bytes);
  Bytes decompressed;
  ByteView payload = bytes;
  if (wrapper != Compression::None) {
    Result<Bytes> inflated = decompress_any(bytes, kMaxDecompressedBytes);
    if (!inflated) return with_context("SPZ", inflated.error());
    decompressed = std::move(inflated).value();
    payload = decompressed;
  }
  Result<SpzHeader> header = parse_header(payload);
  if (!header) return header.error();
  if (header->count == 0) return make_error("SPZ: file holds no splats");
  if (header->version >= 4 && wrapper != Compression::None) {
    return make_error("SPZ v4 must not be wrapped in " + std::string(wrapper_name(wrapper)));
  }
  if (header->version < 4 && payload.size() < spz::kLegacyHeaderBytes) {
    return make_error("SPZ: header is truncated");
  }

  std::array<Bytes, 6> v4_storage;
  Result<SpzArrays> arrays = header->version >= 4 ? split_v4(payload, *header, v4_storage)
                                                  : split_legacy(payload, *header);
  if (!arrays) return arrays.error();

  SplatCloud cloud;
  cloud.sh_degree = header->sh_degree;
  cloud.resize(header->count);
  decode_arrays(*arrays, *header, cloud);
  if (std::string problem = cloud.validate(); !problem.empty()) {
    return make_error("SPZ: " + problem);
  }

  if (details) {
    details->format = Format::Spz;
    details->description =
        "SPZ v" + str(header->version) + ", " +
        (header->version >= 4 ? std::string("zstd streams") : wrapper_name(wrapper)) +
        ", SH degree " + str(header->sh_degree) +
        (header->flags & spz::kFlagAntialiased ? ", antialiased" : "");
  }
  return cloud;
}

}  // namespace atlas
