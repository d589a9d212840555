#include "geometry/uv_charts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "formats/asset_io.h"
#include "geometry/merge.h"
#include "test_support.h"

namespace atlas::geometry {
namespace {

struct Soup {
  std::vector<Vec3> positions;
  std::vector<std::uint32_t> indices;
};

// A unit cube with 4 vertices a face (24 in all, as exporters split them by normal),
// faces counter-clockwise seen from outside.
Soup split_cube() {
  Soup cube;
  const Vec3 corner[8] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0},
                          {0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 1, 1}};
  const int faces[6][4] = {{0, 3, 2, 1}, {4, 5, 6, 7}, {0, 1, 5, 4},
                           {2, 3, 7, 6}, {1, 2, 6, 5}, {0, 4, 7, 3}};
  for (const auto& f : faces) {
    const auto base = std::uint32_t(cube.positions.size());
    for (int k = 0; k < 4; ++k) cube.positions.push_back(corner[f[k]]);
    cube.indices.insert(cube.indices.end(), {base, base + 1, base + 2, base, base + 2, base + 3});
  }
  return cube;
}

// An open tube: n quads around, one ring of quads high.
Soup tube(int n) {
  Soup soup;
  for (int ring = 0; ring < 2; ++ring) {
    for (int i = 0; i < n; ++i) {
      const double a = 2 * 3.14159265358979 * i / n;
      soup.positions.push_back({float(std::cos(a)), float(std::sin(a)), float(ring)});
    }
  }
  for (int i = 0; i < n; ++i) {
    const std::uint32_t a = i, b = (i + 1) % n, c = n + (i + 1) % n, d = n + i;
    soup.indices.insert(soup.indices.end(), {a, b, c, a, c, d});
  }
  return soup;
}

std::vector<std::uint32_t> all_triangles(const ChartSurface& surface) {
  std::vector<std::uint32_t> all(surface.triangle_count());
  for (std::uint32_t t = 0; t < all.size(); ++t) all[t] = t;
  return all;
}

TEST(UvCharts, WeldsSplitVerticesAndJoinsFaces) {
  const Soup cube = split_cube();
  const ChartSurface surface = build_chart_surface(cube.positions, cube.indices);
  EXPECT_EQ(surface.points.size(), 8u);
  EXPECT_EQ(surface.triangle_count(), 12u);
  for (std::uint32_t t = 0; t < 12; ++t) {
    EXPECT_FALSE(surface.degenerate(t));
    EXPECT_NEAR(surface.areas[t], 0.5, 1e-6);
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t other = surface.neighbours[t][k];
      ASSERT_NE(other, kNoTriangle) << t;
      // Neighbourhood is symmetric.
      const auto& back = surface.neighbours[other];
      EXPECT_NE(std::find(back.begin(), back.end(), t), back.end());
    }
  }
}

TEST(UvCharts, GrowsOneChartACubeFace) {
  const Soup cube = split_cube();
  const ChartSurface surface = build_chart_surface(cube.positions, cube.indices);
  const auto charts = grow_charts(surface);
  ASSERT_EQ(charts.size(), 6u);
  std::set<std::uint32_t> seen;
  for (const auto& chart : charts) {
    ASSERT_EQ(chart.size(), 2u);
    EXPECT_EQ(surface.normals[chart[0]], surface.normals[chart[1]]);
    seen.insert(chart.begin(), chart.end());
    const ChartMesh mesh = build_chart_mesh(surface, chart);
    EXPECT_TRUE(mesh.disc);
    EXPECT_EQ(mesh.vertex_points.size(), 4u);
  }
  EXPECT_EQ(seen.size(), 12u);
}

TEST(UvCharts, ClosedPiecesAreNotDiscsAndSplitIntoConnectedParts) {
  const Soup cube = split_cube();
  const ChartSurface surface = build_chart_surface(cube.positions, cube.indices);
  const std::vector<std::uint32_t> everything = all_triangles(surface);
  const ChartMesh closed = build_chart_mesh(surface, everything);
  EXPECT_FALSE(closed.disc);
  EXPECT_EQ(closed.boundary_loops, 0);
  const auto parts = split_chart(surface, everything);
  ASSERT_EQ(parts.size(), 2u);
  std::set<std::uint32_t> seen;
  for (const auto& part : parts) {
    EXPECT_GE(part.size(), 3u);
    seen.insert(part.begin(), part.end());
    // Connected: one chart mesh, faces joined.
    EXPECT_TRUE(build_chart_mesh(surface, part).connected_manifold);
  }
  EXPECT_EQ(seen.size(), everything.size());
}

TEST(UvCharts, CutsATubeOpenIntoADisc) {
  const Soup open_tube = tube(12);
  const ChartSurface surface = build_chart_surface(open_tube.positions, open_tube.indices);
  const ChartMesh mesh = build_chart_mesh(surface, all_triangles(surface));
  EXPECT_TRUE(mesh.disc);
  EXPECT_EQ(mesh.boundary_loops, 1);
  // The cut runs from one rim to the other along one edge: its two points each become
  // two chart vertices.
  EXPECT_EQ(mesh.vertex_points.size(), surface.points.size() + 2);
}

TEST(UvCharts, SharpFoldsAndExtraFacesAtAnEdgeAreNotJoined) {
  // Triangles 0 and 1 fold flat onto each other along edge (0, 1); triangle 2 continues
  // triangle 0 smoothly; triangle 3 is a fin on the same edge as 2.
  const std::vector<Vec3> positions = {{0, 0, 0},        {1, 0, 0},    {0.5f, 1, 0},
                                       {0.5f, 1, 0.01f}, {1.5f, 1, 0}, {1, 0, 1}};
  const std::vector<std::uint32_t> indices = {0, 1, 2, 1, 0, 3, 2, 1, 4, 1, 2, 5};
  const ChartSurface surface = build_chart_surface(positions, indices);
  EXPECT_EQ(surface.neighbours[0][0], kNoTriangle);  // the fold
  EXPECT_EQ(surface.folds[0][0], 1u);
  // Edge (1, 2) has three faces; the flat pair (0, 2) meets, the fin stays apart.
  EXPECT_EQ(surface.neighbours[0][1], 2u);
  EXPECT_EQ(surface.neighbours[3][0], kNoTriangle);
}

TEST(UvCharts, DegenerateTrianglesBelongToNoChart) {
  const std::vector<Vec3> positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {2, 0, 0}};
  // A proper triangle, one with a repeated corner, one with collinear corners.
  const std::vector<std::uint32_t> indices = {0, 1, 2, 0, 0, 1, 0, 1, 3};
  const ChartSurface surface = build_chart_surface(positions, indices);
  EXPECT_FALSE(surface.degenerate(0));
  EXPECT_TRUE(surface.degenerate(1));
  EXPECT_TRUE(surface.degenerate(2));
  const auto charts = grow_charts(surface);
  ASSERT_EQ(charts.size(), 1u);
  EXPECT_EQ(charts[0], std::vector<std::uint32_t>{0});
}

TEST(UvCharts, EveryFaceOfARealScanIsInExactlyOneConnectedChart) {
  Result<Mesh> mesh = load_mesh(test::testdata("meshes/spot.obj"));
  ASSERT_TRUE(mesh.ok()) << mesh.error().message;
  const Primitive spot = merge_primitives(*mesh);
  const ChartSurface surface = build_chart_surface(spot.positions, spot.indices);
  const auto charts = grow_charts(surface);
  EXPECT_GT(charts.size(), 6u);
  EXPECT_LT(charts.size(), 100u);
  std::vector<int> count(surface.triangle_count(), 0);
  for (const auto& chart : charts) {
    for (std::uint32_t t : chart) ++count[t];
    EXPECT_TRUE(build_chart_mesh(surface, chart).connected_manifold);
  }
  EXPECT_TRUE(std::all_of(count.begin(), count.end(), [](int c) { return c == 1; }));
}

}  // namespace
}  // namespace atlas::geometry
