#include "geometry/tangents.h"

#include <cmath>

namespace atlas::geometry {

namespace {

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

// A unit vector orthogonal to n (n unit or zero).
Vec3 any_orthogonal(Vec3 n) {
  const Vec3 axis = std::fabs(n.x) < 0.9f ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
  const Vec3 t = normalize(axis - n * dot(axis, n));
  return length(t) > 0 ? t : Vec3{1, 0, 0};
}

float corner_angle(Vec3 to_next, Vec3 to_previous) {
  const float l = length(to_next) * length(to_previous);
  if (!(l > 0)) return 0;
  return std::acos(std::fmax(-1.0f, std::fmin(1.0f, dot(to_next, to_previous) / l)));
}

}  // namespace

void compute_tangents(Primitive& mesh) {
  const std::size_t n = mesh.positions.size();
  if (mesh.normals.size() != n || mesh.uv0.size() != n) return;
  std::vector<Vec3> tangent_sum(n);
  std::vector<float> handedness_sum(n, 0.0f);
  for (std::size_t t = 0; t + 2 < mesh.indices.size(); t += 3) {
    const std::uint32_t corner[3] = {mesh.indices[t], mesh.indices[t + 1], mesh.indices[t + 2]};
    if (corner[0] >= n || corner[1] >= n || corner[2] >= n) continue;
    const Vec3 p0 = mesh.positions[corner[0]];
    const Vec3 e1 = mesh.positions[corner[1]] - p0, e2 = mesh.positions[corner[2]] - p0;
    const Vec2 w0 = mesh.uv0[corner[0]], w1 = mesh.uv0[corner[1]], w2 = mesh.uv0[corner[2]];
    const float du1 = w1.x - w0.x, dv1 = w1.y - w0.y, du2 = w2.x - w0.x, dv2 = w2.y - w0.y;
    const float det = du1 * dv2 - du2 * dv1;
    if (!(std::fabs(det) > 0) || !std::isfinite(det)) continue;
    // dP/du, and dP/d(-v): glTF's V grows down the image, the bitangent points up it.
    const Vec3 along_u = (e1 * dv2 - e2 * dv1) * (1.0f / det);
    const Vec3 image_up = (e1 * du2 - e2 * du1) * (1.0f / det);
    if (!finite(along_u) || !finite(image_up)) continue;
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t vertex = corner[k];
      const Vec3 here = mesh.positions[vertex];
      const float angle = corner_angle(mesh.positions[corner[(k + 1) % 3]] - here,
                                       mesh.positions[corner[(k + 2) % 3]] - here);
      if (!(angle > 0)) continue;
      const Vec3 normal = normalize(mesh.normals[vertex]);
      const Vec3 projected = normalize(along_u - normal * dot(along_u, normal));
      if (!(length(projected) > 0)) continue;
      tangent_sum[vertex] = tangent_sum[vertex] + projected * angle;
      const float side = dot(cross(normal, projected), image_up);
      handedness_sum[vertex] += side < 0 ? -angle : angle;
    }
  }
  mesh.tangents.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    Vec3 normal = normalize(mesh.normals[i]);
    if (!finite(normal)) normal = {};
    Vec3 tangent = normalize(tangent_sum[i] - normal * dot(tangent_sum[i], normal));
    if (!(length(tangent) > 0.5f)) tangent = any_orthogonal(normal);
    const float w = handedness_sum[i] < 0 ? -1.0f : 1.0f;
    mesh.tangents[i] = {tangent.x, tangent.y, tangent.z, w};
  }
}

}  // namespace atlas::geometry
