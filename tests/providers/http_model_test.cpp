#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "fake_model_service.h"
#include "pipeline/op_test_support.h"
#include "pipeline/remote_provider.h"
#include "providers/http_model_config.h"
#include "providers/http_model_provider.h"
#include "test_support.h"

namespace atlas::providers {
namespace {

using namespace std::chrono_literals;
using pipeline::Value;
using test::FakeModelEndpoint;
using test::FakeModelFault;
using test::FakeModelService;
using test::FakeModelTaskScript;

const std::filesystem::path kMeshyConfig =
    std::filesystem::path(ATLAS_SOURCE_DIR) / "providers" / "meshy-retexture.yaml";

// A declaration with every required field, for the parser's error tests to break.
constexpr std::string_view kMinimalConfig = R"(name: svc
base_url: https://api.example.com
auth:
  header: Authorization
  value: "Bearer {{key}}"
  key_env: SVC_KEY
create:
  path: /v1/tasks
  body:
    model_url: "{{input_data_uri}}"
    style: "{{options.style}}"
  task_id: /result
poll:
  path: /v1/tasks/{{id}}
  status: /status
  succeeded: [DONE]
  failed: [FAILED]
result:
  url: /model_urls/glb
  format: glb
)";

std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const std::size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

std::string parse_error(const std::string& text) {
  Result<HttpModelConfig> config = parse_http_model_config(text, "svc.yaml");
  return config ? "(parsed)" : config.error().message;
}

HttpModelTiming fast_timing() {
  HttpModelTiming timing;
  timing.poll_interval_min = 2ms;
  timing.poll_interval_max = 5ms;
  timing.timeout = 10s;
  timing.connect_timeout = 2s;
  timing.request_timeout = 5s;
  timing.download_timeout = 5s;
  timing.backoff_base = 2ms;
  timing.backoff_max = 10ms;
  timing.max_retry_after = 2s;
  timing.max_attempts = 3;
  return timing;
}

EnvironmentLookup environment_with(std::string key) {
  return [key = std::move(key)](std::string_view name) -> std::optional<std::string> {
    if (name == "MESHY_API_KEY") return key;
    return std::nullopt;
  };
}

Mesh one_triangle() {
  Primitive triangle;
  triangle.positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  triangle.indices = {0, 1, 2};
  Mesh mesh;
  mesh.primitives.push_back(std::move(triangle));
  return mesh;
}

std::size_t glb_triangles(const std::string& relative) {
  Result<Value> mesh = pipeline::decode_remote_asset(
      pipeline::EncodedAsset{test::must_read(test::testdata(relative)), "glb"});
  EXPECT_TRUE(mesh.ok());
  return mesh && mesh->mesh() ? mesh->mesh()->triangle_count() : 0;
}

FakeModelTaskScript script(std::chrono::milliseconds pending, std::chrono::milliseconds running,
                           std::string failure = {}, bool never_finishes = false) {
  FakeModelTaskScript script;
  script.pending_for = pending;
  script.running_for = running;
  script.failure = std::move(failure);
  script.never_finishes = never_finishes;
  return script;
}

pipeline::ModelRequest retexture(std::string options = R"({"text_style_prompt":"red brick"})") {
  pipeline::ModelRequest request;
  request.input = Value(one_triangle());
  request.options_json = std::move(options);
  return request;
}

class HttpModelTest : public ::testing::Test {
 protected:
  HttpModelConfig meshy_config() const {
    Result<HttpModelConfig> config = load_http_model_config(kMeshyConfig);
    EXPECT_TRUE(config.ok()) << (config ? "" : config.error().message);
    HttpModelConfig loaded = config ? std::move(config).value() : HttpModelConfig{};
    loaded.base_url = fake_.base_url();
    loaded.timing = fast_timing();
    return loaded;
  }

  std::shared_ptr<HttpModelProvider> provider(std::optional<std::string> key = std::nullopt,
                                              HttpModelTiming timing = fast_timing()) const {
    HttpModelConfig config = meshy_config();
    config.timing = timing;
    return std::make_shared<HttpModelProvider>(std::move(config),
                                               environment_with(key.value_or(fake_.api_key())));
  }

  // Runs one request and checks what every outcome must satisfy: no key in the error,
  // never more than one task a call.
  HttpModelOutcome run(const HttpModelProvider& model,
                       const pipeline::ModelRequest& request = retexture()) const {
    const std::atomic<bool> cancel{false};
    const int tasks_before = fake_.tasks_created();
    HttpModelOutcome outcome = model.run(request, cancel, {});
    if (outcome.error) {
      EXPECT_EQ(outcome.error->message.find(fake_.api_key()), std::string::npos)
          << outcome.error->message;
      EXPECT_EQ(outcome.error->as_error().message.find(fake_.api_key()), std::string::npos);
    }
    EXPECT_LE(fake_.tasks_created() - tasks_before, 1);
    return outcome;
  }

  static std::string code_of(const HttpModelOutcome& outcome) {
    return outcome.error ? to_string(outcome.error->code) : "ok";
  }

  FakeModelService fake_;
};

TEST_F(HttpModelTest, ShippedMeshyConfigDeclaresTheDocumentedShape) {
  Result<HttpModelConfig> config = load_http_model_config(kMeshyConfig);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->name, "meshy-retexture");
  EXPECT_EQ(config->base_url, "https://api.meshy.ai");
  EXPECT_EQ(config->auth_header, "Authorization");
  EXPECT_EQ(config->auth_value_template, "Bearer {{key}}");
  EXPECT_EQ(config->key_env, "MESHY_API_KEY");
  EXPECT_EQ(config->create_path, "/openapi/v1/retexture");
  EXPECT_EQ(config->task_id_pointer, "/result");
  EXPECT_EQ(config->poll_path, "/openapi/v1/retexture/{{id}}");
  EXPECT_EQ(config->succeeded_values, std::vector<std::string>{"SUCCEEDED"});
  EXPECT_EQ(config->result_url_pointer, "/model_urls/glb");
  EXPECT_EQ(config->error_pointer, "/task_error/message");
  EXPECT_EQ(config->option_names,
            (std::vector<std::string>{"enable_original_uv", "enable_pbr", "text_style_prompt"}));
  EXPECT_EQ(config->timing.poll_interval_min, 1000ms);
  EXPECT_EQ(config->timing.timeout, 900s);
}

TEST_F(HttpModelTest, ConfigErrorsNameFileLineColumnAndField) {
  ASSERT_EQ(parse_error(std::string(kMinimalConfig)), "(parsed)");
  // A missing field is reported where its mapping starts: poll's first key, line 14.
  EXPECT_EQ(parse_error(replaced(kMinimalConfig, "  status: /status\n", "")),
            "svc.yaml:14:3: poll.status: missing");
  EXPECT_EQ(parse_error(replaced(kMinimalConfig, "url: /model_urls/glb", "url: model_urls.glb")),
            "svc.yaml:19:8: result.url: must be a JSON pointer such as /result (RFC 6901), got "
            "'model_urls.glb'");
  EXPECT_EQ(parse_error(replaced(kMinimalConfig, "  succeeded:", "  succeded:")),
            "svc.yaml:16:3: poll.succeded: unknown field (expected path, status, pending, "
            "running, succeeded, failed, progress, progress_max, error_message, interval_ms, "
            "timeout_s)");
  EXPECT_EQ(parse_error(replaced(kMinimalConfig, "{{input_data_uri}}", "{{input_url}}")),
            "svc.yaml:10:16: create.body.model_url: unknown placeholder {{input_url}} (the body "
            "takes {{model}}, {{input_data_uri}}, {{image_data_uri}} and {{options.NAME}})");
  EXPECT_EQ(parse_error(replaced(kMinimalConfig, "/v1/tasks/{{id}}", "/v1/tasks")),
            "svc.yaml:14:9: poll.path: must start with '/' and hold the placeholder {{id}} once "
            "and no other, e.g. /v1/tasks/{{id}}");
  EXPECT_EQ(parse_error(replaced(kMinimalConfig, "value: \"Bearer {{key}}\"", "value: Bearer")),
            "svc.yaml:5:10: auth.value: must hold the placeholder {{key}} once and no other, "
            "e.g. \"Bearer {{key}}\"");
  EXPECT_EQ(parse_error(replaced(kMinimalConfig, "format: glb", "format: fbx")),
            "svc.yaml:20:11: result.format: must be glb, gltf, obj, ply, stl or spz, got 'fbx'");
  EXPECT_EQ(parse_error(replaced(kMinimalConfig, "failed: [FAILED]", "failed: [DONE]")),
            "svc.yaml:14:3: poll: the status value 'DONE' is listed in two states");
  const std::string plain_http =
      parse_error(replaced(kMinimalConfig, "https://api.example.com", "http://api.example.com"));
  EXPECT_TRUE(plain_http.starts_with("svc.yaml:2:11: base_url: ")) << plain_http;
  EXPECT_NE(plain_http.find("unencrypted"), std::string::npos) << plain_http;
  const std::string syntax =
      parse_error(replaced(kMinimalConfig, "  format: glb", "  format: [glb"));
  EXPECT_TRUE(syntax.starts_with("svc.yaml:")) << syntax;
  EXPECT_NE(syntax.find("(syntax)"), std::string::npos) << syntax;

  const std::filesystem::path file = test::scratch_dir() / "broken.yaml";
  std::ofstream(file) << replaced(kMinimalConfig, "  task_id: /result\n", "");
  Result<HttpModelConfig> loaded = load_http_model_config(file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message, file.string() + ":8:3: create.task_id: missing");
  Result<HttpModelConfig> missing = load_http_model_config(test::scratch_dir() / "none.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("none.yaml"), std::string::npos);
}

TEST_F(HttpModelTest, LoadingRegistersTheProviderByItsName) {
  Result<std::shared_ptr<const pipeline::RemoteProvider>> loaded =
      load_http_model_provider(kMeshyConfig, environment_with("k"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->name(), "meshy-retexture");
  EXPECT_EQ(pipeline::find_remote_provider("meshy-retexture"), *loaded);
  EXPECT_TRUE(pipeline::unregister_remote_provider("meshy-retexture"));
}

TEST_F(HttpModelTest, RetexturesAMeshThroughTheHttpModelOp) {
  fake_.script_next_task(script(5ms, 40ms));
  pipeline::register_remote_provider(provider());
  const Bytes fox = test::must_read(test::testdata("meshes/Fox.glb"));
  Result<Value> input = pipeline::decode_remote_asset(pipeline::EncodedAsset{fox, "glb"});
  ASSERT_TRUE(input.ok());

  const pipeline::OpSpec* op = pipeline::find_op("http_model");
  ASSERT_NE(op, nullptr);
  pipeline::OpContext context = test::op_context(
      *op, {{"input", *input}},
      {{"provider", std::string("meshy-retexture")},
       {"options", std::string(R"({"text_style_prompt":"rusty bronze","enable_pbr":true})")}});
  std::mutex mutex;
  std::vector<double> fractions;
  context.progress = [&](double fraction) {
    const std::lock_guard lock(mutex);
    fractions.push_back(fraction);
  };
  Result<pipeline::Values> run = op->run(context);
  EXPECT_TRUE(pipeline::unregister_remote_provider("meshy-retexture"));

  const Value output = test::output(run, "output");
  ASSERT_NE(output.mesh(), nullptr);
  EXPECT_EQ(output.mesh()->triangle_count(), glb_triangles("meshes/trellis-sample.glb"));
  EXPECT_EQ(fake_.create_requests(), 1);
  EXPECT_EQ(fake_.tasks_created(), 1);
  EXPECT_GE(fake_.poll_requests(), 2);
  EXPECT_EQ(fake_.download_requests(), 1);

  const std::vector<std::string> bodies = fake_.create_bodies();
  ASSERT_EQ(bodies.size(), 1u);
  const nlohmann::json body = nlohmann::json::parse(bodies[0]);
  EXPECT_TRUE(body["model_url"].get<std::string>().starts_with(
      "data:application/octet-stream;base64,Z2xURg"));  // "glTF"
  EXPECT_EQ(body["text_style_prompt"], "rusty bronze");
  EXPECT_EQ(body["ai_model"], "meshy-5");
  EXPECT_EQ(body["enable_pbr"], true);
  EXPECT_FALSE(body.contains("image_style_url"));     // no image connected
  EXPECT_FALSE(body.contains("enable_original_uv"));  // option not given

  ASSERT_FALSE(fractions.empty());
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  EXPECT_EQ(fractions.back(), 1.0);
  EXPECT_TRUE(std::any_of(fractions.begin(), fractions.end(),
                          [](double f) { return f > 0.05 && f < 0.9; }));
}

TEST_F(HttpModelTest, SendsTheImageAndTheModelAsked) {
  Image image;
  image.width = 2;
  image.height = 2;
  image.channels = 4;
  image.pixels.assign(16, 200);
  pipeline::ModelRequest request = retexture("{}");
  request.image = Value(std::move(image));
  request.model = "latest";
  HttpModelOutcome outcome = run(*provider(), request);
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(outcome.result->extension, "glb");
  EXPECT_EQ(outcome.record.model, "latest");
  EXPECT_FALSE(outcome.record.task_id.empty());
  const nlohmann::json body = nlohmann::json::parse(fake_.create_bodies().at(0));
  EXPECT_TRUE(body["image_style_url"].get<std::string>().starts_with("data:image/png;base64,"));
  EXPECT_EQ(body["ai_model"], "latest");
  EXPECT_FALSE(body.contains("text_style_prompt"));
}

TEST_F(HttpModelTest, PlaceholdersInsideTextAndListsAreFilled) {
  HttpModelConfig config = meshy_config();
  config.create_body_json =
      R"({"model_url": "{{input_data_uri}}", "text_style_prompt": "style: {{options.style}}, )"
      R"({{options.layers}} layers", "tags": ["{{options.tag}}", "fixed"], "n": 2})";
  config.option_names = {"layers", "style", "tag"};
  const HttpModelProvider model(config, environment_with(fake_.api_key()));
  HttpModelOutcome outcome = run(model, retexture(R"({"style": "bronze", "layers": 3})"));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  const nlohmann::json body = nlohmann::json::parse(fake_.create_bodies().at(0));
  EXPECT_EQ(body["text_style_prompt"], "style: bronze, 3 layers");
  EXPECT_EQ(body["tags"], nlohmann::json::array({"fixed"}));  // the absent option left out
  EXPECT_EQ(body["n"], 2);

  HttpModelOutcome missing = run(model, retexture(R"({"layers": 3})"));
  EXPECT_EQ(code_of(missing), "bad_request");
  EXPECT_NE(missing.error->message.find("{{options.style}} is used inside text but has no value"),
            std::string::npos);
  EXPECT_EQ(fake_.create_requests(), 1);
}

TEST_F(HttpModelTest, AFailedTaskEndsWithItsMessage) {
  fake_.script_next_task(script(0ms, 5ms, "The input mesh has no UVs."));
  HttpModelOutcome outcome = run(*provider());
  EXPECT_EQ(code_of(outcome), "generation_failed");
  EXPECT_NE(outcome.error->message.find("ended FAILED: The input mesh has no UVs."),
            std::string::npos)
      << outcome.error->message;
  EXPECT_EQ(fake_.create_requests(), 1);
}

// Each call is metered under the declaration's name, priced from the table: a task that
// ran costs its price whether it succeeded or failed; a refused create costs nothing.
TEST_F(HttpModelTest, EveryCallThatReachedTheServiceIsAUsageRecord) {
  PriceTable prices;
  prices.prices["meshy-retexture"]["default"] = 0.4;
  const HttpModelProvider model(meshy_config(), environment_with(fake_.api_key()), prices);
  std::vector<pipeline::UsageRecord> usage;
  pipeline::ModelRequest request = retexture();
  request.usage = [&](const pipeline::UsageRecord& record) { usage.push_back(record); };

  ASSERT_EQ(code_of(run(model, request)), "ok");
  fake_.script_next_task(script(0ms, 5ms, "The input mesh has no UVs."));
  ASSERT_EQ(code_of(run(model, request)), "generation_failed");
  fake_.inject(FakeModelEndpoint::Create,
               FakeModelFault::answer(402, R"({"message":"Insufficient funds."})"));
  ASSERT_EQ(code_of(run(model, request)), "insufficient_balance");

  ASSERT_EQ(usage.size(), 3u);
  for (const pipeline::UsageRecord& record : usage) {
    EXPECT_EQ(record.provider, "meshy-retexture");
    EXPECT_EQ(record.billed_by, "meshy-retexture");
    EXPECT_TRUE(record.priced);
  }
  EXPECT_TRUE(usage[0].succeeded);
  EXPECT_FALSE(usage[0].task_id.empty());
  EXPECT_EQ(usage[0].cost, 0.4);
  EXPECT_FALSE(usage[1].succeeded);
  EXPECT_EQ(usage[1].cost, 0.4);
  EXPECT_TRUE(usage[2].task_id.empty());
  EXPECT_EQ(usage[2].cost, 0);
}

TEST_F(HttpModelTest, RefusalsFailAtOnceWithTheirCodes) {
  const auto refused = [&](std::shared_ptr<HttpModelProvider> model, FakeModelFault fault,
                           std::string code, std::string fragment) {
    const int before = fake_.create_requests();
    fake_.inject(FakeModelEndpoint::Create, std::move(fault));
    HttpModelOutcome outcome = run(*model);
    EXPECT_EQ(code_of(outcome), code);
    if (outcome.error) {
      EXPECT_NE(outcome.error->message.find(fragment), std::string::npos) << outcome.error->message;
    }
    EXPECT_EQ(fake_.create_requests(), before + 1) << code;
    EXPECT_FALSE(outcome.record.task_outcome_unknown) << code;
  };
  refused(provider(), FakeModelFault::answer(402, R"({"message":"Insufficient funds."})"),
          "insufficient_balance", "Insufficient funds.");
  refused(provider(), FakeModelFault::answer(400, R"({"message":"Invalid model."})"), "bad_request",
          "the service refused the request: Invalid model.");
  refused(provider(), FakeModelFault::answer(404, R"({"message":"Not Found"})"), "not_found",
          "Not Found");

  HttpModelOutcome wrong_key = run(*provider("msy_wrong"));
  EXPECT_EQ(code_of(wrong_key), "unauthorized");
  EXPECT_NE(wrong_key.error->message.find("check MESHY_API_KEY"), std::string::npos);
  EXPECT_EQ(wrong_key.error->message.find("msy_wrong"), std::string::npos);
  EXPECT_EQ(fake_.tasks_created(), 0);
}

TEST_F(HttpModelTest, RequestsTheServiceWouldRefuseAreNotSent) {
  HttpModelOutcome unknown = run(*provider(), retexture(R"({"texture_prompt":"x"})"));
  EXPECT_EQ(code_of(unknown), "bad_request");
  EXPECT_NE(unknown.error->message.find("unknown option 'texture_prompt' (meshy-retexture takes "
                                        "enable_original_uv, enable_pbr, text_style_prompt)"),
            std::string::npos);

  pipeline::ModelRequest splats = retexture();
  SplatCloud cloud;
  cloud.resize(1);
  splats.input = Value(std::move(cloud));
  EXPECT_EQ(code_of(run(*provider(), splats)), "bad_request");
  EXPECT_EQ(code_of(run(*provider(), retexture("[1]"))), "bad_request");

  HttpModelOutcome no_key = run(*provider(""));
  EXPECT_EQ(code_of(no_key), "not_configured");
  EXPECT_NE(no_key.error->message.find("MESHY_API_KEY"), std::string::npos);
  EXPECT_EQ(fake_.create_requests(), 0);

  // The fake checks the body as Meshy does: without a style the request is refused.
  HttpModelOutcome no_style = run(*provider(), retexture("{}"));
  EXPECT_EQ(code_of(no_style), "bad_request");
  EXPECT_NE(no_style.error->message.find("One of text_style_prompt or image_style_url"),
            std::string::npos);
}

TEST_F(HttpModelTest, RateLimitsAndBusyAnswersAreRetriedWithoutASecondTask) {
  fake_.inject(FakeModelEndpoint::Create, FakeModelFault::rate_limited(0));
  fake_.inject(FakeModelEndpoint::Create,
               FakeModelFault::answer(503, R"({"message":"Service Unavailable"})"));
  HttpModelOutcome outcome = run(*provider());
  EXPECT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(fake_.create_requests(), 3);
  EXPECT_EQ(fake_.tasks_created(), 1);
  EXPECT_EQ(outcome.record.create_requests, 3);

  for (int i = 0; i < 3; ++i)
    fake_.inject(FakeModelEndpoint::Create, FakeModelFault::rate_limited(std::nullopt));
  HttpModelOutcome limited = run(*provider());
  EXPECT_EQ(code_of(limited), "rate_limited");
  EXPECT_NE(limited.error->message.find("gave up after 3 attempts"), std::string::npos);

  // A wait longer than the provider accepts fails at once instead of blocking the node.
  fake_.inject(FakeModelEndpoint::Create, FakeModelFault::rate_limited(3600));
  const int before = fake_.create_requests();
  HttpModelOutcome long_wait = run(*provider());
  EXPECT_EQ(code_of(long_wait), "rate_limited");
  EXPECT_NE(long_wait.error->message.find("asks to wait 3600 s"), std::string::npos);
  EXPECT_EQ(fake_.create_requests(), before + 1);
  EXPECT_EQ(fake_.tasks_created(), 1);
}

TEST_F(HttpModelTest, ALostCreateAnswerIsNeverSentAgain) {
  fake_.inject(FakeModelEndpoint::Create, FakeModelFault::create_then_drop());
  HttpModelOutcome dropped = run(*provider());
  EXPECT_EQ(code_of(dropped), "connection_dropped");
  EXPECT_TRUE(dropped.record.task_outcome_unknown);
  EXPECT_NE(dropped.error->message.find("may have been created and charged"), std::string::npos);
  EXPECT_EQ(fake_.create_requests(), 1);
  EXPECT_EQ(fake_.tasks_created(), 1);

  fake_.inject(FakeModelEndpoint::Create,
               FakeModelFault::answer(500, R"({"message":"Internal Server Error"})"));
  HttpModelOutcome failed = run(*provider());
  EXPECT_EQ(code_of(failed), "server_error");
  EXPECT_TRUE(failed.record.task_outcome_unknown);
  EXPECT_EQ(fake_.create_requests(), 2);

  fake_.inject(FakeModelEndpoint::Create, FakeModelFault::answer(202, R"({"id":"x"})"));
  HttpModelOutcome no_id = run(*provider());
  EXPECT_EQ(code_of(no_id), "server_error");
  EXPECT_NE(no_id.error->message.find("no task id at /result"), std::string::npos);
  EXPECT_EQ(fake_.create_requests(), 3);
}

TEST_F(HttpModelTest, PollAndDownloadFailuresAreRetried) {
  fake_.script_next_task(script(0ms, 5ms));
  fake_.inject(FakeModelEndpoint::Poll, FakeModelFault::answer(500, R"({"message":"oops"})"));
  fake_.inject(FakeModelEndpoint::Poll, FakeModelFault::drop());
  fake_.inject(FakeModelEndpoint::Download, FakeModelFault::truncate());
  HttpModelOutcome outcome = run(*provider());
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(outcome.result->bytes, test::must_read(test::testdata("meshes/trellis-sample.glb")));
  EXPECT_EQ(fake_.tasks_created(), 1);
  EXPECT_EQ(fake_.download_requests(), 2);
  // The result URL is on the service's own origin, so the key went with it.
  EXPECT_EQ(fake_.download_authorizations().back(), "Bearer " + fake_.api_key());
}

TEST_F(HttpModelTest, PersistentFailuresEndWithClearCodes) {
  for (int i = 0; i < 3; ++i) fake_.inject(FakeModelEndpoint::Download, FakeModelFault::truncate());
  HttpModelOutcome truncated = run(*provider());
  EXPECT_EQ(code_of(truncated), "connection_dropped");
  EXPECT_NE(truncated.error->message.find("download of the result"), std::string::npos);
  EXPECT_NE(truncated.error->message.find("gave up after 3 attempts"), std::string::npos);

  fake_.inject(FakeModelEndpoint::Download,
               FakeModelFault::answer(200, R"({"message":"not a model"})"));
  fake_.inject(FakeModelEndpoint::Download, FakeModelFault::answer(200, "glTF"));
  fake_.inject(FakeModelEndpoint::Download, FakeModelFault::answer(200, ""));
  HttpModelOutcome corrupt = run(*provider());
  EXPECT_EQ(code_of(corrupt), "corrupt_payload");
  EXPECT_NE(corrupt.error->message.find("not a complete .glb file"), std::string::npos);

  fake_.inject(FakeModelEndpoint::Poll,
               FakeModelFault::answer(404, R"({"message":"Task not found."})"));
  EXPECT_EQ(code_of(run(*provider())), "not_found");

  fake_.inject(FakeModelEndpoint::Poll, FakeModelFault::answer(200, R"({"status":"QUEUED"})"));
  HttpModelOutcome unknown = run(*provider());
  EXPECT_EQ(code_of(unknown), "server_error");
  EXPECT_NE(unknown.error->message.find("unknown status 'QUEUED'"), std::string::npos);

  fake_.inject(FakeModelEndpoint::Poll,
               FakeModelFault::answer(200, R"({"status":"SUCCEEDED","model_urls":{}})"));
  HttpModelOutcome no_url = run(*provider());
  EXPECT_EQ(code_of(no_url), "server_error");
  EXPECT_NE(no_url.error->message.find("no result URL at /model_urls/glb"), std::string::npos);
}

TEST_F(HttpModelTest, ATaskThatNeverFinishesTimesOut) {
  fake_.script_next_task(script(0ms, 0ms, "", /*never_finishes=*/true));
  HttpModelTiming timing = fast_timing();
  timing.timeout = 100ms;
  const auto started = std::chrono::steady_clock::now();
  HttpModelOutcome outcome = run(*provider(std::nullopt, timing));
  EXPECT_EQ(code_of(outcome), "timeout");
  EXPECT_NE(outcome.error->message.find("100 ms, the configured timeout"), std::string::npos)
      << outcome.error->message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(fake_.tasks_created(), 1);
}

TEST_F(HttpModelTest, CancellationIsPrompt) {
  fake_.script_next_task(script(0ms, 0ms, "", /*never_finishes=*/true));
  pipeline::register_remote_provider(provider());
  std::atomic<bool> cancel{false};
  const pipeline::OpSpec* op = pipeline::find_op("http_model");
  ASSERT_NE(op, nullptr);
  pipeline::OpContext context =
      test::op_context(*op, {{"input", Value(one_triangle())}},
                       {{"provider", std::string("meshy-retexture")},
                        {"options", std::string(R"({"text_style_prompt":"x"})")}});
  context.cancel_flag = &cancel;
  // Progress reaches 0.05 once the task exists: cancel while it is being polled.
  std::atomic<bool> polling{false}, finished{false};
  context.progress = [&](double fraction) {
    if (fraction >= 0.05) polling = true;
  };
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    while (!polling.load() && !finished.load()) std::this_thread::yield();
    cancelled_at = std::chrono::steady_clock::now();
    cancel = true;
  });
  Result<pipeline::Values> run = op->run(context);
  const auto returned = std::chrono::steady_clock::now();
  finished = true;
  canceller.join();
  EXPECT_TRUE(pipeline::unregister_remote_provider("meshy-retexture"));
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.error().message.find("cancelled"), std::string::npos) << run.error().message;
  EXPECT_LT(returned - cancelled_at, 200ms);
  EXPECT_EQ(fake_.tasks_created(), 1);
}

TEST_F(HttpModelTest, TheKeyNeverAppearsInErrors) {
  // A service that echoes the Authorization header in its error message.
  fake_.inject(FakeModelEndpoint::Create,
               FakeModelFault::answer(400, R"({"message":"bad header: {{authorization}}"})"));
  HttpModelOutcome create = run(*provider());
  ASSERT_EQ(code_of(create), "bad_request");
  EXPECT_NE(create.error->message.find("bad header: Bearer [redacted]"), std::string::npos)
      << create.error->message;

  fake_.inject(FakeModelEndpoint::Poll,
               FakeModelFault::answer(401, R"({"message":"refused {{authorization}}"})"));
  HttpModelOutcome poll = run(*provider());
  ASSERT_EQ(code_of(poll), "unauthorized");
  EXPECT_NE(poll.error->message.find("refused Bearer [redacted]"), std::string::npos);

  const std::atomic<bool> cancel{false};
  fake_.inject(FakeModelEndpoint::Create,
               FakeModelFault::answer(403, R"({"message":"{{authorization}}"})"));
  Result<pipeline::RemoteAsset> through_op = provider()->run_model(retexture(), cancel, {});
  ASSERT_FALSE(through_op.ok());
  EXPECT_TRUE(through_op.error().message.starts_with("unauthorized: "))
      << through_op.error().message;
  EXPECT_EQ(through_op.error().message.find(fake_.api_key()), std::string::npos);
}

}  // namespace
}  // namespace atlas::providers
