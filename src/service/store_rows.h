#pragma once
// What the JobStore implementations (sqlite_job_store, postgres_job_store) share, so that
// both keep the same columns and clients see the same event texts whichever database
// serves them. Internal to the service layer.
//
// A Row is one result row of a query that selected the columns below, in that order:
// text(i), integer(i), real(i) and flag(i) read column i.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "service/job_store.h"

namespace atlas::service::store_rows {

inline constexpr const char* kJobColumns =
    "seq, id, tenant_id, state, pipeline, inputs, webhook_url, "
    "COALESCE(idempotency_key, ''), progress, current_node, error_code, error_message, "
    "created_ms, started_ms, finished_ms, attempts, lease_owner, lease_expires_ms, "
    "cancel_requested, key_id, overrides";

inline constexpr const char* kUsageColumns =
    "entry_key, tenant_id, job_id, kind, provider, detail, quantity, cost, currency, billed_by, "
    "time_ms";

// The columns and the FROM clause: keys with their tenant's name.
inline constexpr const char* kKeyColumns =
    "k.id, k.tenant_id, t.name, k.prefix, k.created_ms, k.revoked, k.concurrent_jobs, "
    "k.jobs_per_day FROM api_keys k "
    "JOIN tenants t ON t.id = k.tenant_id";

inline constexpr const char* kDeliveryColumns =
    "id, job_id, tenant_id, event_seq, url, payload, state, attempts, next_attempt_ms, "
    "created_ms, delivered_ms";

// What the schema's current version adds to the first (both stores): the tenants'
// webhook secrets and the webhook outbox with its attempt log.
inline constexpr const char* kWebhookTables =
    "CREATE TABLE IF NOT EXISTS webhook_deliveries ("
    " id TEXT PRIMARY KEY, job_id TEXT NOT NULL, tenant_id TEXT NOT NULL,"
    " event_seq BIGINT NOT NULL, url TEXT NOT NULL, payload TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_ms BIGINT NOT NULL, lease_owner TEXT NOT NULL DEFAULT '',"
    " lease_expires_ms BIGINT NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL,"
    " delivered_ms BIGINT NOT NULL DEFAULT 0, UNIQUE (job_id, event_seq));"
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries"
    " (state, next_attempt_ms);"
    "CREATE TABLE IF NOT EXISTS webhook_attempts ("
    " delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, time_ms BIGINT NOT NULL,"
    " http_status INTEGER NOT NULL, error TEXT NOT NULL, duration_ms BIGINT NOT NULL,"
    " PRIMARY KEY (delivery_id, attempt));";

// A tenant's new webhook signing secret.
std::string new_webhook_secret();

// The state a state event's data (state_event's text) names.
std::optional<JobState> state_of_event(const std::string& data_json);

// Tells a store's listener that webhook deliveries were enqueued. A store's event writer
// calls mark() when it enqueues one; a notice declared in a store method before its
// transaction calls `notify` when the method returns, after the commit, if anything
// was marked in this thread meanwhile.
class DeliveriesNotice {
 public:
  explicit DeliveriesNotice(std::function<void()> notify) : notify_(std::move(notify)) {
    marked() = false;
  }
  ~DeliveriesNotice() {
    if (std::exchange(marked(), false)) notify_();
  }
  DeliveriesNotice(const DeliveriesNotice&) = delete;
  DeliveriesNotice& operator=(const DeliveriesNotice&) = delete;
  static void mark() { marked() = true; }

 private:
  static bool& marked() {
    thread_local bool flag = false;
    return flag;
  }
  std::function<void()> notify_;
};

// What GROUP BY selects for provider_calls: generation entries per provider, payer and
// currency (read with read_provider_calls).
inline constexpr const char* kProviderCallsQuery =
    "SELECT provider, billed_by, currency, COUNT(*), COALESCE(SUM(cost), 0) FROM usage_ledger "
    "WHERE kind = 'generation' GROUP BY provider, billed_by, currency "
    "ORDER BY provider, billed_by, currency";

// A tenant's credit limit (NULL: none) and spending, from tenants t, for one tenant id
// (the one parameter). Summing a tenant's ledger costs a scan of its entries, which only
// a tenant with a limit needs when submitting: kLimitedBalanceQuery reads 0 for the rest.
inline constexpr const char* kBalanceQuery =
    "SELECT t.credit_limit, (SELECT COALESCE(SUM(cost), 0) FROM usage_ledger "
    "WHERE tenant_id = t.id) FROM tenants t WHERE t.id = ";
inline constexpr const char* kLimitedBalanceQuery =
    "SELECT t.credit_limit, CASE WHEN t.credit_limit IS NULL THEN 0 ELSE (SELECT "
    "COALESCE(SUM(cost), 0) FROM usage_ledger WHERE tenant_id = t.id) END FROM tenants t "
    "WHERE t.id = ";

// The first millisecond of the UTC day `ms` falls in: jobs_per_day counts from there.
std::int64_t utc_day_start_ms(std::int64_t ms);

// The refusal, if any, of a new job of a key that has `active` jobs queued or running and
// created `today` jobs this UTC day, under `limits`.
CreatedJob check_job_limits(const JobLimits& limits, std::int64_t active, std::int64_t today);
// The refusal, if any, of a new job of a tenant with that balance.
CreatedJob check_balance(const Balance& balance);

// A job's inputs are stored one a line: asset ids and generation requests' compact JSON
// (service/job_input.h) never contain a newline.
std::string join_lines(const std::vector<std::string>& items);
std::vector<std::string> split_lines(const std::string& text);

// A stored kind's name back to the kind; an unknown name reads as an API call.
UsageKind parse_usage_kind(const std::string& text);

// `text` as a JSON string literal, quotes included.
std::string json_string(const std::string& text);
// A state event's data: {"state":"<state>"<extra>}, `extra` being more members (",...").
std::string state_event(JobState state, const std::string& extra = {});

// The JSON text POSTed for the state event `event_seq` of a job, whose data is
// `data_json`: {"id", "type": "job.state", "job_id", "state", "event_id", "data",
// "created_at"}.
std::string webhook_payload(const std::string& delivery_id, const std::string& job_id,
                            JobState state, std::int64_t event_seq, const std::string& data_json,
                            std::int64_t time_ms);
// `text` cut to at most kMaxDeliveryError bytes, never inside a UTF-8 sequence.
std::string truncated_error(const std::string& text);

template <typename Row>
WebhookDelivery read_delivery(const Row& row) {
  WebhookDelivery delivery;
  delivery.id = row.text(0);
  delivery.job_id = row.text(1);
  delivery.tenant_id = row.text(2);
  delivery.event_seq = row.integer(3);
  delivery.url = row.text(4);
  delivery.payload = row.text(5);
  delivery.state = parse_delivery_state(row.text(6)).value_or(DeliveryState::Failed);
  delivery.attempts = int(row.integer(7));
  delivery.next_attempt_ms = row.integer(8);
  delivery.created_ms = row.integer(9);
  delivery.delivered_ms = row.integer(10);
  return delivery;
}

// A row of "attempt, time_ms, http_status, error, duration_ms" from webhook_attempts.
template <typename Row>
DeliveryAttempt read_delivery_attempt(const Row& row) {
  DeliveryAttempt attempt;
  attempt.attempt = int(row.integer(0));
  attempt.time_ms = row.integer(1);
  attempt.http_status = int(row.integer(2));
  attempt.error = row.text(3);
  attempt.duration_ms = row.integer(4);
  return attempt;
}

template <typename Row>
Job read_job(const Row& row) {
  Job job;
  job.seq = row.integer(0);
  job.id = row.text(1);
  job.tenant_id = row.text(2);
  job.state = parse_job_state(row.text(3)).value_or(JobState::Failed);
  job.pipeline = row.text(4);
  job.inputs = split_lines(row.text(5));
  job.webhook_url = row.text(6);
  job.idempotency_key = row.text(7);
  job.progress = int(row.integer(8));
  job.current_node = row.text(9);
  job.error_code = row.text(10);
  job.error_message = row.text(11);
  job.created_ms = row.integer(12);
  job.started_ms = row.integer(13);
  job.finished_ms = row.integer(14);
  job.attempts = int(row.integer(15));
  job.lease_owner = row.text(16);
  job.lease_expires_ms = row.integer(17);
  job.cancel_requested = row.flag(18);
  job.key_id = row.text(19);
  job.overrides = row.text(20);
  return job;
}

template <typename Row>
UsageEntry read_usage(const Row& row) {
  UsageEntry entry;
  entry.entry_key = row.text(0);
  entry.tenant_id = row.text(1);
  entry.job_id = row.text(2);
  entry.kind = parse_usage_kind(row.text(3));
  entry.provider = row.text(4);
  entry.detail = row.text(5);
  entry.quantity = row.real(6);
  entry.cost = row.real(7);
  entry.currency = row.text(8);
  entry.billed_by = row.text(9);
  entry.time_ms = row.integer(10);
  return entry;
}

// A row of "id, tenant_id, filename, size, sha256, created_ms" from assets.
template <typename Row>
Asset read_asset(const Row& row) {
  Asset asset;
  asset.id = row.text(0);
  asset.tenant_id = row.text(1);
  asset.filename = row.text(2);
  asset.size = std::uint64_t(row.integer(3));
  asset.sha256 = row.text(4);
  asset.created_ms = row.integer(5);
  return asset;
}

template <typename Row>
ProviderCalls read_provider_calls(const Row& row) {
  return {row.text(0), row.text(1), row.text(2), row.integer(3), row.real(4)};
}

template <typename Row>
ApiKey read_key(const Row& row) {
  ApiKey key;
  key.id = row.text(0);
  key.tenant_id = row.text(1);
  key.tenant_name = row.text(2);
  key.prefix = row.text(3);
  key.created_ms = row.integer(4);
  key.revoked = row.flag(5);
  key.limits.concurrent_jobs = int(row.integer(6));
  key.limits.jobs_per_day = int(row.integer(7));
  return key;
}

}  // namespace atlas::service::store_rows
