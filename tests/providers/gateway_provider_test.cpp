#include "providers/gateway_provider.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <mutex>

#include "fake_gateway.h"
#include "formats/splat_formats.h"
#include "gateway_test_support.h"
#include "pipeline/op_test_support.h"
#include "test_support.h"

namespace atlas::providers {
namespace {

using namespace std::chrono_literals;
using pipeline::Value;
using test::FakeEndpoint;
using test::FakeFault;
using test::FakeGateway;
using test::FakeTaskScript;
using test::FakeWorker;

std::size_t splat_count(const std::string& relative_ply) {
  Result<SplatCloud> cloud = decode_ply_splats(test::must_read(test::testdata(relative_ply)));
  EXPECT_TRUE(cloud.ok());
  return cloud ? cloud->size() : 0;
}

FakeWorker worker(std::chrono::milliseconds after, std::string splat, bool truncated = false) {
  FakeWorker worker;
  worker.answers_after = after;
  worker.splat = std::move(splat);
  worker.truncated = truncated;
  return worker;
}

// Keeps what each generation reported, as a metering or provenance hook would.
class Reports {
 public:
  GatewayGenerationObserver observer() {
    return [this](const GatewayGenerationReport& report) {
      const std::lock_guard lock(mutex_);
      reports_.push_back(report);
    };
  }
  std::vector<GatewayGenerationReport> all() const {
    const std::lock_guard lock(mutex_);
    return reports_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<GatewayGenerationReport> reports_;
};

// Registers the provider as "404" for one test, as a front end does at start-up.
class Registered404 {
 public:
  explicit Registered404(std::shared_ptr<const GatewayProvider> provider) {
    pipeline::register_remote_provider(std::move(provider));
  }
  ~Registered404() { pipeline::unregister_remote_provider("404"); }
  Registered404(const Registered404&) = delete;
  Registered404& operator=(const Registered404&) = delete;
};

Result<pipeline::Values> run_generate(const pipeline::Params& params,
                                      pipeline::Values inputs = {}) {
  return test::run_op("generate", std::move(inputs), params, "gen");
}

TEST(GatewayProvider, GeneratesThroughThePipelineOp) {
  FakeGateway gateway;
  Reports reports;
  const Registered404 registered(std::make_shared<GatewayProvider>(
      test::client_for(gateway), first_decoded_candidate(), reports.observer()));
  ASSERT_NE(pipeline::find_remote_provider("404"), nullptr);

  const Result<pipeline::Values> run = run_generate(
      {{"prompt", std::string("a hamburger")}, {"options", std::string(R"({"seed": 7})")}});
  const Value asset = test::output(run, "asset");
  ASSERT_NE(asset.splat(), nullptr);
  EXPECT_EQ(asset.splat()->size(), splat_count("splats/404-hamburger.ply"));
  EXPECT_EQ(gateway.add_tasks().at(0).seed, 7);

  const std::vector<GatewayGenerationReport> seen = reports.all();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].provider, "404");
  EXPECT_EQ(seen[0].record.model, "404-3dgs");
  EXPECT_EQ(seen[0].record.task_id.size(), 36u);
  EXPECT_FALSE(seen[0].error.has_value());
  ASSERT_TRUE(seen[0].choice.has_value());
  EXPECT_EQ(nlohmann::json::parse(seen[0].choice->explanation_json)["chooser"], "first_to_arrive");
}

TEST(GatewayProvider, DownloadsPlyWhenAsked) {
  FakeGateway gateway;
  const Registered404 registered(std::make_shared<GatewayProvider>(test::client_for(gateway)));
  const Value asset = test::output(run_generate({{"prompt", std::string("a hamburger")},
                                                 {"options", std::string(R"({"format": "ply"})")}}),
                                   "asset");
  ASSERT_NE(asset.splat(), nullptr);
  Result<SplatCloud> original =
      decode_ply_splats(test::must_read(test::testdata("splats/404-hamburger.ply")));
  ASSERT_TRUE(original.ok());
  test::expect_identical(*asset.splat(), *original);
}

TEST(GatewayProvider, AllCandidatesGoThroughThePluggedChooser) {
  FakeGateway gateway;
  FakeTaskScript script;
  script.workers = {worker(0ms, "splats/404-hamburger.ply"),
                    worker(5ms, "splats/404-dreamgaussian-blob.ply")};
  gateway.script_next_task(script);
  std::vector<std::string> offered;
  const CandidateChooser most_splats = [&](const std::vector<GatewayCandidate>& candidates) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      offered.push_back(candidates[i].name);
      if (candidates[i].asset->splat()->size() > candidates[best].asset->splat()->size()) best = i;
    }
    return Result<CandidateChoice>(CandidateChoice{best, R"({"chooser":"most_splats"})"});
  };
  Reports reports;
  const Registered404 registered(std::make_shared<GatewayProvider>(
      test::client_for(gateway), most_splats, reports.observer()));
  const Value asset =
      test::output(run_generate({{"prompt", std::string("a hamburger")},
                                 {"options", std::string(R"({"candidates": "all"})")}}),
                   "asset");
  ASSERT_NE(asset.splat(), nullptr);
  const std::size_t hamburger = splat_count("splats/404-hamburger.ply");
  const std::size_t blob = splat_count("splats/404-dreamgaussian-blob.ply");
  EXPECT_EQ(asset.splat()->size(), std::max(hamburger, blob));
  EXPECT_EQ(offered, (std::vector<std::string>{"1.spz", "2.spz"}));
  const std::vector<GatewayGenerationReport> seen = reports.all();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_TRUE(seen[0].choice.has_value());
  EXPECT_EQ(seen[0].choice->explanation_json, R"({"chooser":"most_splats"})");
  EXPECT_EQ(seen[0].record.candidates_downloaded, 2);
}

TEST(GatewayProvider, TheDefaultChooserSkipsAnUnreadableResult) {
  FakeGateway gateway;
  FakeTaskScript script;
  script.workers = {worker(0ms, "splats/404-hamburger.ply", /*truncated=*/true),
                    worker(5ms, "splats/404-dreamgaussian-blob.ply")};
  gateway.script_next_task(script);
  Reports reports;
  const Registered404 registered(std::make_shared<GatewayProvider>(
      test::client_for(gateway), first_decoded_candidate(), reports.observer()));
  const Value asset =
      test::output(run_generate({{"prompt", std::string("a hamburger")},
                                 {"options", std::string(R"({"candidates": "all"})")}}),
                   "asset");
  ASSERT_NE(asset.splat(), nullptr);
  EXPECT_EQ(asset.splat()->size(), splat_count("splats/404-dreamgaussian-blob.ply"));
  const nlohmann::json explanation =
      nlohmann::json::parse(reports.all().at(0).choice->explanation_json);
  EXPECT_EQ(explanation["chosen"], "2.spz");
  EXPECT_EQ(explanation["rejected"][0]["name"], "1.spz");

  script.workers = {worker(0ms, "splats/404-hamburger.ply", /*truncated=*/true)};
  gateway.script_next_task(script);
  const Result<pipeline::Values> none =
      run_generate({{"prompt", std::string("a hamburger")},
                    {"options", std::string(R"({"candidates": "all"})")}});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("corrupt_payload: none of the 1 results could be read"),
            std::string::npos)
      << none.error().message;
  EXPECT_EQ(reports.all().at(1).error->code, GatewayErrorCode::CorruptPayload);
}

TEST(GatewayProvider, GeneratesAMeshFromAnImage) {
  FakeGateway gateway;
  const Registered404 registered(std::make_shared<GatewayProvider>(test::client_for(gateway)));
  Image image(32, 32, 3);
  const Value asset = test::output(
      run_generate({{"kind", std::string("mesh")}}, {{"image", Value(std::move(image))}}), "asset");
  ASSERT_NE(asset.mesh(), nullptr);
  EXPECT_GT(asset.mesh()->triangle_count(), 0u);
  const test::FakeAddTask sent = gateway.add_tasks().at(0);
  EXPECT_EQ(sent.content_type, "multipart/form-data");
  EXPECT_EQ(sent.model, "404-mesh");
  EXPECT_EQ(sent.image_content_type, "image/png");
}

TEST(GatewayProvider, RefusesBadOptionsBeforeSending) {
  FakeGateway gateway;
  const Registered404 registered(std::make_shared<GatewayProvider>(test::client_for(gateway)));
  const auto refused = [&](pipeline::Params params, const std::string& message) {
    params["prompt"] = std::string("a hamburger");
    const Result<pipeline::Values> run = run_generate(params);
    ASSERT_FALSE(run.ok());
    EXPECT_EQ(run.error().message, "node 'gen': provider '404': " + message);
  };
  refused({{"options", std::string(R"({"sed": 1})")}},
          "unknown option 'sed' (404 takes model, seed, model_params, candidates, format)");
  refused({{"options", std::string(R"({"candidates": "best"})")}},
          "options.candidates must be \"first\" or \"all\"");
  refused({{"options", std::string(R"({"model": "404-mesh"})")}},
          "model 404-mesh does not make a splat");
  refused({{"options", std::string(R"({"seed": 1.5})")}},
          "options.seed must be an integer from -2147483648 to 4294967295");
  refused(
      {{"prompt", std::string("a hamburger")}, {"options", std::string(R"({"model_params": 3})")}},
      "options.model_params must be a JSON object");
  refused({{"options", std::string(R"({"model": "404-nerf"})")}},
          "bad_request: unknown model '404-nerf'; 404 has 404-3dgs, 404-mesh and 404-mesh-v2");
  refused({{"options", std::string(R"({"seed": 4294967296})")}},
          "options.seed must be an integer from -2147483648 to 4294967295");
  EXPECT_EQ(gateway.add_task_requests(), 0);
}

TEST(GatewayProvider, ErrorsCarryTheGatewaysCode) {
  FakeGateway gateway;
  Reports reports;
  const Registered404 registered(std::make_shared<GatewayProvider>(
      test::client_for(gateway), first_decoded_candidate(), reports.observer()));
  gateway.inject(FakeEndpoint::AddTask, FakeFault::insufficient_balance());
  const Result<pipeline::Values> run = run_generate({{"prompt", std::string("a hamburger")}});
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().message.rfind("node 'gen': provider '404': insufficient_balance: ", 0), 0u)
      << run.error().message;
  EXPECT_EQ(run.error().message.find(gateway.api_key()), std::string::npos);
  ASSERT_EQ(reports.all().size(), 1u);
  EXPECT_EQ(reports.all()[0].error->code, GatewayErrorCode::InsufficientBalance);
  EXPECT_TRUE(reports.all()[0].record.task_id.empty());
}

}  // namespace
}  // namespace atlas::providers
