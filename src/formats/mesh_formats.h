#pragma once
// Readers and writers of each mesh format. Same rules as splat_formats.h: validate
// everything, return an Error that says what is wrong, fill `details` when not null.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "asset/mesh.h"
#include "core/file_io.h"
#include "core/result.h"
#include "formats/format.h"

namespace atlas {

// Loads a file that the main file refers to by relative URI (glTF buffers and images,
// OBJ material libraries and textures). Fails when it does not exist or is too large.
using ResourceLoader = std::function<Result<Bytes>(std::string_view uri)>;

// One file a writer produces: the main file first, then any sidecars (a .bin, a .mtl,
// textures), each named relative to the main file's folder.
struct OutputFile {
  std::string name;
  Bytes bytes;
};

// glTF 2.0, .gltf (external or data-URI buffers and images) or .glb, with
// KHR_draco_mesh_compression and KHR_texture_transform. Node transforms are baked into
// world space.
Result<Mesh> decode_gltf(ByteView bytes, const ResourceLoader& load,
                         FormatDetails* details = nullptr);

// Writes GLB (one file) or glTF (the .gltf, one .bin and the images beside it), named
// from `stem`. asset.generator names Atlas.
std::vector<OutputFile> encode_gltf(const Mesh& mesh, bool binary, std::string_view stem);

// Wavefront OBJ with its MTL (Kd, map_Kd, Ks, Ns, d, map_Bump/norm, Pr, Pm, Ke ...),
// polygons fan-triangulated, negative indices, vertex colours after positions.
Result<Mesh> decode_obj(ByteView bytes, const ResourceLoader& load,
                        FormatDetails* details = nullptr);
// Writes stem.obj, stem.mtl and the textures.
std::vector<OutputFile> encode_obj(const Mesh& mesh, std::string_view stem);

// Polygon PLY (binary LE/BE or ASCII): vertex x y z, optional nx ny nz, s t / u v /
// texture_u texture_v, red green blue alpha; face vertex_indices lists.
Result<Mesh> decode_ply_mesh(ByteView bytes, FormatDetails* details = nullptr);
Bytes encode_ply_mesh(const Mesh& mesh, bool ascii = false);

// STL, binary (80-byte header, count, 50 bytes a triangle) or ASCII (solid ... endsolid).
Result<Mesh> decode_stl(ByteView bytes, FormatDetails* details = nullptr);
Bytes encode_stl(const Mesh& mesh, bool ascii = false);

}  // namespace atlas
