#include "render/image_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace atlas::render {
namespace {

// An opaque rectangle [x0, x1) x [y0, y1) of `rgb` on a transparent white image.
Image rectangle(int x0, int y0, int x1, int y1, std::uint8_t rgb = 100, int size = 64) {
  Image image(size, size, 4);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      std::uint8_t* p = image.at(x, y);
      const bool inside = x >= x0 && x < x1 && y >= y0 && y < y1;
      p[0] = p[1] = p[2] = inside ? rgb : 255;
      p[3] = inside ? 255 : 0;
    }
  }
  return image;
}

// An opaque, smoothly textured image (so SSIM has structure to compare).
Image textured(int size = 96, int shift = 0) {
  Image image(size, size, 4);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      std::uint8_t* p = image.at(x, y);
      const double u = x + shift;
      p[0] = static_cast<std::uint8_t>(128 + 100 * std::sin(u * 0.4) * std::cos(y * 0.3));
      p[1] = static_cast<std::uint8_t>(128 + 80 * std::cos(u * 0.25 + y * 0.2));
      p[2] = static_cast<std::uint8_t>(128 + 60 * std::sin(y * 0.5));
      p[3] = 255;
    }
  }
  return image;
}

TEST(ImageMetrics, IdenticalImagesScorePerfectly) {
  const Image a = textured();
  EXPECT_EQ(silhouette_iou(a, a), 1.0);
  EXPECT_TRUE(std::isinf(masked_psnr(a, a)));
  EXPECT_EQ(masked_ssim(a, a), 1.0);
  const Image empty = rectangle(0, 0, 0, 0);
  EXPECT_EQ(silhouette_iou(empty, empty), 1.0);
  EXPECT_TRUE(std::isinf(masked_psnr(empty, empty)));
  EXPECT_EQ(masked_ssim(empty, empty), 1.0);
}

TEST(ImageMetrics, IouOfKnownRectanglesIsExact) {
  // 20x10 and 20x10 overlapping in 10x10: 100 / 300.
  EXPECT_DOUBLE_EQ(silhouette_iou(rectangle(0, 0, 20, 10), rectangle(10, 0, 30, 10)), 1.0 / 3.0);
  // Nested: 10x10 inside 20x20.
  EXPECT_DOUBLE_EQ(silhouette_iou(rectangle(5, 5, 15, 15), rectangle(0, 0, 20, 20)), 0.25);
  EXPECT_EQ(silhouette_iou(rectangle(0, 0, 10, 10), rectangle(20, 20, 30, 30)), 0.0);
  // Alpha 127 is outside the silhouette, 128 inside.
  Image faint = rectangle(0, 0, 10, 10);
  for (int y = 0; y < 10; ++y) {
    for (int x = 0; x < 10; ++x) faint.at(x, y)[3] = x < 5 ? 127 : 128;
  }
  EXPECT_DOUBLE_EQ(silhouette_iou(faint, rectangle(0, 0, 10, 10)), 0.5);
}

TEST(ImageMetrics, PsnrCountsOnlyTheUnionOfSilhouettes) {
  Image a = rectangle(0, 0, 10, 10, 100);
  Image b = rectangle(0, 0, 10, 10, 110);
  // Every RGB value in the union differs by 10: MSE 100.
  EXPECT_NEAR(masked_psnr(a, b), 10 * std::log10(255.0 * 255.0 / 100.0), 1e-9);
  // Differences outside both silhouettes do not count.
  b = rectangle(0, 0, 10, 10, 100);
  b.at(40, 40)[0] = 0;
  EXPECT_TRUE(std::isinf(masked_psnr(a, b)));
  // One red value off by 30 in a 10x10 union: MSE = 900 / 300.
  b.at(3, 3)[0] = 130;
  EXPECT_NEAR(masked_psnr(a, b), 10 * std::log10(255.0 * 255.0 / 3.0), 1e-9);
}

TEST(ImageMetrics, NoiseAndShiftsGiveExpectedRanges) {
  const Image clean = textured();
  Image noisy = clean;
  std::mt19937 random(7);
  std::normal_distribution<double> noise(0, 10);
  for (std::size_t i = 0; i < noisy.pixels.size(); ++i) {
    if (i % 4 == 3) continue;
    noisy.pixels[i] =
        static_cast<std::uint8_t>(std::clamp(noisy.pixels[i] + noise(random), 0.0, 255.0));
  }
  // Gaussian noise of sigma 10: PSNR about 20 log10(255 / 10) = 28.1 dB.
  EXPECT_NEAR(masked_psnr(clean, noisy), 28.1, 0.5);
  const double noisy_ssim = masked_ssim(clean, noisy);
  EXPECT_GT(noisy_ssim, 0.5);
  EXPECT_LT(noisy_ssim, 0.97);
  const double shifted_ssim = masked_ssim(clean, textured(96, 3));
  EXPECT_GT(shifted_ssim, -1.0);
  EXPECT_LT(shifted_ssim, 0.8);
  EXPECT_GT(masked_ssim(clean, textured(96, 1)), shifted_ssim);
  EXPECT_DOUBLE_EQ(silhouette_iou(clean, noisy), 1.0);
}

TEST(ImageMetrics, SsimOfFlatImagesFollowsTheLuminanceTerm) {
  // Constant images: variances vanish, SSIM = (2 m n + C1) / (m^2 + n^2 + C1).
  const double c1 = (0.01 * 255) * (0.01 * 255);
  const double expected = (2 * 100.0 * 110.0 + c1) / (100.0 * 100.0 + 110.0 * 110.0 + c1);
  EXPECT_NEAR(masked_ssim(rectangle(0, 0, 64, 64, 100), rectangle(0, 0, 64, 64, 110)), expected,
              1e-9);
}

TEST(ImageMetrics, MismatchedImagesScoreZero) {
  const Image a = rectangle(0, 0, 10, 10, 100, 64);
  const Image b = rectangle(0, 0, 10, 10, 100, 32);
  EXPECT_EQ(silhouette_iou(a, b), 0.0);
  EXPECT_EQ(masked_psnr(a, b), 0.0);
  EXPECT_EQ(masked_ssim(a, b), 0.0);
  const Image rgb(64, 64, 3);
  EXPECT_EQ(silhouette_iou(a, rgb), 0.0);
  EXPECT_EQ(masked_ssim(Image{}, Image{}), 0.0);
}

}  // namespace
}  // namespace atlas::render
