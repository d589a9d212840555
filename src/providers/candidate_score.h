#pragma once
// How good one generated asset looks before anyone has seen it: the measurements
// best-of-N selection ranks 404's candidates by (docs/generation.md, "Best-of-N
// selection", gives each term's definition, weight and reason).
//
// Every term maps a raw measurement to a score in [0, 1], higher is better, and the
// total is the weighted sum of the scores; a kind's weights sum to 1, so totals are
// comparable between candidates of one kind (404 returns one kind per task). Hard
// rejections are what 404's own validator refused outright; a rejected candidate still
// gets its terms measured, for the report, but loses to every accepted one.
//
// The render-based terms use kScoreViews small views (kScoreViewSize² pixels) framed
// as 404's validator frames assets: the bounding box's longest side scaled to 1.5,
// radius 2.5, 49.1 degree field of view, elevation -15 degrees, white background.
// Splats are rendered as they are, meshes lit (a headlight) so that shape shows on an
// untextured surface.

#include <cstddef>
#include <string>
#include <vector>

#include "asset/mesh.h"
#include "asset/splat_cloud.h"

namespace atlas::providers {

inline constexpr int kScoreViews = 4;
inline constexpr int kScoreViewSize = 128;

// 404's validator's thresholds.
inline constexpr std::size_t kMinSplats = 7000;
inline constexpr double kMaxNearlyTransparentShare = 0.8;  // alpha < 0.001

struct ScoreTerm {
  std::string name;    // "floaters", "coverage", ... (docs/generation.md)
  double measure = 0;  // the raw measurement, in the unit the docs give
  double score = 0;    // measure mapped to [0, 1], higher is better
  double weight = 0;   // the term's share of the total
};

struct CandidateScore {
  std::size_t elements = 0;             // splats, or triangles of a mesh
  std::vector<std::string> rejections;  // hard rejections; empty when acceptable
  std::vector<ScoreTerm> terms;         // in a fixed order per kind
  double total = 0;                     // sum of weight x score over the terms
};

// What the render-based terms read from a set of views of one asset.
struct ViewMeasures {
  double coverage = 0;     // solid pixels / pixels of the projected bounding box, in [0, 1]
  double compactness = 0;  // solid pixels / footprint pixels, in [0, 1]
  double sharpness = 0;    // variance of the luma Laplacian over solid pixels, 8-bit units²
  double contrast = 0;     // standard deviation of luma over solid pixels / 255
};

// Share of the cloud's opacity mass (the sum of the splats' alphas) outside its main
// body, in [0, 1]. Splats with alpha under 1/255 (which the renderer skips) or a
// non-finite position are left out. The visible splats' centres are binned into cubic cells whose
// side is 1/32 of the longest side of the box spanning their 1st to 99th percentile along each axis
// (so distant floaters do not inflate the cells); occupied cells touching by a face,
// edge or corner form components, and the main body is the component holding the
// most opacity mass. 0 for an inconsistent cloud (SplatCloud::consistent), one with no
// visible splat, or one whose percentile box is a point.
double splat_floater_share(const SplatCloud& cloud);

// Share of the mesh's triangles that geometry::clean_up would remove as floaters (a
// component with under 2 % of the largest component's area, after welding), in [0, 1];
// 0 for a mesh without triangles.
double mesh_floater_share(const Mesh& mesh);

// Renders `cloud` from the kScoreViews cameras and measures the views. Zeros for a
// cloud with empty bounds.
ViewMeasures measure_splat_views(const SplatCloud& cloud);
// The same for a mesh, rendered lit.
ViewMeasures measure_mesh_views(const Mesh& mesh);

// Hard rejections (fewer than kMinSplats splats; more than kMaxNearlyTransparentShare of
// opacities under 0.001; every rotation the identity) and the splat terms, in order:
// floaters, coverage, compactness, sharpness, contrast. An inconsistent cloud (never
// one a reader made) is rejected as such, without terms.
CandidateScore score_splats(const SplatCloud& cloud);

// Hard rejection: no triangles. Terms, in order: floaters, coverage, triangles,
// texture, sharpness, contrast.
CandidateScore score_mesh(const Mesh& mesh);

}  // namespace atlas::providers
