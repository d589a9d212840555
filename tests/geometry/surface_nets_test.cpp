#include "geometry/surface_nets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace atlas::geometry {
namespace {

void add_splat(SplatCloud& cloud, Vec3 centre, float sigma, float alpha) {
  const std::size_t i = cloud.size();
  cloud.resize(i + 1);
  cloud.positions[i] = centre;
  cloud.log_scales[i] = Vec3{1, 1, 1} * std::log(sigma);
  cloud.rotations[i] = Quat{};
  cloud.opacity_logits[i] = logit(alpha);
}

SparseDensityGrid grid_of(const SplatCloud& cloud, int points, float cell, int threads = 0) {
  GridFrame frame;
  frame.cell = cell;
  frame.size = {points, points, points};
  frame.origin = Vec3{-1, -1, -1} * (cell * float(points - 1) / 2);
  return SparseDensityGrid::build(density_kernels(cloud), frame, threads);
}

// Every edge used exactly twice, once in each direction: closed, manifold, consistently
// wound.
bool closed_and_consistent(const Primitive& mesh) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> directed;
  for (std::size_t i = 0; i < mesh.indices.size(); i += 3)
    for (int k = 0; k < 3; ++k) ++directed[{mesh.indices[i + k], mesh.indices[i + (k + 1) % 3]}];
  for (const auto& [edge, uses] : directed) {
    if (uses != 1) return false;
    const auto twin = directed.find({edge.second, edge.first});
    if (twin == directed.end() || twin->second != 1) return false;
  }
  return true;
}

// Six times the enclosed volume; positive when faces wind counter-clockwise from outside.
double signed_volume(const Primitive& mesh) {
  double volume = 0;
  for (std::size_t i = 0; i < mesh.indices.size(); i += 3) {
    const Vec3 a = mesh.positions[mesh.indices[i]], b = mesh.positions[mesh.indices[i + 1]],
               c = mesh.positions[mesh.indices[i + 2]];
    volume += dot(a, cross(b, c));
  }
  return volume;
}

TEST(SurfaceNets, OneGaussianGivesAClosedOutwardSphereAtTheLevel) {
  SplatCloud cloud;
  const float sigma = 0.3f, alpha = 1.0f, cell = 0.05f, level = 0.25f;
  add_splat(cloud, {0, 0, 0}, sigma, alpha);
  const SparseDensityGrid grid = grid_of(cloud, 49, cell);
  const Primitive mesh = surface_nets(grid, level, 0);
  ASSERT_GT(mesh.triangle_count(), 500u);
  EXPECT_TRUE(closed_and_consistent(mesh));
  EXPECT_GT(signed_volume(mesh), 0);
  // alpha exp(-r^2 / 2 s^2) = level, s^2 = sigma^2 + low-pass^2.
  const float s2 =
      sigma * sigma + SparseDensityGrid::kLowPass * SparseDensityGrid::kLowPass * cell * cell;
  const float radius = std::sqrt(2 * s2 * std::log(alpha / level));
  for (const Vec3& p : mesh.positions) EXPECT_NEAR(length(p), radius, 0.25f * cell);
  for (std::uint32_t index : mesh.indices) EXPECT_LT(index, mesh.positions.size());
}

TEST(SurfaceNets, SurfacesCrossBlockBoundariesWithoutSeams) {
  // A long thin ellipsoid crossing many 8^3 blocks along x.
  SplatCloud cloud;
  for (int i = -10; i <= 10; ++i)
    add_splat(cloud, {0.08f * float(i), 0.013f, -0.021f}, 0.07f, 0.9f);
  const SparseDensityGrid grid = grid_of(cloud, 81, 0.025f);
  ASSERT_GT(grid.block_count(), 8u);
  const Primitive mesh = surface_nets(grid, 0.3f, 0);
  EXPECT_TRUE(closed_and_consistent(mesh));
  EXPECT_GT(signed_volume(mesh), 0);
}

TEST(SurfaceNets, SeparateBlobsGiveSeparateClosedSurfaces) {
  SplatCloud cloud;
  add_splat(cloud, {-0.6f, 0, 0}, 0.15f, 0.9f);
  add_splat(cloud, {0.6f, 0.1f, 0}, 0.15f, 0.9f);
  const SparseDensityGrid grid = grid_of(cloud, 65, 0.04f);
  const Primitive mesh = surface_nets(grid, 0.3f, 0);
  EXPECT_TRUE(closed_and_consistent(mesh));
  const auto left =
      std::count_if(mesh.positions.begin(), mesh.positions.end(), [](Vec3 p) { return p.x < 0; });
  EXPECT_GT(left, 50);
  EXPECT_LT(left, static_cast<std::ptrdiff_t>(mesh.positions.size()) - 50);
}

TEST(SurfaceNets, TheThreadCountDoesNotChangeTheMesh) {
  SplatCloud cloud;
  for (int i = 0; i < 60; ++i)
    add_splat(cloud,
              {0.6f * std::sin(0.7f * float(i)), 0.5f * std::cos(1.3f * float(i)),
               0.01f * float(i) - 0.3f},
              0.05f + 0.002f * float(i), 0.3f + 0.01f * float(i));
  const Primitive one = surface_nets(grid_of(cloud, 64, 0.03f, 1), 0.2f, 1);
  const Primitive two = surface_nets(grid_of(cloud, 64, 0.03f, 2), 0.2f, 2);
  EXPECT_EQ(one.positions, two.positions);
  EXPECT_EQ(one.indices, two.indices);
  EXPECT_GT(one.triangle_count(), 100u);
}

TEST(SurfaceNets, AmbiguousFacesStillGiveTwoFacesAnEdge) {
  // Small splats scattered at about a cell apart make many cell faces whose corners are
  // inside and outside like a chessboard. One vertex a cell would make the edges across
  // such faces shared by four quads (0.6% of the edges here); one vertex a surface patch
  // keeps two, except where a cell's patches join inside it (under 0.2%).
  SplatCloud cloud;
  std::uint32_t seed = 11;
  auto random = [&] {
    seed = seed * 1664525u + 1013904223u;
    return float(seed >> 8) / float(1 << 24);
  };
  for (int i = 0; i < 4000; ++i)
    add_splat(cloud, Vec3{random(), random(), random()} - Vec3{0.5f, 0.5f, 0.5f}, 0.012f, 0.9f);
  const Primitive mesh = surface_nets(grid_of(cloud, 64, 0.02f), 0.5f, 0);
  ASSERT_GT(mesh.triangle_count(), 10000u);
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> uses;
  for (std::size_t i = 0; i < mesh.indices.size(); i += 3)
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = mesh.indices[i + k], b = mesh.indices[i + (k + 1) % 3];
      ++uses[{std::min(a, b), std::max(a, b)}];
    }
  std::size_t shared_by_two = 0;
  for (const auto& [edge, count] : uses) shared_by_two += count == 2;
  EXPECT_GE(double(shared_by_two), 0.998 * double(uses.size()));
}

TEST(SurfaceNets, NothingAboveTheLevelGivesNothing) {
  SplatCloud cloud;
  add_splat(cloud, {0, 0, 0}, 0.2f, 0.5f);
  const SparseDensityGrid grid = grid_of(cloud, 33, 0.05f);
  EXPECT_EQ(surface_nets(grid, 0.6f, 0).triangle_count(), 0u);
  EXPECT_EQ(surface_nets(grid_of(SplatCloud{}, 33, 0.05f), 0.1f, 0).triangle_count(), 0u);
}

TEST(SurfaceNets, FilledCavitiesLeaveOneShell) {
  SplatCloud cloud;
  const float pi = 3.14159265f;
  for (int i = 0; i < 30; ++i)
    for (int j = 0; j < 60; ++j) {
      const float theta = pi * (float(i) + 0.5f) / 30, phi = 2 * pi * float(j) / 60;
      add_splat(
          cloud,
          Vec3{std::sin(theta) * std::cos(phi), std::cos(theta), std::sin(theta) * std::sin(phi)} *
              0.5f,
          0.04f, 0.9f);
    }
  SparseDensityGrid grid = grid_of(cloud, 49, 0.03f);
  const float level = 0.5f;
  const Primitive hollow = surface_nets(grid, level, 0);
  grid.fill_enclosed_cavities(level);
  const Primitive solid = surface_nets(grid, level, 0);
  EXPECT_TRUE(closed_and_consistent(hollow));
  EXPECT_TRUE(closed_and_consistent(solid));
  // The hollow ball has an outer and an inner wall; the filled one only the outer.
  float hollow_min = 1, solid_min = 1;
  for (const Vec3& p : hollow.positions) hollow_min = std::min(hollow_min, length(p));
  for (const Vec3& p : solid.positions) solid_min = std::min(solid_min, length(p));
  EXPECT_LT(hollow_min, 0.48f);
  EXPECT_GT(solid_min, 0.5f);
  EXPECT_LT(solid.triangle_count(), hollow.triangle_count() * 7 / 10);
}

}  // namespace
}  // namespace atlas::geometry
