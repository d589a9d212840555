#include "pipeline/lod_package.h"

#include <cmath>

namespace atlas::pipeline {
namespace {

bool same_image(const MeshImage& a, const MeshImage& b) {
  return a.mime_type == b.mime_type && a.encoded == b.encoded && a.pixels.width == b.pixels.width &&
         a.pixels.height == b.pixels.height && a.pixels.channels == b.pixels.channels &&
         a.pixels.pixels == b.pixels.pixels;
}

bool same_vec2(Vec2 a, Vec2 b) { return a.x == b.x && a.y == b.y; }

bool same_texture(const TextureRef& a, const TextureRef& b) {
  const TextureTransform& s = a.transform;
  const TextureTransform& t = b.transform;
  return a.image == b.image && a.texcoord == b.texcoord && a.sampler.wrap_s == b.sampler.wrap_s &&
         a.sampler.wrap_t == b.sampler.wrap_t && a.sampler.min_filter == b.sampler.min_filter &&
         a.sampler.mag_filter == b.sampler.mag_filter && s.present == t.present &&
         same_vec2(s.offset, t.offset) && s.rotation == t.rotation && same_vec2(s.scale, t.scale) &&
         s.texcoord == t.texcoord;
}

bool same_material(const Material& a, const Material& b) {
  return a.name == b.name && a.base_color_factor == b.base_color_factor &&
         same_texture(a.base_color_texture, b.base_color_texture) &&
         a.metallic_factor == b.metallic_factor && a.roughness_factor == b.roughness_factor &&
         same_texture(a.metallic_roughness_texture, b.metallic_roughness_texture) &&
         same_texture(a.normal_texture, b.normal_texture) && a.normal_scale == b.normal_scale &&
         same_texture(a.occlusion_texture, b.occlusion_texture) &&
         a.occlusion_strength == b.occlusion_strength &&
         same_texture(a.emissive_texture, b.emissive_texture) &&
         a.emissive_factor == b.emissive_factor && a.alpha_mode == b.alpha_mode &&
         a.alpha_cutoff == b.alpha_cutoff && a.double_sided == b.double_sided;
}

// Index of `image` in `images`, appending it when no identical one is there.
int merge_image(std::vector<MeshImage>& images, const MeshImage& image) {
  for (std::size_t i = 0; i < images.size(); ++i)
    if (same_image(images[i], image)) return static_cast<int>(i);
  images.push_back(image);
  return static_cast<int>(images.size() - 1);
}

// Moves `level`'s materials and images into `main`, renumbering its primitives.
void merge_level(Mesh& main, Mesh& level) {
  std::vector<int> image_map(level.images.size());
  for (std::size_t i = 0; i < level.images.size(); ++i)
    image_map[i] = merge_image(main.images, level.images[i]);
  std::vector<int> material_map(level.materials.size());
  for (std::size_t m = 0; m < level.materials.size(); ++m) {
    Material material = level.materials[m];
    for (TextureRef* ref :
         {&material.base_color_texture, &material.metallic_roughness_texture,
          &material.normal_texture, &material.occlusion_texture, &material.emissive_texture}) {
      if (ref->present())
        ref->image =
            static_cast<std::size_t>(ref->image) < image_map.size() ? image_map[ref->image] : -1;
    }
    material_map[m] = -1;
    for (std::size_t k = 0; k < main.materials.size() && material_map[m] < 0; ++k)
      if (same_material(main.materials[k], material)) material_map[m] = static_cast<int>(k);
    if (material_map[m] >= 0) continue;
    material.name = level.name + (level.materials.size() > 1 ? "_" + std::to_string(m) : "");
    material_map[m] = static_cast<int>(main.materials.size());
    main.materials.push_back(std::move(material));
  }
  for (Primitive& primitive : level.primitives) {
    if (primitive.material >= 0)
      primitive.material = static_cast<std::size_t>(primitive.material) < material_map.size()
                               ? material_map[primitive.material]
                               : -1;
  }
  level.materials.clear();
  level.images.clear();
}

}  // namespace

std::vector<float> lod_screen_coverage(std::size_t levels) {
  std::vector<float> coverage;
  for (std::size_t i = 0; i < levels; ++i) coverage.push_back(0.5f * std::pow(0.25f, float(i)));
  return coverage;
}

std::vector<OutputFile> encode_lod_package(const std::vector<Mesh>& levels, std::string_view stem,
                                           GltfWriteOptions options) {
  if (levels.empty()) return encode_gltf(Mesh{}, stem, options);
  Mesh main = levels[0];
  std::vector<Mesh> coarser(levels.begin() + 1, levels.end());
  for (Mesh& level : coarser) merge_level(main, level);
  options.lods.clear();
  for (const Mesh& level : coarser) options.lods.push_back(&level);
  options.screen_coverage = lod_screen_coverage(levels.size());
  return encode_gltf(main, stem, options);
}

}  // namespace atlas::pipeline
