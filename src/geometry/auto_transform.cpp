#include "geometry/auto_transform.h"

#include <cmath>

namespace atlas::geometry {

Placement placement_for(const Bounds& bounds, std::optional<float> height_metres) {
  Placement placement;
  if (bounds.empty()) return placement;
  const Vec3 centre = bounds.center();
  placement.pivot = {centre.x, bounds.min.y, centre.z};
  const float height = bounds.size().y;
  if (height_metres && *height_metres > 0 && std::isfinite(*height_metres) && height > 0)
    placement.scale = *height_metres / height;
  return placement;
}

Placement combined(const Placement& first, const Placement& second) {
  // ((p - a) s - b) t = (p - (a + b / s)) s t
  return {first.pivot + second.pivot * (1.0f / first.scale), first.scale * second.scale};
}

void apply(const Placement& placement, Primitive& primitive) {
  for (Vec3& p : primitive.positions) p = (p - placement.pivot) * placement.scale;
}

void apply(const Placement& placement, Mesh& mesh) {
  for (Primitive& primitive : mesh.primitives) apply(placement, primitive);
}

void apply(const Placement& placement, SplatCloud& cloud) {
  for (Vec3& p : cloud.positions) p = (p - placement.pivot) * placement.scale;
  const float log_scale = std::log(placement.scale);
  for (Vec3& s : cloud.log_scales) s = {s.x + log_scale, s.y + log_scale, s.z + log_scale};
}

}  // namespace atlas::geometry
