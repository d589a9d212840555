#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "formats/splat_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

std::string decode_error(const Bytes& bytes) {
  auto result = decode_antimatter_splat(bytes);
  EXPECT_FALSE(result.ok());
  return result.ok() ? std::string() : result.error().message;
}

TEST(AntimatterSplat, MinimalFixture) {
  const Bytes bytes = test::must_read(test::testdata("splats/fixture-minimal.splat"));
  FormatDetails details;
  auto cloud = decode_antimatter_splat(bytes, &details);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  EXPECT_EQ(details.format, Format::AntimatterSplat);
  EXPECT_EQ(details.description, "antimatter15 .splat");
  ASSERT_EQ(cloud->size(), 4u);
  EXPECT_EQ(cloud->sh_degree, 0);
  EXPECT_EQ(cloud->positions[0], (Vec3{-1, 0, -1}));
  EXPECT_EQ(cloud->positions[1], (Vec3{0, 0, -1}));
  EXPECT_EQ(cloud->positions[2], (Vec3{-1, 0, 0}));
  EXPECT_EQ(cloud->positions[3], (Vec3{0, 0, 0}));
  const std::uint8_t red[] = {0x55, 0xaa, 0x55, 0xaa};
  const std::uint8_t green[] = {0x55, 0x55, 0xaa, 0xaa};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(std::exp(cloud->log_scales[i].x), 0.1f, 1e-7f);
    EXPECT_NEAR(std::exp(cloud->log_scales[i].z), 0.1f, 1e-7f);
    EXPECT_NEAR(colour_from_sh_dc(cloud->sh_dc[i].x) * 255, red[i], 1e-3);
    EXPECT_NEAR(colour_from_sh_dc(cloud->sh_dc[i].y) * 255, green[i], 1e-3);
    EXPECT_NEAR(colour_from_sh_dc(cloud->sh_dc[i].z) * 255, 0x80, 1e-3);
    EXPECT_NEAR(sigmoid(cloud->opacity_logits[i]) * 255, 0xe6, 1e-3);
    // Bytes (0x80, 0x80, 0x80, 0xff): w = x = y = 0, z = 127/128, normalised.
    const Quat q = cloud->rotations[i];
    EXPECT_EQ(q.w, 0.0f);
    EXPECT_EQ(q.x, 0.0f);
    EXPECT_EQ(q.y, 0.0f);
    EXPECT_EQ(q.z, 1.0f);
  }

  // Writing it back gives the same bytes, except scales that went through log and exp.
  const Bytes written = encode_antimatter_splat(*cloud);
  ASSERT_EQ(written.size(), bytes.size());
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t at = i * 32;
    EXPECT_TRUE(std::equal(bytes.begin() + at, bytes.begin() + at + 12, written.begin() + at)) << i;
    EXPECT_TRUE(
        std::equal(bytes.begin() + at + 24, bytes.begin() + at + 32, written.begin() + at + 24))
        << i;
    float scale;
    std::memcpy(&scale, written.data() + at + 12, 4);
    EXPECT_NEAR(scale, 0.1f, 1e-7f);
  }
}

TEST(AntimatterSplat, RoundTripWithinQuantisation) {
  auto original = decode_ply_splats(test::must_read(test::testdata("splats/404-hamburger.ply")));
  ASSERT_TRUE(original.ok()) << original.error().message;
  const Bytes written = encode_antimatter_splat(*original);
  ASSERT_EQ(written.size(), original->size() * 32);
  auto reread = decode_antimatter_splat(written);
  ASSERT_TRUE(reread.ok()) << reread.error().message;
  ASSERT_EQ(reread->size(), original->size());
  const float byte_step = 0.5f / 255.0f + 1e-6f;
  for (std::size_t i = 0; i < original->size(); ++i) {
    ASSERT_EQ(reread->positions[i], original->positions[i]) << i;
    const Vec3 a = original->log_scales[i], b = reread->log_scales[i];
    ASSERT_NEAR(a.x, b.x, 1e-5f) << i;
    ASSERT_NEAR(a.y, b.y, 1e-5f) << i;
    ASSERT_NEAR(a.z, b.z, 1e-5f) << i;
    for (int c = 0; c < 3; ++c) {
      const float before = std::clamp(colour_from_sh_dc((&original->sh_dc[i].x)[c]), 0.0f, 1.0f);
      const float after = colour_from_sh_dc((&reread->sh_dc[i].x)[c]);
      ASSERT_NEAR(before, after, byte_step) << i;
    }
    ASSERT_NEAR(sigmoid(original->opacity_logits[i]), sigmoid(reread->opacity_logits[i]), byte_step)
        << i;
    const Quat p = original->rotations[i], q = reread->rotations[i];
    ASSERT_GT(p.w * q.w + p.x * q.x + p.y * q.y + p.z * q.z, 0.9995f) << i;
    ASSERT_NEAR(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z, 1.0f, 1e-5f) << i;
  }
}

TEST(AntimatterSplat, HostileInputsAreRefused) {
  EXPECT_NE(decode_error({}).find("zero splats"), std::string::npos);
  EXPECT_NE(decode_error(Bytes(33, 0)).find("size 33 is not a multiple of 32"), std::string::npos);
  Bytes bytes = test::must_read(test::testdata("splats/fixture-minimal.splat"));
  const float nan = std::nanf("");
  std::memcpy(bytes.data() + 2 * 32 + 8, &nan, 4);
  EXPECT_NE(decode_error(bytes).find("splat 2: position is not finite"), std::string::npos)
      << decode_error(bytes);
  bytes = test::must_read(test::testdata("splats/fixture-minimal.splat"));
  const float infinity = INFINITY;
  std::memcpy(bytes.data() + 3 * 32 + 12, &infinity, 4);
  EXPECT_NE(decode_error(bytes).find("splat 3: scale is not finite"), std::string::npos);
}

TEST(AntimatterSplat, ZeroScaleAndZeroRotationStayUsable) {
  Bytes bytes(32, 0);
  for (int k = 28; k < 32; ++k) bytes[k] = 128;  // the zero quaternion
  auto cloud = decode_antimatter_splat(bytes);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  EXPECT_TRUE(std::isfinite(cloud->log_scales[0].x));
  EXPECT_LT(cloud->log_scales[0].x, -60.0f);
  EXPECT_EQ(cloud->rotations[0].w, 1.0f);
}

TEST(AntimatterSplat, ScalesAtTheTopOfTheFloatRangeStayFinite) {
  Bytes bytes(32, 128);
  const float huge = std::numeric_limits<float>::max();
  for (int k = 0; k < 3; ++k) std::memcpy(bytes.data() + 12 + 4 * k, &huge, 4);
  std::memset(bytes.data(), 0, 12);
  auto cloud = decode_antimatter_splat(bytes);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  auto again = decode_antimatter_splat(encode_antimatter_splat(*cloud));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(std::isfinite(std::exp(static_cast<double>(again->log_scales[0].x))));
}

}  // namespace
}  // namespace atlas
