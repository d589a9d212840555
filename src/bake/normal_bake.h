#pragma once
// Tangent-space normal maps: the dense surface's detail onto the reduced mesh.

#include "asset/image.h"
#include "asset/mesh.h"
#include "bake/bake_options.h"
#include "bake/mesh_bake_source.h"

namespace atlas::bake {

// For each texel of `low` (positions, normals, uv0; tangents, computed with
// geometry::compute_tangents when absent), casts along low's normal, both ways, into
// `high` (the dense surface, same space) and takes the nearest hit within 2 % of high's
// bounding-box diagonal. The hit's normal (high's interpolated normals, or face normals
// when it has none) is expressed in low's tangent frame (glTF: +X tangent, +Y bitangent
// = cross(n, t) * w, +Z normal) and encoded as RGB = n * 0.5 + 0.5 (linear, not sRGB),
// alpha 255. Texels whose ray misses, or hits a surface facing away from low's normal
// (the far side of a thin part), and the background get (128, 128, 255): no detail.
// Gutters are dilated by dilation_texels. Empty image when low has no uv0 or normals
// for every vertex or no triangle, high has no usable triangle, or texture_size is
// outside 1..8192.
Image bake_normal_map(const Primitive& low, const Mesh& high, const BakeOptions& options);

// The same from `high` prepared once, for several bakes from one dense surface.
Image bake_normal_map(const Primitive& low, const MeshBakeSource& high, const BakeOptions& options);

}  // namespace atlas::bake
