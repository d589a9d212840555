#include <tbb/task_arena.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "core/parallel_for.h"
#include "formats/image_io.h"
#include "formats/mesh_formats.h"
#include "geometry/merge.h"
#include "geometry/mesh_cleanup.h"
#include "pipeline/fidelity.h"
#include "pipeline/ops/ops.h"
#include "pipeline/preview.h"
#include "render/camera.h"

namespace atlas::pipeline::ops {
namespace {

using Json = nlohmann::ordered_json;

Error node_error(const OpContext& context, const std::string& message) {
  return make_error("node '" + context.node + "': " + message);
}

// The renderers parallelise with TBB; an arena holds them to the node's share of threads.
template <typename Body>
void within_threads(int threads, Body&& body) {
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute(std::forward<Body>(body));
}

Result<std::vector<const Mesh*>> mesh_levels(const OpContext& context, const std::string& port) {
  const Value* value = context.input(port);
  if (!value) return node_error(context, port + " is not connected");
  std::vector<const Mesh*> levels = value->levels();
  if (!levels.empty()) return levels;
  if (value->type() == ValueType::Lods)
    return node_error(context, port + " is a LOD chain without levels");
  return node_error(context,
                    port + " must be a mesh or a LOD chain, got a " + to_string(value->type()));
}

// A reference asset: a splat as it is, a mesh or a chain's finest level rendered unlit.
Result<SourceAsset> source_asset(const OpContext& context, const Value& value,
                                 const std::string& port) {
  if (const SplatCloud* cloud = value.splat()) return SourceAsset{cloud};
  if (const Mesh* mesh = value.mesh()) return SourceAsset{mesh};
  return node_error(
      context, port + " must be a splat, a mesh or a LOD chain, got a " + to_string(value.type()));
}

Bounds bounds_of(const SourceAsset& source) {
  return std::visit([](const auto* asset) { return asset->bounds(); }, source);
}

struct LevelFacts {
  std::size_t triangles = 0;
  std::size_t draw_calls = 0;
  int texture_max_side = 0;
  geometry::SurfaceTopology topology;
};

int image_side(const MeshImage& image) {
  if (!image.pixels.empty()) return std::max(image.pixels.width, image.pixels.height);
  if (image.encoded.empty()) return 0;
  const Result<Image> decoded = decode_image(image.encoded);
  return decoded ? std::max(decoded->width, decoded->height) : 0;
}

LevelFacts level_facts(const Mesh& level) {
  LevelFacts facts;
  facts.triangles = level.triangle_count();
  facts.draw_calls = level.primitives.size();
  for (const MeshImage& image : level.images)
    facts.texture_max_side = std::max(facts.texture_max_side, image_side(image));
  // One surface: a mesh split into primitives by material is still one object, and the
  // split's shared edges are not open.
  facts.topology = geometry::measure_topology(geometry::merge_primitives(level));
  return facts;
}

struct FileFacts {
  std::string name;
  std::size_t bytes = 0;
  // Set for .glb/.gltf files when the gltf check runs: empty when the file decodes.
  std::optional<std::string> gltf_error = std::nullopt;
};

bool is_gltf_name(const std::string& name) {
  const std::string extension = lower_extension(name);
  return extension == "glb" || extension == "gltf";
}

// A .gltf's buffers and images are its siblings in the same file set.
ResourceLoader loader_within(const FileSet& files, const std::string& main_name) {
  const std::filesystem::path folder = std::filesystem::path(main_name).parent_path();
  return [&files, folder](std::string_view uri) -> Result<Bytes> {
    const std::string wanted = (folder / uri).lexically_normal().generic_string();
    for (const OutputFile& file : files)
      if (std::filesystem::path(file.name).lexically_normal().generic_string() == wanted)
        return file.bytes;
    return make_error("'" + std::string(uri) + "' is not among the files");
  };
}

std::vector<FileFacts> file_facts(const FileSet& files, bool decode_gltf_files) {
  std::vector<FileFacts> facts;
  for (const OutputFile& file : files) {
    FileFacts fact{.name = file.name, .bytes = file.bytes.size()};
    if (decode_gltf_files && is_gltf_name(file.name)) {
      const Result<Mesh> mesh = decode_gltf(file.bytes, loader_within(files, file.name));
      fact.gltf_error = mesh ? std::string() : mesh.error().message;
    }
    facts.push_back(std::move(fact));
  }
  return facts;
}

struct Check {
  std::string name;  // the parameter that asks for it
  double value = 0;
  double limit = 0;
  std::string failure;  // why it failed, for the warning; empty when it passed
};

Json check_json(const Check& check) {
  return {{"name", check.name},
          {"value", check.value},
          {"limit", check.limit},
          {"passed", check.failure.empty()}};
}

std::string count_text(std::size_t count, const std::string& what) {
  return std::to_string(count) + " " + what;
}

Result<Values> run_validate(const OpContext& context) {
  Result<std::vector<const Mesh*>> levels = mesh_levels(context, "model");
  if (!levels) return levels.error();
  const FileSet* files = context.input("files") ? context.input("files")->files() : nullptr;
  if (context.integer("max_file_bytes") > 0 && !files)
    return node_error(context, "max_file_bytes needs the files input connected");

  std::vector<LevelFacts> facts(levels->size());
  parallel_for_index(static_cast<int>(levels->size()), context.threads,
                     [&](int i) { facts[i] = level_facts(*(*levels)[i]); });
  if (context.cancelled()) return make_error("cancelled");
  context.progress(0.8);
  const std::vector<FileFacts> file_list =
      files ? file_facts(*files, context.flag("gltf")) : std::vector<FileFacts>{};

  // Every level must meet each limit, so a level's worst value is the chain's.
  LevelFacts worst;
  for (const LevelFacts& level : facts) {
    worst.draw_calls = std::max(worst.draw_calls, level.draw_calls);
    worst.texture_max_side = std::max(worst.texture_max_side, level.texture_max_side);
    worst.topology.boundary_edges =
        std::max(worst.topology.boundary_edges, level.topology.boundary_edges);
    worst.topology.non_manifold_edges =
        std::max(worst.topology.non_manifold_edges, level.topology.non_manifold_edges);
    worst.topology.components = std::max(worst.topology.components, level.topology.components);
    worst.topology.floater_components =
        std::max(worst.topology.floater_components, level.topology.floater_components);
  }
  const FileFacts* largest_file = nullptr;
  std::size_t undecodable = 0;
  const FileFacts* first_undecodable = nullptr;
  for (const FileFacts& file : file_list) {
    if (!largest_file || file.bytes > largest_file->bytes) largest_file = &file;
    if (file.gltf_error && !file.gltf_error->empty()) {
      ++undecodable;
      if (!first_undecodable) first_undecodable = &file;
    }
  }
  const std::size_t file_bytes = largest_file ? largest_file->bytes : 0;
  const std::size_t lod0_triangles = facts.front().triangles;
  const geometry::SurfaceTopology& topology = worst.topology;

  std::vector<Check> checks;
  auto limit_check = [&](const std::string& param, std::size_t value, const std::string& failure) {
    const std::int64_t limit = context.integer(param);
    if (limit <= 0) return;
    checks.push_back({param, double(value), double(limit),
                      value > std::size_t(limit)
                          ? failure + ", over " + param + " " + std::to_string(limit)
                          : ""});
  };
  limit_check("max_triangles", lod0_triangles,
              "LOD0 has " + count_text(lod0_triangles, "triangles"));
  limit_check("max_texture_size", std::size_t(worst.texture_max_side),
              "a texture is " + std::to_string(worst.texture_max_side) + " px on its longest side");
  limit_check("max_draw_calls", worst.draw_calls,
              "a level needs " + count_text(worst.draw_calls, "draw calls"));
  limit_check("max_file_bytes", file_bytes,
              largest_file ? largest_file->name + " is " + count_text(file_bytes, "bytes") : "");
  if (context.flag("manifold"))
    checks.push_back({"manifold", double(topology.non_manifold_edges), 0,
                      topology.non_manifold_edges
                          ? count_text(topology.non_manifold_edges, "non-manifold edges")
                          : ""});
  if (context.flag("watertight")) {
    const std::size_t open = topology.boundary_edges + topology.non_manifold_edges;
    checks.push_back({"watertight", double(open), 0,
                      open ? count_text(topology.boundary_edges, "boundary edges") + " and " +
                                 count_text(topology.non_manifold_edges, "non-manifold edges")
                           : ""});
  }
  if (const std::int64_t limit = context.integer("max_floaters"); limit >= 0) {
    const std::size_t floaters = topology.floater_components;
    checks.push_back({"max_floaters", double(floaters), double(limit),
                      floaters > std::size_t(limit)
                          ? count_text(floaters, "floating components") + ", over max_floaters " +
                                std::to_string(limit)
                          : ""});
  }
  if (context.flag("gltf") && files)
    checks.push_back({"gltf", double(undecodable), 0,
                      first_undecodable
                          ? "glTF files that do not decode: " + std::to_string(undecodable) + " (" +
                                first_undecodable->name + ": " + *first_undecodable->gltf_error +
                                ")"
                          : ""});

  Report report;
  bool passed = true;
  Json checks_json = Json::array();
  for (const Check& check : checks) {
    checks_json.push_back(check_json(check));
    if (check.failure.empty()) continue;
    passed = false;
    report.warnings.push_back("check " + check.name + " failed: " + check.failure);
  }
  report.metrics = {{"triangles", double(lod0_triangles)},
                    {"levels", double(levels->size())},
                    {"texture_max_side", double(worst.texture_max_side)},
                    {"draw_calls", double(worst.draw_calls)},
                    {"file_bytes", double(file_bytes)},
                    {"non_manifold_edges", double(topology.non_manifold_edges)},
                    {"boundary_edges", double(topology.boundary_edges)},
                    {"components", double(topology.components)},
                    {"floaters", double(topology.floater_components)},
                    {"passed", passed ? 1.0 : 0.0}};
  Json levels_json = Json::array();
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const LevelFacts& level = facts[i];
    levels_json.push_back({{"level", i},
                           {"triangles", level.triangles},
                           {"draw_calls", level.draw_calls},
                           {"texture_max_side", level.texture_max_side},
                           {"non_manifold_edges", level.topology.non_manifold_edges},
                           {"boundary_edges", level.topology.boundary_edges},
                           {"components", level.topology.components},
                           {"floaters", level.topology.floater_components}});
  }
  Json files_json = Json::array();
  for (const FileFacts& file : file_list) {
    Json entry = {{"name", file.name}, {"bytes", file.bytes}};
    if (file.gltf_error)
      entry["gltf"] = file.gltf_error->empty() ? Json("decodes") : Json(*file.gltf_error);
    files_json.push_back(std::move(entry));
  }
  report.details_json =
      Json{{"checks", checks_json}, {"levels", levels_json}, {"files", files_json}}.dump();
  context.progress(1);
  return Values{{"report", Value(std::move(report))}};
}

Json view_json(const render::OrbitCamera& camera, const ViewFidelity& view) {
  return {{"azimuth", camera.azimuth_degrees},
          {"elevation", camera.elevation_degrees},
          {"iou", view.iou},
          {"psnr", view.psnr},
          {"ssim", view.ssim}};
}

Result<Values> run_score(const OpContext& context) {
  Result<std::vector<const Mesh*>> levels = mesh_levels(context, "candidate");
  if (!levels) return levels.error();
  const Value* reference_value = context.input("reference");
  if (!reference_value) return node_error(context, "reference is not connected");
  Result<SourceAsset> reference = source_asset(context, *reference_value, "reference");
  if (!reference) return reference.error();

  const int size = static_cast<int>(context.integer("size"));
  const std::vector<render::OrbitCamera> cameras = fidelity_cameras(size);
  const render::Framing framing = render::fit_framing(bounds_of(*reference));
  const double steps = double(levels->size() + 1);
  std::vector<Image> reference_views;
  within_threads(context.threads,
                 [&] { reference_views = render_source(*reference, cameras, framing); });
  context.progress(1 / steps);

  std::vector<Fidelity> fidelity(levels->size());
  for (std::size_t i = 0; i < levels->size(); ++i) {
    if (context.cancelled()) return make_error("cancelled");
    within_threads(context.threads, [&] {
      fidelity[i] = measure_fidelity(reference_views, cameras, framing, *(*levels)[i]);
    });
    context.progress(double(i + 2) / steps);
  }

  Report report;
  Json levels_json = Json::array();
  for (std::size_t i = 0; i < fidelity.size(); ++i) {
    const Fidelity& level = fidelity[i];
    const std::pair<const char*, double> means[] = {{"mean_iou", level.mean_iou},
                                                    {"min_iou", level.min_iou},
                                                    {"mean_psnr", level.mean_psnr},
                                                    {"mean_ssim", level.mean_ssim}};
    Json level_json = {{"level", i}};
    for (const auto& [name, value] : means) {
      report.metrics["lod" + std::to_string(i) + "." + name] = value;
      if (i == 0) report.metrics[name] = value;
      level_json[name] = value;
    }
    Json views = Json::array();
    for (std::size_t v = 0; v < level.views.size(); ++v)
      views.push_back(view_json(cameras[v], level.views[v]));
    level_json["views"] = std::move(views);
    levels_json.push_back(std::move(level_json));
  }
  const Json protocol = {{"views", cameras.size()},
                         {"azimuths", "0..315 step 45"},
                         {"elevations", {15, -15}},
                         {"size", size},
                         {"background", "white"},
                         {"mesh_shading", "unlit"},
                         {"mesh_samples_per_pixel", kMeshSamplesPerSide * kMeshSamplesPerSide}};
  report.details_json = Json{{"fidelity_protocol", protocol}, {"levels", levels_json}}.dump();
  return Values{{"report", Value(std::move(report))}};
}

// Renders only the views a preview shows, each at its index among `cameras`.
std::vector<Image> preview_views(const SourceAsset& source,
                                 const std::vector<render::OrbitCamera>& cameras,
                                 const render::Framing& framing) {
  std::vector<render::OrbitCamera> shown;
  for (std::size_t index : kPreviewViews) shown.push_back(cameras[index]);
  std::vector<Image> rendered = render_source(source, shown, framing);
  std::vector<Image> views(cameras.size());
  for (std::size_t i = 0; i < rendered.size(); ++i)
    views[kPreviewViews[i]] = std::move(rendered[i]);
  return views;
}

Result<Values> run_preview(const OpContext& context) {
  Result<std::vector<const Mesh*>> levels = mesh_levels(context, "candidate");
  if (!levels) return levels.error();
  std::optional<SourceAsset> reference;
  if (const Value* value = context.input("reference")) {
    Result<SourceAsset> source = source_asset(context, *value, "reference");
    if (!source) return source.error();
    reference = *source;
  }

  // Views are rendered at twice the cell's side: the sheet halves them, which smooths
  // edges as game-ready's preview does.
  const std::vector<render::OrbitCamera> cameras =
      fidelity_cameras(2 * static_cast<int>(context.integer("size")));
  const render::Framing framing =
      render::fit_framing(reference ? bounds_of(*reference) : levels->front()->bounds());
  const double steps = double(levels->size() + 1);
  std::vector<Image> reference_views;
  std::vector<std::vector<Image>> level_views(levels->size());
  within_threads(context.threads, [&] {
    if (reference) reference_views = preview_views(*reference, cameras, framing);
  });
  context.progress(1 / steps);
  for (std::size_t i = 0; i < levels->size(); ++i) {
    if (context.cancelled()) return make_error("cancelled");
    within_threads(context.threads, [&] {
      level_views[i] = preview_views(SourceAsset{(*levels)[i]}, cameras, framing);
    });
    context.progress(double(i + 2) / steps);
  }
  Result<Bytes> png = encode_preview(reference_views, level_views);
  if (!png) return node_error(context, png.error().message);
  return Values{{"files", Value(FileSet{{"preview.png", std::move(png).value()}})}};
}

ParamSpec limit_param(const std::string& name, const std::string& doc) {
  return {.name = name,
          .type = ParamType::Integer,
          .default_value = std::int64_t{0},
          .min = 0,
          .choices = {},
          .doc = doc + "; 0: no limit"};
}

ParamSpec check_param(const std::string& name, bool default_value, const std::string& doc) {
  return {.name = name,
          .type = ParamType::Bool,
          .default_value = default_value,
          .choices = {},
          .doc = doc};
}

}  // namespace

void add_quality_ops(std::vector<OpSpec>& catalogue) {
  catalogue.push_back(
      {.name = "validate",
       .version = 1,
       .purpose = "Checks a model (and the files made from it) against budgets and topology "
                  "rules; the report lists every check with its value and limit and warns "
                  "about each failed one.",
       .inputs = {{.name = "model",
                   .type = ValueType::Asset,
                   .doc = "the mesh or LOD chain to check; every level must meet each limit"},
                  {.name = "files",
                   .type = ValueType::Files,
                   .optional = true,
                   .doc = "the exported files, for the file size and glTF checks"}},
       .outputs = {{.name = "report",
                    .type = ValueType::Report,
                    .doc = "metrics triangles (LOD0), levels, texture_max_side, draw_calls, "
                           "file_bytes (largest file), non_manifold_edges, boundary_edges, "
                           "components, floaters (worst level), passed (1/0)"}},
       .params = {limit_param("max_triangles", "most triangles LOD0 may have"),
                  limit_param("max_texture_size", "longest side, in pixels, any texture may have"),
                  limit_param("max_draw_calls", "most primitives (draw calls) a level may have"),
                  limit_param("max_file_bytes", "largest size any file may have; needs files"),
                  check_param("manifold", false, "no edge may be shared by three or more faces"),
                  check_param("watertight", false,
                              "every edge must be shared by exactly two faces (closed surface)"),
                  {.name = "max_floaters",
                   .type = ParamType::Integer,
                   .default_value = std::int64_t{-1},
                   .min = -1,
                   .choices = {},
                   .doc = "most floating components (under 2% of the largest one's area) a "
                          "level may have; -1: no check"},
                  check_param("gltf", true,
                              "every .glb/.gltf among files must decode with Atlas's reader")},
       .run = run_validate});
  catalogue.push_back(
      {.name = "score",
       .version = 1,
       .purpose = "Measures how faithful each level is to the reference with the fidelity "
                  "protocol: 16 views (8 azimuths at +-15 degrees elevation), white "
                  "background, meshes unlit; silhouette IoU, PSNR and SSIM.",
       .inputs = {{.name = "candidate",
                   .type = ValueType::Lods,
                   .doc = "the mesh or LOD chain to score"},
                  {.name = "reference",
                   .type = ValueType::Asset,
                   .doc = "what it should look like: a splat, or a mesh (a chain: its LOD0)"}},
       .outputs = {{.name = "report",
                    .type = ValueType::Report,
                    .doc = "metrics mean_iou, min_iou, mean_psnr, mean_ssim (LOD0) and "
                           "lod<i>.<metric> for every level; details hold every view"}},
       .params = {{.name = "size",
                   .type = ParamType::Integer,
                   .default_value = std::int64_t{512},
                   .min = 16,
                   .max = 4096,
                   .choices = {},
                   .doc = "side of each view in pixels (the protocol's is 512)"}},
       .run = run_score});
  catalogue.push_back(
      {.name = "preview",
       .version = 1,
       .purpose = "Draws preview.png: a contact sheet with a row of four views (the quarter "
                  "turns) for the reference and for each level.",
       .inputs = {{.name = "candidate",
                   .type = ValueType::Lods,
                   .doc = "the mesh or LOD chain to show, a row a level"},
                  {.name = "reference",
                   .type = ValueType::Asset,
                   .optional = true,
                   .doc = "the source, shown in the first row and framing every row"}},
       .outputs = {{.name = "files", .type = ValueType::Files, .doc = "preview.png"}},
       .params = {{.name = "size",
                   .type = ParamType::Integer,
                   .default_value = std::int64_t{256},
                   .min = 16,
                   .max = 2048,
                   .choices = {},
                   .doc = "side of one view in the sheet, in pixels"}},
       .run = run_preview});
}

}  // namespace atlas::pipeline::ops
