#include "geometry/surface_distance.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "geometry/triangle_bvh.h"

namespace atlas::geometry {
namespace {

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

// The triangles that make up a surface (the ones TriangleBvh keeps), with their
// cumulative areas for sampling and the vertices they use.
struct Surface {
  std::vector<std::uint32_t> triangles;
  std::vector<double> cumulative_area;
  std::vector<Vec3> vertices;
};

Surface surface_of(const Primitive& mesh) {
  Surface surface;
  const std::vector<Vec3>& p = mesh.positions;
  std::vector<char> used(p.size(), 0);
  double total = 0;
  for (std::size_t t = 0; t + 2 < mesh.indices.size(); t += 3) {
    const std::uint32_t i0 = mesh.indices[t], i1 = mesh.indices[t + 1], i2 = mesh.indices[t + 2];
    if (i0 >= p.size() || i1 >= p.size() || i2 >= p.size()) continue;
    if (!finite(p[i0]) || !finite(p[i1]) || !finite(p[i2])) continue;
    const Vec3 n = cross(p[i1] - p[i0], p[i2] - p[i0]);
    const float n2 = dot(n, n);
    if (!(n2 > 0) || !std::isfinite(n2)) continue;
    total += 0.5 * std::sqrt(double(n2));
    surface.triangles.push_back(std::uint32_t(t / 3));
    surface.cumulative_area.push_back(total);
    used[i0] = used[i1] = used[i2] = 1;
  }
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (used[i]) surface.vertices.push_back(p[i]);
  }
  return surface;
}

// A uniform double in [0, 1) from the engine's raw 64 bits: the engine's output sequence
// is fixed by the standard, the standard distributions' are not.
double unit(std::mt19937_64& random) { return double(random() >> 11) * 0x1.0p-53; }

std::vector<Vec3> sample_by_area(const Primitive& mesh, const Surface& surface, std::size_t count,
                                 std::uint64_t seed) {
  std::mt19937_64 random(seed);
  const double total = surface.cumulative_area.back();
  std::vector<Vec3> points(count);
  for (Vec3& point : points) {
    const double pick = unit(random) * total;
    const std::size_t k = std::min<std::size_t>(
        std::upper_bound(surface.cumulative_area.begin(), surface.cumulative_area.end(), pick) -
            surface.cumulative_area.begin(),
        surface.triangles.size() - 1);
    const std::uint32_t* corner = &mesh.indices[3 * std::size_t(surface.triangles[k])];
    const Vec3 a = mesh.positions[corner[0]], b = mesh.positions[corner[1]],
               c = mesh.positions[corner[2]];
    // Uniform on the triangle: the square root undoes the area growth towards the base.
    const double s = std::sqrt(unit(random)), r = unit(random);
    const double wa = 1 - s, wb = s * (1 - r), wc = s * r;
    point = {float(wa * a.x + wb * b.x + wc * c.x), float(wa * a.y + wb * b.y + wc * c.y),
             float(wa * a.z + wb * b.z + wc * c.z)};
  }
  return points;
}

std::vector<float> distances_to(const std::vector<Vec3>& points, const TriangleBvh& target) {
  std::vector<float> distances(points.size());
  constexpr float kUnbounded = std::numeric_limits<float>::infinity();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, points.size(), 1024),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        distances[i] = target.closest_point(points[i], kUnbounded).distance;
                      }
                    });
  return distances;
}

DirectedDistance directed(const Primitive& from, const Surface& surface, const TriangleBvh& to,
                          std::size_t samples, std::uint64_t seed) {
  DirectedDistance result;
  result.samples = samples;
  // Summed in a fixed order so the figures do not depend on the thread count.
  double sum = 0, sum_squares = 0, max = 0;
  for (float d : distances_to(sample_by_area(from, surface, samples, seed), to)) {
    sum += d;
    sum_squares += double(d) * d;
    max = std::max(max, double(d));
  }
  for (float d : distances_to(surface.vertices, to)) max = std::max(max, double(d));
  result.mean = sum / double(samples);
  result.rms = std::sqrt(sum_squares / double(samples));
  result.max = max;
  return result;
}

}  // namespace

Result<SurfaceDistance> surface_distance(const Primitive& a, const Primitive& b,
                                         const SurfaceDistanceOptions& options) {
  if (options.samples == 0) return make_error("surface distance: the sample count is 0");
  const Surface surface_a = surface_of(a), surface_b = surface_of(b);
  if (surface_a.triangles.empty() || surface_b.triangles.empty()) {
    return make_error(std::string("surface distance: the ") +
                      (surface_a.triangles.empty() ? "first" : "second") +
                      " mesh has no triangle with area");
  }
  const TriangleBvh bvh_a(a.positions, a.indices), bvh_b(b.positions, b.indices);
  SurfaceDistance result;
  // Different streams, so a surface compared with itself is not sampled at the very
  // points it is measured from in the other direction.
  result.a_to_b = directed(a, surface_a, bvh_b, options.samples, options.seed);
  result.b_to_a =
      directed(b, surface_b, bvh_a, options.samples, options.seed ^ 0x9e3779b97f4a7c15ull);
  result.mean = 0.5 * (result.a_to_b.mean + result.b_to_a.mean);
  result.max = std::max(result.a_to_b.max, result.b_to_a.max);
  return result;
}

}  // namespace atlas::geometry
