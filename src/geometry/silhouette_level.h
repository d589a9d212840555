#pragma once
// Choosing the density level whose surface has the splats' silhouette. A splat render's
// silhouette is where the accumulated opacity 1 - prod(1 - alpha_i g_i) reaches 0.5
// (render/image_metrics.h); that product does not depend on the order of the splats, so
// it can be accumulated orthographically along the grid's axes without sorting. The
// surface's silhouette along the same axis at level t is where the maximum of the
// trilinearly interpolated density along the line of sight reaches t. Both are sampled
// at twice the grid's resolution. The level maximising the mean silhouette IoU over the
// views is the one whose surface covers what the splats cover, whatever the cloud's
// opacities and splat sizes. Private to surface extraction.

#include <vector>

#include "geometry/sparse_density_grid.h"

namespace atlas::geometry {

struct SilhouetteFit {
  float level = 0;          // the chosen density level
  double iou = 0;           // mean IoU of the orthographic silhouettes at that level
  bool calibrated = false;  // false: no splat silhouette to match, `fallback` returned
};

// Fits the level within [min_level, max_level] on `threads` threads (0: all).
SilhouetteFit fit_silhouette_level(const std::vector<DensityKernel>& kernels,
                                   const SparseDensityGrid& grid, float min_level, float max_level,
                                   float fallback, int threads);

}  // namespace atlas::geometry
