#pragma once
// Orbit cameras and the framing 404's validator uses, shared by the splat and mesh
// renderers so both draw an asset from the very same viewpoints.

#include <array>
#include <vector>

#include "asset/math.h"

namespace atlas::render {

// Largest image width or height the renderers draw; a camera asking for more (or for
// no pixels at all) gets an empty image instead of an unbounded allocation.
inline constexpr int kMaxRenderSide = 16384;

// A pinhole camera on a sphere around the origin, looking at the origin, +Y up.
// Azimuth 0 places the camera on +Z (looking at the asset's front); positive azimuth
// turns it counter-clockwise seen from above (towards +X). Positive elevation is above.
struct OrbitCamera {
  float azimuth_degrees = 0;
  float elevation_degrees = 0;
  float radius = 2.5f;
  float fov_y_degrees = 49.1f;
  int width = 512;
  int height = 512;
};

// Whether both image sides are in 1..kMaxRenderSide; the renderers return an empty
// image for any other size.
inline bool renderable_size(const OrbitCamera& camera) {
  return camera.width > 0 && camera.height > 0 && camera.width <= kMaxRenderSide &&
         camera.height <= kMaxRenderSide;
}

// How the model is placed before rendering: p' = (p - center) * scale.
struct Framing {
  Vec3 center{0, 0, 0};
  float scale = 1;
};

// Centres the bounds on the origin and scales their longest side to `longest_side`
// (404's validator uses 1.5). Empty or degenerate bounds give the identity framing.
Framing fit_framing(const Bounds& bounds, float longest_side = 1.5f);

// `count` cameras at evenly spaced azimuths (starting at `first_azimuth`), all at the
// same elevation, radius and field of view.
std::vector<OrbitCamera> orbit_ring(const OrbitCamera& base, int count, float first_azimuth = 0);

// Row-major 4x4 matrices and the camera's world position, derived from OrbitCamera.
struct CameraMatrices {
  std::array<float, 16> view;        // world -> camera (camera looks down -Z)
  std::array<float, 16> projection;  // camera -> clip, OpenGL style, depth in [-1, 1]
  Vec3 eye;
  float focal_x = 0;  // focal length in pixels
  float focal_y = 0;
  float near_plane = 0.01f;
  float far_plane = 100.0f;
};

CameraMatrices camera_matrices(const OrbitCamera& camera);

// Pixel convention both renderers share: a point at camera coordinates (x, y, z), with
// depth d = -z > 0, lands at image position (width / 2 + focal_x * x / d,
// height / 2 - focal_y * y / d); pixel (i, j) covers [i, i + 1) x [j, j + 1), so its
// centre is (i + 0.5, j + 0.5), and rows run top to bottom.

}  // namespace atlas::render
