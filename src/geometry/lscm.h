#pragma once
// Flattening one disc-topology chart (part of uv_atlas): a least-squares conformal map
// (LSCM, Lévy et al. 2002) solved with Eigen's sparse Cholesky, refined by
// as-rigid-as-possible iterations (Liu et al. 2008) that trade a little angle
// distortion for much less area distortion, and the checks a chart must pass before it
// goes into the atlas.

#include <array>
#include <cstdint>
#include <vector>

#include "asset/math.h"

namespace atlas::geometry {

struct UvPoint {
  double u = 0, v = 0;
};

// `points` are the chart's vertices, `corners` 3 vertex ids per triangle (a connected
// disc, no degenerate triangle). Returns a UV per vertex, at roughly the 3D scale, whose
// faces keep the 3D winding (counter-clockwise stays counter-clockwise) and whose border
// does not cross itself, when one is found: the least stretched of LSCM, its ARAP
// refinement and (when those fold) ARAP from Tutte's embedding, the search stopping at
// the first within target_stretch. Otherwise a folded map (callers check), or empty when
// the solver fails.
std::vector<UvPoint> parametrise_chart(const std::vector<Vec3>& points,
                                       const std::vector<std::uint32_t>& corners,
                                       double target_stretch = 1, int arap_iterations = 8);

// Signed area of a UV triangle (positive counter-clockwise).
double uv_area(UvPoint a, UvPoint b, UvPoint c);

// The sums L2 stretch is made of, which add up over disjoint sets of faces.
struct StretchSums {
  double weighted = 0;  // sum of 3D area times squared L2 stretch of each face
  double area_3d = 0;
  double area_uv = 0;
  bool folded = false;  // a face has no positive UV area
  // Area-weighted L2 stretch normalised by the ratio of total UV to total 3D area.
  double value() const;
};
StretchSums stretch_sums(const std::vector<Vec3>& points, const std::vector<std::uint32_t>& corners,
                         const std::vector<UvPoint>& uv);

// Area-weighted L2 stretch (Sander et al. 2001) of the map from UV to 3D, normalised by
// the ratio of total UV to total 3D area so that 1 means isometric up to one global
// scale. INFINITY when a face has no positive UV area.
double l2_stretch(const std::vector<Vec3>& points, const std::vector<std::uint32_t>& corners,
                  const std::vector<UvPoint>& uv);

// Whether two edges of the chart's border cross or touch (other than consecutive edges
// at their shared vertex). With no flipped face this is exactly when the map overlaps
// itself.
bool boundary_self_intersects(const std::vector<std::uint32_t>& corners,
                              const std::vector<UvPoint>& uv);

// The chart's border as (from, to) vertex pairs: the half-edges whose twin is missing.
std::vector<std::array<std::uint32_t, 2>> border_edges(const std::vector<std::uint32_t>& corners);

// Whether two border edges (vertex ids into uv) cross or touch, other than consecutive
// edges meeting only at their shared vertex.
bool border_edges_meet(const std::array<std::uint32_t, 2>& e, const std::array<std::uint32_t, 2>& f,
                       const std::vector<UvPoint>& uv);

}  // namespace atlas::geometry
