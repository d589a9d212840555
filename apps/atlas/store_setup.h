#pragma once
// What `atlas serve`, `atlas worker` and `atlas keys` share: the job store a command
// uses, how the artifact folder is prepared for it, Atlas's own prices, the workers'
// timing, and stopping on SIGINT or SIGTERM.

#include <signal.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "service/artifact_store.h"
#include "service/job_store.h"
#include "service/job_worker.h"

namespace CLI {
class App;
}

namespace atlas::cli {

// PostgreSQL when `db` is a connection URL (postgresql://...), otherwise the embedded
// SQLite database DATA/atlas.db (the folder is created when missing).
Result<std::unique_ptr<service::JobStore>> open_job_store(const std::string& db,
                                                          const std::string& data);

// Creates the artifact folders. Alone (no `db`), the process also empties DATA/work of
// what its previous run left; over a shared database other processes' attempts may be
// running in that folder, so it is left alone.
Status prepare_artifacts(service::ArtifactStore& artifacts, const std::string& db);

// Atlas's own prices: the config file's `prices` section (providers/price_table.h),
// provider `atlas`, models `api_call`, `asset` and `compute_second`, in its currency;
// one without a price there is free. Each of `overrides` that is 0 or more (a --price-*
// flag given) replaces the file's. `config_file`: nullopt for the default path. Fails on
// a malformed config, naming the file.
Result<service::Prices> atlas_prices(const std::optional<std::filesystem::path>& config_file,
                                     const service::Prices& overrides);

// The --config and --price-* options that fill `config` and the overrides atlas_prices
// takes (-1: not given); --price-api-call only for a process that answers requests.
void add_price_options(CLI::App& command, std::string& config, service::Prices& overrides,
                       bool api_calls);

// `workers` job workers holding leases of `lease_seconds`, renewed at a third of it.
// Idle workers poll for jobs every quarter lease (50-500 ms): in another process than
// the API nothing wakes them when a job is queued.
service::WorkerOptions worker_options(int workers, double lease_seconds,
                                      const service::Prices& prices);

// Blocks SIGINT and SIGTERM in the calling thread, before any other thread starts, so
// every thread inherits the mask and none is interrupted: wait_for_stop takes them.
sigset_t block_stop_signals();
// Returns when SIGINT or SIGTERM arrives, after saying which on stderr ("<program>:
// SIGTERM, shutting down").
void wait_for_stop(const sigset_t& signals, const char* program);

}  // namespace atlas::cli
