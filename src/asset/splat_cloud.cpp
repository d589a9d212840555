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

namespace {

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

}  // namespace

std::string SplatCloud::validate() const {
  if (!consistent()) return "attribute arrays have inconsistent lengths";
  const std::size_t rest = static_cast<std::size_t>(sh_rest_coefficients(sh_degree)) * 3;
  for (std::size_t i = 0; i < size(); ++i) {
    const char* problem = nullptr;
    const Quat q = rotations[i];
    if (!finite(positions[i])) {
      problem = "position";
    } else if (!finite(log_scales[i])) {
      problem = "scale";
    } else if (!std::isfinite(q.w) || !std::isfinite(q.x) || !std::isfinite(q.y) ||
               !std::isfinite(q.z)) {
      problem = "rotation";
    } else if (!std::isfinite(opacity_logits[i])) {
      problem = "opacity";
    } else if (!finite(sh_dc[i])) {
      problem = "colour";
    } else {
      for (std::size_t k = 0; k < rest; ++k) {
        if (!std::isfinite(sh_rest[i * rest + k])) problem = "spherical harmonic";
      }
    }
    if (problem) return "splat " + std::to_string(i) + ": " + problem + " is not finite";
  }
  return {};
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
