#include "geometry/merge.h"

#include <algorithm>

namespace atlas::geometry {

Primitive merge_primitives(const Mesh& mesh) {
  Primitive merged;
  bool all_normals = true;
  for (const Primitive& primitive : mesh.primitives) all_normals &= !primitive.normals.empty();
  for (const Primitive& primitive : mesh.primitives) {
    const std::size_t n = primitive.positions.size();
    if (!primitive.normals.empty() && primitive.normals.size() != n) continue;
    if (primitive.indices.size() % 3 != 0 ||
        std::any_of(primitive.indices.begin(), primitive.indices.end(),
                    [n](std::uint32_t index) { return index >= n; })) {
      continue;
    }
    const auto base = static_cast<std::uint32_t>(merged.positions.size());
    merged.positions.insert(merged.positions.end(), primitive.positions.begin(),
                            primitive.positions.end());
    if (all_normals) {
      merged.normals.insert(merged.normals.end(), primitive.normals.begin(),
                            primitive.normals.end());
    }
    for (std::uint32_t index : primitive.indices) merged.indices.push_back(base + index);
  }
  return merged;
}

}  // namespace atlas::geometry
