#pragma once
// Splat cloud -> triangle surface: the splats' opacity density field sampled on a
// regular grid over the cloud's bounds, its level set extracted with surface nets.
//
// The field: D(p) = sum_i alpha_i * exp(-1/2 (p - mu_i)^T Sigma_i^-1 (p - mu_i)), each
// Gaussian truncated at 3 sigma (and at a bounded number of cells), splatted only onto
// the grid points it reaches. The surface is D = iso_level. Vertex colours are the
// density-weighted mean of the splats' degree-0 colours around each vertex (linear
// RGBA, see Primitive::colors). Surface nets rather than marching cubes: one vertex a
// crossed cell gives well-shaped, welded triangles without case tables, and the grid's
// empty border makes every surface closed.

#include <cstddef>

#include "asset/mesh.h"
#include "asset/splat_cloud.h"
#include "core/result.h"

namespace atlas::geometry {

struct SurfaceOptions {
  // Cells along the bounding box's longest side; 0 chooses it from the cloud's size
  // and the triangle budget below.
  int resolution = 0;
  // The LOD0 triangle budget the surface will be reduced to; the automatic resolution
  // gives a surface a few times denser than this, so reduction has detail to keep.
  std::size_t target_triangles = 20000;
  // Density level of the surface; 0 picks the level whose silhouette matches the
  // splat renders best (see surface_extraction.cpp for how).
  float iso_level = 0;
  // The surface is always closed (the grid's border is empty). true also fills enclosed
  // cavities, so the result is one solid shell with no inner walls (for printing).
  bool watertight = false;
  int threads = 0;  // 0: all hardware threads
};

struct SurfaceStats {
  int resolution = 0;           // cells along the longest side
  float cell_size = 0;          // metres
  float iso_level = 0;          // the level used
  std::size_t grid_points = 0;  // density samples evaluated
};

// Returns one primitive with positions, normals (unit, pointing out of the dense side),
// colors and indices, triangles wound counter-clockwise seen from outside. An empty
// cloud, or one whose density never reaches the level, is an error naming why.
Result<Primitive> extract_surface(const SplatCloud& cloud, const SurfaceOptions& options,
                                  SurfaceStats* stats = nullptr);

}  // namespace atlas::geometry
