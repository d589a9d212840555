#include "pipeline/game_ready.h"

#include <tbb/parallel_for.h>
#include <tbb/task_group.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <variant>

#include "asset/statistics.h"
#include "core/file_io.h"
#include "core/resource_usage.h"
#include "core/sha256.h"
#include "formats/asset_io.h"
#include "formats/image_io.h"
#include "formats/mesh_formats.h"
#include "geometry/auto_transform.h"
#include "geometry/merge.h"
#include "geometry/mesh_cleanup.h"
#include "geometry/simplify.h"
#include "geometry/surface_extraction.h"
#include "geometry/uv_atlas.h"
#include "pipeline/fidelity.h"
#include "pipeline/lod_chain.h"
#include "pipeline/lod_package.h"
#include "pipeline/preview.h"
#include "pipeline/texturing.h"
#include "render/texture_sampler.h"

namespace atlas::pipeline {
namespace {

using Json = nlohmann::ordered_json;

// Mean-over-views floors a level must reach before the report calls it faithful
// (issue 3): IoU for every level, PSNR for LOD0.
constexpr double kLodIouFloors[] = {0.93, 0.90, 0.85};
constexpr double kLod0PsnrFloor = 22.0;

// Times each step and records the process's peak memory during it.
class StepClock {
 public:
  StepClock(const StepObserver& observer, std::vector<StepRecord>& records)
      : observer_(observer), records_(records) {}

  template <typename Body>
  auto run(const std::string& name, Body&& body) {
    if (observer_) observer_(name);
    reset_peak_rss();
    const auto start = std::chrono::steady_clock::now();
    auto finish = [&] {
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      records_.push_back({name, elapsed.count(), peak_rss_bytes()});
    };
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      finish();
    } else {
      auto value = body();
      finish();
      return value;
    }
  }

 private:
  const StepObserver& observer_;
  std::vector<StepRecord>& records_;
};

Bytes encode_texture(const Image& image, const GameReadyOptions& options) {
  return options.texture_format == TextureFormat::Jpeg ? encode_jpeg(image, options.jpeg_quality)
                                                       : encode_png(image);
}

MeshImage texture_image(std::string name, const Image& pixels, const GameReadyOptions& options) {
  MeshImage image;
  image.name = std::move(name);
  image.mime_type = options.texture_format == TextureFormat::Jpeg ? "image/jpeg" : "image/png";
  image.encoded = encode_texture(pixels, options);
  image.pixels = pixels;
  return image;
}

// LOD0 with the baked colour sampled at each vertex and no textures, for engines and
// viewers that want a single draw call without textures.
Mesh vertex_colour_variant(const std::string& name, const Primitive& lod0, const Image& colour) {
  Mesh mesh;
  mesh.name = name;
  Primitive primitive = lod0;
  primitive.tangents.clear();
  primitive.colors.resize(primitive.positions.size());
  for (std::size_t i = 0; i < primitive.positions.size(); ++i) {
    const Vec4 c = render::sample_texture(colour, Sampler{33071, 33071, 0, 0}, primitive.uv0[i]);
    primitive.colors[i] = {c.x, c.y, c.z, 1};
  }
  primitive.uv0.clear();
  primitive.material = -1;
  mesh.primitives.push_back(std::move(primitive));
  return mesh;
}

Json options_json(const GameReadyOptions& options) {
  Json json = {{"triangles", options.triangles},
               {"lod_ratios", options.lod_ratios},
               {"texture_size", options.texture_size},
               {"texture_format", options.texture_format == TextureFormat::Jpeg ? "jpeg" : "png"},
               {"watertight", options.watertight},
               {"vertex_color_variant", options.vertex_color_variant}};
  if (options.height_metres) json["height_metres"] = *options.height_metres;
  return json;
}

std::string format_double(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// 404's own hard rejections (the protocol doc) and the signs of a poor splat. The
// thresholds sit between the test files: 404's hamburger, monkey and robocop have a
// median opacity of 0.38-0.97 and a median splat size of 0.14-0.72 % of the object;
// the early DreamGaussian blob, fuzzy and faint, has 0.09 and 1.55 %.
std::vector<std::string> splat_input_warnings(const SplatCloud& cloud) {
  std::vector<std::string> warnings;
  if (cloud.size() < 7000)
    warnings.push_back("only " + std::to_string(cloud.size()) +
                       " splats (404 rejects fewer than 7,000)");
  if (cloud.empty()) return warnings;
  const SplatStatistics stats = compute_statistics(cloud);
  if (stats.share_nearly_transparent > 0.8)
    warnings.push_back("more than 80% of splats are nearly transparent (404 rejects this)");
  if (stats.identity_rotations == cloud.size())
    warnings.push_back("every splat rotation is the identity (404 rejects this)");
  if (stats.opacity.median < 0.2f)
    warnings.push_back("the splats are faint (median opacity " +
                       format_double(stats.opacity.median, 2) +
                       "): a poor or early generator output; the surface and its colours are "
                       "a best guess");
  const float extent = stats.bounds.longest_side();
  if (extent > 0 && stats.scale.median > 0.01f * extent)
    warnings.push_back("the splats are large for the object (median " +
                       format_double(100.0 * stats.scale.median / extent, 1) +
                       " % of its size): fine detail is not in the source");
  return warnings;
}

Json atlas_json(const geometry::UnwrapStats& stats) {
  return {{"charts", stats.charts},
          {"packing_efficiency", stats.packing_efficiency},
          {"mean_stretch", stats.mean_stretch},
          {"max_chart_stretch", stats.max_chart_stretch},
          {"gutter_texels", kGutterTexels}};
}

// One level of the chain; LOD0 always has its own atlas.
struct Level : LodLevel {
  std::vector<MeshImage> maps;  // colour and normal, encoded in the chosen format
};

// Waits for a task group's work when it goes out of scope, on every way out of a
// function: a task_group must not be destroyed with work pending, and the work reads
// the function's locals.
struct WaitOnExit {
  tbb::task_group& group;
  ~WaitOnExit() { group.wait(); }
};

}  // namespace

Status validate(const GameReadyOptions& options) {
  if (options.triangles < 12 || options.triangles > 10'000'000)
    return make_error("--triangles must be between 12 and 10,000,000");
  if (options.lod_ratios.empty() || options.lod_ratios.front() != 1)
    return make_error("--lods must start with 1 (LOD0 is the full budget)");
  for (std::size_t i = 1; i < options.lod_ratios.size(); ++i) {
    const float ratio = options.lod_ratios[i];
    if (!(ratio > 0 && ratio < options.lod_ratios[i - 1]))
      return make_error("--lods must be decreasing ratios in (0, 1]");
  }
  if (options.lod_ratios.size() > kMaxLodLevels)
    return make_error("--lods takes at most " + std::to_string(kMaxLodLevels) + " levels");
  const int size = options.texture_size;
  if (size < 64 || size > 8192 || (size & (size - 1)) != 0)
    return make_error("--texture-size must be a power of two from 64 to 8192");
  if (options.height_metres &&
      !(*options.height_metres > 0 && std::isfinite(*options.height_metres)))
    return make_error("--height must be a positive number of metres");
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100)
    return make_error("--jpeg-quality must be between 1 and 100");
  return Ok{};
}

Result<GameReadyResult> run_game_ready(const std::filesystem::path& input,
                                       const std::filesystem::path& output_dir,
                                       const GameReadyOptions& options,
                                       const StepObserver& observer) {
  if (Status valid = validate(options); !valid) return valid.error();
  GameReadyResult result;
  StepClock clock(observer, result.steps);
  const auto started = std::chrono::steady_clock::now();
  const std::string input_name = input.filename().string();

  // Load: the source, its hash for provenance.
  FormatDetails details;
  std::string source_hash;
  Result<Asset> loaded = clock.run("load", [&]() -> Result<Asset> {
    Result<Bytes> bytes = read_file(input);
    if (!bytes) return bytes.error();
    source_hash = sha256_hex(*bytes);
    return load_asset(input, &details);
  });
  if (!loaded) return loaded.error();
  Asset& source = *loaded;
  SplatCloud* cloud = std::get_if<SplatCloud>(&source);
  Mesh* source_mesh = std::get_if<Mesh>(&source);
  if (cloud) {
    for (std::string& warning : splat_input_warnings(*cloud)) result.warnings.push_back(warning);
  }

  // Place: Y-up metres come from the readers; pivot at the bottom centre, optional height.
  geometry::Placement placement = clock.run("place", [&] {
    const Bounds bounds = cloud ? cloud->bounds() : source_mesh->bounds();
    const geometry::Placement chosen = geometry::placement_for(bounds, options.height_metres);
    if (cloud) geometry::apply(chosen, *cloud);
    if (source_mesh) geometry::apply(chosen, *source_mesh);
    return chosen;
  });

  // The source's fidelity renders are drawn in the background from here on, while the
  // levels are made, filling the cores the serial parts of those steps leave idle; the
  // fidelity step waits for them. Views are framed by the source's own bounds, which
  // settling a splat input on its surface (a move and a scale) does not change, so the
  // renders read a copy of the cloud as it is now.
  const std::vector<render::OrbitCamera> cameras = fidelity_cameras(options.fidelity_size);
  std::optional<SplatCloud> placed_cloud;
  if (cloud) placed_cloud = *cloud;
  std::vector<Image> reference;
  tbb::task_group source_renders;
  const WaitOnExit wait_for_renders{source_renders};
  source_renders.run([&] {
    const SourceAsset asset = placed_cloud ? SourceAsset{&*placed_cloud} : SourceAsset{source_mesh};
    const Bounds bounds = placed_cloud ? placed_cloud->bounds() : source_mesh->bounds();
    reference = render_source(asset, cameras, render::fit_framing(bounds));
    placed_cloud.reset();
  });

  // Surface: extracted from splats, or the input mesh as one surface.
  geometry::SurfaceStats surface_stats;
  Result<Primitive> surface = clock.run("surface", [&]() -> Result<Primitive> {
    if (source_mesh) return geometry::merge_primitives(*source_mesh);
    geometry::SurfaceOptions surface_options;
    surface_options.target_triangles = options.triangles;
    surface_options.watertight = options.watertight;
    surface_options.threads = options.threads;
    return geometry::extract_surface(*cloud, surface_options, &surface_stats);
  });
  if (!surface) return with_context(input.string(), surface.error());
  Primitive& dense = *surface;

  const geometry::CleanupReport cleanup = clock.run("cleanup", [&] {
    geometry::CleanupOptions cleanup_options;
    if (source_mesh) {
      // An authored or generated mesh's small parts (buttons, eyes) are meant to be there.
      cleanup_options.min_component_area_ratio = 0;
      cleanup_options.remove_interior_shells = false;
    }
    return geometry::clean_up(dense, cleanup_options);
  });
  if (dense.indices.empty()) return make_error(input.string() + ": no surface left after clean-up");

  // Splats reach past the surface (faint fringes, the floaters clean-up dropped), so a
  // splat input is placed again by its cleaned surface: the mesh stands on y = 0 and has
  // the height asked for.
  if (cloud) {
    clock.run("settle", [&] {
      Bounds surface_bounds;
      for (const Vec3& p : dense.positions) surface_bounds.extend(p);
      const geometry::Placement settle =
          geometry::placement_for(surface_bounds, options.height_metres);
      geometry::apply(settle, dense);
      geometry::apply(settle, *cloud);
      placement = geometry::combined(placement, settle);
    });
  }

  // The levels are rendered in the settled frame, framed alike.
  const render::Framing framing =
      render::fit_framing(cloud ? cloud->bounds() : source_mesh->bounds());

  // The bakes' sources (colour from what the source shows, normals from the dense
  // surface) are prepared in the background while LOD0 is reduced, a serial step, and
  // unwrapped. LOD0 and any level with an atlas of its own bake from them.
  Mesh dense_mesh;
  if (cloud) dense_mesh.primitives.push_back(dense);
  const BakeSources bake_sources{cloud, source_mesh, source_mesh ? source_mesh : &dense_mesh};
  const PreparedBakeSources prepared_sources(bake_sources, options.threads);
  tbb::task_group preparation;
  const WaitOnExit wait_for_preparation{preparation};
  preparation.run([&] { prepared_sources.prepare(); });

  geometry::SimplifyResult lod0 =
      clock.run("reduce", [&] { return geometry::simplify(dense, options.triangles); });

  // Kept for levels that cannot share LOD0's atlas: they are reduced from this surface
  // and unwrapped on their own.
  const Primitive lod0_surface = lod0.mesh;
  Result<geometry::UnwrapStats> unwrap = clock.run("unwrap", [&] {
    return unwrap_with_tangents(lod0.mesh, options.texture_size, kGutterTexels, options.threads);
  });
  if (!unwrap) return with_context(input.string() + ": UV unwrap", unwrap.error());

  // Bake.
  const bake::BakeOptions lod0_bake = bake_options(options.texture_size, options.threads);
  std::vector<Level> levels(1);
  // Never reallocated, as LOD0's maps are encoded in the background from their place.
  levels.reserve(options.lod_ratios.size());
  levels[0].reduced = std::move(lod0);
  levels[0].unwrap = *unwrap;
  levels[0].colour = clock.run(
      "bake_color", [&] { return prepared_sources.colour(levels[0].reduced.mesh, lod0_bake); });
  levels[0].normal = clock.run(
      "bake_normals", [&] { return prepared_sources.normals(levels[0].reduced.mesh, lod0_bake); });
  if (levels[0].colour.empty() || levels[0].normal.empty())
    return make_error(input.string() + ": baking produced no texture");

  // Each map is encoded on its own (PNG and JPEG encoders are single-threaded), LOD0's
  // in the background while the other levels are made.
  std::vector<MeshImage> lod0_maps(2);
  tbb::task_group lod0_encoding;
  const WaitOnExit wait_for_encoding{lod0_encoding};
  lod0_encoding.run([&] { lod0_maps[0] = texture_image("base_color", levels[0].colour, options); });
  lod0_encoding.run([&] { lod0_maps[1] = texture_image("normal", levels[0].normal, options); });

  // LOD chain: each level shares LOD0's atlas when keeping LOD0's seams costs little,
  // else gets its own (lod_chain.h).
  const OwnAtlasSources own_atlas{&lod0_surface, &prepared_sources, options.texture_size};
  Status chain = clock.run("lod_chain", [&]() -> Status {
    // The levels only read LOD0, so they are made side by side: simplification and
    // parts of unwrapping are serial, and the other level keeps the second core busy.
    std::vector<std::optional<Result<LodLevel>>> reduced(options.lod_ratios.size());
    tbb::parallel_for(std::size_t(1), reduced.size(), [&](std::size_t i) {
      reduced[i] = reduce_lod_level(levels[0].reduced.mesh, options.lod_ratios[i], &own_atlas,
                                    options.threads);
    });
    for (std::size_t i = 1; i < reduced.size(); ++i) {
      Result<LodLevel>& level = *reduced[i];
      if (!level) return with_context("LOD" + std::to_string(i), level.error());
      levels.push_back(Level{std::move(*level), {}});
    }
    return Ok{};
  });
  if (!chain) return with_context(input.string(), chain.error());

  // Export: one GLB with every level (MSFT_lod), one GLB a level. Each level's own GLB
  // holds only the textures it uses.
  const std::string stem = input.stem().string().empty() ? "asset" : input.stem().string();
  clock.run("encode_textures", [&] {
    for (Level& level : levels) {
      if (level.unwrap) level.maps.resize(2);
    }
    tbb::parallel_for(std::size_t(2), 2 * levels.size(), [&](std::size_t task) {
      Level& level = levels[task / 2];
      if (!level.unwrap) return;
      level.maps[task % 2] = task % 2 == 0 ? texture_image("base_color", level.colour, options)
                                           : texture_image("normal", level.normal, options);
    });
    lod0_encoding.wait();
    levels[0].maps = std::move(lod0_maps);
  });
  // The level whose atlas and maps level i samples: itself, or LOD0 when it shares.
  const auto atlas_owner = [&](std::size_t i) -> const Level& {
    return levels[i].unwrap ? levels[i] : levels[0];
  };
  std::vector<Mesh> level_meshes;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    level_meshes.push_back(textured_level(stem + "_lod" + std::to_string(i), levels[i].reduced.mesh,
                                          atlas_owner(i).maps));
  }
  Json steps_names = Json::array();
  for (const StepRecord& step : result.steps) steps_names.push_back(step.name);
  steps_names.push_back("export");
  Json provenance = {
      {"powered_by", "404 (Bittensor subnet 17)"},
      {"source", {{"file", input_name}, {"sha256", source_hash}, {"format", details.description}}},
      {"pipeline", "game-ready"},
      {"steps", steps_names},
      {"parameters", options_json(options)}};
  const std::string extras = Json{{"atlas", provenance}}.dump();

  if (std::error_code error; !std::filesystem::create_directories(output_dir, error) && error)
    return make_error(output_dir.string() + ": cannot create the folder: " + error.message());
  std::vector<std::uint64_t> level_bytes(levels.size(), 0);
  Status written = clock.run("export", [&]() -> Status {
    GltfWriteOptions single;
    single.asset_extras = extras;
    std::vector<std::pair<std::string, Bytes>> files;
    files.emplace_back(stem + ".glb", encode_lod_package(level_meshes, stem, single)[0].bytes);
    for (std::size_t i = 0; i < level_meshes.size(); ++i) {
      Bytes bytes = encode_gltf(level_meshes[i], level_meshes[i].name, single)[0].bytes;
      level_bytes[i] = bytes.size();
      files.emplace_back(level_meshes[i].name + ".glb", std::move(bytes));
    }
    if (options.vertex_color_variant) {
      const Mesh variant =
          vertex_colour_variant(stem + "_vertex_colors", levels[0].reduced.mesh, levels[0].colour);
      files.emplace_back(variant.name + ".glb",
                         encode_gltf(variant, variant.name, single)[0].bytes);
    }
    if (options.write_dense_surface) {
      Mesh dense_export;
      dense_export.name = stem + "_dense";
      dense_export.primitives.push_back(dense);
      files.emplace_back(dense_export.name + ".glb",
                         encode_gltf(dense_export, dense_export.name, single)[0].bytes);
    }
    for (const auto& [name, bytes] : files) {
      if (Status status = write_file_atomic(output_dir / name, bytes); !status) return status;
    }
    return Ok{};
  });
  if (!written) return written.error();

  // Fidelity: the source and every level from the same cameras and framing.
  std::vector<std::vector<Image>> level_renders(levels.size());
  std::vector<Fidelity> fidelity(levels.size());
  clock.run("fidelity", [&] {
    source_renders.wait();
    for (std::size_t i = 0; i < levels.size(); ++i)
      fidelity[i] =
          measure_fidelity(reference, cameras, framing, level_meshes[i], &level_renders[i]);
  });

  Status preview = clock.run("preview", [&] {
    return write_preview(output_dir / "preview.png", reference, level_renders);
  });
  if (!preview) return preview.error();

  for (std::size_t i = 0; i < levels.size(); ++i) {
    LodRecord record;
    record.triangles = levels[i].reduced.mesh.triangle_count();
    record.vertices = levels[i].reduced.mesh.positions.size();
    record.file = level_meshes[i].name + ".glb";
    record.file_bytes = level_bytes[i];
    record.mean_iou = fidelity[i].mean_iou;
    record.min_iou = fidelity[i].min_iou;
    record.mean_psnr = fidelity[i].mean_psnr;
    record.mean_ssim = fidelity[i].mean_ssim;
    record.geometric_error_metres = levels[i].reduced.error_metres;
    record.shares_lod0_atlas = i > 0 && !levels[i].unwrap;
    result.lods.push_back(record);
    const double iou_floor = kLodIouFloors[std::min<std::size_t>(i, 2)];
    if (record.mean_iou < iou_floor)
      result.warnings.push_back(
          "LOD" + std::to_string(i) + " silhouette IoU " + format_double(record.mean_iou, 3) +
          " is under " + format_double(iou_floor, 2) + ": the asset does not match its source");
    if (i == 0 && record.mean_psnr < kLod0PsnrFloor)
      result.warnings.push_back("LOD0 colour PSNR " + format_double(record.mean_psnr, 1) +
                                " dB is under " + format_double(kLod0PsnrFloor, 0) + " dB");
  }

  // The report.
  const std::chrono::duration<double> total = std::chrono::steady_clock::now() - started;
  Json lods = Json::array();
  for (std::size_t i = 0; i < result.lods.size(); ++i) {
    const LodRecord& lod = result.lods[i];
    Json views = Json::array();
    for (std::size_t v = 0; v < fidelity[i].views.size(); ++v) {
      views.push_back({{"azimuth", cameras[v].azimuth_degrees},
                       {"elevation", cameras[v].elevation_degrees},
                       {"iou", fidelity[i].views[v].iou},
                       {"psnr", fidelity[i].views[v].psnr},
                       {"ssim", fidelity[i].views[v].ssim}});
    }
    const Level& owner = atlas_owner(i);
    Json level_json = {
        {"level", i},
        {"file", lod.file},
        {"file_bytes", lod.file_bytes},
        {"triangles", lod.triangles},
        {"vertices", lod.vertices},
        {"atlas", lod.shares_lod0_atlas ? "shared with LOD0" : "own"},
        {"textures",
         {{{"name", "base_color"}, {"width", owner.colour.width}, {"height", owner.colour.height}},
          {{"name", "normal"}, {"width", owner.normal.width}, {"height", owner.normal.height}}}}};
    if (i > 0 && levels[i].unwrap) level_json["uv_atlas"] = atlas_json(*levels[i].unwrap);
    level_json.update(Json{{"geometric_error_metres", lod.geometric_error_metres},
                           {"fidelity",
                            {{"mean_iou", lod.mean_iou},
                             {"min_iou", lod.min_iou},
                             {"mean_psnr", lod.mean_psnr},
                             {"mean_ssim", lod.mean_ssim},
                             {"views", views}}}});
    lods.push_back(std::move(level_json));
  }
  Json steps = Json::array();
  for (const StepRecord& step : result.steps)
    steps.push_back(
        {{"name", step.name}, {"seconds", step.seconds}, {"peak_rss_bytes", step.peak_rss_bytes}});
  Json source_json = {
      {"file", input_name}, {"sha256", source_hash}, {"format", details.description}};
  if (cloud) {
    source_json["kind"] = "splats";
    source_json["splats"] = cloud->size();
    source_json["sh_degree"] = cloud->sh_degree;
  } else {
    source_json["kind"] = "mesh";
    source_json["triangles"] = source_mesh->triangle_count();
  }
  Json report = {{"generator", "Atlas"},
                 {"powered_by", "404 (Bittensor subnet 17)"},
                 {"pipeline", "game-ready"},
                 {"source", source_json},
                 {"parameters", options_json(options)},
                 {"placement",
                  {{"pivot", {placement.pivot.x, placement.pivot.y, placement.pivot.z}},
                   {"scale", placement.scale},
                   {"units", "metres"},
                   {"up", "+Y"}}},
                 {"surface",
                  {{"triangles", dense.triangle_count()},
                   {"vertices", dense.positions.size()},
                   {"grid_resolution", surface_stats.resolution},
                   {"iso_level", surface_stats.iso_level}}},
                 {"cleanup",
                  {{"welded_vertices", cleanup.welded_vertices},
                   {"degenerate_faces", cleanup.degenerate_faces},
                   {"duplicate_faces", cleanup.duplicate_faces},
                   {"floater_components", cleanup.floater_components},
                   {"floater_faces", cleanup.floater_faces},
                   {"interior_components", cleanup.interior_components},
                   {"holes_filled", cleanup.holes_filled},
                   {"components_kept", cleanup.components_kept}}},
                 {"uv_atlas", atlas_json(*unwrap)},
                 {"fidelity_protocol",
                  {{"views", cameras.size()},
                   {"azimuths", "0..315 step 45"},
                   {"elevations", {15, -15}},
                   {"size", options.fidelity_size},
                   {"background", "white"},
                   {"mesh_shading", "unlit"},
                   {"mesh_samples_per_pixel", kMeshSamplesPerSide * kMeshSamplesPerSide}}},
                 {"lods", lods},
                 {"steps", steps},
                 {"total_seconds", total.count()},
                 {"warnings", result.warnings}};
  result.report_path = output_dir / "report.json";
  const std::string text = report.dump(2) + "\n";
  if (Status status = write_file_atomic(
          result.report_path,
          ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
      !status)
    return status.error();
  return result;
}

}  // namespace atlas::pipeline
