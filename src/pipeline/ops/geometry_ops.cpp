// The geometry ops: the surface, its clean-up, placement, reduction, unwrapping and the
// LOD chain, each wrapping the game-ready step of the same name.

#include <nlohmann/json.hpp>

#include <optional>

#include "geometry/auto_transform.h"
#include "geometry/merge.h"
#include "geometry/mesh_cleanup.h"
#include "geometry/simplify.h"
#include "geometry/surface_extraction.h"
#include "pipeline/lod_chain.h"
#include "pipeline/ops/op_support.h"
#include "pipeline/ops/ops.h"
#include "pipeline/texturing.h"

namespace atlas::pipeline::ops {
namespace {

// `mesh` with its one surface replaced by `surface`, materials and images kept.
Mesh with_surface(const Mesh& mesh, Primitive surface) {
  Mesh result;
  result.name = mesh.name;
  result.materials = mesh.materials;
  result.images = mesh.images;
  result.primitives.push_back(std::move(surface));
  return result;
}

Result<Values> run_splat_to_mesh(const OpContext& context) {
  Result<const Value*> source = asset_input(context, "source");
  if (!source) return source.error();
  Mesh mesh;
  mesh.name = "surface";
  if (const SplatCloud* cloud = (*source)->splat()) {
    geometry::SurfaceOptions options;
    options.target_triangles = static_cast<std::size_t>(context.integer("triangles"));
    options.watertight = context.flag("watertight");
    options.threads = context.threads;
    Result<Primitive> surface = geometry::extract_surface(*cloud, options);
    if (!surface) return node_error(context, surface.error());
    mesh.primitives.push_back(std::move(*surface));
  } else {
    mesh.primitives.push_back(geometry::merge_primitives(*(*source)->mesh()));
  }
  return Values{{"mesh", Value(std::move(mesh))}};
}

Result<Values> run_cleanup(const OpContext& context) {
  Result<const Mesh*> mesh = surface_input(context, "mesh");
  if (!mesh) return mesh.error();
  geometry::CleanupOptions options;
  options.weld_tolerance = static_cast<float>(context.number("weld_tolerance"));
  options.min_component_area_ratio = static_cast<float>(context.number("min_component_area_ratio"));
  options.open_non_manifold_edges = context.flag("open_non_manifold_edges");
  options.remove_interior_shells = context.flag("remove_interior_shells");
  options.orient_outward = context.flag("orient_outward");
  options.max_hole_edges = static_cast<int>(context.integer("max_hole_edges"));
  Primitive surface = (*mesh)->primitives[0];
  geometry::clean_up(surface, options);
  if (surface.indices.empty()) return node_error(context, "no surface left after clean-up");
  return Values{{"mesh", Value(with_surface(**mesh, std::move(surface)))}};
}

std::optional<Bounds> bounds_of(const Value& value) {
  const Bounds bounds = value.splat() ? value.splat()->bounds() : value.mesh()->bounds();
  if (bounds.empty()) return std::nullopt;
  return bounds;
}

geometry::Placement chosen_placement(const Bounds& bounds, const OpContext& context) {
  const double height = context.number("height");
  geometry::Placement placement = geometry::placement_for(
      bounds, height > 0 ? std::optional<float>(static_cast<float>(height)) : std::nullopt);
  const std::string& pivot = context.text("pivot");
  if (pivot == "center") placement.pivot = bounds.center();
  if (pivot == "keep") placement.pivot = {0, 0, 0};
  placement.scale *= static_cast<float>(context.number("scale"));
  return placement;
}

Result<Values> run_transform(const OpContext& context) {
  Result<const Value*> asset = asset_input(context, "asset");
  if (!asset) return asset.error();
  Result<const Value*> reference = asset_input(context, "reference", true);
  if (!reference) return reference.error();
  const Value& placed_by = *reference ? **reference : **asset;
  const std::optional<Bounds> bounds = bounds_of(placed_by);
  if (!bounds)
    return node_error(
        context, std::string(*reference ? "reference" : "asset") + " has no points to place by");
  const geometry::Placement placement = chosen_placement(*bounds, context);
  Report moved;
  moved.metrics["scale"] = placement.scale;
  moved.details_json =
      nlohmann::json{{"placement",
                      {{"pivot", {placement.pivot.x, placement.pivot.y, placement.pivot.z}},
                       {"scale", placement.scale}}}}
          .dump();

  const Value& input = **asset;
  if (const SplatCloud* cloud = input.splat()) {
    SplatCloud placed = *cloud;
    geometry::apply(placement, placed);
    return Values{{"asset", Value(std::move(placed))}, {"placement", Value(std::move(moved))}};
  }
  LodChain levels;
  for (const Mesh* level : input.levels()) {
    levels.push_back(*level);
    geometry::apply(placement, levels.back());
  }
  Value placed =
      input.type() == ValueType::Mesh ? Value(std::move(levels[0])) : Value(std::move(levels));
  return Values{{"asset", std::move(placed)}, {"placement", Value(std::move(moved))}};
}

Result<Values> run_reduce(const OpContext& context) {
  Result<const Mesh*> mesh = surface_input(context, "mesh");
  if (!mesh) return mesh.error();
  const auto fallback = context.flag("keep_seams") ? geometry::SimplifyFallback::None
                                                   : geometry::SimplifyFallback::Sloppy;
  geometry::SimplifyResult reduced = geometry::simplify(
      (*mesh)->primitives[0], static_cast<std::size_t>(context.integer("triangles")), fallback);
  return Values{{"mesh", Value(with_surface(**mesh, std::move(reduced.mesh)))}};
}

Result<Values> run_unwrap(const OpContext& context) {
  Result<const Mesh*> mesh = surface_input(context, "mesh");
  if (!mesh) return mesh.error();
  Result<int> size = power_of_two_param(context, "texture_size");
  if (!size) return size.error();
  Primitive surface = (*mesh)->primitives[0];
  Result<geometry::UnwrapStats> stats = unwrap_with_tangents(
      surface, *size, static_cast<int>(context.integer("gutter")), context.threads);
  if (!stats) return node_error(context, with_context("UV unwrap", stats.error()));
  // The mesh's own textures were laid out for the UVs just replaced: they would be
  // scrambled, so they go; bake_color bakes what the surface shows into the new atlas.
  surface.material = -1;
  Mesh unwrapped;
  unwrapped.name = (*mesh)->name;
  unwrapped.primitives.push_back(std::move(surface));
  return Values{{"mesh", Value(std::move(unwrapped))}};
}

Status check_ratios(const OpContext& context, const std::vector<double>& ratios) {
  if (ratios.empty() || ratios.front() != 1)
    return node_error(context, "ratios must start with 1 (LOD0 is the full budget)");
  if (ratios.size() > kMaxLodLevels)
    return node_error(context, "ratios takes at most " + std::to_string(kMaxLodLevels) + " levels");
  for (std::size_t i = 1; i < ratios.size(); ++i) {
    if (!(ratios[i] > 0 && ratios[i] < ratios[i - 1]))
      return node_error(context, "ratios must decrease, each in (0, 1]");
  }
  return Ok{};
}

Result<Values> run_lod_chain(const OpContext& context) {
  Result<const Mesh*> lod0 = surface_input(context, "mesh");
  if (!lod0) return lod0.error();
  Result<const Mesh*> surface = surface_input(context, "surface", true);
  if (!surface) return surface.error();
  Result<const Value*> source = asset_input(context, "source", true);
  if (!source) return source.error();
  Result<const Mesh*> detail = mesh_input(context, "detail", true);
  if (!detail) return detail.error();
  const std::vector<double>& ratios = context.numbers("ratios");
  if (Status valid = check_ratios(context, ratios); !valid) return valid.error();
  Result<int> size = power_of_two_param(context, "texture_size");
  if (!size) return size.error();

  const int connected = (*surface ? 1 : 0) + (*source ? 1 : 0) + (*detail ? 1 : 0);
  if (connected != 0 && connected != 3)
    return node_error(context,
                      "surface, source and detail go together: connect all three to let levels "
                      "have their own atlas, or none to have every level share LOD0's");
  std::optional<PreparedBakeSources> bake_sources;
  std::optional<OwnAtlasSources> own_atlas;
  if (connected == 3) {
    bake_sources.emplace(BakeSources{(*source)->splat(), (*source)->mesh(), *detail},
                         context.threads);
    own_atlas = OwnAtlasSources{&(*surface)->primitives[0], &*bake_sources, *size};
  }

  const Mesh& finest = **lod0;
  LodChain chain{finest};
  chain[0].name = "lod0";
  for (std::size_t i = 1; i < ratios.size(); ++i) {
    if (context.cancelled()) return make_error("cancelled");
    Result<LodLevel> level = reduce_lod_level(finest.primitives[0], ratios[i],
                                              own_atlas ? &*own_atlas : nullptr, context.threads);
    const std::string name = "lod" + std::to_string(i);
    if (!level) return node_error(context, with_context(name, level.error()));
    if (level->unwrap) {
      chain.push_back(textured_level(name, std::move(level->reduced.mesh),
                                     {baked_map("base_color", std::move(level->colour)),
                                      baked_map("normal", std::move(level->normal))}));
    } else {
      chain.push_back(with_surface(finest, std::move(level->reduced.mesh)));
      chain.back().name = name;
    }
    context.progress(double(i) / double(ratios.size() - 1));
  }
  return Values{{"lods", Value(std::move(chain))}};
}

}  // namespace

void add_geometry_ops(std::vector<OpSpec>& catalogue) {
  const geometry::CleanupOptions cleanup_defaults;
  catalogue.push_back(OpSpec{
      .name = "splat_to_mesh",
      .version = 1,
      .purpose = "A dense triangle surface from a splat cloud (the level set of its opacity, with "
                 "vertex colours), or a mesh's primitives merged into one surface.",
      .inputs = {{.name = "source",
                  .type = ValueType::Asset,
                  .doc = "a splat cloud, or a mesh (a LOD chain: its finest level)"}},
      .outputs = {{.name = "mesh",
                   .type = ValueType::Mesh,
                   .doc = "one surface with normals; vertex colours when made from splats"}},
      .params = {integer_param("triangles", 20000, 12, 10'000'000,
                               "the LOD0 budget the grid resolution is chosen from (about 10 times "
                               "as many triangles are extracted)"),
                 flag_param("watertight", false,
                            "also fill enclosed cavities: one solid shell (for printing)")},
      .run = run_splat_to_mesh});
  catalogue.push_back(OpSpec{
      .name = "cleanup",
      .version = 2,
      .purpose = "Repairs a raw surface before reduction: welds vertices, drops degenerate and "
                 "duplicate faces, floaters and hidden inner shells, turns normals outward, fills "
                 "small holes and, for printing, opens edges of more than two faces.",
      .inputs = {{.name = "mesh", .type = ValueType::Mesh, .doc = "one surface"}},
      .outputs = {{.name = "mesh",
                   .type = ValueType::Mesh,
                   .doc = "the cleaned surface with smooth normals"}},
      .params = {number_param("weld_tolerance", parameter_default(cleanup_defaults.weld_tolerance),
                              0, 0.1,
                              "vertices closer than this share of the bounding-box diagonal merge"),
                 number_param("min_component_area_ratio",
                              parameter_default(cleanup_defaults.min_component_area_ratio), 0, 1,
                              "a piece with less than this share of the largest piece's area is a "
                              "floater and removed (0 keeps every piece, as meshes want)"),
                 flag_param("open_non_manifold_edges", cleanup_defaults.open_non_manifold_edges,
                            "split edges of more than two faces so that the surface is "
                            "manifold by positions alone, as 3D printing needs"),
                 flag_param("remove_interior_shells", cleanup_defaults.remove_interior_shells,
                            "remove pieces enclosed by another piece"),
                 flag_param("orient_outward", cleanup_defaults.orient_outward,
                            "make winding consistent and every closed piece face outward"),
                 integer_param("max_hole_edges", cleanup_defaults.max_hole_edges, 0, 100'000,
                               "holes whose border has at most this many edges are filled")},
      .run = run_cleanup});
  catalogue.push_back(OpSpec{
      .name = "transform",
      .version = 2,
      .purpose = "Places an asset as engines expect: the pivot at its bottom centre (or centre), "
                 "optionally scaled to a height in metres.",
      .inputs = {{.name = "asset",
                  .type = ValueType::Asset,
                  .doc = "a splat cloud, a mesh or a LOD chain (every level moves alike)"},
                 {.name = "reference",
                  .type = ValueType::Asset,
                  .optional = true,
                  .doc = "place by this asset's bounds instead of the input's, so that two "
                         "assets placed by the same reference stay together"}},
      .outputs = {{.name = "asset", .type = ValueType::Asset, .doc = "the same kind as the input"},
                  {.name = "placement",
                   .type = ValueType::Report,
                   .doc = "the move, {\"placement\": {\"pivot\": [x, y, z], \"scale\": s}} in its "
                          "details (a point p goes to (p - pivot) * scale), so a viewer can show "
                          "the unplaced source where the asset is"}},
      .params = {choice_param("pivot", "bottom_center", {"bottom_center", "center", "keep"},
                              "the bounds' point moved to the origin; keep leaves the origin"),
                 number_param(
                     "height", 0.0, 0, 1e6,
                     "scale so that the bounds are this many metres tall; 0 keeps the scale"),
                 number_param("scale", 1.0, 1e-6, 1e6,
                              "a further uniform scale, applied after height")},
      .run = run_transform});
  catalogue.push_back(OpSpec{
      .name = "reduce",
      .version = 1,
      .purpose = "Reduces a surface to a triangle budget by quadric edge collapse, carrying every "
                 "attribute.",
      .inputs = {{.name = "mesh", .type = ValueType::Mesh, .doc = "one surface"}},
      .outputs = {{.name = "mesh", .type = ValueType::Mesh, .doc = "the reduced surface"}},
      .params = {integer_param("triangles", 20000, 1, 10'000'000, "the budget"),
                 flag_param("keep_seams", false,
                            "never weld across UV seams, so the UVs stay usable, even if that "
                            "leaves the surface above the budget")},
      .run = run_reduce});
  catalogue.push_back(OpSpec{
      .name = "unwrap",
      .version = 1,
      .purpose = "Lays the surface out in one UV atlas (charts flattened and packed with gutters) "
                 "and computes tangents for normal maps.",
      .inputs = {{.name = "mesh", .type = ValueType::Mesh, .doc = "one surface"}},
      .outputs = {{.name = "mesh",
                   .type = ValueType::Mesh,
                   .doc = "the surface with uv0 and tangents, vertices split on chart seams; its "
                          "former textures are dropped"}},
      .params = {integer_param("texture_size", 1024, 64, 8192,
                               "the atlas's side in texels, a power of two"),
                 integer_param("gutter", kGutterTexels, 0, 64,
                               "empty texels between charts and around the border")},
      .run = run_unwrap});
  catalogue.push_back(OpSpec{
      .name = "lod_chain",
      .version = 1,
      .purpose = "Coarser levels of detail from LOD0. A level shares LOD0's atlas when keeping "
                 "LOD0's seams costs little geometric error; otherwise it is reduced from LOD0's "
                 "surface and baked into an atlas of its own.",
      .inputs = {{.name = "mesh", .type = ValueType::Mesh, .doc = "LOD0, unwrapped and baked"},
                 {.name = "surface",
                  .type = ValueType::Mesh,
                  .optional = true,
                  .doc = "LOD0 before unwrapping, for the free reduction"},
                 {.name = "source",
                  .type = ValueType::Asset,
                  .optional = true,
                  .doc = "what levels with their own atlas bake their colour from"},
                 {.name = "detail",
                  .type = ValueType::Mesh,
                  .optional = true,
                  .doc = "what levels with their own atlas bake their normals from; without "
                         "surface, source and detail every level shares LOD0's atlas"}},
      .outputs = {{.name = "lods",
                   .type = ValueType::Lods,
                   .doc = "LOD0 then the coarser levels, named lod0, lod1, ..."}},
      .params = {numbers_param(
                     "ratios", {1, 0.25, 0.06}, 0, 1,
                     "each level's share of LOD0's triangles: 1 first, then decreasing, at "
                     "most 8 levels"),
                 integer_param("texture_size", 1024, 64, 8192,
                               "LOD0's map side; a level with its own atlas gets the power of two "
                               "nearest to texture_size * sqrt(ratio)")},
      .run = run_lod_chain});
}

}  // namespace atlas::pipeline::ops
