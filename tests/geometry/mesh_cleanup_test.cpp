#include "geometry/mesh_cleanup.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <utility>

#include "formats/asset_io.h"
#include "geometry/merge.h"
#include "test_support.h"

namespace atlas::geometry {
namespace {

constexpr float kPi = 3.14159265f;

// A closed latitude-longitude sphere, wound counter-clockwise seen from outside, each
// vertex coloured by its height.
Primitive sphere(Vec3 centre, float radius, int rings = 12, int segments = 24) {
  Primitive mesh;
  mesh.positions.push_back(centre + Vec3{0, radius, 0});
  for (int r = 1; r < rings; ++r) {
    const float theta = kPi * float(r) / float(rings);
    for (int s = 0; s < segments; ++s) {
      const float phi = 2 * kPi * float(s) / float(segments);
      mesh.positions.push_back(centre + Vec3{std::sin(theta) * std::cos(phi), std::cos(theta),
                                             -std::sin(theta) * std::sin(phi)} *
                                            radius);
    }
  }
  mesh.positions.push_back(centre - Vec3{0, radius, 0});
  const auto ring = [&](int r, int s) {
    return static_cast<std::uint32_t>(1 + (r - 1) * segments + (s % segments));
  };
  const auto bottom = static_cast<std::uint32_t>(mesh.positions.size() - 1);
  for (int s = 0; s < segments; ++s) {
    mesh.indices.insert(mesh.indices.end(), {0, ring(1, s), ring(1, s + 1)});
    for (int r = 1; r + 1 < rings; ++r) {
      mesh.indices.insert(mesh.indices.end(), {ring(r, s), ring(r + 1, s), ring(r + 1, s + 1)});
      mesh.indices.insert(mesh.indices.end(), {ring(r, s), ring(r + 1, s + 1), ring(r, s + 1)});
    }
    mesh.indices.insert(mesh.indices.end(), {ring(rings - 1, s), bottom, ring(rings - 1, s + 1)});
  }
  for (const Vec3& p : mesh.positions) {
    const float h = (p.y - centre.y) / radius * 0.5f + 0.5f;
    mesh.colors.push_back({h, 0.5f, 1 - h, 1});
  }
  return mesh;
}

void append(Primitive& to, const Primitive& from) {
  const auto offset = static_cast<std::uint32_t>(to.positions.size());
  to.positions.insert(to.positions.end(), from.positions.begin(), from.positions.end());
  to.colors.insert(to.colors.end(), from.colors.begin(), from.colors.end());
  for (std::uint32_t i : from.indices) to.indices.push_back(i + offset);
}

// Every edge used exactly once in each direction.
bool closed_and_consistent(const Primitive& mesh) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> directed;
  for (std::size_t i = 0; i + 2 < mesh.indices.size(); i += 3)
    for (int k = 0; k < 3; ++k) ++directed[{mesh.indices[i + k], mesh.indices[i + (k + 1) % 3]}];
  for (const auto& [edge, uses] : directed) {
    const auto twin = directed.find({edge.second, edge.first});
    if (uses != 1 || twin == directed.end() || twin->second != 1) return false;
  }
  return !directed.empty();
}

double signed_volume(const Primitive& mesh) {
  double volume = 0;
  for (std::size_t i = 0; i + 2 < mesh.indices.size(); i += 3)
    volume += dot(mesh.positions[mesh.indices[i]],
                  cross(mesh.positions[mesh.indices[i + 1]], mesh.positions[mesh.indices[i + 2]]));
  return volume / 6;
}

bool well_formed(const Primitive& mesh) { return (Mesh{"", {mesh}, {}, {}}.validate().empty()); }

TEST(MeshCleanup, ACleanSphereIsLeftAlone) {
  Primitive mesh = sphere({0, 0, 0}, 1);
  const Primitive before = mesh;
  const CleanupReport report = clean_up(mesh);
  EXPECT_EQ(mesh.positions, before.positions);
  EXPECT_EQ(mesh.indices, before.indices);
  EXPECT_EQ(mesh.colors, before.colors);
  EXPECT_EQ(report.welded_vertices + report.degenerate_faces + report.duplicate_faces +
                report.flipped_faces + report.floater_components + report.interior_components +
                report.holes_filled,
            0u);
  EXPECT_EQ(report.components_kept, 1u);
  ASSERT_EQ(mesh.normals.size(), mesh.positions.size());
  for (std::size_t i = 0; i < mesh.positions.size(); ++i)
    EXPECT_GT(dot(mesh.normals[i], mesh.positions[i]), 0.97f);
}

TEST(MeshCleanup, WeldsSplitVerticesIncludingNearCopies) {
  // A sphere whose every triangle has its own three vertices (a triangle soup), some of
  // them nudged by less than the tolerance.
  const Primitive indexed = sphere({0.3f, 0, 0}, 1);
  Primitive soup;
  for (std::uint32_t i : indexed.indices) {
    soup.indices.push_back(static_cast<std::uint32_t>(soup.positions.size()));
    Vec3 p = indexed.positions[i];
    if (soup.positions.size() % 5 == 0) p = p + Vec3{2e-7f, -1e-7f, 1.5e-7f};
    soup.positions.push_back(p);
    soup.colors.push_back(indexed.colors[i]);
  }
  const CleanupReport report = clean_up(soup);
  EXPECT_EQ(soup.positions.size(), indexed.positions.size());
  EXPECT_EQ(report.welded_vertices, indexed.indices.size() - indexed.positions.size());
  EXPECT_EQ(soup.triangle_count(), indexed.triangle_count());
  EXPECT_TRUE(closed_and_consistent(soup));
  EXPECT_TRUE(well_formed(soup));
  EXPECT_EQ(report.components_kept, 1u);
}

TEST(MeshCleanup, DropsDegenerateAndDuplicateFaces) {
  Primitive mesh = sphere({0, 0, 0}, 1);
  const std::size_t faces = mesh.triangle_count();
  const std::uint32_t a = mesh.indices[3], b = mesh.indices[4], c = mesh.indices[5];
  mesh.indices.insert(mesh.indices.end(), {a, b, c});     // duplicate
  mesh.indices.insert(mesh.indices.end(), {c, b, a});     // duplicate, reversed
  mesh.indices.insert(mesh.indices.end(), {b, c, a});     // duplicate, rotated
  mesh.indices.insert(mesh.indices.end(), {a, a, b});     // repeated corner
  mesh.indices.insert(mesh.indices.end(), {a, b, 9999});  // bad index
  // Three collinear vertices: no area.
  const auto first = static_cast<std::uint32_t>(mesh.positions.size());
  mesh.positions.insert(mesh.positions.end(), {{5, 0, 0}, {5.5f, 0, 0}, {6, 0, 0}});
  mesh.colors.insert(mesh.colors.end(), 3, Vec4{1, 1, 1, 1});
  mesh.indices.insert(mesh.indices.end(), {first, first + 1, first + 2});
  const CleanupReport report = clean_up(mesh);
  EXPECT_EQ(report.duplicate_faces, 3u);
  EXPECT_EQ(report.degenerate_faces, 3u);
  EXPECT_EQ(mesh.triangle_count(), faces);
  EXPECT_TRUE(closed_and_consistent(mesh));
  EXPECT_TRUE(well_formed(mesh));
}

TEST(MeshCleanup, RemovesSmallFloatersAndKeepsLargeParts) {
  Primitive mesh = sphere({0, 0, 0}, 1);
  append(mesh, sphere({3, 0, 0}, 0.1f));    // 1% of the area: a floater
  append(mesh, sphere({0, 3, 0}, 0.8f));    // a real second part
  append(mesh, sphere({-3, 0, 0}, 0.05f));  // another floater
  const std::size_t part_faces = sphere({0, 0, 0}, 1).triangle_count();
  const CleanupReport report = clean_up(mesh);
  EXPECT_EQ(report.floater_components, 2u);
  EXPECT_EQ(report.floater_faces, 2 * part_faces);
  EXPECT_EQ(report.components_kept, 2u);
  EXPECT_EQ(mesh.triangle_count(), 2 * part_faces);
  EXPECT_EQ(mesh.colors.size(), mesh.positions.size());
  EXPECT_TRUE(well_formed(mesh));
  for (const Vec3& p : mesh.positions) EXPECT_LT(std::abs(p.x), 1.01f);

  Primitive keep_all = sphere({0, 0, 0}, 1);
  append(keep_all, sphere({3, 0, 0}, 0.1f));
  CleanupOptions options;
  options.min_component_area_ratio = 0;
  EXPECT_EQ(clean_up(keep_all, options).components_kept, 2u);
}

TEST(MeshCleanup, RemovesShellsHiddenInsideAnotherComponent) {
  Primitive mesh = sphere({0, 0, 0}, 1);
  append(mesh, sphere({0.1f, 0, 0}, 0.7f, 10, 20));     // inner wall, hidden
  append(mesh, sphere({-0.2f, 0.1f, 0}, 0.3f, 8, 16));  // something inside, hidden too
  append(mesh, sphere({2.5f, 0, 0}, 0.9f));             // beside, visible
  const CleanupReport report = clean_up(mesh);
  EXPECT_EQ(report.interior_components, 2u);
  EXPECT_EQ(report.components_kept, 2u);
  EXPECT_EQ(report.interior_faces,
            sphere({}, 1, 10, 20).triangle_count() + sphere({}, 1, 8, 16).triangle_count());
  for (const Vec3& p : mesh.positions) {
    const float inner = length(p);
    const float beside = length(p - Vec3{2.5f, 0, 0});
    EXPECT_TRUE(std::abs(inner - 1) < 1e-4f || std::abs(beside - 0.9f) < 1e-4f);
  }

  Primitive kept = sphere({0, 0, 0}, 1);
  append(kept, sphere({0, 0, 0}, 0.5f));
  CleanupOptions options;
  options.remove_interior_shells = false;
  EXPECT_EQ(clean_up(kept, options).components_kept, 2u);
}

TEST(MeshCleanup, TurnsFacesOutwardAndConsistent) {
  // Inside-out, and with scattered faces flipped on top of that.
  Primitive mesh = sphere({0.5f, 0.2f, -0.1f}, 1);
  for (std::size_t i = 0; i < mesh.indices.size(); i += 3)
    std::swap(mesh.indices[i + 1], mesh.indices[i + 2]);
  for (std::size_t i = 0; i < mesh.indices.size(); i += 21)
    std::swap(mesh.indices[i + 1], mesh.indices[i + 2]);
  ASSERT_LT(signed_volume(mesh), 0);
  const CleanupReport report = clean_up(mesh);
  EXPECT_GT(report.flipped_faces, mesh.triangle_count() / 2);
  EXPECT_TRUE(closed_and_consistent(mesh));
  EXPECT_NEAR(signed_volume(mesh), 4.0 / 3 * kPi, 0.2);
  for (std::size_t i = 0; i < mesh.positions.size(); ++i)
    EXPECT_GT(dot(mesh.normals[i], mesh.positions[i] - Vec3{0.5f, 0.2f, -0.1f}), 0.9f);

  // An open sheet keeps the winding most of its faces had.
  Primitive sheet;
  for (int y = 0; y <= 4; ++y)
    for (int x = 0; x <= 4; ++x) sheet.positions.push_back({float(x), float(y), 0});
  for (std::uint32_t y = 0; y < 4; ++y)
    for (std::uint32_t x = 0; x < 4; ++x) {
      const std::uint32_t v = y * 5 + x;
      sheet.indices.insert(sheet.indices.end(), {v, v + 1, v + 6, v, v + 6, v + 5});
    }
  std::swap(sheet.indices[1], sheet.indices[2]);
  CleanupOptions no_fill;
  no_fill.max_hole_edges = 0;
  EXPECT_EQ(clean_up(sheet, no_fill).flipped_faces, 1u);
  for (const Vec3& n : sheet.normals) EXPECT_GT(n.z, 0.99f);

  Primitive untouched = sphere({0, 0, 0}, 1);
  for (std::size_t i = 0; i < untouched.indices.size(); i += 3)
    std::swap(untouched.indices[i + 1], untouched.indices[i + 2]);
  CleanupOptions keep_winding;
  keep_winding.orient_outward = false;
  EXPECT_EQ(clean_up(untouched, keep_winding).flipped_faces, 0u);
  EXPECT_LT(signed_volume(untouched), 0);
}

TEST(MeshCleanup, FillsSmallHolesOnly) {
  Primitive mesh = sphere({0, 0, 0}, 1, 24, 48);
  // Open three one-triangle holes and a long one: the first 48 faces are the strip of
  // the first segment from pole to pole (46 faces) and two more beside it.
  std::vector<std::uint32_t> indices;
  const std::size_t faces = mesh.triangle_count();
  for (std::size_t f = 0; f < faces; ++f) {
    if (f < 48 || f == 300 || f == 1000 || f == 1010) continue;
    indices.insert(indices.end(), mesh.indices.begin() + 3 * f, mesh.indices.begin() + 3 * f + 3);
  }
  mesh.indices = indices;
  Primitive big_holes = mesh;
  CleanupOptions small;
  small.max_hole_edges = 8;
  const CleanupReport partly = clean_up(big_holes, small);
  EXPECT_EQ(partly.holes_filled, 3u);
  EXPECT_FALSE(closed_and_consistent(big_holes));

  const CleanupReport report = clean_up(mesh);
  EXPECT_EQ(report.holes_filled, 4u);
  EXPECT_TRUE(closed_and_consistent(mesh));
  EXPECT_EQ(mesh.colors.size(), mesh.positions.size());
  EXPECT_TRUE(well_formed(mesh));
  EXPECT_NEAR(signed_volume(mesh), 4.0 / 3 * kPi, 0.1);
}

TEST(MeshCleanup, OpensEdgesSharedByMoreThanTwoFacesForPrinting) {
  // Two closed tetrahedra sharing the edge a-b (four faces on it), as surface nets
  // leaves a thin tunnel collapsed: left alone by default; opened for printing, each
  // tetrahedron gets its own copy of a and b.
  Primitive mesh;
  mesh.positions = {{0, 0, 0},       {0, 1, 0},        {1, 0.5f, 0.2f},
                    {0.5f, 0.5f, 1}, {-1, 0.5f, 0.2f}, {-0.5f, 0.5f, -1}};
  const std::uint32_t a = 0, b = 1;
  auto add_tetrahedron = [&](std::uint32_t c, std::uint32_t d) {
    mesh.indices.insert(mesh.indices.end(), {a, b, c, a, c, d, a, d, b, b, d, c});
  };
  add_tetrahedron(2, 3);
  add_tetrahedron(4, 5);
  EXPECT_EQ(measure_topology(mesh).non_manifold_edges, 1u);

  Primitive left_alone = mesh;
  EXPECT_EQ(clean_up(left_alone).split_vertices, 0u);
  EXPECT_EQ(measure_topology(left_alone).non_manifold_edges, 1u);

  CleanupOptions for_printing;
  for_printing.open_non_manifold_edges = true;
  const CleanupReport report = clean_up(mesh, for_printing);
  EXPECT_EQ(report.split_vertices, 2u);
  EXPECT_EQ(mesh.positions.size(), 8u);
  EXPECT_TRUE(closed_and_consistent(mesh));
  EXPECT_TRUE(well_formed(mesh));
  const SurfaceTopology topology = measure_topology(mesh);
  EXPECT_EQ(topology.non_manifold_edges, 0u);
  EXPECT_EQ(topology.boundary_edges, 0u);
  EXPECT_GT(signed_volume(mesh), 0);
}

TEST(MeshCleanup, HandlesEmptyAndBrokenInput) {
  Primitive empty;
  EXPECT_EQ(clean_up(empty).components_kept, 0u);
  EXPECT_TRUE(empty.positions.empty());

  Primitive broken = sphere({0, 0, 0}, 1);
  broken.normals.resize(3);  // wrong length: dropped, then recomputed
  broken.uv0.resize(5);
  broken.positions[7] = {std::nanf(""), 0, 0};
  broken.indices.push_back(1);  // a trailing partial triangle
  const CleanupReport report = clean_up(broken);
  EXPECT_GT(report.degenerate_faces, 0u);
  EXPECT_TRUE(broken.uv0.empty());
  EXPECT_EQ(broken.normals.size(), broken.positions.size());
  EXPECT_TRUE(well_formed(broken));

  Primitive flat;
  flat.positions = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
  flat.indices = {0, 1, 2};
  clean_up(flat);
  EXPECT_TRUE(flat.indices.empty());
  EXPECT_TRUE(flat.positions.empty());
}

TEST(MeshCleanup, CleansARealScannedMesh) {
  Result<Mesh> bunny = load_mesh(test::testdata("meshes/stanford-bunny.obj"));
  ASSERT_TRUE(bunny.ok()) << bunny.error().message;
  Primitive mesh = merge_primitives(*bunny);
  const std::size_t faces = mesh.triangle_count();
  CleanupOptions options;
  options.min_component_area_ratio = 0;
  const CleanupReport report = clean_up(mesh, options);
  EXPECT_TRUE(well_formed(mesh));
  EXPECT_GE(mesh.triangle_count(), faces - report.degenerate_faces - report.duplicate_faces);
  EXPECT_GT(report.holes_filled, 0u);  // the scan's base has small holes
  EXPECT_GT(signed_volume(mesh), 0);
}

TEST(MeshCleanup, SmoothNormalsWeighFacesByTheirAngle) {
  // A cube's corner: three faces at right angles, one of them split in two. Each face
  // counts by its angle at the corner, so the split face does not count twice.
  Primitive mesh;
  mesh.positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}};
  mesh.indices = {0, 2, 4, 0, 4, 1, 0, 1, 3, 0, 3, 2};
  compute_smooth_normals(mesh);
  const float third = 1 / std::sqrt(3.0f);
  EXPECT_NEAR(mesh.normals[0].x, -third, 1e-4f);
  EXPECT_NEAR(mesh.normals[0].y, -third, 1e-4f);
  EXPECT_NEAR(mesh.normals[0].z, -third, 1e-4f);

  Primitive lonely;
  lonely.positions = {{0, 0, 0}};
  compute_smooth_normals(lonely);
  EXPECT_EQ(lonely.normals[0], (Vec3{0, 1, 0}));
}

}  // namespace
}  // namespace atlas::geometry
