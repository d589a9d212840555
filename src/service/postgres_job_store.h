#pragma once
// The JobStore for several machines: PostgreSQL over libpq, shared by stateless API
// processes (`atlas serve --db`) and worker processes (`atlas worker --db`).
//
// Workers lease with SELECT ... FOR UPDATE SKIP LOCKED: each takes the oldest job no
// other transaction has locked, so many workers lease at once without waiting for each
// other and never take the same job. Lease expiry is decided by the database's clock,
// not the workers', so clocks that differ between machines cannot hand a live lease over.
//
// A libpq connection serves one thread at a time: the store keeps a small pool, lends a
// connection to each call and drops one whose link broke (the next call connects again).
// The connection URL is never put in an error or a log line: it may hold a password.

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "service/job_store.h"

struct pg_conn;

namespace atlas::service {

class PostgresJobStore final : public JobStore {
 public:
  // Connects and brings the schema to the current version (creating it when missing,
  // under an advisory lock so processes starting together do not race). Fails when the
  // server cannot be reached or its schema is newer than this program's.
  static Result<std::unique_ptr<PostgresJobStore>> open(const std::string& url);
  ~PostgresJobStore() override;
  PostgresJobStore(const PostgresJobStore&) = delete;
  PostgresJobStore& operator=(const PostgresJobStore&) = delete;

  // 1: jobs, keys, assets, events, the ledger; 2: key quotas, credit limits,
  // webhook secrets and the webhook outbox.
  static constexpr int kSchemaVersion = 3;

  // `url` with its password replaced by "***", for messages.
  static std::string redacted(const std::string& url);

  Result<ApiKey> create_key(const std::string& tenant_name, const std::string& key_hash,
                            const std::string& prefix, const JobLimits& limits = {}) override;
  Result<std::optional<ApiKey>> find_key(const std::string& key_hash) override;
  Result<std::vector<ApiKey>> list_keys() override;
  Status revoke_key(const std::string& key_id) override;
  Status set_credit_limit(const std::string& tenant_name,
                          std::optional<double> credit_limit) override;
  Result<Balance> balance(const std::string& tenant_id) override;

  Status add_asset(const Asset& asset) override;
  Result<std::optional<Asset>> find_asset(const std::string& tenant_id,
                                          const std::string& asset_id) override;

  Result<CreatedJob> create_job(const NewJob& job) override;
  Result<std::optional<Job>> find_job(const std::string& tenant_id,
                                      const std::string& job_id) override;
  Result<JobPage> list_jobs(const std::string& tenant_id, std::optional<JobState> state, int limit,
                            const std::string& cursor) override;
  Result<std::optional<Job>> cancel_job(const std::string& tenant_id,
                                        const std::string& job_id) override;
  Result<std::vector<std::pair<JobState, std::int64_t>>> count_jobs() override;
  Result<std::vector<ProviderCalls>> provider_calls() override;

  Result<std::optional<Job>> lease_next_job(const std::string& worker_id, std::int64_t lease_ms,
                                            int max_attempts) override;
  Result<LeaseStatus> renew_lease(const std::string& job_id, const std::string& worker_id,
                                  std::int64_t lease_ms) override;
  Status record_progress(const std::string& job_id, const std::string& worker_id, int progress,
                         const std::string& current_node, const std::string& event_json) override;
  Status release_job(const std::string& job_id, const std::string& worker_id) override;
  Status finish_job(const std::string& job_id, const std::string& worker_id,
                    const JobOutcome& outcome) override;

  Result<std::vector<JobEvent>> events_after(const std::string& job_id, std::int64_t after_seq,
                                             int limit) override;

  Result<bool> record_usage(const UsageEntry& entry) override;
  Status record_usage_batch(const std::vector<UsageEntry>& entries) override;
  Result<std::vector<UsageEntry>> usage(const std::string& tenant_id, std::int64_t from_ms,
                                        std::int64_t to_ms) override;
  Result<std::vector<UsageEntry>> job_usage(const std::string& job_id) override;

  Result<std::string> webhook_secret(const std::string& tenant_id) override;
  Result<std::vector<LeasedDelivery>> lease_deliveries(const std::string& owner,
                                                       std::int64_t lease_ms, int limit) override;
  Status record_delivery(const std::string& delivery_id, const std::string& owner,
                         const DeliveryResult& result) override;
  Result<std::vector<WebhookDelivery>> list_deliveries(const std::string& tenant_id,
                                                       const std::string& job_id) override;

  // A connection lent to one call; back to the pool when it goes out of scope, unless
  // its link broke.
  class Connection {
   public:
    Connection(PostgresJobStore& store, pg_conn* conn) : store_(&store), conn_(conn) {}
    Connection(Connection&& other) noexcept
        : store_(other.store_), conn_(std::exchange(other.conn_, nullptr)) {}
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    Connection& operator=(Connection&&) = delete;
    ~Connection();
    pg_conn* get() const { return conn_; }

   private:
    PostgresJobStore* store_;
    pg_conn* conn_;
  };

 private:
  explicit PostgresJobStore(std::string url);
  Result<Connection> connect();
  Status migrate();

  std::string url_;
  std::mutex mutex_;
  std::vector<pg_conn*> idle_;
};

}  // namespace atlas::service
