#include "render/camera.h"

#include <gtest/gtest.h>

#include <cmath>

namespace atlas::render {
namespace {

// Camera-space position of a world point.
Vec3 to_camera(const CameraMatrices& m, Vec3 p) {
  const auto& v = m.view;
  return {v[0] * p.x + v[1] * p.y + v[2] * p.z + v[3], v[4] * p.x + v[5] * p.y + v[6] * p.z + v[7],
          v[8] * p.x + v[9] * p.y + v[10] * p.z + v[11]};
}

TEST(Camera, AzimuthZeroLooksAtTheFrontFromPlusZ) {
  const CameraMatrices m = camera_matrices(OrbitCamera{});
  EXPECT_NEAR(m.eye.x, 0, 1e-6);
  EXPECT_NEAR(m.eye.y, 0, 1e-6);
  EXPECT_NEAR(m.eye.z, 2.5, 1e-6);
  // The origin is straight ahead at depth 2.5; +X is to the right, +Y up.
  const Vec3 origin = to_camera(m, {0, 0, 0});
  EXPECT_NEAR(origin.z, -2.5, 1e-6);
  EXPECT_GT(to_camera(m, {1, 0, 0}).x, 0.99);
  EXPECT_GT(to_camera(m, {0, 1, 0}).y, 0.99);
  EXPECT_NEAR(m.focal_y, 256 / std::tan(49.1 * M_PI / 360), 1e-2);
  EXPECT_EQ(m.focal_x, m.focal_y);
}

TEST(Camera, PositiveAzimuthTurnsTowardsPlusXAndElevationLooksDown) {
  OrbitCamera camera;
  camera.azimuth_degrees = 90;
  EXPECT_NEAR(camera_matrices(camera).eye.x, 2.5, 1e-5);
  camera.azimuth_degrees = 0;
  camera.elevation_degrees = 30;
  const CameraMatrices m = camera_matrices(camera);
  EXPECT_NEAR(m.eye.y, 2.5 * 0.5, 1e-5);
  EXPECT_NEAR(to_camera(m, {0, 0, 0}).z, -2.5, 1e-5);
}

TEST(Camera, StraightDownAndUpAreWellDefined) {
  for (const float elevation : {90.0f, -90.0f, 89.999f}) {
    for (const float azimuth : {0.0f, 45.0f, 180.0f}) {
      OrbitCamera camera;
      camera.elevation_degrees = elevation;
      camera.azimuth_degrees = azimuth;
      const CameraMatrices m = camera_matrices(camera);
      for (float value : m.view) ASSERT_TRUE(std::isfinite(value));
      EXPECT_NEAR(to_camera(m, {0, 0, 0}).z, -2.5, 1e-5);
      // The rotation part stays orthonormal.
      for (int r = 0; r < 3; ++r) {
        const Vec3 row{m.view[r * 4], m.view[r * 4 + 1], m.view[r * 4 + 2]};
        EXPECT_NEAR(length(row), 1, 1e-5);
      }
    }
  }
}

TEST(Camera, FitFramingAndOrbitRing) {
  Bounds bounds;
  bounds.extend({1, 2, 3});
  bounds.extend({3, 3, 3.5f});
  const Framing framing = fit_framing(bounds);
  EXPECT_NEAR(framing.center.x, 2, 1e-6);
  EXPECT_NEAR(framing.center.y, 2.5, 1e-6);
  EXPECT_NEAR(framing.scale, 1.5 / 2, 1e-6);
  const Framing identity = fit_framing(Bounds{});
  EXPECT_EQ(identity.scale, 1);
  const auto ring = orbit_ring(OrbitCamera{}, 4, 10);
  ASSERT_EQ(ring.size(), 4u);
  EXPECT_FLOAT_EQ(ring[1].azimuth_degrees, 100);
  EXPECT_FLOAT_EQ(ring[3].azimuth_degrees, 280);
}

}  // namespace
}  // namespace atlas::render
