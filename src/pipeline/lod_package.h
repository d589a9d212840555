#pragma once
// The all-levels file of a LOD chain: one glTF whose scene node shows LOD0 and whose
// MSFT_lod extension lists the coarser levels, with MSFT_screencoverage hints. The
// game-ready package and the export op both write it through here, so the two agree
// byte for byte.

#include <string_view>
#include <vector>

#include "asset/mesh.h"
#include "formats/mesh_formats.h"

namespace atlas::pipeline {

// The screen-coverage hint of each of `levels` levels: 0.5 for LOD0 and a quarter of the
// previous level's for each coarser one.
std::vector<float> lod_screen_coverage(std::size_t levels);

// Encodes `levels` (finest first, at least one; each a self-contained mesh with its
// own materials and images) as one glTF with MSFT_lod. MSFT_lod levels index the main
// mesh's materials, so each coarser level's images and materials are added after
// LOD0's: an image identical to one already in the file (same MIME type, encoded bytes
// and pixels) is reused, as is a material identical to one already there once its
// images are renumbered, so a level that samples LOD0's atlas adds nothing. A material
// that is added is renamed after its level (`<level name>` or `<level name>_<k>` when
// the level has several). `options.lods` and `options.screen_coverage` are set here;
// the other options (binary, asset_extras, compression) are used as given. Returns
// encode_gltf's files named from `stem`.
std::vector<OutputFile> encode_lod_package(const std::vector<Mesh>& levels, std::string_view stem,
                                           GltfWriteOptions options);

}  // namespace atlas::pipeline
