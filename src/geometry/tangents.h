#pragma once
// Per-vertex tangent frames for tangent-space normal maps.

#include "asset/mesh.h"

namespace atlas::geometry {

// Fills mesh.tangents from positions, normals and uv0 following the MikkTSpace
// conventions glTF requires: the tangent points along +U, the bitangent
// cross(normal, tangent) * w points toward the top of the image (decreasing glTF V, the
// +Y of a tangent-space normal map), w = +1 or -1. Per-triangle UV gradients are
// projected onto each corner's normal plane and accumulated weighted by the corner
// angle; a vertex shared by mirrored and unmirrored triangles takes the handedness of
// the larger angle sum (MikkTSpace would split it; vertices are never split here).
// Vertices without a usable UV gradient get a unit vector orthogonal to the normal,
// w = +1. Precondition: normals and uv0 have positions.size() entries; otherwise
// nothing happens. Triangles with an index out of range are ignored.
void compute_tangents(Primitive& mesh);

}  // namespace atlas::geometry
