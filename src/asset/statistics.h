#pragma once
// Summary figures of assets, as `atlas info` prints them and quality gates read them.

#include <cstddef>

#include "asset/math.h"
#include "asset/mesh.h"
#include "asset/splat_cloud.h"

namespace atlas {

struct Distribution {
  float min = 0, median = 0, mean = 0, max = 0;
};

struct SplatStatistics {
  std::size_t count = 0;
  int sh_degree = 0;
  Bounds bounds;
  Distribution opacity;                 // activated alpha in [0, 1]
  Distribution scale;                   // activated std-dev of each splat's largest axis, metres
  double share_nearly_transparent = 0;  // alpha < 0.001 (404's validator rejects > 0.8)
  std::size_t non_finite = 0;           // splats with a NaN or infinite attribute
  // Finite splats whose normalised rotation is the identity (404's validator rejects a
  // cloud where every rotation is).
  std::size_t identity_rotations = 0;
};

SplatStatistics compute_statistics(const SplatCloud& cloud);

struct MeshStatistics {
  std::size_t vertices = 0;
  std::size_t triangles = 0;
  std::size_t primitives = 0;
  std::size_t materials = 0;
  std::size_t textures = 0;
  Bounds bounds;
};

MeshStatistics compute_statistics(const Mesh& mesh);

}  // namespace atlas
