#include "geometry/simplify.h"

#include <meshoptimizer.h>

#include <algorithm>

namespace atlas::geometry {
namespace {

template <typename T>
void remap_attribute(std::vector<T>& values, const std::vector<unsigned>& remap,
                     std::size_t unique_count) {
  if (values.empty()) return;
  std::vector<T> out(unique_count);
  for (std::size_t i = 0; i < remap.size(); ++i) {
    if (remap[i] != ~0u) out[remap[i]] = values[i];
  }
  values = std::move(out);
}

}  // namespace

SimplifyResult simplify(const Primitive& mesh, std::size_t target_triangles,
                        SimplifyFallback fallback) {
  SimplifyResult result;
  result.mesh = mesh;
  Primitive& out = result.mesh;
  const std::size_t vertex_count = mesh.positions.size();
  if (vertex_count == 0 || mesh.indices.empty()) return result;
  const float* positions = &mesh.positions[0].x;
  const std::size_t target_indices = target_triangles * 3;

  std::vector<unsigned> indices(mesh.indices.size());
  if (mesh.indices.size() > target_indices) {
    // Looser and looser error bounds: the first that reaches the budget keeps the most
    // shape; meshoptimizer stops early at the bound otherwise.
    std::size_t count = mesh.indices.size();
    for (float max_error : {0.01f, 0.05f, 0.2f, 1.0f}) {
      count = meshopt_simplify(indices.data(), mesh.indices.data(), mesh.indices.size(), positions,
                               vertex_count, sizeof(Vec3), target_indices, max_error, 0,
                               &result.relative_error);
      if (count <= target_indices) break;
    }
    if (count > target_indices && fallback == SimplifyFallback::None) {
      result.reached_target = false;
    } else if (count > target_indices) {
      count = meshopt_simplifySloppy(indices.data(), mesh.indices.data(), mesh.indices.size(),
                                     positions, vertex_count, sizeof(Vec3), target_indices, 1.0f,
                                     &result.relative_error);
      result.used_sloppy = true;
    }
    indices.resize(result.reached_target ? std::min(count, target_indices) : count);
  } else {
    indices.assign(mesh.indices.begin(), mesh.indices.end());
  }
  result.error_metres =
      result.relative_error * meshopt_simplifyScale(positions, vertex_count, sizeof(Vec3));

  meshopt_optimizeVertexCache(indices.data(), indices.data(), indices.size(), vertex_count);
  std::vector<unsigned> remap(vertex_count);
  const std::size_t unique =
      meshopt_optimizeVertexFetchRemap(remap.data(), indices.data(), indices.size(), vertex_count);
  for (unsigned& index : indices) index = remap[index];
  out.indices.assign(indices.begin(), indices.end());
  remap_attribute(out.positions, remap, unique);
  remap_attribute(out.normals, remap, unique);
  remap_attribute(out.tangents, remap, unique);
  remap_attribute(out.uv0, remap, unique);
  remap_attribute(out.uv1, remap, unique);
  remap_attribute(out.colors, remap, unique);
  return result;
}

}  // namespace atlas::geometry
