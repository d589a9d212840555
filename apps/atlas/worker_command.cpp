// `atlas worker --db postgresql://...`: job workers without the HTTP API, for running
// jobs on more machines than the API processes. They lease jobs from the shared
// PostgreSQL database and write artifacts under --data, a folder every `atlas serve
// --db` and `atlas worker` process shares (a network file system across machines).

#include <CLI/CLI.hpp>

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "commands.h"
#include "provider_setup.h"
#include "service/job_worker.h"
#include "store_setup.h"

namespace atlas::cli {

namespace {

struct WorkerCommandOptions {
  std::string db;
  std::string data = "atlas-data";
  int workers = 2;
  double lease_seconds = 30;
  std::string config;  // empty: the default config file
  // Below 0: not given, the config file's price applies.
  service::Prices price_flags{-1, -1, -1, "USD"};
};

int run_workers(const WorkerCommandOptions& options) {
  const std::optional<std::filesystem::path> config =
      options.config.empty() ? std::nullopt : std::optional<std::filesystem::path>(options.config);
  if (Status registered = register_configured_providers(config); !registered)
    return fail(registered.error().message);
  auto prices = atlas_prices(config, options.price_flags);
  if (!prices) return fail(prices.error().message);
  auto store = open_job_store(options.db, options.data);
  if (!store) return fail(store.error().message);
  service::ArtifactStore artifacts(options.data);
  if (Status prepared = prepare_artifacts(artifacts, options.db); !prepared)
    return fail(prepared.error().message);

  // A stop gives the running jobs back to the queue.
  const sigset_t signals = block_stop_signals();
  const service::WorkerOptions worker_options =
      cli::worker_options(options.workers, options.lease_seconds, *prices);
  service::JobWorkers workers(**store, artifacts, worker_options);
  workers.start();
  std::printf("atlas worker: running %d workers (data %s)\n", worker_options.workers,
              options.data.c_str());
  std::fflush(stdout);

  wait_for_stop(signals, "atlas worker");
  workers.stop();
  return 0;
}

}  // namespace

void add_worker_command(CLI::App& app, Action& run) {
  auto options = std::make_shared<WorkerCommandOptions>();
  auto* command = app.add_subcommand(
      "worker", "Run job workers (no HTTP API) over a PostgreSQL database shared with atlas serve");
  command->add_option("--db", options->db, "PostgreSQL URL (postgresql://...)")->required();
  command->add_option("--data", options->data, "Data folder shared with atlas serve: artifacts")
      ->capture_default_str();
  command->add_option("--workers", options->workers, "Jobs run at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  command
      ->add_option("--lease-seconds", options->lease_seconds,
                   "How long a job stays with a worker that stopped renewing its lease")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 3600.0));
  add_price_options(*command, options->config, options->price_flags, false);
  command->callback([&run, options] { run = [options] { return run_workers(*options); }; });
}

}  // namespace atlas::cli
