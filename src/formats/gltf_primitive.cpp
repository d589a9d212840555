#include "formats/gltf_primitive.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "formats/gltf_accessors.h"

namespace atlas::gltf {

namespace {

// Missing components become 0 (w becomes 1) and extra ones are dropped.
template <typename V>
std::vector<V> to_vectors(const FloatData& data) {
  constexpr int n = sizeof(V) / sizeof(float);
  std::vector<V> out(data.count);
  for (std::size_t i = 0; i < data.count; ++i) {
    float values[4] = {0, 0, 0, 1};
    for (int c = 0; c < std::min(n, data.components); ++c)
      values[c] = data.values[i * data.components + c];
    std::memcpy(&out[i], values, sizeof(V));
  }
  return out;
}

// Reads one glTF primitive in its mesh's local space. Returns an empty optional for
// points and lines, which Atlas does not keep, and for primitives with no triangles.
Result<std::optional<Primitive>> read_primitive(const tinygltf::Model& model,
                                                const DracoTable& draco, std::size_t mesh_index,
                                                std::size_t primitive_index,
                                                SkippedGeometry& skipped) {
  const tinygltf::Primitive& source = model.meshes[mesh_index].primitives[primitive_index];
  const std::string what =
      "mesh " + std::to_string(mesh_index) + " primitive " + std::to_string(primitive_index);
  if (source.mode >= TINYGLTF_MODE_POINTS && source.mode <= TINYGLTF_MODE_LINE_STRIP) {
    ++skipped.non_triangle_primitives;
    return std::optional<Primitive>();
  }
  if (source.mode < TINYGLTF_MODE_TRIANGLES || source.mode > TINYGLTF_MODE_TRIANGLE_FAN) {
    return make_error(what + ": unknown mode " + std::to_string(source.mode));
  }
  if (!source.targets.empty()) skipped.morph_targets = true;

  const auto draco_entry = draco.find({mesh_index, primitive_index});
  const DracoSource* draco_source = draco_entry == draco.end() ? nullptr : &draco_entry->second;
  std::unique_ptr<draco::Mesh> draco_mesh;
  if (draco_source != nullptr) {
    auto decoded = decode_draco(model, *draco_source, what);
    if (!decoded) return decoded.error();
    draco_mesh = std::move(decoded.value());
  }

  auto attribute = [&](const std::string& name,
                       std::initializer_list<int> allowed) -> Result<FloatData> {
    const std::string where = what + " " + name;
    const bool compressed = draco_source != nullptr && draco_source->attribute_ids.contains(name);
    Result<FloatData> data =
        compressed ? draco_attribute(*draco_mesh, draco_source->attribute_ids.at(name), where)
                   : read_floats(model, source.attributes.at(name), where);
    if (!data) return data;
    if (std::find(allowed.begin(), allowed.end(), data->components) == allowed.end()) {
      return make_error(where + ": has " + std::to_string(data->components) +
                        " components per element");
    }
    return data;
  };

  if (!source.attributes.contains("POSITION"))
    return make_error(what + ": has no POSITION attribute");
  Result<FloatData> positions = attribute("POSITION", {3});
  if (!positions) return positions.error();
  const std::size_t vertex_count = positions->count;
  if (vertex_count > UINT32_MAX) return make_error(what + ": too many vertices");

  Primitive primitive;
  primitive.name = model.meshes[mesh_index].name;
  primitive.positions = to_vectors<Vec3>(positions.value());

  auto optional_attribute = [&](const std::string& name, std::initializer_list<int> allowed,
                                auto& out) -> Status {
    if (!source.attributes.contains(name)) return Ok{};
    Result<FloatData> data = attribute(name, allowed);
    if (!data) return data.error();
    if (data->count != vertex_count) {
      return make_error(what + " " + name + ": " + std::to_string(data->count) + " elements but " +
                        std::to_string(vertex_count) + " positions");
    }
    out = to_vectors<typename std::decay_t<decltype(out)>::value_type>(data.value());
    return Ok{};
  };
  for (Status status : {optional_attribute("NORMAL", {3}, primitive.normals),
                        optional_attribute("TANGENT", {4}, primitive.tangents),
                        optional_attribute("TEXCOORD_0", {2}, primitive.uv0),
                        optional_attribute("TEXCOORD_1", {2}, primitive.uv1),
                        optional_attribute("COLOR_0", {3, 4}, primitive.colors)}) {
    if (!status) return status.error();
  }

  std::vector<std::uint32_t> indices;
  if (draco_source != nullptr) {
    indices.reserve(std::size_t(draco_mesh->num_faces()) * 3);
    for (draco::FaceIndex f(0); f < draco_mesh->num_faces(); ++f) {
      const auto& face = draco_mesh->face(f);
      for (int k = 0; k < 3; ++k) indices.push_back(face[k].value());
    }
  } else if (source.indices >= 0) {
    Result<std::vector<std::uint32_t>> read = read_indices(model, source.indices, what);
    if (!read) return read.error();
    indices = std::move(read.value());
  } else {
    indices.resize(vertex_count);
    for (std::size_t i = 0; i < vertex_count; ++i) indices[i] = static_cast<std::uint32_t>(i);
  }
  for (std::uint32_t index : indices) {
    if (index >= vertex_count) {
      return make_error(what + ": index " + std::to_string(index) + " is out of range (" +
                        std::to_string(vertex_count) + " vertices)");
    }
  }
  Result<std::vector<std::uint32_t>> list = triangle_list(source.mode, std::move(indices), what);
  if (!list) return list.error();
  if (list->empty()) return std::optional<Primitive>();
  primitive.indices = std::move(list.value());

  if (source.material >= 0 && static_cast<std::size_t>(source.material) >= model.materials.size()) {
    return make_error(what + ": material " + std::to_string(source.material) + " does not exist");
  }
  primitive.material = source.material;
  return std::optional<Primitive>(std::move(primitive));
}

}  // namespace

Result<std::vector<Primitive>> read_mesh_primitives(const tinygltf::Model& model,
                                                    const DracoTable& draco, std::size_t mesh_index,
                                                    SkippedGeometry& skipped) {
  std::vector<Primitive> primitives;
  const tinygltf::Mesh& source = model.meshes[mesh_index];
  for (std::size_t p = 0; p < source.primitives.size(); ++p) {
    Result<std::optional<Primitive>> primitive =
        read_primitive(model, draco, mesh_index, p, skipped);
    if (!primitive) return primitive.error();
    if (primitive->has_value()) primitives.push_back(std::move(**primitive));
  }
  return primitives;
}

}  // namespace atlas::gltf
