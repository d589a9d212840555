#pragma once
// The JSON pre-pass of the glTF reader: checks, on the parsed document, what tinygltf
// 2.7 would use without a bounds check, and takes KHR_draco_mesh_compression out before
// tinygltf sees it (its own Draco path is unchecked; gltf_draco.h decodes instead).

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "formats/gltf_draco.h"

namespace atlas::gltf {

// Fails when the document is not an object, requires an extension Atlas does not read,
// or has an image bufferView that is not an index, does not exist, names a missing
// buffer or lies outside it; or a Draco extension without a bufferView, attributes or
// integer attribute ids. Every Draco extension is removed, with its primitive's
// "indices" (the triangles come from the Draco faces), and recorded in `draco`.
// Returns whether the document changed.
Result<bool> prepare_document(nlohmann::json& document, DracoTable& draco);

}  // namespace atlas::gltf
