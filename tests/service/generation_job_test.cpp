// Jobs whose inputs are generation requests: a prompt or an uploaded picture that a
// worker sends to 404 (a fake gateway speaking the real protocol) before the pipeline
// runs on what comes back.

#include <gtest/gtest.h>

#include "fake_gateway.h"
#include "formats/image_io.h"
#include "gateway_test_support.h"
#include "pipeline/remote_provider.h"
#include "providers/gateway_provider.h"
#include "service_client.h"

namespace atlas::test {
namespace {

// load -> export as the asset's own format: takes the splat 404 returns.
const char* kSplatPipeline = R"(pipeline: splat-copy
inputs: {source: file}
nodes:
  load: {op: load, inputs: {file: source}}
  export: {op: export, inputs: {model: load}, params: {format: native}}
outputs:
  model: export
)";

// The fake gateway registered as "404" for one test, priced as a config file would.
class Gateway404 {
 public:
  Gateway404() {
    providers::PriceTable prices;
    prices.prices["404"]["default"] = 0.15;
    pipeline::register_remote_provider(std::make_shared<providers::GatewayProvider>(
        client_for(gateway), providers::first_decoded_candidate(),
        providers::GatewayGenerationObserver{}, prices));
  }
  ~Gateway404() { pipeline::unregister_remote_provider("404"); }
  Gateway404(const Gateway404&) = delete;
  Gateway404& operator=(const Gateway404&) = delete;

  FakeGateway gateway;
};

Json submit(LocalService& service, const std::string& auth, const Json& input) {
  const HttpResult result =
      http("POST", service.url("/v1/jobs"), {auth},
           Json{{"pipeline", kSplatPipeline}, {"inputs", Json::array({input})}}.dump());
  EXPECT_EQ(result.status, 202) << result.body;
  return result.json();
}

TEST(GenerationJobs, APromptBecomesTheInputAndIsChargedAs404s) {
  Gateway404 registered;
  LocalService service;
  const std::string auth = service.key_header("acme");
  const Json submitted = submit(service, auth, {{"prompt", "a hamburger"}});
  EXPECT_EQ(submitted["inputs"][0]["prompt"], "a hamburger");
  EXPECT_EQ(submitted["inputs"][0]["provider"], "404");

  const Json job = service.wait_for(auth, submitted.value("id", ""));
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  ASSERT_EQ(registered.gateway.add_tasks().size(), 1u);
  EXPECT_EQ(registered.gateway.add_tasks()[0].prompt, "a hamburger");

  // The provider's file is an artifact beside the pipeline's outputs, and it decodes.
  std::string generated_url;
  for (const Json& artifact : job["artifacts"])
    if (artifact.value("name", "").rfind("generated-0.", 0) == 0)
      generated_url = artifact.value("url", "");
  ASSERT_FALSE(generated_url.empty()) << job["artifacts"].dump();
  const HttpResult generated = http("GET", service.url(generated_url), {auth});
  ASSERT_EQ(generated.status, 200);
  EXPECT_GT(generated.body.size(), 1000u);

  // 404's task is in the job's usage, at the configured price, billed by 404; the
  // generated file is not charged again as an output asset.
  int generations = 0;
  for (const Json& entry : job["usage"]["entries"]) {
    if (entry.value("kind", "") == "generation") {
      ++generations;
      EXPECT_EQ(entry.value("billed_by", ""), "404");
      EXPECT_DOUBLE_EQ(entry.value("cost", 0.0), 0.15);
      EXPECT_NE(entry.value("detail", "").find("generate:source"), std::string::npos);
    }
    if (entry.value("kind", "") == "asset") {
      EXPECT_EQ(entry.value("detail", "").rfind("generated-", 0), std::string::npos);
    }
  }
  EXPECT_EQ(generations, 1);

  // The generation is reported like a node: started, then finished.
  const HttpResult events =
      http("GET", service.url("/v1/jobs/" + submitted.value("id", "") + "/events"), {auth});
  EXPECT_NE(events.body.find(R"("node":"generate:source","state":"started")"), std::string::npos)
      << events.body;
  EXPECT_NE(events.body.find(R"("node":"generate:source","state":"finished")"), std::string::npos);
}

TEST(GenerationJobs, AnUploadedPictureIsSentForImageTo3D) {
  Gateway404 registered;
  LocalService service;
  const std::string auth = service.key_header("acme");
  Image picture(256, 256, 3);
  for (int y = 0; y < picture.height; ++y)
    for (int x = 0; x < picture.width; ++x) picture.at(x, y)[0] = std::uint8_t(x);
  const std::filesystem::path file = service.data() / "chair.png";
  ASSERT_TRUE(save_png(picture, file).ok());
  const std::string image_id = service.upload(auth, file);

  const Json submitted = submit(service, auth, {{"image", image_id}});
  const Json job = service.wait_for(auth, submitted.value("id", ""));
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  ASSERT_EQ(registered.gateway.add_tasks().size(), 1u);
  EXPECT_EQ(registered.gateway.add_tasks()[0].content_type, "multipart/form-data");
  EXPECT_GT(registered.gateway.add_tasks()[0].image_bytes, 0u);
}

TEST(GenerationJobs, AFailedGenerationFailsTheJobNamingTheInput) {
  Gateway404 registered;
  FakeTaskScript script;
  script.workers = {FakeWorker{}};
  script.workers[0].failure = "miner crashed";
  registered.gateway.script_next_task(script);
  LocalService service;
  const std::string auth = service.key_header("acme");
  const Json job =
      service.wait_for(auth, submit(service, auth, {{"prompt", "a hamburger"}}).value("id", ""));
  EXPECT_EQ(job.value("state", ""), "failed") << job.dump();
  EXPECT_EQ(job["error"].value("code", ""), "generation_failed");
  EXPECT_NE(job["error"].value("message", "").find("input 0"), std::string::npos);
}

TEST(GenerationJobs, BadRequestsAreRefusedWhenSubmitted) {
  Gateway404 registered;
  LocalService service(0);
  const std::string auth = service.key_header("acme");
  const auto refusal = [&](const Json& input) {
    const HttpResult result =
        http("POST", service.url("/v1/jobs"), {auth},
             Json{{"pipeline", kSplatPipeline}, {"inputs", Json::array({input})}}.dump());
    EXPECT_EQ(result.status, 400) << input.dump();
    return result.json()["error"].value("message", "");
  };
  EXPECT_NE(refusal({{"prompt", ""}}).find("needs a prompt or an image"), std::string::npos);
  EXPECT_NE(refusal({{"prompt", "a chair"}, {"image", "ast_00"}}).find("not both"),
            std::string::npos);
  EXPECT_NE(refusal({{"image", "ast_0123abcd"}}).find("no asset 'ast_0123abcd'"),
            std::string::npos);
  EXPECT_NE(refusal({{"prompt", "a chair"}, {"kind", "voxels"}}).find("kind: splat or mesh"),
            std::string::npos);
  EXPECT_NE(refusal({{"prompt", "a chair"}, {"provider", "nope"}}).find("no provider 'nope'"),
            std::string::npos);
  EXPECT_NE(refusal({{"prompt", "a chair"}, {"seed", 7}}).find("seed: unknown field"),
            std::string::npos);
  EXPECT_NE(refusal({{"prompt", std::string(5000, 'a')}}).find("longer than"), std::string::npos);
  EXPECT_TRUE(registered.gateway.add_tasks().empty());
}

}  // namespace
}  // namespace atlas::test
