#pragma once
// Packing flattened charts into one square texture (part of uv_atlas). Every chart is
// scaled by the same factor (one texel density for the whole atlas), turned to its
// minimum-area bounding rectangle, rasterised conservatively (every texel a triangle
// touches), and placed bottom-left first-fit on a bitmap of the atlas in the best of
// four quarter turns, largest first, so small pieces fill the gaps left by big ones.
// Charts may be cut into pieces along straight lines, each cut a seam: branching charts
// before packing, and charts that fit nowhere while packing. The common scale is the
// largest a search over scales finds that fits (first-fit is not monotonic in scale,
// so not necessarily the largest that could).

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "geometry/lscm.h"

namespace atlas::geometry {

struct PackingChart {
  std::vector<UvPoint> uv;                 // one common unit for all charts
  std::span<const std::uint32_t> corners;  // 3 uv indices per triangle
};

struct PackingOptions {
  int size = 1024;  // atlas side in texels
  int gutter = 4;   // empty texels between charts' texels, and between them and the border
  // How many times a chart that fits nowhere may be cut in two to fill the gaps left
  // between bigger ones (each cut is a seam more).
  int max_cuts = 0;
  // Before packing, branching or hollow charts are cut (up to this many times over, 0
  // for never) where a straight cut saves more atlas space than its gutters cost.
  int precut_depth = 0;
};

// A chart, or a piece of one, placed in the atlas.
struct PackedPiece {
  std::size_t chart = 0;                 // index into the packed charts
  std::vector<std::uint32_t> triangles;  // the chart's triangles (index into corners / 3)
  std::vector<std::uint32_t> vertices;   // the chart vertex each piece vertex copies
  std::vector<std::uint32_t> corners;    // 3 piece vertices per triangle
  std::vector<UvPoint> uv;               // atlas texels
};

struct PackingResult {
  double efficiency = 0;       // UV triangle area over atlas area
  double texels_per_unit = 0;  // the common scale
  std::vector<PackedPiece> pieces;
};

// Places every chart's triangles, whole or cut into pieces: texels covered by two
// pieces' triangles are at least gutter + 1 apart (Chebyshev), and no covered texel is
// within `gutter` texels of the border. Pieces are turned, never mirrored, so faces keep
// their winding. An error when the charts cannot fit at any scale (too many for the
// atlas's size).
Result<PackingResult> pack_charts(const std::vector<PackingChart>& charts,
                                  const PackingOptions& options);

}  // namespace atlas::geometry
