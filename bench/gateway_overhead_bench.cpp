// Orchestration overhead of one 404 generation: everything Atlas does around the
// provider's own work, measured against the fake 404 gateway on loopback with workers
// that answer at once (zero provider time).
// Run: build/release/bench/atlas_gateway_overhead_bench --benchmark_repetitions=7
//      --benchmark_report_aggregates_only=true   (medians are the figures to quote)
//
// The status poll interval is set to 0: on the real gateway the wait between polls is
// spent waiting for the miners (1-2 s, the provider's time), not in Atlas. What is left
// is add_task, the status polls, the download (0.66 MB of SPZ, or a 1.7 MB ZIP of three
// results), payload checks and, through the op, decoding; the fake's own serving work is
// included too, so the figures are an upper bound on Atlas's part. Target: at most 50 ms
// a generation.

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "fake_gateway.h"
#include "pipeline/op.h"
#include "pipeline/remote_provider.h"
#include "providers/gateway_client.h"
#include "providers/gateway_provider.h"

namespace {

using namespace std::chrono_literals;
using atlas::providers::CandidateMode;
using atlas::providers::GatewayClient;
using atlas::providers::GatewayConfig;
using atlas::providers::GatewayTiming;
using atlas::providers::Generation;
using atlas::providers::GenerationRequest;

const std::atomic<bool> kNeverCancelled{false};

GatewayTiming immediate_timing() {
  GatewayTiming timing;
  timing.poll_interval_min = timing.poll_interval_max = 0ms;
  return timing;
}

std::shared_ptr<GatewayClient> client_for(const atlas::test::FakeGateway& gateway) {
  GatewayConfig config;
  config.api_key = gateway.api_key();
  config.base_urls = {gateway.base_url()};
  return std::make_shared<GatewayClient>(config, immediate_timing());
}

atlas::test::FakeGatewayOptions three_immediate_workers() {
  atlas::test::FakeGatewayOptions options;
  atlas::test::FakeWorker hamburger, blob, monkey;
  blob.splat = "splats/404-dreamgaussian-blob.ply";
  monkey.splat = "splats/404-monkey.ply";
  options.script.workers = {hamburger, blob, monkey};
  return options;
}

void generate(benchmark::State& state, CandidateMode mode) {
  const atlas::test::FakeGateway gateway(three_immediate_workers());
  const std::shared_ptr<GatewayClient> client = client_for(gateway);
  GenerationRequest request;
  request.task.prompt = "a hamburger";
  request.candidates = mode;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const Generation generation = client->generate(request, kNeverCancelled);
    if (!generation.ok()) {
      state.SkipWithError(generation.error->message.c_str());
      return;
    }
    bytes = 0;
    for (const auto& candidate : generation.candidates) bytes += candidate.bytes.size();
  }
  state.counters["downloaded_MB"] = double(bytes) / 1e6;
}

void generate_op(benchmark::State& state) {
  const atlas::test::FakeGateway gateway(three_immediate_workers());
  atlas::pipeline::register_remote_provider(
      std::make_shared<atlas::providers::GatewayProvider>(client_for(gateway)));
  const atlas::pipeline::OpSpec* op = atlas::pipeline::find_op("generate");
  atlas::pipeline::OpContext context;
  context.node = "generate";
  for (const auto& param : op->params) context.params[param.name] = param.default_value;
  context.params["prompt"] = std::string("a hamburger");
  for (auto _ : state) {
    auto outputs = op->run(context);
    if (!outputs.ok()) {
      state.SkipWithError(outputs.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(outputs->size());
  }
  atlas::pipeline::unregister_remote_provider("404");
}

BENCHMARK_CAPTURE(generate, first_spz, CandidateMode::First)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(generate, all_three_spz, CandidateMode::All)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// The same first-result generation through the pipeline's generate op, with Atlas's
// SPZ reader decoding the 52,709 splats (decoding is processing, not orchestration).
BENCHMARK(generate_op)->Unit(benchmark::kMillisecond)->UseRealTime();

// `atlas generate` as a user runs it: a new process each time, against the fake. The
// CLI polls without delay here because the miners have answered before the first
// poll. The time is the whole process (start-up included); the counters are what the
// CLI's generation.json says of that run: its own overhead (everything but the gateway's
// exchanges and best-of-N scoring) and best-of-N's scoring.
void cli_generate(benchmark::State& state, const char* candidates,
                  const atlas::test::FakeGatewayOptions& options) {
  const atlas::test::FakeGateway gateway(options);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("atlas-generate-bench-" + std::to_string(getpid()));
  setenv("ATLAS_404_BASE_URL", gateway.base_url().c_str(), 1);
  setenv("ATLAS_404_API_KEY", gateway.api_key().c_str(), 1);
  setenv("XDG_CONFIG_HOME", (dir / "config").c_str(), 1);
  const std::string command = std::string("'") + ATLAS_CLI +
                              "' generate 'a hamburger' --candidates " + candidates + " -o '" +
                              dir.string() + "' > /dev/null 2>&1";
  double overhead_ms = 0, selection_ms = 0;
  for (auto _ : state) {
    if (std::system(command.c_str()) != 0) {
      state.SkipWithError("atlas generate failed");
      break;
    }
    state.PauseTiming();
    const nlohmann::json timings =
        nlohmann::json::parse(std::ifstream(dir / "generation.json"))["timings_ms"];
    overhead_ms += timings["orchestration_overhead"].get<double>();
    selection_ms += timings["selection"].get<double>();
    state.ResumeTiming();
  }
  const double runs = double(std::max<std::int64_t>(state.iterations(), 1));
  state.counters["overhead_ms"] = overhead_ms / runs;
  state.counters["selection_ms"] = selection_ms / runs;
  std::filesystem::remove_all(dir);
}

// The best-of-N task: the hamburger, the DreamGaussian blob and a truncated file.
atlas::test::FakeGatewayOptions best_of_n_task() {
  atlas::test::FakeGatewayOptions options;
  atlas::test::FakeWorker hamburger, blob, truncated;
  blob.splat = "splats/404-dreamgaussian-blob.ply";
  truncated.truncated = true;
  options.script.workers = {hamburger, blob, truncated};
  return options;
}

BENCHMARK_CAPTURE(cli_generate, first, "first", atlas::test::FakeGatewayOptions{})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(cli_generate, all_best_of_n, "all", best_of_n_task())
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
