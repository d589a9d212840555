#pragma once
// The /v1 REST API over the job store and the artifact store, as an HttpHandler.
//
// Every /v1 route needs an API key (`Authorization: Bearer KEY` or `x-api-key: KEY`)
// and sees only its tenant's jobs, assets and artifacts: another tenant's is a 404, the
// same answer as for one that does not exist. Every authenticated call is an api_call
// entry of the usage ledger. Errors are always {"error": {"code", "message"}} with the
// status that fits. A key over its rate limit or one of its job quotas gets 429 with
// Retry-After; a tenant whose spending reached its credit limit gets 402 for what would
// cost more (submitting jobs, uploading). src/service/openapi.json
// documents the routes (served at /openapi.json), and a test checks it against routes().

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/artifact_store.h"
#include "service/http_server.h"
#include "service/job_store.h"
#include "service/key_cache.h"
#include "service/metrics.h"
#include "service/rate_limiter.h"

namespace atlas::service {

struct ApiOptions {
  Prices prices;
  // Called when a job was queued (the workers' wake-up).
  std::function<void()> job_queued;
  // The jobs this process's workers ran, for /metrics.
  std::function<std::int64_t()> jobs_run;
  std::uint64_t max_pipeline_bytes = 1 << 20;  // an inline pipeline document
  RateLimit rate_limit;                        // per API key
  // The job quotas of keys created without their own (0: unlimited).
  JobLimits default_limits;
};

struct Route {
  std::string method;
  std::string path;  // "/v1/jobs/{id}"
};

class Api {
 public:
  Api(JobStore& store, ArtifactStore& artifacts, ApiOptions options);
  // Flushes the api_call entries still buffered.
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  HttpResponse handle(const HttpRequest& request);

  // Every route the API answers, in the order they are matched.
  static std::vector<Route> routes();

  struct Call;

 private:
  void flush_usage_loop();
  void charge_call(const std::string& tenant_id, const std::string& route);
  // The live key with that secret: from the keys seen in the last second, else the store.
  // A revoked key is refused within that second.
  Result<std::optional<ApiKey>> find_key(const std::string& secret);

  JobStore& store_;
  ArtifactStore& artifacts_;
  ApiOptions options_;
  Metrics metrics_;
  RateLimiter limiter_;
  KeyCache recent_keys_;
  // api_call entries are keyed by this process's random prefix and a counter: unique
  // without asking the system for randomness on every request.
  const std::string call_key_prefix_;
  std::atomic<std::uint64_t> calls_charged_{0};
  // api_call entries are written in batches, a transaction every quarter second instead
  // of one a request: a crash loses at most that much of them (charging less, never
  // twice).
  std::mutex usage_mutex_;
  std::condition_variable usage_cv_;
  std::vector<UsageEntry> pending_usage_;
  bool stopping_ = false;
  std::thread usage_flusher_;
};

}  // namespace atlas::service
