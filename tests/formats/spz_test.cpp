#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <tuple>

#include "core/compression.h"
#include "formats/splat_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

using test::must_read;
using test::testdata;

SplatCloud decode_ok(const Bytes& bytes, FormatDetails* details = nullptr) {
  Result<SplatCloud> cloud = decode_spz(bytes, details);
  if (!cloud) {
    ADD_FAILURE() << cloud.error().message;
    return {};
  }
  return std::move(cloud).value();
}

std::string decode_error(const Bytes& bytes) {
  Result<SplatCloud> cloud = decode_spz(bytes);
  if (cloud) return "decoded " + std::to_string(cloud->size()) + " splats without an error";
  return cloud.error().message;
}

Bytes inflate(const Bytes& bytes) {
  Result<Bytes> raw = decompress_any(bytes, kMaxDecompressedBytes);
  EXPECT_TRUE(raw.ok());
  return raw.ok() ? *raw : Bytes{};
}

void put_u32(Bytes& bytes, std::size_t at, std::uint32_t value) {
  std::memcpy(bytes.data() + at, &value, sizeof value);
}

// The rotation angle between two unit quaternions, sign-insensitive.
float angle_between(Quat a, Quat b) {
  const float d = std::fabs(a.w * b.w + a.x * b.x + a.y * b.y + a.z * b.z);
  return 2.0f * std::acos(std::min(1.0f, d));
}

// Upper triangle of R S^2 R^T, which is what renders: two splats with equal covariance
// look the same whatever their quaternions.
std::array<float, 6> covariance(Quat q, Vec3 log_scale) {
  const float w = q.w, x = q.x, y = q.y, z = q.z;
  const float r[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
                         {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
                         {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}};
  const float s[3] = {std::exp(2 * log_scale.x), std::exp(2 * log_scale.y),
                      std::exp(2 * log_scale.z)};
  std::array<float, 6> out{};
  int n = 0;
  for (int i = 0; i < 3; ++i) {
    for (int j = i; j < 3; ++j) {
      for (int k = 0; k < 3; ++k) out[n] += r[i][k] * s[k] * r[j][k];
      ++n;
    }
  }
  return out;
}

// ---------------------------------------------------------------- real files

TEST(Spz, DecodesRobocopFrom404) {
  FormatDetails details;
  const SplatCloud cloud = decode_ok(must_read(testdata("splats/404-robocop.spz")), &details);
  ASSERT_EQ(cloud.size(), 267776u);
  EXPECT_EQ(cloud.sh_degree, 0);
  EXPECT_EQ(details.format, Format::Spz);
  EXPECT_EQ(details.description, "SPZ v2, zstd, SH degree 0");
  EXPECT_EQ(cloud.validate(), "");

  // 404 output fits the unit cube centred on the origin.
  const Bounds bounds = cloud.bounds();
  for (float v : {bounds.min.x, bounds.min.y, bounds.min.z}) EXPECT_GE(v, -0.51f);
  for (float v : {bounds.max.x, bounds.max.y, bounds.max.z}) EXPECT_LE(v, 0.51f);
  for (const Quat& q : cloud.rotations) {
    ASSERT_NEAR(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z, 1.0f, 1e-4f);
    ASSERT_GE(q.w, 0.0f);  // v2 reconstructs w >= 0
  }
}

// SPZ's right/up/back frame is Atlas's, so the reader converts nothing. The figure
// (a standing robot holding a hammer) must therefore stand along +Y, head up, and face
// +Z: its largest extent is Y, the top tenth of its height (the head) is much narrower
// than the bottom tenth (two feet apart), and the head and hammer lean towards +Z.
TEST(Spz, RobocopStandsAlongPlusYFacingPlusZ) {
  const SplatCloud cloud = decode_ok(must_read(testdata("splats/404-robocop.spz")));
  ASSERT_FALSE(cloud.empty());
  const Vec3 size = cloud.bounds().size();
  EXPECT_GT(size.y, 1.4f * size.x);
  EXPECT_GT(size.y, 1.4f * size.z);

  const Bounds all = cloud.bounds();
  Bounds top, bottom;
  double top_z = 0, all_z = 0;
  std::size_t top_count = 0, all_count = 0;
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    if (sigmoid(cloud.opacity_logits[i]) < 0.3f) continue;
    const Vec3 p = cloud.positions[i];
    const float height = (p.y - all.min.y) / size.y;
    all_z += p.z;
    ++all_count;
    if (height > 0.9f) {
      top.extend(p);
      top_z += p.z;
      ++top_count;
    }
    if (height < 0.1f) bottom.extend(p);
  }
  ASSERT_GT(top_count, 100u);
  EXPECT_LT(top.size().x, 0.6f * bottom.size().x);
  EXPECT_GT(top_z / top_count, all_z / all_count);
}

// ---------------------------------------------------------------- fixtures

TEST(Spz, FixtureDetails) {
  const std::tuple<const char*, const char*> cases[] = {
      {"splats/fixture-minimal-v2.spz", "SPZ v2, gzip, SH degree 0"},
      {"splats/fixture-minimal-v3.spz", "SPZ v3, gzip, SH degree 0"},
      {"splats/fixture-minimal-v4.spz", "SPZ v4, zstd streams, SH degree 0"},
      {"splats/fixture-minimal-raw.spz", "SPZ v2, uncompressed, SH degree 0"},
  };
  for (const auto& [file, description] : cases) {
    FormatDetails details;
    const SplatCloud cloud = decode_ok(must_read(testdata(file)), &details);
    EXPECT_EQ(cloud.size(), 4u) << file;
    EXPECT_EQ(details.description, description) << file;
  }
}

TEST(Spz, FixtureValuesMatchTheBytes) {
  const SplatCloud v2 = decode_ok(must_read(testdata("splats/fixture-minimal-v2.spz")));
  ASSERT_EQ(v2.size(), 4u);
  // 8 fractional bits: 0xffff00 is -256, i.e. -1.
  const Vec3 expected[4] = {{-1, 0, -1}, {0, 0, -1}, {-1, 0, 0}, {0, 0, 0}};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(v2.positions[i], expected[i]) << i;
  EXPECT_FLOAT_EQ(v2.log_scales[0].x, 123.0f / 16.0f - 10.0f);         // byte 0x7b
  EXPECT_NEAR(sigmoid(v2.opacity_logits[0]), 230.0f / 255.0f, 1e-6f);  // byte 0xe6
  EXPECT_NEAR(v2.sh_dc[0].x, (85.0f / 255.0f - 0.5f) / 0.15f, 1e-5f);  // byte 0x55
  EXPECT_NEAR(v2.sh_dc[0].z, (128.0f / 255.0f - 0.5f) / 0.15f, 1e-5f);
  // Rotation bytes 0x80 decode to xyz = 1/255 each, w from unit length.
  EXPECT_NEAR(v2.rotations[0].x, 128.0f / 127.5f - 1.0f, 1e-6f);
  EXPECT_NEAR(v2.rotations[0].w, 1.0f, 1e-4f);

  const SplatCloud v3 = decode_ok(must_read(testdata("splats/fixture-minimal-v3.spz")));
  ASSERT_EQ(v3.size(), 4u);
  // Smallest-three 0xc0000000: the largest component is w, the other three zero.
  EXPECT_EQ(v3.rotations[0].w, 1.0f);
  EXPECT_EQ(v3.rotations[0].x, 0.0f);
  EXPECT_EQ(v3.positions[0], (Vec3{-1, 0, 1}));  // 12 fractional bits
}

TEST(Spz, RawAndGzipV2FixturesAreTheSamePayload) {
  const Bytes raw = must_read(testdata("splats/fixture-minimal-raw.spz"));
  const Bytes v2 = must_read(testdata("splats/fixture-minimal-v2.spz"));
  EXPECT_EQ(inflate(v2), raw);
  test::expect_identical(decode_ok(raw), decode_ok(v2));
}

TEST(Spz, V3AndV4FixturesAgreeExactly) {
  test::expect_identical(decode_ok(must_read(testdata("splats/fixture-minimal-v3.spz"))),
                         decode_ok(must_read(testdata("splats/fixture-minimal-v4.spz"))));
}

// The fixtures come from splat-transform's test suite and are not all the same splats:
// against the .ksplat (activated colours, ln 0.1 scales, positions as in its PLY)
//  - v3 and v4 hold the same splats converted from the PLY's right/down/front axes to
//    SPZ's right/up/back (y and z negated; every y is 0), quantised as SPZ quantises;
//  - v2 (and raw) keep the PLY axes and store the .ksplat's colour bytes unconverted
//    where SPZ expects 0.15-scaled SH, so only their colours differ beyond quantisation.
// Scales are isotropic, so the differing quaternions give the same covariance.
TEST(Spz, FixturesAgreeWithTheKsplatWithinQuantisation) {
  Result<SplatCloud> ksplat = decode_ksplat(must_read(testdata("splats/fixture-minimal.ksplat")));
  ASSERT_TRUE(ksplat.ok()) << ksplat.error().message;
  const SplatCloud v2 = decode_ok(must_read(testdata("splats/fixture-minimal-v2.spz")));
  const SplatCloud v3 = decode_ok(must_read(testdata("splats/fixture-minimal-v3.spz")));
  ASSERT_EQ(ksplat->size(), 4u);
  ASSERT_EQ(v2.size(), 4u);
  ASSERT_EQ(v3.size(), 4u);

  const float colour_step = conventions::kShC0 / (0.15f * 255.0f);
  for (std::size_t i = 0; i < 4; ++i) {
    const Vec3 k = ksplat->positions[i];
    EXPECT_NEAR(v2.positions[i].x, k.x, 1.0f / 512) << i;
    EXPECT_NEAR(v2.positions[i].y, k.y, 1.0f / 512) << i;
    EXPECT_NEAR(v2.positions[i].z, k.z, 1.0f / 512) << i;
    EXPECT_NEAR(v3.positions[i].x, k.x, 1.0f / 8192) << i;
    EXPECT_NEAR(v3.positions[i].y, -k.y, 1.0f / 8192) << i;
    EXPECT_NEAR(v3.positions[i].z, -k.z, 1.0f / 8192) << i;

    for (const SplatCloud* spz : {&v2, &v3}) {
      EXPECT_NEAR(sigmoid(spz->opacity_logits[i]), sigmoid(ksplat->opacity_logits[i]), 1.0f / 255)
          << i;
      EXPECT_NEAR(spz->log_scales[i].x, ksplat->log_scales[i].x, 1.0f / 32) << i;
      const auto a = covariance(spz->rotations[i], spz->log_scales[i]);
      const auto b = covariance(ksplat->rotations[i], ksplat->log_scales[i]);
      for (int c = 0; c < 6; ++c) EXPECT_NEAR(a[c], b[c], 0.07f * b[0]) << i;
    }
    const float channels_v3[3] = {v3.sh_dc[i].x, v3.sh_dc[i].y, v3.sh_dc[i].z};
    const float channels_v2[3] = {v2.sh_dc[i].x, v2.sh_dc[i].y, v2.sh_dc[i].z};
    const float channels_k[3] = {ksplat->sh_dc[i].x, ksplat->sh_dc[i].y, ksplat->sh_dc[i].z};
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(colour_from_sh_dc(channels_v3[c]), colour_from_sh_dc(channels_k[c]), colour_step)
          << i;
      const float v2_byte = channels_v2[c] * 0.15f * 255.0f + 127.5f;
      EXPECT_NEAR(v2_byte, colour_from_sh_dc(channels_k[c]) * 255.0f, 0.51f) << i;
    }
  }
}

// ---------------------------------------------------------------- round trips

SplatCloud synthetic_cloud(int sh_degree, std::size_t count, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  SplatCloud cloud;
  cloud.sh_degree = sh_degree;
  cloud.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    cloud.positions[i] = {unit(random) * 100.0f, unit(random) * 3.0f, unit(random) * 0.5f};
    cloud.log_scales[i] = {unit(random) * 7.0f - 2.5f, unit(random) * 7.0f - 2.5f,
                           unit(random) * 7.0f - 2.5f};
    cloud.rotations[i] = normalized({unit(random), unit(random), unit(random), unit(random)});
    cloud.opacity_logits[i] = unit(random) * 8.0f;
    cloud.sh_dc[i] = {unit(random) * 3.2f, unit(random) * 3.2f, unit(random) * 3.2f};
  }
  for (float& v : cloud.sh_rest) v = unit(random) * 0.95f;
  return cloud;
}

void expect_within_quantisation(const SplatCloud& original, const SplatCloud& decoded,
                                int version) {
  ASSERT_EQ(decoded.size(), original.size());
  ASSERT_EQ(decoded.sh_degree, original.sh_degree);
  const float position_step = 1.0f / 4096;
  const float colour_step = 1.0f / (0.15f * 255.0f);
  // v2's 8-bit xyz leave w = sqrt(1 - |xyz|^2) badly conditioned when w is small (up
  // to about 0.23 rad off); smallest-three keeps 9 bits on the three smallest
  // components, whatever the rotation.
  const float max_angle = version >= 3 ? 0.006f : 0.25f;
  const float max_mean_angle = version >= 3 ? 0.0025f : 0.03f;
  float worst_angle = 0;
  double angle_sum = 0;
  for (std::size_t i = 0; i < original.size(); ++i) {
    const Vec3 p = original.positions[i], q = decoded.positions[i];
    ASSERT_NEAR(q.x, p.x, position_step / 2 + 1e-5f) << i;
    ASSERT_NEAR(q.y, p.y, position_step / 2 + 1e-6f) << i;
    ASSERT_NEAR(q.z, p.z, position_step / 2 + 1e-6f) << i;
    ASSERT_NEAR(sigmoid(decoded.opacity_logits[i]), sigmoid(original.opacity_logits[i]),
                0.5f / 255 + 1e-6f)
        << i;
    ASSERT_NEAR(decoded.sh_dc[i].x, original.sh_dc[i].x, colour_step / 2 + 1e-5f) << i;
    ASSERT_NEAR(decoded.sh_dc[i].y, original.sh_dc[i].y, colour_step / 2 + 1e-5f) << i;
    ASSERT_NEAR(decoded.sh_dc[i].z, original.sh_dc[i].z, colour_step / 2 + 1e-5f) << i;
    ASSERT_NEAR(decoded.log_scales[i].x, original.log_scales[i].x, 1.0f / 32 + 1e-6f) << i;
    ASSERT_NEAR(decoded.log_scales[i].y, original.log_scales[i].y, 1.0f / 32 + 1e-6f) << i;
    ASSERT_NEAR(decoded.log_scales[i].z, original.log_scales[i].z, 1.0f / 32 + 1e-6f) << i;
    const float angle = angle_between(original.rotations[i], decoded.rotations[i]);
    worst_angle = std::max(worst_angle, angle);
    angle_sum += angle;
  }
  EXPECT_LT(worst_angle, max_angle) << "SPZ v" << version;
  const double mean_angle = angle_sum / static_cast<double>(original.size());
  EXPECT_LT(mean_angle, max_mean_angle) << "SPZ v" << version;

  // Degree-1 coefficients keep 5 bits (buckets of 8 codes of 1/128), the rest 4 bits
  // (16 codes); each is first rounded to the nearest code.
  const std::size_t coefficients =
      static_cast<std::size_t>(sh_rest_coefficients(original.sh_degree));
  for (std::size_t i = 0; i < original.size(); ++i) {
    for (std::size_t k = 0; k < coefficients; ++k) {
      const float bucket = k < 3 ? 8.0f : 16.0f;
      for (std::size_t c = 0; c < 3; ++c) {
        const std::size_t at = (i * coefficients + k) * 3 + c;
        ASSERT_NEAR(decoded.sh_rest[at], original.sh_rest[at], (bucket / 2 + 0.5f) / 128 + 1e-6f)
            << "splat " << i << " coefficient " << k;
      }
    }
  }
}

class SpzRoundTrip : public ::testing::TestWithParam<std::tuple<int, int, Compression>> {};

TEST_P(SpzRoundTrip, KeepsEveryAttributeWithinQuantisation) {
  const auto [sh_degree, version, compression] = GetParam();
  const SplatCloud original = synthetic_cloud(sh_degree, 5000, 17u + sh_degree);
  const Bytes encoded = encode_spz(original, version, compression);
  EXPECT_EQ(detect_compression(encoded), compression);
  FormatDetails details;
  const SplatCloud decoded = decode_ok(encoded, &details);
  const char* wrapper = compression == Compression::Gzip   ? "gzip"
                        : compression == Compression::Zstd ? "zstd"
                                                           : "uncompressed";
  EXPECT_EQ(details.description, "SPZ v" + std::to_string(version) + ", " + wrapper +
                                     ", SH degree " + std::to_string(sh_degree));
  expect_within_quantisation(original, decoded, version);
}

INSTANTIATE_TEST_SUITE_P(VersionsWrappersAndDegrees, SpzRoundTrip,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3), ::testing::Values(2, 3),
                                            ::testing::Values(Compression::Gzip, Compression::Zstd,
                                                              Compression::None)));

TEST(Spz, RobocopSurvivesEveryWriterWithinQuantisation) {
  const SplatCloud robocop = decode_ok(must_read(testdata("splats/404-robocop.spz")));
  ASSERT_FALSE(robocop.empty());
  for (int version : {2, 3}) {
    for (Compression compression : {Compression::Gzip, Compression::Zstd}) {
      expect_within_quantisation(robocop, decode_ok(encode_spz(robocop, version, compression)),
                                 version);
    }
  }
}

// Values already on SPZ's grid must come back bit for bit, and the payload byte for
// byte: 404's own file re-encoded with 404's flavour (v2, zstd) is the same payload.
TEST(Spz, ReencodingRobocopAsV2ZstdReproducesItExactly) {
  const Bytes file = must_read(testdata("splats/404-robocop.spz"));
  const SplatCloud robocop = decode_ok(file);
  ASSERT_FALSE(robocop.empty());
  const Bytes reencoded = encode_spz(robocop, 2, Compression::Zstd);
  EXPECT_EQ(detect_compression(reencoded), Compression::Zstd);
  test::expect_identical(robocop, decode_ok(reencoded));
  EXPECT_TRUE(inflate(reencoded) == inflate(file));
}

TEST(Spz, ClampsPositionsBeyondTheFixedPointRange) {
  SplatCloud cloud = synthetic_cloud(0, 2, 5);
  cloud.positions[0] = {5000.0f, -5000.0f, 0.25f};
  const SplatCloud decoded = decode_ok(encode_spz(cloud, 3, Compression::Zstd));
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_NEAR(decoded.positions[0].x, 2048.0f, 1e-3f);
  EXPECT_EQ(decoded.positions[0].y, -2048.0f);
  EXPECT_EQ(decoded.positions[0].z, 0.25f);
}

TEST(Spz, SkipsV3ExtensionRecords) {
  const SplatCloud cloud = synthetic_cloud(1, 10, 3);
  Bytes plain = encode_spz(cloud, 3, Compression::None);
  Bytes extended(plain.begin(), plain.begin() + 16);
  extended[14] |= 0x2;
  const std::uint8_t record[12] = {0xad, 0xbe, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4};
  extended.insert(extended.end(), record, record + sizeof record);
  extended.insert(extended.end(), plain.begin() + 16, plain.end());
  test::expect_identical(decode_ok(plain), decode_ok(gzip_compress(extended)));
}

// ---------------------------------------------------------------- hostile input

Bytes raw_fixture() { return must_read(testdata("splats/fixture-minimal-raw.spz")); }

TEST(Spz, RejectsWrongMagic) {
  Bytes bytes = raw_fixture();
  bytes[0] = 'X';
  EXPECT_NE(decode_error(bytes).find("wrong magic"), std::string::npos) << decode_error(bytes);
}

TEST(Spz, RejectsUnknownVersions) {
  for (std::uint32_t version : {0u, 1u, 5u, 0xffffffffu}) {
    Bytes bytes = raw_fixture();
    put_u32(bytes, 4, version);
    EXPECT_NE(decode_error(bytes).find("unsupported version " + std::to_string(version)),
              std::string::npos)
        << decode_error(bytes);
  }
}

TEST(Spz, RejectsShDegreeAboveThree) {
  Bytes bytes = raw_fixture();
  bytes[12] = 4;
  EXPECT_NE(decode_error(bytes).find("SH degree 4"), std::string::npos) << decode_error(bytes);
}

TEST(Spz, RejectsFractionalBitsOutOfRange) {
  Bytes bytes = raw_fixture();
  bytes[13] = 32;
  EXPECT_NE(decode_error(bytes).find("fractional"), std::string::npos) << decode_error(bytes);
}

TEST(Spz, RejectsTruncatedPayloads) {
  const Bytes raw = raw_fixture();
  for (std::size_t keep :
       {std::size_t{0}, std::size_t{3}, std::size_t{15}, std::size_t{16}, raw.size() - 1}) {
    const Bytes cut(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(keep));
    EXPECT_NE(decode_error(cut).find("truncated"), std::string::npos)
        << keep << ": " << decode_error(cut);
  }
  const Bytes gz = must_read(testdata("splats/fixture-minimal-v2.spz"));
  const Bytes cut_gz(gz.begin(), gz.end() - 12);
  EXPECT_NE(decode_error(cut_gz).find("gzip"), std::string::npos) << decode_error(cut_gz);
}

TEST(Spz, RejectsHugeCountsBeforeAllocating) {
  for (std::uint32_t count : {0x80000000u, 0xffffffffu}) {
    Bytes bytes = raw_fixture();
    put_u32(bytes, 8, count);
    EXPECT_NE(decode_error(bytes).find("truncated"), std::string::npos) << decode_error(bytes);
    EXPECT_NE(decode_error(zstd_compress(bytes)).find("truncated"), std::string::npos);
  }
}

TEST(Spz, RejectsZeroSplats) {
  Bytes bytes = raw_fixture();
  put_u32(bytes, 8, 0);
  EXPECT_NE(decode_error(bytes).find("no splats"), std::string::npos) << decode_error(bytes);
}

TEST(Spz, RejectsCorruptAndOversizedWrappers) {
  const Bytes zstd = zstd_compress(raw_fixture());
  const Bytes cut(zstd.begin(), zstd.end() - 4);
  EXPECT_NE(decode_error(cut).find("zstd"), std::string::npos) << decode_error(cut);
  Bytes reserved_bit = zstd;
  reserved_bit[4] |= 0x08;  // frame header descriptor's reserved bit must be 0
  EXPECT_NE(decode_error(reserved_bit).find("zstd"), std::string::npos)
      << decode_error(reserved_bit);

  // A zstd frame header declaring 3 GiB of content: refused before inflating anything.
  Bytes bomb = {0x28, 0xb5, 0x2f, 0xfd, 0xe0};
  const std::uint64_t declared = std::uint64_t{3} << 30;
  for (int b = 0; b < 8; ++b) bomb.push_back(static_cast<std::uint8_t>(declared >> (8 * b)));
  bomb.insert(bomb.end(), {0x01, 0x00, 0x00});
  EXPECT_NE(decode_error(bomb).find("exceeds the limit"), std::string::npos) << decode_error(bomb);
}

// v4 layout: 32-byte header (byte 15 stream count, bytes 16-19 table offset), table of
// (compressed, uncompressed) u64 pairs at that offset, then the zstd streams.
Bytes v4_fixture() { return must_read(testdata("splats/fixture-minimal-v4.spz")); }

void put_u64(Bytes& bytes, std::size_t at, std::uint64_t value) {
  std::memcpy(bytes.data() + at, &value, sizeof value);
}

TEST(Spz, RejectsInconsistentV4Tables) {
  {
    Bytes bytes = v4_fixture();
    bytes[15] = 6;
    EXPECT_NE(decode_error(bytes).find("streams"), std::string::npos) << decode_error(bytes);
  }
  {
    Bytes bytes = v4_fixture();
    put_u32(bytes, 16, 0x7ffffff0u);
    EXPECT_NE(decode_error(bytes).find("table of contents"), std::string::npos)
        << decode_error(bytes);
  }
  {
    Bytes bytes = v4_fixture();
    put_u64(bytes, 32, 0xffffffffffffull);  // positions' compressed size
    EXPECT_NE(decode_error(bytes).find("past the end"), std::string::npos) << decode_error(bytes);
  }
  {
    Bytes bytes = v4_fixture();
    put_u64(bytes, 40, 37);  // positions' uncompressed size
    EXPECT_NE(decode_error(bytes).find("holds 37 bytes"), std::string::npos) << decode_error(bytes);
  }
  {
    Bytes bytes = v4_fixture();
    put_u32(bytes, 8, 0x40000000u);  // count far beyond what the streams hold
    EXPECT_NE(decode_error(bytes).find("SPZ v4"), std::string::npos) << decode_error(bytes);
  }
  {
    Bytes bytes = v4_fixture();
    bytes[0x70] = 0;  // the positions' zstd frame magic
    EXPECT_NE(decode_error(bytes).find("SPZ v4: stream 0"), std::string::npos)
        << decode_error(bytes);
  }
  {
    const Bytes whole = v4_fixture();
    const Bytes cut(whole.begin(), whole.begin() + 40);
    EXPECT_NE(decode_error(cut).find("table of contents"), std::string::npos) << decode_error(cut);
  }
  EXPECT_NE(decode_error(gzip_compress(v4_fixture())).find("must not be wrapped"),
            std::string::npos);
}

}  // namespace
}  // namespace atlas
