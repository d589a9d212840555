// `atlas serve`'s flags for metering and limits, end to end with the real binary: prices
// from the config file's `prices.atlas` entries (a --price-* flag replacing one), the
// default job quotas, and credit limits set with `atlas tenants credit` while it runs.

#include <gtest/gtest.h>

#include <fstream>

#include "atlas_process.h"
#include "service_client.h"

namespace atlas::test {
namespace {

namespace fs = std::filesystem;

TEST(ServeCli, TheConfigFilePricesApiCallsAssetsAndComputeSecondsAndFlagsOverrideIt) {
  const fs::path data = scratch_dir();
  const fs::path config = data / "config.yaml";
  std::ofstream(config) << "prices:\n  currency: EUR\n  atlas:\n    api_call: 0.01\n"
                           "    asset: 0.5\n    compute_second: 2\n";
  const CommandRun key = run_command("'" + atlas_binary() + "' keys create --tenant acme --data " +
                                     shell_quoted(data));
  ASSERT_EQ(key.exit_code, 0) << key.output;
  const std::string auth = "x-api-key: " + key.output.substr(key.output.find("atl_"), 68);
  {
    AtlasProcess server(data, "serve",
                        {"serve", "--listen", "127.0.0.1:0", "--data", data.string(), "--workers",
                         "1", "--config", config.string(), "--price-api-call", "0.02"});
    const int port = std::atoi(server.wait_for("listening on http://127.0.0.1:").c_str());
    ASSERT_NE(port, 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    const Bytes mesh = must_read(testdata("meshes/suzanne.obj"));
    const HttpResult uploaded = http("POST", base + "/v1/assets?filename=suzanne.obj", {auth},
                                     std::string(mesh.begin(), mesh.end()));
    ASSERT_EQ(uploaded.status, 201) << uploaded.body;
    const HttpResult submitted =
        http("POST", base + "/v1/jobs", {auth}, job_body(kQuickPipeline, {uploaded.json()["id"]}));
    ASSERT_EQ(submitted.status, 202) << submitted.body;
    const std::string id = submitted.json()["id"];
    Json job;
    for (int i = 0; i < 500; ++i) {
      job = http("GET", base + "/v1/jobs/" + id, {auth}).json();
      if (job["state"] == "succeeded" || job["state"] == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(job["state"], "succeeded") << job.dump();
    EXPECT_EQ(http("GET", base + "/v1/usage", {auth}).json()["currency"], "EUR");
    EXPECT_EQ(server.terminate(), 0);  // flushes the batched api_call entries
  }
  auto store = service::SqliteJobStore::open(data / "atlas.db");
  ASSERT_TRUE(store.ok());
  const auto entries = (*store)->usage((*store)->list_keys()->at(0).tenant_id, 0, INT64_MAX);
  ASSERT_TRUE(entries.ok());
  std::map<std::string, int> kinds;
  for (const service::UsageEntry& entry : *entries) {
    ++kinds[service::to_string(entry.kind)];
    EXPECT_EQ(entry.currency, "EUR");
    switch (entry.kind) {
      case service::UsageKind::ApiCall:
        EXPECT_DOUBLE_EQ(entry.cost, 0.02);  // the flag's, not the file's
        break;
      case service::UsageKind::Asset:
        EXPECT_DOUBLE_EQ(entry.cost, 0.5);
        break;
      case service::UsageKind::ComputeSeconds:
        EXPECT_DOUBLE_EQ(entry.cost, entry.quantity * 2);
        EXPECT_GT(entry.quantity, 0);
        break;
      case service::UsageKind::Generation:
        ADD_FAILURE() << "no generation was asked for";
    }
  }
  EXPECT_EQ(kinds["asset"], 1);
  EXPECT_EQ(kinds["compute_seconds"], 1);
  EXPECT_GE(kinds["api_call"], 3);
}

TEST(ServeCli, AMalformedPriceTableStopsTheServerNamingTheFile) {
  const fs::path data = scratch_dir();
  const fs::path config = data / "config.yaml";
  std::ofstream(config) << "prices:\n  atlas:\n    asset: -1\n";
  const CommandRun serve =
      run_command("'" + atlas_binary() + "' serve --listen 127.0.0.1:0 --data " +
                  shell_quoted(data) + " --config " + shell_quoted(config));
  EXPECT_EQ(serve.exit_code, 1);
  EXPECT_NE(serve.output.find("config.yaml"), std::string::npos) << serve.output;
  EXPECT_NE(serve.output.find("prices.atlas.asset"), std::string::npos) << serve.output;
}

// A new key of `tenant` with `flags`, as the header that sends it.
std::string create_key(const fs::path& data, const std::string& tenant, const std::string& flags) {
  const CommandRun key = run_command("'" + atlas_binary() + "' keys create --tenant " + tenant +
                                     " " + flags + " --data " + shell_quoted(data));
  EXPECT_EQ(key.exit_code, 0) << key.output;
  const std::size_t at = key.output.find("atl_");
  return at == std::string::npos ? "" : "x-api-key: " + key.output.substr(at, 68);
}

TEST(ServeCli, DefaultQuotasKeysOwnQuotasAndCreditLimitsApply) {
  const fs::path data = scratch_dir();
  const std::string plain = create_key(data, "acme", "");
  const std::string daily = create_key(data, "acme", "--concurrent-jobs 5 --jobs-per-day 1");
  AtlasProcess server(data, "serve",
                      {"serve", "--listen", "127.0.0.1:0", "--data", data.string(), "--workers",
                       "0", "--concurrent-jobs", "1", "--jobs-per-day", "100"});
  const int port = std::atoi(server.wait_for("listening on http://127.0.0.1:").c_str());
  ASSERT_NE(port, 0);
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const Bytes mesh = must_read(testdata("meshes/suzanne.obj"));
  const HttpResult uploaded = http("POST", base + "/v1/assets?filename=suzanne.obj", {plain},
                                   std::string(mesh.begin(), mesh.end()));
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const std::string request = job_body(kQuickPipeline, {uploaded.json()["id"]});
  // No workers: the first job stays queued, and the server's default allows one.
  EXPECT_EQ(http("POST", base + "/v1/jobs", {plain}, request).status, 202);
  const HttpResult second = http("POST", base + "/v1/jobs", {plain}, request);
  EXPECT_EQ(second.status, 429) << second.body;
  EXPECT_EQ(second.json()["error"]["code"], "concurrent_jobs_exceeded");
  // The other key's own limits: 5 at once, but 1 a day.
  EXPECT_EQ(http("POST", base + "/v1/jobs", {daily}, request).status, 202);
  const HttpResult tomorrow = http("POST", base + "/v1/jobs", {daily}, request);
  EXPECT_EQ(tomorrow.status, 429) << tomorrow.body;
  EXPECT_EQ(tomorrow.json()["error"]["code"], "daily_jobs_exceeded");

  // A credit limit of 0, set while the server runs: nothing more may be spent.
  const CommandRun credit =
      run_command("'" + atlas_binary() + "' tenants credit acme 0 --data " + shell_quoted(data));
  ASSERT_EQ(credit.exit_code, 0) << credit.output;
  const HttpResult refused = http("POST", base + "/v1/assets?filename=a.obj", {plain}, "v 0 0 0\n");
  EXPECT_EQ(refused.status, 402) << refused.body;
  EXPECT_EQ(refused.json()["error"]["code"], "insufficient_balance");
  EXPECT_EQ(http("GET", base + "/v1/usage", {plain}).json()["balance"]["limit"], 0.0);
  EXPECT_EQ(server.terminate(), 0);
}

}  // namespace
}  // namespace atlas::test
