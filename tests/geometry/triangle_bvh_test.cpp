#include "geometry/triangle_bvh.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "formats/asset_io.h"
#include "geometry/merge.h"
#include "test_support.h"

namespace atlas::geometry {
namespace {

constexpr float kInfinity = std::numeric_limits<float>::infinity();

struct Soup {
  std::vector<Vec3> positions;
  std::vector<std::uint32_t> indices;
};

Soup load_soup(const std::string& file) {
  Result<Mesh> mesh = load_mesh(test::testdata(file));
  EXPECT_TRUE(mesh.ok()) << (mesh.ok() ? "" : mesh.error().message);
  if (!mesh.ok()) return {};
  const Primitive merged = merge_primitives(*mesh);
  return {merged.positions, merged.indices};
}

// Brute force, in double precision: Moller-Trumbore over every triangle.
struct Reference {
  bool hit = false;
  double distance = 0;
};

Reference brute_intersect(const Soup& soup, Vec3 origin, Vec3 direction, double t_max,
                          double t_min = 0) {
  Reference best;
  best.distance = t_max;
  for (std::size_t t = 0; t + 2 < soup.indices.size(); t += 3) {
    const Vec3 a = soup.positions[soup.indices[t]], b = soup.positions[soup.indices[t + 1]],
               c = soup.positions[soup.indices[t + 2]];
    const double e1[3] = {double(b.x) - a.x, double(b.y) - a.y, double(b.z) - a.z};
    const double e2[3] = {double(c.x) - a.x, double(c.y) - a.y, double(c.z) - a.z};
    const double d[3] = {direction.x, direction.y, direction.z};
    const double p[3] = {d[1] * e2[2] - d[2] * e2[1], d[2] * e2[0] - d[0] * e2[2],
                         d[0] * e2[1] - d[1] * e2[0]};
    const double det = e1[0] * p[0] + e1[1] * p[1] + e1[2] * p[2];
    if (det == 0) continue;
    const double s[3] = {double(origin.x) - a.x, double(origin.y) - a.y, double(origin.z) - a.z};
    const double u = (s[0] * p[0] + s[1] * p[1] + s[2] * p[2]) / det;
    if (u < 0 || u > 1) continue;
    const double q[3] = {s[1] * e1[2] - s[2] * e1[1], s[2] * e1[0] - s[0] * e1[2],
                         s[0] * e1[1] - s[1] * e1[0]};
    const double v = (d[0] * q[0] + d[1] * q[1] + d[2] * q[2]) / det;
    if (v < 0 || u + v > 1) continue;
    const double distance = (e2[0] * q[0] + e2[1] * q[1] + e2[2] * q[2]) / det;
    if (distance >= t_min && distance <= best.distance) best = {true, distance};
  }
  return best;
}

// Distance from p to segment ab.
double segment_distance(const double p[3], const double a[3], const double b[3]) {
  double ab[3], ap[3];
  for (int k = 0; k < 3; ++k) ab[k] = b[k] - a[k], ap[k] = p[k] - a[k];
  const double length2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
  double s = length2 > 0 ? (ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / length2 : 0;
  s = std::fmin(1, std::fmax(0, s));
  double d2 = 0;
  for (int k = 0; k < 3; ++k) d2 += (ap[k] - s * ab[k]) * (ap[k] - s * ab[k]);
  return std::sqrt(d2);
}

// Distance to the nearest triangle: the plane distance when the projection falls
// inside, else the nearest edge (a different method from the BVH's region tests).
double brute_closest(const Soup& soup, Vec3 point) {
  const double p[3] = {point.x, point.y, point.z};
  double best = INFINITY;
  for (std::size_t t = 0; t + 2 < soup.indices.size(); t += 3) {
    double v[3][3];
    for (int k = 0; k < 3; ++k) {
      const Vec3 c = soup.positions[soup.indices[t + k]];
      v[k][0] = c.x, v[k][1] = c.y, v[k][2] = c.z;
    }
    double e1[3], e2[3], n[3];
    for (int k = 0; k < 3; ++k) e1[k] = v[1][k] - v[0][k], e2[k] = v[2][k] - v[0][k];
    n[0] = e1[1] * e2[2] - e1[2] * e2[1];
    n[1] = e1[2] * e2[0] - e1[0] * e2[2];
    n[2] = e1[0] * e2[1] - e1[1] * e2[0];
    const double n2 = n[0] * n[0] + n[1] * n[1] + n[2] * n[2];
    if (!(n2 > 0)) continue;
    const double h =
        ((p[0] - v[0][0]) * n[0] + (p[1] - v[0][1]) * n[1] + (p[2] - v[0][2]) * n[2]) / n2;
    double q[3];
    for (int k = 0; k < 3; ++k) q[k] = p[k] - h * n[k];
    bool inside = true;
    for (int k = 0; k < 3; ++k) {
      const double* a = v[k];
      const double* b = v[(k + 1) % 3];
      double ab[3], aq[3], c[3];
      for (int j = 0; j < 3; ++j) ab[j] = b[j] - a[j], aq[j] = q[j] - a[j];
      c[0] = ab[1] * aq[2] - ab[2] * aq[1];
      c[1] = ab[2] * aq[0] - ab[0] * aq[2];
      c[2] = ab[0] * aq[1] - ab[1] * aq[0];
      if (c[0] * n[0] + c[1] * n[1] + c[2] * n[2] < 0) inside = false;
    }
    double d = inside ? std::fabs(h) * std::sqrt(n2) : INFINITY;
    for (int k = 0; k < 3 && !inside; ++k)
      d = std::fmin(d, segment_distance(p, v[k], v[(k + 1) % 3]));
    best = std::fmin(best, d);
  }
  return best;
}

Vec3 random_unit(std::mt19937& random) {
  std::normal_distribution<float> normal;
  for (;;) {
    const Vec3 v{normal(random), normal(random), normal(random)};
    if (length(v) > 1e-3f) return normalize(v);
  }
}

TEST(TriangleBvh, RayHitsMatchBruteForceOnARealMesh) {
  const Soup spot = load_soup("meshes/spot.obj");
  ASSERT_GT(spot.indices.size(), 3000u);
  const TriangleBvh bvh(spot.positions, spot.indices);
  EXPECT_EQ(bvh.triangle_count(), spot.indices.size() / 3);
  Bounds bounds;
  for (Vec3 p : spot.positions) bounds.extend(p);
  std::mt19937 random(7);
  std::uniform_real_distribution<float> unit(0, 1);
  int hits = 0;
  for (int i = 0; i < 300; ++i) {
    // From around the bounding box towards a random point inside it, so most rays hit.
    const Vec3 size = bounds.size();
    const Vec3 target{bounds.min.x + unit(random) * size.x, bounds.min.y + unit(random) * size.y,
                      bounds.min.z + unit(random) * size.z};
    const Vec3 origin = bounds.center() + random_unit(random) * bounds.longest_side();
    const Vec3 direction = target - origin;  // not unit: distances are in its length
    const RayHit hit = bvh.intersect(origin, direction, 0, 10);
    const Reference expected = brute_intersect(spot, origin, direction, 10);
    ASSERT_EQ(hit.hit, expected.hit) << "ray " << i;
    if (!hit.hit) continue;
    ++hits;
    EXPECT_NEAR(hit.distance, expected.distance, 1e-4) << "ray " << i;
    // The reported triangle and barycentrics give the hit point.
    const std::uint32_t* corner = &spot.indices[3 * std::size_t(hit.triangle)];
    const Vec3 a = spot.positions[corner[0]], b = spot.positions[corner[1]],
               c = spot.positions[corner[2]];
    const Vec3 on_triangle = a * (1 - hit.u - hit.v) + b * hit.u + c * hit.v;
    const Vec3 on_ray = origin + direction * hit.distance;
    EXPECT_LT(length(on_triangle - on_ray), 1e-4f) << "ray " << i;
  }
  EXPECT_GT(hits, 150);
}

TEST(TriangleBvh, RespectsTheParameterRange) {
  const Soup spot = load_soup("meshes/spot.obj");
  const TriangleBvh bvh(spot.positions, spot.indices);
  const Vec3 origin{0, 0.3f, 5}, direction{0, 0, -1};
  const RayHit first = bvh.intersect(origin, direction, 0, 100);
  ASSERT_TRUE(first.hit);
  // Starting just past the first hit finds the next surface behind it.
  const float past = first.distance + 1e-3f;
  const RayHit second = bvh.intersect(origin, direction, past, 100);
  ASSERT_TRUE(second.hit);
  EXPECT_GT(second.distance, first.distance);
  EXPECT_NEAR(second.distance, brute_intersect(spot, origin, direction, 100, past).distance, 1e-4);
  EXPECT_FALSE(bvh.intersect(origin, direction, 0, first.distance * 0.99f).hit);
}

TEST(TriangleBvh, NearestOnTheLineEitherWay) {
  const Soup spot = load_soup("meshes/spot.obj");
  const TriangleBvh bvh(spot.positions, spot.indices);
  Bounds bounds;
  for (Vec3 p : spot.positions) bounds.extend(p);
  std::mt19937 random(13);
  std::uniform_real_distribution<float> unit(0, 1);
  int found = 0;
  for (int i = 0; i < 200; ++i) {
    const Vec3 size = bounds.size();
    const Vec3 origin{bounds.min.x + unit(random) * size.x, bounds.min.y + unit(random) * size.y,
                      bounds.min.z + unit(random) * size.z};
    const Vec3 direction = random_unit(random);
    const float limit = 0.3f;
    const RayHit hit = bvh.nearest_on_line(origin, direction, limit);
    const Reference ahead = brute_intersect(spot, origin, direction, limit);
    const Reference behind = brute_intersect(spot, origin, direction * -1.0f, limit);
    ASSERT_EQ(hit.hit, ahead.hit || behind.hit) << i;
    if (!hit.hit) continue;
    ++found;
    const double expected =
        std::min(ahead.hit ? ahead.distance : INFINITY, behind.hit ? behind.distance : INFINITY);
    EXPECT_NEAR(std::fabs(hit.distance), expected, 1e-4) << i;
    if (ahead.hit != behind.hit) {
      EXPECT_EQ(hit.distance < 0, behind.hit) << i;
    }
  }
  EXPECT_GT(found, 50);
  EXPECT_FALSE(bvh.nearest_on_line({0, 0, 5}, {0, 0, 1}, -1).hit);
}

TEST(TriangleBvh, RaysThatMiss) {
  const Soup spot = load_soup("meshes/spot.obj");
  const TriangleBvh bvh(spot.positions, spot.indices);
  // Away from the mesh, beside it, and degenerate rays.
  EXPECT_FALSE(bvh.intersect({0, 0, 5}, {0, 0, 1}, 0, kInfinity).hit);
  EXPECT_FALSE(bvh.intersect({5, 5, 5}, {0, 0, -1}, 0, kInfinity).hit);
  EXPECT_FALSE(bvh.intersect({0, 0, 5}, {0, 0, 0}, 0, kInfinity).hit);
  EXPECT_FALSE(bvh.intersect({NAN, 0, 5}, {0, 0, -1}, 0, kInfinity).hit);
  EXPECT_FALSE(bvh.intersect({0, 0, 5}, {0, 0, -1}, 3, 1).hit);
}

TEST(TriangleBvh, ClosestPointMatchesBruteForce) {
  const Soup suzanne = load_soup("meshes/suzanne.obj");
  ASSERT_GT(suzanne.indices.size(), 900u);
  const TriangleBvh bvh(suzanne.positions, suzanne.indices);
  Bounds bounds;
  for (Vec3 p : suzanne.positions) bounds.extend(p);
  std::mt19937 random(11);
  std::uniform_real_distribution<float> unit(-0.25f, 1.25f);
  for (int i = 0; i < 200; ++i) {
    const Vec3 size = bounds.size();
    const Vec3 point{bounds.min.x + unit(random) * size.x, bounds.min.y + unit(random) * size.y,
                     bounds.min.z + unit(random) * size.z};
    const RayHit nearest = bvh.closest_point(point, kInfinity);
    ASSERT_TRUE(nearest.hit);
    const double expected = brute_closest(suzanne, point);
    EXPECT_NEAR(nearest.distance, expected, 1e-4 + 1e-5 * expected) << "point " << i;
    const std::uint32_t* corner = &suzanne.indices[3 * std::size_t(nearest.triangle)];
    const Vec3 on_triangle = suzanne.positions[corner[0]] * (1 - nearest.u - nearest.v) +
                             suzanne.positions[corner[1]] * nearest.u +
                             suzanne.positions[corner[2]] * nearest.v;
    EXPECT_NEAR(length(on_triangle - point), nearest.distance, 1e-4) << "point " << i;
    // Within a smaller radius than the distance there is nothing.
    EXPECT_FALSE(bvh.closest_point(point, nearest.distance * 0.99f).hit);
  }
}

TEST(TriangleBvh, SkipsDegenerateAndInvalidTriangles) {
  const std::vector<Vec3> positions = {{0, 0, 0},        {1, 0, 0}, {0, 1, 0},  // a good triangle
                                       {2, 0, 0},        {3, 0, 0}, {4, 0, 0},  // collinear
                                       {NAN, 0, 0},      {0, 0, 1}, {1, 0, 1},  // NaN corner
                                       {0, 0, INFINITY}, {5, 5, 5}, {6, 5, 5}};
  const std::vector<std::uint32_t> indices = {0,  1,  2, 3, 4, 5, 6, 7,  8, 9,
                                              10, 11, 0, 0, 1, 0, 1, 99, 0, 1};  // trailing partial
  const TriangleBvh bvh(positions, indices);
  EXPECT_EQ(bvh.triangle_count(), 6u);
  const RayHit hit = bvh.intersect({0.25f, 0.25f, 1}, {0, 0, -1}, 0, kInfinity);
  ASSERT_TRUE(hit.hit);
  EXPECT_EQ(hit.triangle, 0u);
  EXPECT_NEAR(hit.distance, 1, 1e-6);
  EXPECT_FALSE(bvh.intersect({3, 0, 1}, {0, 0, -1}, 0, kInfinity).hit);
  // The closest point is always on the good triangle.
  for (Vec3 p : {Vec3{3, 0, 0}, Vec3{5, 5, 5}, Vec3{0.5f, 0, 1}}) {
    const RayHit nearest = bvh.closest_point(p, kInfinity);
    ASSERT_TRUE(nearest.hit);
    EXPECT_EQ(nearest.triangle, 0u);
  }
  EXPECT_FALSE(bvh.closest_point({NAN, 0, 0}, kInfinity).hit);
  EXPECT_FALSE(bvh.closest_point({0, 0, 0}, -1).hit);
}

TEST(TriangleBvh, EmptyInputAnswersNothing) {
  const TriangleBvh empty({}, {});
  EXPECT_EQ(empty.triangle_count(), 0u);
  EXPECT_FALSE(empty.intersect({0, 0, 0}, {0, 0, 1}, 0, kInfinity).hit);
  EXPECT_FALSE(empty.closest_point({0, 0, 0}, kInfinity).hit);
}

}  // namespace
}  // namespace atlas::geometry
