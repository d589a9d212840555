#pragma once
// What the service keeps: tenants, API keys, uploaded assets, jobs with their events,
// and the usage ledger. JobStore is the storage interface the API and the workers use;
// SqliteJobStore (one machine, embedded) implements it, and a PostgreSQL store for
// several machines can implement the same contract.
//
// The contract every implementation keeps:
// - Every state change is one transaction: a crash leaves the old state or the new one.
// - A job is run by whoever holds its lease. lease_next_job hands out the oldest queued
//   job, or a running one whose lease expired (its worker died); renew_lease,
//   record_progress and finish_job succeed only for the current holder, so a worker
//   whose lease was taken over can never record an outcome.
// - The usage ledger is append-only and every entry has a unique key: recording the
//   same charge again (a job re-run after a crash) is a no-op, never a second charge.
// - create_job checks a key's job quotas and its tenant's credit in the transaction that
//   queues the job, so submissions racing each other can never overshoot a limit.
// - Reads and writes the API makes name the tenant: another tenant's job or asset is
//   not found, exactly like one that does not exist.
// - Webhooks: every "state" event of a job that has a webhook_url enqueues one delivery
//   (the webhook outbox) in the transaction that records the event, so a crash neither
//   loses a notification nor makes a second one. Deliveries are leased like jobs: one
//   holder at a time, handed over when its lease expires.
// Times are milliseconds since the Unix epoch (UTC).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace atlas::service {

std::int64_t now_ms();

enum class JobState { Queued, Running, Succeeded, Failed, Cancelled };
const char* to_string(JobState state);
std::optional<JobState> parse_job_state(const std::string& text);
// Succeeded, Failed and Cancelled: nothing changes the job any more.
bool is_terminal(JobState state);

struct Tenant {
  std::string id;
  std::string name;
  std::int64_t created_ms = 0;
};

// How many jobs one API key may have; 0: no limit. A key's own limits are set when it is
// created (0: the server's default applies).
struct JobLimits {
  int concurrent_jobs = 0;  // queued + running at once
  int jobs_per_day = 0;     // created per UTC day
};

// What a tenant may spend: the sum of its ledger's costs against its credit limit.
struct Balance {
  std::optional<double> credit_limit;  // nullopt: unlimited
  double spent = 0;
};

// Remote provider calls (the ledger's generation entries) per provider, payer and
// currency, for /metrics.
struct ProviderCalls {
  std::string provider;
  std::string billed_by;
  std::string currency;
  std::int64_t calls = 0;
  double cost = 0;
};

// A key is shown to its owner once, when created; the store keeps only its SHA-256 so a
// copy of the database gives nobody a usable key.
struct ApiKey {
  std::string id;  // public, for listing and revoking ("key_...")
  std::string tenant_id;
  std::string tenant_name;
  std::string prefix;  // the key's first characters, to recognise it in a list
  std::int64_t created_ms = 0;
  bool revoked = false;
  JobLimits limits{};  // the key's own; 0: the server's default
};

struct Asset {
  std::string id;  // "ast_..."
  std::string tenant_id;
  std::string filename;  // as uploaded; the pipeline recognises some formats by extension
  std::uint64_t size = 0;
  std::string sha256;
  std::int64_t created_ms = 0;
};

struct NewJob {
  std::string tenant_id;
  std::string pipeline;             // a preset name or a pipeline document's text (YAML or JSON)
  std::vector<std::string> inputs;  // asset ids, one a pipeline input
  std::string webhook_url;
  std::string idempotency_key;  // empty: none; unique per tenant otherwise
  // Braced: aggregate initialisations that stop before these need not name them.
  std::string key_id{};  // the API key that submits it; empty: none (no quota)
  JobLimits limits{};    // the limits that apply to key_id's jobs (0: none)
  // The parameter overrides of the pipeline, as a JSON object's text ({"triangles": 5000});
  // see job_pipeline.h.
  std::string overrides{"{}"};
};

struct Job {
  std::string id;        // "job_..."
  std::int64_t seq = 0;  // creation order, for paging
  std::string tenant_id;
  JobState state = JobState::Queued;
  std::string pipeline;
  std::vector<std::string> inputs;
  std::string webhook_url;
  std::string idempotency_key;
  std::string key_id;            // the API key that created it; empty when unknown
  std::string overrides = "{}";  // as in NewJob
  int progress = 0;              // 0-100
  std::string current_node;
  std::string error_code;
  std::string error_message;
  std::int64_t created_ms = 0;
  std::int64_t started_ms = 0;   // 0: not started (the latest attempt's start otherwise)
  std::int64_t finished_ms = 0;  // 0: not finished
  int attempts = 0;              // leases handed out so far
  std::string lease_owner;       // empty when not leased
  std::int64_t lease_expires_ms = 0;
  bool cancel_requested = false;
};

// Why create_job queued nothing.
enum class JobRefusal {
  None,
  ConcurrentJobs,       // the key has limits.concurrent_jobs jobs queued or running
  JobsPerDay,           // the key created limits.jobs_per_day jobs this UTC day
  InsufficientBalance,  // the tenant spent its credit limit
};

struct CreatedJob {
  Job job;              // empty when refused
  bool created = true;  // false: the idempotency key named an existing job, returned as is
  JobRefusal refused = JobRefusal::None;
  double limit = 0;  // when refused: the limit reached (jobs, or the credit limit)
  double used = 0;   // and how much of it is used (jobs, or the tenant's spending)
};

struct JobPage {
  std::vector<Job> jobs;    // newest first
  std::string next_cursor;  // empty: no more
};

// One event of a job: its state changes and its pipeline's node events, numbered from 1
// per job so an event stream can resume after the last one a client saw.
struct JobEvent {
  std::int64_t seq = 0;
  std::string type;       // "state" or "node"
  std::string data_json;  // a JSON object's text
  std::int64_t time_ms = 0;
};

enum class UsageKind { ApiCall, Generation, Asset, ComputeSeconds };
const char* to_string(UsageKind kind);

struct UsageEntry {
  // Unique in the whole ledger: recording an entry whose key is there already does
  // nothing. Derived from what is charged ("job:<id>:asset:<name>"), never random, for
  // everything a retry could record again.
  std::string entry_key;
  std::string tenant_id;
  std::string job_id;  // empty for charges outside a job
  UsageKind kind = UsageKind::ApiCall;
  std::string provider;  // "atlas" for Atlas's own charges, the remote provider otherwise
  std::string detail;    // the model, the artifact's name, the route
  double quantity = 0;
  double cost = 0;
  std::string currency = "USD";
  std::string billed_by;  // whose charge it is: "atlas", or "404" passed through at cost
  std::int64_t time_ms = 0;
};

// What Atlas charges for its own work; 404's generations come priced by the provider.
struct Prices {
  double api_call = 0;
  double asset = 0;           // an output file of a job
  double compute_second = 0;  // a second of a job's pipeline
  std::string currency = "USD";
};

// What a lease holder learns when it renews: whether a client asked to cancel.
struct LeaseStatus {
  bool cancel_requested = false;
};

// How a lease holder ends a job. `usage` is recorded in the same transaction as the
// state, so a job is never marked succeeded without its charges nor charged twice.
struct JobOutcome {
  JobState state = JobState::Succeeded;  // Succeeded, Failed or Cancelled
  std::string error_code;
  std::string error_message;
  std::vector<UsageEntry> usage;
};

enum class DeliveryState { Pending, Delivered, Failed };
const char* to_string(DeliveryState state);
std::optional<DeliveryState> parse_delivery_state(const std::string& text);

// One try at POSTing a delivery, as its log keeps it.
struct DeliveryAttempt {
  int attempt = 0;  // from 1
  std::int64_t time_ms = 0;
  int http_status = 0;  // 0: no response (connection refused, timeout, ...)
  std::string error;    // empty when delivered; at most kMaxDeliveryError bytes
  std::int64_t duration_ms = 0;
};

inline constexpr std::size_t kMaxDeliveryError = 500;

// One notification of one job event to the job's webhook_url.
struct WebhookDelivery {
  std::string id;  // "whd_...", sent as Atlas-Webhook-Id: receivers deduplicate by it
  std::string job_id;
  std::string tenant_id;
  std::int64_t event_seq = 0;  // the JobEvent it announces
  std::string url;
  std::string payload;  // the JSON text POSTed, fixed when the delivery is enqueued
  DeliveryState state = DeliveryState::Pending;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;  // when a pending delivery is due
  std::int64_t created_ms = 0;
  std::int64_t delivered_ms = 0;     // 0: not delivered
  std::vector<DeliveryAttempt> log;  // filled by list_deliveries, oldest first
};

// A delivery handed to a dispatcher, with what it signs it with. The secret is never
// part of what the API shows.
struct LeasedDelivery {
  WebhookDelivery delivery;
  std::string secret;  // the tenant's webhook signing secret
};

// What a dispatcher records after one try. `attempt.attempt` is ignored (the store
// numbers attempts).
struct DeliveryResult {
  DeliveryAttempt attempt;
  bool delivered = false;
  // Not delivered: retry after this many milliseconds (measured by the store's clock),
  // or give up (the delivery ends failed) when negative.
  std::int64_t retry_after_ms = -1;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Called (in the calling thread) after a transaction of this store object that may
  // have enqueued webhook deliveries committed, so a dispatcher in this process can
  // send them at once instead of at its next poll. Set it before other threads use the
  // store.
  void set_deliveries_listener(std::function<void()> listener) {
    deliveries_listener_ = std::move(listener);
  }

  // Tenants and keys. create_key makes the tenant when it does not exist; the caller
  // generated the key and passes only its hash (see api_keys.h).
  virtual Result<ApiKey> create_key(const std::string& tenant_name, const std::string& key_hash,
                                    const std::string& prefix, const JobLimits& limits = {}) = 0;
  // The live (not revoked) key with that hash, or nullopt.
  virtual Result<std::optional<ApiKey>> find_key(const std::string& key_hash) = 0;
  virtual Result<std::vector<ApiKey>> list_keys() = 0;
  // Fails when no key has that id.
  virtual Status revoke_key(const std::string& key_id) = 0;
  // Sets (nullopt: removes) the tenant's credit limit; fails when no tenant has the name.
  virtual Status set_credit_limit(const std::string& tenant_name,
                                  std::optional<double> credit_limit) = 0;
  virtual Result<Balance> balance(const std::string& tenant_id) = 0;

  virtual Status add_asset(const Asset& asset) = 0;
  virtual Result<std::optional<Asset>> find_asset(const std::string& tenant_id,
                                                  const std::string& asset_id) = 0;

  // Queues a job; with an idempotency key that the tenant used before, returns that
  // job instead (created = false), whatever the limits. Otherwise refuses it (queuing
  // nothing, `refused` saying why) when the tenant's spending reached its credit limit or
  // job.key_id is at one of job.limits, counted in the same transaction as the insert.
  virtual Result<CreatedJob> create_job(const NewJob& job) = 0;
  virtual Result<std::optional<Job>> find_job(const std::string& tenant_id,
                                              const std::string& job_id) = 0;
  // Newest first; `cursor` is a previous page's next_cursor (empty: the first page).
  virtual Result<JobPage> list_jobs(const std::string& tenant_id, std::optional<JobState> state,
                                    int limit, const std::string& cursor) = 0;
  // A queued job is cancelled at once; a running one is marked and its worker stops it
  // at its next heartbeat; a finished one is left as it is. Returns the job after.
  virtual Result<std::optional<Job>> cancel_job(const std::string& tenant_id,
                                                const std::string& job_id) = 0;
  // Jobs per state, for metrics and readiness.
  virtual Result<std::vector<std::pair<JobState, std::int64_t>>> count_jobs() = 0;
  // The ledger's generation entries summed, whichever process recorded them, for metrics.
  virtual Result<std::vector<ProviderCalls>> provider_calls() = 0;

  // Leasing, for workers. Takes the oldest queued job or the oldest running job whose
  // lease expired, counts an attempt and makes `worker_id` the holder until now +
  // lease_ms. A job that used max_attempts already is failed ("too_many_attempts")
  // instead of leased again, so a job that kills its worker cannot loop forever.
  virtual Result<std::optional<Job>> lease_next_job(const std::string& worker_id,
                                                    std::int64_t lease_ms, int max_attempts) = 0;
  // Fails when `worker_id` no longer holds the lease.
  virtual Result<LeaseStatus> renew_lease(const std::string& job_id, const std::string& worker_id,
                                          std::int64_t lease_ms) = 0;
  // Progress and current node, and the node event, in one transaction; fails when the
  // lease was lost.
  virtual Status record_progress(const std::string& job_id, const std::string& worker_id,
                                 int progress, const std::string& current_node,
                                 const std::string& event_json) = 0;
  // Gives a job back to the queue without counting the attempt, for a worker that shuts
  // down cleanly in the middle of it. Fails when the lease was lost.
  virtual Status release_job(const std::string& job_id, const std::string& worker_id) = 0;
  // Fails, changing nothing, when `worker_id` no longer holds the lease.
  virtual Status finish_job(const std::string& job_id, const std::string& worker_id,
                            const JobOutcome& outcome) = 0;

  // The job's events after `after_seq`, oldest first, at most `limit`.
  virtual Result<std::vector<JobEvent>> events_after(const std::string& job_id,
                                                     std::int64_t after_seq, int limit) = 0;

  // Returns whether the entry was new (false: its key was recorded before).
  virtual Result<bool> record_usage(const UsageEntry& entry) = 0;
  // Records many entries in one transaction, each as record_usage would.
  virtual Status record_usage_batch(const std::vector<UsageEntry>& entries) = 0;
  // A tenant's entries with from_ms <= time < to_ms, oldest first.
  virtual Result<std::vector<UsageEntry>> usage(const std::string& tenant_id, std::int64_t from_ms,
                                                std::int64_t to_ms) = 0;
  virtual Result<std::vector<UsageEntry>> job_usage(const std::string& job_id) = 0;

  // The tenant's webhook signing secret ("whsec_..."), made with the tenant. It is
  // stored as it is, since signing needs it; empty when there is no such tenant.
  virtual Result<std::string> webhook_secret(const std::string& tenant_id) = 0;
  // Webhook deliveries for dispatchers. Hands out at most `limit` pending deliveries
  // that are due and not leased (or whose lease expired), making `owner` their holder
  // for `lease_ms`. A job's deliveries go out in event order: a delivery is not handed
  // out while an earlier one of its job is pending. Processes sharing a database never
  // get the same delivery at once.
  virtual Result<std::vector<LeasedDelivery>> lease_deliveries(const std::string& owner,
                                                               std::int64_t lease_ms,
                                                               int limit) = 0;
  // Logs the try and ends the lease: the delivery becomes delivered, pending again
  // (due after retry_after_ms) or failed. Fails, changing nothing, when `owner` no
  // longer holds the delivery (its lease expired and another dispatcher took it).
  virtual Status record_delivery(const std::string& delivery_id, const std::string& owner,
                                 const DeliveryResult& result) = 0;
  // The job's deliveries, oldest event first, each with its attempt log; empty when the
  // job is not the tenant's.
  virtual Result<std::vector<WebhookDelivery>> list_deliveries(const std::string& tenant_id,
                                                               const std::string& job_id) = 0;

 protected:
  void deliveries_enqueued() const {
    if (deliveries_listener_) deliveries_listener_();
  }

 private:
  std::function<void()> deliveries_listener_;
};

}  // namespace atlas::service
