#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "formats/splat_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

using test::must_read;
using test::testdata;

std::string decode_error(const Bytes& bytes) {
  Result<SplatCloud> cloud = decode_ksplat(bytes);
  if (cloud) return "decoded " + std::to_string(cloud->size()) + " splats without an error";
  return cloud.error().message;
}

template <typename T>
void put(Bytes& bytes, std::size_t at, T value) {
  std::memcpy(bytes.data() + at, &value, sizeof value);
}

// Round-to-nearest float to half for the normal range the test data stays in.
std::uint16_t to_half(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  const std::uint32_t sign = (bits >> 16) & 0x8000u;
  const int exponent = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;
  if ((bits & 0x7fffffffu) == 0 || exponent <= 0) return static_cast<std::uint16_t>(sign);
  std::uint32_t half =
      sign | (static_cast<std::uint32_t>(exponent) << 10) | ((bits >> 13) & 0x3ffu);
  if (bits & 0x1000u) ++half;  // round half up; a carry correctly bumps the exponent
  return static_cast<std::uint16_t>(half);
}

// Writes a single-section .ksplat the way GaussianSplats3D's SplatBuffer lays it out,
// putting the splats in buckets of `bucket_size` (the last one partly filled).
Bytes write_ksplat(const SplatCloud& cloud, int level, std::uint32_t bucket_size,
                   float block_size) {
  const std::uint32_t n = static_cast<std::uint32_t>(cloud.size());
  const std::size_t coefficients = static_cast<std::size_t>(sh_rest_coefficients(cloud.sh_degree));
  const std::size_t component = level == 0 ? 4 : 2;
  const std::size_t sh_bytes = level == 0 ? 4 : level == 1 ? 2 : 1;
  const std::size_t stride =
      (level == 0 ? 12 : 6) + 7 * component + 4 + coefficients * 3 * sh_bytes;
  const std::uint32_t full = n / bucket_size;
  const std::uint32_t partial = n % bucket_size ? 1 : 0;
  const std::uint32_t buckets = full + partial;
  constexpr std::uint32_t range = 32767;
  const float sh_min = -1.5f, sh_max = 1.5f;

  Bytes out(4096 + 1024);
  out[0] = 0;
  out[1] = 1;
  put<std::uint32_t>(out, 4, 1);
  put<std::uint32_t>(out, 8, 1);
  put<std::uint32_t>(out, 12, n);
  put<std::uint32_t>(out, 16, n);
  put<std::uint16_t>(out, 20, static_cast<std::uint16_t>(level));
  put<float>(out, 36, sh_min);
  put<float>(out, 40, sh_max);
  const std::size_t s = 4096;
  put<std::uint32_t>(out, s, n);
  put<std::uint32_t>(out, s + 4, n);
  put<std::uint32_t>(out, s + 8, bucket_size);
  put<std::uint32_t>(out, s + 12, buckets);
  put<float>(out, s + 16, block_size);
  put<std::uint16_t>(out, s + 20, 12);
  put<std::uint32_t>(out, s + 24, range);
  put<std::uint32_t>(out, s + 32, full);
  put<std::uint32_t>(out, s + 36, partial);
  put<std::uint16_t>(out, s + 40, static_cast<std::uint16_t>(cloud.sh_degree));

  auto append = [&](const void* data, std::size_t size) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out.insert(out.end(), bytes, bytes + size);
  };
  if (partial) {
    const std::uint32_t length = n % bucket_size;
    append(&length, 4);
  }
  std::vector<Vec3> centres(buckets);
  for (std::uint32_t b = 0; b < buckets; ++b) {
    Bounds bounds;
    for (std::uint32_t i = b * bucket_size; i < std::min(n, (b + 1) * bucket_size); ++i) {
      bounds.extend(cloud.positions[i]);
    }
    centres[b] = bounds.center();
    append(&centres[b], 12);
  }
  auto put_component = [&](float value) {
    if (level == 0) {
      append(&value, 4);
    } else {
      const std::uint16_t half = to_half(value);
      append(&half, 2);
    }
  };
  for (std::uint32_t i = 0; i < n; ++i) {
    const Vec3 p = cloud.positions[i];
    if (level == 0) {
      append(&p, 12);
    } else {
      const Vec3 c = centres[i / bucket_size];
      const float step = block_size / 2 / range;
      for (float offset : {p.x - c.x, p.y - c.y, p.z - c.z}) {
        const auto q = static_cast<std::uint16_t>(std::lround(offset / step + range));
        append(&q, 2);
      }
    }
    const Vec3 s3 = cloud.log_scales[i];
    for (float v : {s3.x, s3.y, s3.z}) put_component(std::exp(v));
    const Quat q = cloud.rotations[i];
    for (float v : {q.w, q.x, q.y, q.z}) put_component(v);
    const Vec3 dc = cloud.sh_dc[i];
    for (float v : {dc.x, dc.y, dc.z}) {
      out.push_back(static_cast<std::uint8_t>(
          std::lround(std::clamp(colour_from_sh_dc(v), 0.0f, 1.0f) * 255.0f)));
    }
    out.push_back(static_cast<std::uint8_t>(std::lround(sigmoid(cloud.opacity_logits[i]) * 255)));
    // Band-wise, channel-major, as SplatBuffer stores SH.
    std::vector<float> stored(coefficients * 3);
    for (std::size_t k = 0; k < coefficients; ++k) {
      for (std::size_t c = 0; c < 3; ++c) {
        const std::size_t at = k < 3   ? c * 3 + k
                               : k < 8 ? 9 + c * 5 + (k - 3)
                                       : 24 + c * 7 + (k - 8);
        stored[at] = cloud.sh_rest[(i * coefficients + k) * 3 + c];
      }
    }
    for (float v : stored) {
      if (level == 2) {
        out.push_back(
            static_cast<std::uint8_t>(std::lround((v - sh_min) / (sh_max - sh_min) * 255)));
      } else {
        put_component(v);
      }
    }
  }
  EXPECT_EQ(out.size(), 4096 + 1024 + partial * 4 + buckets * 12 + n * stride);
  return out;
}

SplatCloud synthetic_cloud(int sh_degree, std::size_t count) {
  std::mt19937 random(40 + sh_degree);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  SplatCloud cloud;
  cloud.sh_degree = sh_degree;
  cloud.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    cloud.positions[i] = {unit(random) * 2.0f, unit(random) * 2.0f, unit(random) * 2.0f};
    cloud.log_scales[i] = {unit(random) * 3 - 3, unit(random) * 3 - 3, unit(random) * 3 - 3};
    cloud.rotations[i] = normalized({unit(random), unit(random), unit(random), unit(random)});
    cloud.opacity_logits[i] = unit(random) * 5;
    cloud.sh_dc[i] = {unit(random) * 1.7f, unit(random) * 1.7f, unit(random) * 1.7f};
  }
  for (float& v : cloud.sh_rest) v = unit(random);
  return cloud;
}

// ---------------------------------------------------------------- the real fixture

TEST(Ksplat, DecodesTheSplatTransformFixture) {
  FormatDetails details;
  Result<SplatCloud> cloud =
      decode_ksplat(must_read(testdata("splats/fixture-minimal.ksplat")), &details);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  ASSERT_EQ(cloud->size(), 4u);
  EXPECT_EQ(cloud->sh_degree, 0);
  EXPECT_EQ(details.format, Format::Ksplat);
  EXPECT_EQ(details.description, "ksplat v0.1, compression level 0, SH degree 0, 1 section");

  const Vec3 expected[4] = {{-1, 0, -1}, {0, 0, -1}, {-1, 0, 0}, {0, 0, 0}};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(cloud->positions[i], expected[i]) << i;
    EXPECT_NEAR(cloud->log_scales[i].x, std::log(0.1f), 1e-6f);
    // Stored w x y z = 0 0 0 1.
    EXPECT_EQ(cloud->rotations[i].w, 0.0f);
    EXPECT_EQ(cloud->rotations[i].z, 1.0f);
    EXPECT_NEAR(sigmoid(cloud->opacity_logits[i]), 230.0f / 255.0f, 1e-6f);
  }
  // RGB bytes 0x55 0x55 0x80 on the first splat, 0xaa 0xaa 0x80 on the last.
  EXPECT_NEAR(colour_from_sh_dc(cloud->sh_dc[0].x), 85.0f / 255.0f, 1e-6f);
  EXPECT_NEAR(colour_from_sh_dc(cloud->sh_dc[0].z), 128.0f / 255.0f, 1e-6f);
  EXPECT_NEAR(colour_from_sh_dc(cloud->sh_dc[3].y), 170.0f / 255.0f, 1e-6f);
}

// The .splat fixture holds the same four splats (positions as stored, no conversion).
TEST(Ksplat, AgreesWithTheAntimatterSplatFixture) {
  Result<SplatCloud> ksplat = decode_ksplat(must_read(testdata("splats/fixture-minimal.ksplat")));
  Result<SplatCloud> splat =
      decode_antimatter_splat(must_read(testdata("splats/fixture-minimal.splat")));
  ASSERT_TRUE(ksplat.ok()) << ksplat.error().message;
  if (!splat.ok()) GTEST_SKIP() << ".splat reader: " << splat.error().message;
  ASSERT_EQ(splat->size(), ksplat->size());
  for (std::size_t i = 0; i < ksplat->size(); ++i) {
    EXPECT_EQ(splat->positions[i], ksplat->positions[i]) << i;
    EXPECT_NEAR(splat->log_scales[i].x, ksplat->log_scales[i].x, 1e-5f) << i;
    EXPECT_NEAR(colour_from_sh_dc(splat->sh_dc[i].x), colour_from_sh_dc(ksplat->sh_dc[i].x), 1e-5f);
    EXPECT_NEAR(sigmoid(splat->opacity_logits[i]), sigmoid(ksplat->opacity_logits[i]), 1e-5f);
  }
}

// ---------------------------------------------------------------- levels and SH degrees

class KsplatLevels : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(KsplatLevels, DecodesWhatSplatBufferWrites) {
  const auto [level, sh_degree] = GetParam();
  const SplatCloud original = synthetic_cloud(sh_degree, 1000);
  const float block_size = 5.0f;
  FormatDetails details;
  Result<SplatCloud> decoded =
      decode_ksplat(write_ksplat(original, level, 256, block_size), &details);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->size(), original.size());
  ASSERT_EQ(decoded->sh_degree, sh_degree);
  EXPECT_EQ(details.description, "ksplat v0.1, compression level " + std::to_string(level) +
                                     ", SH degree " + std::to_string(sh_degree) + ", 1 section");

  // Levels 1 and 2: positions on a grid of block/2/32767 around each bucket centre,
  // everything else a half (11 significant bits).
  const float position_tolerance = level == 0 ? 0.0f : block_size / 2 / 32767 + 1e-6f;
  const float relative = level == 0 ? 1e-6f : 1.0f / 1024;
  const float sh_tolerance = level == 0 ? 1e-6f : level == 1 ? 1.0f / 1024 : 1.5f / 255 + 1e-6f;
  const std::size_t coefficients = static_cast<std::size_t>(sh_rest_coefficients(sh_degree));
  for (std::size_t i = 0; i < original.size(); ++i) {
    const Vec3 p = original.positions[i], q = decoded->positions[i];
    ASSERT_NEAR(q.x, p.x, position_tolerance) << i;
    ASSERT_NEAR(q.y, p.y, position_tolerance) << i;
    ASSERT_NEAR(q.z, p.z, position_tolerance) << i;
    ASSERT_NEAR(decoded->log_scales[i].x, original.log_scales[i].x, relative + 1e-6f) << i;
    ASSERT_NEAR(decoded->log_scales[i].z, original.log_scales[i].z, relative + 1e-6f) << i;
    const Quat a = original.rotations[i], b = decoded->rotations[i];
    ASSERT_NEAR(std::fabs(a.w * b.w + a.x * b.x + a.y * b.y + a.z * b.z), 1.0f, 2e-5f) << i;
    ASSERT_NEAR(sigmoid(decoded->opacity_logits[i]), sigmoid(original.opacity_logits[i]),
                0.5f / 255 + 1e-6f);
    ASSERT_NEAR(colour_from_sh_dc(decoded->sh_dc[i].y), colour_from_sh_dc(original.sh_dc[i].y),
                0.5f / 255 + 1e-6f);
    for (std::size_t k = 0; k < coefficients * 3; ++k) {
      const std::size_t at = i * coefficients * 3 + k;
      ASSERT_NEAR(decoded->sh_rest[at], original.sh_rest[at], sh_tolerance)
          << "splat " << i << " value " << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LevelsAndDegrees, KsplatLevels,
                         ::testing::Combine(::testing::Values(0, 1, 2),
                                            ::testing::Values(0, 1, 2, 3)));

// ---------------------------------------------------------------- hostile input

Bytes fixture() { return must_read(testdata("splats/fixture-minimal.ksplat")); }
Bytes level1() { return write_ksplat(synthetic_cloud(1, 600), 1, 256, 5.0f); }

TEST(Ksplat, RejectsShortFiles) {
  const Bytes whole = fixture();
  for (std::size_t keep : {std::size_t{0}, std::size_t{100}, std::size_t{4095}}) {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(keep));
    EXPECT_NE(decode_error(cut).find("4096-byte header"), std::string::npos) << decode_error(cut);
  }
  for (std::size_t keep : {std::size_t{4096}, std::size_t{5000}, whole.size() - 1}) {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(keep));
    EXPECT_NE(decode_error(cut).find("ksplat: "), std::string::npos) << decode_error(cut);
    EXPECT_FALSE(decode_ksplat(cut).ok());
  }
}

TEST(Ksplat, RejectsUnknownVersionsAndLevels) {
  Bytes bytes = fixture();
  bytes[0] = 1;
  EXPECT_NE(decode_error(bytes).find("unsupported version 1.1"), std::string::npos)
      << decode_error(bytes);
  bytes = fixture();
  put<std::uint16_t>(bytes, 20, 3);
  EXPECT_NE(decode_error(bytes).find("compression level 3"), std::string::npos)
      << decode_error(bytes);
}

TEST(Ksplat, RejectsSectionCountsLargerThanTheFile) {
  for (std::uint32_t sections : {2u, 1000u, 0x7fffffffu, 0xffffffffu}) {
    Bytes bytes = fixture();
    put<std::uint32_t>(bytes, 4, sections);
    EXPECT_NE(decode_error(bytes).find("section headers do not fit"), std::string::npos)
        << decode_error(bytes);
  }
}

TEST(Ksplat, RejectsSectionsLargerThanTheFile) {
  Bytes bytes = fixture();
  put<std::uint32_t>(bytes, 4096 + 4, 0xffffffffu);  // capacity
  EXPECT_NE(decode_error(bytes).find("remain"), std::string::npos) << decode_error(bytes);
  bytes = level1();
  put<std::uint32_t>(bytes, 4096 + 12, 0x40000000u);  // bucket count
  EXPECT_NE(decode_error(bytes).find("remain"), std::string::npos) << decode_error(bytes);
  bytes = level1();
  put<std::uint32_t>(bytes, 4096 + 12, 0xffffffffu);
  put<std::uint32_t>(bytes, 4096 + 36, 0x7fffffffu);  // partial buckets
  EXPECT_NE(decode_error(bytes).find("remain"), std::string::npos) << decode_error(bytes);
}

TEST(Ksplat, RejectsInconsistentCounts) {
  Bytes bytes = fixture();
  put<std::uint32_t>(bytes, 16, 5);
  EXPECT_NE(decode_error(bytes).find("header counts 5 splats, sections hold 4"), std::string::npos)
      << decode_error(bytes);
  bytes = fixture();
  put<std::uint32_t>(bytes, 4096, 5);  // more splats than the section's capacity of 4
  EXPECT_NE(decode_error(bytes).find("capacity"), std::string::npos) << decode_error(bytes);
  bytes = fixture();
  put<std::uint32_t>(bytes, 16, 0);
  put<std::uint32_t>(bytes, 4096, 0);
  EXPECT_NE(decode_error(bytes).find("no splats"), std::string::npos) << decode_error(bytes);
}

TEST(Ksplat, RejectsBucketsThatDoNotHoldTheSplats) {
  Bytes bytes = level1();                   // 600 splats: 2 full buckets of 256 and one of 88
  put<std::uint32_t>(bytes, 4096 + 32, 3);  // full + partial > bucket count
  EXPECT_NE(decode_error(bytes).find("exceed the bucket count"), std::string::npos)
      << decode_error(bytes);
  bytes = level1();
  put<std::uint32_t>(bytes, 4096 + 1024, 10);  // the partial bucket's length
  EXPECT_NE(decode_error(bytes).find("buckets hold 522 of the section's 600"), std::string::npos)
      << decode_error(bytes);
  bytes = level1();
  put<std::uint32_t>(bytes, 4096 + 8, 0);  // bucket size
  EXPECT_NE(decode_error(bytes).find("buckets hold"), std::string::npos) << decode_error(bytes);
  bytes = level1();
  put<std::uint16_t>(bytes, 4096 + 20, 16);
  EXPECT_NE(decode_error(bytes).find("bucket record size"), std::string::npos)
      << decode_error(bytes);
}

TEST(Ksplat, RejectsShDegreeAboveThree) {
  Bytes bytes = fixture();
  put<std::uint16_t>(bytes, 4096 + 40, 4);
  EXPECT_NE(decode_error(bytes).find("SH degree 4"), std::string::npos) << decode_error(bytes);
}

TEST(Ksplat, RejectsNonFiniteValues) {
  Bytes bytes = fixture();
  put<float>(bytes, 0x140c + 4, NAN);  // first splat's y
  EXPECT_NE(decode_error(bytes).find("splat 0: position is not finite"), std::string::npos)
      << decode_error(bytes);
  bytes = level1();
  put<float>(bytes, 4096 + 16, INFINITY);  // bucket block size
  EXPECT_NE(decode_error(bytes).find("not finite"), std::string::npos) << decode_error(bytes);
  bytes = level1();
  put<std::uint16_t>(bytes, 4096 + 1024 + 4 + 3 * 12 + 6, 0x7c00);  // first scale: +inf half
  EXPECT_NE(decode_error(bytes).find("splat 0: scale is not finite"), std::string::npos)
      << decode_error(bytes);
}

}  // namespace
}  // namespace atlas
