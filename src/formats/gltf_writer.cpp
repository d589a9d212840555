// glTF 2.0 writer: builds the JSON document directly (nlohmann-json) so the output is
// exactly what the Khronos validator expects: one mesh with a primitive per Atlas
// primitive, tightly packed 4-byte aligned bufferViews with targets, POSITION min/max,
// unit normals and tangents with w = +-1, KHR_texture_transform where used, and vertex
// and index data compressed with EXT_meshopt_compression or KHR_draco_mesh_compression
// on request.

#include <meshoptimizer.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

#include "formats/draco_encoder.h"
#include "formats/glb_container.h"
#include "formats/image_io.h"
#include "formats/mesh_formats.h"

namespace atlas {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kGenerator = "Atlas 0.1.0";
constexpr int kArrayBuffer = 34962;
constexpr int kElementArrayBuffer = 34963;
constexpr int kFloat = 5126;
constexpr int kUnsignedShort = 5123;
constexpr int kUnsignedInt = 5125;

float finite_or(float value, float fallback) { return std::isfinite(value) ? value : fallback; }
float clamp01(float value) { return std::clamp(finite_or(value, 0.0f), 0.0f, 1.0f); }

// Unit vectors stay bit-for-bit as they are (so a round trip is exact); others are
// normalised, and degenerate ones get a fixed axis because the validator rejects
// zero-length normals and tangents.
Vec3 unit_vector(Vec3 v, Vec3 fallback) {
  v = {finite_or(v.x, 0), finite_or(v.y, 0), finite_or(v.z, 0)};
  const float squared = dot(v, v);
  if (std::fabs(squared - 1.0f) < 1e-5f) return v;
  if (!(squared > 1e-24f)) return fallback;
  return normalize(v);
}

// The image bytes a glTF can embed: PNG and JPEG pass through unchanged, anything else
// (WebP, or pixels with no encoded file) becomes PNG.
struct PortableImage {
  Bytes bytes;
  std::string mime_type;
  std::string extension;
};

std::optional<PortableImage> portable_image(const MeshImage& image) {
  const std::string mime = sniff_image_mime_type(image.encoded);
  if (mime == "image/png") return PortableImage{image.encoded, mime, "png"};
  if (mime == "image/jpeg") return PortableImage{image.encoded, mime, "jpg"};
  const Image& pixels = image.pixels;
  if (pixels.empty() || pixels.channels < 1 || pixels.channels > 4 ||
      pixels.pixels.size() != std::size_t(pixels.width) * pixels.height * pixels.channels) {
    return std::nullopt;
  }
  return PortableImage{encode_png(pixels), "image/png", "png"};
}

std::string uri_escape(std::string_view name) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class DocumentBuilder {
 public:
  DocumentBuilder(const Mesh& mesh, std::string_view stem, const GltfWriteOptions& options)
      : mesh_(mesh), binary_(options.binary), stem_(stem), options_(options) {}

  std::vector<OutputFile> build() {
    document_["asset"] = {{"version", "2.0"}, {"generator", kGenerator}};
    if (!options_.asset_extras.empty()) {
      Json extras = Json::parse(options_.asset_extras, nullptr, false);
      if (extras.is_object()) document_["asset"]["extras"] = std::move(extras);
    }
    add_images();
    for (std::size_t i = 0; i < mesh_.materials.size(); ++i) {
      material_indices_[{static_cast<int>(i), 0b11}] = add_material(mesh_.materials[i], 0b11);
    }
    document_["scene"] = 0;
    Json meshes = Json::array();
    Json nodes = Json::array();
    std::vector<const Mesh*> levels = {&mesh_};
    for (const Mesh* lod : options_.lods) {
      if (lod) levels.push_back(lod);
    }
    for (const Mesh* level : levels) {
      Json primitives = Json::array();
      for (const Primitive& primitive : level->primitives) {
        if (primitive.positions.empty() || primitive.indices.empty()) continue;
        primitives.push_back(add_primitive(primitive));
      }
      if (primitives.empty()) break;
      Json gltf_mesh = Json::object();
      Json node = Json::object();
      if (!level->name.empty()) gltf_mesh["name"] = node["name"] = level->name;
      gltf_mesh["primitives"] = std::move(primitives);
      node["mesh"] = meshes.size();
      meshes.push_back(std::move(gltf_mesh));
      nodes.push_back(std::move(node));
    }
    if (meshes.empty()) {
      document_["scenes"] = Json::array({Json::object()});
    } else {
      document_["scenes"] = Json::array({{{"nodes", {0}}}});
      if (nodes.size() > 1) add_lod_extension(nodes);
      document_["nodes"] = std::move(nodes);
      document_["meshes"] = std::move(meshes);
    }
    finish_arrays();
    return binary_ ? glb_files() : gltf_files();
  }

 private:
  // MSFT_lod on the first node: the other nodes are its coarser levels, not in the scene.
  void add_lod_extension(Json& nodes) {
    Json ids = Json::array();
    for (std::size_t i = 1; i < nodes.size(); ++i) ids.push_back(i);
    nodes[0]["extensions"] = {{"MSFT_lod", {{"ids", ids}}}};
    if (options_.screen_coverage.size() == nodes.size()) {
      Json coverage = Json::array();
      for (float value : options_.screen_coverage) coverage.push_back(clamp01(value));
      nodes[0]["extras"] = {{"MSFT_screencoverage", coverage}};
    }
    extensions_used_.push_back("MSFT_lod");
  }

  int add_view(ByteView bytes, int target) {
    blob_.resize((blob_.size() + 3) / 4 * 4, 0);
    Json view = {{"buffer", 0}, {"byteOffset", blob_.size()}, {"byteLength", bytes.size()}};
    if (target != 0) view["target"] = target;
    blob_.insert(blob_.end(), bytes.begin(), bytes.end());
    views_.push_back(std::move(view));
    return static_cast<int>(views_.size() - 1);
  }

  // A bufferView of the fallback buffer (1) whose bytes are stored meshopt-encoded in
  // buffer 0. Vertex data uses the attribute codec (element sizes here are 8, 12 or 16
  // bytes, within its multiple-of-4 limit); whole triangle lists use the index codec.
  int add_meshopt_view(ByteView encoded, std::size_t count, std::size_t stride, int target,
                       const char* mode) {
    blob_.resize((blob_.size() + 3) / 4 * 4, 0);
    fallback_bytes_ = (fallback_bytes_ + 3) / 4 * 4;
    Json compressed = {{"buffer", 0},
                       {"byteOffset", blob_.size()},
                       {"byteLength", encoded.size()},
                       {"byteStride", stride},
                       {"count", count},
                       {"mode", mode}};
    blob_.insert(blob_.end(), encoded.begin(), encoded.end());
    Json view = {{"buffer", 1}, {"byteOffset", fallback_bytes_}, {"byteLength", count * stride}};
    if (target == kArrayBuffer) view["byteStride"] = stride;
    view["target"] = target;
    view["extensions"] = {{"EXT_meshopt_compression", std::move(compressed)}};
    fallback_bytes_ += count * stride;
    views_.push_back(std::move(view));
    return static_cast<int>(views_.size() - 1);
  }

  template <typename T>
  int add_data_view(const std::vector<T>& values, int target) {
    const auto* raw = reinterpret_cast<const std::uint8_t*>(values.data());
    if (options_.compression != GltfCompression::Meshopt || target != kArrayBuffer)
      return add_view(ByteView(raw, values.size() * sizeof(T)), target);
    Bytes encoded(meshopt_encodeVertexBufferBound(values.size(), sizeof(T)));
    encoded.resize(
        meshopt_encodeVertexBuffer(encoded.data(), encoded.size(), raw, values.size(), sizeof(T)));
    return add_meshopt_view(encoded, values.size(), sizeof(T), target, "ATTRIBUTES");
  }

  template <typename T>
  int add_accessor(const std::vector<T>& values, int component_type, const char* type, int target,
                   Json extra = Json::object()) {
    const int view = add_data_view(values, target);
    Json accessor = {{"bufferView", view},
                     {"componentType", component_type},
                     {"count", values.size()},
                     {"type", type}};
    accessor.update(extra);
    accessors_.push_back(std::move(accessor));
    return static_cast<int>(accessors_.size() - 1);
  }

  void add_images() {
    image_indices_.assign(mesh_.images.size(), -1);
    for (std::size_t i = 0; i < mesh_.images.size(); ++i) {
      std::optional<PortableImage> image = portable_image(mesh_.images[i]);
      if (!image) continue;
      const int index = static_cast<int>(images_.size());
      Json entry = Json::object();
      if (!mesh_.images[i].name.empty()) entry["name"] = mesh_.images[i].name;
      if (binary_) {
        entry["bufferView"] = add_view(image->bytes, 0);
        entry["mimeType"] = image->mime_type;
      } else {
        const std::string name =
            std::string(stem_) + "_" + std::to_string(index) + "." + image->extension;
        entry["uri"] = uri_escape(name);
        sidecars_.push_back({name, std::move(image->bytes)});
      }
      images_.push_back(std::move(entry));
      image_indices_[i] = index;
    }
  }

  int sampler_index(const Sampler& sampler) {
    auto valid_wrap = [](int code) { return code == 33071 || code == 33648 || code == 10497; };
    auto valid_min = [](int code) {
      return code == 9728 || code == 9729 || (code >= 9984 && code <= 9987);
    };
    auto valid_mag = [](int code) { return code == 9728 || code == 9729; };
    Json entry = Json::object();
    if (valid_mag(sampler.mag_filter)) entry["magFilter"] = sampler.mag_filter;
    if (valid_min(sampler.min_filter)) entry["minFilter"] = sampler.min_filter;
    if (valid_wrap(sampler.wrap_s) && sampler.wrap_s != 10497) entry["wrapS"] = sampler.wrap_s;
    if (valid_wrap(sampler.wrap_t) && sampler.wrap_t != 10497) entry["wrapT"] = sampler.wrap_t;
    const std::string key = entry.dump();
    auto [it, inserted] = sampler_keys_.emplace(key, static_cast<int>(samplers_.size()));
    if (inserted) samplers_.push_back(std::move(entry));
    return it->second;
  }

  // The texture info object for a reference, or null when the image was not written.
  Json texture_info(const TextureRef& ref) {
    if (!ref.present() || static_cast<std::size_t>(ref.image) >= image_indices_.size())
      return nullptr;
    const int image = image_indices_[ref.image];
    if (image < 0) return nullptr;
    const int sampler = sampler_index(ref.sampler);
    auto [it, inserted] =
        texture_keys_.emplace(std::pair{image, sampler}, static_cast<int>(textures_.size()));
    if (inserted) textures_.push_back({{"sampler", sampler}, {"source", image}});
    Json info = {{"index", it->second}};
    if (ref.texcoord != 0) info["texCoord"] = ref.texcoord;
    const TextureTransform& t = ref.transform;
    if (t.present) {
      Json transform = Json::object();
      if (t.offset.x != 0 || t.offset.y != 0)
        transform["offset"] = {finite_or(t.offset.x, 0), finite_or(t.offset.y, 0)};
      if (t.rotation != 0) transform["rotation"] = finite_or(t.rotation, 0);
      if (t.scale.x != 1 || t.scale.y != 1)
        transform["scale"] = {finite_or(t.scale.x, 1), finite_or(t.scale.y, 1)};
      if (t.texcoord >= 0) transform["texCoord"] = t.texcoord;
      info["extensions"] = {{"KHR_texture_transform", transform}};
      uses_texture_transform_ = true;
    }
    return info;
  }

  static int texcoord_set(const TextureRef& ref) {
    return ref.transform.present && ref.transform.texcoord >= 0 ? ref.transform.texcoord
                                                                : ref.texcoord;
  }

  // `uv_sets` is a bit mask of the UV sets the primitive has (bit 0: uv0, bit 1: uv1);
  // textures that read a missing set are left out, as the validator requires.
  int add_material(const Material& material, unsigned uv_sets) {
    auto usable = [uv_sets](const TextureRef& ref) {
      const int set = texcoord_set(ref);
      return ref.present() && set >= 0 && set < 2 && (uv_sets >> set & 1u) != 0;
    };
    auto put_texture = [&](Json& parent, const char* key, const TextureRef& ref) -> Json* {
      if (!usable(ref)) return nullptr;
      Json info = texture_info(ref);
      if (info.is_null()) return nullptr;
      parent[key] = std::move(info);
      return &parent[key];
    };
    Json out = Json::object();
    if (!material.name.empty()) out["name"] = material.name;
    Json pbr = Json::object();
    const Vec4 base = material.base_color_factor;
    if (base != Vec4{1, 1, 1, 1})
      pbr["baseColorFactor"] = {clamp01(base.x), clamp01(base.y), clamp01(base.z), clamp01(base.w)};
    put_texture(pbr, "baseColorTexture", material.base_color_texture);
    if (material.metallic_factor != 1) pbr["metallicFactor"] = clamp01(material.metallic_factor);
    if (material.roughness_factor != 1) pbr["roughnessFactor"] = clamp01(material.roughness_factor);
    put_texture(pbr, "metallicRoughnessTexture", material.metallic_roughness_texture);
    out["pbrMetallicRoughness"] = std::move(pbr);
    if (Json* normal = put_texture(out, "normalTexture", material.normal_texture);
        normal && material.normal_scale != 1) {
      (*normal)["scale"] = finite_or(material.normal_scale, 1);
    }
    if (Json* occlusion = put_texture(out, "occlusionTexture", material.occlusion_texture);
        occlusion && material.occlusion_strength != 1) {
      (*occlusion)["strength"] = clamp01(material.occlusion_strength);
    }
    put_texture(out, "emissiveTexture", material.emissive_texture);
    const Vec3 emissive = material.emissive_factor;
    if (emissive != Vec3{0, 0, 0})
      out["emissiveFactor"] = {clamp01(emissive.x), clamp01(emissive.y), clamp01(emissive.z)};
    if (material.alpha_mode == AlphaMode::Mask) {
      out["alphaMode"] = "MASK";
      if (material.alpha_cutoff != 0.5f)
        out["alphaCutoff"] = std::max(finite_or(material.alpha_cutoff, 0.5f), 0.0f);
    } else if (material.alpha_mode == AlphaMode::Blend) {
      out["alphaMode"] = "BLEND";
    }
    if (material.double_sided) out["doubleSided"] = true;
    materials_.push_back(std::move(out));
    return static_cast<int>(materials_.size() - 1);
  }

  int material_for(const Primitive& primitive) {
    if (primitive.material < 0 ||
        static_cast<std::size_t>(primitive.material) >= mesh_.materials.size())
      return -1;
    const unsigned uv_sets = (primitive.uv0.empty() ? 0u : 1u) | (primitive.uv1.empty() ? 0u : 2u);
    const Material& material = mesh_.materials[primitive.material];
    bool all_usable = true;
    for (const TextureRef* ref :
         {&material.base_color_texture, &material.metallic_roughness_texture,
          &material.normal_texture, &material.occlusion_texture, &material.emissive_texture}) {
      const int set = texcoord_set(*ref);
      if (ref->present() && (set < 0 || set > 1 || (uv_sets >> set & 1u) == 0)) all_usable = false;
    }
    const unsigned key_sets = all_usable ? 0b11 : uv_sets;
    auto it = material_indices_.find({primitive.material, key_sets});
    if (it != material_indices_.end()) return it->second;
    const int index = add_material(material, uv_sets);
    material_indices_[{primitive.material, key_sets}] = index;
    return index;
  }

  // The attribute arrays as they are written: finite values, unit normals and tangents
  // with w = +-1, colours in [0, 1]; absent ones empty.
  struct CleanAttributes {
    std::vector<Vec3> positions, normals;
    std::vector<Vec4> tangents, colors;
    std::vector<Vec2> uv0, uv1;
  };

  static CleanAttributes clean_attributes(const Primitive& primitive) {
    const std::size_t n = primitive.positions.size();
    CleanAttributes clean;
    clean.positions.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const Vec3 p = primitive.positions[i];
      clean.positions[i] = {finite_or(p.x, 0), finite_or(p.y, 0), finite_or(p.z, 0)};
    }
    if (primitive.normals.size() == n) {
      clean.normals.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        clean.normals[i] = unit_vector(primitive.normals[i], {0, 0, 1});
    }
    if (primitive.tangents.size() == n) {
      clean.tangents.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        const Vec4 t = primitive.tangents[i];
        const Vec3 axis = unit_vector({t.x, t.y, t.z}, {1, 0, 0});
        clean.tangents[i] = {axis.x, axis.y, axis.z, t.w < 0 ? -1.0f : 1.0f};
      }
    }
    auto clean_uv = [n](const std::vector<Vec2>& uv, std::vector<Vec2>& out) {
      if (uv.size() != n) return;
      out.resize(n);
      for (std::size_t i = 0; i < n; ++i) out[i] = {finite_or(uv[i].x, 0), finite_or(uv[i].y, 0)};
    };
    clean_uv(primitive.uv0, clean.uv0);
    clean_uv(primitive.uv1, clean.uv1);
    if (primitive.colors.size() == n) {
      clean.colors.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        const Vec4 c = primitive.colors[i];
        clean.colors[i] = {clamp01(c.x), clamp01(c.y), clamp01(c.z), clamp01(c.w)};
      }
    }
    return clean;
  }

  Json add_primitive(const Primitive& primitive) {
    const CleanAttributes clean = clean_attributes(primitive);
    Json out;
    if (options_.compression == GltfCompression::Draco)
      out = add_draco_primitive(clean, primitive.indices);
    if (out.is_null()) out = add_plain_primitive(clean, primitive.indices);
    if (const int material = material_for(primitive); material >= 0) out["material"] = material;
    out["mode"] = 4;
    return out;
  }

  Json add_plain_primitive(const CleanAttributes& clean,
                           const std::vector<std::uint32_t>& indices) {
    Bounds bounds;
    for (const Vec3& p : clean.positions) bounds.extend(p);
    Json attributes = Json::object();
    attributes["POSITION"] = add_accessor(clean.positions, kFloat, "VEC3", kArrayBuffer,
                                          {{"min", {bounds.min.x, bounds.min.y, bounds.min.z}},
                                           {"max", {bounds.max.x, bounds.max.y, bounds.max.z}}});
    if (!clean.normals.empty())
      attributes["NORMAL"] = add_accessor(clean.normals, kFloat, "VEC3", kArrayBuffer);
    if (!clean.tangents.empty())
      attributes["TANGENT"] = add_accessor(clean.tangents, kFloat, "VEC4", kArrayBuffer);
    if (!clean.uv0.empty())
      attributes["TEXCOORD_0"] = add_accessor(clean.uv0, kFloat, "VEC2", kArrayBuffer);
    if (!clean.uv1.empty())
      attributes["TEXCOORD_1"] = add_accessor(clean.uv1, kFloat, "VEC2", kArrayBuffer);
    if (!clean.colors.empty())
      attributes["COLOR_0"] = add_accessor(clean.colors, kFloat, "VEC4", kArrayBuffer);
    Json out = {{"attributes", attributes}};
    out["indices"] = add_indices(indices, clean.positions.size());
    return out;
  }

  // The primitive as KHR_draco_mesh_compression, its accessors without bufferViews and
  // counted as the Draco data decodes; null when Draco cannot encode it (the caller
  // writes it uncompressed).
  Json add_draco_primitive(const CleanAttributes& clean,
                           const std::vector<std::uint32_t>& indices) {
    const auto floats = [](const auto& values) {
      return reinterpret_cast<const float*>(values.data());
    };
    std::vector<gltf::DracoAttributeInput> inputs = {{"POSITION", 3, floats(clean.positions)}};
    if (!clean.normals.empty()) inputs.push_back({"NORMAL", 3, floats(clean.normals)});
    if (!clean.tangents.empty()) inputs.push_back({"TANGENT", 4, floats(clean.tangents)});
    if (!clean.uv0.empty()) inputs.push_back({"TEXCOORD_0", 2, floats(clean.uv0)});
    if (!clean.uv1.empty()) inputs.push_back({"TEXCOORD_1", 2, floats(clean.uv1)});
    if (!clean.colors.empty()) inputs.push_back({"COLOR_0", 4, floats(clean.colors)});
    Result<gltf::DracoPrimitive> draco =
        gltf::encode_draco_primitive(clean.positions.size(), inputs, indices);
    if (!draco) return nullptr;
    Json attributes = Json::object();
    Json ids = Json::object();
    for (const gltf::DracoAttributeInput& input : inputs) {
      static constexpr const char* kTypes[] = {"", "SCALAR", "VEC2", "VEC3", "VEC4"};
      Json accessor = {
          {"componentType", kFloat}, {"count", draco->points}, {"type", kTypes[input.components]}};
      if (input.name == "POSITION") {
        const Vec3 low = draco->position_min, high = draco->position_max;
        accessor["min"] = {low.x, low.y, low.z};
        accessor["max"] = {high.x, high.y, high.z};
      }
      accessors_.push_back(std::move(accessor));
      attributes[input.name] = accessors_.size() - 1;
      ids[input.name] = draco->attribute_ids.at(input.name);
    }
    accessors_.push_back({{"componentType", draco->points < 65535 ? kUnsignedShort : kUnsignedInt},
                          {"count", draco->triangles * 3},
                          {"type", "SCALAR"}});
    Json out = {{"attributes", attributes}, {"indices", accessors_.size() - 1}};
    out["extensions"] = {{"KHR_draco_mesh_compression",
                          {{"bufferView", add_view(draco->bytes, 0)}, {"attributes", ids}}}};
    uses_draco_ = true;
    return out;
  }

  int add_indices(const std::vector<std::uint32_t>& indices, std::size_t vertex_count) {
    // 65535 is the primitive-restart value for 16-bit indices, so it may not be used.
    const bool short_indices = vertex_count < 65535;
    const int component_type = short_indices ? kUnsignedShort : kUnsignedInt;
    if (options_.compression == GltfCompression::Meshopt && indices.size() % 3 == 0) {
      Bytes encoded(meshopt_encodeIndexBufferBound(indices.size(), vertex_count));
      encoded.resize(meshopt_encodeIndexBuffer(encoded.data(), encoded.size(), indices.data(),
                                               indices.size()));
      const int view = add_meshopt_view(encoded, indices.size(), short_indices ? 2 : 4,
                                        kElementArrayBuffer, "TRIANGLES");
      accessors_.push_back({{"bufferView", view},
                            {"componentType", component_type},
                            {"count", indices.size()},
                            {"type", "SCALAR"}});
      return static_cast<int>(accessors_.size() - 1);
    }
    if (short_indices) {
      std::vector<std::uint16_t> narrow(indices.begin(), indices.end());
      return add_accessor(narrow, component_type, "SCALAR", kElementArrayBuffer);
    }
    return add_accessor(indices, component_type, "SCALAR", kElementArrayBuffer);
  }

  void finish_arrays() {
    if (uses_texture_transform_) extensions_used_.push_back("KHR_texture_transform");
    Json required = Json::array();
    if (fallback_bytes_ > 0) required.push_back("EXT_meshopt_compression");
    if (uses_draco_) required.push_back("KHR_draco_mesh_compression");
    for (const Json& name : required) extensions_used_.push_back(name);
    if (!extensions_used_.empty()) document_["extensionsUsed"] = extensions_used_;
    if (!required.empty()) document_["extensionsRequired"] = std::move(required);
    auto put = [this](const char* key, Json& items) {
      if (!items.empty()) document_[key] = std::move(items);
    };
    put("materials", materials_);
    put("textures", textures_);
    put("samplers", samplers_);
    put("images", images_);
    put("accessors", accessors_);
    put("bufferViews", views_);
    blob_.resize((blob_.size() + 3) / 4 * 4, 0);
    if (!blob_.empty()) {
      Json buffer = {{"byteLength", blob_.size()}};
      if (!binary_)
        buffer = {{"uri", uri_escape(std::string(stem_) + ".bin")}, {"byteLength", blob_.size()}};
      document_["buffers"] = Json::array({buffer});
    }
    if (fallback_bytes_ > 0) {
      // The meshopt views' home: it has no data of its own, as the extension allows.
      document_["buffers"].push_back(
          {{"byteLength", (fallback_bytes_ + 3) / 4 * 4},
           {"extensions", {{"EXT_meshopt_compression", {{"fallback", true}}}}}});
    }
  }

  std::vector<OutputFile> glb_files() const {
    return {{std::string(stem_) + ".glb", gltf::assemble_glb(document_.dump(), blob_)}};
  }

  std::vector<OutputFile> gltf_files() {
    const std::string json = document_.dump(1);
    std::vector<OutputFile> files;
    files.push_back({std::string(stem_) + ".gltf", Bytes(json.begin(), json.end())});
    if (!blob_.empty()) files.push_back({std::string(stem_) + ".bin", std::move(blob_)});
    for (OutputFile& sidecar : sidecars_) files.push_back(std::move(sidecar));
    return files;
  }

  const Mesh& mesh_;
  const bool binary_;
  const std::string_view stem_;
  const GltfWriteOptions& options_;
  Json extensions_used_ = Json::array();
  Json document_ = Json::object();
  Json views_ = Json::array(), accessors_ = Json::array(), images_ = Json::array();
  Json samplers_ = Json::array(), textures_ = Json::array(), materials_ = Json::array();
  Bytes blob_;
  std::size_t fallback_bytes_ = 0;  // size of the meshopt fallback buffer
  std::vector<OutputFile> sidecars_;
  std::vector<int> image_indices_;
  std::map<std::string, int> sampler_keys_;
  std::map<std::pair<int, int>, int> texture_keys_;
  std::map<std::pair<int, unsigned>, int> material_indices_;
  bool uses_texture_transform_ = false;
  bool uses_draco_ = false;
};

}  // namespace

std::vector<OutputFile> encode_gltf(const Mesh& mesh, bool binary, std::string_view stem) {
  GltfWriteOptions options;
  options.binary = binary;
  return encode_gltf(mesh, stem, options);
}

std::vector<OutputFile> encode_gltf(const Mesh& mesh, std::string_view stem,
                                    const GltfWriteOptions& options) {
  return DocumentBuilder(mesh, stem, options).build();
}

}  // namespace atlas
