// `atlas run game-ready INPUT -o DIR`: the game-ready package (see
// pipeline/game_ready.h) with its options on the command line.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "commands.h"
#include "pipeline/game_ready.h"

namespace atlas::cli {
namespace {

struct RunOptions {
  std::string input;
  std::string output_dir;
  std::vector<float> lods{1, 0.25f, 0.06f};
  float height = 0;
  std::string texture_format = "png";
  pipeline::GameReadyOptions package;
};

int run_game_ready(RunOptions& options) {
  options.package.lod_ratios = options.lods;
  if (options.height > 0) options.package.height_metres = options.height;
  options.package.texture_format = options.texture_format == "jpeg" ? pipeline::TextureFormat::Jpeg
                                                                    : pipeline::TextureFormat::Png;
  auto observer = [](const std::string& step) { std::cerr << "  " << step << "\n"; };
  std::cerr << "atlas: game-ready " << options.input << " -> " << options.output_dir << "\n";
  auto result =
      pipeline::run_game_ready(options.input, options.output_dir, options.package, observer);
  if (!result) return fail(result.error().message);
  double total = 0;
  for (const pipeline::StepRecord& step : result->steps) total += step.seconds;
  for (std::size_t i = 0; i < result->lods.size(); ++i) {
    const pipeline::LodRecord& lod = result->lods[i];
    std::printf("LOD%zu  %7zu triangles  %8.1f KB  IoU %.3f  PSNR %.1f dB  SSIM %.3f  %s\n", i,
                lod.triangles, lod.file_bytes / 1024.0, lod.mean_iou, lod.mean_psnr, lod.mean_ssim,
                lod.file.c_str());
  }
  std::printf("%.2f s; report: %s\n", total, result->report_path.string().c_str());
  for (const std::string& warning : result->warnings)
    std::cerr << "atlas: warning: " << warning << "\n";
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, Action& run) {
  auto* command = app.add_subcommand("run", "Run a pipeline on a splat or mesh");
  command->require_subcommand(1);
  auto* game_ready = command->add_subcommand(
      "game-ready",
      "Splat or mesh -> textured game asset: surface, clean-up, placement, LOD0 budget, UV "
      "atlas, baked colour and normal maps, LOD chain, GLBs, report.json and preview.png");
  auto options = std::make_shared<RunOptions>();
  pipeline::GameReadyOptions& package = options->package;
  game_ready->add_option("INPUT", options->input, "Splat or mesh file")->required();
  game_ready->add_option("-o,--output", options->output_dir, "Output folder")->required();
  game_ready->add_option("--triangles", package.triangles, "LOD0 triangle budget")
      ->capture_default_str();
  game_ready
      ->add_option("--lods", options->lods,
                   "Triangle ratios of each level to LOD0, comma-separated, starting at 1")
      ->delimiter(',')
      ->default_str("1,0.25,0.06");
  game_ready->add_option("--texture-size", package.texture_size, "Colour and normal map side")
      ->capture_default_str();
  game_ready->add_option("--height", options->height,
                         "Scale to this real-world height in metres (default: as is)");
  game_ready->add_flag("--watertight", package.watertight, "Closed surface from splats");
  game_ready->add_option("--texture-format", options->texture_format, "png or jpeg")
      ->check(CLI::IsMember({"png", "jpeg"}))
      ->capture_default_str();
  game_ready->add_option("--jpeg-quality", package.jpeg_quality, "1-100")->capture_default_str();
  game_ready->add_flag("--vertex-colors", package.vertex_color_variant,
                       "Also write LOD0 with vertex colours and no textures");
  game_ready->add_flag("--dense", package.write_dense_surface,
                       "Also write the cleaned dense surface with vertex colours");
  game_ready->callback([&run, options] { run = [options] { return run_game_ready(*options); }; });
}

}  // namespace atlas::cli
