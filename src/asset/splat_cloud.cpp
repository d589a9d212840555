#include "asset/splat_cloud.h"

#include <algorithm>

namespace atlas {

void SplatCloud::resize(std::size_t count) {
  positions.resize(count);
  log_scales.resize(count);
  rotations.resize(count);
  opacity_logits.resize(count);
  sh_dc.resize(count);
  sh_rest.resize(count * static_cast<std::size_t>(sh_rest_coefficients(sh_degree)) * 3);
}

bool SplatCloud::consistent() const {
  const std::size_t n = positions.size();
  return sh_degree >= 0 && sh_degree <= 3 && log_scales.size() == n && rotations.size() == n &&
         opacity_logits.size() == n && sh_dc.size() == n &&
         sh_rest.size() == n * static_cast<std::size_t>(sh_rest_coefficients(sh_degree)) * 3;
}

Bounds SplatCloud::bounds() const {
  Bounds b;
  for (const Vec3& p : positions) b.extend(p);
  return b;
}

float logit(float alpha) {
  const float a = std::clamp(alpha, 1e-6f, 1.0f - 1e-6f);
  return std::log(a / (1.0f - a));
}

}  // namespace atlas
