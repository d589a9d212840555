#pragma once
// A triangle mesh with PBR materials, as a glTF 2.0 scene flattened to world space:
// node transforms are applied to the vertices, every primitive is a triangle list.
// Skins, morph targets, animations, cameras and lights are not part of the model.

#include <cstdint>
#include <string>
#include <vector>

#include "asset/image.h"
#include "asset/math.h"

namespace atlas {

// KHR_texture_transform: uv' = translate(offset) * rotate(rotation) * scale(scale) * uv.
struct TextureTransform {
  bool present = false;
  Vec2 offset{0, 0};
  float rotation = 0;  // radians, counter-clockwise
  Vec2 scale{1, 1};
  int texcoord = -1;  // overrides TextureRef::texcoord when >= 0
};

// glTF sampler codes (10497 repeat, 33071 clamp, 33648 mirrored; 9728 nearest,
// 9729 linear, ...); 0 means not specified.
struct Sampler {
  int wrap_s = 10497;
  int wrap_t = 10497;
  int min_filter = 0;
  int mag_filter = 0;
};

struct TextureRef {
  int image = -1;    // index into Mesh::images; -1 means no texture
  int texcoord = 0;  // which UV set: 0 -> Primitive::uv0, 1 -> uv1
  Sampler sampler;
  TextureTransform transform;
  bool present() const { return image >= 0; }
};

enum class AlphaMode { Opaque, Mask, Blend };

// glTF metallic-roughness material. Factors multiply their textures.
struct Material {
  std::string name;
  Vec4 base_color_factor{1, 1, 1, 1};  // linear RGBA
  TextureRef base_color_texture;       // sRGB
  float metallic_factor = 1;
  float roughness_factor = 1;
  TextureRef metallic_roughness_texture;  // B = metallic, G = roughness
  TextureRef normal_texture;              // tangent space
  float normal_scale = 1;
  TextureRef occlusion_texture;  // R
  float occlusion_strength = 1;
  TextureRef emissive_texture;
  Vec3 emissive_factor{0, 0, 0};
  AlphaMode alpha_mode = AlphaMode::Opaque;
  float alpha_cutoff = 0.5f;
  bool double_sided = false;
};

// An image used by materials: the encoded file as it came (so writers can pass it
// through without re-encoding) and its decoded pixels (for rendering and baking).
struct MeshImage {
  std::string name;       // file name or glTF image name, may be empty
  std::string mime_type;  // "image/png", "image/jpeg", "image/webp"
  std::vector<std::uint8_t> encoded;
  Image pixels;  // RGBA8
};

// One draw call: a triangle list with one material. Optional attributes are either
// empty or have exactly positions.size() entries.
struct Primitive {
  std::string name;
  std::vector<Vec3> positions;
  std::vector<Vec3> normals;
  std::vector<Vec4> tangents;  // xyz tangent, w handedness (+1 or -1)
  std::vector<Vec2> uv0;       // glTF convention: (0,0) is the image's top-left
  std::vector<Vec2> uv1;
  std::vector<Vec4> colors;            // linear RGBA
  std::vector<std::uint32_t> indices;  // 3 per triangle, each < positions.size()
  int material = -1;                   // index into Mesh::materials, -1 for default

  std::size_t triangle_count() const { return indices.size() / 3; }
};

struct Mesh {
  std::string name;
  std::vector<Primitive> primitives;
  std::vector<Material> materials;
  std::vector<MeshImage> images;

  std::size_t vertex_count() const;
  std::size_t triangle_count() const;
  Bounds bounds() const;

  // Empty when the mesh is well formed; otherwise what is wrong (attribute lengths, a
  // non-finite position, an index out of range, a material or image index out of range).
  std::string validate() const;
};

}  // namespace atlas
