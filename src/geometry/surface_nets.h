#pragma once
// Surface nets (Gibson 1998) on a sparse density grid: one vertex in each cell the level
// set crosses, at the mean of the crossings on the cell's edges; one quad (two
// triangles, split along the shorter diagonal) for each grid edge the level set
// crosses, joining the four cells around that edge. Private to surface extraction.

#include "asset/mesh.h"
#include "geometry/sparse_density_grid.h"

namespace atlas::geometry {

// Positions and indices of the level set `level` (inside: density >= level), wound
// counter-clockwise seen from outside (the side of lower density). The grid's outer
// layer is empty, so the surface is closed. Deterministic whatever the thread count.
Primitive surface_nets(const SparseDensityGrid& grid, float level, int threads);

}  // namespace atlas::geometry
