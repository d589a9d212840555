// The JobStore contract, kept by both stores: leases, idempotency, tenant scoping and
// the ledger. Each test runs against SQLite and against a real PostgreSQL server.

#include <gtest/gtest.h>

#include <thread>

#include "postgres_server.h"
#include "service/api_keys.h"
#include "service/postgres_job_store.h"
#include "service/sqlite_job_store.h"
#include "test_support.h"

namespace atlas::service {
namespace {

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

TEST(SqliteJobStore, OpeningSomethingElseFailsNamingTheFile) {
  const auto dir = test::scratch_dir();
  auto store = SqliteJobStore::open(dir / "missing" / "atlas.db");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("missing/atlas.db"), std::string::npos);
}

}  // namespace
}  // namespace atlas::service
