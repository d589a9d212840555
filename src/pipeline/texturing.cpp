#include "pipeline/texturing.h"

#include <algorithm>
#include <cmath>

#include "bake/colour_bake.h"
#include "bake/normal_bake.h"
#include "geometry/tangents.h"

namespace atlas::pipeline {

Material baked_material(int colour_image, int normal_image) {
  Material material;
  material.name = "baked";
  material.base_color_texture.image = colour_image;
  material.normal_texture.image = normal_image;
  material.metallic_factor = 0;
  material.roughness_factor = 0.9f;
  return material;
}

Mesh textured_level(const std::string& name, Primitive primitive,
                    const std::vector<MeshImage>& maps) {
  Mesh mesh;
  mesh.name = name;
  primitive.colors.clear();
  primitive.material = 0;
  mesh.primitives.push_back(std::move(primitive));
  mesh.materials.push_back(baked_material(maps.empty() ? -1 : 0, maps.size() > 1 ? 1 : -1));
  mesh.images = maps;
  return mesh;
}

MeshImage baked_map(std::string name, Image pixels) {
  MeshImage image;
  image.name = std::move(name);
  image.mime_type = "image/png";
  image.pixels = std::move(pixels);
  return image;
}

Result<geometry::UnwrapStats> unwrap_with_tangents(Primitive& mesh, int texture_size,
                                                   int gutter_texels, int threads) {
  geometry::UnwrapOptions unwrap_options;
  unwrap_options.texture_size = texture_size;
  unwrap_options.gutter_texels = gutter_texels;
  unwrap_options.threads = threads;
  Result<geometry::UnwrapStats> stats = geometry::unwrap_uv_atlas(mesh, unwrap_options);
  if (stats) geometry::compute_tangents(mesh);
  return stats;
}

bake::BakeOptions bake_options(int texture_size, int threads) {
  bake::BakeOptions options;
  options.texture_size = texture_size;
  options.dilation_texels = kDilationTexels;
  options.threads = threads;
  return options;
}

Image bake_colour(const Primitive& level, const BakeSources& sources,
                  const bake::BakeOptions& options) {
  return PreparedBakeSources(sources, options.threads).colour(level, options);
}

PreparedBakeSources::PreparedBakeSources(const BakeSources& sources, int threads)
    : sources_(sources), threads_(threads) {}

const bake::MeshBakeSource& PreparedBakeSources::mesh_source(const Mesh& mesh) const {
  // A mesh input is both the colour source and the detail: one structure serves both.
  if (&mesh == sources_.source_mesh) {
    tbb::collaborative_call_once(source_mesh_once_, [&] { source_mesh_.emplace(mesh); });
    return *source_mesh_;
  }
  tbb::collaborative_call_once(detail_once_, [&] { detail_.emplace(mesh); });
  return *detail_;
}

const bake::SplatBakeSource& PreparedBakeSources::splat_source() const {
  tbb::collaborative_call_once(splats_once_, [&] { splats_.emplace(*sources_.cloud, threads_); });
  return *splats_;
}

void PreparedBakeSources::prepare() const {
  if (sources_.cloud) {
    splat_source();
  } else if (sources_.source_mesh) {
    mesh_source(*sources_.source_mesh);
  }
  if (sources_.detail) mesh_source(*sources_.detail);
}

Image PreparedBakeSources::colour(const Primitive& level, const bake::BakeOptions& options) const {
  if (!sources_.cloud)
    return bake::bake_mesh_colour(level, mesh_source(*sources_.source_mesh), options);
  return bake::bake_splat_colour(level, splat_source(), options);
}

Image PreparedBakeSources::normals(const Primitive& level, const bake::BakeOptions& options) const {
  return bake::bake_normal_map(level, mesh_source(*sources_.detail), options);
}

int level_texture_size(int lod0_size, double ratio) {
  const double wanted = std::log2(lod0_size * std::sqrt(ratio));
  return std::max(64, 1 << static_cast<int>(std::lround(wanted)));
}

}  // namespace atlas::pipeline
