#pragma once
// Placing an asset the way engines expect: Y up, metres, the pivot (origin) at the
// centre of the bottom of the bounding box, optionally scaled to a real-world height.

#include <optional>

#include "asset/math.h"
#include "asset/mesh.h"
#include "asset/splat_cloud.h"

namespace atlas::geometry {

// p' = (p - pivot) * scale. Atlas's readers already convert every format to Y-up
// metres (conventions.h), so only the pivot and the scale remain to choose.
struct Placement {
  Vec3 pivot{0, 0, 0};
  float scale = 1;
};

// The pivot is the bottom centre of `bounds` (centre in x and z, min in y); the scale
// makes the height (y extent) equal `height_metres` when given and positive, else 1.
Placement placement_for(const Bounds& bounds, std::optional<float> height_metres);

// The one placement that does `first`, then `second`.
Placement combined(const Placement& first, const Placement& second);

void apply(const Placement& placement, Mesh& mesh);
void apply(const Placement& placement, Primitive& primitive);
// Positions move and scale; log-scales grow by log(scale).
void apply(const Placement& placement, SplatCloud& cloud);

}  // namespace atlas::geometry
