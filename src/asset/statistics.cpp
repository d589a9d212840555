#include "asset/statistics.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace atlas {

namespace {

Distribution describe(std::vector<float> values) {
  Distribution d;
  if (values.empty()) return d;
  double sum = 0;
  for (float v : values) sum += v;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  d.median = *middle;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  d.min = *lo;
  d.max = *hi;
  d.mean = static_cast<float>(sum / static_cast<double>(values.size()));
  return d;
}

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

}  // namespace

SplatStatistics compute_statistics(const SplatCloud& cloud) {
  SplatStatistics s;
  s.count = cloud.size();
  s.sh_degree = cloud.sh_degree;
  s.bounds = cloud.bounds();
  std::vector<float> opacities, scales;
  opacities.reserve(cloud.size());
  scales.reserve(cloud.size());
  std::size_t transparent = 0;
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    const Vec3 ls = cloud.log_scales[i];
    const Quat q = cloud.rotations[i];
    if (!finite(cloud.positions[i]) || !finite(ls) || !finite(cloud.sh_dc[i]) ||
        !std::isfinite(cloud.opacity_logits[i]) || !std::isfinite(q.w + q.x + q.y + q.z)) {
      ++s.non_finite;
      continue;
    }
    const float alpha = sigmoid(cloud.opacity_logits[i]);
    if (alpha < 0.001f) ++transparent;
    if (std::fabs(std::fabs(normalized(q).w) - 1) < 1e-6f) ++s.identity_rotations;
    opacities.push_back(alpha);
    scales.push_back(std::exp(std::max(ls.x, std::max(ls.y, ls.z))));
  }
  s.share_nearly_transparent =
      cloud.empty() ? 0.0 : static_cast<double>(transparent) / static_cast<double>(cloud.size());
  s.opacity = describe(std::move(opacities));
  s.scale = describe(std::move(scales));
  return s;
}

MeshStatistics compute_statistics(const Mesh& mesh) {
  MeshStatistics s;
  s.vertices = mesh.vertex_count();
  s.triangles = mesh.triangle_count();
  s.primitives = mesh.primitives.size();
  s.materials = mesh.materials.size();
  s.textures = mesh.images.size();
  s.bounds = mesh.bounds();
  return s;
}

}  // namespace atlas
