// Encodes a SplatCloud as SPZ version 2 or 3 with Niantic's quantisation.

#include <cmath>
#include <cstdint>
#include <cstring>

#include "formats/splat_formats.h"
#include "formats/spz_layout.h"

namespace atlas {
namespace {

void append_u32(Bytes& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

// Positions beyond the 24-bit range are clamped to its ends; the reference lets them
// wrap around, which moves a far splat to the opposite side of the scene.
void append_fixed24(std::uint8_t* out, float value) {
  constexpr float kLimit = static_cast<float>(1 << 23);
  const float scaled = std::round(value * static_cast<float>(1 << spz::kWriterFractionalBits));
  const auto fixed = static_cast<std::int32_t>(std::clamp(scaled, -kLimit, kLimit - 1.0f));
  const auto raw = static_cast<std::uint32_t>(fixed);
  out[0] = static_cast<std::uint8_t>(raw);
  out[1] = static_cast<std::uint8_t>(raw >> 8);
  out[2] = static_cast<std::uint8_t>(raw >> 16);
}

// v2: x, y, z of the unit quaternion with w made non-negative, each mapped to a byte.
void pack_first_three(std::uint8_t* out, Quat rotation) {
  const Quat q = normalized(rotation);
  const float sign = q.w < 0 ? -127.5f : 127.5f;
  out[0] = spz::to_byte(q.x * sign + 127.5f);
  out[1] = spz::to_byte(q.y * sign + 127.5f);
  out[2] = spz::to_byte(q.z * sign + 127.5f);
}

// v3: smallest-three, the layout decode_smallest_three reads. The largest component
// (first one on ties) is made positive so its sign need not be stored.
void pack_smallest_three(std::uint8_t* out, Quat rotation) {
  const Quat unit = normalized(rotation);
  const float xyzw[4] = {unit.x, unit.y, unit.z, unit.w};
  unsigned largest = 0;
  for (unsigned i = 1; i < 4; ++i) {
    if (std::fabs(xyzw[i]) > std::fabs(xyzw[largest])) largest = i;
  }
  const bool negate = xyzw[largest] < 0;
  std::uint32_t packed = largest;
  for (unsigned i = 0; i < 4; ++i) {
    if (i == largest) continue;
    const std::uint32_t sign = (xyzw[i] < 0) != negate ? 1u : 0u;
    // Rounding can put a component a hair above sqrt(1/2); the clamp keeps it from
    // spilling into the sign bit.
    const auto magnitude =
        std::min(spz::kSmallestThreeMask,
                 static_cast<std::uint32_t>(static_cast<float>(spz::kSmallestThreeMask) *
                                                (std::fabs(xyzw[i]) / spz::kSqrtHalf) +
                                            0.5f));
    packed = (packed << 10) | (sign << 9) | magnitude;
  }
  for (int b = 0; b < 4; ++b) out[b] = static_cast<std::uint8_t>(packed >> (8 * b));
}

}  // namespace

Bytes encode_spz(const SplatCloud& cloud, int version, Compression compression) {
  const std::uint32_t spz_version = version >= 3 ? 3 : 2;
  const std::size_t n = cloud.size();
  const std::size_t rotation_bytes = spz::rotation_bytes(spz_version);
  const std::size_t coefficients = static_cast<std::size_t>(sh_rest_coefficients(cloud.sh_degree));

  Bytes payload;
  payload.reserve(spz::kLegacyHeaderBytes +
                  n * (spz::kPositionBytes + spz::kAlphaBytes + spz::kColourBytes +
                       spz::kScaleBytes + rotation_bytes + coefficients * 3));
  append_u32(payload, spz::kMagic);
  append_u32(payload, spz_version);
  append_u32(payload, static_cast<std::uint32_t>(n));
  payload.push_back(static_cast<std::uint8_t>(cloud.sh_degree));
  payload.push_back(static_cast<std::uint8_t>(spz::kWriterFractionalBits));
  payload.push_back(0);  // flags: Atlas does not track antialiased training
  payload.push_back(0);  // reserved

  std::size_t at = payload.size();
  payload.resize(at + n * spz::kPositionBytes);
  for (std::size_t i = 0; i < n; ++i, at += spz::kPositionBytes) {
    append_fixed24(&payload[at], cloud.positions[i].x);
    append_fixed24(&payload[at + 3], cloud.positions[i].y);
    append_fixed24(&payload[at + 6], cloud.positions[i].z);
  }
  for (std::size_t i = 0; i < n; ++i) {
    payload.push_back(spz::to_byte(sigmoid(cloud.opacity_logits[i]) * 255.0f));
  }
  const auto colour_byte = [](float dc) {
    return spz::to_byte(dc * (spz::kColourScale * 255.0f) + 0.5f * 255.0f);
  };
  for (const Vec3& dc : cloud.sh_dc) {
    payload.push_back(colour_byte(dc.x));
    payload.push_back(colour_byte(dc.y));
    payload.push_back(colour_byte(dc.z));
  }
  const auto scale_byte = [](float log_scale) {
    return spz::to_byte((log_scale + spz::kScaleOffset) * spz::kScaleSteps);
  };
  for (const Vec3& s : cloud.log_scales) {
    payload.push_back(scale_byte(s.x));
    payload.push_back(scale_byte(s.y));
    payload.push_back(scale_byte(s.z));
  }
  at = payload.size();
  payload.resize(at + n * rotation_bytes);
  for (std::size_t i = 0; i < n; ++i, at += rotation_bytes) {
    if (spz_version >= 3) {
      pack_smallest_three(&payload[at], cloud.rotations[i]);
    } else {
      pack_first_three(&payload[at], cloud.rotations[i]);
    }
  }
  const int sh1_bucket = 1 << (8 - spz::kSh1Bits);
  const int rest_bucket = 1 << (8 - spz::kShRestBits);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < coefficients; ++k) {
      const int bucket = k < spz::kSh1Coefficients ? sh1_bucket : rest_bucket;
      for (std::size_t c = 0; c < 3; ++c) {
        payload.push_back(spz::sh_to_byte(cloud.sh_rest[(i * coefficients + k) * 3 + c], bucket));
      }
    }
  }

  switch (compression) {
    case Compression::Gzip:
      return gzip_compress(payload);
    case Compression::Zstd:
      return zstd_compress(payload);
    case Compression::None:
      break;
  }
  return payload;
}

}  // namespace atlas
