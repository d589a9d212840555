// Crash safety with real processes: `atlas serve` is killed with SIGKILL in the middle
// of a job and started again on the same data folder. Every accepted job must end
// succeeded exactly once (one succeeded event, one set of charges), and no artifact may
// be half-written.

#include <gtest/gtest.h>

#include "atlas_process.h"
#include "core/sha256.h"
#include "service_client.h"

namespace atlas::test {
namespace {

namespace fs = std::filesystem;

// `atlas serve` as a child process on a free port.
class ServerProcess {
 public:
  ServerProcess(const fs::path& data, int generation)
      : process_(
            data, "serve-" + std::to_string(generation),
            {"serve", "--listen", "127.0.0.1:0", "--data", data.string(), "--workers", "1",
             "--lease-seconds", "1", "--price-asset", "0.05", "--price-compute-second", "0.001"}) {
    port_ = std::atoi(process_.wait_for("listening on http://127.0.0.1:").c_str());
    EXPECT_NE(port_, 0);
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void kill_now() { process_.kill_now(); }
  int terminate() { return process_.terminate(); }

 private:
  AtlasProcess process_;
  int port_ = 0;
};

std::string create_key(const fs::path& data) {
  const CommandRun run =
      run_command("'" + std::string(ATLAS_BINARY_DIR) +
                  "/apps/atlas' keys create --tenant crash --data " + shell_quoted(data));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const std::size_t at = run.output.find("atl_");
  return at == std::string::npos ? "" : run.output.substr(at, 68);
}

int count(const std::string& text, const std::string& what) {
  int found = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++found;
  return found;
}

TEST(ServiceCrash, JobsSurviveAKilledServerAndSucceedExactlyOnce) {
  const fs::path data = scratch_dir();
  const std::string auth = "x-api-key: " + create_key(data);
  constexpr int kJobs = 5;
  std::vector<std::string> ids;
  std::string killed_job;
  std::string request;
  {
    ServerProcess first(data, 1);
    const Bytes mesh = must_read(testdata("meshes/spot.obj"));
    const HttpResult asset = http("POST", first.url("/v1/assets?filename=spot.obj"), {auth},
                                  std::string(mesh.begin(), mesh.end()));
    ASSERT_EQ(asset.status, 201) << asset.body;
    request = job_body(kSlowPipeline, {asset.json()["id"].get<std::string>()});
    for (int i = 0; i < kJobs; ++i) {
      const HttpResult job = http("POST", first.url("/v1/jobs"),
                                  {auth, "Idempotency-Key: crash-" + std::to_string(i)}, request);
      ASSERT_EQ(job.status, 202) << job.body;
      ids.push_back(job.json()["id"]);
    }
    // Killed while a job runs, after at least one finished.
    for (int i = 0; i < 2000 && killed_job.empty(); ++i) {
      const Json page = http("GET", first.url("/v1/jobs?limit=100"), {auth}).json();
      int succeeded = 0;
      std::string running;
      for (const Json& job : page["jobs"]) {
        succeeded += job["state"] == "succeeded";
        if (job["state"] == "running") running = job["id"];
      }
      if (succeeded >= 1 && !running.empty()) killed_job = running;
      if (killed_job.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_FALSE(killed_job.empty()) << "no job was seen running";
    first.kill_now();
  }

  ServerProcess second(data, 2);
  // Accepted jobs are not lost: the same idempotency keys name the same jobs.
  for (int i = 0; i < kJobs; ++i) {
    const HttpResult again = http("POST", second.url("/v1/jobs"),
                                  {auth, "Idempotency-Key: crash-" + std::to_string(i)}, request);
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json()["id"], ids[std::size_t(i)]);
  }
  for (const std::string& id : ids) {
    Json job;
    for (int i = 0; i < 1500; ++i) {
      job = http("GET", second.url("/v1/jobs/" + id), {auth}).json();
      if (job["state"] != "queued" && job["state"] != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(job["state"], "succeeded") << job.dump();
    const std::string events = http("GET", second.url("/v1/jobs/" + id + "/events"), {auth}).body;
    // One success, and one charge of each kind, however many attempts it took.
    EXPECT_EQ(count(events, "\"state\":\"succeeded\""), 1) << id;
    std::map<std::string, int> kinds;
    for (const Json& entry : job["usage"]["entries"]) ++kinds[entry["kind"]];
    EXPECT_EQ(kinds, (std::map<std::string, int>{{"asset", 1}, {"compute_seconds", 1}})) << id;
    if (id == killed_job) {
      EXPECT_EQ(job["attempts"], 2);
      EXPECT_EQ(count(events, "\"state\":\"running\""), 2);
    } else {
      EXPECT_EQ(job["attempts"], 1) << id;
    }
    // Every artifact is whole: its bytes hash to what the manifest says.
    ASSERT_FALSE(job["artifacts"].empty());
    for (const Json& artifact : job["artifacts"]) {
      const Bytes bytes = must_read(data / "jobs" / id / artifact["name"].get<std::string>());
      EXPECT_EQ(sha256_hex(bytes), artifact["sha256"]) << id << "/" << artifact["name"];
      EXPECT_EQ(bytes.size(), artifact["size"]);
    }
  }
  // Nothing half-written is left over: no temporary files, no work folders.
  for (const auto& entry : fs::recursive_directory_iterator(data / "jobs"))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  EXPECT_TRUE(fs::is_empty(data / "work"));
  EXPECT_EQ(second.terminate(), 0);
}

}  // namespace
}  // namespace atlas::test
