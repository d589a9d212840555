#include "geometry/sparse_density_grid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/fast_exp.h"

namespace atlas::geometry {
namespace {

// An isotropic splat of std-dev `sigma` and opacity `alpha` at `centre`.
void add_splat(SplatCloud& cloud, Vec3 centre, float sigma, float alpha, Vec3 colour = {1, 0, 0}) {
  const std::size_t i = cloud.size();
  cloud.resize(i + 1);
  cloud.positions[i] = centre;
  cloud.log_scales[i] = Vec3{1, 1, 1} * std::log(sigma);
  cloud.rotations[i] = Quat{};
  cloud.opacity_logits[i] = logit(alpha);
  cloud.sh_dc[i] = {sh_dc_from_colour(colour.x), sh_dc_from_colour(colour.y),
                    sh_dc_from_colour(colour.z)};
}

GridFrame cube_frame(int points, float cell) {
  GridFrame frame;
  frame.cell = cell;
  frame.size = {points, points, points};
  frame.origin = Vec3{-1, -1, -1} * (cell * float(points - 1) / 2);
  return frame;
}

TEST(FastExp, MatchesStdExpOverTheGaussianRange) {
  for (float x = -20; x <= 2; x += 0.01f) EXPECT_NEAR(fast_exp(x) / std::exp(x), 1.0f, 5e-6f) << x;
  EXPECT_GT(fast_exp(-1000), 0.0f);
  EXPECT_LT(fast_exp(-1000), 1e-30f);
  EXPECT_TRUE(std::isfinite(fast_exp(1000)));
}

TEST(DensityKernels, SkipsSplatsThatCannotShow) {
  SplatCloud cloud;
  add_splat(cloud, {0, 0, 0}, 0.1f, 0.8f);
  add_splat(cloud, {1, 0, 0}, 0.1f, 0.001f);  // below 1/255
  add_splat(cloud, {std::numeric_limits<float>::quiet_NaN(), 0, 0}, 0.1f, 0.8f);
  add_splat(cloud, {2, 0, 0}, 0.1f, 0.8f);
  cloud.log_scales[3].y = std::numeric_limits<float>::infinity();
  add_splat(cloud, {3, 0, 0}, 0.1f, 0.8f, {0, 0.5f, 1});
  const std::vector<DensityKernel> kernels = density_kernels(cloud);
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_FLOAT_EQ(kernels[0].covariance[0], 0.01f);
  EXPECT_FLOAT_EQ(kernels[0].covariance[1], 0.0f);
  EXPECT_NEAR(kernels[0].alpha, 0.8f, 1e-6f);
  EXPECT_NEAR(kernels[1].colour.y, 0.5f, 1e-5f);
  EXPECT_NEAR(kernels[1].colour.z, 1.0f, 1e-5f);

  SplatCloud broken = cloud;
  broken.opacity_logits.pop_back();
  EXPECT_TRUE(density_kernels(broken).empty());
}

TEST(DensityKernels, CovarianceFollowsTheRotation) {
  // Scales (0.3, 0.1, 0.1) turned 90 degrees about z: the long axis lies along y.
  SplatCloud cloud;
  add_splat(cloud, {0, 0, 0}, 0.1f, 0.5f);
  cloud.log_scales[0].x = std::log(0.3f);
  cloud.rotations[0] = Quat{std::sqrt(0.5f), 0, 0, std::sqrt(0.5f)};
  const DensityKernel k = density_kernels(cloud).at(0);
  EXPECT_NEAR(k.covariance[0], 0.01f, 1e-6f);
  EXPECT_NEAR(k.covariance[3], 0.09f, 1e-6f);
  EXPECT_NEAR(k.covariance[5], 0.01f, 1e-6f);
  EXPECT_NEAR(k.covariance[1], 0.0f, 1e-6f);
}

TEST(SparseDensityGrid, OneSplatMatchesTheLowPassedGaussian) {
  SplatCloud cloud;
  const float sigma = 0.2f, alpha = 0.9f, cell = 0.1f;
  add_splat(cloud, {0, 0, 0}, sigma, alpha);
  const GridFrame frame = cube_frame(33, cell);  // point 16 is the centre
  const SparseDensityGrid grid = SparseDensityGrid::build(density_kernels(cloud), frame, 1);
  const float variance =
      sigma * sigma + SparseDensityGrid::kLowPass * SparseDensityGrid::kLowPass * cell * cell;
  for (int d = 0; d <= 7; ++d) {
    for (const auto& [x, y, z] : {std::array{16 + d, 16, 16}, std::array{16, 16 - d, 16},
                                  std::array{16 + d, 16 + d, 16 - d}}) {
      const Vec3 p = frame.origin + Vec3{float(x), float(y), float(z)} * cell;
      const float expected = alpha * std::exp(-0.5f * dot(p, p) / variance);
      const float cut = alpha * std::exp(-4.5f);  // evaluated out to 3 sigma only
      if (expected > cut * 1.01f) {
        EXPECT_NEAR(grid.density(x, y, z), expected, 1e-5f) << x << " " << y << " " << z;
      } else if (expected < cut * 0.99f) {
        EXPECT_EQ(grid.density(x, y, z), 0.0f) << x << " " << y << " " << z;
      }
    }
  }
  // Colour sums are density-weighted colours: red stays red.
  float density = 0;
  Vec3 colour;
  grid.sample(Vec3{0.05f, 0.02f, -0.03f}, density, colour);
  EXPECT_GT(density, 0.5f);
  EXPECT_NEAR(colour.x / density, 1.0f, 1e-4f);
  EXPECT_NEAR(colour.y / density, 0.0f, 1e-4f);
  // Trilinear sampling at a grid point is that point's value.
  grid.sample(frame.origin + Vec3{17, 16, 15} * cell, density, colour);
  EXPECT_NEAR(density, grid.density(17, 16, 15), 1e-5f);
  // Outside the grid, nothing.
  EXPECT_EQ(grid.density(-1, 16, 16), 0.0f);
  EXPECT_EQ(grid.density(16, 16, 33), 0.0f);
  grid.sample(Vec3{10, 0, 0}, density, colour);
  EXPECT_EQ(density, 0.0f);
}

TEST(SparseDensityGrid, StoresOnlyTheBlocksSplatsReach) {
  SplatCloud cloud;
  add_splat(cloud, {-3, -3, -3}, 0.05f, 0.9f);
  add_splat(cloud, {3, 3, 3}, 0.05f, 0.9f);
  const GridFrame frame = cube_frame(161, 0.04f);  // 21^3 blocks
  const std::vector<DensityKernel> kernels = density_kernels(cloud);
  const GridCost cost = SparseDensityGrid::estimate(kernels, frame);
  const SparseDensityGrid grid = SparseDensityGrid::build(kernels, frame, 0);
  EXPECT_EQ(grid.block_count(), cost.blocks);
  EXPECT_GE(grid.block_count(), 2u);
  EXPECT_LE(grid.block_count(), 16u);
  EXPECT_EQ(grid.point_count(), grid.block_count() * SparseDensityGrid::kBlockPoints);
  EXPECT_GE(cost.block_splats, grid.block_count());
  EXPECT_GT(cost.evaluations, 0u);
}

TEST(SparseDensityGrid, TheOuterLayerStaysEmpty) {
  // A splat on the grid's corner: its footprint is clipped one point inside the border.
  SplatCloud cloud;
  add_splat(cloud, {-0.8f, -0.8f, -0.8f}, 0.2f, 1.0f);
  const GridFrame frame = cube_frame(17, 0.1f);
  const SparseDensityGrid grid = SparseDensityGrid::build(density_kernels(cloud), frame, 1);
  EXPECT_GT(grid.density(1, 1, 1), 0.5f);
  for (int a = 0; a < 17; ++a)
    for (int b = 0; b < 17; ++b) {
      EXPECT_EQ(grid.density(0, a, b), 0.0f);
      EXPECT_EQ(grid.density(a, 0, b), 0.0f);
      EXPECT_EQ(grid.density(a, b, 16), 0.0f);
    }
}

TEST(SparseDensityGrid, TheThreadCountDoesNotChangeTheField) {
  SplatCloud cloud;
  std::uint32_t seed = 7;
  auto random = [&] {
    seed = seed * 1664525u + 1013904223u;
    return float(seed >> 8) / float(1 << 24);
  };
  for (int i = 0; i < 3000; ++i)
    add_splat(cloud, Vec3{random(), random(), random()} * 2 - Vec3{1, 1, 1},
              0.01f + 0.1f * random(), 0.05f + 0.9f * random(), {random(), random(), random()});
  const GridFrame frame = cube_frame(65, 0.035f);
  const std::vector<DensityKernel> kernels = density_kernels(cloud);
  const SparseDensityGrid one = SparseDensityGrid::build(kernels, frame, 1);
  const SparseDensityGrid two = SparseDensityGrid::build(kernels, frame, 2);
  ASSERT_EQ(one.block_count(), two.block_count());
  for (std::size_t b = 0; b < one.block_count(); ++b) {
    for (int p = 0; p < SparseDensityGrid::kBlockPoints; ++p)
      ASSERT_EQ(one.block_density(b)[p], two.block_density(b)[p]);
  }
}

TEST(SparseDensityGrid, FillsEnclosedCavitiesOnly) {
  // A hollow ball of small splats, with a separate splat beside it.
  SplatCloud cloud;
  const float pi = 3.14159265f;
  for (int i = 0; i < 40; ++i)
    for (int j = 0; j < 80; ++j) {
      const float theta = pi * (float(i) + 0.5f) / 40, phi = 2 * pi * float(j) / 80;
      add_splat(
          cloud,
          Vec3{std::sin(theta) * std::cos(phi), std::cos(theta), std::sin(theta) * std::sin(phi)} *
              0.5f,
          0.03f, 0.9f);
    }
  add_splat(cloud, {0.85f, 0, 0}, 0.05f, 0.9f);
  const GridFrame frame = cube_frame(65, 0.03f);
  SparseDensityGrid grid = SparseDensityGrid::build(density_kernels(cloud), frame, 0);
  const int centre = 32;
  const float level = 0.3f;
  EXPECT_LT(grid.density(centre, centre, centre), level);
  const float outside = grid.density(centre + 30, centre, centre);
  const float beside_ball = grid.density(centre + 21, centre, centre);  // between ball and splat
  grid.fill_enclosed_cavities(level);
  EXPECT_EQ(grid.density(centre, centre, centre), level);
  EXPECT_EQ(grid.density(centre + 5, centre - 5, centre + 3), level);
  EXPECT_EQ(grid.density(centre + 30, centre, centre), outside);
  EXPECT_EQ(grid.density(centre + 21, centre, centre), beside_ball);
  EXPECT_EQ(grid.density(0, 0, 0), 0.0f);
}

TEST(SparseDensityGrid, HugeSplatsAreBoundedByTheGrid) {
  SplatCloud cloud;
  add_splat(cloud, {0, 0, 0}, 1e6f, 0.9f);
  add_splat(cloud, {0, 0, 0}, 1e-30f, 0.9f);
  const GridFrame frame = cube_frame(41, 0.05f);
  const std::vector<DensityKernel> kernels = density_kernels(cloud);
  const GridCost cost = SparseDensityGrid::estimate(kernels, frame);
  EXPECT_LE(cost.evaluations, std::size_t(39 * 39 * 39) + 125);
  const SparseDensityGrid grid = SparseDensityGrid::build(kernels, frame, 0);
  EXPECT_NEAR(grid.density(1, 1, 1), 0.9f, 1e-3f);
  EXPECT_EQ(grid.density(0, 1, 1), 0.0f);

  // So many huge splats that even counting their blocks would be long: not counted.
  SplatCloud many;
  for (int i = 0; i < 1200; ++i) add_splat(many, {0, 0, 0}, 1e3f, 0.5f);
  const GridCost over = SparseDensityGrid::estimate(density_kernels(many), cube_frame(321, 0.01f));
  EXPECT_GT(over.block_splats, SparseDensityGrid::kMaxCountedPairs);
  EXPECT_EQ(over.blocks, SIZE_MAX);
}

}  // namespace
}  // namespace atlas::geometry
