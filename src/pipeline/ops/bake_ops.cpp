// The bake ops: base colour and normal maps into a surface's UV atlas, and the encoding
// of every map of a chain for export.

#include <algorithm>

#include "bake/normal_bake.h"
#include "core/parallel_for.h"
#include "formats/image_io.h"
#include "geometry/tangents.h"
#include "pipeline/ops/op_support.h"
#include "pipeline/ops/ops.h"
#include "pipeline/texturing.h"

namespace atlas::pipeline::ops {
namespace {

Result<bake::BakeOptions> bake_settings(const OpContext& context) {
  Result<int> size = power_of_two_param(context, "texture_size");
  if (!size) return size.error();
  bake::BakeOptions options;
  options.texture_size = *size;
  options.dilation_texels = static_cast<int>(context.integer("dilation"));
  options.threads = context.threads;
  return options;
}

// The surface on the `mesh` port, with the triangles and UVs every bake needs.
Result<const Mesh*> unwrapped_input(const OpContext& context) {
  Result<const Mesh*> mesh = surface_input(context, "mesh");
  if (!mesh) return mesh;
  const Primitive& surface = (*mesh)->primitives[0];
  if (surface.indices.empty()) return node_error(context, "mesh has no triangles to bake into");
  if (surface.uv0.size() != surface.positions.size())
    return node_error(context, "mesh has no UVs to bake into: unwrap it first");
  return mesh;
}

Result<Values> run_bake_color(const OpContext& context) {
  Result<const Mesh*> mesh = unwrapped_input(context);
  if (!mesh) return mesh.error();
  Result<const Value*> source = asset_input(context, "source");
  if (!source) return source.error();
  Result<bake::BakeOptions> settings = bake_settings(context);
  if (!settings) return settings.error();

  const Primitive& surface = (*mesh)->primitives[0];
  Image colour =
      bake_colour(surface, BakeSources{(*source)->splat(), (*source)->mesh()}, *settings);
  if (colour.empty())
    return node_error(context,
                      "the colour bake covered nothing: the source shows nothing on the mesh");
  Mesh baked = textured_level((*mesh)->name, surface, {baked_map("base_color", Image(colour))});
  return Values{{"mesh", Value(std::move(baked))}, {"image", Value(std::move(colour))}};
}

// How many texture slots of `mesh`'s materials sample image `image`.
int image_users(const Mesh& mesh, int image) {
  int users = 0;
  for (const Material& m : mesh.materials) {
    for (const TextureRef* ref : {&m.base_color_texture, &m.metallic_roughness_texture,
                                  &m.normal_texture, &m.occlusion_texture, &m.emissive_texture})
      users += ref->image == image;
  }
  return users;
}

// `mesh` with `surface` as its one primitive and `normal` as that primitive's normal
// map, in place of the image of a normal map it had when nothing else samples that; a
// surface without a material gets the baked material.
Mesh with_normal_map(const Mesh& mesh, Primitive surface, const Image& normal) {
  Mesh result = mesh;
  const int materials = static_cast<int>(result.materials.size());
  if (surface.material < 0 || surface.material >= materials) {
    surface.material = materials;
    result.materials.push_back(baked_material(-1, -1));
  }
  TextureRef& map = result.materials[surface.material].normal_texture;
  const bool replaces_image = map.present() && map.image < static_cast<int>(result.images.size()) &&
                              image_users(result, map.image) == 1;
  const int image = replaces_image ? map.image : static_cast<int>(result.images.size());
  if (!replaces_image) result.images.emplace_back();
  result.images[image] = baked_map("normal", normal);
  map = TextureRef{};
  map.image = image;
  result.primitives[0] = std::move(surface);
  return result;
}

Result<Values> run_bake_normals(const OpContext& context) {
  Result<const Mesh*> mesh = unwrapped_input(context);
  if (!mesh) return mesh.error();
  Result<const Mesh*> detail = mesh_input(context, "detail");
  if (!detail) return detail.error();
  Result<bake::BakeOptions> settings = bake_settings(context);
  if (!settings) return settings.error();

  Primitive surface = (*mesh)->primitives[0];
  if (surface.normals.size() != surface.positions.size())
    return node_error(context, "mesh has no normals to bake against: clean it up first");
  // Engines need the tangent frame the map was baked in, so the mesh carries it.
  if (surface.tangents.size() != surface.positions.size()) geometry::compute_tangents(surface);
  Image normal = bake::bake_normal_map(surface, **detail, *settings);
  if (normal.empty())
    return node_error(context, "the normal bake covered nothing: detail has no usable triangle");
  Mesh baked = with_normal_map(**mesh, std::move(surface), normal);
  return Values{{"mesh", Value(std::move(baked))}, {"image", Value(std::move(normal))}};
}

// Half the size by averaging 2x2 blocks (the last row or column of an odd side alone).
Image halved(const Image& image) {
  Image half(std::max(1, image.width / 2), std::max(1, image.height / 2), image.channels);
  for (int y = 0; y < half.height; ++y) {
    const int y0 = std::min(2 * y, image.height - 1), y1 = std::min(2 * y + 1, image.height - 1);
    for (int x = 0; x < half.width; ++x) {
      const int x0 = std::min(2 * x, image.width - 1), x1 = std::min(2 * x + 1, image.width - 1);
      for (int c = 0; c < image.channels; ++c) {
        const int sum =
            image.at(x0, y0)[c] + image.at(x1, y0)[c] + image.at(x0, y1)[c] + image.at(x1, y1)[c];
        half.at(x, y)[c] = static_cast<std::uint8_t>((sum + 2) / 4);
      }
    }
  }
  return half;
}

bool same_pixels(const Image& a, const Image& b) {
  return a.width == b.width && a.height == b.height && a.channels == b.channels &&
         a.pixels == b.pixels;
}

Result<Values> run_texture(const OpContext& context) {
  Result<std::vector<const Mesh*>> levels = lods_input(context, "model");
  if (!levels) return levels.error();
  const std::int64_t max_size = context.integer("max_size");
  if (max_size != 0) {
    if (Result<int> size = power_of_two_param(context, "max_size"); !size) return size.error();
  }
  const bool jpeg = context.text("format") == "jpeg";
  const int quality = static_cast<int>(context.integer("quality"));

  LodChain chain;
  for (const Mesh* level : *levels) chain.push_back(*level);
  // Levels that share LOD0's atlas carry copies of its maps: each distinct image is
  // encoded once and its bytes given to every copy.
  std::vector<MeshImage*> images;
  std::vector<std::size_t> distinct_of;
  std::vector<MeshImage*> distinct;
  for (Mesh& level : chain) {
    for (MeshImage& image : level.images) {
      if (image.pixels.empty()) continue;  // nothing to encode from: kept as it came
      const auto same = std::find_if(distinct.begin(), distinct.end(), [&](const MeshImage* d) {
        return same_pixels(d->pixels, image.pixels);
      });
      distinct_of.push_back(static_cast<std::size_t>(same - distinct.begin()));
      if (same == distinct.end()) distinct.push_back(&image);
      images.push_back(&image);
    }
  }
  if (context.cancelled()) return make_error("cancelled");

  std::vector<MeshImage> encoded(distinct.size());
  parallel_for_index(static_cast<int>(distinct.size()), context.threads, [&](int i) {
    MeshImage& image = encoded[i];
    image.pixels = distinct[i]->pixels;
    while (max_size != 0 && std::max(image.pixels.width, image.pixels.height) > max_size)
      image.pixels = halved(image.pixels);
    image.mime_type = jpeg ? "image/jpeg" : "image/png";
    image.encoded = jpeg ? encode_jpeg(image.pixels, quality) : encode_png(image.pixels);
  });
  for (std::size_t i = 0; i < images.size(); ++i) {
    const MeshImage& done = encoded[distinct_of[i]];
    if (done.encoded.empty())
      return node_error(context, "image '" + images[i]->name + "' could not be encoded");
    images[i]->mime_type = done.mime_type;
    images[i]->encoded = done.encoded;
    images[i]->pixels = done.pixels;
  }
  context.progress(1);
  return Values{{"lods", Value(std::move(chain))}};
}

}  // namespace

void add_bake_ops(std::vector<OpSpec>& catalogue) {
  const std::vector<ParamSpec> bake_params = {
      integer_param(
          "texture_size", 1024, 64, 8192,
          "the map's side in texels, a power of two (the unwrap's size keeps its gutters)"),
      integer_param("dilation", kDilationTexels, 0, 64,
                    "texels the bake fills around each chart, at least the unwrap's gutter")};
  catalogue.push_back(OpSpec{
      .name = "bake_color",
      .version = 1,
      .purpose = "Bakes what the source shows into the surface's atlas as its base colour: "
                 "alpha-composited splats, or a mesh's textures and colours.",
      .inputs = {{.name = "mesh", .type = ValueType::Mesh, .doc = "one unwrapped surface"},
                 {.name = "source",
                  .type = ValueType::Asset,
                  .doc = "a splat cloud or a mesh (a LOD chain: its finest level), placed "
                         "like the mesh"}},
      .outputs = {{.name = "mesh",
                   .type = ValueType::Mesh,
                   .doc = "the surface with material \"baked\" sampling the colour map; "
                          "vertex colours cleared, former materials dropped"},
                  {.name = "image", .type = ValueType::Image, .doc = "the colour map (sRGB)"}},
      .params = bake_params,
      .run = run_bake_color});
  catalogue.push_back(OpSpec{
      .name = "bake_normals",
      .version = 1,
      .purpose = "Bakes the detail surface's normals into the surface's atlas as a tangent-space "
                 "normal map.",
      .inputs = {{.name = "mesh",
                  .type = ValueType::Mesh,
                  .doc = "one unwrapped surface with normals (tangents are computed when "
                         "missing)"},
                 {.name = "detail",
                  .type = ValueType::Mesh,
                  .doc = "the dense surface the detail comes from, placed like the mesh"}},
      .outputs = {{.name = "mesh",
                   .type = ValueType::Mesh,
                   .doc = "the surface with the normal map added to its material"},
                  {.name = "image",
                   .type = ValueType::Image,
                   .doc = "the normal map (linear, glTF tangent space)"}},
      .params = bake_params,
      .run = run_bake_normals});
  catalogue.push_back(OpSpec{
      .name = "texture",
      .version = 1,
      .purpose = "Encodes every image of every level, in parallel, optionally downsampled; "
                 "identical maps shared by levels are encoded once.",
      .inputs = {{.name = "model", .type = ValueType::Lods, .doc = "a LOD chain or a mesh"}},
      .outputs = {{.name = "lods", .type = ValueType::Lods, .doc = "the chain, images encoded"}},
      .params = {choice_param("format", "png", {"png", "jpeg"}, "the image format"),
                 integer_param("quality", 90, 1, 100, "JPEG quality"),
                 integer_param("max_size", 0, 0, 8192,
                               "0 keeps every size; else a power of two, and larger images are "
                               "halved (2x2 box filter) until they fit")},
      .run = run_texture});
}

}  // namespace atlas::pipeline::ops
