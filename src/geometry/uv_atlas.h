#pragma once
// UV unwrapping into one texture atlas: the surface is cut into charts by growing
// regions of similar normal direction, each chart is flattened with a least-squares
// conformal map (LSCM, solved with Eigen), charts whose stretch is too high are split,
// and the charts are packed into the unit square with a gutter between them.

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
  std::size_t charts = 0;
  // Share of the atlas covered by chart triangles (0..1).
  double packing_efficiency = 0;
  // Area-weighted L2 stretch over the whole mesh (1 is isometric up to global scale)
  // and the worst chart's.
  double mean_stretch = 0;
  double max_chart_stretch = 0;
  std::size_t seam_vertices_added = 0;
};

// Writes uv0 for every vertex of `mesh` (glTF convention, (0,0) top-left), duplicating
// vertices on chart seams (all other attributes copied). Charts do not overlap, every
// UV lies in [gutter, size - gutter] texels, and rasterised at texture_size two charts
// are at least gutter_texels apart. The triangles keep their order. An empty mesh or a
// mesh with only degenerate triangles is an error.
Result<UnwrapStats> unwrap_uv_atlas(Primitive& mesh, const UnwrapOptions& options = {});

}  // namespace atlas::geometry
