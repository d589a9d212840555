#pragma once
// The embedded JobStore: one SQLite database file in WAL mode, so `atlas serve` needs
// nothing installed and `atlas keys` can change keys while a server runs. Write
// transactions are BEGIN IMMEDIATE (a writer waits up to the busy timeout for another
// process instead of failing half-way). Writes share one connection under a mutex, which
// SQLite's own locking would serialise anyway; reads take read-only connections of their
// own, so the API's GETs never wait for a write to reach the disk.

#include <filesystem>
#include <memory>
#include <mutex>

#include "service/job_store.h"

struct sqlite3;

namespace atlas::service {

class ReaderPool;
class StatementCache;

class SqliteJobStore final : public JobStore {
 public:
  // Opens (creating when missing) the database and brings its schema to the current
  // version. Fails naming the file when it cannot, or when the file's schema is newer
  // than this program's.
  static Result<std::unique_ptr<SqliteJobStore>> open(const std::filesystem::path& file);
  ~SqliteJobStore() override;
  SqliteJobStore(const SqliteJobStore&) = delete;
  SqliteJobStore& operator=(const SqliteJobStore&) = delete;

  // 1: jobs, keys, assets, events, the ledger; 2: key quotas, credit limits,
  // webhook secrets and the webhook outbox.
  static constexpr int kSchemaVersion = 3;

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

 private:
  SqliteJobStore(sqlite3* db, std::filesystem::path file);
  Status migrate();

  sqlite3* db_;
  std::filesystem::path file_;
  std::unique_ptr<StatementCache> statements_;
  std::unique_ptr<ReaderPool> readers_;
  std::mutex mutex_;
};

}  // namespace atlas::service
