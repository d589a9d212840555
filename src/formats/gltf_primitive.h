#pragma once
// Reading glTF mesh primitives into Atlas primitives, in their mesh's local space.

#include <tiny_gltf.h>

#include <cstddef>
#include <vector>

#include "asset/mesh.h"
#include "core/result.h"
#include "formats/gltf_draco.h"

namespace atlas::gltf {

// What reading primitives left out, for the reader's summary.
struct SkippedGeometry {
  std::size_t non_triangle_primitives = 0;  // points and lines
  bool morph_targets = false;
};

// Reads every primitive of mesh `mesh_index` (which must exist) in the mesh's local
// space, decoding those listed in `draco` with libdraco. Points and lines are left out
// (and counted in `skipped`), as are primitives left with no triangles. Fails on an
// unknown mode, a missing POSITION, an attribute with the wrong number of components or
// elements, an index out of range or a material that does not exist.
Result<std::vector<Primitive>> read_mesh_primitives(const tinygltf::Model& model,
                                                    const DracoTable& draco, std::size_t mesh_index,
                                                    SkippedGeometry& skipped);

}  // namespace atlas::gltf
