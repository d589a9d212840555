// Decodes GaussianSplats3D .ksplat files (mkkellogg, SplatBuffer.js), compression
// levels 0 to 2.
//
// Layout, all little-endian:
//   main header, 4096 bytes: u8 version major, u8 minor, u32 at 4 maximum section
//     count, u32 at 16 splat count, u16 at 20 compression level, f32 at 36/40 the
//     range of 8-bit SH (0 means the default +-1.5);
//   one 1024-byte header per section (maximum section count of them): u32 splat count,
//     u32 at 4 capacity, u32 at 8 bucket size, u32 at 12 bucket count, f32 at 16 bucket
//     block size, u16 at 20 bytes per bucket, u32 at 24 position quantisation range,
//     u32 at 32 full buckets, u32 at 36 partly filled buckets, u16 at 40 SH degree;
//   then each section's data: u32 length of each partly filled bucket, bucket centres
//     (3 f32 each), and `capacity` splats.
// A splat: centre, scale (linear), rotation (w x y z), RGBA bytes (activated), SH.
// Level 0 stores f32; levels 1 and 2 store the centre as u16 offsets from its bucket's
// centre and the rest as halves, level 2 the SH as bytes. SH are stored per band,
// channel-major (band 1: r1 r2 r3 g1 g2 g3 b1 b2 b3, then band 2's 15, band 3's 21).
// Positions are those of the source PLY: no axis conversion.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "formats/splat_formats.h"

namespace atlas {
namespace {

constexpr std::size_t kMainHeaderBytes = 4096;
constexpr std::size_t kSectionHeaderBytes = 1024;
constexpr std::size_t kBucketCentreBytes = 12;
constexpr std::uint32_t kDefaultQuantisationRange = 32767;
constexpr float kDefaultShRange = 1.5f;
// What a zero or negative stored scale becomes: SPZ's smallest log-scale, so every
// reader agrees on "vanishingly small".
constexpr float kMinLogScale = -10.0f;

std::string str(std::uint64_t value) { return std::to_string(value); }

template <typename T>
T load(const std::uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

float half_to_float(std::uint16_t half) {
  const std::uint32_t sign = std::uint32_t{half & 0x8000u} << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1fu;
  std::uint32_t mantissa = half & 0x3ffu;
  std::uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal: shift the mantissa up until its leading one becomes implicit.
    std::uint32_t e = 113;
    while (!(mantissa & 0x400u)) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

struct Level {
  std::size_t centre_bytes, scale_rotation_component_bytes, sh_bytes;
};
constexpr std::array<Level, 3> kLevels = {{{12, 4, 4}, {6, 2, 2}, {6, 2, 1}}};

std::size_t bytes_per_splat(int level, int sh_degree) {
  const Level& l = kLevels[static_cast<std::size_t>(level)];
  return l.centre_bytes + 7 * l.scale_rotation_component_bytes + 4 +
         static_cast<std::size_t>(sh_rest_coefficients(sh_degree)) * 3 * l.sh_bytes;
}

// Index in the file's band-wise, channel-major SH block of coefficient k, channel c.
std::size_t stored_sh_index(std::size_t k, std::size_t c) {
  if (k < 3) return c * 3 + k;
  if (k < 8) return 9 + c * 5 + (k - 3);
  return 24 + c * 7 + (k - 8);
}

struct Section {
  std::uint32_t splat_count, capacity, bucket_size, bucket_count, full_buckets, partial_buckets;
  std::uint32_t quantisation_range;
  float block_size;
  int sh_degree;
  std::uint64_t data_offset;  // of the partial bucket lengths
  std::uint64_t bucket_storage_bytes;
  std::uint64_t storage_bytes;
};

Result<Section> parse_section(const std::uint8_t* header, int level, std::size_t index) {
  Section s{};
  s.splat_count = load<std::uint32_t>(header);
  s.capacity = load<std::uint32_t>(header + 4);
  s.bucket_size = load<std::uint32_t>(header + 8);
  s.bucket_count = load<std::uint32_t>(header + 12);
  s.block_size = load<float>(header + 16);
  const std::uint16_t bytes_per_bucket = load<std::uint16_t>(header + 20);
  s.quantisation_range = load<std::uint32_t>(header + 24);
  s.full_buckets = load<std::uint32_t>(header + 32);
  s.partial_buckets = load<std::uint32_t>(header + 36);
  const std::uint16_t sh_degree = load<std::uint16_t>(header + 40);
  const std::string name = "ksplat: section " + str(index) + ": ";
  if (sh_degree > 3) return make_error(name + "unsupported SH degree " + str(sh_degree));
  if (s.splat_count > s.capacity) {
    return make_error(name + str(s.splat_count) + " splats exceed its capacity of " +
                      str(s.capacity));
  }
  s.sh_degree = sh_degree;
  if (s.quantisation_range == 0) s.quantisation_range = kDefaultQuantisationRange;
  s.bucket_storage_bytes =
      std::uint64_t{bytes_per_bucket} * s.bucket_count + std::uint64_t{s.partial_buckets} * 4;
  s.storage_bytes =
      s.bucket_storage_bytes + std::uint64_t{s.capacity} * bytes_per_splat(level, s.sh_degree);
  if (level > 0 && s.splat_count > 0) {
    if (bytes_per_bucket != kBucketCentreBytes) {
      return make_error(name + "unsupported bucket record size " + str(bytes_per_bucket));
    }
    if (std::uint64_t{s.full_buckets} + s.partial_buckets > s.bucket_count) {
      return make_error(name + str(s.full_buckets) + " full and " + str(s.partial_buckets) +
                        " partial buckets exceed the bucket count " + str(s.bucket_count));
    }
    if (!std::isfinite(s.block_size)) return make_error(name + "bucket block size is not finite");
  }
  return s;
}

// Finds each splat's bucket: full buckets hold bucket_size splats, then each partly
// filled bucket holds the number its length entry gives.
Result<std::vector<std::uint32_t>> bucket_of_each_splat(const Section& s, ByteView file) {
  std::vector<std::uint32_t> buckets(s.splat_count);
  const std::uint64_t in_full = std::uint64_t{s.full_buckets} * s.bucket_size;
  std::uint64_t i = 0;
  for (; i < std::min<std::uint64_t>(in_full, s.splat_count); ++i) {
    buckets[i] = static_cast<std::uint32_t>(i / s.bucket_size);
  }
  const std::uint8_t* lengths = file.data() + s.data_offset;
  for (std::uint32_t p = 0; p < s.partial_buckets && i < s.splat_count; ++p) {
    const std::uint32_t length = load<std::uint32_t>(lengths + std::size_t{p} * 4);
    for (std::uint32_t j = 0; j < length && i < s.splat_count; ++j, ++i) {
      buckets[i] = s.full_buckets + p;
    }
  }
  if (i < s.splat_count) {
    return make_error("ksplat: buckets hold " + str(i) + " of the section's " + str(s.splat_count) +
                      " splats");
  }
  return buckets;
}

struct ShRange {
  float min, max;
};

void decode_section(const Section& s, ByteView file, int level, ShRange sh_range,
                    const std::vector<std::uint32_t>& buckets, std::size_t first,
                    SplatCloud& cloud) {
  const std::uint8_t* data = file.data() + s.data_offset + s.bucket_storage_bytes;
  const std::uint8_t* centres = file.data() + s.data_offset + std::uint64_t{s.partial_buckets} * 4;
  const std::size_t stride = bytes_per_splat(level, s.sh_degree);
  const Level& l = kLevels[static_cast<std::size_t>(level)];
  const float position_step = s.block_size / 2.0f / static_cast<float>(s.quantisation_range);
  const float range = static_cast<float>(s.quantisation_range);
  const std::size_t file_coefficients = static_cast<std::size_t>(sh_rest_coefficients(s.sh_degree));
  const std::size_t cloud_coefficients =
      static_cast<std::size_t>(sh_rest_coefficients(cloud.sh_degree));

  auto component = [&](const std::uint8_t* at) {
    return l.scale_rotation_component_bytes == 4 ? load<float>(at)
                                                 : half_to_float(load<std::uint16_t>(at));
  };
  auto sh_value = [&](const std::uint8_t* at) {
    switch (l.sh_bytes) {
      case 4:
        return load<float>(at);
      case 2:
        return half_to_float(load<std::uint16_t>(at));
      default:
        return sh_range.min + static_cast<float>(*at) / 255.0f * (sh_range.max - sh_range.min);
    }
  };
  auto log_scale = [](float s) { return s > 0 ? std::log(s) : kMinLogScale; };

  for (std::size_t i = 0; i < s.splat_count; ++i) {
    const std::uint8_t* splat = data + i * stride;
    const std::size_t out = first + i;
    if (level == 0) {
      cloud.positions[out] = {load<float>(splat), load<float>(splat + 4), load<float>(splat + 8)};
    } else {
      const std::uint8_t* centre = centres + std::size_t{buckets[i]} * kBucketCentreBytes;
      auto axis = [&](int a) {
        return (static_cast<float>(load<std::uint16_t>(splat + 2 * a)) - range) * position_step +
               load<float>(centre + 4 * a);
      };
      cloud.positions[out] = {axis(0), axis(1), axis(2)};
    }
    const std::uint8_t* scale = splat + l.centre_bytes;
    const std::size_t cb = l.scale_rotation_component_bytes;
    cloud.log_scales[out] = {log_scale(component(scale)), log_scale(component(scale + cb)),
                             log_scale(component(scale + 2 * cb))};
    const std::uint8_t* rotation = scale + 3 * cb;
    cloud.rotations[out] = normalized({component(rotation), component(rotation + cb),
                                       component(rotation + 2 * cb), component(rotation + 3 * cb)});
    const std::uint8_t* rgba = rotation + 4 * cb;
    cloud.sh_dc[out] = {sh_dc_from_colour(rgba[0] / 255.0f), sh_dc_from_colour(rgba[1] / 255.0f),
                        sh_dc_from_colour(rgba[2] / 255.0f)};
    cloud.opacity_logits[out] = logit(rgba[3] / 255.0f);
    const std::uint8_t* sh = rgba + 4;
    float* rest = cloud.sh_rest.data() + out * cloud_coefficients * 3;
    for (std::size_t k = 0; k < file_coefficients; ++k) {
      for (std::size_t c = 0; c < 3; ++c) {
        rest[k * 3 + c] = sh_value(sh + stored_sh_index(k, c) * l.sh_bytes);
      }
    }
  }
}

}  // namespace

Result<SplatCloud> decode_ksplat(ByteView bytes, FormatDetails* details) {
  if (bytes.size() < kMainHeaderBytes) {
    return make_error("ksplat: file is shorter than the 4096-byte header (" + str(bytes.size()) +
                      " bytes)");
  }
  const std::uint8_t* header = bytes.data();
  const int major = header[0], minor = header[1];
  if (major != 0 || minor < 1) {
    return make_error("ksplat: unsupported version " + str(major) + "." + str(minor));
  }
  const std::uint32_t max_sections = load<std::uint32_t>(header + 4);
  const std::uint32_t total_splats = load<std::uint32_t>(header + 16);
  const std::uint16_t level = load<std::uint16_t>(header + 20);
  if (level > 2) return make_error("ksplat: unknown compression level " + str(level));
  ShRange sh_range{load<float>(header + 36), load<float>(header + 40)};
  if (sh_range.min == 0.0f) sh_range.min = -kDefaultShRange;
  if (sh_range.max == 0.0f) sh_range.max = kDefaultShRange;
  if (!std::isfinite(sh_range.min) || !std::isfinite(sh_range.max)) {
    return make_error("ksplat: SH range is not finite");
  }
  if (std::uint64_t{max_sections} * kSectionHeaderBytes > bytes.size() - kMainHeaderBytes) {
    return make_error("ksplat: " + str(max_sections) + " section headers do not fit in the file");
  }

  // Every section is checked against the file before anything is allocated.
  std::vector<Section> sections;
  sections.reserve(max_sections);
  std::uint64_t offset = kMainHeaderBytes + std::uint64_t{max_sections} * kSectionHeaderBytes;
  std::uint64_t splat_sum = 0;
  int sh_degree = 0;
  for (std::uint32_t i = 0; i < max_sections; ++i) {
    Result<Section> section =
        parse_section(header + kMainHeaderBytes + std::size_t{i} * kSectionHeaderBytes, level, i);
    if (!section) return section.error();
    section->data_offset = offset;
    if (section->storage_bytes > bytes.size() - offset) {
      return make_error("ksplat: section " + str(i) + " needs " + str(section->storage_bytes) +
                        " bytes, " + str(bytes.size() - offset) + " remain");
    }
    offset += section->storage_bytes;
    splat_sum += section->splat_count;
    if (section->splat_count > 0) sh_degree = std::max(sh_degree, section->sh_degree);
    sections.push_back(*section);
  }
  if (total_splats == 0) return make_error("ksplat: file holds no splats");
  if (splat_sum != total_splats) {
    return make_error("ksplat: header counts " + str(total_splats) + " splats, sections hold " +
                      str(splat_sum));
  }

  SplatCloud cloud;
  cloud.sh_degree = sh_degree;
  cloud.resize(total_splats);
  std::size_t first = 0;
  for (const Section& section : sections) {
    std::vector<std::uint32_t> buckets;
    if (level > 0 && section.splat_count > 0) {
      Result<std::vector<std::uint32_t>> found = bucket_of_each_splat(section, bytes);
      if (!found) return found.error();
      buckets = std::move(found).value();
    }
    decode_section(section, bytes, level, sh_range, buckets, first, cloud);
    first += section.splat_count;
  }
  if (std::string problem = cloud.validate(); !problem.empty()) {
    return make_error("ksplat: " + problem);
  }

  if (details) {
    details->format = Format::Ksplat;
    details->description = "ksplat v" + str(major) + "." + str(minor) + ", compression level " +
                           str(level) + ", SH degree " + str(sh_degree) + ", " + str(max_sections) +
                           (max_sections == 1 ? " section" : " sections");
  }
  return cloud;
}

}  // namespace atlas
