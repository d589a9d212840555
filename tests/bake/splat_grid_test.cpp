#include "bake/splat_grid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas::bake {
namespace {

SplatCloud one_splat(Vec3 scale, Quat rotation, float alpha) {
  SplatCloud cloud;
  cloud.positions = {{0.1f, 0.2f, 0.3f}};
  cloud.log_scales = {{std::log(scale.x), std::log(scale.y), std::log(scale.z)}};
  cloud.rotations = {rotation};
  cloud.opacity_logits = {logit(alpha)};
  cloud.sh_dc = {{sh_dc_from_colour(0.2f), sh_dc_from_colour(1.4f), sh_dc_from_colour(-0.1f)}};
  return cloud;
}

Vec3 apply(const float m[9], Vec3 v) {
  return {m[0] * v.x + m[1] * v.y + m[2] * v.z, m[3] * v.x + m[4] * v.y + m[5] * v.z,
          m[6] * v.x + m[7] * v.y + m[8] * v.z};
}

TEST(SplatGrid, PreparedSplatsMapTheirAxesToUnitLength) {
  // 60 degrees about Z: local X goes to (cos, sin, 0).
  const float half = 0.5f * 60.0f * 3.14159265f / 180.0f;
  const Quat rotation{std::cos(half), 0, 0, std::sin(half)};
  const std::vector<RaySplat> prepared =
      prepare_splats(one_splat({0.02f, 0.005f, 0.001f}, rotation, 0.99f));
  ASSERT_EQ(prepared.size(), 1u);
  const RaySplat& s = prepared[0];
  const Vec3 axis_x{std::cos(2 * half), std::sin(2 * half), 0};
  const Vec3 axis_y{-std::sin(2 * half), std::cos(2 * half), 0};
  const Vec3 along_x = apply(s.to_unit, axis_x * 0.02f);
  const Vec3 along_y = apply(s.to_unit, axis_y * 0.005f);
  const Vec3 along_z = apply(s.to_unit, Vec3{0, 0, 0.001f});
  EXPECT_NEAR(length(along_x), 1, 1e-4);
  EXPECT_NEAR(length(along_y), 1, 1e-4);
  EXPECT_NEAR(length(along_z), 1, 1e-4);
  EXPECT_NEAR(dot(along_x, along_y), 0, 1e-4);
  EXPECT_NEAR(s.radius, 3 * 0.02f, 1e-6);
  EXPECT_NEAR(s.cutoff, 9, 1e-5);
  EXPECT_NEAR(s.half_extent.z, 3 * 0.001f, 1e-6);
  EXPECT_NEAR(s.half_extent.x, 3 * std::hypot(0.02f * axis_x.x, 0.005f * axis_y.x), 1e-6);
  EXPECT_NEAR(s.alpha, 0.99f, 1e-6);
  EXPECT_NEAR(s.colour.x, 0.2f, 1e-6);
  EXPECT_EQ(s.colour.y, 1);  // clamped to 0..1
  EXPECT_EQ(s.colour.z, 0);
}

TEST(SplatGrid, FaintSplatsAreCutWhereTheyFallBelowOneLevel) {
  const std::vector<RaySplat> faint = prepare_splats(one_splat({0.01f, 0.01f, 0.01f}, {}, 0.05f));
  ASSERT_EQ(faint.size(), 1u);
  // 0.05 exp(-d^2 / 2) = 1/255 at d^2 = 2 ln(12.75).
  EXPECT_NEAR(faint[0].cutoff, 2 * std::log(0.05f * 255), 1e-4);
  EXPECT_NEAR(faint[0].radius, 0.01f * std::sqrt(2 * std::log(0.05f * 255)), 1e-6);
  EXPECT_TRUE(prepare_splats(one_splat({0.01f, 0.01f, 0.01f}, {}, 0.003f)).empty());

  SplatCloud broken = one_splat({0.01f, 0.01f, 0.01f}, {}, 0.5f);
  broken.positions[0].x = NAN;
  EXPECT_TRUE(prepare_splats(broken).empty());
  broken = one_splat({0.01f, 0.01f, 0.01f}, {0, 0, 0, 0}, 0.5f);  // zero quaternion
  EXPECT_EQ(prepare_splats(broken).size(), 1u);
  broken.log_scales[0].y = 200;  // overflows
  EXPECT_TRUE(prepare_splats(broken).empty());
  broken = one_splat({0.01f, 0.01f, 0.01f}, {}, 0.5f);
  broken.log_scales[0].y = -INFINITY;  // a flat disc, floored
  EXPECT_EQ(prepare_splats(broken).size(), 1u);
  broken.sh_dc.clear();
  EXPECT_TRUE(prepare_splats(broken).empty());
}

class RealSplats : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<SplatCloud> cloud = load_splats(test::testdata("splats/404-hamburger.ply"));
    ASSERT_TRUE(cloud.ok()) << cloud.error().message;
    splats_ = new std::vector<RaySplat>(prepare_splats(*cloud, 2));
  }
  static void TearDownTestSuite() { delete splats_; }
  static std::vector<RaySplat>* splats_;
};
std::vector<RaySplat>* RealSplats::splats_ = nullptr;

TEST_F(RealSplats, BoxQueriesMatchBruteForce) {
  const std::vector<RaySplat>& splats = *splats_;
  ASSERT_GT(splats.size(), 50000u);
  const SplatGrid grid(splats, 0.03f);
  std::mt19937 random(3);
  std::uniform_real_distribution<float> centre(-0.6f, 0.6f), size(0.001f, 0.15f);
  for (int q = 0; q < 40; ++q) {
    Bounds box;
    const Vec3 c{centre(random), centre(random), centre(random)};
    const Vec3 h{size(random), size(random), size(random)};
    box.extend(c - h);
    box.extend(c + h);
    std::vector<std::uint32_t> found;
    grid.overlapping(box, found);
    std::vector<std::uint32_t> expected;
    for (std::size_t i = 0; i < splats.size(); ++i) {
      const Vec3 lo = splats[i].position - splats[i].half_extent;
      const Vec3 hi = splats[i].position + splats[i].half_extent;
      if (lo.x <= box.max.x && hi.x >= box.min.x && lo.y <= box.max.y && hi.y >= box.min.y &&
          lo.z <= box.max.z && hi.z >= box.min.z)
        expected.push_back(std::uint32_t(i));
    }
    std::sort(found.begin(), found.end());
    ASSERT_EQ(found, expected) << "query " << q;  // each splat once
  }
  std::vector<std::uint32_t> none;
  grid.overlapping(Bounds{}, none);
  grid.overlapping(Bounds{{5, 5, 5}, {6, 6, 6}}, none);
  EXPECT_TRUE(none.empty());
}

TEST_F(RealSplats, NearestMatchesBruteForce) {
  const std::vector<RaySplat>& splats = *splats_;
  const NearestSplat nearest(splats, 0.1f);
  std::mt19937 random(5);
  std::uniform_real_distribution<float> coordinate(-1.5f, 1.5f);
  for (int q = 0; q < 200; ++q) {
    const Vec3 p{coordinate(random), coordinate(random), coordinate(random)};
    float best = INFINITY;
    for (const RaySplat& s : splats) {
      if (s.alpha < 0.1f) continue;
      best = std::min(best, dot(s.position - p, s.position - p));
    }
    const std::int64_t found = nearest.nearest(p);
    ASSERT_GE(found, 0);
    const Vec3 d = splats[std::size_t(found)].position - p;
    ASSERT_EQ(dot(d, d), best) << "query " << q;
    ASSERT_GE(splats[std::size_t(found)].alpha, 0.1f);
  }
  EXPECT_EQ(nearest.nearest({NAN, 0, 0}), -1);
  const std::vector<RaySplat> empty;
  EXPECT_EQ(NearestSplat(empty, 0.1f).nearest({0, 0, 0}), -1);
}

TEST(SegmentBuckets, EverySegmentInOneBucketInsideItsBox) {
  std::mt19937 random(9);
  std::uniform_real_distribution<float> coordinate(-1, 1);
  std::vector<Vec3> points, directions;
  for (int i = 0; i < 5000; ++i) {
    points.push_back({coordinate(random), coordinate(random), 0.2f * coordinate(random)});
    directions.push_back(normalize({coordinate(random), coordinate(random), coordinate(random)}));
  }
  points[17] = {NAN, 0, 0};
  const SegmentBuckets buckets(points, directions, 0.05f, -0.03f, 0.1f);
  std::vector<int> seen(points.size(), 0);
  for (std::size_t b = 0; b < buckets.bucket_count(); ++b) {
    const Bounds& box = buckets.box(b);
    int axis = -1, sign = 0;
    for (std::uint32_t i : buckets.segments(b)) {
      ++seen[i];
      for (float t : {0.05f, -0.03f}) {
        const Vec3 p = points[i] + directions[i] * t;
        ASSERT_TRUE(p.x >= box.min.x && p.x <= box.max.x && p.y >= box.min.y && p.y <= box.max.y &&
                    p.z >= box.min.z && p.z <= box.max.z);
      }
      // One dominant direction a bucket.
      const Vec3 d = directions[i] * -1.0f;
      const float c[3] = {std::fabs(d.x), std::fabs(d.y), std::fabs(d.z)};
      const int a = int(std::max_element(c, c + 3) - c);
      const int s = (a == 0 ? d.x : a == 1 ? d.y : d.z) < 0 ? -1 : 1;
      if (axis < 0) axis = a, sign = s;
      ASSERT_EQ(a, axis);
      ASSERT_EQ(s, sign);
    }
  }
  for (std::size_t i = 0; i < points.size(); ++i) EXPECT_EQ(seen[i], i == 17 ? 0 : 1) << i;
  EXPECT_EQ(SegmentBuckets({}, {}, 0, 1, 0.1f).bucket_count(), 0u);
}

}  // namespace
}  // namespace atlas::bake
