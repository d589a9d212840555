#include "providers/gateway_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_gateway.h"
#include "formats/image_io.h"
#include "formats/splat_formats.h"
#include "gateway_test_support.h"
#include "test_support.h"

namespace atlas::providers {
namespace {

using namespace std::chrono_literals;
using test::FakeEndpoint;
using test::FakeFault;
using test::FakeGateway;
using test::FakeTaskScript;
using test::FakeWorker;

const std::atomic<bool> kNeverCancelled{false};

GenerationRequest prompt_request(std::string prompt = "a hamburger") {
  GenerationRequest request;
  request.task.prompt = std::move(prompt);
  return request;
}

Bytes png_of_size(int width, int height) {
  Image image(width, height, 3);
  for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = std::uint8_t(i * 7);
  return encode_png(image);
}

std::size_t splat_count(const std::string& relative_ply) {
  Result<SplatCloud> cloud = decode_ply_splats(test::must_read(test::testdata(relative_ply)));
  EXPECT_TRUE(cloud.ok());
  return cloud ? cloud->size() : 0;
}

FakeWorker worker(std::chrono::milliseconds after, std::string splat = "splats/404-hamburger.ply") {
  FakeWorker worker;
  worker.answers_after = after;
  worker.splat = std::move(splat);
  return worker;
}

FakeWorker failing_worker(std::chrono::milliseconds after, std::string reason) {
  FakeWorker worker;
  worker.answers_after = after;
  worker.failure = std::move(reason);
  return worker;
}

// Asserts a failed generation's code, and that its message never quotes the key.
void expect_failure(const Generation& generation, GatewayErrorCode code, const std::string& key) {
  ASSERT_FALSE(generation.ok());
  EXPECT_EQ(generation.error->code, code)
      << to_string(generation.error->code) << ": " << generation.error->message;
  EXPECT_FALSE(generation.error->message.empty());
  EXPECT_EQ(generation.error->message.find(key), std::string::npos) << generation.error->message;
  EXPECT_TRUE(generation.candidates.empty());
}

TEST(GatewayClient, TurnsAPromptIntoTheSpzOfTheHamburger) {
  FakeGateway gateway;
  const Generation generation =
      test::client_for(gateway)->generate(prompt_request(), kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  ASSERT_EQ(generation.candidates.size(), 1u);
  const Candidate& result = generation.candidates[0];
  EXPECT_EQ(result.extension, "spz");
  EXPECT_EQ(result.bytes[0], 0x28);  // 404's zstd wrapper
  Result<SplatCloud> cloud = decode_spz(result.bytes);
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  EXPECT_EQ(cloud->size(), splat_count("splats/404-hamburger.ply"));

  const GenerationRecord& record = generation.record;
  EXPECT_EQ(record.model, "404-3dgs");
  EXPECT_EQ(record.base_url, gateway.base_url());
  EXPECT_EQ(record.task_id.size(), 36u);
  EXPECT_FALSE(record.task_outcome_unknown);
  EXPECT_EQ(record.add_task_requests, 1);
  EXPECT_EQ(record.candidates_downloaded, 1);
  EXPECT_EQ(record.worker_id, "worker-1");

  ASSERT_EQ(gateway.tasks_created(), 1);
  const test::FakeAddTask sent = gateway.add_tasks()[0];
  EXPECT_EQ(sent.content_type, "application/json");
  EXPECT_EQ(sent.prompt, "a hamburger");
  EXPECT_EQ(sent.model, "404-3dgs");
  EXPECT_FALSE(sent.seed.has_value());
  EXPECT_EQ(sent.client_origin, "api");
}

TEST(GatewayClient, DownloadsA404SpzAsSentAndItsPlyOnRequest) {
  FakeGateway gateway;
  FakeTaskScript robocop;
  robocop.workers = {worker(0ms, "splats/404-robocop.spz")};
  gateway.script_next_task(robocop);
  gateway.script_next_task(robocop);
  const auto client = test::client_for(gateway);
  const Generation spz = client->generate(prompt_request("a robocop"), kNeverCancelled);
  ASSERT_TRUE(spz.ok()) << spz.error->message;
  const Bytes original = test::must_read(test::testdata("splats/404-robocop.spz"));
  EXPECT_EQ(spz.candidates.at(0).bytes, original);

  GenerationRequest ply_request = prompt_request("a robocop");
  ply_request.splat_encoding = SplatEncoding::Ply;
  const Generation ply = client->generate(ply_request, kNeverCancelled);
  ASSERT_TRUE(ply.ok()) << ply.error->message;
  Result<SplatCloud> from_ply = decode_ply_splats(ply.candidates.at(0).bytes);
  Result<SplatCloud> from_spz = decode_spz(original);
  ASSERT_TRUE(from_ply.ok() && from_spz.ok());
  EXPECT_EQ(from_ply->size(), from_spz->size());
}

TEST(GatewayClient, DownloadsPlyWhenAskedAndSendsSeedAndParams) {
  FakeGateway gateway;
  GenerationRequest request = prompt_request("a red chair, 3D, low poly!");
  request.splat_encoding = SplatEncoding::Ply;
  request.task.seed = 4294967295;  // the gateway casts it to -1
  request.task.model_params_json = R"({"steps": 12})";
  const Generation generation = test::client_for(gateway)->generate(request, kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  ASSERT_EQ(generation.candidates.size(), 1u);
  EXPECT_EQ(generation.candidates[0].extension, "ply");
  Result<SplatCloud> downloaded = decode_ply_splats(generation.candidates[0].bytes);
  ASSERT_TRUE(downloaded.ok());
  Result<SplatCloud> original =
      decode_ply_splats(test::must_read(test::testdata("splats/404-hamburger.ply")));
  ASSERT_TRUE(original.ok());
  test::expect_identical(*downloaded, *original);
  const test::FakeAddTask sent = gateway.add_tasks().at(0);
  EXPECT_EQ(sent.seed, -1);
  EXPECT_EQ(sent.model_params, R"({"steps":12})");
}

TEST(GatewayClient, SendsAnImageAsMultipartAndDownloadsTheGlb) {
  FakeGateway gateway;
  GenerationRequest request;
  request.task.image = png_of_size(64, 48);
  request.task.model = "404-mesh-v2";
  request.task.seed = 42;
  request.task.model_params_json = R"({"texture_size": 2048, "face_count": 50000})";
  const Generation generation = test::client_for(gateway)->generate(request, kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  ASSERT_EQ(generation.candidates.size(), 1u);
  EXPECT_EQ(generation.candidates[0].extension, "glb");
  EXPECT_EQ(generation.candidates[0].bytes,
            test::must_read(test::testdata("meshes/trellis-sample.glb")));
  const test::FakeAddTask sent = gateway.add_tasks().at(0);
  EXPECT_EQ(sent.content_type, "multipart/form-data");
  EXPECT_EQ(sent.image_bytes, request.task.image.size());
  EXPECT_EQ(sent.image_content_type, "image/png");
  EXPECT_EQ(sent.model, "404-mesh-v2");
  EXPECT_EQ(sent.seed, 42);
  EXPECT_EQ(sent.model_params, R"({"face_count":50000,"texture_size":2048})");
}

TEST(GatewayClient, FirstDownloadsAsSoonAsOneResultExists) {
  FakeGateway gateway;
  FakeTaskScript script;
  script.workers = {worker(0ms), worker(60s), worker(60s)};
  gateway.script_next_task(script);
  const Generation generation =
      test::client_for(gateway)->generate(prompt_request(), kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  EXPECT_EQ(generation.candidates.size(), 1u);
  EXPECT_EQ(generation.record.results_reported, 1);
  EXPECT_LT(generation.record.elapsed, 30s);
}

TEST(GatewayClient, AllWaitsForSuccessAndDownloadsEveryResult) {
  FakeGateway gateway;
  FakeTaskScript script;
  script.in_progress_after = 10ms;
  script.workers = {worker(20ms), failing_worker(30ms, "worker timed out"),
                    worker(80ms, "splats/404-dreamgaussian-blob.ply")};
  gateway.script_next_task(script);
  GenerationRequest request = prompt_request();
  request.candidates = CandidateMode::All;
  std::vector<double> progress;
  const Generation generation = test::client_for(gateway)->generate(
      request, kNeverCancelled, [&](double fraction) { progress.push_back(fraction); });
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  ASSERT_EQ(generation.candidates.size(), 2u);
  EXPECT_EQ(generation.candidates[0].name, "1.spz");
  EXPECT_EQ(generation.candidates[1].name, "2.spz");
  Result<SplatCloud> blob = decode_spz(generation.candidates[1].bytes);
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->size(), splat_count("splats/404-dreamgaussian-blob.ply"));
  EXPECT_EQ(generation.record.results_reported, 2);
  EXPECT_EQ(generation.record.candidates_downloaded, 2);
  EXPECT_EQ(generation.record.worker_id, "worker-1");
  ASSERT_FALSE(progress.empty());
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
  EXPECT_EQ(progress.back(), 1.0);
}

TEST(GatewayClient, AllDownloadsWhatExistsBeforeItExpires) {
  test::FakeGatewayOptions options;
  options.result_lifetime = 2s;
  FakeGateway gateway(options);
  FakeTaskScript script;
  script.workers = {worker(0ms), worker(60s)};
  gateway.script_next_task(script);
  GatewayTiming timing = test::fast_timing();
  timing.result_lifetime = 2s;
  // Downloads after 0.5 s of waiting for the second result, 1.5 s before the first expires.
  timing.lifetime_margin = 1500ms;
  GenerationRequest request = prompt_request();
  request.candidates = CandidateMode::All;
  const Generation generation =
      test::client_for(gateway, timing)->generate(request, kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  EXPECT_EQ(generation.candidates.size(), 1u);
  EXPECT_EQ(generation.record.results_reported, 1);
}

TEST(GatewayClient, AnExpiredResultIsNotFound) {
  test::FakeGatewayOptions options;
  options.result_lifetime = 0ms;
  FakeGateway gateway(options);
  FakeTaskScript script;
  script.workers = {worker(0ms)};
  gateway.script_next_task(script);
  gateway.inject(FakeEndpoint::GetResult, FakeFault::slow(20ms));
  const Generation generation =
      test::client_for(gateway)->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::NotFound, gateway.api_key());
  EXPECT_NE(generation.error->message.find("No successful results"), std::string::npos);
  EXPECT_FALSE(generation.record.task_id.empty());  // the task was paid for
}

TEST(GatewayClient, AFailedTaskReportsItsReason) {
  FakeGateway gateway;
  FakeTaskScript script;
  script.workers = {failing_worker(0ms, "prompt rejected by the safety filter"),
                    failing_worker(5ms, "prompt rejected by the safety filter")};
  gateway.script_next_task(script);
  const Generation generation =
      test::client_for(gateway)->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::GenerationFailed, gateway.api_key());
  EXPECT_NE(generation.error->message.find("prompt rejected by the safety filter"),
            std::string::npos);
  EXPECT_EQ(gateway.add_task_requests(), 1);
}

TEST(GatewayClient, RefusesBadRequestsBeforeSendingAnything) {
  FakeGateway gateway;
  const auto client = test::client_for(gateway);
  const auto refused = [&](GenerationRequest request, const std::string& says) {
    const Generation generation = client->generate(request, kNeverCancelled);
    expect_failure(generation, GatewayErrorCode::BadRequest, gateway.api_key());
    if (generation.error) {
      EXPECT_NE(generation.error->message.find(says), std::string::npos)
          << generation.error->message;
    }
  };
  refused(prompt_request("ab"), "3 to 384");
  refused(prompt_request(std::string(385, 'a')), "3 to 384");
  refused(prompt_request("a hamburger <script>"), "character 13");
  refused(prompt_request("caf\xc3\xa9"), "not allowed");
  GenerationRequest mesh_from_text = prompt_request();
  mesh_from_text.task.model = "404-mesh";
  refused(mesh_from_text, "from an image only");
  GenerationRequest unknown_model = prompt_request();
  unknown_model.task.model = "404-nerf";
  refused(unknown_model, "unknown model");
  refused(GenerationRequest{}, "give a prompt or an image");
  GenerationRequest both = prompt_request();
  both.task.image = png_of_size(8, 8);
  refused(both, "not both");
  GenerationRequest big_image;
  big_image.task.image = png_of_size(1025, 16);
  refused(big_image, "1025x16");
  GenerationRequest not_an_image;
  not_an_image.task.image = Bytes(100, 7);
  refused(not_an_image, "not a PNG, JPEG or WebP");
  GenerationRequest seed = prompt_request();
  seed.task.seed = 4294967296;
  refused(seed, "32 bits");
  GenerationRequest params = prompt_request();
  params.task.model_params_json = "[1]";
  refused(params, "JSON object");
  params.task.model_params_json = "{\"note\": \"" + std::string(1100, 'x') + "\"}";
  refused(params, "at most 1024");
  GenerationRequest v2;
  v2.task.image = png_of_size(8, 8);
  v2.task.model = "404-mesh-v2";
  v2.task.model_params_json = R"({"texture_size": 3000})";
  refused(v2, "texture_size");
  v2.task.model_params_json = R"({"face_count": 100})";
  refused(v2, "face_count");
  v2.task.model_params_json = R"({"pipeline_type": "2048"})";
  refused(v2, "pipeline_type");
  v2.task.model_params_json = R"({"textur_size": 1024})";
  refused(v2, "textur_size");
  EXPECT_EQ(gateway.add_task_requests(), 0);
}

TEST(GatewayClient, MapsTheGatewaysRefusalsWithoutRetrying) {
  FakeGateway gateway;
  const auto client = test::client_for(gateway);
  gateway.inject(FakeEndpoint::AddTask, FakeFault::answer(400, "Invalid prompt"));
  Generation generation = client->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::BadRequest, gateway.api_key());
  EXPECT_NE(generation.error->message.find("Invalid prompt"), std::string::npos);

  gateway.inject(FakeEndpoint::AddTask, FakeFault::insufficient_balance());
  generation = client->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::InsufficientBalance, gateway.api_key());
  EXPECT_EQ(generation.error->as_error().message.rfind("insufficient_balance: ", 0), 0u);

  EXPECT_EQ(gateway.add_task_requests(), 2);
  EXPECT_EQ(gateway.tasks_created(), 0);
}

TEST(GatewayClient, AWrongKeyIsUnauthorizedAndNeverQuoted) {
  FakeGateway gateway;
  GatewayConfig config = test::config_for(gateway);
  config.api_key = "sk-404-very-secret-key-that-must-not-leak";
  const GatewayClient client(config, test::fast_timing());
  const Generation generation = client.generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::Unauthorized, config.api_key);
  EXPECT_NE(generation.error->message.find("ATLAS_404_API_KEY"), std::string::npos);
  EXPECT_EQ(gateway.tasks_created(), 0);

  GatewayConfig no_key = test::config_for(gateway);
  no_key.api_key.clear();
  const Generation unconfigured =
      GatewayClient(no_key, test::fast_timing()).generate(prompt_request(), kNeverCancelled);
  expect_failure(unconfigured, GatewayErrorCode::NotConfigured, "sk-404");
  EXPECT_EQ(gateway.add_task_requests(), 1);
}

TEST(GatewayClient, AnEchoedKeyIsRedacted) {
  FakeGateway gateway;
  gateway.inject(FakeEndpoint::AddTask,
                 FakeFault::answer(400, "bad key format: " + gateway.api_key()));
  const Generation generation =
      test::client_for(gateway)->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::BadRequest, gateway.api_key());
  EXPECT_NE(generation.error->message.find("[redacted]"), std::string::npos);
}

TEST(GatewayClient, BacksOffOnRateLimitsAndAFullQueueThenCreatesOneTask) {
  FakeGateway gateway;
  gateway.inject(FakeEndpoint::AddTask, FakeFault::rate_limited(std::nullopt));
  gateway.inject(FakeEndpoint::AddTask, FakeFault::queue_full());
  const Generation generation =
      test::client_for(gateway)->generate(prompt_request(), kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  EXPECT_EQ(generation.record.add_task_requests, 3);
  EXPECT_EQ(gateway.add_task_requests(), 3);
  EXPECT_EQ(gateway.tasks_created(), 1);
}

TEST(GatewayClient, HonoursRetryAfter) {
  FakeGateway gateway;
  gateway.inject(FakeEndpoint::AddTask, FakeFault::rate_limited(1));
  const auto started = std::chrono::steady_clock::now();
  const Generation generation =
      test::client_for(gateway)->generate(prompt_request(), kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(gateway.tasks_created(), 1);
}

TEST(GatewayClient, GivesUpOnLimitsAfterBoundedRetries) {
  FakeGateway gateway;
  const auto client = test::client_for(gateway);
  gateway.inject(FakeEndpoint::AddTask, FakeFault::rate_limited(3600));  // a daily limit
  Generation generation = client->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::RateLimited, gateway.api_key());
  EXPECT_NE(generation.error->message.find("3600 s"), std::string::npos);
  EXPECT_NE(generation.error->message.find("concurrent_limit"), std::string::npos);
  EXPECT_EQ(gateway.add_task_requests(), 1);

  for (int i = 0; i < 3; ++i) gateway.inject(FakeEndpoint::AddTask, FakeFault::queue_full());
  generation = client->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::QueueFull, gateway.api_key());
  EXPECT_NE(generation.error->message.find("Task queue is full"), std::string::npos);
  EXPECT_NE(generation.error->message.find("gave up after 3 attempts"), std::string::npos);
  EXPECT_EQ(gateway.add_task_requests(), 4);
  EXPECT_EQ(gateway.tasks_created(), 0);
}

TEST(GatewayClient, NeverPostsAgainWhenTheOutcomeOfAddTaskIsUnknown) {
  FakeGateway gateway;
  GatewayTiming timing = test::fast_timing();
  timing.request_timeout = 300ms;
  const auto client = test::client_for(gateway, timing);
  // `created`: the tasks the account holds afterwards; nullopt when the server may still
  // be creating one (a request the client gave up waiting for).
  const auto expect_unknown = [&](FakeFault fault, GatewayErrorCode code,
                                  std::optional<int> created) {
    const int requests_before = gateway.add_task_requests();
    gateway.inject(FakeEndpoint::AddTask, std::move(fault));
    const Generation generation = client->generate(prompt_request(), kNeverCancelled);
    expect_failure(generation, code, gateway.api_key());
    EXPECT_TRUE(generation.record.task_outcome_unknown);
    EXPECT_TRUE(generation.record.task_id.empty());
    EXPECT_NE(generation.error->message.find("may have been created and charged"),
              std::string::npos);
    EXPECT_EQ(gateway.add_task_requests(), requests_before + 1);
    if (created) {
      EXPECT_EQ(gateway.tasks_created(), *created);
    }
  };
  expect_unknown(FakeFault::drop(), GatewayErrorCode::ConnectionDropped, 0);
  expect_unknown(FakeFault::create_then_drop(), GatewayErrorCode::ConnectionDropped, 1);
  expect_unknown(FakeFault::answer(500, "Internal Server Error"), GatewayErrorCode::ServerError, 1);
  expect_unknown(FakeFault::answer(200, "{}"), GatewayErrorCode::ServerError, 1);
  expect_unknown(FakeFault::slow(2s), GatewayErrorCode::Timeout, std::nullopt);
}

TEST(GatewayClient, RetriesStatusAndDownloadsButNeverTheTask) {
  FakeGateway gateway;
  gateway.inject(FakeEndpoint::GetStatus, FakeFault::drop());
  gateway.inject(FakeEndpoint::GetStatus, FakeFault::queue_full());
  gateway.inject(FakeEndpoint::GetResult, FakeFault::truncate());
  gateway.inject(FakeEndpoint::GetResult, FakeFault::drop());
  const Generation generation =
      test::client_for(gateway)->generate(prompt_request(), kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  ASSERT_EQ(generation.candidates.size(), 1u);
  EXPECT_TRUE(decode_spz(generation.candidates[0].bytes).ok());
  EXPECT_EQ(gateway.result_requests(), 3);
  EXPECT_EQ(gateway.add_task_requests(), 1);
  EXPECT_EQ(gateway.tasks_created(), 1);
}

TEST(GatewayClient, ATruncatedOrCorruptDownloadFailsClearly) {
  FakeGateway gateway;
  const auto client = test::client_for(gateway);
  for (int i = 0; i < 3; ++i) gateway.inject(FakeEndpoint::GetResult, FakeFault::truncate());
  Generation generation = client->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::ConnectionDropped, gateway.api_key());
  EXPECT_NE(generation.error->message.find("gave up after 3 attempts"), std::string::npos);
  EXPECT_FALSE(generation.record.task_id.empty());

  for (int i = 0; i < 3; ++i)
    gateway.inject(FakeEndpoint::GetResult, FakeFault::answer(200, "<html>maintenance</html>"));
  generation = client->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::CorruptPayload, gateway.api_key());
  EXPECT_NE(generation.error->message.find("not a .spz file"), std::string::npos);

  GenerationRequest all = prompt_request();
  all.candidates = CandidateMode::All;
  for (int i = 0; i < 3; ++i)
    gateway.inject(FakeEndpoint::GetResult, FakeFault::answer(200, "PK\x03\x04 not really"));
  generation = client->generate(all, kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::CorruptPayload, gateway.api_key());
  EXPECT_NE(generation.error->message.find("ZIP"), std::string::npos);
  EXPECT_EQ(gateway.add_task_requests(), 3);
}

TEST(GatewayClient, TimesOutAtTheDeadline) {
  FakeGateway gateway;
  FakeTaskScript script;
  script.workers = {worker(60s)};
  gateway.script_next_task(script);
  GatewayTiming timing = test::fast_timing();
  timing.task_deadline = 150ms;
  const Generation generation =
      test::client_for(gateway, timing)->generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::Timeout, gateway.api_key());
  EXPECT_NE(generation.error->message.find("deadline"), std::string::npos);
}

TEST(GatewayClient, FailsOverToTheNextRegionOnlyBeforeATaskExists) {
  FakeGateway gateway;
  GatewayConfig config = test::config_for(gateway);
  // Port 1 on loopback refuses connections: a region that cannot be reached.
  config.base_urls = {"http://127.0.0.1:1", gateway.base_url()};
  Generation generation =
      GatewayClient(config, test::fast_timing()).generate(prompt_request(), kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  EXPECT_EQ(generation.record.base_url, gateway.base_url());
  EXPECT_EQ(gateway.tasks_created(), 1);

  // Once the task exists, a broken connection to its region is retried there.
  gateway.inject(FakeEndpoint::GetStatus, FakeFault::drop());
  generation =
      GatewayClient(config, test::fast_timing()).generate(prompt_request(), kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  EXPECT_EQ(gateway.tasks_created(), 2);

  config.base_urls = {"http://127.0.0.1:1", "http://localhost:1"};
  generation =
      GatewayClient(config, test::fast_timing()).generate(prompt_request(), kNeverCancelled);
  expect_failure(generation, GatewayErrorCode::Unreachable, config.api_key);
  EXPECT_FALSE(generation.record.task_outcome_unknown);
  EXPECT_EQ(generation.record.add_task_requests, 0);
}

TEST(GatewayClient, StopsPromptlyWhenCancelledWhilePolling) {
  FakeGateway gateway;
  FakeTaskScript script;
  script.workers = {worker(60s)};
  gateway.script_next_task(script);
  GatewayTiming timing = test::fast_timing();
  timing.poll_interval_min = timing.poll_interval_max = 10s;
  std::atomic<bool> cancel{false};
  std::chrono::steady_clock::time_point cancelled_at;
  const Generation generation =
      test::client_for(gateway, timing)->generate(prompt_request(), cancel, [&](double) {
        if (gateway.status_requests() > 0 && !cancel) {
          cancelled_at = std::chrono::steady_clock::now();
          cancel = true;
        }
      });
  expect_failure(generation, GatewayErrorCode::Cancelled, gateway.api_key());
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 1s);
  EXPECT_FALSE(generation.record.task_id.empty());
}

TEST(GatewayClient, StopsPromptlyWhenCancelledDuringARequest) {
  FakeGateway gateway;
  gateway.inject(FakeEndpoint::AddTask, FakeFault::slow(20s));
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (gateway.add_task_requests() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    cancel = true;
  });
  const auto started = std::chrono::steady_clock::now();
  const Generation generation = test::client_for(gateway)->generate(prompt_request(), cancel);
  canceller.join();
  expect_failure(generation, GatewayErrorCode::Cancelled, gateway.api_key());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(generation.record.task_outcome_unknown);
}

TEST(GatewayClient, ReusesOneConnectionForAWholeGeneration) {
  FakeGateway gateway;
  FakeTaskScript script;
  script.workers = {worker(50ms)};
  gateway.script_next_task(script);
  const Generation generation =
      test::client_for(gateway)->generate(prompt_request(), kNeverCancelled);
  ASSERT_TRUE(generation.ok()) << generation.error->message;
  EXPECT_GT(gateway.status_requests(), 1);
  EXPECT_EQ(gateway.connections_accepted(), 1);
}

TEST(TaskStatus, ParsesEveryStateTheGatewayReports) {
  auto parsed = parse_task_status(R"({"status":"NoResult"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->state, TaskStatus::State::NoResult);
  parsed = parse_task_status(R"({"status":"InProgress"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->state, TaskStatus::State::InProgress);
  parsed = parse_task_status(R"j({"status":"PartialResult(3)"})j");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->state, TaskStatus::State::PartialResult);
  EXPECT_EQ(parsed->results, 3);
  parsed = parse_task_status(R"({"status":"Success","worker_id":"w7"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->state, TaskStatus::State::Success);
  EXPECT_EQ(parsed->worker_id, "w7");
  parsed = parse_task_status(R"({"status":"Failure","reason":"no miner answered"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->reason, "no miner answered");
  const std::vector<std::string> malformed = {"",
                                              "[]",
                                              R"({"status":"Done"})",
                                              R"j({"status":"PartialResult(x)"})j",
                                              R"j({"status":"PartialResult()"})j",
                                              R"({"state":"Success"})"};
  for (const std::string& bad : malformed) {
    const auto refused = parse_task_status(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code, GatewayErrorCode::ServerError);
  }
}

}  // namespace
}  // namespace atlas::providers
