// The JobStore contract, kept by both stores: leases, idempotency, tenant scoping, the
// ledger, the webhook outbox and schema upgrades. Each test runs against SQLite and
// against a real PostgreSQL server.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <set>
#include <thread>

#include "postgres_server.h"
#include "service/api_keys.h"
#include "service/postgres_job_store.h"
#include "service/sqlite_job_store.h"
#include "test_support.h"

namespace atlas::service {
namespace {

// Runs `sql` on the database file directly, as an older or newer atlas would have left it.
void run_sql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// The parameter names the store: "sqlite" (a file in the test's scratch folder) or
// "postgres" (a new database on the test program's PostgreSQL server).
class JobStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      dir_ = test::scratch_dir();
      return;
    }
    test::PostgresServer* server = test::PostgresServer::shared();
    if (!server) GTEST_SKIP() << test::PostgresServer::skip_reason();
    url_ = server->create_database();
  }

  // The test's store; opening it again reaches the same data.
  std::unique_ptr<JobStore> open_store() {
    if (GetParam() == "sqlite") {
      auto store = SqliteJobStore::open(dir_ / "atlas.db");
      EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
      return store.ok() ? std::move(store.value()) : nullptr;
    }
    auto store = PostgresJobStore::open(url_);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(store.value()) : nullptr;
  }

  // Takes the test's database back to schema version 1, as an atlas without webhooks
  // left it (its tenants have no webhook secret).
  void downgrade_to_version_1() {
    if (GetParam() == "sqlite") {
      run_sql(dir_ / "atlas.db",
              "DROP TABLE webhook_deliveries; DROP TABLE webhook_attempts; "
              "ALTER TABLE tenants DROP COLUMN webhook_secret; DROP INDEX jobs_by_key_state; "
              "DROP INDEX jobs_by_key_time; DROP INDEX usage_by_kind; "
              "ALTER TABLE api_keys DROP COLUMN concurrent_jobs; "
              "ALTER TABLE api_keys DROP COLUMN jobs_per_day; "
              "ALTER TABLE tenants DROP COLUMN credit_limit; ALTER TABLE jobs DROP COLUMN key_id; "
              "ALTER TABLE jobs DROP COLUMN overrides; PRAGMA user_version = 1;");
      return;
    }
    const test::CommandRun run = test::run_command(
        test::shell_quoted(test::PostgresServer::shared()->bin() / "psql") +
        " -X -q -v ON_ERROR_STOP=1 -c " +
        test::shell_quoted("DROP TABLE webhook_deliveries, webhook_attempts; ALTER TABLE "
                           "tenants DROP COLUMN webhook_secret, DROP COLUMN credit_limit; "
                           "ALTER TABLE api_keys DROP COLUMN concurrent_jobs, DROP COLUMN "
                           "jobs_per_day; ALTER TABLE jobs DROP COLUMN key_id, DROP COLUMN "
                           "overrides; DROP INDEX "
                           "usage_by_kind; DELETE FROM atlas_schema WHERE version > 1;") +
        " " + test::shell_quoted(url_));
    EXPECT_EQ(run.exit_code, 0) << run.output;
  }

 private:
  std::filesystem::path dir_;
  std::string url_;
};

INSTANTIATE_TEST_SUITE_P(Stores, JobStoreContract, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

std::string tenant(JobStore& store, const std::string& name) {
  const GeneratedKey key = generate_api_key();
  auto created = store.create_key(name, key.hash, key.prefix);
  EXPECT_TRUE(created.ok());
  return created->tenant_id;
}

Job submit(JobStore& store, const std::string& tenant_id, const std::string& idempotency = {}) {
  NewJob job;
  job.tenant_id = tenant_id;
  job.pipeline = "mobile";
  job.inputs = {"ast_01", "ast_02"};
  job.idempotency_key = idempotency;
  auto created = store.create_job(job);
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
  return created->job;
}

TEST_P(JobStoreContract, KeysAreFoundByHashOnlyAndRevoked) {
  auto store = open_store();
  const GeneratedKey key = generate_api_key();
  EXPECT_EQ(key.secret.size(), 68u);
  auto created = store->create_key("acme", key.hash, key.prefix);
  ASSERT_TRUE(created.ok());
  auto found = store->find_key(hash_api_key(key.secret));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->tenant_name, "acme");
  EXPECT_EQ((*found)->tenant_id, created->tenant_id);
  // A second key of the same tenant shares its id.
  EXPECT_EQ(tenant(*store, "acme"), created->tenant_id);
  ASSERT_TRUE(store->revoke_key(created->id).ok());
  EXPECT_FALSE(store->find_key(key.hash)->has_value());
  EXPECT_FALSE(store->revoke_key("key_00").ok());
}

TEST_P(JobStoreContract, JobRoundTripsAndIdempotencyKeysArePerTenant) {
  auto store = open_store();
  const std::string a = tenant(*store, "a"), b = tenant(*store, "b");
  const Job first = submit(*store, a, "order-1");
  EXPECT_EQ(first.state, JobState::Queued);
  EXPECT_EQ(first.inputs, (std::vector<std::string>{"ast_01", "ast_02"}));
  EXPECT_EQ(first.overrides, "{}");
  NewJob overridden{a, "mobile", {"ast_01"}, "", ""};
  overridden.overrides = R"({"triangles":5000})";
  const auto created = store->create_job(overridden);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ((*store->find_job(a, created->job.id))->overrides, R"({"triangles":5000})");
  NewJob again{a, "other", {}, "", "order-1"};
  auto repeated = store->create_job(again);
  ASSERT_TRUE(repeated.ok());
  EXPECT_FALSE(repeated->created);
  EXPECT_EQ(repeated->job.id, first.id);
  // The same key from another tenant is another job.
  EXPECT_NE(submit(*store, b, "order-1").id, first.id);
  // Another tenant's job is not found.
  EXPECT_FALSE(store->find_job(b, first.id)->has_value());
  EXPECT_TRUE(store->find_job(a, first.id)->has_value());
  EXPECT_FALSE(store->cancel_job(b, first.id)->has_value());
}

TEST_P(JobStoreContract, ListsPageByCursorAndFilterByState) {
  auto store = open_store();
  const std::string a = tenant(*store, "a");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(submit(*store, a).id);
  ASSERT_TRUE(store->cancel_job(a, ids[1]).ok());
  auto page = store->list_jobs(a, std::nullopt, 2, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->jobs.size(), 2u);
  EXPECT_EQ(page->jobs[0].id, ids[4]);
  auto next = store->list_jobs(a, std::nullopt, 2, page->next_cursor);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->jobs[0].id, ids[2]);
  auto cancelled = store->list_jobs(a, JobState::Cancelled, 10, "");
  ASSERT_EQ(cancelled->jobs.size(), 1u);
  EXPECT_EQ(cancelled->jobs[0].id, ids[1]);
  EXPECT_TRUE(cancelled->next_cursor.empty());
  EXPECT_FALSE(store->list_jobs(a, std::nullopt, 2, "x1").ok());
}

TEST_P(JobStoreContract, ExpiredLeaseHandsTheJobOverAndTheStaleHolderCannotFinish) {
  auto store = open_store();
  const std::string a = tenant(*store, "a");
  const Job job = submit(*store, a);
  auto first = store->lease_next_job("w1", 50, 3);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->id, job.id);
  EXPECT_EQ((*first)->attempts, 1);
  // Held: nobody else gets it.
  EXPECT_FALSE(store->lease_next_job("w2", 50, 3)->has_value());
  EXPECT_TRUE(store->renew_lease(job.id, "w1", 50).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  auto second = store->lease_next_job("w2", 10000, 3);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->attempts, 2);
  EXPECT_FALSE(store->renew_lease(job.id, "w1", 50).ok());
  EXPECT_FALSE(store->record_progress(job.id, "w1", 50, "load", "{}").ok());
  JobOutcome done;
  done.usage.push_back({"job:" + job.id + ":compute", a, job.id, UsageKind::ComputeSeconds, "atlas",
                        "", 1.5, 0.01, "USD", "atlas", 0});
  EXPECT_FALSE(store->finish_job(job.id, "w1", done).ok());
  EXPECT_TRUE(store->job_usage(job.id)->empty());
  ASSERT_TRUE(store->finish_job(job.id, "w2", done).ok());
  auto finished = store->find_job(a, job.id);
  EXPECT_EQ((*finished)->state, JobState::Succeeded);
  EXPECT_EQ((*finished)->progress, 100);
  EXPECT_EQ(store->job_usage(job.id)->size(), 1u);
  // Finished jobs are not leased again, nor finished twice.
  EXPECT_FALSE(store->lease_next_job("w3", 50, 3)->has_value());
  EXPECT_FALSE(store->finish_job(job.id, "w2", done).ok());
  // Events: queued, running (1), running (2), succeeded, numbered from 1.
  auto events = store->events_after(job.id, 0, 100);
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[0].seq, 1);
  EXPECT_EQ((*events)[3].data_json, "{\"state\":\"succeeded\"}");
  EXPECT_EQ(store->events_after(job.id, 2, 100)->size(), 2u);
}

TEST_P(JobStoreContract, AJobThatKeepsLosingItsWorkerFailsAfterMaxAttempts) {
  auto store = open_store();
  const std::string a = tenant(*store, "a");
  const Job job = submit(*store, a);
  ASSERT_TRUE(store->lease_next_job("w1", 1, 2)->has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(store->lease_next_job("w2", 1, 2)->has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(store->lease_next_job("w3", 1, 2)->has_value());
  auto failed = store->find_job(a, job.id);
  EXPECT_EQ((*failed)->state, JobState::Failed);
  EXPECT_EQ((*failed)->error_code, "too_many_attempts");
}

TEST_P(JobStoreContract, CancellingARunningJobIsSeenAtTheNextRenewal) {
  auto store = open_store();
  const std::string a = tenant(*store, "a");
  const Job job = submit(*store, a);
  ASSERT_TRUE(store->lease_next_job("w1", 10000, 3)->has_value());
  EXPECT_FALSE(store->renew_lease(job.id, "w1", 10000)->cancel_requested);
  auto cancelling = store->cancel_job(a, job.id);
  EXPECT_EQ((*cancelling)->state, JobState::Running);
  EXPECT_TRUE(store->renew_lease(job.id, "w1", 10000)->cancel_requested);
}

TEST_P(JobStoreContract, TheLedgerRecordsAKeyOnceAndCannotBeRewritten) {
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    UsageEntry entry{"job:x:asset:a.glb",
                     "ten_1",
                     "job_1",
                     UsageKind::Asset,
                     "atlas",
                     "a.glb",
                     1,
                     0.02,
                     "USD",
                     "atlas",
                     1000};
    EXPECT_TRUE(*store->record_usage(entry));
    entry.cost = 99;
    EXPECT_FALSE(*store->record_usage(entry));
    auto entries = store->usage("ten_1", 0, 2000);
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_DOUBLE_EQ((*entries)[0].cost, 0.02);
    EXPECT_TRUE(store->usage("ten_2", 0, 2000)->empty());
  }
  // Reopening finds the schema in place and the entry still there.
  auto reopened = open_store();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->usage("ten_1", 0, 2000)->size(), 1u);
}

// A job of `tenant_id` that notifies `url`.
Job submit_with_webhook(JobStore& store, const std::string& tenant_id, const std::string& url) {
  NewJob job;
  job.tenant_id = tenant_id;
  job.pipeline = "mobile";
  job.webhook_url = url;
  auto created = store.create_job(job);
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
  return created->job;
}

DeliveryResult failed_try(std::int64_t retry_after_ms) {
  DeliveryResult result;
  result.attempt.http_status = 503;
  result.attempt.error = "HTTP 503: " + std::string(2000, 'x');
  result.attempt.duration_ms = 12;
  result.retry_after_ms = retry_after_ms;
  return result;
}

TEST_P(JobStoreContract, StateEventsOfAJobWithAWebhookEnqueueOneDeliveryEach) {
  auto store = open_store();
  const std::string a = tenant(*store, "a"), b = tenant(*store, "b");
  // Each tenant has its own secret, made with the tenant.
  const std::string secret = *store->webhook_secret(a);
  EXPECT_EQ(secret.rfind("whsec_", 0), 0u) << secret;
  EXPECT_GE(secret.size(), 6u + 64u);
  EXPECT_NE(*store->webhook_secret(b), secret);
  EXPECT_EQ(*store->webhook_secret("ten_00"), "");

  const Job quiet = submit(*store, a);  // no webhook_url: nothing to deliver
  const Job job = submit_with_webhook(*store, a, "http://127.0.0.1:9/hook");
  auto leased = store->lease_next_job("w1", 10000, 3);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  ASSERT_EQ((*leased)->id, quiet.id);
  ASSERT_TRUE(store->finish_job(quiet.id, "w1", JobOutcome{}).ok());
  ASSERT_TRUE(store->lease_next_job("w1", 10000, 3)->has_value());
  ASSERT_TRUE(store->record_progress(job.id, "w1", 50, "load", "{\"node\":\"load\"}").ok());
  JobOutcome failed;
  failed.state = JobState::Failed;
  failed.error_code = "pipeline_failed";
  failed.error_message = "it broke";
  ASSERT_TRUE(store->finish_job(job.id, "w1", failed).ok());

  EXPECT_TRUE(store->list_deliveries(a, quiet.id)->empty());
  EXPECT_TRUE(store->list_deliveries(b, job.id)->empty());  // another tenant's job
  auto deliveries = store->list_deliveries(a, job.id);
  ASSERT_TRUE(deliveries.ok()) << deliveries.error().message;
  // queued (event 1), running (2), failed (4): the node event (3) is not a state change.
  ASSERT_EQ(deliveries->size(), 3u);
  const std::vector<std::int64_t> seqs = {1, 2, 4};
  const std::vector<std::string> states = {"queued", "running", "failed"};
  for (std::size_t i = 0; i < 3; ++i) {
    const WebhookDelivery& delivery = (*deliveries)[i];
    EXPECT_EQ(delivery.id.rfind("whd_", 0), 0u);
    EXPECT_EQ(delivery.job_id, job.id);
    EXPECT_EQ(delivery.tenant_id, a);
    EXPECT_EQ(delivery.event_seq, seqs[i]);
    EXPECT_EQ(delivery.url, "http://127.0.0.1:9/hook");
    EXPECT_EQ(delivery.state, DeliveryState::Pending);
    EXPECT_EQ(delivery.attempts, 0);
    EXPECT_NE(delivery.payload.find("\"id\":\"" + delivery.id + "\""), std::string::npos);
    EXPECT_NE(delivery.payload.find("\"type\":\"job.state\""), std::string::npos);
    EXPECT_NE(delivery.payload.find("\"job_id\":\"" + job.id + "\""), std::string::npos);
    EXPECT_NE(delivery.payload.find("\"state\":\"" + states[i] + "\""), std::string::npos);
    EXPECT_NE(delivery.payload.find("\"event_id\":" + std::to_string(seqs[i]) + ","),
              std::string::npos);
  }
  EXPECT_NE((*deliveries)[2].payload.find("\"code\":\"pipeline_failed\""), std::string::npos);
}

TEST_P(JobStoreContract, DeliveriesAreLeasedInEventOrderRetriedAndLogged) {
  auto store = open_store();
  const std::string a = tenant(*store, "a");
  const Job job = submit_with_webhook(*store, a, "http://127.0.0.1:9/hook");
  ASSERT_TRUE(store->cancel_job(a, job.id).ok());  // a second state event: cancelled

  // Only the first of the job's deliveries is handed out, with the tenant's secret.
  auto first = store->lease_deliveries("d1", 10000, 10);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->size(), 1u);
  const WebhookDelivery queued = (*first)[0].delivery;
  EXPECT_EQ(queued.event_seq, 1);
  EXPECT_EQ((*first)[0].secret, *store->webhook_secret(a));
  // Leased: nobody else gets it, nor the next one of the job.
  EXPECT_TRUE(store->lease_deliveries("d2", 10000, 10)->empty());

  // A failed try, retried after 100 ms: not due before, and logged.
  ASSERT_TRUE(store->record_delivery(queued.id, "d1", failed_try(100)).ok());
  EXPECT_FALSE(store->record_delivery(queued.id, "d1", failed_try(100)).ok());  // not held
  EXPECT_TRUE(store->lease_deliveries("d2", 10000, 10)->empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  auto again = store->lease_deliveries("d2", 10000, 10);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].delivery.id, queued.id);
  EXPECT_EQ((*again)[0].delivery.attempts, 1);
  // The stale holder cannot record anything once another has the delivery.
  EXPECT_FALSE(store->record_delivery(queued.id, "d1", DeliveryResult{{}, true, -1}).ok());
  DeliveryResult delivered;
  delivered.delivered = true;
  delivered.attempt.http_status = 204;
  delivered.attempt.duration_ms = 3;
  ASSERT_TRUE(store->record_delivery(queued.id, "d2", delivered).ok());

  // Then the job's next delivery; given up after a last failed try.
  auto next = store->lease_deliveries("d3", 10000, 10);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].delivery.event_seq, 2);
  ASSERT_TRUE(store->record_delivery((*next)[0].delivery.id, "d3", failed_try(-1)).ok());
  EXPECT_TRUE(store->lease_deliveries("d3", 10000, 10)->empty());

  auto log = store->list_deliveries(a, job.id);
  ASSERT_EQ(log->size(), 2u);
  const WebhookDelivery& done = (*log)[0];
  EXPECT_EQ(done.state, DeliveryState::Delivered);
  EXPECT_EQ(done.attempts, 2);
  EXPECT_GT(done.delivered_ms, 0);
  ASSERT_EQ(done.log.size(), 2u);
  EXPECT_EQ(done.log[0].attempt, 1);
  EXPECT_EQ(done.log[0].http_status, 503);
  EXPECT_EQ(done.log[0].error.size(), kMaxDeliveryError);  // truncated
  EXPECT_EQ(done.log[0].duration_ms, 12);
  EXPECT_EQ(done.log[1].attempt, 2);
  EXPECT_EQ(done.log[1].http_status, 204);
  EXPECT_TRUE(done.log[1].error.empty());
  EXPECT_EQ((*log)[1].state, DeliveryState::Failed);
  EXPECT_EQ((*log)[1].attempts, 1);
  EXPECT_EQ((*log)[1].delivered_ms, 0);
}

TEST_P(JobStoreContract, AnExpiredDeliveryLeaseIsHandedOverAndConcurrentLeasesNeverShare) {
  auto store = open_store();
  const std::string a = tenant(*store, "a");
  for (int i = 0; i < 6; ++i)
    submit_with_webhook(*store, a, "http://127.0.0.1:9/" + std::to_string(i));
  auto first = store->lease_deliveries("d1", 50, 1);
  ASSERT_EQ(first->size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  // Expired: the next dispatcher takes it with the others.
  std::vector<std::vector<LeasedDelivery>> taken(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] {
      auto leased = store->lease_deliveries("c" + std::to_string(i), 10000, 2);
      if (leased.ok()) taken[std::size_t(i)] = std::move(leased.value());
    });
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> ids;
  std::size_t count = 0;
  for (const auto& batch : taken)
    for (const LeasedDelivery& delivery : batch) {
      ids.insert(delivery.delivery.id);
      ++count;
    }
  EXPECT_EQ(count, 6u);
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_TRUE(ids.count((*first)[0].delivery.id));
  EXPECT_FALSE(store->record_delivery((*first)[0].delivery.id, "d1", DeliveryResult{}).ok());
}

// A key with its limits, as create_job is given them: its id and its tenant's.
std::pair<std::string, std::string> limited_key(JobStore& store, const std::string& name,
                                                const JobLimits& limits) {
  const GeneratedKey key = generate_api_key();
  auto created = store.create_key(name, key.hash, key.prefix, limits);
  EXPECT_TRUE(created.ok());
  return {created->id, created->tenant_id};
}

Result<CreatedJob> submit_as(JobStore& store, const std::string& key_id,
                             const std::string& tenant_id, const JobLimits& limits,
                             const std::string& idempotency = {}) {
  NewJob job;
  job.tenant_id = tenant_id;
  job.pipeline = "mobile";
  job.key_id = key_id;
  job.limits = limits;
  job.idempotency_key = idempotency;
  return store.create_job(job);
}

TEST_P(JobStoreContract, ConcurrentSubmissionsNeverOvershootAKeysJobQuota) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const JobLimits limits{3, 0};
  const auto [key_id, tenant_id] = limited_key(*store, "a", limits);
  ASSERT_FALSE(key_id.empty());
  // Each thread its own store (connection): SQLite's and PostgreSQL's own locking is what
  // keeps them apart, not a mutex of this process.
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<JobStore>> stores;
  for (int i = 0; i < kThreads; ++i) stores.push_back(open_store());
  std::atomic<int> created{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      auto result = submit_as(*stores[std::size_t(i)], key_id, tenant_id, limits);
      if (!result)
        ++failed;
      else if (result->refused == JobRefusal::ConcurrentJobs)
        ++refused;
      else if (result->created)
        ++created;
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), 3);
  EXPECT_EQ(refused.load(), kThreads - 3);

  auto page = store->list_jobs(tenant_id, std::nullopt, 10, "");
  ASSERT_EQ(page->jobs.size(), 3u);
  EXPECT_EQ(page->jobs[0].key_id, key_id);
  // A finished (here: cancelled) job frees its place; another key is not limited by it.
  ASSERT_TRUE(store->cancel_job(tenant_id, page->jobs[0].id).ok());
  EXPECT_TRUE(submit_as(*store, key_id, tenant_id, limits)->created);
  const auto refusal = submit_as(*store, key_id, tenant_id, limits);
  EXPECT_EQ(refusal->refused, JobRefusal::ConcurrentJobs);
  EXPECT_DOUBLE_EQ(refusal->limit, 3);
  EXPECT_TRUE(refusal->job.id.empty());
  EXPECT_TRUE(submit_as(*store, "", tenant_id, {}).value().created);
}

TEST_P(JobStoreContract, JobsPerDayCountTheUtcDayAndReplaysAreNeverRefused) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const JobLimits limits{0, 2};
  const auto [key_id, tenant_id] = limited_key(*store, "a", limits);
  const auto first = submit_as(*store, key_id, tenant_id, limits, "order-1");
  ASSERT_TRUE(first.ok() && first->created);
  ASSERT_TRUE(store->cancel_job(tenant_id, first->job.id).ok());
  EXPECT_TRUE(submit_as(*store, key_id, tenant_id, limits)->created);
  // Cancelled or not, both were created today.
  const auto third = submit_as(*store, key_id, tenant_id, limits);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->refused, JobRefusal::JobsPerDay);
  EXPECT_DOUBLE_EQ(third->used, 2);
  // Replaying the first submission answers with its job, over the limit or not.
  const auto replay = submit_as(*store, key_id, tenant_id, limits, "order-1");
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->refused, JobRefusal::None);
  EXPECT_FALSE(replay->created);
  EXPECT_EQ(replay->job.id, first->job.id);
  // The key's own limits are stored with it.
  auto keys = store->list_keys();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].limits.jobs_per_day, 2);
  EXPECT_EQ((*keys)[0].limits.concurrent_jobs, 0);
}

TEST_P(JobStoreContract, ATenantThatSpentItsCreditLimitIsRefusedJobs) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const std::string a = tenant(*store, "a");
  EXPECT_FALSE(store->set_credit_limit("nobody", 1.0).ok());
  auto unlimited = store->balance(a);
  ASSERT_TRUE(unlimited.ok());
  EXPECT_FALSE(unlimited->credit_limit.has_value());
  ASSERT_TRUE(store->set_credit_limit("a", 1.0).ok());
  const Job first = submit(*store, a, "order-1");
  for (const char* key : {"one", "two"})
    ASSERT_TRUE(store
                    ->record_usage({std::string("gen:") + key, a, first.id, UsageKind::Generation,
                                    "404", "404-mesh", 1, 0.5, "USD", "404", 0})
                    .ok());
  auto spent = store->balance(a);
  ASSERT_TRUE(spent.ok());
  EXPECT_DOUBLE_EQ(*spent->credit_limit, 1.0);
  EXPECT_DOUBLE_EQ(spent->spent, 1.0);
  NewJob job{a, "mobile", {}, "", ""};
  auto refused = store->create_job(job);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->refused, JobRefusal::InsufficientBalance);
  EXPECT_DOUBLE_EQ(refused->used, 1.0);
  EXPECT_DOUBLE_EQ(refused->limit, 1.0);
  // A replay still answers; more credit, or none, lets jobs in again.
  job.idempotency_key = "order-1";
  EXPECT_EQ(store->create_job(job)->job.id, first.id);
  job.idempotency_key.clear();
  ASSERT_TRUE(store->set_credit_limit("a", std::nullopt).ok());
  EXPECT_TRUE(store->create_job(job)->created);
  EXPECT_FALSE(store->balance(a)->credit_limit.has_value());
}

TEST_P(JobStoreContract, ProviderCallsSumTheLedgersGenerations) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const auto entry = [](const std::string& key, UsageKind kind, const std::string& provider,
                        double cost) {
    return UsageEntry{key, "ten_1", "job_1", kind, provider, "m", 1, cost, "USD", provider, 1000};
  };
  ASSERT_TRUE(store
                  ->record_usage_batch({entry("g1", UsageKind::Generation, "404", 0.25),
                                        entry("g2", UsageKind::Generation, "404", 0.5),
                                        entry("g3", UsageKind::Generation, "meshy", 0.1),
                                        entry("a1", UsageKind::Asset, "atlas", 7)})
                  .ok());
  auto calls = store->provider_calls();
  ASSERT_TRUE(calls.ok());
  ASSERT_EQ(calls->size(), 2u);
  EXPECT_EQ((*calls)[0].provider, "404");
  EXPECT_EQ((*calls)[0].billed_by, "404");
  EXPECT_EQ((*calls)[0].calls, 2);
  EXPECT_DOUBLE_EQ((*calls)[0].cost, 0.75);
  EXPECT_EQ((*calls)[1].provider, "meshy");
  EXPECT_EQ((*calls)[1].calls, 1);
}

// Version 1's schema, as a database made before quotas has it.
constexpr const char* kSchemaVersion1 = R"sql(
CREATE TABLE tenants (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
  key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, created_ms INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE assets (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, filename TEXT NOT NULL,
  size INTEGER NOT NULL, sha256 TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
  state TEXT NOT NULL, pipeline TEXT NOT NULL, inputs TEXT NOT NULL,
  webhook_url TEXT NOT NULL, idempotency_key TEXT, progress INTEGER NOT NULL DEFAULT 0,
  current_node TEXT NOT NULL DEFAULT '', error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL,
  started_ms INTEGER NOT NULL DEFAULT 0, finished_ms INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT NOT NULL DEFAULT '',
  lease_expires_ms INTEGER NOT NULL DEFAULT 0, cancel_requested INTEGER NOT NULL DEFAULT 0,
  event_seq INTEGER NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, idempotency_key));
CREATE INDEX jobs_by_state ON jobs (state, seq);
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, seq);
CREATE TABLE job_events (
  job_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
  time_ms INTEGER NOT NULL, PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
CREATE TABLE usage_ledger (
  id INTEGER PRIMARY KEY, entry_key TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL, kind TEXT NOT NULL, provider TEXT NOT NULL, detail TEXT NOT NULL,
  quantity REAL NOT NULL, cost REAL NOT NULL, currency TEXT NOT NULL,
  billed_by TEXT NOT NULL, time_ms INTEGER NOT NULL);
CREATE INDEX usage_by_tenant ON usage_ledger (tenant_id, time_ms);
CREATE INDEX usage_by_job ON usage_ledger (job_id);
CREATE TRIGGER usage_ledger_no_update BEFORE UPDATE ON usage_ledger
  BEGIN SELECT RAISE(ABORT, 'the usage ledger is append-only'); END;
CREATE TRIGGER usage_ledger_no_delete BEFORE DELETE ON usage_ledger
  BEGIN SELECT RAISE(ABORT, 'the usage ledger is append-only'); END;
PRAGMA user_version = 1;
)sql";

TEST(SqliteJobStore, AVersion1DatabaseIsUpgradedKeepingItsData) {
  const auto dir = test::scratch_dir();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "atlas.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, kSchemaVersion1, nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "INSERT INTO tenants VALUES ('ten_1', 'old', 1);"
                           "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, created_ms) "
                           "VALUES ('key_1', 'ten_1', 'hash', 'atl_x', 1);"
                           "INSERT INTO jobs (id, tenant_id, state, pipeline, inputs, "
                           "webhook_url, created_ms) VALUES ('job_1', 'ten_1', 'queued', "
                           "'mobile', '', '', 1);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = SqliteJobStore::open(dir / "atlas.db");
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto job = (*store)->find_job("ten_1", "job_1");
  ASSERT_TRUE(job.ok() && job->has_value());
  EXPECT_EQ((*job)->key_id, "");
  auto keys = (*store)->list_keys();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].limits.concurrent_jobs, 0);
  ASSERT_TRUE((*store)->set_credit_limit("old", 2).ok());
  EXPECT_DOUBLE_EQ((*store)->balance("ten_1")->credit_limit.value_or(0), 2);
  store->reset();
  // Opened again, it is at version 2 already.
  EXPECT_TRUE(SqliteJobStore::open(dir / "atlas.db").ok());
}

TEST(SqliteJobStore, OpeningSomethingElseFailsNamingTheFile) {
  const auto dir = test::scratch_dir();
  auto store = SqliteJobStore::open(dir / "missing" / "atlas.db");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("missing/atlas.db"), std::string::npos);
}

TEST_P(JobStoreContract, AVersionOneDatabaseIsUpgradedAndItsTenantsGetWebhookSecrets) {
  std::string tenant_id, old_job;
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    tenant_id = tenant(*store, "old");
    old_job = submit(*store, tenant_id).id;
  }
  downgrade_to_version_1();
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_EQ((*store->find_job(tenant_id, old_job))->overrides, "{}");
  EXPECT_EQ(store->webhook_secret(tenant_id)->rfind("whsec_", 0), 0u);
  const Job job = submit_with_webhook(*store, tenant_id, "https://example.com/hook");
  EXPECT_EQ(store->list_deliveries(tenant_id, job.id)->size(), 1u);
}

TEST(SqliteJobStore, ADatabaseOfANewerVersionIsRefused) {
  const auto dir = test::scratch_dir();
  { ASSERT_TRUE(SqliteJobStore::open(dir / "atlas.db").ok()); }
  run_sql(dir / "atlas.db", "PRAGMA user_version = 99");
  auto store = SqliteJobStore::open(dir / "atlas.db");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("schema version 99"), std::string::npos)
      << store.error().message;
}

}  // namespace
}  // namespace atlas::service
