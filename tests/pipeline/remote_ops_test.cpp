#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include <fstream>

#include "formats/splat_formats.h"
#include "op_test_support.h"
#include "pipeline/document.h"
#include "pipeline/executor.h"
#include "pipeline/op.h"
#include "pipeline/remote_provider.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

Mesh one_triangle() {
  Primitive triangle;
  triangle.positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  triangle.indices = {0, 1, 2};
  Mesh mesh;
  mesh.primitives.push_back(std::move(triangle));
  return mesh;
}

// Stands in for the 404 gateway as its client will behave: a splat comes back as the
// PLY bytes the gateway sends with compress=0, a mesh as a decoded value. It records
// what it was asked, reports progress like a status poll would and honours
// cancellation between polls.
class FakeGateway final : public RemoteProvider {
 public:
  explicit FakeGateway(std::string name) : name_(std::move(name)) {}

  std::string name() const override { return name_; }

  Result<RemoteAsset> generate(const GenerateRequest& request, const std::atomic<bool>& cancel,
                               const RemoteProgress& progress) const override {
    {
      const std::lock_guard lock(mutex_);
      last_request_ = request;
    }
    if (request.prompt == "a burger nobody paid for")
      return make_error("402 {\"error\":\"insufficient_balance\"}");
    for (double polled : {0.25, 0.5, 0.75}) {
      if (cancel.load()) return make_error("cancelled");
      progress(polled);
    }
    if (request.kind == RemoteAssetKind::Mesh) {
      return RemoteAsset{Value(one_triangle())};
    }
    return RemoteAsset{EncodedAsset{hamburger_ply(), "ply"}};
  }

  GenerateRequest last_request() const {
    const std::lock_guard lock(mutex_);
    return last_request_;
  }

  static const Bytes& hamburger_ply() {
    static const Bytes bytes = test::must_read(test::testdata("splats/404-hamburger.ply"));
    return bytes;
  }

 private:
  std::string name_;
  mutable std::mutex mutex_;
  mutable GenerateRequest last_request_;
};

// A model service: answers with the asset it was given, as an echo does.
class EchoModel final : public RemoteProvider {
 public:
  std::string name() const override { return "echo"; }
  Result<RemoteAsset> run_model(const ModelRequest& request, const std::atomic<bool>&,
                                const RemoteProgress&) const override {
    if (request.model != "identity") return make_error("unknown model '" + request.model + "'");
    return RemoteAsset{request.input};
  }
};

// A provider that answers every request with a splat, whatever kind was asked for.
class SplatsOnly final : public RemoteProvider {
 public:
  std::string name() const override { return "splats-only"; }
  Result<RemoteAsset> generate(const GenerateRequest&, const std::atomic<bool>&,
                               const RemoteProgress&) const override {
    SplatCloud cloud;
    cloud.resize(1);
    return RemoteAsset(std::in_place_type<Value>, std::move(cloud));
  }
};

// Registers a provider for one test only, so tests never see each other's providers.
class Registered {
 public:
  explicit Registered(std::shared_ptr<const RemoteProvider> provider) : name_(provider->name()) {
    register_remote_provider(std::move(provider));
  }
  ~Registered() { unregister_remote_provider(name_); }
  Registered(const Registered&) = delete;
  Registered& operator=(const Registered&) = delete;

 private:
  std::string name_;
};

OpContext context_for(const std::string& op_name) {
  return test::op_context(*find_op(op_name), {}, {}, "gen");
}

Result<Values> run(const OpContext& context, const std::string& op_name) {
  return find_op(op_name)->run(context);
}

// A provider that reports one charged call for each generation, as the 404 provider does.
class Metered final : public RemoteProvider {
 public:
  std::string name() const override { return "metered"; }
  Result<RemoteAsset> generate(const GenerateRequest& request, const std::atomic<bool>&,
                               const RemoteProgress&) const override {
    UsageRecord record;
    record.provider = "metered";
    record.model = "m-1";
    record.task_id = "task-" + request.prompt;
    record.cost = 0.15;
    record.priced = true;
    record.billed_by = "404";
    record.succeeded = true;
    request.usage(record);
    return RemoteAsset{EncodedAsset{FakeGateway::hamburger_ply(), "ply"}};
  }
};

// Runs `text` (a pipeline whose one input is not read) with a usage sink.
Result<PipelineRun> run_metered(const std::string& text, std::vector<UsageRecord>& seen) {
  Result<PipelineDocument> document = parse_pipeline(text, "metered.yaml");
  if (!document) return document.error();
  Result<Pipeline> pipeline = check_pipeline(std::move(document).value());
  if (!pipeline) return pipeline.error();
  const std::filesystem::path input = test::scratch_dir() / "unused.txt";
  std::ofstream(input) << "not read\n";
  ExecuteOptions options;
  options.usage = [&seen](const UsageRecord& record) { seen.push_back(record); };
  return execute_pipeline(*pipeline, {input}, options);
}

TEST(PipelineUsage, EveryCallIsInTheRunAndItsReportWithItsNode) {
  const Registered registered(std::make_shared<Metered>());
  std::vector<UsageRecord> seen;
  const std::string text = R"(pipeline: metered
inputs: {source: file}
nodes:
  first: {op: generate, params: {prompt: a, provider: metered}}
  second: {op: generate, params: {prompt: b, provider: metered}}
  export_first: {op: export, inputs: {model: first}, params: {format: ply, name: a}}
  export_second: {op: export, inputs: {model: second}, params: {format: ply, name: b}}
outputs: {a: export_first, b: export_second}
)";
  Result<PipelineRun> run = run_metered(text, seen);
  ASSERT_TRUE(run.ok()) << run.error().message;
  ASSERT_EQ(run->usage.size(), 2u);
  EXPECT_EQ(seen.size(), 2u);
  std::set<std::string> nodes;
  for (const UsageRecord& record : run->usage) nodes.insert(record.node + "/" + record.task_id);
  EXPECT_EQ(nodes, (std::set<std::string>{"first/task-a", "second/task-b"}));

  Result<Pipeline> pipeline = check_pipeline(*parse_pipeline(text, "metered.yaml"));
  ASSERT_TRUE(pipeline.ok());
  const std::filesystem::path out = test::scratch_dir() / "out";
  ASSERT_TRUE(write_outputs(*pipeline, *run, out).ok());
  const Bytes report_bytes = test::must_read(out / "pipeline_report.json");
  const nlohmann::json report = nlohmann::json::parse(report_bytes.begin(), report_bytes.end());
  EXPECT_EQ(report["usage"]["calls"].size(), 2u);
  EXPECT_DOUBLE_EQ(report["usage"]["billed_by"]["404"]["USD"].get<double>(), 0.30);
}

// A run that fails after a paid call still tells the sink of it: the charge stands.
TEST(PipelineUsage, ACallBeforeAFailureReachesTheSink) {
  const Registered metered(std::make_shared<Metered>());
  const Registered echo(std::make_shared<EchoModel>());
  std::vector<UsageRecord> seen;
  Result<PipelineRun> run = run_metered(R"(pipeline: metered
inputs: {source: file}
nodes:
  generate: {op: generate, params: {prompt: a, provider: metered}}
  refine: {op: http_model, inputs: {input: generate}, params: {provider: echo, model: nope}}
  export: {op: export, inputs: {model: refine}, params: {format: ply}}
outputs: {a: export}
)",
                                        seen);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.error().message.find("unknown model 'nope'"), std::string::npos)
      << run.error().message;
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].node, "generate");
  EXPECT_EQ(seen[0].cost, 0.15);
}

TEST(GenerateOp, FailsClearlyWhenNoProviderIsRegistered) {
  OpContext context = context_for("generate");
  context.params["prompt"] = std::string("a hamburger");
  const Result<Values> outputs = run(context, "generate");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message, "node 'gen': no provider named '404' is registered");
}

TEST(GenerateOp, ReturnsTheSplatTheProviderDownloaded) {
  const auto gateway = std::make_shared<FakeGateway>("fake-404");
  const Registered registered(gateway);
  OpContext context = context_for("generate");
  context.params["provider"] = std::string("fake-404");
  context.params["prompt"] = std::string("a hamburger");
  context.params["options"] = std::string(R"({"seed": 7})");
  std::vector<double> progress;
  context.progress = [&](double fraction) { progress.push_back(fraction); };

  const Result<Values> outputs = run(context, "generate");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const SplatCloud* cloud = outputs->at("asset").splat();
  ASSERT_NE(cloud, nullptr);
  Result<SplatCloud> expected = decode_ply_splats(FakeGateway::hamburger_ply());
  ASSERT_TRUE(expected.ok());
  test::expect_identical(*cloud, *expected);

  const GenerateRequest request = gateway->last_request();
  EXPECT_EQ(request.prompt, "a hamburger");
  EXPECT_TRUE(request.image.empty());
  EXPECT_EQ(request.kind, RemoteAssetKind::Splat);
  EXPECT_EQ(request.options_json, R"({"seed": 7})");
  EXPECT_EQ(progress, (std::vector<double>{0.25, 0.5, 0.75, 1.0}));
}

TEST(GenerateOp, GeneratesAMeshFromAnImage) {
  const auto gateway = std::make_shared<FakeGateway>("fake-404");
  const Registered registered(gateway);
  OpContext context = context_for("generate");
  context.params["provider"] = std::string("fake-404");
  context.params["kind"] = std::string("mesh");
  context.inputs["image"] = Value(Image(4, 4, 4));

  const Result<Values> outputs = run(context, "generate");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  const Mesh* mesh = outputs->at("asset").mesh();
  ASSERT_NE(mesh, nullptr);
  EXPECT_EQ(mesh->triangle_count(), 1u);
  const GenerateRequest request = gateway->last_request();
  EXPECT_EQ(request.kind, RemoteAssetKind::Mesh);
  ASSERT_NE(request.image.image(), nullptr);
  EXPECT_EQ(request.image.image()->width, 4);
}

TEST(GenerateOp, NamesTheNodeAndProviderInItsErrors) {
  const Registered registered(std::make_shared<FakeGateway>("fake-404"));
  OpContext context = context_for("generate");
  context.params["provider"] = std::string("fake-404");

  Result<Values> outputs = run(context, "generate");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message, "node 'gen': generate needs a prompt or an image");

  context.params["prompt"] = std::string("a burger nobody paid for");
  outputs = run(context, "generate");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message,
            "node 'gen': provider 'fake-404': 402 {\"error\":\"insufficient_balance\"}");

  context.params["prompt"] = std::string("a hamburger");
  context.params["options"] = std::string("[1, 2]");
  outputs = run(context, "generate");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message, "node 'gen': options must be a JSON object, got '[1, 2]'");

  context.params["options"] = std::string("{}");
  context.inputs["image"] = Value(Report{});
  outputs = run(context, "generate");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message, "node 'gen': image must be an image, got a report");
}

TEST(GenerateOp, RefusesAnAssetOfAnotherKind) {
  const Registered registered(std::make_shared<SplatsOnly>());
  OpContext context = context_for("generate");
  context.params["provider"] = std::string("splats-only");
  context.params["prompt"] = std::string("a hamburger");
  context.params["kind"] = std::string("mesh");
  const Result<Values> outputs = run(context, "generate");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message,
            "node 'gen': provider 'splats-only' returned a splat, but kind is mesh");
}

TEST(GenerateOp, StopsWhenCancelled) {
  const Registered registered(std::make_shared<FakeGateway>("fake-404"));
  const std::atomic<bool> cancel{true};
  OpContext context = context_for("generate");
  context.params["provider"] = std::string("fake-404");
  context.params["prompt"] = std::string("a hamburger");
  context.cancel_flag = &cancel;
  const Result<Values> outputs = run(context, "generate");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message, "cancelled");
}

TEST(HttpModelOp, RunsAModelOfARegisteredProvider) {
  const Registered echo(std::make_shared<EchoModel>());
  const Mesh mesh = one_triangle();
  OpContext context = context_for("http_model");
  context.node = "remesh";
  context.inputs["input"] = Value(LodChain{mesh, mesh});

  Result<Values> outputs = run(context, "http_model");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message,
            "node 'remesh': the provider parameter is empty: name a registered provider");

  context.params["provider"] = std::string("echo");
  context.params["model"] = std::string("identity");
  outputs = run(context, "http_model");
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;
  EXPECT_EQ(outputs->at("output").levels().size(), 2u);

  context.params["model"] = std::string("upscale");
  outputs = run(context, "http_model");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message, "node 'remesh': provider 'echo': unknown model 'upscale'");
}

TEST(HttpModelOp, AProviderThatOnlyGeneratesRunsNoModels) {
  const Registered gateway(std::make_shared<FakeGateway>("fake-404"));
  OpContext context = context_for("http_model");
  context.params["provider"] = std::string("fake-404");
  const Result<Values> outputs = run(context, "http_model");
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.error().message,
            "node 'gen': provider 'fake-404': this provider runs no models");
}

TEST(RemoteProviderRegistry, RegistersReplacesAndRemovesByName) {
  EXPECT_EQ(find_remote_provider("registry-test"), nullptr);
  const auto first = std::make_shared<FakeGateway>("registry-test");
  const auto second = std::make_shared<FakeGateway>("registry-test");
  register_remote_provider(first);
  EXPECT_EQ(find_remote_provider("registry-test"), first);
  register_remote_provider(second);
  EXPECT_EQ(find_remote_provider("registry-test"), second);
  EXPECT_TRUE(unregister_remote_provider("registry-test"));
  EXPECT_FALSE(unregister_remote_provider("registry-test"));
  EXPECT_EQ(find_remote_provider("registry-test"), nullptr);
}

TEST(RemoteProviderRegistry, DecodesWhatProvidersReturn) {
  Result<Value> splat =
      decode_remote_asset(RemoteAsset{EncodedAsset{FakeGateway::hamburger_ply(), "ply"}});
  ASSERT_TRUE(splat.ok()) << splat.error().message;
  EXPECT_NE(splat->splat(), nullptr);

  Result<Value> garbage = decode_remote_asset(RemoteAsset{EncodedAsset{Bytes(16, 0), "bin"}});
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("not a splat or mesh format"), std::string::npos);

  Result<Value> report = decode_remote_asset(RemoteAsset{Value(Report{})});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().message,
            "the provider returned a value of type report, not a splat, mesh or LOD chain");
  EXPECT_FALSE(decode_remote_asset(RemoteAsset{Value()}).ok());
}

}  // namespace
}  // namespace atlas::pipeline
