#pragma once
// Comparing two renders of the same view: how much of the silhouette matches and how
// close the colours are where the object is.

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

// Preconditions for all three: a and b have the same size and 4 channels.

}  // namespace atlas::render
