#pragma once
// The SPZ payload layout and quantisation shared by the SPZ reader and writer, as
// Niantic's reference (nianticlabs/spz, load-spz.cc) defines them.
//
// Versions 2 and 3: the whole payload (header, then each attribute array in turn) sits
// in one gzip member (Niantic) or zstd frame (404). Version 4: a plain 32-byte header,
// optional extension records, a table of contents of (compressed size, uncompressed
// size) u64 pairs, then each attribute array as its own zstd frame.
//
// Axes: SPZ stores right/up/back, which is Atlas's frame, so nothing is converted.
// 404's files agree: 404-robocop.spz decodes to a figure standing along +Y, head up,
// facing +Z (checked in tests/formats/spz_test.cpp).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace atlas::spz {

inline constexpr std::uint32_t kMagic = 0x5053474e;  // "NGSP" little-endian
inline constexpr std::size_t kLegacyHeaderBytes = 16;
inline constexpr std::size_t kV4HeaderBytes = 32;
inline constexpr std::size_t kV4TocEntryBytes = 16;
inline constexpr std::uint8_t kFlagAntialiased = 0x1;
inline constexpr std::uint8_t kFlagHasExtensions = 0x2;

// Niantic always writes 12 fractional bits (about 0.25 mm over +-2 km).
inline constexpr int kWriterFractionalBits = 12;
// Positions are signed 24-bit integers; more fractional bits than that leaves no range.
inline constexpr int kMaxFractionalBits = 23;

// DC colours are stored as sh_dc * kColourScale + 0.5 rather than with the true SH
// constant, so bright colours brought back in range by higher bands still fit a byte.
inline constexpr float kColourScale = 0.15f;

// Log-scales are stored as (log_scale + kScaleOffset) * kScaleSteps.
inline constexpr float kScaleOffset = 10.0f;
inline constexpr float kScaleSteps = 16.0f;

// The writer quantises degree-1 SH to 5 significant bits and higher degrees to 4 (the
// payload still spends a byte on each), which is what Niantic's packer does by default.
inline constexpr int kSh1Bits = 5;
inline constexpr int kShRestBits = 4;
inline constexpr int kSh1Coefficients = 3;

// Bytes per splat of each attribute array.
inline constexpr std::size_t kPositionBytes = 9;
inline constexpr std::size_t kAlphaBytes = 1;
inline constexpr std::size_t kColourBytes = 3;
inline constexpr std::size_t kScaleBytes = 3;
inline constexpr std::size_t rotation_bytes(std::uint32_t version) { return version >= 3 ? 4 : 3; }

// Largest absolute value a non-largest component of a unit quaternion can have.
inline constexpr float kSqrtHalf = 0.70710678118654752f;
inline constexpr std::uint32_t kSmallestThreeMask = (1u << 9) - 1;

inline std::uint8_t to_byte(float value) {
  return static_cast<std::uint8_t>(std::clamp(std::round(value), 0.0f, 255.0f));
}

inline float sh_from_byte(std::uint8_t value) {
  return (static_cast<float>(value) - 128.0f) / 128.0f;
}

// Rounds to 8 bits, then to the centre of a bucket of `bucket_size` codes; 0 stays exact.
inline std::uint8_t sh_to_byte(float value, int bucket_size) {
  const float scaled = std::clamp(std::round(value * 128.0f) + 128.0f, -1024.0f, 1024.0f);
  int code = static_cast<int>(scaled);
  code = (code + bucket_size / 2) / bucket_size * bucket_size;
  return static_cast<std::uint8_t>(std::clamp(code, 0, 255));
}

}  // namespace atlas::spz
