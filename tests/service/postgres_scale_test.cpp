// The PostgreSQL mode with real processes: one `atlas serve --db` API process (no
// workers of its own) and two `atlas worker --db` processes share a PostgreSQL server and
// a data folder. 50 jobs are submitted through the API and one worker is killed with
// SIGKILL while it runs a job: its lease expires (a 1 s lease here), the other worker
// finishes the job, and every job succeeds exactly once, charged once, artifacts whole.

#include <gtest/gtest.h>

#include <set>

#include "atlas_process.h"
#include "core/sha256.h"
#include "postgres_server.h"
#include "service_client.h"

namespace atlas::test {
namespace {

namespace fs = std::filesystem;

// Rows of a query through psql, one a line, columns separated by '|'.
std::vector<std::string> query(const PostgresServer& server, const std::string& url,
                               const std::string& sql) {
  const CommandRun run = run_command(shell_quoted(server.bin() / "psql") + " -X -A -t -c " +
                                     shell_quoted(sql) + " " + shell_quoted(url));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::vector<std::string> rows;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) rows.push_back(line);
  return rows;
}

int count(const std::string& text, const std::string& what) {
  int found = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++found;
  return found;
}

TEST(PostgresScaleOut, TwoWorkersOneKilledFiftyJobsSucceedExactlyOnce) {
  PostgresServer* server = PostgresServer::shared();
  if (!server) GTEST_SKIP() << PostgresServer::skip_reason();
  const auto started = std::chrono::steady_clock::now();
  const std::string url = server->create_database();
  const fs::path data = scratch_dir();

  const CommandRun key_run = run_command(shell_quoted(atlas_binary()) +
                                         " keys create --tenant scale --db " + shell_quoted(url));
  ASSERT_EQ(key_run.exit_code, 0) << key_run.output;
  const std::size_t key_at = key_run.output.find("atl_");
  ASSERT_NE(key_at, std::string::npos) << key_run.output;
  const std::string auth = "x-api-key: " + key_run.output.substr(key_at, 68);

  const std::vector<std::string> prices = {"--price-asset", "0.05", "--price-compute-second",
                                           "0.001"};
  auto with_prices = [&prices](std::vector<std::string> args) {
    args.insert(args.end(), prices.begin(), prices.end());
    return args;
  };
  AtlasProcess api(data, "serve",
                   with_prices({"serve", "--listen", "127.0.0.1:0", "--db", url, "--data",
                                data.string(), "--workers", "0"}));
  const int port = std::atoi(api.wait_for("listening on http://127.0.0.1:").c_str());
  ASSERT_NE(port, 0);
  const auto api_url = [port](const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  };
  const std::vector<std::string> worker_args = with_prices(
      {"worker", "--db", url, "--data", data.string(), "--workers", "2", "--lease-seconds", "1"});
  AtlasProcess victim(data, "worker-1", worker_args);
  AtlasProcess survivor(data, "worker-2", worker_args);
  const pid_t victim_pid = victim.pid();
  victim.wait_for("atlas worker: running");
  survivor.wait_for("atlas worker: running");

  const Bytes mesh = must_read(testdata("meshes/spot.obj"));
  const HttpResult asset = http("POST", api_url("/v1/assets?filename=spot.obj"), {auth},
                                std::string(mesh.begin(), mesh.end()));
  ASSERT_EQ(asset.status, 201) << asset.body;
  const std::string request = job_body(kSlowPipeline, {asset.json()["id"].get<std::string>()});
  constexpr int kJobs = 50;
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) {
    const HttpResult job = http("POST", api_url("/v1/jobs"), {auth}, request);
    ASSERT_EQ(job.status, 202) << job.body;
    ids.push_back(job.json()["id"]);
  }

  // Killed while it holds a job, after some jobs finished. Worker names hold their
  // process id ("host:pid:..."), which tells the victim's leases apart. The victim is
  // frozen (SIGSTOP) while its leases are read, so what it holds cannot change between
  // the look and the kill.
  const std::string victim_leases = "lease_owner LIKE '%:" + std::to_string(victim_pid) + ":%'";
  std::vector<std::string> orphans;
  std::int64_t killed_ms = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto finished =
        query(*server, url, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'");
    if (!finished.empty() && std::atoi(finished[0].c_str()) >= 3) {
      kill(victim_pid, SIGSTOP);
      orphans =
          query(*server, url, "SELECT id FROM jobs WHERE state = 'running' AND " + victim_leases);
      if (!orphans.empty()) {
        victim.kill_now();
        killed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
        break;
      }
      kill(victim_pid, SIGCONT);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(orphans.empty()) << "the victim was never seen holding a job";

  std::set<std::string> orphan_set(orphans.begin(), orphans.end());
  for (const std::string& id : ids) {
    Json job;
    for (int i = 0; i < 3000; ++i) {
      job = http("GET", api_url("/v1/jobs/" + id), {auth}).json();
      if (job["state"] != "queued" && job["state"] != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(job["state"], "succeeded") << job.dump();
    const std::string events = http("GET", api_url("/v1/jobs/" + id + "/events"), {auth}).body;
    EXPECT_EQ(count(events, "\"state\":\"succeeded\""), 1) << id;
    std::map<std::string, int> kinds;
    for (const Json& entry : job["usage"]["entries"]) ++kinds[entry["kind"]];
    EXPECT_EQ(kinds, (std::map<std::string, int>{{"asset", 1}, {"compute_seconds", 1}})) << id;
    if (orphan_set.count(id)) {
      EXPECT_EQ(job["attempts"], 2) << id;
      EXPECT_EQ(count(events, "\"state\":\"running\""), 2) << id;
    } else {
      EXPECT_EQ(job["attempts"], 1) << id;
    }
    ASSERT_FALSE(job["artifacts"].empty());
    for (const Json& artifact : job["artifacts"]) {
      const Bytes bytes = must_read(data / "jobs" / id / artifact["name"].get<std::string>());
      EXPECT_EQ(sha256_hex(bytes), artifact["sha256"]) << id << "/" << artifact["name"];
      EXPECT_EQ(bytes.size(), artifact["size"]);
    }
  }
  // The ledger: two charges a job (its asset and its compute seconds), none twice.
  EXPECT_EQ(query(*server, url, "SELECT COUNT(*) FROM usage_ledger WHERE job_id <> ''"),
            std::vector<std::string>{std::to_string(2 * kJobs)});
  EXPECT_TRUE(query(*server, url,
                    "SELECT job_id, kind FROM usage_ledger WHERE job_id <> '' GROUP BY job_id, "
                    "kind HAVING COUNT(*) > 1")
                  .empty());
  for (const auto& entry : fs::recursive_directory_iterator(data / "jobs"))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();

  // How long the killed worker's jobs took to move: from the kill to the second lease
  // (started_ms) and to the end.
  const auto moved =
      query(*server, url, "SELECT id, started_ms, finished_ms FROM jobs WHERE attempts > 1");
  EXPECT_EQ(moved.size(), orphans.size());
  for (const std::string& row : moved) {
    const std::size_t first = row.find('|'), second = row.find('|', first + 1);
    std::printf(
        "[ scale-out] killed worker pid %d held %s: leased again %lld ms after the kill, "
        "succeeded %lld ms after it\n",
        int(victim_pid), row.substr(0, first).c_str(),
        std::atoll(row.c_str() + first + 1) - static_cast<long long>(killed_ms),
        std::atoll(row.c_str() + second + 1) - static_cast<long long>(killed_ms));
  }
  EXPECT_EQ(survivor.terminate(), 0);
  EXPECT_EQ(api.terminate(), 0);
  std::printf("[ scale-out] %d jobs, %zu moved from the killed worker, %.1f s in all\n", kJobs,
              orphans.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace
}  // namespace atlas::test
