#include "render/texture_sampler.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace atlas::render {

namespace {

constexpr int kNearest = 9728;
constexpr int kClampToEdge = 33071;
constexpr int kMirroredRepeat = 33648;

// Enough steps that neighbouring entries never differ by more than one 8-bit level
// except in the steep linear toe of the curve.
constexpr int kEncodeSteps = 16384;

float decode_srgb(float encoded) {
  return encoded <= 0.04045f ? encoded / 12.92f : std::pow((encoded + 0.055f) / 1.055f, 2.4f);
}

float encode_srgb(float linear) {
  return linear <= 0.0031308f ? linear * 12.92f : 1.055f * std::pow(linear, 1.0f / 2.4f) - 0.055f;
}

const std::array<float, 256>& decode_table() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int i = 0; i < 256; ++i) t[i] = decode_srgb(static_cast<float>(i) / 255.0f);
    return t;
  }();
  return table;
}

const std::array<std::uint8_t, kEncodeSteps + 1>& encode_table() {
  static const std::array<std::uint8_t, kEncodeSteps + 1> table = [] {
    std::array<std::uint8_t, kEncodeSteps + 1> t{};
    for (int i = 0; i <= kEncodeSteps; ++i) {
      const float encoded = encode_srgb(static_cast<float>(i) / kEncodeSteps);
      t[i] = static_cast<std::uint8_t>(std::lround(std::clamp(encoded, 0.0f, 1.0f) * 255.0f));
    }
    return t;
  }();
  return table;
}

// Reduces a texture coordinate to a range where texel indices cannot overflow, without
// changing which texels it reaches under the wrap mode.
float reduce(float coordinate, int wrap) {
  if (wrap == kClampToEdge) return std::clamp(coordinate, -1.0f, 2.0f);
  if (wrap == kMirroredRepeat) return coordinate - 2.0f * std::floor(coordinate * 0.5f);
  return coordinate - std::floor(coordinate);
}

int wrap_index(int index, int size, int wrap) {
  if (index >= 0 && index < size) return index;  // nearly every texel: no division
  if (wrap == kClampToEdge) return std::clamp(index, 0, size - 1);
  if (wrap == kMirroredRepeat) {
    const int period = 2 * size;
    const int m = ((index % period) + period) % period;
    return m < size ? m : period - 1 - m;
  }
  return ((index % size) + size) % size;
}

template <int kChannels>
Vec4 texel(const Image& image, int x, int y, const std::array<float, 256>& decode) {
  const std::uint8_t* p = image.at(x, y);
  if constexpr (kChannels == 1) {
    return {decode[p[0]], decode[p[0]], decode[p[0]], 1.0f};
  } else if constexpr (kChannels == 2) {
    return {decode[p[0]], decode[p[0]], decode[p[0]], p[1] / 255.0f};
  } else if constexpr (kChannels == 3) {
    return {decode[p[0]], decode[p[1]], decode[p[2]], 1.0f};
  } else {
    return {decode[p[0]], decode[p[1]], decode[p[2]], p[3] / 255.0f};
  }
}

// Bilinear filtering of an image with kChannels channels; a template so the texel reads
// are inlined with no per-texel switch on the channel count.
template <int kChannels>
Vec4 bilinear(const Image& image, const Sampler& sampler, float u, float v) {
  const float fx = u - 0.5f, fy = v - 0.5f;
  const float x_floor = std::floor(fx), y_floor = std::floor(fy);
  const float wx = fx - x_floor, wy = fy - y_floor;
  const int x0 = wrap_index(static_cast<int>(x_floor), image.width, sampler.wrap_s);
  const int x1 = wrap_index(static_cast<int>(x_floor) + 1, image.width, sampler.wrap_s);
  const int y0 = wrap_index(static_cast<int>(y_floor), image.height, sampler.wrap_t);
  const int y1 = wrap_index(static_cast<int>(y_floor) + 1, image.height, sampler.wrap_t);
  const auto& decode = decode_table();
  const Vec4 a = texel<kChannels>(image, x0, y0, decode);
  const Vec4 b = texel<kChannels>(image, x1, y0, decode);
  const Vec4 c = texel<kChannels>(image, x0, y1, decode);
  const Vec4 d = texel<kChannels>(image, x1, y1, decode);
  const auto mix = [&](float pa, float pb, float pc, float pd) {
    return (pa * (1 - wx) + pb * wx) * (1 - wy) + (pc * (1 - wx) + pd * wx) * wy;
  };
  return {mix(a.x, b.x, c.x, d.x), mix(a.y, b.y, c.y, d.y), mix(a.z, b.z, c.z, d.z),
          mix(a.w, b.w, c.w, d.w)};
}

}  // namespace

float srgb_to_linear(std::uint8_t value) { return decode_table()[value]; }

std::uint8_t linear_to_srgb(float value) {
  if (!(value > 0.0f)) return 0;
  if (value >= 1.0f) return 255;
  return encode_table()[static_cast<int>(value * kEncodeSteps + 0.5f)];
}

Vec2 apply_texture_transform(const TextureTransform& transform, Vec2 uv) {
  if (!transform.present) return uv;
  const float u = uv.x * transform.scale.x, v = uv.y * transform.scale.y;
  // Column-major mat3(cos, -sin, 0, sin, cos, 0, ...) of the extension: the spec's
  // example (offset (0, 1), rotation pi/2, scale 0.5 picks the lower-left quadrant)
  // holds with these signs.
  const float c = std::cos(transform.rotation), s = std::sin(transform.rotation);
  return {c * u + s * v + transform.offset.x, -s * u + c * v + transform.offset.y};
}

Vec4 sample_texture(const Image& image, const Sampler& sampler, Vec2 uv) {
  const int channels = image.channels;
  if (image.empty() || channels < 1 || channels > 4 ||
      image.pixels.size() < std::size_t(image.width) * image.height * channels ||
      !std::isfinite(uv.x) || !std::isfinite(uv.y)) {
    return {1, 1, 1, 1};
  }
  const float u = reduce(uv.x, sampler.wrap_s) * static_cast<float>(image.width);
  const float v = reduce(uv.y, sampler.wrap_t) * static_cast<float>(image.height);
  if (sampler.mag_filter == kNearest) {
    const int x = wrap_index(static_cast<int>(std::floor(u)), image.width, sampler.wrap_s);
    const int y = wrap_index(static_cast<int>(std::floor(v)), image.height, sampler.wrap_t);
    switch (channels) {
      case 1:
        return texel<1>(image, x, y, decode_table());
      case 2:
        return texel<2>(image, x, y, decode_table());
      case 3:
        return texel<3>(image, x, y, decode_table());
      default:
        return texel<4>(image, x, y, decode_table());
    }
  }
  switch (channels) {
    case 1:
      return bilinear<1>(image, sampler, u, v);
    case 2:
      return bilinear<2>(image, sampler, u, v);
    case 3:
      return bilinear<3>(image, sampler, u, v);
    default:
      return bilinear<4>(image, sampler, u, v);
  }
}

}  // namespace atlas::render
