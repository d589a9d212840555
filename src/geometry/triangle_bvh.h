#pragma once
// A bounding-volume hierarchy over a triangle soup for ray and closest-point queries,
// used to transfer detail from a dense surface onto its reduced version.

#include <cstdint>
#include <memory>
#include <vector>

#include "asset/math.h"

namespace atlas::geometry {

struct RayHit {
  bool hit = false;
  float distance = 0;          // along the ray, in units of the direction's length
  std::uint32_t triangle = 0;  // index of the triangle (indices[3 t .. 3 t + 2])
  float u = 0, v = 0;          // barycentrics: point = (1 - u - v) a + u b + v c
};

class TriangleBvh {
 public:
  // Builds over the triangles of `positions`/`indices` (3 indices a triangle, each
  // < positions.size(); triangles with a bad index, a non-finite corner or no area are
  // skipped: no query ever returns them). A trailing partial triangle is ignored. The
  // corners are copied, so the arrays may go away afterwards.
  TriangleBvh(const std::vector<Vec3>& positions, const std::vector<std::uint32_t>& indices);

  // Nearest intersection of origin + t * direction with t in [t_min, t_max], both faces.
  // No hit for a zero or non-finite direction or origin.
  RayHit intersect(Vec3 origin, Vec3 direction, float t_min, float t_max) const;

  // The intersection of the whole line origin + t * direction nearest to the origin,
  // |t| <= max_distance, both faces; distance is t, negative behind the origin. One
  // traversal instead of two rays for "the surface nearest along this normal".
  RayHit nearest_on_line(Vec3 origin, Vec3 direction, float max_distance) const;

  // Nearest point on the surface to `point` within max_distance (hit = false when none;
  // max_distance may be infinite). distance is the Euclidean distance.
  RayHit closest_point(Vec3 point, float max_distance) const;

  // Triangles the input held (indices.size() / 3), skipped ones included.
  std::size_t triangle_count() const { return input_triangles_; }

 private:
  // Left uninitialised on allocation: the tree is allocated for its largest possible
  // size, and pages of it never written cost no memory.
  struct Node {
    float min[3], max[3];  // the box
    std::uint32_t first;   // leaf: first triangle in triangles_; inner: left child
    std::uint32_t count;   // leaf: number of triangles; inner: 0 (right = left + 1)
  };
  // A kept triangle in leaf order, as the intersection test wants it.
  struct Triangle {
    Vec3 a, edge1, edge2;  // b = a + edge1, c = a + edge2
    std::uint32_t id = 0;  // index in the input
  };
  std::size_t input_triangles_ = 0;
  std::vector<Triangle> triangles_;
  std::unique_ptr<Node[]> nodes_;
  std::uint32_t node_count_ = 0;
};

}  // namespace atlas::geometry
