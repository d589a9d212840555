#include "render/camera.h"

#include <cmath>
#include <numbers>

namespace atlas::render {

Framing fit_framing(const Bounds& bounds, float longest_side) {
  const float extent = bounds.longest_side();
  if (bounds.empty() || !(extent > 0) || !std::isfinite(extent)) return Framing{};
  return Framing{bounds.center(), longest_side / extent};
}

std::vector<OrbitCamera> orbit_ring(const OrbitCamera& base, int count, float first_azimuth) {
  std::vector<OrbitCamera> cameras;
  for (int i = 0; i < count; ++i) {
    OrbitCamera camera = base;
    camera.azimuth_degrees =
        first_azimuth + 360.0f * static_cast<float>(i) / static_cast<float>(count);
    cameras.push_back(camera);
  }
  return cameras;
}

CameraMatrices camera_matrices(const OrbitCamera& camera) {
  constexpr float kDegrees = std::numbers::pi_v<float> / 180.0f;
  const float azimuth = camera.azimuth_degrees * kDegrees;
  const float elevation = camera.elevation_degrees * kDegrees;
  CameraMatrices m;

  // Camera basis: back (+Z of the camera) points from the target to the eye. Right is
  // cross(+Y, back) / cos(elevation), written out so that it stays defined (and turns
  // smoothly with azimuth) when the camera looks straight down or up.
  const Vec3 back = Vec3{std::sin(azimuth) * std::cos(elevation), std::sin(elevation),
                         std::cos(azimuth) * std::cos(elevation)};
  const Vec3 right{std::cos(azimuth), 0, -std::sin(azimuth)};
  m.eye = back * camera.radius;
  const Vec3 up = cross(back, right);
  // clang-format off
  m.view = {right.x, right.y, right.z, -dot(right, m.eye),
            up.x,    up.y,    up.z,    -dot(up, m.eye),
            back.x,  back.y,  back.z,  -dot(back, m.eye),
            0,       0,       0,       1};
  // clang-format on

  const float tan_half = std::tan(camera.fov_y_degrees * kDegrees * 0.5f);
  const float aspect = static_cast<float>(camera.width) / static_cast<float>(camera.height);
  m.focal_y = static_cast<float>(camera.height) / (2.0f * tan_half);
  m.focal_x = m.focal_y;  // square pixels
  const float n = m.near_plane, f = m.far_plane;
  // clang-format off
  m.projection = {1.0f / (aspect * tan_half), 0, 0, 0,
                  0, 1.0f / tan_half, 0, 0,
                  0, 0, -(f + n) / (f - n), -2.0f * f * n / (f - n),
                  0, 0, -1, 0};
  // clang-format on
  return m;
}

}  // namespace atlas::render
