#pragma once
// One primitive from a whole mesh, for processing that treats the object as one surface.

#include "asset/mesh.h"

namespace atlas::geometry {

// Concatenates every primitive's positions, normals (when every primitive has them)
// and triangles into one primitive without material; UVs, colours and tangents are
// dropped (the source mesh keeps them for baking). Primitives whose attributes are
// inconsistent or whose indices are out of range are skipped.
Primitive merge_primitives(const Mesh& mesh);

}  // namespace atlas::geometry
