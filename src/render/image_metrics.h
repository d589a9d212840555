#pragma once
// Comparing two renders of the same view: how much of the silhouette matches and how
// close the colours are where the object is.
//
// Definitions (a, b: the two images; "the union" U: pixels inside either silhouette):
// - silhouette_iou = |Sa n Sb| / |Sa u Sb|, S the pixels with alpha >= kSilhouetteAlpha;
//   1 when both silhouettes are empty.
// - masked_psnr = 10 log10(255^2 / MSE), MSE the mean of (a - b)^2 over the R, G and B
//   values (8-bit units) of the pixels in U; infinity when MSE is 0 or U is empty.
// - masked_ssim: luma Y = 0.299 R + 0.587 G + 0.114 B of each image (8-bit units, colour
//   as stored, i.e. composited over the render's background); local means, variances and
//   covariance under an 11x11 Gaussian window (sigma 1.5), the window renormalised over
//   the pixels inside the image at borders; SSIM(p) = (2 mu_a mu_b + C1)(2 cov + C2) /
//   ((mu_a^2 + mu_b^2 + C1)(var_a + var_b + C2)), C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2
//   (Wang et al. 2004); the result is the mean of SSIM(p) over window centres p in U,
//   1 when U is empty. Windows centred inside U still read pixels outside it, so a
//   silhouette edge that moves lowers the score.
// Preconditions for all three: a and b have the same size and 4 channels; when they do
// not, all three return 0 (the worst score of IoU and SSIM, and a PSNR of 0 dB).

#include <cstdint>

#include "asset/image.h"

namespace atlas::render {

// A pixel belongs to an image's silhouette when its alpha is at least this.
inline constexpr std::uint8_t kSilhouetteAlpha = 128;

// Intersection over union of the two silhouettes. 1 when both are empty.
double silhouette_iou(const Image& a, const Image& b);

// PSNR in dB of the RGB channels over pixels inside either silhouette (the union).
// Infinity when identical there; 0 pixels in the union also gives infinity.
double masked_psnr(const Image& a, const Image& b);

// Mean SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, on luma) over
// window centres inside the union of the silhouettes. 1 when identical.
double masked_ssim(const Image& a, const Image& b);

}  // namespace atlas::render
