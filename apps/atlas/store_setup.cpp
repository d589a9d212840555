#include "store_setup.h"

#include <pthread.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <tuple>

#include "providers/price_table.h"
#include "service/postgres_job_store.h"
#include "service/sqlite_job_store.h"

namespace atlas::cli {

namespace fs = std::filesystem;

Result<std::unique_ptr<service::JobStore>> open_job_store(const std::string& db,
                                                          const std::string& data) {
  if (!db.empty()) {
    if (db.rfind("postgresql://", 0) != 0 && db.rfind("postgres://", 0) != 0)
      return make_error("--db: expected a PostgreSQL URL (postgresql://USER@HOST/DB), got '" +
                        service::PostgresJobStore::redacted(db) + "'");
    auto store = service::PostgresJobStore::open(db);
    if (!store) return store.error();
    return std::unique_ptr<service::JobStore>(std::move(store.value()));
  }
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) return make_error(data + ": cannot create the data folder: " + ec.message());
  auto store = service::SqliteJobStore::open(fs::path(data) / "atlas.db");
  if (!store) return store.error();
  return std::unique_ptr<service::JobStore>(std::move(store.value()));
}

Status prepare_artifacts(service::ArtifactStore& artifacts, const std::string& db) {
  if (db.empty()) return artifacts.prepare();
  for (const char* sub : {"assets", "jobs", "work"}) {
    std::error_code ec;
    fs::create_directories(artifacts.data_dir() / sub, ec);
    if (ec)
      return make_error((artifacts.data_dir() / sub).string() + ": cannot create: " + ec.message());
  }
  return Ok{};
}

Result<service::Prices> atlas_prices(const std::optional<std::filesystem::path>& config_file,
                                     const service::Prices& overrides) {
  auto table = providers::load_price_table(providers::process_environment(), config_file);
  if (!table) return table.error();
  service::Prices prices;
  prices.currency = table->currency;
  const auto atlas = table->prices.find("atlas");
  for (const auto& [model, price, override_price] :
       {std::tuple{"api_call", &prices.api_call, overrides.api_call},
        std::tuple{"asset", &prices.asset, overrides.asset},
        std::tuple{"compute_second", &prices.compute_second, overrides.compute_second}}) {
    if (atlas != table->prices.end())
      if (const auto found = atlas->second.find(model); found != atlas->second.end())
        *price = found->second;
    if (override_price >= 0) *price = override_price;
  }
  return prices;
}

service::WorkerOptions worker_options(int workers, double lease_seconds,
                                      const service::Prices& prices) {
  service::WorkerOptions options;
  options.workers = workers;
  options.lease_ms = std::int64_t(lease_seconds * 1000);
  options.heartbeat = std::chrono::milliseconds(options.lease_ms / 3);
  options.idle_poll = std::chrono::milliseconds(
      std::min<std::int64_t>(500, std::max<std::int64_t>(50, options.lease_ms / 4)));
  options.prices = prices;
  return options;
}

sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void wait_for_stop(const sigset_t& signals, const char* program) {
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "%s: %s, shutting down\n", program,
               received == SIGTERM ? "SIGTERM" : "SIGINT");
}

void add_price_options(CLI::App& command, std::string& config, service::Prices& overrides,
                       bool api_calls) {
  command.add_option("--config", config,
                     "Config file: providers and prices (default ~/.config/atlas/config.yaml); "
                     "the environment wins");
  if (api_calls)
    command
        .add_option("--price-api-call", overrides.api_call,
                    "Charge per API call (default: prices.atlas.api_call of the config)")
        ->check(CLI::NonNegativeNumber);
  command
      .add_option("--price-asset", overrides.asset,
                  "Charge per output file (default: prices.atlas.asset of the config)")
      ->check(CLI::NonNegativeNumber);
  command
      .add_option("--price-compute-second", overrides.compute_second,
                  "Charge per second of a job's pipeline (default: prices.atlas.compute_second)")
      ->check(CLI::NonNegativeNumber);
}

}  // namespace atlas::cli
