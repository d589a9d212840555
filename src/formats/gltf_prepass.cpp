#include "formats/gltf_prepass.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace atlas::gltf {

namespace {

using Json = nlohmann::json;

// Extensions a file may require that Atlas reads (or may ignore without changing the
// geometry). Any other required extension makes the file unreadable here.
const std::set<std::string> kUnderstoodRequiredExtensions = {
    "KHR_draco_mesh_compression", "KHR_texture_transform", "KHR_mesh_quantization",
    "EXT_texture_webp",           "KHR_materials_unlit",   "KHR_materials_emissive_strength",
    "EXT_meshopt_compression"};

const Json* member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::uint64_t> as_unsigned(const Json* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_number_unsigned()) return value->get<std::uint64_t>();
  if (value->is_number_integer() && value->get<std::int64_t>() >= 0)
    return value->get<std::uint64_t>();
  return std::nullopt;
}

const Json* array_element(const Json& document, const char* array, std::uint64_t index) {
  const Json* items = member(document, array);
  if (items == nullptr || !items->is_array() || index >= items->size()) return nullptr;
  return &(*items)[index];
}

// tinygltf reads image bufferViews without a range check: check them on the JSON.
Status check_image_view(const Json& document, std::uint64_t view_index, std::size_t image) {
  const std::string what = "image " + std::to_string(image);
  const Json* view = array_element(document, "bufferViews", view_index);
  if (view == nullptr)
    return make_error(what + ": bufferView " + std::to_string(view_index) + " does not exist");
  const auto buffer_index = as_unsigned(member(*view, "buffer"));
  const Json* buffer = buffer_index ? array_element(document, "buffers", *buffer_index) : nullptr;
  if (buffer == nullptr)
    return make_error(what + ": its bufferView names a buffer that does not exist");
  const auto buffer_length = as_unsigned(member(*buffer, "byteLength"));
  const auto length = as_unsigned(member(*view, "byteLength"));
  const auto offset =
      member(*view, "byteOffset") ? as_unsigned(member(*view, "byteOffset")) : std::uint64_t{0};
  if (!buffer_length || !length || !offset || *length == 0 || *length > *buffer_length ||
      *offset > *buffer_length - *length) {
    return make_error(what + ": bufferView " + std::to_string(view_index) +
                      " lies outside its buffer");
  }
  return Ok{};
}

Result<DracoSource> take_draco(Json& primitive, const Json& extension, std::string_view what) {
  DracoSource source;
  const auto view = as_unsigned(member(extension, "bufferView"));
  const Json* attributes = member(extension, "attributes");
  if (!view || *view > INT32_MAX || attributes == nullptr || !attributes->is_object()) {
    return make_error(std::string(what) +
                      ": KHR_draco_mesh_compression needs a bufferView and attributes");
  }
  source.buffer_view = static_cast<int>(*view);
  for (auto it = attributes->begin(); it != attributes->end(); ++it) {
    const auto id = as_unsigned(&it.value());
    if (!id || *id > INT32_MAX)
      return make_error(std::string(what) + ": Draco attribute ids must be integers");
    source.attribute_ids[it.key()] = static_cast<int>(*id);
  }
  // The triangles come from the Draco faces; the indices accessor has no bufferView,
  // which tinygltf would reject once the extension is gone.
  primitive.erase("indices");
  primitive["extensions"].erase("KHR_draco_mesh_compression");
  return source;
}

}  // namespace

Result<bool> prepare_document(Json& document, DracoTable& draco) {
  if (!document.is_object()) return make_error("glTF: the JSON document is not an object");
  if (const Json* required = member(document, "extensionsRequired");
      required && required->is_array()) {
    for (const Json& name : *required) {
      if (name.is_string() && !kUnderstoodRequiredExtensions.contains(name.get<std::string>())) {
        return make_error("glTF: requires extension " + name.get<std::string>() +
                          ", which Atlas does not support");
      }
    }
  }
  if (const Json* images = member(document, "images"); images && images->is_array()) {
    for (std::size_t i = 0; i < images->size(); ++i) {
      if (const Json* view = member((*images)[i], "bufferView")) {
        const auto index = as_unsigned(view);
        if (!index)
          return make_error("glTF: image " + std::to_string(i) + ": bufferView is not an index");
        if (Status status = check_image_view(document, *index, i); !status) {
          return with_context("glTF", status.error());
        }
      }
    }
  }
  bool changed = false;
  auto meshes = document.find("meshes");
  if (meshes == document.end() || !meshes->is_array()) return changed;
  for (std::size_t m = 0; m < meshes->size(); ++m) {
    Json* primitives = (*meshes)[m].is_object() && (*meshes)[m].contains("primitives")
                           ? &(*meshes)[m]["primitives"]
                           : nullptr;
    if (primitives == nullptr || !primitives->is_array()) continue;
    for (std::size_t p = 0; p < primitives->size(); ++p) {
      Json& primitive = (*primitives)[p];
      const Json* extensions = member(primitive, "extensions");
      const Json* extension =
          extensions ? member(*extensions, "KHR_draco_mesh_compression") : nullptr;
      if (extension == nullptr) continue;
      const std::string what =
          "glTF: mesh " + std::to_string(m) + " primitive " + std::to_string(p);
      const Json copy = *extension;
      Result<DracoSource> source = take_draco(primitive, copy, what);
      if (!source) return source.error();
      draco[{m, p}] = std::move(source.value());
      changed = true;
    }
  }
  return changed;
}

}  // namespace atlas::gltf
