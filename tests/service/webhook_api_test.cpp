// Webhooks end to end: `atlas serve` as a child process runs a job whose webhook_url is
// a real receiver on loopback; every state change arrives signed with the tenant's
// secret, failed tries are retried with growing waits, and the delivery log shows it.

#include <gtest/gtest.h>

#include <ctime>

#include <set>

#include "atlas_process.h"
#include "core/sha256.h"
#include "postgres_server.h"
#include "service_client.h"
#include "webhook_receiver.h"

namespace atlas::test {
namespace {

namespace fs = std::filesystem;

// `atlas serve` on a free port with webhook settings fit for tests.
class WebhookServer {
 public:
  WebhookServer(const fs::path& data, std::vector<std::string> extra,
                const std::string& name = "serve")
      : data_(data), process_(data, name, arguments(data, std::move(extra))) {
    port_ = std::atoi(process_.wait_for("listening on http://127.0.0.1:").c_str());
    EXPECT_NE(port_, 0);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int terminate() { return process_.terminate(); }

 private:
  static std::vector<std::string> arguments(const fs::path& data, std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "serve", "--listen", "127.0.0.1:0", "--data", data.string(), "--workers", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  fs::path data_;
  AtlasProcess process_;
  int port_ = 0;
};

struct Tenant {
  std::string auth;    // the header
  std::string secret;  // the webhook signing secret `atlas keys create` printed
};

// `store` chooses the database as `atlas keys` takes it: "--data DIR" or "--db URL".
Tenant create_tenant(const std::string& store, const std::string& name) {
  const CommandRun run =
      run_command("'" + atlas_binary() + "' keys create --tenant " + name + " " + store);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  Tenant tenant;
  const std::size_t key_at = run.output.find("atl_");
  const std::size_t secret_at = run.output.find("whsec_");
  EXPECT_NE(key_at, std::string::npos) << run.output;
  EXPECT_NE(secret_at, std::string::npos) << run.output;
  if (key_at != std::string::npos) tenant.auth = "x-api-key: " + run.output.substr(key_at, 68);
  if (secret_at != std::string::npos) tenant.secret = run.output.substr(secret_at, 6 + 64);
  return tenant;
}

// Submits the quick pipeline on suzanne with `webhook_url`; the job's id.
std::string submit(const WebhookServer& server, const Tenant& tenant, const std::string& hook) {
  const Bytes mesh = must_read(testdata("meshes/suzanne.obj"));
  const HttpResult uploaded = http("POST", server.url("/v1/assets?filename=suzanne.obj"),
                                   {tenant.auth}, std::string(mesh.begin(), mesh.end()));
  EXPECT_EQ(uploaded.status, 201) << uploaded.body;
  const Json body = {{"pipeline", kQuickPipeline},
                     {"inputs", {uploaded.json().value("id", "")}},
                     {"webhook_url", hook}};
  const HttpResult submitted = http("POST", server.url("/v1/jobs"), {tenant.auth}, body.dump());
  EXPECT_EQ(submitted.status, 202) << submitted.body;
  return submitted.json().value("id", "");
}

// Polls the delivery log until no delivery is pending (or 30 s passed); the last answer.
Json settled_log(const WebhookServer& server, const Tenant& tenant, const std::string& job,
                 std::size_t deliveries) {
  Json log;
  for (int i = 0; i < 1500; ++i) {
    log = http("GET", server.url("/v1/jobs/" + job + "/webhooks"), {tenant.auth}).json();
    bool settled = log.is_object() && log["deliveries"].size() >= deliveries;
    if (settled)
      for (const Json& delivery : log["deliveries"])
        settled = settled && delivery.value("state", "") != "pending";
    if (settled) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return log;
}

// Checks a request as a receiver should: the signature over "<t>.<body>" with the
// tenant's secret, a timestamp within five minutes of now, and the id of the payload.
void expect_signed(const WebhookReceiver::Received& request, const std::string& secret) {
  EXPECT_EQ(request.content_type, "application/json");
  const std::string& header = request.signature;
  ASSERT_EQ(header.rfind("t=", 0), 0u) << header;
  const std::size_t comma = header.find(",v1=");
  ASSERT_NE(comma, std::string::npos) << header;
  const std::string t = header.substr(2, comma - 2);
  const std::string v1 = header.substr(comma + 4);
  EXPECT_EQ(v1, hmac_sha256_hex(secret, t + "." + request.body));
  EXPECT_NE(v1, hmac_sha256_hex(secret + "x", t + "." + request.body));
  EXPECT_LT(std::llabs(std::stoll(t) - std::int64_t(std::time(nullptr))), 300);
  const Json payload = Json::parse(request.body, nullptr, false);
  ASSERT_TRUE(payload.is_object()) << request.body;
  EXPECT_EQ(payload.value("id", ""), request.webhook_id);
  EXPECT_EQ(payload.value("type", ""), "job.state");
}

TEST(ServiceWebhooks, EveryStateChangeArrivesSignedAndTheLogShowsItDelivered) {
  const fs::path data = scratch_dir();
  const Tenant acme = create_tenant("--data " + shell_quoted(data), "acme");
  const Tenant other = create_tenant("--data " + shell_quoted(data), "other");
  EXPECT_NE(acme.secret, other.secret);
  WebhookReceiver receiver;
  WebhookServer server(data, {"--webhook-backoff-ms", "50"});

  // The tenant reads the same secret through the API.
  const HttpResult secret = http("GET", server.url("/v1/webhook-secret"), {acme.auth});
  ASSERT_EQ(secret.status, 200) << secret.body;
  EXPECT_EQ(secret.json().value("secret", ""), acme.secret);
  EXPECT_EQ(http("GET", server.url("/v1/webhook-secret")).status, 401);

  const std::string job = submit(server, acme, receiver.url());
  const auto requests = receiver.wait_for_delivered(3, std::chrono::seconds(30));
  ASSERT_EQ(requests.size(), 3u);
  const std::vector<std::string> states = {"queued", "running", "succeeded"};
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(states[i]);
    EXPECT_EQ(requests[i].target, "/hooks/atlas");
    expect_signed(requests[i], acme.secret);
    const Json payload = Json::parse(requests[i].body, nullptr, false);
    EXPECT_EQ(payload.value("job_id", ""), job);
    EXPECT_EQ(payload.value("state", ""), states[i]);
    EXPECT_EQ(payload["data"].value("state", ""), states[i]);
    EXPECT_TRUE(payload["event_id"].is_number_integer());
    EXPECT_TRUE(payload["created_at"].is_string());
    ids.push_back(requests[i].webhook_id);
  }

  const Json log = settled_log(server, acme, job, 3);
  EXPECT_EQ(log.value("webhook_url", ""), receiver.url());
  ASSERT_EQ(log["deliveries"].size(), 3u) << log.dump();
  for (std::size_t i = 0; i < 3; ++i) {
    const Json& delivery = log["deliveries"][i];
    EXPECT_EQ(delivery.value("id", ""), ids[i]);
    EXPECT_EQ(delivery.value("state", ""), "delivered");
    EXPECT_EQ(delivery.value("attempts", 0), 1);
    EXPECT_TRUE(delivery["delivered_at"].is_string());
    EXPECT_EQ(delivery["payload"].value("state", ""), states[i]);
    ASSERT_EQ(delivery["attempt_log"].size(), 1u);
    EXPECT_EQ(delivery["attempt_log"][0].value("http_status", 0), 200);
    EXPECT_TRUE(delivery["attempt_log"][0]["error"].is_null());
  }
  // Another tenant's job is not found; a job without webhook_url has an empty log.
  EXPECT_EQ(http("GET", server.url("/v1/jobs/" + job + "/webhooks"), {other.auth}).status, 404);
  EXPECT_EQ(http("GET", server.url("/v1/jobs/job_00/webhooks"), {acme.auth}).status, 404);
  EXPECT_EQ(server.terminate(), 0);
}

TEST(ServiceWebhooks, AFailingReceiverIsRetriedWithGrowingWaitsUntilItAnswers) {
  const fs::path data = scratch_dir();
  const Tenant acme = create_tenant("--data " + shell_quoted(data), "acme");
  WebhookReceiver receiver(3);
  WebhookServer server(data, {"--webhook-backoff-ms", "200"});
  const std::string job = submit(server, acme, receiver.url());

  // Three refusals of the first delivery, then every delivery, in order.
  const auto requests = receiver.wait_for_delivered(3, std::chrono::seconds(30));
  ASSERT_EQ(requests.size(), 6u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(requests[i].webhook_id, requests[0].webhook_id);
  for (const auto& request : requests) expect_signed(request, acme.secret);
  const auto gap = [&](std::size_t i) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(requests[i + 1].at -
                                                                 requests[i].at)
        .count();
  };
  // Waits of 200, 400 and 800 ms, less up to a quarter.
  EXPECT_GE(gap(0), 145);
  EXPECT_GT(gap(1), gap(0));
  EXPECT_GT(gap(2), gap(1));
  EXPECT_GE(gap(2), 595);

  const Json log = settled_log(server, acme, job, 3);
  ASSERT_EQ(log["deliveries"].size(), 3u) << log.dump();
  const Json& first = log["deliveries"][0];
  EXPECT_EQ(first.value("state", ""), "delivered");
  EXPECT_EQ(first.value("attempts", 0), 4);
  ASSERT_EQ(first["attempt_log"].size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(first["attempt_log"][i].value("http_status", 0), 500);
    EXPECT_EQ(first["attempt_log"][i].value("error", ""), "HTTP 500: not now");
  }
  EXPECT_EQ(first["attempt_log"][3].value("http_status", 0), 200);
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(log["deliveries"][i].value("state", ""), "delivered");
    EXPECT_EQ(log["deliveries"][i].value("attempts", 0), 1);
  }
}

TEST(ServiceWebhooks, AnUnreachableReceiverEndsFailedAfterMaxAttempts) {
  const fs::path data = scratch_dir();
  const Tenant acme = create_tenant("--data " + shell_quoted(data), "acme");
  // A port nothing listens on: bound by a receiver that is then gone.
  std::string hook;
  {
    WebhookReceiver gone;
    hook = gone.url();
  }
  WebhookServer server(data, {"--webhook-backoff-ms", "20", "--webhook-max-attempts", "3"});
  const std::string job = submit(server, acme, hook);
  const Json log = settled_log(server, acme, job, 3);
  ASSERT_EQ(log["deliveries"].size(), 3u) << log.dump();
  for (const Json& delivery : log["deliveries"]) {
    EXPECT_EQ(delivery.value("state", ""), "failed") << delivery.dump();
    EXPECT_EQ(delivery.value("attempts", 0), 3);
    EXPECT_TRUE(delivery["delivered_at"].is_null());
    ASSERT_EQ(delivery["attempt_log"].size(), 3u);
    for (const Json& attempt : delivery["attempt_log"]) {
      EXPECT_TRUE(attempt["http_status"].is_null());
      EXPECT_FALSE(attempt.value("error", "").empty());
    }
  }
  // The job itself is not affected by its webhook.
  EXPECT_EQ(http("GET", server.url("/v1/jobs/" + job), {acme.auth}).json().value("state", ""),
            "succeeded");
}

TEST(ServiceWebhooks, TwoServersOverPostgresShareTheOutboxAndSendEachDeliveryOnce) {
  PostgresServer* postgres = PostgresServer::shared();
  if (!postgres) GTEST_SKIP() << PostgresServer::skip_reason();
  const std::string db = postgres->create_database();
  const fs::path data = scratch_dir();
  const Tenant acme = create_tenant("--db " + shell_quoted(db), "acme");
  WebhookReceiver receiver;
  WebhookServer first(data, {"--db", db}, "serve-1");
  WebhookServer second(data, {"--db", db}, "serve-2");
  constexpr std::size_t kJobs = 8;
  std::vector<std::string> jobs;
  for (std::size_t i = 0; i < kJobs; ++i)
    jobs.push_back(submit(i % 2 ? second : first, acme, receiver.url()));
  auto requests = receiver.wait_for_delivered(3 * kJobs, std::chrono::seconds(60));
  // A late duplicate would arrive within a poll or two.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  requests = receiver.received();
  ASSERT_EQ(requests.size(), 3 * kJobs);
  std::set<std::string> ids;
  for (const auto& request : requests) {
    expect_signed(request, acme.secret);
    ids.insert(request.webhook_id);
  }
  EXPECT_EQ(ids.size(), 3 * kJobs);
  for (const std::string& job : jobs) {
    const Json log = settled_log(first, acme, job, 3);
    ASSERT_EQ(log["deliveries"].size(), 3u) << log.dump();
    for (const Json& delivery : log["deliveries"]) {
      EXPECT_EQ(delivery.value("state", ""), "delivered");
      EXPECT_EQ(delivery.value("attempts", 0), 1);
    }
  }
  EXPECT_EQ(first.terminate(), 0);
  EXPECT_EQ(second.terminate(), 0);
}

}  // namespace
}  // namespace atlas::test
