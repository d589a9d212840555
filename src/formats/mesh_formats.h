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
// KHR_draco_mesh_compression, EXT_meshopt_compression (meshoptimizer's codecs and
// filters), KHR_mesh_quantization and KHR_texture_transform. Node transforms are baked into
// world space.
Result<Mesh> decode_gltf(ByteView bytes, const ResourceLoader& load,
                         FormatDetails* details = nullptr);

// Writes GLB (one file) or glTF (the .gltf, one .bin and the images beside it), named
// from `stem`. asset.generator names Atlas.
std::vector<OutputFile> encode_gltf(const Mesh& mesh, bool binary, std::string_view stem);

enum class GltfCompression {
  None,
  // EXT_meshopt_compression (required, no fallback data): every vertex attribute and
  // index list encoded with meshoptimizer's vertex and index codecs: values exact, a
  // triangle may start at another of its corners (same winding); images stored as they are.
  Meshopt,
  // KHR_draco_mesh_compression (required): each primitive's attributes and triangles
  // in one Draco mesh, positions quantised to 14 bits, normals and tangents to 10,
  // texture coordinates to 12 and colours to 10 (lossy); images are stored as they are.
  Draco,
};

struct GltfWriteOptions {
  bool binary = true;
  GltfCompression compression = GltfCompression::None;
  // Coarser levels of detail of the same object, finest first, written with MSFT_lod:
  // the scene's node shows `mesh`; its MSFT_lod extension lists one node a level, and
  // its extras.MSFT_screencoverage holds `screen_coverage`. Each level's primitives use
  // the main mesh's materials and images (its own materials and images are ignored).
  std::vector<const Mesh*> lods;
  // One entry a level, main mesh first: the share of the screen's height below which
  // the next coarser level is used (MSFT_lod's convention), descending.
  std::vector<float> screen_coverage;
  // A JSON object's text for asset.extras (provenance); empty for none. Text that is
  // not a JSON object is left out.
  std::string asset_extras;
};

// As above, with levels of detail and asset extras.
std::vector<OutputFile> encode_gltf(const Mesh& mesh, std::string_view stem,
                                    const GltfWriteOptions& options);

// USDZ for AR Quick Look: a zip of stored files, each file's data 64-byte aligned
// (zip_store.h), whose first file is a USDA layer (metersPerUnit 1, upAxis Y, default
// prim /Root) and the rest its textures (PNG and JPEG as they are, others as PNG). One
// Mesh prim a primitive with points, extent, faceVertexCounts and faceVertexIndices,
// normals and primvars:st (per vertex; V flipped, as USD's texture origin is the
// bottom-left) and primvars:displayColor from vertex colours, bound to a
// UsdPreviewSurface material: diffuseColor from the base colour texture (through
// UsdUVTexture, scaled by the base colour factor) or the factor, normal from the normal
// map (scale 2, bias -1 to tangent space), metallic, roughness, emissiveColor, opacity
// and opacityThreshold for masked materials. Texture transforms and a second UV set
// are not written. Fails on a mesh that does not validate or a package of 4 GiB or more.
Result<Bytes> encode_usdz(const Mesh& mesh);

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
