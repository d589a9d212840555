#pragma once
// Surface nets (Gibson 1998) on a sparse density grid: a vertex in each cell the level
// set crosses, at the mean of the crossings on the cell's edges; one quad (two
// triangles, split along the shorter diagonal) for each grid edge the level set
// crosses, joining the four cells around that edge. Where the level set crosses a cell
// in separate patches (thin parts, saddles), the cell gets one vertex a patch, and each
// quad takes the vertex of the patch its grid edge belongs to: with one vertex a cell,
// the edges across an ambiguous face would be shared by four faces. Ambiguous faces are
// resolved with the asymptotic decider. Private to surface extraction.

#include "asset/mesh.h"
#include "geometry/sparse_density_grid.h"

namespace atlas::geometry {

// Positions and indices of the level set `level` (inside: density >= level), wound
// counter-clockwise seen from outside (the side of lower density). The grid's outer
// layer is empty, so the surface is closed (no edge has one face); all but a few edges
// (cells whose patches join inside the cell) have exactly two faces. Deterministic
// whatever the thread count.
Primitive surface_nets(const SparseDensityGrid& grid, float level, int threads);

}  // namespace atlas::geometry
