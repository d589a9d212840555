// `atlas compare REFERENCE CANDIDATE`: how faithful CANDIDATE (a mesh) is to REFERENCE
// (splats or a mesh), by the fidelity protocol of pipeline/fidelity.h.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <variant>

#include "commands.h"
#include "formats/asset_io.h"
#include "pipeline/fidelity.h"

namespace atlas::cli {
namespace {

struct CompareOptions {
  std::string reference;
  std::string candidate;
};

int compare(const CompareOptions& options) {
  auto reference = load_asset(options.reference);
  if (!reference) return fail(reference.error().message);
  auto candidate = load_mesh(options.candidate);
  if (!candidate) return fail(candidate.error().message);
  const SplatCloud* cloud = std::get_if<SplatCloud>(&*reference);
  const Mesh* mesh = std::get_if<Mesh>(&*reference);
  const auto cameras = pipeline::fidelity_cameras();
  const render::Framing framing = render::fit_framing(cloud ? cloud->bounds() : mesh->bounds());
  const auto views = pipeline::render_source(
      cloud ? pipeline::SourceAsset{cloud} : pipeline::SourceAsset{mesh}, cameras, framing);
  const pipeline::Fidelity fidelity =
      pipeline::measure_fidelity(views, cameras, framing, *candidate);
  std::printf("iou %.4f  min_iou %.4f  psnr %.2f  ssim %.4f\n", fidelity.mean_iou, fidelity.min_iou,
              fidelity.mean_psnr, fidelity.mean_ssim);
  return 0;
}

}  // namespace

void add_compare_command(CLI::App& app, Action& run) {
  auto* command = app.add_subcommand(
      "compare", "Fidelity of a mesh to its source: 16 views, silhouette IoU, PSNR, SSIM");
  auto options = std::make_shared<CompareOptions>();
  command->add_option("REFERENCE", options->reference, "Source splats or mesh")->required();
  command->add_option("CANDIDATE", options->candidate, "Mesh to compare")->required();
  command->callback([&run, options] { run = [options] { return compare(*options); }; });
}

}  // namespace atlas::cli
