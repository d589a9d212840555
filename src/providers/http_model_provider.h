#pragma once
// A task-style REST model service as a pipeline remote provider, its behaviour declared
// entirely by an HttpModelConfig: the `http_model` op's request becomes a create
// request built from the config's body template, the task is polled until it succeeds
// or fails, and the result file is downloaded with the same HTTP client and returned
// encoded for the op to decode.
//
// Errors read "<code>: <message>" with the 404 gateway client's stable codes
// (gateway_error.h): bad_request, unauthorized, insufficient_balance, rate_limited,
// queue_full (503), not_found, generation_failed (the task failed; its message
// quoted), timeout, connection_dropped, unreachable, corrupt_payload, server_error,
// cancelled, not_configured (no key in the environment variable). The key never
// appears in them.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "pipeline/remote_provider.h"
#include "providers/gateway_config.h"
#include "providers/gateway_error.h"
#include "providers/http_client.h"
#include "providers/http_model_config.h"
#include "providers/price_table.h"

namespace atlas::providers {

// What one call attempted, for metering and provenance. Filled in on success and on
// failure.
struct HttpModelRecord {
  std::string provider;
  std::string model;
  std::string task_id;  // empty when no task is known to exist
  // A create request was sent but its answer was lost (dropped, timed out, a 5xx other
  // than 503, an answer without an id): a task may exist and be charged.
  bool task_outcome_unknown = false;
  int create_requests = 0;  // create requests that reached the service
  std::chrono::milliseconds elapsed{0};
};

struct HttpModelOutcome {
  HttpModelRecord record;
  std::optional<pipeline::EncodedAsset> result;  // set on success
  std::optional<GatewayError> error;             // set on failure
  bool ok() const { return !error; }
};

class HttpModelProvider final : public pipeline::RemoteProvider {
 public:
  // Reads the key from config.key_env in `environment` now; without one the provider
  // still registers and every call fails with not_configured. Calls are priced from
  // `prices` under the declaration's name and billed by it.
  HttpModelProvider(HttpModelConfig config, const EnvironmentLookup& environment,
                    PriceTable prices = {});

  std::string name() const override { return config_.name; }

  // Builds the create body (failing with bad_request before anything is sent on
  // options the template does not name, a non-object options text, a splat input or
  // a placeholder inside text without a value), creates the task, polls it with
  // jittered intervals until a succeeded or failed status or the timeout, and
  // downloads the result; every call that reached the service is reported to
  // request.usage. Returns within about 10 ms of `cancel` turning true, or when
  // the running request notices.
  //
  // Retries, and why they never create a second task: the create request is repeated
  // only when the service provably created none: the request never left this machine
  // (DNS, TCP or TLS failure), or it answered 429 (Retry-After honoured, else back-off)
  // or 503 (back-off). 4xx answers fail at once. When the request was sent but its
  // answer was lost (dropped connection, timeout, another 5xx, an accepted answer
  // without a task id), the call fails with record.task_outcome_unknown set. Polls and
  // downloads are idempotent: transient failures (connection, timeout, 5xx, 429, a
  // truncated or malformed file) are retried with back-off, at most max_attempts in a
  // row. The auth header goes to the base URL's origin only: result URLs elsewhere (a
  // storage bucket's signed URL) are fetched without it.
  HttpModelOutcome run(const pipeline::ModelRequest& request, const std::atomic<bool>& cancel,
                       const pipeline::RemoteProgress& progress) const;

  // run() for the pipeline: the result encoded, or the error as "<code>: <message>".
  Result<pipeline::RemoteAsset> run_model(const pipeline::ModelRequest& request,
                                          const std::atomic<bool>& cancel,
                                          const pipeline::RemoteProgress& progress) const override;

 private:
  HttpModelConfig config_;
  PriceTable prices_;
  std::string api_key_;
  HttpClient http_;
};

// Loads the declaration in `file`, builds its provider with the key from `environment`
// and registers it (pipeline::register_remote_provider), replacing one of the same
// name. Errors name the file, and for declaration errors the line, column and field.
Result<std::shared_ptr<const pipeline::RemoteProvider>> load_http_model_provider(
    const std::filesystem::path& file, const EnvironmentLookup& environment = process_environment(),
    PriceTable prices = {});

}  // namespace atlas::providers
