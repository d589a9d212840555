// `atlas run PIPELINE INPUT... -o DIR`: a pipeline (preset name or file) on files,
// folders or globs, one input or a batch; and `atlas run game-ready INPUT -o DIR`, the
// fixed game-ready package (see pipeline/game_ready.h) with its options as flags.

#include <glob.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "commands.h"
#include "pipeline/executor.h"
#include "pipeline/game_ready.h"

namespace atlas::cli {
namespace {

struct PipelineRunOptions {
  std::string pipeline;
  std::vector<std::string> inputs;
  std::string output_dir;
  std::vector<std::string> overrides;
  int jobs = 2;
  bool no_cache = false;
  std::string cache_dir;
  double cache_limit_gb = 5;
};

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

namespace fs = std::filesystem;

std::atomic<bool> interrupted{false};

// The files an argument names: the file itself, a folder's files (sorted, not
// recursive), or a glob's matches. Missing ones are kept so their run reports them.
std::vector<fs::path> expand_input(const std::string& argument) {
  std::error_code error;
  if (fs::is_directory(argument, error)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(argument, error))
      if (entry.is_regular_file(error)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
  }
  if (argument.find_first_of("*?[") != std::string::npos) {
    glob_t matches{};
    std::vector<fs::path> files;
    if (glob(argument.c_str(), 0, nullptr, &matches) == 0)
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
    globfree(&matches);
    if (!files.empty()) return files;
  }
  return {argument};
}

struct InputOutcome {
  fs::path input;
  fs::path output_dir;
  std::string error;
  double seconds = 0;
  std::size_t cached = 0, ran = 0;
};

int run_pipeline(const PipelineRunOptions& options) {
  auto pipeline = pipeline::load_pipeline(options.pipeline, options.overrides);
  if (!pipeline) return fail(pipeline.error().message);
  if (pipeline->document.inputs.size() != 1)
    return fail(options.pipeline + ": `atlas run` feeds one file a run; this pipeline takes " +
                std::to_string(pipeline->document.inputs.size()));
  std::vector<fs::path> inputs;
  for (const std::string& argument : options.inputs)
    for (fs::path& path : expand_input(argument)) inputs.push_back(std::move(path));
  if (inputs.empty()) return fail("no input files");

  std::optional<pipeline::NodeCache> cache;
  if (!options.no_cache) {
    const fs::path dir = options.cache_dir.empty() ? pipeline::NodeCache::default_directory()
                                                   : fs::path(options.cache_dir);
    cache.emplace(dir, static_cast<std::uint64_t>(options.cache_limit_gb * 1e9));
  }
  std::signal(SIGINT, [](int) { interrupted = true; });

  // One input: its independent nodes run in parallel. A batch: that many inputs at once.
  const bool batch = inputs.size() > 1;
  // A batch writes each input into a folder named after it: its stem, or its whole name
  // when another input has the same stem (a.ply and a.spz).
  std::map<fs::path, int> stems;
  for (const fs::path& input : inputs) ++stems[input.stem()];
  const auto folder_for = [&](const fs::path& input) {
    return stems[input.stem()] > 1 ? input.filename() : input.stem();
  };
  const int jobs = std::max(1, options.jobs);
  const bool terminal = isatty(STDERR_FILENO);
  std::mutex print;
  std::vector<InputOutcome> outcomes(inputs.size());
  std::atomic<std::size_t> next{0};
  std::size_t inputs_done = 0;
  const auto worker = [&] {
    for (std::size_t i = next++; i < inputs.size(); i = next++) {
      InputOutcome& outcome = outcomes[i];
      outcome.input = inputs[i];
      outcome.output_dir = batch ? fs::path(options.output_dir) / folder_for(inputs[i])
                                 : fs::path(options.output_dir);
      const std::string label = inputs[i].filename().string();
      std::size_t done = 0;
      const std::size_t total = pipeline->ops.size();
      pipeline::ExecuteOptions execute;
      execute.jobs = batch ? 1 : jobs;
      execute.cache = cache ? &*cache : nullptr;
      execute.cancel = &interrupted;
      execute.observer = [&](const pipeline::NodeEvent& event) {
        using pipeline::NodeState;
        if (event.state == NodeState::Progress || event.state == NodeState::Queued) return;
        if (event.state != NodeState::Started) ++done;
        if (terminal && batch) return;  // a batch on a terminal: one bar for the inputs
        std::lock_guard lock(print);
        if (terminal) {
          const int filled = int(20 * done / std::max<std::size_t>(total, 1));
          std::fprintf(stderr, "\r  %s [%s%s] %zu/%zu %-16s", label.c_str(),
                       std::string(filled, '#').c_str(), std::string(20 - filled, '-').c_str(),
                       done, total, event.node.c_str());
        } else {
          std::fprintf(stderr, "%s: %s %s%s%s\n", label.c_str(), event.node.c_str(),
                       pipeline::to_string(event.state), event.message.empty() ? "" : ": ",
                       event.message.c_str());
        }
      };
      auto result = pipeline::execute_pipeline(*pipeline, {inputs[i]}, execute);
      if (result) {
        outcome.seconds = result->seconds;
        for (const pipeline::NodeRecord& node : result->nodes) {
          outcome.cached += node.state == pipeline::NodeState::Cached;
          outcome.ran += node.state == pipeline::NodeState::Finished;
        }
        auto written = pipeline::write_outputs(*pipeline, *result, outcome.output_dir);
        if (!written) outcome.error = written.error().message;
        std::lock_guard lock(print);
        for (const std::string& warning : result->warnings)
          std::fprintf(stderr, "%satlas: %s: warning: %s\n", terminal ? "\n" : "", label.c_str(),
                       warning.c_str());
      } else {
        outcome.error = result.error().message;
      }
      if (terminal && batch) {
        std::lock_guard lock(print);
        const std::size_t finished = ++inputs_done;
        const int filled = int(20 * finished / inputs.size());
        std::fprintf(stderr, "\r  [%s%s] %zu/%zu inputs, last: %s %s   ",
                     std::string(filled, '#').c_str(), std::string(20 - filled, '-').c_str(),
                     finished, inputs.size(), label.c_str(),
                     outcome.error.empty() ? "ok" : "failed");
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < (batch ? std::min<int>(jobs, int(inputs.size())) : 1); ++t)
    threads.emplace_back(worker);
  for (std::thread& thread : threads) thread.join();
  if (terminal) std::fprintf(stderr, "\n");

  int failed = 0;
  std::printf("%-32s %-7s %9s %7s %7s  %s\n", "input", "status", "seconds", "ran", "cached",
              "output");
  for (const InputOutcome& outcome : outcomes) {
    const bool ok = outcome.error.empty();
    failed += !ok;
    std::printf("%-32s %-7s %9.2f %7zu %7zu  %s\n", outcome.input.filename().string().c_str(),
                ok ? "ok" : "failed", outcome.seconds, outcome.ran, outcome.cached,
                ok ? outcome.output_dir.string().c_str() : outcome.error.c_str());
  }
  if (interrupted) {
    fail("interrupted");
    return 130;  // the shell's code for a process ended by SIGINT
  }
  return failed ? 1 : 0;
}

}  // namespace

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
  command->add_option("--set", engine->overrides, "node.param=value override (repeatable)");
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
  // Each package flag with the preset nodes' params it sets in engine mode.
  const std::vector<std::pair<CLI::Option*, std::vector<std::string>>> flags = {
      {game_ready->add_option("--triangles", package.triangles, "LOD0 triangle budget")
           ->capture_default_str(),
       {"surface.triangles", "lod0.triangles", "validate.max_triangles"}},
      {game_ready
           ->add_option("--lods", options->lods,
                        "Triangle ratios of each level to LOD0, comma-separated, starting at 1")
           ->delimiter(',')
           ->default_str("1,0.25,0.06"),
       {"lods.ratios"}},
      {game_ready->add_option("--texture-size", package.texture_size, "Colour and normal map side")
           ->capture_default_str(),
       {"unwrap.texture_size", "colour.texture_size", "normals.texture_size", "lods.texture_size",
        "validate.max_texture_size"}},
      {game_ready->add_option("--height", options->height,
                              "Scale to this real-world height in metres (default: as is)"),
       {"placed_surface.height", "placed_source.height"}},
      {game_ready->add_flag("--watertight", package.watertight, "Closed surface from splats"),
       {"surface.watertight"}},
      {game_ready->add_option("--texture-format", options->texture_format, "png or jpeg")
           ->check(CLI::IsMember({"png", "jpeg"}))
           ->capture_default_str(),
       {"textures.format"}},
      {game_ready->add_option("--jpeg-quality", package.jpeg_quality, "1-100")
           ->capture_default_str(),
       {"textures.quality"}}};
  auto* vertex_colors =
      game_ready->add_flag("--vertex-colors", package.vertex_color_variant,
                           "Also write LOD0 with vertex colours and no textures (one input only)");
  auto* dense = game_ready->add_flag(
      "--dense", package.write_dense_surface,
      "Also write the cleaned dense surface with vertex colours (one input only)");
  const std::vector<CLI::Option*> engine_flags = {
      game_ready->add_option("--set", package_engine.overrides,
                             "node.param=value override of the preset"),
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
    for (const auto& [flag, params] : flags) {
      if (flag->count() == 0) continue;
      const std::string value =
          flag->get_type_size_max() == 0 ? "true" : CLI::detail::join(flag->results(), ",");
      for (const std::string& param : params) mapped.push_back(param + "=" + value);
    }
    engine.overrides.insert(engine.overrides.begin(), mapped.begin(), mapped.end());
    run = [options] { return run_pipeline(options->engine); };
  });
}

}  // namespace atlas::cli
