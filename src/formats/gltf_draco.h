#pragma once
// KHR_draco_mesh_compression decoded with libdraco. tinygltf 2.7's own Draco path
// indexes bufferViews, accessors and Draco attributes without bounds checks, so the
// JSON pre-pass (gltf_prepass.h) takes the extension out and this decodes it instead.

#include <draco/mesh/mesh.h>
#include <tiny_gltf.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "core/result.h"
#include "formats/gltf_accessors.h"

namespace atlas::gltf {

// A primitive's KHR_draco_mesh_compression, taken out of the JSON together with its
// "indices".
struct DracoSource {
  int buffer_view = -1;
  std::map<std::string, int> attribute_ids;  // glTF attribute name -> Draco unique id
};
// Draco sources by (mesh index, primitive index).
using DracoTable = std::map<std::pair<std::size_t, std::size_t>, DracoSource>;

// Decodes the Draco mesh in the source's bufferView. Fails when the view is out of
// range, the data does not decode or holds no mesh. Messages start with `what`.
Result<std::unique_ptr<draco::Mesh>> decode_draco(const tinygltf::Model& model,
                                                  const DracoSource& source,
                                                  const std::string& what);

// Reads the attribute with Draco unique id `unique_id` as floats, one element per Draco
// point. Fails when the id does not exist, the attribute has other than 1 to 4
// components, or a value cannot be converted.
Result<FloatData> draco_attribute(const draco::Mesh& mesh, int unique_id, const std::string& what);

}  // namespace atlas::gltf
