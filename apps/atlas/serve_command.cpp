// `atlas serve`: the REST API with in-process workers over a data folder (SQLite
// database, uploads and artifacts). `atlas keys create|list|revoke`: its API keys.
// `atlas tenants credit`: a tenant's credit limit.

#include <CLI/CLI.hpp>

#include <pthread.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "commands.h"
#include "provider_setup.h"
#include "service/api.h"
#include "service/api_keys.h"
#include "service/artifact_store.h"
#include "service/http_server.h"
#include "service/job_worker.h"
#include "service/static_files.h"
#include "service/webhook_dispatcher.h"
#include "store_setup.h"

namespace atlas::cli {

namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string data = "atlas-data";
  std::string db;  // a PostgreSQL URL; empty: SQLite in the data folder
  int workers = 2;
  int io_threads = 2;
  double lease_seconds = 30;
  double max_body_mb = 512;
  std::string config;  // empty: the default config file
  // Below 0: not given, the config file's price applies.
  service::Prices price_flags{-1, -1, -1, "USD"};
  std::string web;  // the web app's folder; empty: web/ beside the atlas binary
  service::RateLimit rate_limit;
  service::WebhookOptions webhooks;
  double webhook_timeout_seconds = 10;
  std::int64_t webhook_backoff_ms = 1000;
  service::JobLimits default_limits;
};

// "none" (no limit) or an amount, 0 or more.
std::optional<std::optional<double>> parse_credit(const std::string& text) {
  if (text == "none" || text == "unlimited") return std::optional<double>();
  try {
    std::size_t used = 0;
    const double amount = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(amount) || amount < 0) return std::nullopt;
    return std::optional<double>(amount);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int serve(const ServeOptions& options) {
  const std::size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    const std::string digits = options.listen.substr(colon + 1);
    if (!digits.empty() && digits.size() <= 5 &&
        digits.find_first_not_of("0123456789") == std::string::npos)
      port = std::stoi(digits);
  }
  if (port < 0 || port > 65535)
    return fail("--listen " + options.listen + ": expected HOST:PORT, e.g. 127.0.0.1:8080");
  // The providers pipelines call (404, http_model services, chains), as `atlas run` has
  // them, and Atlas's own prices, from the same config file.
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

  const sigset_t signals = block_stop_signals();
  // Declared before the workers: their last state changes (jobs given back at shutdown)
  // still wake it.
  service::WebhookOptions webhook_options = options.webhooks;
  webhook_options.timeout =
      std::chrono::milliseconds(std::int64_t(options.webhook_timeout_seconds * 1000));
  webhook_options.backoff_base = std::chrono::milliseconds(options.webhook_backoff_ms);
  service::WebhookDispatcher webhooks(**store, webhook_options);
  (*store)->set_deliveries_listener([&webhooks] { webhooks.wake(); });
  // --workers 0 makes an API process only; the workers object is still built (and never
  // started) as the API asks it how many jobs ran.
  const service::WorkerOptions worker_options =
      cli::worker_options(std::max(1, options.workers), options.lease_seconds, *prices);
  service::JobWorkers workers(**store, artifacts, worker_options);

  service::ApiOptions api_options;
  api_options.prices = *prices;
  api_options.rate_limit = options.rate_limit;
  api_options.default_limits = options.default_limits;
  api_options.job_queued = [&workers] { workers.wake(); };
  api_options.jobs_run = [&workers] { return workers.jobs_run(); };
  service::Api api(**store, artifacts, api_options);

  service::HttpServerOptions http;
  http.host = options.listen.substr(0, colon);
  http.port = port;
  http.io_threads = std::max(1, options.io_threads);
  http.max_body_bytes = std::uint64_t(options.max_body_mb * 1024 * 1024);
  // The web app at / (issue 7): its built files sit beside the binary (<build>/apps/web);
  // without them the server is the API alone.
  std::error_code no_exe;
  const std::filesystem::path web_root =
      !options.web.empty()
          ? std::filesystem::path(options.web)
          : std::filesystem::read_symlink("/proc/self/exe", no_exe).parent_path() / "web";
  const service::StaticFiles web(web_root);
  if (!options.web.empty() && !web.available())
    return fail("--web " + options.web + ": no index.html there (build web/ first)");
  const bool serve_web = web.available();
  auto server = service::HttpServer::start(
      http, [&api, &web, serve_web](const service::HttpRequest& request) {
        if (serve_web && service::StaticFiles::is_web_request(request)) return web.handle(request);
        return api.handle(request);
      });
  if (!server) return fail(server.error().message);
  // --workers 0: an API process only, `atlas worker` processes run the jobs.
  if (options.workers > 0) workers.start();
  webhooks.start();
  std::printf("atlas serve: listening on http://%s:%d (data %s, %d workers, web app %s)\n",
              http.host.c_str(), (*server)->port(), options.data.c_str(), options.workers,
              serve_web ? web_root.c_str() : "not built");
  std::fflush(stdout);

  wait_for_stop(signals, "atlas serve");
  (*server)->stop();
  workers.stop();
  webhooks.stop();
  return 0;
}

}  // namespace

void add_serve_commands(CLI::App& app, Action& run) {
  auto options = std::make_shared<ServeOptions>();
  auto* serve_command =
      app.add_subcommand("serve", "Serve the REST API (/v1) with in-process job workers");
  serve_command->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0: any)")
      ->capture_default_str();
  serve_command->add_option("--data", options->data, "Data folder: database, uploads, artifacts")
      ->capture_default_str();
  serve_command
      ->add_option("--db", options->db,
                   "PostgreSQL URL (postgresql://...) shared with `atlas worker`; default: "
                   "SQLite in the data folder")
      ->capture_default_str();
  serve_command->add_option("--workers", options->workers, "Jobs run at once (0: API only)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  serve_command->add_option("--io-threads", options->io_threads, "HTTP I/O threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  serve_command
      ->add_option("--lease-seconds", options->lease_seconds,
                   "How long a job stays with a worker that stopped renewing its lease")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 3600.0));
  serve_command->add_option("--max-body-mb", options->max_body_mb, "Largest request body")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 65536.0));
  serve_command->add_option("--web", options->web,
                            "The web app's built folder served at / (default: web/ beside the "
                            "atlas binary, when built)");
  add_price_options(*serve_command, options->config, options->price_flags, true);
  serve_command
      ->add_option("--concurrent-jobs", options->default_limits.concurrent_jobs,
                   "Jobs an API key may have queued or running, unless the key has its own "
                   "limit (0: unlimited)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  serve_command
      ->add_option("--jobs-per-day", options->default_limits.jobs_per_day,
                   "Jobs an API key may create a UTC day, unless the key has its own limit "
                   "(0: unlimited)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  serve_command
      ->add_option("--rate-limit", options->rate_limit.per_second,
                   "Requests a second an API key may sustain (0: unlimited)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  serve_command
      ->add_option("--rate-burst", options->rate_limit.burst,
                   "Requests an API key may make at once above its rate")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  serve_command
      ->add_option("--webhook-max-attempts", options->webhooks.max_attempts,
                   "Tries of a webhook delivery before it ends failed")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  serve_command
      ->add_option("--webhook-backoff-ms", options->webhook_backoff_ms,
                   "Wait after a webhook's first failed try; doubled after each next one")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3'600'000}));
  serve_command
      ->add_option("--webhook-timeout-seconds", options->webhook_timeout_seconds,
                   "Time a webhook receiver has to answer one try")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 300.0));
  serve_command->callback([&run, options] { run = [options] { return serve(*options); }; });

  auto* keys = app.add_subcommand("keys", "Create, list and revoke API keys");
  keys->require_subcommand(1);
  auto data = std::make_shared<std::string>("atlas-data");
  auto db = std::make_shared<std::string>();
  auto tenant = std::make_shared<std::string>();
  auto key_id = std::make_shared<std::string>();
  auto limits = std::make_shared<service::JobLimits>();

  auto* create = keys->add_subcommand("create", "Create a key (printed once; stored hashed)");
  create->add_option("--tenant", *tenant, "The tenant the key acts for (created when new)")
      ->required();
  create->add_option("--data", *data, "Data folder")->capture_default_str();
  create->add_option("--db", *db, "PostgreSQL URL (instead of the data folder's database)");
  create
      ->add_option("--concurrent-jobs", limits->concurrent_jobs,
                   "Jobs the key may have queued or running (0: the server's --concurrent-jobs)")
      ->check(CLI::NonNegativeNumber);
  create
      ->add_option("--jobs-per-day", limits->jobs_per_day,
                   "Jobs the key may create a UTC day (0: the server's --jobs-per-day)")
      ->check(CLI::NonNegativeNumber);
  create->callback([&run, data, db, tenant, limits] {
    run = [data, db, tenant, limits] {
      if (tenant->empty() || tenant->size() > 100)
        return fail("--tenant: a name of 1-100 characters");
      auto store = open_job_store(*db, *data);
      if (!store) return fail(store.error().message);
      const service::GeneratedKey key = service::generate_api_key();
      auto created = (*store)->create_key(*tenant, key.hash, key.prefix, *limits);
      if (!created) return fail(created.error().message);
      std::printf("%s\n", key.secret.c_str());
      std::fprintf(stderr,
                   "atlas: key %s for tenant %s; the key above is shown only now, keep it\n",
                   created->id.c_str(), created->tenant_name.c_str());
      // On stderr, like the line above, so `KEY=$(atlas keys create ...)` gets the key only.
      auto secret = (*store)->webhook_secret(created->tenant_id);
      if (!secret) return fail(secret.error().message);
      std::fprintf(stderr,
                   "atlas: webhook signing secret of tenant %s: %s (also GET "
                   "/v1/webhook-secret)\n",
                   created->tenant_name.c_str(), secret->c_str());
      return 0;
    };
  });

  auto* list = keys->add_subcommand("list", "List keys (ids and prefixes, never the keys)");
  list->add_option("--data", *data, "Data folder")->capture_default_str();
  list->add_option("--db", *db, "PostgreSQL URL (instead of the data folder's database)");
  list->callback([&run, data, db] {
    run = [data, db] {
      auto store = open_job_store(*db, *data);
      if (!store) return fail(store.error().message);
      auto keys_listed = (*store)->list_keys();
      if (!keys_listed) return fail(keys_listed.error().message);
      // Limits of 0 are the server's defaults.
      std::printf("%-20s %-24s %-16s %-8s %-10s %s\n", "id", "tenant", "prefix", "status",
                  "concurrent", "per-day");
      const auto limit = [](int value) { return value > 0 ? std::to_string(value) : "default"; };
      for (const service::ApiKey& key : *keys_listed)
        std::printf("%-20s %-24s %-16s %-8s %-10s %s\n", key.id.c_str(), key.tenant_name.c_str(),
                    key.prefix.c_str(), key.revoked ? "revoked" : "active",
                    limit(key.limits.concurrent_jobs).c_str(),
                    limit(key.limits.jobs_per_day).c_str());
      return 0;
    };
  });

  auto* revoke = keys->add_subcommand("revoke", "Revoke a key by its id");
  revoke->add_option("ID", *key_id, "The key's id (atlas keys list)")->required();
  revoke->add_option("--data", *data, "Data folder")->capture_default_str();
  revoke->add_option("--db", *db, "PostgreSQL URL (instead of the data folder's database)");
  revoke->callback([&run, data, db, key_id] {
    run = [data, db, key_id] {
      auto store = open_job_store(*db, *data);
      if (!store) return fail(store.error().message);
      if (Status revoked = (*store)->revoke_key(*key_id); !revoked)
        return fail(revoked.error().message);
      std::printf("revoked %s\n", key_id->c_str());
      return 0;
    };
  });

  // A subcommand of its own rather than of `keys`: the credit belongs to the tenant, whom
  // all its keys spend from.
  auto* tenants = app.add_subcommand("tenants", "Set tenants' credit limits");
  tenants->require_subcommand(1);
  auto amount = std::make_shared<std::string>();
  auto* credit = tenants->add_subcommand(
      "credit",
      "Set the tenant's credit limit: once its ledger's costs reach it, new jobs and uploads "
      "get 402");
  credit->add_option("NAME", *tenant, "The tenant (atlas keys list)")->required();
  credit->add_option("AMOUNT", *amount, "The limit, in the prices' currency; none: unlimited")
      ->required();
  credit->add_option("--data", *data, "Data folder")->capture_default_str();
  credit->add_option("--db", *db, "PostgreSQL URL (instead of the data folder's database)");
  credit->callback([&run, data, db, tenant, amount] {
    run = [data, db, tenant, amount] {
      const auto limit = parse_credit(*amount);
      if (!limit)
        return fail("AMOUNT: a number, 0 or more, or none (unlimited), not '" + *amount + "'");
      auto store = open_job_store(*db, *data);
      if (!store) return fail(store.error().message);
      if (Status set = (*store)->set_credit_limit(*tenant, *limit); !set)
        return fail(set.error().message);
      if (*limit)
        std::printf("tenant %s: credit limit %g\n", tenant->c_str(), **limit);
      else
        std::printf("tenant %s: no credit limit\n", tenant->c_str());
      return 0;
    };
  });
}

}  // namespace atlas::cli
