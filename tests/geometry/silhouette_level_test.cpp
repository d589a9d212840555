#include "geometry/silhouette_level.h"

#include <gtest/gtest.h>

#include <cmath>

namespace atlas::geometry {
namespace {

void add_splat(SplatCloud& cloud, Vec3 centre, Vec3 sigma, float alpha) {
  const std::size_t i = cloud.size();
  cloud.resize(i + 1);
  cloud.positions[i] = centre;
  cloud.log_scales[i] = {std::log(sigma.x), std::log(sigma.y), std::log(sigma.z)};
  cloud.rotations[i] = Quat{};
  cloud.opacity_logits[i] = logit(alpha);
}

GridFrame cube_frame(int points, float cell) {
  GridFrame frame;
  frame.cell = cell;
  frame.size = {points, points, points};
  frame.origin = Vec3{-1, -1, -1} * (cell * float(points - 1) / 2);
  return frame;
}

TEST(SilhouetteLevel, OneGaussianGetsTheLevelWhoseSphereHasItsSilhouette) {
  // Projected, the splat covers alpha exp(-r^2 / 2 sigma^2) >= 1/2 (plus the renderer's
  // sub-pixel low-pass); the grid's column maximum at radius r is
  // alpha exp(-r^2 / 2 s^2), s^2 = sigma^2 + the grid's low-pass.
  const float sigma = 0.5f, alpha = 0.95f, cell = 0.05f;
  SplatCloud cloud;
  add_splat(cloud, {0, 0, 0}, {sigma, sigma, sigma}, alpha);
  const std::vector<DensityKernel> kernels = density_kernels(cloud);
  const SparseDensityGrid grid = SparseDensityGrid::build(kernels, cube_frame(81, cell), 0);
  const SilhouetteFit fit = fit_silhouette_level(kernels, grid, 0.01f, 10.0f, 0.123f, 0);
  ASSERT_TRUE(fit.calibrated);
  const float r2 = 2 * sigma * sigma * std::log(2 * alpha);
  const float s2 =
      sigma * sigma + SparseDensityGrid::kLowPass * SparseDensityGrid::kLowPass * cell * cell;
  const float expected = alpha * std::exp(-r2 / (2 * s2));
  EXPECT_NEAR(fit.level / expected, 1.0f, 0.08f) << fit.level << " vs " << expected;
  EXPECT_GT(fit.iou, 0.97);
}

TEST(SilhouetteLevel, OverlappingSplatsAccumulateOpacityNotPeakDensity) {
  // Four coincident splats of opacity 1/2 cover a pixel where (1 - g / 2)^4 <= 1/2, i.e.
  // g >= 2 (1 - 2^-1/4); their density there is 4 g / 2 = 2 g.
  const float sigma = 0.5f, cell = 0.05f;
  SplatCloud cloud;
  for (int i = 0; i < 4; ++i) add_splat(cloud, {0, 0, 0}, {sigma, sigma, sigma}, 0.5f);
  const std::vector<DensityKernel> kernels = density_kernels(cloud);
  const SparseDensityGrid grid = SparseDensityGrid::build(kernels, cube_frame(81, cell), 0);
  const SilhouetteFit fit = fit_silhouette_level(kernels, grid, 0.01f, 10.0f, 0.123f, 0);
  ASSERT_TRUE(fit.calibrated);
  const float g = 2 * (1 - std::pow(0.5f, 0.25f));
  const float s2 =
      sigma * sigma + SparseDensityGrid::kLowPass * SparseDensityGrid::kLowPass * cell * cell;
  const float expected = 2 * std::pow(g, sigma * sigma / s2);
  EXPECT_NEAR(fit.level / expected, 1.0f, 0.08f) << fit.level << " vs " << expected;
}

TEST(SilhouetteLevel, NoSilhouetteFallsBack) {
  SplatCloud faint;
  add_splat(faint, {0, 0, 0}, {0.2f, 0.2f, 0.2f}, 0.3f);  // never covers half a pixel
  const std::vector<DensityKernel> kernels = density_kernels(faint);
  const SparseDensityGrid grid = SparseDensityGrid::build(kernels, cube_frame(33, 0.05f), 0);
  SilhouetteFit fit = fit_silhouette_level(kernels, grid, 0.01f, 10.0f, 0.123f, 0);
  EXPECT_FALSE(fit.calibrated);
  EXPECT_EQ(fit.level, 0.123f);
  fit = fit_silhouette_level({}, grid, 0.01f, 10.0f, 0.2f, 0);
  EXPECT_FALSE(fit.calibrated);
  EXPECT_EQ(fit.level, 0.2f);
  fit = fit_silhouette_level(kernels, grid, 1.0f, 0.5f, 0.3f, 0);
  EXPECT_FALSE(fit.calibrated);
}

}  // namespace
}  // namespace atlas::geometry
