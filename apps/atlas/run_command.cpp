// `atlas run PIPELINE INPUT... -o DIR`: a pipeline (preset name or file) on files,
// folders or globs, one input or a batch; and `atlas run game-ready INPUT -o DIR`, the
// fixed game-ready package (see pipeline/game_ready.h) with its options as flags.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "pipeline/game_ready.h"
#include "pipeline_runner.h"

namespace atlas::cli {
namespace {

// `atlas run game-ready`: the fixed package's flags, or the preset through the engine.
struct RunOptions {
  std::vector<std::string> inputs;
  std::string output_dir;
  std::vector<float> lods{1, 0.25f, 0.06f};
  float height = 0;
  std::string texture_format = "png";
  pipeline::GameReadyOptions package;
  PipelineRunOptions engine;
};

int run_game_ready(RunOptions& options) {
  options.package.lod_ratios = options.lods;
  if (options.height > 0) options.package.height_metres = options.height;
  options.package.texture_format = options.texture_format == "jpeg" ? pipeline::TextureFormat::Jpeg
                                                                    : pipeline::TextureFormat::Png;
  auto observer = [](const std::string& step) { std::cerr << "  " << step << "\n"; };
  std::cerr << "atlas: game-ready " << options.inputs.front() << " -> " << options.output_dir
            << "\n";
  auto result = pipeline::run_game_ready(options.inputs.front(), options.output_dir,
                                         options.package, observer);
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

namespace fs = std::filesystem;

void add_run_command(CLI::App& app, Action& run) {
  auto* command = app.add_subcommand(
      "run",
      "Run a pipeline (a preset name or a YAML/JSON file) on files, folders or globs; "
      "`atlas run game-ready` is the fixed game-ready package with its own flags");
  command->require_subcommand(0, 1);
  auto engine = std::make_shared<PipelineRunOptions>();
  command->add_option("PIPELINE", engine->pipeline,
                      "Preset name (`atlas presets`) or pipeline file");
  command->add_option("INPUT", engine->inputs, "Input files, folders or globs");
  command->add_option("-o,--output", engine->output_dir,
                      "Output folder (a batch writes one subfolder an input)");
  command->add_option("--set", engine->overrides,
                      "node.param=value or setting=value override (repeatable)");
  command->add_option("--jobs", engine->jobs, "Nodes (one input) or inputs (a batch) at once")
      ->capture_default_str();
  command->add_flag("--no-cache", engine->no_cache, "Neither read nor write the node cache");
  command->add_option("--cache-dir", engine->cache_dir,
                      "Node cache folder (default $ATLAS_CACHE_DIR or ~/.cache/atlas)");
  command
      ->add_option("--cache-limit-gb", engine->cache_limit_gb,
                   "Least recently used entries go beyond this size")
      ->capture_default_str();
  command->callback([&run, command, engine] {
    if (!command->get_subcommands().empty()) return;
    if (engine->pipeline.empty() || engine->inputs.empty() || engine->output_dir.empty())
      throw CLI::ValidationError("run", "needs PIPELINE, at least one INPUT and -o DIR");
    run = [engine] { return run_pipeline(*engine); };
  });
  auto* game_ready = command->add_subcommand(
      "game-ready",
      "Splat or mesh -> textured game asset: surface, clean-up, placement, LOD0 budget, UV "
      "atlas, baked colour and normal maps, LOD chain, GLBs, report.json and preview.png. "
      "Several inputs, a folder or glob, or any of --set/--jobs/--no-cache/--cache-dir run "
      "the game-ready preset through the pipeline engine instead, with these flags as --set");
  auto options = std::make_shared<RunOptions>();
  pipeline::GameReadyOptions& package = options->package;
  PipelineRunOptions& package_engine = options->engine;
  game_ready->add_option("INPUT", options->inputs, "Splat or mesh file(s), folders or globs")
      ->required();
  game_ready->add_option("-o,--output", options->output_dir, "Output folder")->required();
  // Each package flag with what it sets in engine mode: the preset's setting where it has
  // one, so that the preset alone says which params move together.
  const std::vector<std::pair<CLI::Option*, std::string>> flags = {
      {game_ready->add_option("--triangles", package.triangles, "LOD0 triangle budget")
           ->capture_default_str(),
       "triangles"},
      {game_ready
           ->add_option("--lods", options->lods,
                        "Triangle ratios of each level to LOD0, comma-separated, starting at 1")
           ->delimiter(',')
           ->default_str("1,0.25,0.06"),
       "lod_ratios"},
      {game_ready->add_option("--texture-size", package.texture_size, "Colour and normal map side")
           ->capture_default_str(),
       "texture_size"},
      {game_ready->add_option("--height", options->height,
                              "Scale to this real-world height in metres (default: as is)"),
       "height"},
      {game_ready->add_flag("--watertight", package.watertight, "Closed surface from splats"),
       "watertight"},
      {game_ready->add_option("--texture-format", options->texture_format, "png or jpeg")
           ->check(CLI::IsMember({"png", "jpeg"}))
           ->capture_default_str(),
       "texture_format"},
      {game_ready->add_option("--jpeg-quality", package.jpeg_quality, "1-100")
           ->capture_default_str(),
       "textures.quality"}};
  auto* vertex_colors =
      game_ready->add_flag("--vertex-colors", package.vertex_color_variant,
                           "Also write LOD0 with vertex colours and no textures (one input only)");
  auto* dense = game_ready->add_flag(
      "--dense", package.write_dense_surface,
      "Also write the cleaned dense surface with vertex colours (one input only)");
  const std::vector<CLI::Option*> engine_flags = {
      game_ready->add_option("--set", package_engine.overrides,
                             "node.param=value or setting=value override of the preset"),
      game_ready->add_option("--jobs", package_engine.jobs, "Inputs at once (a batch)")
          ->capture_default_str(),
      game_ready->add_flag("--no-cache", package_engine.no_cache,
                           "Neither read nor write the node cache"),
      game_ready->add_option("--cache-dir", package_engine.cache_dir, "Node cache folder"),
      game_ready->add_option("--cache-limit-gb", package_engine.cache_limit_gb,
                             "Node cache size limit")};
  game_ready->callback([&run, options, flags, engine_flags, vertex_colors, dense] {
    const auto uses_engine = [&] {
      if (options->inputs.size() > 1) return true;
      const std::vector<fs::path> expanded = expand_input(options->inputs.front());
      if (expanded.size() != 1 || expanded.front() != fs::path(options->inputs.front()))
        return true;
      return std::any_of(engine_flags.begin(), engine_flags.end(),
                         [](const CLI::Option* flag) { return flag->count() > 0; });
    };
    if (!uses_engine()) {
      run = [options] { return run_game_ready(*options); };
      return;
    }
    if (vertex_colors->count() || dense->count())
      throw CLI::ValidationError("game-ready", "--vertex-colors and --dense take one input file");
    PipelineRunOptions& engine = options->engine;
    engine.pipeline = "game-ready";
    engine.inputs = options->inputs;
    engine.output_dir = options->output_dir;
    std::vector<std::string> mapped;
    for (const auto& [flag, target] : flags) {
      if (flag->count() == 0) continue;
      const std::string value =
          flag->get_type_size_max() == 0 ? "true" : CLI::detail::join(flag->results(), ",");
      mapped.push_back(target + "=" + value);
    }
    engine.overrides.insert(engine.overrides.begin(), mapped.begin(), mapped.end());
    run = [options] { return run_pipeline(options->engine); };
  });
}

}  // namespace atlas::cli
