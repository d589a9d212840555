#pragma once
// UV unwrapping into one texture atlas: the surface is cut into charts by growing
// regions of similar normal direction (never across sharp folds or non-manifold edges),
// each chart is flattened with a least-squares conformal map (LSCM, solved with Eigen)
// refined by as-rigid-as-possible iterations, charts that are not discs are cut open,
// charts that fold or stretch too much are split, small neighbours are merged back and
// lone faces glued onto a neighbour, and everything is packed into the square with one
// texel density and a gutter between charts (see chart_packing.h, which may cut charts
// into pieces to fill the atlas).

#include <cstddef>

#include "asset/mesh.h"
#include "core/result.h"

namespace atlas::geometry {

struct UnwrapOptions {
  int texture_size = 1024;  // the atlas's side in texels; gutters are measured in it
  int gutter_texels = 4;    // minimum empty texels between any two charts and the border
  // Charts whose area-weighted stretch (L2, Sander et al. 2001) exceeds this are split.
  float max_stretch = 1.25f;
  int threads = 0;  // 0: all hardware threads
};

struct UnwrapStats {
  // Charts in the atlas (pieces joined through their vertices, as a baker sees them).
  std::size_t charts = 0;
  // Share of the atlas covered by chart triangles (0..1).
  double packing_efficiency = 0;
  // Area-weighted L2 stretch over the whole mesh (1 is isometric up to global scale)
  // and the worst chart's (as flattened; cutting a chart for packing moves no UV).
  double mean_stretch = 0;
  double max_chart_stretch = 0;
  std::size_t seam_vertices_added = 0;
};

// Writes uv0 for every vertex of `mesh` (glTF convention, (0,0) top-left), duplicating
// vertices on chart seams (all other attributes copied; the first use of a vertex keeps
// its index, copies are appended). Charts do not overlap, every UV lies in
// [gutter, size - gutter] texels, and rasterised conservatively at texture_size two
// charts' texels are more than gutter_texels apart (Chebyshev). Within a chart all faces
// have the same UV winding: a face counter-clockwise on the model (seen from outside) is
// counter-clockwise in the image seen with v up, the convention of DCC tools. Triangles
// keep their order. Degenerate triangles (a repeated vertex, or too thin for a normal)
// get a zero-area UV on a vertex of a chart they touch. An empty mesh, a mesh with only
// degenerate triangles, a non-finite position, an index out of range, an attribute of
// the wrong length or options out of range are errors, and leave the mesh unchanged.
Result<UnwrapStats> unwrap_uv_atlas(Primitive& mesh, const UnwrapOptions& options = {});

}  // namespace atlas::geometry
