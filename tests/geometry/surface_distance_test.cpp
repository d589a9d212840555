#include "geometry/surface_distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "formats/asset_io.h"
#include "geometry/merge.h"
#include "geometry/simplify.h"
#include "test_support.h"

namespace atlas::geometry {
namespace {

Primitive must_load(const char* name) {
  Result<Mesh> mesh = load_mesh(test::testdata(std::string("meshes/") + name));
  EXPECT_TRUE(mesh.ok()) << mesh.error().message;
  return mesh.ok() ? merge_primitives(*mesh) : Primitive{};
}

float diagonal(const Primitive& p) { return length(Mesh{"", {p}, {}, {}}.bounds().size()); }

Primitive translated(Primitive p, Vec3 offset) {
  for (Vec3& v : p.positions) v = v + offset;
  return p;
}

// A flat n x n grid of squares on z = 0, side 1.
Primitive grid(int n) {
  Primitive p;
  for (int y = 0; y <= n; ++y) {
    for (int x = 0; x <= n; ++x) p.positions.push_back({float(x) / n, float(y) / n, 0});
  }
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const std::uint32_t i = std::uint32_t(y * (n + 1) + x);
      p.indices.insert(p.indices.end(), {i, i + 1, i + std::uint32_t(n) + 1});
      p.indices.insert(p.indices.end(),
                       {i + 1, i + std::uint32_t(n) + 2, i + std::uint32_t(n) + 1});
    }
  }
  return p;
}

TEST(SurfaceDistance, AMeshIsAtDistanceZeroFromItself) {
  const Primitive bunny = must_load("stanford-bunny.obj");
  ASSERT_GT(bunny.triangle_count(), 60000u);
  const Result<SurfaceDistance> d = surface_distance(bunny, bunny);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->a_to_b.samples, 100000u);
  EXPECT_EQ(d->b_to_a.samples, 100000u);
  // Sample points are rounded to float: only that rounding separates them.
  EXPECT_LT(d->max, 1e-6 * diagonal(bunny));
  EXPECT_LT(d->mean, 1e-7 * diagonal(bunny));
}

TEST(SurfaceDistance, APlaneMovedAlongItsNormalIsAtTheOffsetEverywhere) {
  const Primitive plane = grid(16);
  const Result<SurfaceDistance> d = surface_distance(plane, translated(grid(7), {0, 0, 0.25f}));
  ASSERT_TRUE(d.ok()) << d.error().message;
  for (const DirectedDistance& side : {d->a_to_b, d->b_to_a}) {
    EXPECT_NEAR(side.mean, 0.25, 1e-6);
    EXPECT_NEAR(side.rms, 0.25, 1e-6);
    EXPECT_NEAR(side.max, 0.25, 1e-6);
  }
  EXPECT_NEAR(d->mean, 0.25, 1e-6);
  EXPECT_NEAR(d->max, 0.25, 1e-6);
}

TEST(SurfaceDistance, ATranslatedCopyIsAtMostTheTranslationAway) {
  // Every point p has p + offset on the copy, so no distance exceeds the offset; where
  // the surface faces the offset (the front and back of the cow) it is nearly reached.
  const Primitive spot = must_load("spot.obj");
  const float offset = 0.01f * diagonal(spot);
  const Result<SurfaceDistance> d = surface_distance(spot, translated(spot, {offset, 0, 0}));
  ASSERT_TRUE(d.ok()) << d.error().message;
  for (const DirectedDistance& side : {d->a_to_b, d->b_to_a}) {
    EXPECT_LE(side.max, offset * 1.0001);
    EXPECT_GT(side.max, offset * 0.95);
    EXPECT_GT(side.mean, offset * 0.2);
    EXPECT_LT(side.mean, offset * 0.8);
    EXPECT_GE(side.rms, side.mean);
  }
  EXPECT_NEAR(d->a_to_b.mean, d->b_to_a.mean, 0.02 * offset);
}

TEST(SurfaceDistance, CoarserVersionsOfSpotAreFartherAway) {
  const Primitive spot = must_load("spot.obj");
  ASSERT_GT(spot.triangle_count(), 5000u);
  const double extent = diagonal(spot);
  double previous_mean = 0, previous_max = 0;
  for (std::size_t budget : {2000u, 500u, 120u}) {
    const SimplifyResult coarse = simplify(spot, budget);
    const Result<SurfaceDistance> d = surface_distance(spot, coarse.mesh);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_GT(d->mean, previous_mean) << budget;
    EXPECT_GT(d->max, previous_max) << budget;
    EXPECT_GE(d->max, d->mean * 2) << budget;
    // meshoptimizer's own error estimate and the measured Hausdorff distance agree on
    // the order of magnitude.
    EXPECT_GT(d->max, 0.5 * coarse.error_metres) << budget;
    EXPECT_LT(d->max, 4.0 * coarse.error_metres) << budget;
    if (budget == 2000u) {
      EXPECT_LT(d->mean, 0.001 * extent);
    }
    previous_mean = d->mean;
    previous_max = d->max;
  }
}

TEST(SurfaceDistance, IsReproducibleAndStableAcrossSeeds) {
  const Primitive spot = must_load("spot.obj");
  const Primitive coarse = simplify(spot, 300).mesh;
  SurfaceDistanceOptions options;
  options.samples = 20000;
  const Result<SurfaceDistance> first = surface_distance(spot, coarse, options);
  const Result<SurfaceDistance> again = surface_distance(spot, coarse, options);
  options.seed = 7;
  const Result<SurfaceDistance> other = surface_distance(spot, coarse, options);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  EXPECT_EQ(first->mean, again->mean);
  EXPECT_EQ(first->max, again->max);
  EXPECT_NE(first->a_to_b.mean, other->a_to_b.mean);
  EXPECT_NEAR(first->mean, other->mean, 0.03 * first->mean);
  EXPECT_NEAR(first->max, other->max, 0.2 * first->max);
}

TEST(SurfaceDistance, IgnoresBrokenTrianglesAndRejectsSurfacesWithoutArea) {
  Primitive plane = grid(4);
  const Primitive clean = plane;
  const std::uint32_t far = std::uint32_t(plane.positions.size());
  plane.positions.push_back({100, 100, 100});
  plane.positions.push_back({std::numeric_limits<float>::quiet_NaN(), 0, 0});
  plane.indices.insert(plane.indices.end(), {0, 1, 9999});     // index out of range
  plane.indices.insert(plane.indices.end(), {0, 1, far + 1});  // not finite
  plane.indices.insert(plane.indices.end(), {far, far, 0});    // no area
  plane.indices.push_back(0);                                  // a partial triangle
  const Result<SurfaceDistance> d = surface_distance(plane, clean);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_LT(d->max, 1e-6);

  Primitive flat;
  flat.positions = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}};
  flat.indices = {0, 1, 2};
  const Result<SurfaceDistance> none = surface_distance(clean, flat);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("second mesh has no triangle with area"), std::string::npos);
  EXPECT_FALSE(surface_distance(Primitive{}, clean).ok());
  SurfaceDistanceOptions no_samples;
  no_samples.samples = 0;
  EXPECT_FALSE(surface_distance(clean, clean, no_samples).ok());
}

}  // namespace
}  // namespace atlas::geometry
