#pragma once
// How far apart two triangle surfaces are: the geometric error of a reduced mesh against
// the surface it was reduced from, measured by sampling (as Metro and MeshLab do).

#include <cstddef>
#include <cstdint>

#include "asset/mesh.h"
#include "core/result.h"

namespace atlas::geometry {

struct SurfaceDistanceOptions {
  std::size_t samples = 100000;  // points drawn on each surface, uniformly by area
  std::uint64_t seed = 1;        // same seed and inputs, same figures, on every machine
};

// Distances from the points of one surface to the nearest point of the other.
struct DirectedDistance {
  // Mean and root mean square over the area samples: estimates of the area-weighted
  // mean over the whole surface.
  double mean = 0;
  double rms = 0;
  // Largest distance over the area samples and every vertex of a triangle with area:
  // a lower bound of the one-sided Hausdorff distance that converges to it as the
  // sample count grows (exact when the farthest point is a vertex, as for a plane).
  double max = 0;
  std::size_t samples = 0;  // area samples (vertices excluded)
};

struct SurfaceDistance {
  DirectedDistance a_to_b;
  DirectedDistance b_to_a;
  double mean = 0;  // symmetric mean: both directions' samples pooled (equal counts)
  double max = 0;   // symmetric Hausdorff distance: the larger of both maxima
};

// Symmetric distance between the surfaces of `a` and `b` (positions and indices only;
// other attributes are ignored), in their units. Triangles with an index out of range, a
// non-finite corner or no area are not part of either surface. Fails when options.samples
// is 0 or when a surface has no triangle with area (the message then names "the first
// mesh" or "the second mesh").
Result<SurfaceDistance> surface_distance(const Primitive& a, const Primitive& b,
                                         const SurfaceDistanceOptions& options = {});

}  // namespace atlas::geometry
