#pragma once
// Flattening a surface's charts (part of uv_atlas): each chart parametrised on its own
// and split until every piece passes, small neighbouring charts merged where the union
// still flattens, and charts of a few faces glued rigidly onto a neighbour.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "geometry/lscm.h"
#include "geometry/uv_charts.h"

namespace atlas::geometry {

struct FlatChart {
  ChartMesh mesh;
  std::vector<UvPoint> uv;  // per chart vertex, faces counter-clockwise
  double stretch = 1;       // l2_stretch of the chart
};

// Flattens every chart, splitting those that are not discs (even after cuts), fold over
// themselves or stretch more than max_stretch, until every piece passes (a single
// triangle always does).
std::vector<FlatChart> flatten_charts(const ChartSurface& surface,
                                      std::vector<std::vector<std::uint32_t>> charts,
                                      double max_stretch);

// Merges pairs of neighbouring charts, one of them smaller than small_share of the
// surface's area, whose union still flattens within max_stretch: every merge removes a
// seam and the gutters on both sides of it in the atlas.
void merge_small_charts(const ChartSurface& surface, std::vector<FlatChart>& charts,
                        double max_stretch, double small_share);

// Glues each chart of at most max_faces faces onto a neighbouring chart across an edge
// they share (a neighbour or a fold), turning and scaling it so the edge matches, when
// it overlaps nothing there and the union's stretch stays within max_stretch: a lone
// face costs a whole gutter ring in the atlas. Updates the stretch of charts that grew.
void attach_tiny_charts(const ChartSurface& surface, std::vector<FlatChart>& charts,
                        std::size_t max_faces, double max_stretch);

}  // namespace atlas::geometry
