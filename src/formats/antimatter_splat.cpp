// antimatter15 .splat: a headerless array of 32-byte records.

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "formats/splat_formats.h"

namespace atlas {

namespace {

constexpr std::size_t kRecordBytes = 32;

// Zero and negative scales cannot be stored as logs; real files get them when a tiny
// exp(log_scale) underflowed, so they become the smallest scale instead.
constexpr float kMinScale = 1e-30f;

float decode_log_scale(float scale) {
  if (std::isnan(scale)) return scale;  // left for validate() to report
  return std::log(std::max(scale, kMinScale));
}

float load_float_le(const std::uint8_t* p) {
  const std::uint32_t bits = std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) |
                             (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
  return std::bit_cast<float>(bits);
}

// exp() of a log-scale near the top of the float range can round up to infinity, which
// no reader would accept back.
float encode_scale(float log_scale) {
  return std::fmin(std::exp(log_scale), std::numeric_limits<float>::max());
}

// value in [0, 1] (clamped) to a byte, rounding; NaN becomes 0.
std::uint8_t unit_to_byte(float value) {
  if (!(value == value)) return 0;
  return static_cast<std::uint8_t>(std::lround(std::clamp(value, 0.0f, 1.0f) * 255.0f));
}

// Quaternion component in [-1, 1] to a byte as q * 128 + 128, clamped.
std::uint8_t rotation_to_byte(float value) {
  if (!(value == value)) return 128;
  return static_cast<std::uint8_t>(std::clamp(std::lround(value * 128.0f + 128.0f), 0L, 255L));
}

}  // namespace

Result<SplatCloud> decode_antimatter_splat(ByteView bytes, FormatDetails* details) {
  if (bytes.empty()) return make_error(".splat has zero splats");
  if (bytes.size() % kRecordBytes != 0) {
    return make_error(".splat size " + std::to_string(bytes.size()) +
                      " is not a multiple of 32 bytes");
  }
  const std::size_t count = bytes.size() / kRecordBytes;
  SplatCloud cloud;
  cloud.resize(count);
  const std::uint8_t* record = bytes.data();
  for (std::size_t i = 0; i < count; ++i, record += kRecordBytes) {
    float numbers[6];
    for (int k = 0; k < 6; ++k) numbers[k] = load_float_le(record + 4 * k);
    const std::uint8_t* colour = record + 24;
    const std::uint8_t* rotation = record + 28;
    cloud.positions[i] = {numbers[0], numbers[1], numbers[2]};
    cloud.log_scales[i] = {decode_log_scale(numbers[3]), decode_log_scale(numbers[4]),
                           decode_log_scale(numbers[5])};
    cloud.sh_dc[i] = {sh_dc_from_colour(colour[0] / 255.0f), sh_dc_from_colour(colour[1] / 255.0f),
                      sh_dc_from_colour(colour[2] / 255.0f)};
    cloud.opacity_logits[i] = logit(colour[3] / 255.0f);
    const auto component = [&](int index) { return (rotation[index] - 128) / 128.0f; };
    cloud.rotations[i] = normalized({component(0), component(1), component(2), component(3)});
  }
  if (std::string problem = cloud.validate(); !problem.empty())
    return make_error(".splat " + problem);
  if (details) {
    details->format = Format::AntimatterSplat;
    details->description = "antimatter15 .splat";
  }
  return cloud;
}

Bytes encode_antimatter_splat(const SplatCloud& cloud) {
  Bytes bytes(cloud.size() * kRecordBytes);
  std::uint8_t* record = bytes.data();
  for (std::size_t i = 0; i < cloud.size(); ++i, record += kRecordBytes) {
    const Vec3 p = cloud.positions[i];
    const Vec3 s = cloud.log_scales[i];
    const float numbers[6] = {
        p.x, p.y, p.z, encode_scale(s.x), encode_scale(s.y), encode_scale(s.z)};
    for (int k = 0; k < 6; ++k) {
      const auto bits = std::bit_cast<std::uint32_t>(numbers[k]);
      for (int b = 0; b < 4; ++b) record[k * 4 + b] = static_cast<std::uint8_t>(bits >> (8 * b));
    }
    const Vec3 dc = cloud.sh_dc[i];
    record[24] = unit_to_byte(colour_from_sh_dc(dc.x));
    record[25] = unit_to_byte(colour_from_sh_dc(dc.y));
    record[26] = unit_to_byte(colour_from_sh_dc(dc.z));
    record[27] = unit_to_byte(sigmoid(cloud.opacity_logits[i]));
    const Quat q = normalized(cloud.rotations[i]);
    record[28] = rotation_to_byte(q.w);
    record[29] = rotation_to_byte(q.x);
    record[30] = rotation_to_byte(q.y);
    record[31] = rotation_to_byte(q.z);
  }
  return bytes;
}

}  // namespace atlas
