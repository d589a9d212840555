// USDZ writer: a USDA text layer and its textures in a 64-byte aligned stored zip, the
// form AR Quick Look opens.

#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "formats/image_io.h"
#include "formats/mesh_formats.h"
#include "formats/zip_store.h"

namespace atlas {

namespace {

// USDZ's own requirement: every file's data starts at a multiple of 64 bytes, so
// readers can map it in place.
constexpr std::size_t kUsdzAlignment = 64;
const std::string kMaterialsPath = "/Root/Materials/";

// USDA accepts neither nan nor inf; the shortest round-trip form keeps values exact.
void put_number(std::string& out, float value) {
  if (!std::isfinite(value)) value = 0;
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  out.append(text, end);
}

void put_tuple(std::string& out, std::initializer_list<float> values) {
  out += '(';
  bool first = true;
  for (float value : values) {
    if (!first) out += ", ";
    put_number(out, value);
    first = false;
  }
  out += ')';
}

template <typename T, typename Put>
void put_array(std::string& out, const std::vector<T>& items, Put put) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ", ";
    put(items[i]);
  }
  out += ']';
}

// A USD prim name: letters, digits and underscores, not starting with a digit, unique
// among `taken`.
std::string prim_name(std::string_view wanted, std::string_view fallback,
                      std::set<std::string>& taken) {
  std::string name;
  for (char c : wanted.empty() ? fallback : wanted)
    name += std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) name = "_" + name;
  std::string unique = name;
  for (int n = 1; taken.contains(unique); ++n) unique = name + "_" + std::to_string(n);
  taken.insert(unique);
  return unique;
}

const char* wrap_token(int gl_wrap) {
  switch (gl_wrap) {
    case 33071:
      return "clamp";
    case 33648:
      return "mirror";
    default:
      return "repeat";
  }
}

class UsdzBuilder {
 public:
  explicit UsdzBuilder(const Mesh& mesh) : mesh_(mesh) {}

  Result<Bytes> build() {
    if (std::string problem = mesh_.validate(); !problem.empty())
      return make_error("USDZ: " + problem);
    std::string layer =
        "#usda 1.0\n(\n    defaultPrim = \"Root\"\n    metersPerUnit = 1\n    upAxis = \"Y\"\n)\n\n"
        "def Xform \"Root\" (\n    kind = \"component\"\n)\n{\n";
    std::vector<std::string> material_names(mesh_.materials.size());
    std::string materials;
    std::set<std::string> material_taken;
    for (std::size_t m = 0; m < mesh_.materials.size(); ++m) {
      material_names[m] =
          prim_name(mesh_.materials[m].name, "Material_" + std::to_string(m), material_taken);
      put_material(materials, mesh_.materials[m], material_names[m]);
    }
    if (!materials.empty()) layer += "    def Scope \"Materials\"\n    {\n" + materials + "    }\n";
    std::set<std::string> mesh_taken{"Materials"};
    for (std::size_t p = 0; p < mesh_.primitives.size(); ++p) {
      const Primitive& primitive = mesh_.primitives[p];
      if (primitive.positions.empty() || primitive.indices.size() < 3) continue;
      const std::string name = prim_name(primitive.name, "Mesh_" + std::to_string(p), mesh_taken);
      const std::string* material =
          primitive.material >= 0 ? &material_names[primitive.material] : nullptr;
      put_mesh(layer, primitive, name, material);
    }
    layer += "}\n";
    std::vector<OutputFile> files;
    files.push_back({"scene.usda", Bytes(layer.begin(), layer.end())});
    for (auto& texture : textures_) files.push_back(std::move(texture));
    Result<Bytes> package = build_stored_zip(files, kUsdzAlignment);
    if (!package) return with_context("USDZ", package.error());
    return package;
  }

 private:
  // The package path of image `index` (written once), or nothing when it cannot be
  // stored as PNG or JPEG.
  std::optional<std::string> texture_path(int index) {
    if (index < 0 || static_cast<std::size_t>(index) >= mesh_.images.size()) return std::nullopt;
    if (auto it = texture_paths_.find(index); it != texture_paths_.end()) return it->second;
    const MeshImage& image = mesh_.images[index];
    const std::string mime = sniff_image_mime_type(image.encoded);
    Bytes bytes;
    std::string extension = "png";
    if (mime == "image/png" || mime == "image/jpeg") {
      bytes = image.encoded;
      if (mime == "image/jpeg") extension = "jpg";
    } else {
      bytes = encode_png(image.pixels);
    }
    std::optional<std::string> path;
    if (!bytes.empty()) {
      path = "textures/image_" + std::to_string(index) + "." + extension;
      textures_.push_back({*path, std::move(bytes)});
    }
    texture_paths_[index] = path;
    return path;
  }

  // A UsdUVTexture shader reading `ref` through the material's TexCoords reader; false
  // when the image cannot be stored.
  bool put_texture(std::string& out, const std::string& material, const char* shader,
                   const TextureRef& ref, const char* colour_space, Vec4 scale, Vec4 bias) {
    const std::optional<std::string> path = texture_path(ref.image);
    if (!path) return false;
    const std::string base = kMaterialsPath + material;
    out += "            def Shader \"" + std::string(shader) + "\"\n            {\n";
    out += "                uniform token info:id = \"UsdUVTexture\"\n";
    out += "                asset inputs:file = @" + *path + "@\n";
    out +=
        "                token inputs:sourceColorSpace = \"" + std::string(colour_space) + "\"\n";
    out += "                float2 inputs:st.connect = <" + base + "/TexCoords.outputs:result>\n";
    out += "                token inputs:wrapS = \"" + std::string(wrap_token(ref.sampler.wrap_s)) +
           "\"\n";
    out += "                token inputs:wrapT = \"" + std::string(wrap_token(ref.sampler.wrap_t)) +
           "\"\n";
    out += "                float4 inputs:scale = ";
    put_tuple(out, {scale.x, scale.y, scale.z, scale.w});
    out += "\n                float4 inputs:bias = ";
    put_tuple(out, {bias.x, bias.y, bias.z, bias.w});
    out += "\n                float3 outputs:rgb\n                float outputs:a\n            }\n";
    return true;
  }

  void put_material(std::string& out, const Material& material, const std::string& name) {
    const std::string base = kMaterialsPath + name;
    std::string shaders;
    const Vec4 factor = material.base_color_factor;
    const bool colour_texture = material.base_color_texture.present() &&
                                put_texture(shaders, name, "BaseColor", material.base_color_texture,
                                            "sRGB", factor, {0, 0, 0, 0});
    const bool normal_texture =
        material.normal_texture.present() &&
        put_texture(shaders, name, "Normal", material.normal_texture, "raw",
                    {2 * material.normal_scale, 2 * material.normal_scale, 2, 1},
                    {-material.normal_scale, -material.normal_scale, -1, 0});
    out += "        def Material \"" + name + "\"\n        {\n";
    out += "            token outputs:surface.connect = <" + base + "/Surface.outputs:surface>\n\n";
    out += "            def Shader \"Surface\"\n            {\n";
    out += "                uniform token info:id = \"UsdPreviewSurface\"\n";
    if (colour_texture) {
      out += "                color3f inputs:diffuseColor.connect = <" + base +
             "/BaseColor.outputs:rgb>\n";
    } else {
      out += "                color3f inputs:diffuseColor = ";
      put_tuple(out, {factor.x, factor.y, factor.z});
      out += "\n";
    }
    if (normal_texture)
      out += "                normal3f inputs:normal.connect = <" + base + "/Normal.outputs:rgb>\n";
    out += "                float inputs:metallic = ";
    put_number(out, material.metallic_factor);
    out += "\n                float inputs:roughness = ";
    put_number(out, material.roughness_factor);
    out += "\n                color3f inputs:emissiveColor = ";
    put_tuple(out,
              {material.emissive_factor.x, material.emissive_factor.y, material.emissive_factor.z});
    out += "\n";
    if (material.alpha_mode != AlphaMode::Opaque) {
      if (colour_texture) {
        out +=
            "                float inputs:opacity.connect = <" + base + "/BaseColor.outputs:a>\n";
      } else {
        out += "                float inputs:opacity = ";
        put_number(out, factor.w);
        out += "\n";
      }
      if (material.alpha_mode == AlphaMode::Mask) {
        out += "                float inputs:opacityThreshold = ";
        put_number(out, material.alpha_cutoff);
        out += "\n";
      }
    }
    out += "                token outputs:surface\n            }\n";
    if (colour_texture || normal_texture) {
      out += "\n            def Shader \"TexCoords\"\n            {\n";
      out += "                uniform token info:id = \"UsdPrimvarReader_float2\"\n";
      out += "                string inputs:varname = \"st\"\n";
      out += "                float2 outputs:result\n            }\n";
      out += shaders;
    }
    out += "        }\n";
  }

  void put_mesh(std::string& out, const Primitive& primitive, const std::string& name,
                const std::string* material) {
    const std::size_t n = primitive.positions.size();
    const std::size_t triangles = primitive.indices.size() / 3;
    out += "\n    def Mesh \"" + name +
           "\" (\n        prepend apiSchemas = [\"MaterialBindingAPI\"]\n"
           "    )\n    {\n";
    Bounds bounds;
    for (const Vec3& p : primitive.positions) bounds.extend(p);
    out += "        float3[] extent = [";
    put_tuple(out, {bounds.min.x, bounds.min.y, bounds.min.z});
    out += ", ";
    put_tuple(out, {bounds.max.x, bounds.max.y, bounds.max.z});
    out += "]\n        int[] faceVertexCounts = [";
    for (std::size_t t = 0; t < triangles; ++t) out += t == 0 ? "3" : ", 3";
    out += "]\n        int[] faceVertexIndices = [";
    for (std::size_t i = 0; i < triangles * 3; ++i) {
      if (i != 0) out += ", ";
      out += std::to_string(primitive.indices[i]);
    }
    out += "]\n";
    if (material) out += "        rel material:binding = <" + kMaterialsPath + *material + ">\n";
    if (primitive.normals.size() == n) {
      out += "        normal3f[] normals = ";
      put_array(out, primitive.normals, [&](Vec3 v) { put_tuple(out, {v.x, v.y, v.z}); });
      out += " (\n            interpolation = \"vertex\"\n        )\n";
    }
    out += "        point3f[] points = ";
    put_array(out, primitive.positions, [&](Vec3 v) { put_tuple(out, {v.x, v.y, v.z}); });
    out += "\n";
    if (primitive.colors.size() == n) {
      out += "        color3f[] primvars:displayColor = ";
      put_array(out, primitive.colors, [&](Vec4 c) { put_tuple(out, {c.x, c.y, c.z}); });
      out += " (\n            interpolation = \"vertex\"\n        )\n";
    }
    if (primitive.uv0.size() == n) {
      out += "        texCoord2f[] primvars:st = ";
      put_array(out, primitive.uv0, [&](Vec2 uv) { put_tuple(out, {uv.x, 1 - uv.y}); });
      out += " (\n            interpolation = \"vertex\"\n        )\n";
    }
    out += "        uniform token subdivisionScheme = \"none\"\n    }\n";
  }

  const Mesh& mesh_;
  std::vector<OutputFile> textures_;
  std::map<int, std::optional<std::string>> texture_paths_;
};

}  // namespace

Result<Bytes> encode_usdz(const Mesh& mesh) { return UsdzBuilder(mesh).build(); }

}  // namespace atlas
