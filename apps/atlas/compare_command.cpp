// `atlas compare REFERENCE CANDIDATE [--json] [--geometry] [--place REPORT]`: how faithful
// CANDIDATE (a mesh) is to REFERENCE (splats or a mesh), by the fidelity protocol of
// pipeline/fidelity.h and, between two meshes, by the distance between their surfaces.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <variant>

#include "commands.h"
#include "core/file_io.h"
#include "formats/asset_io.h"
#include "geometry/auto_transform.h"
#include "geometry/merge.h"
#include "geometry/surface_distance.h"
#include "pipeline/fidelity.h"

namespace atlas::cli {
namespace {

using nlohmann::ordered_json;

struct CompareOptions {
  std::string reference;
  std::string candidate;
  bool json = false;
  bool geometry = false;
  std::string placement_report;  // a game-ready report.json whose placement REFERENCE takes
};

struct Geometry {
  geometry::SurfaceDistance distance;
  double diagonal = 0;  // of the reference's bounding box, in metres
};

double percent_of(double value, double whole) { return whole > 0 ? 100 * value / whole : 0; }

ordered_json to_json(const geometry::DirectedDistance& d) {
  return {{"mean", d.mean}, {"rms", d.rms}, {"max", d.max}, {"samples", d.samples}};
}

ordered_json to_json(const CompareOptions& options, const pipeline::Fidelity& fidelity,
                     const std::optional<Geometry>& geometry) {
  ordered_json views = ordered_json::array();
  for (const pipeline::ViewFidelity& view : fidelity.views) {
    views.push_back({{"iou", view.iou}, {"psnr", view.psnr}, {"ssim", view.ssim}});
  }
  ordered_json result = {{"reference", options.reference},
                         {"candidate", options.candidate},
                         {"fidelity",
                          {{"mean_iou", fidelity.mean_iou},
                           {"min_iou", fidelity.min_iou},
                           {"mean_psnr", fidelity.mean_psnr},
                           {"mean_ssim", fidelity.mean_ssim},
                           {"views", views}}}};
  if (geometry) {
    const geometry::SurfaceDistance& d = geometry->distance;
    result["geometry"] = {{"units", "metres"},
                          {"reference_diagonal", geometry->diagonal},
                          {"mean", d.mean},
                          {"max", d.max},
                          {"mean_percent_of_diagonal", percent_of(d.mean, geometry->diagonal)},
                          {"max_percent_of_diagonal", percent_of(d.max, geometry->diagonal)},
                          {"reference_to_candidate", to_json(d.a_to_b)},
                          {"candidate_to_reference", to_json(d.b_to_a)}};
  }
  return result;
}

void print_text(const pipeline::Fidelity& fidelity, const std::optional<Geometry>& geometry) {
  std::printf("iou %.4f  min_iou %.4f  psnr %.2f  ssim %.4f\n", fidelity.mean_iou, fidelity.min_iou,
              fidelity.mean_psnr, fidelity.mean_ssim);
  if (!geometry) return;
  const geometry::SurfaceDistance& d = geometry->distance;
  std::printf("surface distance mean %.6f m (%.4f %% of the reference's diagonal, %.4f m)\n",
              d.mean, percent_of(d.mean, geometry->diagonal), geometry->diagonal);
  std::printf("surface distance max  %.6f m (%.4f %%)\n", d.max,
              percent_of(d.max, geometry->diagonal));
  std::printf("  reference -> candidate: mean %.6f  rms %.6f  max %.6f\n", d.a_to_b.mean,
              d.a_to_b.rms, d.a_to_b.max);
  std::printf("  candidate -> reference: mean %.6f  rms %.6f  max %.6f\n", d.b_to_a.mean,
              d.b_to_a.rms, d.b_to_a.max);
}

// The placement (pivot, scale) a game-ready report.json recorded.
Result<geometry::Placement> read_placement(const std::string& path) {
  Result<Bytes> bytes = read_file(path);
  if (!bytes) return bytes.error();
  const nlohmann::json report = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  const auto is_number = [](const nlohmann::json& value) { return value.is_number(); };
  if (report.is_discarded() || !report.contains("placement") ||
      !report["placement"].contains("pivot") || !report["placement"].contains("scale") ||
      !report["placement"]["pivot"].is_array() || report["placement"]["pivot"].size() != 3 ||
      !std::all_of(report["placement"]["pivot"].begin(), report["placement"]["pivot"].end(),
                   is_number) ||
      !report["placement"]["scale"].is_number())
    return make_error(path + ": not a game-ready report.json with a placement (pivot, scale)");
  const nlohmann::json& pivot = report["placement"]["pivot"];
  geometry::Placement placement;
  placement.pivot = {pivot[0].get<float>(), pivot[1].get<float>(), pivot[2].get<float>()};
  placement.scale = report["placement"]["scale"].get<float>();
  const Vec3 p = placement.pivot;
  if (!(placement.scale > 0) || !std::isfinite(placement.scale) || !std::isfinite(p.x) ||
      !std::isfinite(p.y) || !std::isfinite(p.z))
    return make_error(path + ": the placement's pivot or scale is not a finite (positive) number");
  return placement;
}

int compare(const CompareOptions& options) {
  auto reference = load_asset(options.reference);
  if (!reference) return fail(reference.error().message);
  SplatCloud* cloud = std::get_if<SplatCloud>(&*reference);
  Mesh* mesh = std::get_if<Mesh>(&*reference);
  if (options.geometry && !mesh) {
    return fail(options.reference + ": --geometry needs a mesh reference; this file holds splats");
  }
  if (!options.placement_report.empty()) {
    Result<geometry::Placement> placement = read_placement(options.placement_report);
    if (!placement) return fail(placement.error().message);
    if (cloud) geometry::apply(*placement, *cloud);
    if (mesh) geometry::apply(*placement, *mesh);
  }
  auto candidate = load_mesh(options.candidate);
  if (!candidate) return fail(candidate.error().message);

  std::optional<Geometry> geometry;
  if (options.geometry) {
    auto distance = geometry::surface_distance(geometry::merge_primitives(*mesh),
                                               geometry::merge_primitives(*candidate));
    if (!distance) {
      // The only failure with default options: a mesh without a triangle with area.
      const bool reference_failed =
          distance.error().message.find("first mesh") != std::string::npos;
      return fail((reference_failed ? options.reference : options.candidate) +
                  ": no triangle with area to measure a surface distance on");
    }
    geometry = Geometry{*distance, length(mesh->bounds().size())};
  }

  const auto cameras = pipeline::fidelity_cameras();
  const render::Framing framing = render::fit_framing(cloud ? cloud->bounds() : mesh->bounds());
  const auto views = pipeline::render_source(
      cloud ? pipeline::SourceAsset{cloud} : pipeline::SourceAsset{mesh}, cameras, framing);
  const pipeline::Fidelity fidelity =
      pipeline::measure_fidelity(views, cameras, framing, *candidate);
  if (options.json) {
    std::cout << to_json(options, fidelity, geometry).dump(2) << "\n";
  } else {
    print_text(fidelity, geometry);
  }
  return 0;
}

}  // namespace

void add_compare_command(CLI::App& app, Action& run) {
  auto* command = app.add_subcommand(
      "compare",
      "Fidelity of a mesh to its source: 16 views, silhouette IoU, PSNR, SSIM; with "
      "--geometry, the distance between two meshes' surfaces");
  auto options = std::make_shared<CompareOptions>();
  command->add_option("REFERENCE", options->reference, "Source splats or mesh")->required();
  command->add_option("CANDIDATE", options->candidate, "Mesh to compare")->required();
  command->add_flag("--json", options->json, "Print JSON instead of text");
  command->add_flag("--geometry", options->geometry,
                    "Also measure the symmetric surface distance (mean and Hausdorff, 100,000 "
                    "samples a side) between two meshes, in metres and as a share of the "
                    "reference's bounding-box diagonal");
  command->add_option("--place", options->placement_report,
                      "Move REFERENCE by the placement (pivot, scale) a game-ready report.json "
                      "recorded before comparing: for a package's levels, and meshes made "
                      "from its dense surface, against their raw source");
  command->callback([&run, options] { run = [options] { return compare(*options); }; });
}

}  // namespace atlas::cli
