// What only the PostgreSQL store has to show: many workers in several processes leasing
// at once, processes starting together on an empty database, connections that break,
// and errors that never show the connection URL's password. The JobStore contract
// itself is in job_store_test.cpp, run against both stores.

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "postgres_server.h"
#include "service/postgres_job_store.h"

namespace atlas::service {
namespace {

class PostgresJobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = test::PostgresServer::shared();
    if (!server_) GTEST_SKIP() << test::PostgresServer::skip_reason();
    url_ = server_->create_database();
  }
  std::unique_ptr<PostgresJobStore> open_store() {
    auto store = PostgresJobStore::open(url_);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(store.value()) : nullptr;
  }

  test::PostgresServer* server_ = nullptr;
  std::string url_;
};

TEST_F(PostgresJobStoreTest, ProcessesStartingTogetherCreateTheSchemaOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      if (PostgresJobStore::open(url_).ok()) ++opened;
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(opened, 6);
}

TEST_F(PostgresJobStoreTest, ManyWorkersLeaseAtOnceAndNeverTheSameJob) {
  // Two stores stand for two worker processes, with four worker threads each.
  auto first = open_store(), second = open_store();
  ASSERT_TRUE(first && second);
  auto tenant = first->create_key("a", "hash-a", "atl_a");
  ASSERT_TRUE(tenant.ok());
  constexpr int kJobs = 60;
  for (int i = 0; i < kJobs; ++i)
    ASSERT_TRUE(first->create_job({tenant->tenant_id, "mobile", {"ast_01"}, "", ""}).ok());
  std::mutex mutex;
  std::multiset<std::string> leased;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      JobStore& store = i % 2 ? *first : *second;
      const std::string worker = "w" + std::to_string(i);
      for (;;) {
        auto job = store.lease_next_job(worker, 60'000, 3);
        if (!job) {
          ++errors;
          return;
        }
        if (!*job) return;
        {
          const std::lock_guard lock(mutex);
          leased.insert((*job)->id);
        }
        if (!store.finish_job((*job)->id, worker, JobOutcome{}).ok()) ++errors;
      }
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(leased.size(), std::size_t(kJobs));
  EXPECT_EQ(std::set<std::string>(leased.begin(), leased.end()).size(), std::size_t(kJobs));
  auto counts = first->count_jobs();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)[std::size_t(JobState::Succeeded)].second, kJobs);
}

TEST_F(PostgresJobStoreTest, TheSameIdempotencyKeyAtOnceMakesOneJob) {
  auto first = open_store(), second = open_store();
  ASSERT_TRUE(first && second);
  auto tenant = first->create_key("a", "hash-a", "atl_a");
  ASSERT_TRUE(tenant.ok());
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<std::string> ids;
  std::atomic<int> created{0};
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&, i] {
      auto job =
          (i % 2 ? *first : *second).create_job({tenant->tenant_id, "mobile", {}, "", "order-9"});
      ASSERT_TRUE(job.ok()) << job.error().message;
      if (job->created) ++created;
      const std::lock_guard lock(mutex);
      ids.insert(job->job.id);
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1u);
}

TEST_F(PostgresJobStoreTest, TheLedgerRefusesUpdatesAndDeletes) {
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(*store->record_usage({"k1", "ten_1", "", UsageKind::ApiCall, "atlas", "GET /v1/jobs",
                                    1, 0.01, "USD", "atlas", 5}));
  for (const char* sql :
       {"UPDATE usage_ledger SET cost = 0", "DELETE FROM usage_ledger", "TRUNCATE usage_ledger"}) {
    const test::CommandRun run =
        test::run_command(test::shell_quoted(server_->bin() / "psql") + " -X -c '" + sql + "' " +
                          test::shell_quoted(url_));
    EXPECT_NE(run.exit_code, 0) << sql;
    EXPECT_NE(run.output.find("append-only"), std::string::npos) << run.output;
  }
  EXPECT_EQ(store->usage("ten_1", 0, 10)->size(), 1u);
}

TEST_F(PostgresJobStoreTest, ABrokenConnectionIsReplaced) {
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->count_jobs().ok());
  // The server ends every other session of the database, the store's pooled one too.
  const test::CommandRun run = test::run_command(
      test::shell_quoted(server_->bin() / "psql") + " -X -c " +
      test::shell_quoted(
          "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = "
          "current_database() AND pid <> pg_backend_pid()") +
      " " + test::shell_quoted(url_));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // The next call finds the pooled connection closed and connects again.
  auto counted = store->count_jobs();
  EXPECT_TRUE(counted.ok()) << counted.error().message;
}

TEST_F(PostgresJobStoreTest, ErrorsNameTheOperationAndNeverThePassword) {
  const std::string url =
      "postgresql://atlas:s3cret-pw@/no_such_database?host=" + server_->dir().string() +
      "&port=5432";
  auto store = PostgresJobStore::open(url);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("connecting to postgresql://atlas:***@/no_such_database"),
            std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find("no_such_database\" does not exist"), std::string::npos)
      << store.error().message;
  EXPECT_EQ(store.error().message.find("s3cret"), std::string::npos) << store.error().message;
  EXPECT_EQ(PostgresJobStore::redacted("postgresql://u:p%40ss@db.example:5432/atlas"),
            "postgresql://u:***@db.example:5432/atlas");
  EXPECT_EQ(PostgresJobStore::redacted("postgresql://db/atlas?user=u&password=pw&sslmode=require"),
            "postgresql://db/atlas?user=u&password=***&sslmode=require");
  EXPECT_EQ(PostgresJobStore::redacted("postgresql://u@db/atlas"), "postgresql://u@db/atlas");
}

}  // namespace
}  // namespace atlas::service
