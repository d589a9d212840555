// The /v1 API end to end on loopback: a real server, real SQLite, real pipeline runs on
// a small mesh from the shared test data.

#include <gtest/gtest.h>
#include <zip.h>

#include <set>

#include "core/sha256.h"
#include "pipeline/remote_provider.h"
#include "service_client.h"

namespace atlas::test {
namespace {

std::filesystem::path suzanne() { return testdata("meshes/suzanne.obj"); }

void expect_error(const HttpResult& result, long status, const std::string& code) {
  EXPECT_EQ(result.status, status) << result.body;
  const Json json = result.json();
  ASSERT_TRUE(json.is_object()) << result.body;
  EXPECT_EQ(json["error"].value("code", ""), code) << result.body;
  EXPECT_FALSE(json["error"].value("message", "").empty());
}

TEST(ServiceApi, RunsAJobEndToEndWithArtifactsUsageAndEvents) {
  LocalService service;
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, suzanne());
  ASSERT_FALSE(asset.empty());
  const HttpResult submitted =
      http("POST", service.url("/v1/jobs"), {auth}, job_body(kQuickPipeline, {asset}));
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  const std::string id = submitted.json().value("id", "");
  EXPECT_EQ(submitted.headers.at("location"), "/v1/jobs/" + id);
  const Json job = service.wait_for(auth, id);
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["progress"], 100);
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_TRUE(job["error"].is_null());
  EXPECT_TRUE(job["finished_at"].is_string());

  std::set<std::string> names;
  for (const Json& artifact : job["artifacts"]) names.insert(artifact.value("name", ""));
  EXPECT_EQ(names, (std::set<std::string>{"pipeline_report.json", "suzanne.glb"}));
  // One asset entry a product file (the report is not one), one compute entry.
  std::map<std::string, int> kinds;
  for (const Json& entry : job["usage"]["entries"]) ++kinds[entry.value("kind", "")];
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"asset", 1}, {"compute_seconds", 1}}));
  EXPECT_GE(job["usage"]["total_cost"].get<double>(), 0.05);

  // The artifact: whole, by ETag, by range.
  const std::string url = service.url("/v1/jobs/" + id + "/artifacts/suzanne.glb");
  const HttpResult whole = http("GET", url, {auth});
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(whole.headers.at("content-type"), "model/gltf-binary");
  EXPECT_EQ(whole.body.substr(0, 4), "glTF");
  const std::string etag = whole.headers.at("etag");
  EXPECT_EQ(etag, "\"" +
                      sha256_hex(ByteView(reinterpret_cast<const std::uint8_t*>(whole.body.data()),
                                          whole.body.size())) +
                      "\"");
  EXPECT_EQ(http("GET", url, {auth, "If-None-Match: " + etag}).status, 304);
  EXPECT_EQ(http("GET", url, {auth, "If-None-Match: \"other\""}).status, 200);
  const HttpResult part = http("GET", url, {auth, "Range: bytes=4-11"});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, whole.body.substr(4, 8));
  EXPECT_EQ(part.headers.at("content-range"), "bytes 4-11/" + std::to_string(whole.body.size()));
  const HttpResult tail = http("GET", url, {auth, "Range: bytes=-5"});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, whole.body.substr(whole.body.size() - 5));
  expect_error(http("GET", url, {auth, "Range: bytes=999999999-"}), 416, "range_not_satisfiable");
  expect_error(http("GET", service.url("/v1/jobs/" + id + "/artifacts/..%2Fatlas.db"), {auth}), 404,
               "not_found");

  // Every event, then resumed after the third.
  const HttpResult stream = http("GET", service.url("/v1/jobs/" + id + "/events"), {auth});
  ASSERT_EQ(stream.status, 200);
  EXPECT_EQ(stream.headers.at("content-type"), "text/event-stream");
  EXPECT_NE(stream.body.find("id: 1\nevent: state\ndata: {\"state\":\"queued\"}"),
            std::string::npos);
  EXPECT_NE(stream.body.find("data: {\"state\":\"succeeded\"}"), std::string::npos);
  EXPECT_NE(stream.body.find("\"node\":\"export\",\"state\":\"finished\""), std::string::npos);
  const HttpResult resumed =
      http("GET", service.url("/v1/jobs/" + id + "/events"), {auth, "Last-Event-ID: 3"});
  EXPECT_EQ(resumed.body.find("id: 3\n"), std::string::npos);
  EXPECT_NE(resumed.body.find("id: 4\n"), std::string::npos);
  EXPECT_EQ(resumed.body.substr(resumed.body.size() - 100).find("succeeded"),
            stream.body.substr(stream.body.size() - 100).find("succeeded"));

  // Usage: the calls above, the asset and the compute seconds.
  const Json usage = http("GET", service.url("/v1/usage"), {auth}).json();
  EXPECT_EQ(usage["by_kind"]["asset"]["quantity"], 1.0);
  EXPECT_TRUE(usage["by_kind"].contains("compute_seconds"));
  EXPECT_EQ(usage["days"].size(), 1u);
  EXPECT_TRUE(usage["passed_through_404"]["entries"].empty());
}

// The entries of a ZIP held in memory, by name.
std::map<std::string, std::string> unzip(const std::string& bytes) {
  std::map<std::string, std::string> entries;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* archive =
      source ? zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error) : nullptr;
  zip_error_fini(&error);
  if (archive == nullptr) {
    if (source) zip_source_free(source);
    ADD_FAILURE() << "not a ZIP";
    return entries;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t stat;
    zip_stat_index(archive, zip_uint64_t(i), 0, &stat);
    std::string content(stat.size, '\0');
    zip_file_t* file = zip_fopen_index(archive, zip_uint64_t(i), 0);
    EXPECT_EQ(zip_fread(file, content.data(), stat.size), zip_int64_t(stat.size));
    zip_fclose(file);
    entries[stat.name] = std::move(content);
  }
  zip_discard(archive);
  return entries;
}

TEST(ServiceApi, DownloadsAnUploadAndAJobsArtifactsAsOneZip) {
  LocalService service;
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, suzanne());
  const HttpResult content = http("GET", service.url("/v1/assets/" + asset + "/content"), {auth});
  ASSERT_EQ(content.status, 200) << content.body;
  const Bytes original = must_read(suzanne());
  EXPECT_EQ(content.body, std::string(original.begin(), original.end()));
  EXPECT_EQ(content.headers.at("content-disposition"), "attachment; filename=\"suzanne.obj\"");
  EXPECT_EQ(content.headers.at("etag"), "\"" + sha256_hex(original) + "\"");

  const std::string id =
      http("POST", service.url("/v1/jobs"), {auth}, job_body(kQuickPipeline, {asset})).json()["id"];
  const Json job = service.wait_for(auth, id);
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  const std::string zip_url = service.url("/v1/jobs/" + id + "/artifacts.zip");
  const HttpResult zip = http("GET", zip_url, {auth});
  ASSERT_EQ(zip.status, 200) << zip.body;
  EXPECT_EQ(zip.headers.at("content-type"), "application/zip");
  EXPECT_EQ(zip.headers.at("content-disposition"), "attachment; filename=\"" + id + ".zip\"");
  const std::map<std::string, std::string> entries = unzip(zip.body);
  ASSERT_EQ(entries.size(), job["artifacts"].size());
  for (const Json& artifact : job["artifacts"]) {
    const std::string name = artifact["name"];
    ASSERT_TRUE(entries.count(name)) << name;
    EXPECT_EQ(entries.at(name),
              http("GET", service.url("/v1/jobs/" + id + "/artifacts/" + name), {auth}).body);
  }
  // Made once: the second download is the same file, and its ETag holds.
  const HttpResult again = http("GET", zip_url, {auth});
  EXPECT_EQ(again.body, zip.body);
  EXPECT_EQ(http("GET", zip_url, {auth, "If-None-Match: " + zip.headers.at("etag")}).status, 304);

  const std::string other = service.key_header("other");
  expect_error(http("GET", zip_url, {other}), 404, "not_found");
  expect_error(http("GET", service.url("/v1/assets/" + asset + "/content"), {other}), 404,
               "not_found");
}

TEST(ServiceApi, AJobsZipIsRefusedUntilItSucceeded) {
  LocalService service(0);
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, suzanne());
  const std::string id =
      http("POST", service.url("/v1/jobs"), {auth}, job_body(kQuickPipeline, {asset})).json()["id"];
  expect_error(http("GET", service.url("/v1/jobs/" + id + "/artifacts.zip"), {auth}), 409,
               "not_succeeded");
}

TEST(ServiceApi, EveryReadAndWriteIsScopedToTheKeysTenant) {
  LocalService service;
  const std::string a = service.key_header("a"), b = service.key_header("b");
  const std::string asset = service.upload(a, suzanne());
  // b cannot use a's asset, nor see a's job, its events or artifacts.
  expect_error(http("POST", service.url("/v1/jobs"), {b}, job_body(kQuickPipeline, {asset})), 400,
               "invalid_field");
  const std::string id =
      http("POST", service.url("/v1/jobs"), {a}, job_body(kQuickPipeline, {asset})).json()["id"];
  ASSERT_EQ(service.wait_for(a, id)["state"], "succeeded");
  for (const std::string& path :
       {"/v1/jobs/" + id, "/v1/jobs/" + id + "/events", "/v1/jobs/" + id + "/artifacts/suzanne.glb",
        "/v1/assets/" + asset})
    expect_error(http("GET", service.url(path), {b}), 404, "not_found");
  expect_error(http("DELETE", service.url("/v1/jobs/" + id), {b}), 404, "not_found");
  EXPECT_TRUE(http("GET", service.url("/v1/jobs"), {b}).json()["jobs"].empty());
  EXPECT_EQ(http("GET", service.url("/v1/jobs"), {a}).json()["jobs"].size(), 1u);
}

TEST(ServiceApi, RefusesMissingAndBadKeysAndBadRequestsWithJsonErrors) {
  LocalService service(1, 4096);
  const std::string auth = service.key_header("acme");
  expect_error(http("GET", service.url("/v1/jobs")), 401, "unauthenticated");
  expect_error(http("GET", service.url("/v1/jobs"), {"x-api-key: atl_nope"}), 401,
               "unauthenticated");
  EXPECT_EQ(http("GET", service.url("/v1/jobs"), {"x-api-key: " + auth.substr(22)}).status, 200);
  expect_error(http("GET", service.url("/v1/nothing"), {auth}), 404, "not_found");
  expect_error(http("PUT", service.url("/v1/jobs"), {auth}), 405, "method_not_allowed");
  for (const std::string& body :
       {std::string("{"), std::string("[1,2]"), std::string("{\"pipeline\": 3}"),
        std::string("{\"pipeline\": \"mobile\", \"inputs\": \"x\"}"),
        std::string("{\"pipeline\": \"mobile\", \"inputs\": [1]}"),
        std::string("{\"pipeline\": \"mobile\", \"extra\": 1}"),
        std::string("{\"pipeline\": \"mobile\", \"inputs\": [], \"webhook_url\": \"ftp://x\"}"),
        std::string(3000, '[')})
    EXPECT_EQ(http("POST", service.url("/v1/jobs"), {auth}, body).status, 400) << body;
  expect_error(http("POST", service.url("/v1/jobs"), {auth}, R"({"pipeline": "nonesuch"})"), 400,
               "invalid_pipeline");
  expect_error(
      http("POST", service.url("/v1/jobs"), {auth}, R"({"pipeline": "pipeline: x\nnodes: {"})"),
      400, "invalid_pipeline");
  // A preset that takes one input, given none.
  expect_error(http("POST", service.url("/v1/jobs"), {auth}, R"({"pipeline": "mobile"})"), 400,
               "invalid_field");
  expect_error(http("POST", service.url("/v1/jobs"), {auth}, std::string(5000, 'x')), 413,
               "body_too_large");
  expect_error(http("GET", service.url("/v1/jobs/job_zz"), {auth}), 404, "not_found");
  expect_error(http("GET", service.url("/v1/jobs/../../etc"), {auth}), 404, "not_found");
  expect_error(http("GET", service.url("/v1/jobs?limit=0"), {auth}), 400, "invalid_query");
  expect_error(http("GET", service.url("/v1/jobs?state=done"), {auth}), 400, "invalid_query");
  expect_error(http("GET", service.url("/v1/jobs?cursor=abc"), {auth}), 400, "invalid_query");
  expect_error(http("GET", service.url("/v1/jobs?x=%zz"), {auth}), 400, "bad_request");
  expect_error(http("GET", service.url("/v1/usage?from=2026-02-30"), {auth}), 400, "invalid_query");
  expect_error(http("POST", service.url("/v1/assets?filename=..%2Fx"), {auth}, "abc"), 400,
               "invalid_field");
  expect_error(http("POST", service.url("/v1/assets"), {auth}, ""), 400, "invalid_body");
  expect_error(http("GET", service.url("/v1/jobs/job_00/events"), {auth, "Last-Event-ID: -1"}), 404,
               "not_found");
  // The server still answers after all that.
  EXPECT_EQ(http("GET", service.url("/healthz")).status, 200);
}

TEST(ServiceApi, MultipartUploadsIdempotencyKeysPagingAndCancelling) {
  LocalService service(0);  // no workers: jobs stay queued
  const std::string auth = service.key_header("acme");
  const std::string boundary = "atlasboundary42";
  const std::string body = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--" +
                           boundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; "
                           "filename=\"tiny.obj\"\r\nContent-Type: text/plain\r\n\r\nv 0 0 0\n"
                           "v 1 0 0\nv 0 1 0\nf 1 2 3\n\r\n--" +
                           boundary + "--\r\n";
  const HttpResult uploaded =
      http("POST", service.url("/v1/assets"),
           {auth, "Content-Type: multipart/form-data; boundary=" + boundary}, body);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  EXPECT_EQ(uploaded.json()["filename"], "tiny.obj");
  EXPECT_EQ(uploaded.json()["size"], 32);
  const std::string asset = uploaded.json()["id"];

  const std::string request = job_body(kQuickPipeline, {asset});
  const HttpResult first =
      http("POST", service.url("/v1/jobs"), {auth, "Idempotency-Key: order-7"}, request);
  const HttpResult again =
      http("POST", service.url("/v1/jobs"), {auth, "Idempotency-Key: order-7"}, request);
  EXPECT_EQ(first.status, 202);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.headers.at("idempotent-replayed"), "true");
  EXPECT_EQ(first.json()["id"], again.json()["id"]);

  std::vector<std::string> ids = {first.json()["id"]};
  for (int i = 0; i < 4; ++i)
    ids.push_back(http("POST", service.url("/v1/jobs"), {auth}, request).json()["id"]);
  const Json cancelled = http("DELETE", service.url("/v1/jobs/" + ids[2]), {auth}).json();
  EXPECT_EQ(cancelled["state"], "cancelled");
  EXPECT_EQ(cancelled["error"]["code"], "cancelled");

  std::vector<std::string> listed;
  std::string cursor;
  do {
    const Json page =
        http("GET", service.url("/v1/jobs?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)),
             {auth})
            .json();
    for (const Json& job : page["jobs"]) listed.push_back(job["id"]);
    cursor = page["next_cursor"].is_string() ? page["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty());
  EXPECT_EQ(listed, std::vector<std::string>(ids.rbegin(), ids.rend()));
  const Json queued = http("GET", service.url("/v1/jobs?state=queued"), {auth}).json();
  EXPECT_EQ(queued["jobs"].size(), 4u);
  // A cancelled job's event stream ends at once.
  const HttpResult events = http("GET", service.url("/v1/jobs/" + ids[2] + "/events"), {auth});
  EXPECT_NE(events.body.find("\"state\":\"cancelled\""), std::string::npos);
}

TEST(ServiceApi, ServesPresetsOpsProbesAndMetrics) {
  LocalService service;
  const std::string auth = service.key_header("acme");
  const Json presets = http("GET", service.url("/v1/presets"), {auth}).json();
  EXPECT_GE(presets["presets"].size(), 5u);
  const Json ops = http("GET", service.url("/v1/ops"), {auth}).json();
  EXPECT_GE(ops["ops"].size(), 10u);
  EXPECT_EQ(http("GET", service.url("/readyz")).status, 200);
  const HttpResult metrics = http("GET", service.url("/metrics"));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("atlas_http_requests_total{route=\"/v1/presets\",method=\"GET\","
                              "status=\"200\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("atlas_jobs{state=\"queued\"} 0"), std::string::npos);
  EXPECT_NE(metrics.body.find("atlas_http_request_duration_seconds_bucket{route=\"/v1/ops\""),
            std::string::npos);
}

TEST(ServiceApi, TheOpenApiDocumentListsExactlyTheRoutes) {
  LocalService service(0);
  const HttpResult served = http("GET", service.url("/openapi.json"));
  ASSERT_EQ(served.status, 200);
  const Json document = served.json();
  ASSERT_TRUE(document.is_object());
  EXPECT_EQ(document.value("openapi", ""), "3.1.0");
  std::set<std::pair<std::string, std::string>> documented, routed;
  for (const auto& [path, operations] : document["paths"].items())
    for (const auto& [method, operation] : operations.items()) {
      std::string upper = method;
      for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
      documented.insert({upper, path});
    }
  for (const service::Route& route : service::Api::routes())
    routed.insert({route.method, route.path});
  EXPECT_EQ(documented, routed);
}

}  // namespace
}  // namespace atlas::test

namespace atlas::test {
namespace {

// A provider that charges one call a generation, billed by 404, and returns a mesh.
class MeteredProvider final : public pipeline::RemoteProvider {
 public:
  std::string name() const override { return "metered-service-test"; }
  Result<pipeline::RemoteAsset> generate(const pipeline::GenerateRequest& request,
                                         const std::atomic<bool>&,
                                         const pipeline::RemoteProgress&) const override {
    pipeline::UsageRecord record;
    record.node = "gen";
    record.provider = "404";
    record.model = "404-3dgs";
    record.task_id = "task-" + request.prompt;
    record.cost = 0.25;
    record.priced = true;
    record.billed_by = "404";
    record.succeeded = true;
    request.usage(record);
    return pipeline::RemoteAsset{pipeline::EncodedAsset{must_read(suzanne()), "obj"}};
  }
};

TEST(ServiceApi, RemoteCallsAreLedgerEntriesBilledByTheirProvider) {
  pipeline::register_remote_provider(std::make_shared<MeteredProvider>());
  LocalService service;
  const std::string auth = service.key_header("acme");
  const std::string text = R"(pipeline: generated
inputs: {}
nodes:
  gen: {op: generate, params: {prompt: chair, kind: mesh, provider: metered-service-test}}
  export: {op: export, inputs: {model: gen}, params: {format: glb, levels: all, name: chair}}
outputs:
  model: export
)";
  const HttpResult submitted = http("POST", service.url("/v1/jobs"), {auth}, job_body(text, {}));
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  const Json job = service.wait_for(auth, submitted.json()["id"]);
  pipeline::unregister_remote_provider("metered-service-test");
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  int generations = 0;
  for (const Json& entry : job["usage"]["entries"])
    if (entry["kind"] == "generation") {
      ++generations;
      EXPECT_EQ(entry["billed_by"], "404");
      EXPECT_EQ(entry["provider"], "404");
      EXPECT_DOUBLE_EQ(entry["cost"].get<double>(), 0.25);
    }
  EXPECT_EQ(generations, 1);
  const Json usage = http("GET", service.url("/v1/usage"), {auth}).json();
  EXPECT_DOUBLE_EQ(usage["passed_through_404"]["cost"].get<double>(), 0.25);
  ASSERT_EQ(usage["passed_through_404"]["entries"].size(), 1u);
  EXPECT_EQ(usage["passed_through_404"]["entries"][0]["job_id"], job["id"]);
  EXPECT_DOUBLE_EQ(usage["billed_by"]["404"]["cost"].get<double>(), 0.25);
  // /metrics counts the call from the ledger.
  const std::string metrics = http("GET", service.url("/metrics")).body;
  EXPECT_NE(metrics.find("atlas_provider_calls_total{provider=\"404\",billed_by=\"404\"} 1\n"),
            std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace atlas::test

namespace atlas::test {
namespace {

TEST(ServiceApi, AKeyOverItsRateLimitGets429WithRetryAfter) {
  LocalService service(0, std::uint64_t{1} << 20, service::RateLimit{0.5, 2});
  const std::string a = service.key_header("a"), b = service.key_header("b");
  EXPECT_EQ(http("GET", service.url("/v1/jobs"), {a}).status, 200);
  EXPECT_EQ(http("GET", service.url("/v1/jobs"), {a}).status, 200);
  const HttpResult limited = http("GET", service.url("/v1/jobs"), {a});
  expect_error(limited, 429, "rate_limited");
  EXPECT_EQ(limited.headers.at("retry-after"), "2");
  // Buckets are per key.
  EXPECT_EQ(http("GET", service.url("/v1/jobs"), {b}).status, 200);
}

TEST(RateLimiter, RefillsAtItsRateUpToItsBurst) {
  service::RateLimiter limiter({10, 3});
  const auto start = service::RateLimiter::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("k", start), 0);
  EXPECT_NEAR(limiter.acquire("k", start), 0.1, 1e-9);
  EXPECT_EQ(limiter.acquire("k", start + std::chrono::milliseconds(100)), 0);
  // A long pause refills to the burst, not beyond.
  const auto later = start + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("k", later), 0);
  EXPECT_GT(limiter.acquire("k", later), 0);
  EXPECT_EQ(service::RateLimiter({0, 0}).acquire("k"), 0);
}

}  // namespace
}  // namespace atlas::test

namespace atlas::test {
namespace {

TEST(ServiceApi, CancellingARunningJobStopsItsPipeline) {
  LocalService service;
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, testdata("meshes/stanford-bunny.obj"));
  const std::string id =
      http("POST", service.url("/v1/jobs"), {auth}, job_body(kSlowPipeline, {asset})).json()["id"];
  for (int i = 0; i < 1000; ++i) {
    if (http("GET", service.url("/v1/jobs/" + id), {auth}).json()["state"] == "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const HttpResult cancelling = http("DELETE", service.url("/v1/jobs/" + id), {auth});
  EXPECT_EQ(cancelling.status, 202) << cancelling.body;
  EXPECT_EQ(cancelling.json()["cancel_requested"], true);
  const Json job = service.wait_for(auth, id);
  EXPECT_EQ(job["state"], "cancelled") << job.dump();
  EXPECT_EQ(job["error"]["code"], "cancelled");
  EXPECT_TRUE(job["artifacts"].empty());
  // Nothing of the stopped run is charged.
  EXPECT_TRUE(job["usage"]["entries"].empty());
  EXPECT_TRUE(std::filesystem::is_empty(service.data() / "work"));
}

}  // namespace
}  // namespace atlas::test

namespace atlas::test {
namespace {

// Seconds until the next UTC midnight, as the daily quota's Retry-After says.
long seconds_to_midnight() {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return 86400 - now % 86400;
}

TEST(ServiceApi, AKeyOverItsJobQuotasGets429AndReplaysAreNotRefused) {
  // No workers: jobs stay queued, each one counting against the concurrent limit.
  LocalService service(0, std::uint64_t{64} << 20, {}, service::JobLimits{2, 0});
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, suzanne());
  const std::string request = job_body(kQuickPipeline, {asset});
  const HttpResult first =
      http("POST", service.url("/v1/jobs"), {auth, "Idempotency-Key: order-1"}, request);
  ASSERT_EQ(first.status, 202) << first.body;
  ASSERT_EQ(http("POST", service.url("/v1/jobs"), {auth}, request).status, 202);
  const HttpResult over = http("POST", service.url("/v1/jobs"), {auth}, request);
  expect_error(over, 429, "concurrent_jobs_exceeded");
  EXPECT_EQ(over.headers.at("retry-after"), "5");
  // A replay of an accepted submission is answered with its job.
  const HttpResult replay =
      http("POST", service.url("/v1/jobs"), {auth, "Idempotency-Key: order-1"}, request);
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(replay.json()["id"], first.json()["id"]);
  // The limit is per key: the tenant's other key has a quota of its own.
  const std::string other = service.key_header("acme");
  EXPECT_EQ(http("POST", service.url("/v1/jobs"), {other}, request).status, 202);
  // A job that ends frees its place.
  const std::string id = first.json()["id"];
  ASSERT_EQ(http("DELETE", service.url("/v1/jobs/" + id), {auth}).status, 200);
  EXPECT_EQ(http("POST", service.url("/v1/jobs"), {auth}, request).status, 202);

  // A key's own daily limit replaces the server's default; its concurrent one is the
  // default still.
  const std::string daily = service.key_header("acme", service::JobLimits{0, 1});
  ASSERT_EQ(http("POST", service.url("/v1/jobs"), {daily}, request).status, 202);
  const HttpResult tomorrow = http("POST", service.url("/v1/jobs"), {daily}, request);
  expect_error(tomorrow, 429, "daily_jobs_exceeded");
  const long wait = std::stol(tomorrow.headers.at("retry-after"));
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 86400);
  EXPECT_NEAR(double(wait), double(seconds_to_midnight()), 5);
}

TEST(ServiceApi, ATenantOutOfCreditGets402AndSeesItsBalance) {
  LocalService service(0);
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, suzanne());
  const auto tenant_id = service.store().list_keys()->at(0).tenant_id;
  const Json unlimited = http("GET", service.url("/v1/usage"), {auth}).json();
  EXPECT_TRUE(unlimited["balance"]["limit"].is_null());
  EXPECT_TRUE(unlimited["balance"]["remaining"].is_null());
  EXPECT_EQ(unlimited["balance"]["currency"], "USD");

  ASSERT_TRUE(service.store().set_credit_limit("acme", 1.0).ok());
  const std::string request = job_body(kQuickPipeline, {asset});
  ASSERT_EQ(http("POST", service.url("/v1/jobs"), {auth}, request).status, 202);
  ASSERT_TRUE(service.store()
                  .record_usage({"test:generation", tenant_id, "", service::UsageKind::Generation,
                                 "404", "404-mesh", 1, 0.75, "USD", "404", 0})
                  .ok());
  const Json some = http("GET", service.url("/v1/usage"), {auth}).json();
  EXPECT_DOUBLE_EQ(some["balance"]["limit"].get<double>(), 1.0);
  EXPECT_GE(some["balance"]["spent"].get<double>(), 0.75);
  EXPECT_NEAR(some["balance"]["remaining"].get<double>(), 0.25, 0.01);

  ASSERT_TRUE(service.store()
                  .record_usage({"test:generation-2", tenant_id, "", service::UsageKind::Generation,
                                 "404", "404-mesh", 1, 0.5, "USD", "404", 0})
                  .ok());
  const HttpResult refused = http("POST", service.url("/v1/jobs"), {auth}, request);
  expect_error(refused, 402, "insufficient_balance");
  EXPECT_NE(refused.json()["error"]["message"].get<std::string>().find("1.0000"), std::string::npos)
      << refused.body;
  expect_error(http("POST", service.url("/v1/assets?filename=a.obj"), {auth}, "v 0 0 0\n"), 402,
               "insufficient_balance");
  // Reading is still allowed, and says why.
  const Json spent = http("GET", service.url("/v1/usage"), {auth}).json();
  EXPECT_DOUBLE_EQ(spent["balance"]["remaining"].get<double>(), 0);
  EXPECT_EQ(http("GET", service.url("/v1/jobs"), {auth}).status, 200);
  // Other tenants are not affected.
  const std::string other = service.key_header("other");
  EXPECT_EQ(http("POST", service.url("/v1/jobs"), {other},
                 job_body(kQuickPipeline, {service.upload(other, suzanne())}))
                .status,
            202);
}

TEST(ServiceApi, MetricsCountProviderCallsFromTheLedgerAndJobOutcomes) {
  LocalService service;
  const std::string auth = service.key_header("acme");
  const std::string asset = service.upload(auth, suzanne());
  const std::string id =
      http("POST", service.url("/v1/jobs"), {auth}, job_body(kQuickPipeline, {asset})).json()["id"];
  ASSERT_EQ(service.wait_for(auth, id)["state"], "succeeded");
  // Generations recorded by any process (here: straight into the store) count.
  for (const char* key : {"g1", "g2"})
    ASSERT_TRUE(service.store()
                    .record_usage({key, "ten_x", "job_x", service::UsageKind::Generation, "404",
                                   "404-3dgs", 1, 0.25, "USD", "404", 0})
                    .ok());
  const std::string metrics = http("GET", service.url("/metrics")).body;
  EXPECT_NE(metrics.find("atlas_provider_calls_total{provider=\"404\",billed_by=\"404\"} 2\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("atlas_provider_cost_total{provider=\"404\",billed_by=\"404\","
                         "currency=\"USD\"} 0.500000\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("atlas_jobs_finished_total{state=\"succeeded\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("atlas_jobs_finished_total{state=\"failed\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace atlas::test
