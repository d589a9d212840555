// `atlas generate "PROMPT" | --image FILE -o DIR`: one 404 generation (text- or
// image-to-3D), the best candidate when every one is asked for, the result saved as
// received with generation.json beside it, then optionally a pipeline run on it.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "commands.h"
#include "core/sha256.h"
#include "formats/image_io.h"
#include "pipeline_runner.h"
#include "providers/best_of_n_chooser.h"
#include "providers/gateway_provider.h"

namespace atlas::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct GenerateOptions {
  std::string prompt;
  std::string image;
  std::string model = "404-3dgs";
  std::int64_t seed = -1;
  bool seed_given = false;
  std::vector<std::string> params;
  std::string candidates = "first";
  std::string pipeline;
  std::string output_dir;
  std::string config;
};

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// `--param k=v`: a value that reads as JSON (a number, true, an object) is sent as such,
// anything else as a string; quote a string that looks like a number ('k="1024"').
Result<Json> model_params(const std::vector<std::string>& params) {
  Json object = Json::object();
  for (const std::string& param : params) {
    const std::size_t equals = param.find('=');
    if (equals == 0 || equals == std::string::npos)
      return make_error("--param '" + param + "' is not key=value");
    const std::string value = param.substr(equals + 1);
    Json parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
    object[param.substr(0, equals)] = parsed.is_discarded() ? Json(value) : std::move(parsed);
  }
  return object;
}

// The result's file name: the prompt's words, or the image's name.
std::string result_stem(const GenerateOptions& options) {
  if (!options.image.empty()) return fs::path(options.image).stem().string();
  std::string stem;
  for (char c : options.prompt) {
    const bool word = std::isalnum(static_cast<unsigned char>(c));
    if (word)
      stem += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!stem.empty() && stem.back() != '-')
      stem += '-';
    if (stem.size() >= 48) break;
  }
  while (!stem.empty() && stem.back() == '-') stem.pop_back();
  return stem.empty() ? "generation" : stem;
}

bool is_mesh_model(const std::string& model) { return model.rfind("404-mesh", 0) == 0; }

// What the provider reports about the generation, and the bytes of the candidate best-
// of-N chose (the provider hands back the decoded asset; the file is saved as received).
struct Observed {
  std::mutex mutex;
  providers::GatewayGenerationReport report;
  std::optional<pipeline::EncodedAsset> chosen;
  double selection_ms = 0;
};

int run_generate(const GenerateOptions& options) {
  const Clock::time_point started = Clock::now();
  catch_interrupts();
  const std::optional<fs::path> config_file =
      options.config.empty() ? std::nullopt : std::optional<fs::path>(options.config);
  Result<providers::GatewayConfig> config =
      providers::load_gateway_config(providers::process_environment(), config_file);
  if (!config) return fail(config.error().message);
  if (config->api_key.empty())
    return fail("not_configured: no 404 API key: set ATLAS_404_API_KEY or 404.api_key in " +
                (config_file ? config_file->string() : std::string("~/.config/atlas/config.yaml")));

  Result<providers::PriceTable> prices =
      providers::load_price_table(providers::process_environment(), config_file);
  if (!prices) return fail(prices.error().message);

  Result<Json> params = model_params(options.params);
  if (!params) return fail("bad_request: " + params.error().message);
  Json request_options = {{"model", options.model}, {"candidates", options.candidates}};
  if (options.seed_given) request_options["seed"] = options.seed;
  if (!params->empty()) request_options["model_params"] = *params;

  pipeline::GenerateRequest request;
  request.kind = is_mesh_model(options.model) ? pipeline::RemoteAssetKind::Mesh
                                              : pipeline::RemoteAssetKind::Splat;
  request.options_json = request_options.dump();
  std::vector<pipeline::UsageRecord> usage;
  request.usage = [&usage](const pipeline::UsageRecord& record) { usage.push_back(record); };
  // The client checks the prompt, image and model rules before anything is sent.
  if (options.image.empty()) {
    request.prompt = options.prompt;
  } else {
    Result<Bytes> file = read_file(options.image, std::uint64_t{64} << 20);
    if (!file) return fail(file.error().message);
    Result<Image> image = decode_image(*file);
    if (!image) return fail("bad_request: " + options.image + ": " + image.error().message);
    request.image = pipeline::Value(std::move(image).value());
  }

  auto observed = std::make_shared<Observed>();
  const providers::CandidateChooser best = providers::best_of_n_chooser();
  providers::GatewayProvider provider(
      std::make_shared<providers::GatewayClient>(std::move(config).value()),
      [best, observed](const std::vector<providers::GatewayCandidate>& candidates) {
        const Clock::time_point start = Clock::now();
        Result<providers::CandidateChoice> choice = best(candidates);
        std::lock_guard lock(observed->mutex);
        observed->selection_ms = milliseconds_since(start);
        if (choice) observed->chosen = candidates[choice->index].file;
        return choice;
      },
      [observed](const providers::GatewayGenerationReport& report) {
        std::lock_guard lock(observed->mutex);
        observed->report = report;
      },
      *prices);
  Result<pipeline::RemoteAsset> answer = provider.generate(request, interrupted(), [](double) {});
  if (interrupted()) return interrupted_exit();
  if (!answer) return fail(answer.error().message);

  std::lock_guard lock(observed->mutex);
  const providers::GenerationRecord& record = observed->report.record;
  pipeline::EncodedAsset file;
  if (auto* encoded = std::get_if<pipeline::EncodedAsset>(&*answer)) {
    // Saved only once Atlas can read it: a payload that passed the transfer's checks
    // may still be no asset.
    if (Result<pipeline::Value> decoded = pipeline::decode_remote_asset(*answer); !decoded)
      return fail("corrupt_payload: task " + record.task_id + ": " + decoded.error().message);
    file = std::move(*encoded);
  } else {
    file = std::move(*observed->chosen);
  }

  const fs::path output_dir(options.output_dir);
  std::error_code error;
  fs::create_directories(output_dir, error);
  if (error) return fail(output_dir.string() + ": " + error.message());
  const fs::path result = output_dir / (result_stem(options) + "." + file.extension);
  if (Status written = write_file_atomic(result, file.bytes); !written)
    return fail(written.error().message);

  const double total_ms = milliseconds_since(started);
  const double gateway_ms = double(record.elapsed.count());
  const Json selection =
      observed->report.choice
          ? Json::parse(observed->report.choice->explanation_json, nullptr, false)
          : Json();
  Json request_json = {{"model", options.model},
                       {"seed", options.seed_given ? Json(options.seed) : Json()},
                       {"model_params", *params},
                       {"candidates", options.candidates}};
  if (options.image.empty())
    request_json["prompt"] = options.prompt;
  else
    request_json["image"] = fs::path(options.image).filename().string();
  const Json generation = {
      {"powered_by", "404 (Bittensor subnet 17)"},
      {"provider", "404"},
      {"request", request_json},
      {"task",
       {{"id", record.task_id},
        {"model", record.model},
        {"base_url", record.base_url},
        {"worker_id", record.worker_id},
        {"results_reported", record.results_reported},
        {"candidates_downloaded", record.candidates_downloaded}}},
      {"result",
       {{"file", result.filename().string()},
        {"bytes", file.bytes.size()},
        {"sha256", sha256_hex(file.bytes)}}},
      {"selection", selection},
      {"usage", Json::parse(pipeline::usage_report_json(usage))},
      // Orchestration overhead: everything but the gateway's exchanges (submitting,
      // polling, downloading) and best-of-N's local scoring.
      {"timings_ms",
       {{"total", total_ms},
        {"gateway", gateway_ms},
        {"selection", observed->selection_ms},
        {"orchestration_overhead", total_ms - gateway_ms - observed->selection_ms}}}};
  const std::string text = generation.dump(2) + "\n";
  if (Status written = write_file_atomic(
          output_dir / "generation.json",
          ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
      !written)
    return fail(written.error().message);
  std::printf("%s  task %s  %s  %.0f ms (404: %.0f ms)\n", result.string().c_str(),
              record.task_id.c_str(), record.model.c_str(), total_ms, gateway_ms);
  if (options.pipeline.empty()) return 0;

  PipelineRunOptions run;
  run.pipeline = options.pipeline;
  run.inputs = {result.string()};
  run.output_dir = options.output_dir;
  run.generation_json = Json{{"provider", "404"},
                             {"model", record.model},
                             {"task_id", record.task_id},
                             {"file", result.filename().string()}}
                            .dump();
  return run_pipeline(run);
}

}  // namespace

void add_generate_command(CLI::App& app, Action& run) {
  auto* command = app.add_subcommand(
      "generate",
      "Generate a 3D asset with 404 from a prompt or an image, keep the best candidate, save "
      "it with generation.json, and optionally run a pipeline on it. Needs ATLAS_404_API_KEY "
      "(or 404.api_key in the config file)");
  auto options = std::make_shared<GenerateOptions>();
  command->add_option("PROMPT", options->prompt, "What to generate (text-to-3D)");
  command->add_option("--image", options->image, "Generate from this picture (image-to-3D)");
  command->add_option("--model", options->model, "The 404 model")
      ->check(CLI::IsMember({"404-3dgs", "404-mesh", "404-mesh-v2"}))
      ->capture_default_str();
  auto* seed = command->add_option("--seed", options->seed, "Seed (default: random)");
  command->add_option("--param", options->params,
                      "model_params key=value (repeatable; the value as JSON when it parses)");
  command
      ->add_option("--candidates", options->candidates,
                   "first: the first result to arrive; all: every result, the best kept")
      ->check(CLI::IsMember({"first", "all"}))
      ->capture_default_str();
  command->add_option("--pipeline", options->pipeline,
                      "Then run this pipeline (preset name or file) on the result");
  command->add_option("-o,--output", options->output_dir, "Output folder")->required();
  command->add_option("--config", options->config,
                      "Config file (default ~/.config/atlas/config.yaml); the environment wins");
  command->callback([&run, options, seed] {
    if (options->prompt.empty() == options->image.empty())
      throw CLI::ValidationError("generate", "needs a PROMPT or --image FILE, not both");
    options->seed_given = seed->count() > 0;
    run = [options] { return run_generate(*options); };
  });
}

}  // namespace atlas::cli
