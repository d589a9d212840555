#pragma once
// Flattening a glTF scene: every mesh a node places is copied into world space.

#include <tiny_gltf.h>

#include <functional>
#include <vector>

#include "asset/mesh.h"
#include "core/result.h"

namespace atlas::gltf {

// Reads a mesh's primitives in its local space.
using MeshReader = std::function<Result<std::vector<Primitive>>(int mesh_index)>;

// Appends the primitives of every mesh instance of the scene to show (the default
// scene, else the first, else every node that is nobody's child; each mesh once at the
// origin when there are no nodes) to `out`, in depth-first node order, transformed by
// their node's world matrix: normals by its inverse transpose, tangents by its 3x3 part,
// and triangle winding flipped when it mirrors. Each mesh is read once through
// `read_mesh`. Fails on a missing scene, node or mesh, a node reached twice, a malformed
// matrix or TRS, or when the copies would exceed 2^26 vertices (checked before copying).
Status flatten_scene(const tinygltf::Model& model, const MeshReader& read_mesh,
                     std::vector<Primitive>& out);

}  // namespace atlas::gltf
