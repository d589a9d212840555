// glTF 2.0 reader. tinygltf parses the document and loads buffers through the
// ResourceLoader; the reader checks every index and byte range tinygltf leaves unchecked
// and decodes images itself. Its parts: the GLB container (glb_container.h), the JSON
// pre-pass that takes Draco out of tinygltf's hands (gltf_prepass.h, gltf_draco.h),
// meshopt decoding (gltf_meshopt.h),
// accessors (gltf_accessors.h), primitives (gltf_primitive.h) and scene flattening
// (gltf_scene.h); this file reads materials and images and puts the mesh together.

#include <tiny_gltf.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "formats/glb_container.h"
#include "formats/gltf_accessors.h"
#include "formats/gltf_meshopt.h"
#include "formats/gltf_prepass.h"
#include "formats/gltf_primitive.h"
#include "formats/gltf_scene.h"
#include "formats/image_io.h"
#include "formats/mesh_formats.h"

namespace atlas {

namespace {

using gltf::assemble_glb;
using gltf::DracoTable;
using gltf::flatten_scene;
using gltf::GlbParts;
using gltf::MeshReader;
using gltf::prepare_document;
using gltf::read_mesh_primitives;
using gltf::SkippedGeometry;
using gltf::split_glb;
using gltf::view_bytes;
using Json = nlohmann::json;

std::string plural(std::size_t count, const std::string& noun, const std::string& nouns = "") {
  return std::to_string(count) + " " + (count == 1 ? noun : nouns.empty() ? noun + "s" : nouns);
}

// ---------------------------------------------------------------------------------
// tinygltf callbacks: every external URI goes through the ResourceLoader.

struct LoaderContext {
  const ResourceLoader* load = nullptr;
  const Bytes* meshopt_decoded = nullptr;  // served as gltf::kMeshoptDecodedUri
};

bool any_file_exists(const std::string&, void*) { return true; }
std::string path_unchanged(const std::string& path, void*) { return path; }

bool read_through_loader(std::vector<unsigned char>* out, std::string* error,
                         const std::string& path, void* user) {
  const auto* context = static_cast<LoaderContext*>(user);
  if (context->meshopt_decoded && path == gltf::kMeshoptDecodedUri) {
    out->assign(context->meshopt_decoded->begin(), context->meshopt_decoded->end());
    return true;
  }
  // tinygltf has percent-decoded the URI already; the loader decodes again, so a
  // literal '%' must reach it escaped.
  std::string uri;
  for (char c : path) uri += c == '%' ? std::string("%25") : std::string(1, c);
  if (!context->load || !*context->load) {
    *error = "no resource loader for external files";
    return false;
  }
  Result<Bytes> bytes = (*context->load)(uri);
  if (!bytes) {
    *error = bytes.error().message;
    return false;
  }
  out->assign(bytes->begin(), bytes->end());
  return true;
}

bool refuse_write(std::string* error, const std::string&, const std::vector<unsigned char>&,
                  void*) {
  *error = "writing is not allowed while reading";
  return false;
}

// Keeps the encoded bytes of URI images; bufferView images are read later with range
// checks, so their bytes are not touched here.
bool keep_encoded_image(tinygltf::Image* image, int, std::string*, std::string*, int, int,
                        const unsigned char* bytes, int size, void*) {
  if (image->bufferView >= 0) return true;
  if (bytes != nullptr && size > 0) image->image.assign(bytes, bytes + size);
  image->as_is = true;
  return true;
}

std::string one_line(std::string text) {
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    while (!part.empty() && (part.back() == '\r' || part.back() == ' ' || part.back() == '.'))
      part.pop_back();
    if (!part.empty()) line += (line.empty() ? "" : "; ") + part;
    start = end + 1;
  }
  return line;
}

// ---------------------------------------------------------------------------------
// Materials and images

struct ReadState {
  const tinygltf::Model& model;
  std::vector<int> image_map;  // glTF image -> Mesh::images index, -1 when dropped
};

float number_or(const tinygltf::Value& value, float fallback) {
  return value.IsNumber() ? static_cast<float>(value.GetNumberAsDouble()) : fallback;
}

TextureTransform texture_transform(const tinygltf::ExtensionMap& extensions) {
  TextureTransform transform;
  const auto it = extensions.find("KHR_texture_transform");
  if (it == extensions.end() || !it->second.IsObject()) return transform;
  const tinygltf::Value& value = it->second;
  transform.present = true;
  auto pair = [&value](const char* key, Vec2 fallback) {
    const tinygltf::Value& array = value.Get(key);
    if (!array.IsArray() || array.ArrayLen() != 2) return fallback;
    return Vec2{number_or(array.Get(0), fallback.x), number_or(array.Get(1), fallback.y)};
  };
  transform.offset = pair("offset", {0, 0});
  transform.scale = pair("scale", {1, 1});
  transform.rotation = number_or(value.Get("rotation"), 0.0f);
  if (value.Get("texCoord").IsInt()) transform.texcoord = value.Get("texCoord").GetNumberAsInt();
  return transform;
}

Result<TextureRef> texture_ref(const ReadState& state, int texture_index, int texcoord,
                               const tinygltf::ExtensionMap& extensions, const std::string& what) {
  TextureRef ref;
  if (texture_index < 0) return ref;
  const tinygltf::Model& model = state.model;
  if (static_cast<std::size_t>(texture_index) >= model.textures.size()) {
    return make_error(what + ": texture " + std::to_string(texture_index) + " does not exist");
  }
  const tinygltf::Texture& texture = model.textures[texture_index];
  int source = texture.source;
  if (const auto webp = texture.extensions.find("EXT_texture_webp");
      webp != texture.extensions.end()) {
    if (webp->second.Get("source").IsInt()) source = webp->second.Get("source").GetNumberAsInt();
  }
  if (source < 0) return ref;
  if (static_cast<std::size_t>(source) >= model.images.size()) {
    return make_error(what + ": image " + std::to_string(source) + " does not exist");
  }
  ref.image = state.image_map[source];
  if (ref.image < 0) return TextureRef{};
  ref.texcoord = texcoord;
  if (texture.sampler >= 0) {
    if (static_cast<std::size_t>(texture.sampler) >= model.samplers.size()) {
      return make_error(what + ": sampler " + std::to_string(texture.sampler) + " does not exist");
    }
    const tinygltf::Sampler& sampler = model.samplers[texture.sampler];
    ref.sampler.wrap_s = sampler.wrapS;
    ref.sampler.wrap_t = sampler.wrapT;
    ref.sampler.min_filter = std::max(sampler.minFilter, 0);
    ref.sampler.mag_filter = std::max(sampler.magFilter, 0);
  }
  ref.transform = texture_transform(extensions);
  return ref;
}

Result<Material> read_material(const ReadState& state, std::size_t index) {
  const tinygltf::Material& source = state.model.materials[index];
  const std::string what = "material " + std::to_string(index);
  const tinygltf::PbrMetallicRoughness& pbr = source.pbrMetallicRoughness;
  Material material;
  material.name = source.name;
  if (pbr.baseColorFactor.size() == 4) {
    material.base_color_factor = {float(pbr.baseColorFactor[0]), float(pbr.baseColorFactor[1]),
                                  float(pbr.baseColorFactor[2]), float(pbr.baseColorFactor[3])};
  }
  material.metallic_factor = float(pbr.metallicFactor);
  material.roughness_factor = float(pbr.roughnessFactor);
  if (source.emissiveFactor.size() == 3) {
    material.emissive_factor = {float(source.emissiveFactor[0]), float(source.emissiveFactor[1]),
                                float(source.emissiveFactor[2])};
  }
  material.normal_scale = float(source.normalTexture.scale);
  material.occlusion_strength = float(source.occlusionTexture.strength);
  material.alpha_mode = source.alphaMode == "MASK"    ? AlphaMode::Mask
                        : source.alphaMode == "BLEND" ? AlphaMode::Blend
                                                      : AlphaMode::Opaque;
  material.alpha_cutoff = float(source.alphaCutoff);
  material.double_sided = source.doubleSided;

  struct Slot {
    TextureRef* target;
    int texture;
    int texcoord;
    const tinygltf::ExtensionMap* extensions;
  };
  const Slot slots[] = {
      {&material.base_color_texture, pbr.baseColorTexture.index, pbr.baseColorTexture.texCoord,
       &pbr.baseColorTexture.extensions},
      {&material.metallic_roughness_texture, pbr.metallicRoughnessTexture.index,
       pbr.metallicRoughnessTexture.texCoord, &pbr.metallicRoughnessTexture.extensions},
      {&material.normal_texture, source.normalTexture.index, source.normalTexture.texCoord,
       &source.normalTexture.extensions},
      {&material.occlusion_texture, source.occlusionTexture.index, source.occlusionTexture.texCoord,
       &source.occlusionTexture.extensions},
      {&material.emissive_texture, source.emissiveTexture.index, source.emissiveTexture.texCoord,
       &source.emissiveTexture.extensions},
  };
  for (const Slot& slot : slots) {
    Result<TextureRef> ref =
        texture_ref(state, slot.texture, slot.texcoord, *slot.extensions, what);
    if (!ref) return ref.error();
    *slot.target = ref.value();
  }
  return material;
}

// Decodes every image. An external image that could not be loaded is dropped (with a
// note); image data that is present but corrupt is an error.
Status read_images(ReadState& state, Mesh& mesh, std::vector<std::string>& notes) {
  const tinygltf::Model& model = state.model;
  state.image_map.assign(model.images.size(), -1);
  for (std::size_t i = 0; i < model.images.size(); ++i) {
    const tinygltf::Image& source = model.images[i];
    const std::string what = "image " + std::to_string(i);
    ByteView encoded;
    if (source.bufferView >= 0) {
      Result<ByteView> bytes = view_bytes(model, source.bufferView, what);
      if (!bytes) return bytes.error();
      encoded = bytes.value();
    } else {
      encoded = ByteView(source.image);
    }
    if (encoded.empty()) {
      notes.push_back("image '" + source.uri + "' could not be loaded, its textures are dropped");
      continue;
    }
    MeshImage image;
    image.name = !source.name.empty()                ? source.name
                 : source.uri.rfind("data:", 0) == 0 ? ""
                                                     : source.uri;
    image.mime_type = sniff_image_mime_type(encoded);
    if (image.mime_type.empty()) return make_error(what + " is not PNG, JPEG or WebP");
    Result<Image> pixels = decode_image(encoded, 4);
    if (!pixels) return with_context(what, pixels.error());
    image.pixels = std::move(pixels.value());
    image.encoded.assign(encoded.begin(), encoded.end());
    state.image_map[i] = static_cast<int>(mesh.images.size());
    mesh.images.push_back(std::move(image));
  }
  return Ok{};
}

std::string dropped_summary(const tinygltf::Model& model, const SkippedGeometry& skipped) {
  std::vector<std::string> dropped;
  if (model.skins.size() == 1) dropped.push_back("skin");
  if (model.skins.size() > 1) dropped.push_back(plural(model.skins.size(), "skin"));
  if (!model.animations.empty()) dropped.push_back(plural(model.animations.size(), "animation"));
  if (skipped.morph_targets) dropped.push_back("morph targets");
  if (skipped.non_triangle_primitives > 0) {
    dropped.push_back(plural(skipped.non_triangle_primitives, "point/line primitive"));
  }
  if (dropped.empty()) return {};
  std::string text;
  for (std::size_t i = 0; i < dropped.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == dropped.size() ? " and " : ", ") + dropped[i];
  }
  return text + " not kept";
}

Result<Mesh> convert_model(const tinygltf::Model& model, const DracoTable& draco, bool meshopt,
                           bool binary, FormatDetails* details) {
  ReadState state{model, {}};
  Mesh mesh;
  std::vector<std::string> notes;
  if (Status status = read_images(state, mesh, notes); !status) return status.error();
  for (std::size_t i = 0; i < model.materials.size(); ++i) {
    Result<Material> material = read_material(state, i);
    if (!material) return material.error();
    mesh.materials.push_back(std::move(material.value()));
  }

  SkippedGeometry skipped;
  const MeshReader read_mesh = [&](int mesh_index) {
    return read_mesh_primitives(model, draco, static_cast<std::size_t>(mesh_index), skipped);
  };
  if (Status status = flatten_scene(model, read_mesh, mesh.primitives); !status)
    return status.error();
  if (mesh.primitives.empty()) return make_error("the scene has no triangles to show");
  if (model.meshes.size() == 1) mesh.name = model.meshes[0].name;
  if (std::string problem = mesh.validate(); !problem.empty()) return make_error(problem);

  if (details != nullptr) {
    details->format = binary ? Format::Glb : Format::Gltf;
    std::string description = std::string(binary ? "GLB" : "glTF") + ", " +
                              plural(model.meshes.size(), "mesh", "meshes") + ", " +
                              plural(mesh.primitives.size(), "primitive");
    if (!draco.empty()) description += ", Draco";
    if (meshopt) description += ", meshopt";
    const std::string dropped = dropped_summary(model, skipped);
    if (!dropped.empty()) notes.insert(notes.begin(), dropped);
    for (std::size_t i = 0; i < notes.size(); ++i) description += (i == 0 ? "; " : ", ") + notes[i];
    details->description = description;
  }
  return mesh;
}

Result<Mesh> decode_gltf_checked(ByteView bytes, const ResourceLoader& load,
                                 FormatDetails* details) {
  const bool binary = bytes.size() >= 4 && std::memcmp(bytes.data(), "glTF", 4) == 0;
  std::string_view json_text;
  ByteView bin;
  if (binary) {
    Result<GlbParts> parts = split_glb(bytes);
    if (!parts) return parts.error();
    json_text = parts->json;
    bin = parts->bin;
  } else {
    json_text = as_chars(bytes);
    if (json_text.starts_with("\xEF\xBB\xBF")) json_text.remove_prefix(3);
  }
  Json document = Json::parse(json_text, nullptr, false);
  if (document.is_discarded())
    return make_error(std::string(binary ? "GLB" : "glTF") + ": the JSON is malformed");
  DracoTable draco;
  Result<bool> changed = prepare_document(document, draco);
  if (!changed) return changed.error();
  Result<Bytes> meshopt = gltf::decode_meshopt(document, bin, binary, load);
  if (!meshopt) return meshopt.error();
  const bool rewrite = changed.value() || !meshopt->empty();
  const std::string rewritten = rewrite ? document.dump() : std::string();
  if (rewrite) json_text = rewritten;

  LoaderContext context{&load, &meshopt.value()};
  tinygltf::TinyGLTF parser;
  parser.SetFsCallbacks(
      {&any_file_exists, &path_unchanged, &read_through_loader, &refuse_write, &context});
  parser.SetImageLoader(&keep_encoded_image, nullptr);
  tinygltf::Model model;
  std::string error, warning;
  bool parsed = false;
  if (binary) {
    // A canonical container rebuilt from the checked parts, so tinygltf only ever sees
    // chunk lengths that are consistent.
    const Bytes glb = assemble_glb(json_text, bin);
    if (glb.size() > UINT32_MAX) return make_error("GLB: larger than 4 GiB");
    parsed = parser.LoadBinaryFromMemory(&model, &error, &warning, glb.data(),
                                         static_cast<unsigned>(glb.size()), "");
  } else {
    if (json_text.size() > UINT32_MAX) return make_error("glTF: JSON larger than 4 GiB");
    parsed = parser.LoadASCIIFromString(&model, &error, &warning, json_text.data(),
                                        static_cast<unsigned>(json_text.size()), "");
  }
  if (!parsed) {
    std::string message = one_line(error);
    if (message.empty()) message = one_line(warning);
    if (message.empty()) message = "tinygltf could not read the document";
    return make_error(std::string(binary ? "GLB: " : "glTF: ") + message);
  }
  Result<Mesh> mesh = convert_model(model, draco, !meshopt->empty(), binary, details);
  if (!mesh) return with_context(binary ? "GLB" : "glTF", mesh.error());
  return mesh;
}

}  // namespace

Result<Mesh> decode_gltf(ByteView bytes, const ResourceLoader& load, FormatDetails* details) {
  try {
    return decode_gltf_checked(bytes, load, details);
  } catch (const std::exception& e) {
    return make_error(std::string("glTF: ") + e.what());
  }
}

}  // namespace atlas
