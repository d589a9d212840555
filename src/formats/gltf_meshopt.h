#pragma once
// EXT_meshopt_compression, decoded with libmeshoptimizer before tinygltf reads the
// document: tinygltf knows nothing of the extension and would read the fallback views,
// which have no data.

#include <nlohmann/json.hpp>

#include <string_view>

#include "core/file_io.h"
#include "core/result.h"
#include "formats/mesh_formats.h"

namespace atlas::gltf {

// The URI of the buffer decode_meshopt adds; the reader serves it from memory.
inline constexpr std::string_view kMeshoptDecodedUri = "atlas-meshopt-decoded.bin";

// Decodes every bufferView that carries EXT_meshopt_compression (modes ATTRIBUTES,
// TRIANGLES and INDICES; filters NONE, OCTAHEDRAL, QUATERNION and EXPONENTIAL) into one
// new buffer appended to `document` with the URI kMeshoptDecodedUri, points each such
// view at its decoded bytes, removes the extension from the views and from
// extensionsRequired, and removes the fallback buffers no view uses any more (views'
// buffer indices are renumbered). Compressed bytes come from `bin` for a GLB's buffer 0
// without a URI, from data: URIs, or through `load`. Returns the new buffer's bytes,
// empty when no view is compressed (the document is then unchanged). Fails, naming the
// bufferView, on a malformed extension, compressed bytes outside their buffer, a
// decoded size that does not fit the view or is implausibly large, and data that does
// not decode.
Result<Bytes> decode_meshopt(nlohmann::json& document, ByteView bin, bool binary,
                             const ResourceLoader& load);

}  // namespace atlas::gltf
