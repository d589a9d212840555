#pragma once
// Splat cloud -> triangle surface: the splats' opacity density field sampled on a sparse
// grid over the splats' reach, its level set extracted with surface nets.
//
// The field: D(p) = sum_i alpha_i * exp(-1/2 (p - mu_i)^T Sigma_i'^-1 (p - mu_i)), each
// Gaussian widened by a third of a cell so that splats thinner than a cell are not lost
// between grid points, and truncated at 3 sigma (sparse_density_grid.h). Only 8^3 blocks
// of grid points that some splat reaches are evaluated, in parallel.
//
// The level: unless given, the one whose surface has the splat renders' silhouette (where
// accumulated alpha reaches 0.5), fitted per cloud by comparing the orthographic splat
// silhouettes along the grid's axes with the density's column maxima
// (silhouette_level.h). A fixed level cannot serve every cloud: overlapping opaque splats
// sum to densities far above 1, sparse faint ones stay below it.
//
// The surface: surface nets rather than marching cubes: one vertex a surface patch of a
// crossed cell gives well-shaped, welded triangles without case tables; ambiguous cell
// faces are resolved the same way on both sides so edges are shared by two faces
// (surface_nets.h). The grid's empty border makes every surface closed.
//
// Vertex colours are the density-weighted mean of the splats' degree-0 colours at each
// vertex (linear RGBA, see Primitive::colors).

#include <cstddef>

#include "asset/mesh.h"
#include "asset/splat_cloud.h"
#include "core/result.h"

namespace atlas::geometry {

struct SurfaceOptions {
  // Cells along the bounding box's longest side, 16 to 1024; 0 chooses it from the
  // cloud and the triangle budget below.
  int resolution = 0;
  // The LOD0 triangle budget the surface will be reduced to. The automatic resolution
  // aims at about 10 times this many triangles (3 to 18 times; a first grid that misses
  // is rebuilt once at a corrected resolution), so reduction has detail to keep.
  std::size_t target_triangles = 20000;
  // Density level of the surface; 0 fits the level whose silhouette matches the splat
  // renders best (see the file comment).
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
// colors and indices, triangles wound counter-clockwise seen from outside. Splats with a
// non-finite value or an opacity below 1/255 are ignored.
//
// Errors, each naming why: an empty or inconsistent cloud, no visible splat, a cloud
// whose density never reaches the level, and a cloud that would exceed the work bounds
// even on the coarsest grid. The work is bounded whatever the input: at most 2^24 grid
// points are stored and 2^28 Gaussian evaluations made; a cloud that would exceed them
// at the chosen resolution gets a coarser grid, and huge splats cannot stretch the grid
// beyond a tenth of the splat centres' extent (or the 90th percentile splat's reach).
// The result does not depend on the thread count.
Result<Primitive> extract_surface(const SplatCloud& cloud, const SurfaceOptions& options,
                                  SurfaceStats* stats = nullptr);

}  // namespace atlas::geometry
