#include "geometry/lscm.h"

#include <gtest/gtest.h>

#include <cmath>

namespace atlas::geometry {
namespace {

struct Patch {
  std::vector<Vec3> points;
  std::vector<std::uint32_t> corners;
};

// An n x n grid of squares (two counter-clockwise triangles each) mapped through f(u, v).
template <typename F>
Patch grid(int n, F&& f) {
  Patch patch;
  for (int j = 0; j <= n; ++j) {
    for (int i = 0; i <= n; ++i) patch.points.push_back(f(double(i) / n, double(j) / n));
  }
  auto id = [n](int i, int j) { return std::uint32_t(j * (n + 1) + i); };
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) {
      patch.corners.insert(patch.corners.end(), {id(i, j), id(i + 1, j), id(i + 1, j + 1)});
      patch.corners.insert(patch.corners.end(), {id(i, j), id(i + 1, j + 1), id(i, j + 1)});
    }
  }
  return patch;
}

bool all_counter_clockwise(const Patch& patch, const std::vector<UvPoint>& uv) {
  for (std::size_t c = 0; c < patch.corners.size(); c += 3) {
    if (!(uv_area(uv[patch.corners[c]], uv[patch.corners[c + 1]], uv[patch.corners[c + 2]]) > 0)) {
      return false;
    }
  }
  return true;
}

TEST(Lscm, FlattensATiltedPlaneIsometrically) {
  const Patch plane = grid(12, [](double u, double v) {
    return Vec3{float(u), float(0.6 * v), float(0.8 * v + 0.3 * u)};
  });
  const std::vector<UvPoint> uv = parametrise_chart(plane.points, plane.corners);
  ASSERT_EQ(uv.size(), plane.points.size());
  EXPECT_TRUE(all_counter_clockwise(plane, uv));
  EXPECT_NEAR(l2_stretch(plane.points, plane.corners, uv), 1.0, 1e-6);
  // Every edge keeps its length up to one common factor.
  double ratio = 0;
  for (std::size_t c = 0; c < plane.corners.size(); ++c) {
    const std::uint32_t a = plane.corners[c], b = plane.corners[c / 3 * 3 + (c % 3 + 1) % 3];
    const double l3 = length(plane.points[a] - plane.points[b]);
    const double l2 = std::hypot(uv[a].u - uv[b].u, uv[a].v - uv[b].v);
    if (ratio == 0) ratio = l2 / l3;
    EXPECT_NEAR(l2 / l3, ratio, 1e-4 * ratio);
  }
  EXPECT_FALSE(boundary_self_intersects(plane.corners, uv));
}

TEST(Lscm, UnrollsAHalfCylinderWithLittleStretch) {
  const Patch half = grid(16, [](double u, double v) {
    const double angle = 3.14159265358979 * u;
    return Vec3{float(std::cos(angle)), float(std::sin(angle)), float(2 * v)};
  });
  const std::vector<UvPoint> uv = parametrise_chart(half.points, half.corners);
  EXPECT_TRUE(all_counter_clockwise(half, uv));
  EXPECT_LT(l2_stretch(half.points, half.corners, uv), 1.01);
  EXPECT_FALSE(boundary_self_intersects(half.corners, uv));
}

TEST(Lscm, FlattensMostOfAHemisphereWithoutFolding) {
  // Not developable: some stretch is unavoidable, but the map stays one-to-one. The grid
  // runs once around (its seam at u = 0 and u = 1 is a cut) from near the pole down to
  // the equator.
  const Patch cap = grid(16, [](double u, double v) {
    const double theta = 2 * 3.14159265358979 * u, phi = (0.15 + 0.85 * v) * 0.5 * 3.14159265358979;
    return Vec3{float(std::sin(phi) * std::cos(theta)), float(std::sin(phi) * std::sin(theta)),
                float(std::cos(phi))};
  });
  const std::vector<UvPoint> uv = parametrise_chart(cap.points, cap.corners);
  ASSERT_FALSE(uv.empty());
  EXPECT_TRUE(all_counter_clockwise(cap, uv));
  EXPECT_FALSE(boundary_self_intersects(cap.corners, uv));
  EXPECT_LT(l2_stretch(cap.points, cap.corners, uv), 1.5);
}

TEST(Lscm, StretchOfAKnownAffineMap) {
  const std::vector<Vec3> points = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  const std::vector<std::uint32_t> corners = {0, 1, 2};
  // UV = (2x, y): the map back to 3D halves u. L2 = sqrt((1/4 + 1) / 2), normalised by
  // sqrt(UV area / 3D area) = sqrt(2).
  const std::vector<UvPoint> uv = {{0, 0}, {2, 0}, {0, 1}};
  EXPECT_NEAR(l2_stretch(points, corners, uv), std::sqrt(0.625) * std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(l2_stretch(points, corners, {{0, 0}, {3, 0}, {0, 3}}), 1.0, 1e-12);
  EXPECT_EQ(l2_stretch(points, corners, {{0, 0}, {0, 1}, {1, 0}}), INFINITY);
  const StretchSums sums = stretch_sums(points, corners, uv);
  EXPECT_NEAR(sums.area_3d, 0.5, 1e-12);
  EXPECT_NEAR(sums.area_uv, 1.0, 1e-12);
}

TEST(Lscm, FindsABorderThatCrossesItself) {
  // A fan of five triangles around vertex 0 whose rim winds 450 degrees: the last
  // triangles lie over the first ones.
  std::vector<UvPoint> uv = {{0, 0}};
  std::vector<std::uint32_t> corners;
  for (int k = 0; k <= 5; ++k) {
    const double angle = k * 1.5 * 3.14159265358979 / 3.0;
    uv.push_back({std::cos(angle), std::sin(angle)});
    if (k > 0) corners.insert(corners.end(), {0, std::uint32_t(k), std::uint32_t(k + 1)});
  }
  EXPECT_TRUE(boundary_self_intersects(corners, uv));
  // Three triangles covering 270 degrees do not.
  corners.resize(9);
  uv.resize(5);
  EXPECT_FALSE(boundary_self_intersects(corners, uv));
  EXPECT_EQ(border_edges(corners).size(), 5u);
}

TEST(Lscm, SingleTriangleKeepsItsShape) {
  const std::vector<Vec3> points = {{0, 0, 1}, {0, 3, 1}, {0, 0, 5}};
  const std::vector<std::uint32_t> corners = {0, 1, 2};
  const std::vector<UvPoint> uv = parametrise_chart(points, corners);
  ASSERT_EQ(uv.size(), 3u);
  EXPECT_NEAR(uv_area(uv[0], uv[1], uv[2]), 6.0, 1e-9);
  EXPECT_NEAR(l2_stretch(points, corners, uv), 1.0, 1e-9);
}

TEST(Lscm, DegenerateInputGivesNoMap) {
  EXPECT_TRUE(parametrise_chart({}, {}).empty());
  EXPECT_TRUE(parametrise_chart({{0, 0, 0}, {1, 0, 0}}, {0, 1, 1}).empty());
}

}  // namespace
}  // namespace atlas::geometry
