#include "geometry/uv_atlas.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "formats/asset_io.h"
#include "geometry/merge.h"
#include "geometry/simplify.h"
#include "test_support.h"

namespace atlas::geometry {
namespace {

constexpr int kSize = 1024;
constexpr int kGutter = 4;

Primitive must_load(const char* name) {
  Result<Mesh> mesh = load_mesh(test::testdata(std::string("meshes/") + name));
  EXPECT_TRUE(mesh.ok()) << mesh.error().message;
  return mesh.ok() ? merge_primitives(*mesh) : Primitive{};
}

double twice_uv_area(Vec2 a, Vec2 b, Vec2 c) {
  return (double(b.x) - a.x) * (double(c.y) - a.y) - (double(c.x) - a.x) * (double(b.y) - a.y);
}

double triangle_area(Vec3 a, Vec3 b, Vec3 c) { return 0.5 * length(cross(b - a, c - a)); }

// Whether the closed texel square [x, x+1] x [y, y+1] meets the triangle (texel units):
// separating axes are the square's two axes and the triangle's three edge normals.
bool texel_meets_triangle(int x, int y, const double (&p)[3][2]) {
  for (int axis = 0; axis < 2; ++axis) {
    const double lo = std::min({p[0][axis], p[1][axis], p[2][axis]});
    const double hi = std::max({p[0][axis], p[1][axis], p[2][axis]});
    const int at = axis == 0 ? x : y;
    if (at + 1 < lo || at > hi) return false;
  }
  for (int k = 0; k < 3; ++k) {
    const double* a = p[k];
    const double* b = p[(k + 1) % 3];
    const double* c = p[(k + 2) % 3];
    const double nx = -(b[1] - a[1]), ny = b[0] - a[0];
    const double side = nx * (c[0] - a[0]) + ny * (c[1] - a[1]);
    if (side == 0) continue;
    const double sign = side > 0 ? 1 : -1;
    double best = -INFINITY;
    for (int corner = 0; corner < 4; ++corner) {
      const double cx = x + (corner & 1), cy = y + (corner >> 1);
      best = std::max(best, sign * (nx * (cx - a[0]) + ny * (cy - a[1])));
    }
    if (best < 0) return false;
  }
  return true;
}

struct AtlasCheck {
  std::size_t charts = 0;
  std::size_t zero_area_triangles = 0;
  std::size_t overlapping_texels = 0;  // covered by two charts
  std::size_t gutter_violations = 0;   // texels with another chart within the gutter
  std::size_t border_violations = 0;   // covered texels within the gutter of the border
  std::size_t flipped_triangles = 0;   // UV winding against the chart's majority
  std::size_t non_disc_charts = 0;     // Euler characteristic of the chart's mesh != 1
  double efficiency = 0;
  double mean_stretch = 0;
};

// Checks an unwrapped mesh on its own: charts are the pieces of the mesh joined through
// corners with the same position and UV; every triangle is rasterised conservatively.
AtlasCheck check_atlas(const Primitive& mesh, int size, int gutter) {
  AtlasCheck check;
  const std::size_t triangles = mesh.triangle_count();
  // Weld corners by (position, uv).
  std::map<std::tuple<float, float, float, float, float>, std::uint32_t> welded;
  std::vector<std::uint32_t> corner_vertex(mesh.indices.size());
  for (std::size_t c = 0; c < mesh.indices.size(); ++c) {
    const Vec3 p = mesh.positions[mesh.indices[c]];
    const Vec2 uv = mesh.uv0[mesh.indices[c]];
    corner_vertex[c] =
        welded.try_emplace({p.x, p.y, p.z, uv.x, uv.y}, std::uint32_t(welded.size())).first->second;
  }
  std::vector<std::uint32_t> parent(welded.size());
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<bool> skip(triangles, false);
  for (std::size_t t = 0; t < triangles; ++t) {
    const Vec2 a = mesh.uv0[mesh.indices[3 * t]], b = mesh.uv0[mesh.indices[3 * t + 1]],
               c = mesh.uv0[mesh.indices[3 * t + 2]];
    if (twice_uv_area(a, b, c) == 0) {
      skip[t] = true;
      ++check.zero_area_triangles;
      continue;
    }
    for (int k = 1; k < 3; ++k) {
      const std::uint32_t x = find(corner_vertex[3 * t]), y = find(corner_vertex[3 * t + k]);
      if (x != y) parent[std::max(x, y)] = std::min(x, y);
    }
  }
  std::map<std::uint32_t, int> chart_ids;
  std::vector<int> chart_of(triangles, -1);
  for (std::size_t t = 0; t < triangles; ++t) {
    if (skip[t]) continue;
    chart_of[t] =
        chart_ids.try_emplace(find(corner_vertex[3 * t]), int(chart_ids.size())).first->second;
  }
  check.charts = chart_ids.size();

  // Winding and Euler characteristic per chart.
  std::vector<long long> positive(check.charts, 0), negative(check.charts, 0);
  std::vector<std::set<std::uint32_t>> vertices(check.charts);
  std::vector<std::set<std::pair<std::uint32_t, std::uint32_t>>> edges(check.charts);
  std::vector<long long> faces(check.charts, 0);
  double area_uv = 0, area_3d = 0, weighted = 0;
  for (std::size_t t = 0; t < triangles; ++t) {
    if (skip[t]) continue;
    const int chart = chart_of[t];
    const std::uint32_t* idx = &mesh.indices[3 * t];
    const double twice = twice_uv_area(mesh.uv0[idx[0]], mesh.uv0[idx[1]], mesh.uv0[idx[2]]);
    (twice > 0 ? positive : negative)[chart]++;
    ++faces[chart];
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = corner_vertex[3 * t + k], b = corner_vertex[3 * t + (k + 1) % 3];
      vertices[chart].insert(a);
      edges[chart].insert({std::min(a, b), std::max(a, b)});
    }
    // L2 stretch of the map from texels to the surface.
    const Vec3 p0 = mesh.positions[idx[0]], p1 = mesh.positions[idx[1]],
               p2 = mesh.positions[idx[2]];
    const Vec2 q0 = mesh.uv0[idx[0]], q1 = mesh.uv0[idx[1]], q2 = mesh.uv0[idx[2]];
    const double a3 = triangle_area(p0, p1, p2);
    double ss = 0, st = 0;
    const double p[3][3] = {{p0.x, p0.y, p0.z}, {p1.x, p1.y, p1.z}, {p2.x, p2.y, p2.z}};
    for (int axis = 0; axis < 3; ++axis) {
      const double ds =
          (p[0][axis] * (q1.y - q2.y) + p[1][axis] * (q2.y - q0.y) + p[2][axis] * (q0.y - q1.y)) /
          twice;
      const double dt =
          (p[0][axis] * (q2.x - q1.x) + p[1][axis] * (q0.x - q2.x) + p[2][axis] * (q1.x - q0.x)) /
          twice;
      ss += ds * ds;
      st += dt * dt;
    }
    weighted += a3 * 0.5 * (ss + st);
    area_3d += a3;
    area_uv += 0.5 * std::abs(twice);
  }
  for (std::size_t c = 0; c < check.charts; ++c) {
    check.flipped_triangles += std::min(positive[c], negative[c]);
    const long long euler = static_cast<long long>(vertices[c].size()) -
                            static_cast<long long>(edges[c].size()) + faces[c];
    check.non_disc_charts += euler != 1;
  }
  check.mean_stretch = std::sqrt(weighted / area_3d) * std::sqrt(area_uv / area_3d);

  // Conservative rasterisation: the owner of every texel, -2 where two charts meet.
  std::vector<int> owner(std::size_t(size) * size, -1);
  for (std::size_t t = 0; t < triangles; ++t) {
    if (skip[t]) continue;
    double p[3][2];
    for (int k = 0; k < 3; ++k) {
      const Vec2 uv = mesh.uv0[mesh.indices[3 * t + k]];
      p[k][0] = double(uv.x) * size;
      p[k][1] = double(uv.y) * size;
    }
    const int x0 = std::max(0, int(std::floor(std::min({p[0][0], p[1][0], p[2][0]}))) - 1);
    const int x1 = std::min(size - 1, int(std::floor(std::max({p[0][0], p[1][0], p[2][0]}))));
    const int y0 = std::max(0, int(std::floor(std::min({p[0][1], p[1][1], p[2][1]}))) - 1);
    const int y1 = std::min(size - 1, int(std::floor(std::max({p[0][1], p[1][1], p[2][1]}))));
    for (int y = y0; y <= y1; ++y) {
      for (int x = x0; x <= x1; ++x) {
        if (!texel_meets_triangle(x, y, p)) continue;
        int& o = owner[std::size_t(y) * size + x];
        if (o == -1) {
          o = chart_of[t];
        } else if (o != chart_of[t] && o != -2) {
          o = -2;
          ++check.overlapping_texels;
        }
      }
    }
  }
  // Every covered texel's (2g+1)^2 window holds only its own chart: separable min and max
  // filters over chart ids (empty texels ignored).
  const int big = 1 << 30;
  std::vector<int> lo(owner.size()), hi(owner.size()), lo2(owner.size()), hi2(owner.size());
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      int mn = big, mx = -1;
      for (int dx = -gutter; dx <= gutter; ++dx) {
        const int xx = x + dx;
        if (xx < 0 || xx >= size) continue;
        const int o = owner[std::size_t(y) * size + xx];
        if (o == -1) continue;
        const int v = o == -2 ? big - 1 : o;  // a shared texel differs from every chart
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
      lo[std::size_t(y) * size + x] = mn;
      hi[std::size_t(y) * size + x] = mx;
    }
  }
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      int mn = big, mx = -1;
      for (int dy = -gutter; dy <= gutter; ++dy) {
        const int yy = y + dy;
        if (yy < 0 || yy >= size) continue;
        mn = std::min(mn, lo[std::size_t(yy) * size + x]);
        mx = std::max(mx, hi[std::size_t(yy) * size + x]);
      }
      lo2[std::size_t(y) * size + x] = mn;
      hi2[std::size_t(y) * size + x] = mx;
    }
  }
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const std::size_t i = std::size_t(y) * size + x;
      if (owner[i] == -1) continue;
      if (lo2[i] != owner[i] || hi2[i] != owner[i]) ++check.gutter_violations;
      if (x < gutter || y < gutter || x >= size - gutter || y >= size - gutter) {
        ++check.border_violations;
      }
    }
  }
  check.efficiency = area_uv;
  return check;
}

// Triangle order and every attribute survive: corner k of triangle t has the input's
// values for corner k of triangle t.
void expect_attributes_carried(const Primitive& before, const Primitive& after) {
  ASSERT_EQ(after.indices.size(), before.indices.size());
  ASSERT_EQ(after.uv0.size(), after.positions.size());
  ASSERT_EQ(after.normals.size(), before.normals.empty() ? 0 : after.positions.size());
  ASSERT_EQ(after.colors.size(), before.colors.empty() ? 0 : after.positions.size());
  for (std::size_t c = 0; c < before.indices.size(); ++c) {
    const std::uint32_t a = before.indices[c], b = after.indices[c];
    ASSERT_EQ(before.positions[a], after.positions[b]) << "corner " << c;
    if (!before.normals.empty()) {
      ASSERT_EQ(before.normals[a], after.normals[b]) << "corner " << c;
    }
    if (!before.colors.empty()) {
      ASSERT_EQ(before.colors[a], after.colors[b]) << "corner " << c;
    }
  }
  EXPECT_TRUE((Mesh{"", {after}, {}, {}}.validate().empty()));
}

struct Figures {
  std::size_t triangles;
  UnwrapStats stats;
  double seconds;
};

Figures unwrap_and_check(const char* name, Primitive mesh) {
  const Primitive input = mesh;
  UnwrapOptions options;
  options.texture_size = kSize;
  options.gutter_texels = kGutter;
  const auto start = std::chrono::steady_clock::now();
  Result<UnwrapStats> stats = unwrap_uv_atlas(mesh, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(stats.ok()) << name << ": " << stats.error().message;
  if (!stats.ok()) return {};
  expect_attributes_carried(input, mesh);
  EXPECT_EQ(mesh.positions.size(), input.positions.size() + stats->seam_vertices_added);

  const AtlasCheck check = check_atlas(mesh, kSize, kGutter);
  EXPECT_EQ(check.charts, stats->charts) << name;
  EXPECT_EQ(check.overlapping_texels, 0u) << name;
  EXPECT_EQ(check.gutter_violations, 0u) << name;
  EXPECT_EQ(check.border_violations, 0u) << name;
  EXPECT_EQ(check.flipped_triangles, 0u) << name;
  EXPECT_EQ(check.non_disc_charts, 0u) << name;
  EXPECT_GE(check.efficiency, 0.60) << name;
  EXPECT_NEAR(check.efficiency, stats->packing_efficiency, 1e-3) << name;
  EXPECT_NEAR(check.mean_stretch, stats->mean_stretch, 1e-2) << name;
  EXPECT_LE(stats->max_chart_stretch, options.max_stretch) << name;
  EXPECT_GE(stats->mean_stretch, 1.0) << name;
  EXPECT_LE(stats->mean_stretch, options.max_stretch) << name;
  // Only faces with no area of their own collapse to a point in UV.
  std::size_t degenerate = 0;
  for (std::size_t t = 0; t < input.triangle_count(); ++t) {
    const Vec3 a = input.positions[input.indices[3 * t]],
               b = input.positions[input.indices[3 * t + 1]],
               c = input.positions[input.indices[3 * t + 2]];
    const double longest = std::max({dot(b - a, b - a), dot(c - b, c - b), dot(a - c, a - c)});
    degenerate += 2 * triangle_area(a, b, c) <= 1e-6 * longest;
  }
  EXPECT_LE(check.zero_area_triangles, degenerate) << name;
  std::printf(
      "%-20s %7zu triangles %5zu charts  packing %.3f  stretch mean %.3f max %.3f  "
      "+%zu seam vertices  %.0f ms\n",
      name, input.triangle_count(), stats->charts, stats->packing_efficiency, stats->mean_stretch,
      stats->max_chart_stretch, stats->seam_vertices_added, seconds * 1000);
  return {input.triangle_count(), *stats, seconds};
}

TEST(UvAtlas, Suzanne) { unwrap_and_check("suzanne.obj", must_load("suzanne.obj")); }

// A 10 x 10 grid in the plane z = 0, two triangles a cell.
Primitive plane_grid() {
  Primitive grid;
  for (int j = 0; j <= 10; ++j) {
    for (int i = 0; i <= 10; ++i) grid.positions.push_back({float(i), float(j), 0});
  }
  for (std::uint32_t j = 0; j < 10; ++j) {
    for (std::uint32_t i = 0; i < 10; ++i) {
      const std::uint32_t a = j * 11 + i;
      grid.indices.insert(grid.indices.end(), {a, a + 1, a + 12, a, a + 12, a + 11});
    }
  }
  return grid;
}

TEST(UvAtlas, HostileSurfacesGiveACleanAtlas) {
  Primitive mesh = plane_grid();
  auto add = [&](Vec3 a, Vec3 b, Vec3 c) {
    const auto base = std::uint32_t(mesh.positions.size());
    mesh.positions.insert(mesh.positions.end(), {a, b, c});
    mesh.indices.insert(mesh.indices.end(), {base, base + 1, base + 2});
  };
  // A fin standing on an interior edge of the grid (three faces on that edge), the same
  // face twice and once reversed, isolated triangles, degenerate ones and a vertex no
  // triangle uses.
  mesh.indices.insert(mesh.indices.end(), {12, 13, std::uint32_t(mesh.positions.size())});
  mesh.positions.push_back({1.5f, 1, 1});
  mesh.indices.insert(mesh.indices.end(), {0, 1, 12, 0, 1, 12, 0, 12, 1});
  for (int k = 0; k < 40; ++k) {
    const float x = 20 + float(k % 8) * 2, y = float(k / 8) * 2;
    add({x, y, 0.5f * k}, {x + 1, y, 0.5f * k}, {x, y + 1.5f, 0.5f * k + 0.3f});
  }
  add({0, 0, 5}, {1, 1, 5}, {2, 2, 5});
  add({3, 3, 3}, {3, 3, 3}, {4, 4, 4});
  mesh.indices.insert(mesh.indices.end(), {5, 5, 5});
  mesh.positions.push_back({100, 100, 100});
  mesh.normals.assign(mesh.positions.size(), Vec3{0, 0, 1});
  mesh.colors.resize(mesh.positions.size());
  for (std::size_t v = 0; v < mesh.colors.size(); ++v) mesh.colors[v] = {float(v), 0, 0, 1};
  const Figures figures = unwrap_and_check("hostile", mesh);
  EXPECT_GE(figures.stats.charts, 41u);
}

TEST(UvAtlas, RejectsWhatItCannotUnwrap) {
  Primitive empty;
  const Result<UnwrapStats> none = unwrap_uv_atlas(empty);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no triangles"), std::string::npos);

  Primitive flat;
  flat.positions = {{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {1, 1, 1}};
  flat.indices = {0, 1, 2, 1, 3, 0, 2, 2, 2};
  const Result<UnwrapStats> degenerate = unwrap_uv_atlas(flat);
  ASSERT_FALSE(degenerate.ok());
  EXPECT_NE(degenerate.error().message.find("degenerate"), std::string::npos);

  Primitive nan = plane_grid();
  nan.positions[7].y = std::nanf("");
  const Result<UnwrapStats> not_finite = unwrap_uv_atlas(nan);
  ASSERT_FALSE(not_finite.ok());
  EXPECT_NE(not_finite.error().message.find("vertex 7"), std::string::npos);

  Primitive out_of_range = plane_grid();
  out_of_range.indices[5] = 1000;
  EXPECT_FALSE(unwrap_uv_atlas(out_of_range).ok());

  Primitive short_normals = plane_grid();
  short_normals.normals.resize(3);
  EXPECT_FALSE(unwrap_uv_atlas(short_normals).ok());

  Primitive grid = plane_grid();
  for (UnwrapOptions options : {UnwrapOptions{8, 4, 1.25f, 0}, UnwrapOptions{1024, -1, 1.25f, 0},
                                UnwrapOptions{64, 16, 1.25f, 0}, UnwrapOptions{1024, 4, 0.5f, 0},
                                UnwrapOptions{1024, 4, NAN, 0}}) {
    EXPECT_FALSE(unwrap_uv_atlas(grid, options).ok()) << options.texture_size;
  }
  // Nothing was touched by the failures.
  EXPECT_TRUE(grid.uv0.empty());
  EXPECT_EQ(grid.positions.size(), 121u);
}

TEST(UvAtlas, AFlatGridIsOneChartWithoutStretch) {
  Primitive grid = plane_grid();
  const Result<UnwrapStats> stats = unwrap_uv_atlas(grid);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->charts, 1u);
  EXPECT_EQ(stats->seam_vertices_added, 0u);
  EXPECT_NEAR(stats->mean_stretch, 1.0, 1e-3);
  EXPECT_GT(stats->packing_efficiency, 0.9);
  // glTF's v points down: a face counter-clockwise seen from +z is clockwise in (u, v).
  EXPECT_LT(twice_uv_area(grid.uv0[grid.indices[0]], grid.uv0[grid.indices[1]],
                          grid.uv0[grid.indices[2]]),
            0);
}

TEST(UvAtlas, TheThreadCountDoesNotChangeTheResult) {
  Primitive a = must_load("suzanne.obj"), b = a;
  UnwrapOptions one;
  one.threads = 1;
  ASSERT_TRUE(unwrap_uv_atlas(a, one).ok());
  ASSERT_TRUE(unwrap_uv_atlas(b).ok());
  ASSERT_EQ(a.uv0.size(), b.uv0.size());
  for (std::size_t v = 0; v < a.uv0.size(); ++v) {
    ASSERT_TRUE(a.uv0[v].x == b.uv0[v].x && a.uv0[v].y == b.uv0[v].y) << v;
  }
  EXPECT_EQ(a.indices, b.indices);
}

TEST(UvAtlas, Spot) { unwrap_and_check("spot.obj", must_load("spot.obj")); }

TEST(UvAtlas, TrellisSample) {
  unwrap_and_check("trellis-sample.glb", must_load("trellis-sample.glb"));
}

// The full 69k-triangle bunny and a 50k reduction are in bench/uv_atlas_bench.cpp.
TEST(UvAtlas, BunnyAtTheLod0Budget) {
  const Primitive bunny = must_load("stanford-bunny.obj");
  unwrap_and_check("bunny 20k", simplify(bunny, 20000).mesh);
}

}  // namespace
}  // namespace atlas::geometry
