#include "providers/provider_chain.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <deque>
#include <fstream>
#include <thread>

#include "fake_gateway.h"
#include "gateway_test_support.h"
#include "providers/gateway_provider.h"
#include "test_support.h"

namespace atlas::providers {
namespace {

using namespace std::chrono_literals;
using pipeline::EncodedAsset;
using pipeline::RemoteAsset;

// A registered provider that answers from a script: an empty string succeeds, anything
// else is the error it fails with; when the script runs out, the last entry repeats.
// "hang" waits for its cancel flag.
class ScriptedProvider final : public pipeline::RemoteProvider {
 public:
  ScriptedProvider(std::string name, std::deque<std::string> script)
      : name_(std::move(name)), script_(std::move(script)) {}

  std::string name() const override { return name_; }

  Result<RemoteAsset> generate(const pipeline::GenerateRequest& request,
                               const std::atomic<bool>& cancel,
                               const pipeline::RemoteProgress&) const override {
    std::string outcome;
    {
      const std::lock_guard lock(mutex_);
      ++calls_;
      options_.push_back(request.options_json);
      outcome = script_.front();
      if (script_.size() > 1) script_.pop_front();
    }
    if (outcome == "hang") {
      while (!cancel) std::this_thread::sleep_for(1ms);
      return make_error("cancelled");
    }
    if (!outcome.empty()) return make_error(outcome);
    return RemoteAsset{EncodedAsset{Bytes{1, 2, 3}, name_}};
  }

  int calls() const {
    const std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::string> options() const {
    const std::lock_guard lock(mutex_);
    return options_;
  }

 private:
  std::string name_;
  mutable std::mutex mutex_;
  mutable std::deque<std::string> script_;
  mutable int calls_ = 0;
  mutable std::vector<std::string> options_;
};

// Registers providers for one test and unregisters them after it.
class Registry {
 public:
  ~Registry() {
    for (const std::string& name : names_) pipeline::unregister_remote_provider(name);
  }
  std::shared_ptr<ScriptedProvider> scripted(const std::string& name,
                                             std::deque<std::string> script) {
    auto provider = std::make_shared<ScriptedProvider>(name, std::move(script));
    add(provider);
    return provider;
  }
  void add(std::shared_ptr<const pipeline::RemoteProvider> provider) {
    names_.push_back(provider->name());
    pipeline::register_remote_provider(std::move(provider));
  }

 private:
  std::vector<std::string> names_;
};

// A clock the test moves by hand.
struct ManualClock {
  std::shared_ptr<std::atomic<std::chrono::steady_clock::rep>> ticks =
      std::make_shared<std::atomic<std::chrono::steady_clock::rep>>(0);
  ChainClock clock() const {
    return [ticks = ticks] {
      return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(*ticks));
    };
  }
  void advance(std::chrono::milliseconds by) {
    *ticks += std::chrono::duration_cast<std::chrono::steady_clock::duration>(by).count();
  }
};

pipeline::GenerateRequest prompt_request() {
  pipeline::GenerateRequest request;
  request.prompt = "a red chair";
  return request;
}

Result<RemoteAsset> run(const ProviderChain& chain) {
  static const std::atomic<bool> never{false};
  return chain.generate(prompt_request(), never, [](double) {});
}

ChainObserver keep(ChainReport& report) {
  return [&report](const ChainReport& seen) { report = seen; };
}

TEST(ProviderChain, FallsBackInOrderAndReportsWhatFailed) {
  Registry registry;
  auto first = registry.scripted("chain-test-a", {"timeout: no answer", "queue_full: busy"});
  auto other = registry.scripted("chain-test-b", {""});
  ChainSpec spec{"robust",
                 {{.provider = "chain-test-a"},
                  {.provider = "chain-test-a", .options_json = R"({"seed": 7})"},
                  {.provider = "chain-test-b"}}};
  ChainReport report;
  ProviderChain chain(spec, nullptr, keep(report));
  pipeline::GenerateRequest request = prompt_request();
  request.options_json = R"({"model": "404-3dgs", "seed": 1})";
  static const std::atomic<bool> never{false};
  Result<RemoteAsset> asset = chain.generate(request, never, [](double) {});
  ASSERT_TRUE(asset.ok()) << asset.error().message;
  EXPECT_EQ(std::get<EncodedAsset>(*asset).extension, "chain-test-b");
  EXPECT_EQ(first->calls(), 2);
  EXPECT_EQ(other->calls(), 1);
  // The second link's seed replaces the node's; the model stays.
  EXPECT_EQ(nlohmann::json::parse(first->options()[1]),
            nlohmann::json::parse(R"({"model": "404-3dgs", "seed": 7})"));
  EXPECT_EQ(report.chain, "robust");
  ASSERT_TRUE(report.link.has_value());
  EXPECT_EQ(*report.link, 2u);
  EXPECT_EQ(report.provider, "chain-test-b");
  ASSERT_EQ(report.failures.size(), 2u);
  EXPECT_EQ(report.failures[0].link, 0u);
  EXPECT_EQ(report.failures[0].error, "timeout: no answer");
  EXPECT_EQ(report.failures[1].link, 1u);
  EXPECT_EQ(report.failures[1].error, "queue_full: busy");
  EXPECT_EQ(describe(report),
            "chain 'robust': link 3 (provider 'chain-test-b') produced the asset after link 1 "
            "(provider 'chain-test-a'): timeout: no answer; link 2 (provider 'chain-test-a'): "
            "queue_full: busy");
}

TEST(ProviderChain, EveryLinkFailingListsEachFailure) {
  Registry registry;
  registry.scripted("chain-test-a", {"generation_failed: task x failed: NSFW"});
  registry.scripted("chain-test-b", {"unreachable: no region answered"});
  ProviderChain chain({"robust", {{.provider = "chain-test-a"}, {.provider = "chain-test-b"}}},
                      nullptr);
  Result<RemoteAsset> asset = run(chain);
  ASSERT_FALSE(asset.ok());
  EXPECT_EQ(asset.error().message,
            "every link of chain 'robust' failed: link 1 (provider 'chain-test-a'): "
            "generation_failed: task x failed: NSFW; link 2 (provider 'chain-test-b'): "
            "unreachable: no region answered");
}

TEST(ProviderChain, CallerErrorsFailAtOnceNamingTheProvider) {
  for (const std::string error :
       {"unauthorized: the API key was refused", "insufficient_balance: top up",
        "bad_request: prompt too short", "unknown option 'sede'"}) {
    Registry registry;
    auto first = registry.scripted("chain-test-a", {error});
    auto other = registry.scripted("chain-test-b", {""});
    ChainReport report;
    ProviderChain chain(
        {"robust", {{.provider = "chain-test-a", .attempts = 3}, {.provider = "chain-test-b"}}},
        nullptr, keep(report));
    Result<RemoteAsset> asset = run(chain);
    ASSERT_FALSE(asset.ok()) << error;
    EXPECT_EQ(asset.error().message, "link 1 (provider 'chain-test-a'): " + error);
    EXPECT_EQ(first->calls(), 1) << error;
    EXPECT_EQ(other->calls(), 0) << error;
    EXPECT_FALSE(report.link.has_value());
  }
}

TEST(ProviderChain, TheRealGatewaysInsufficientBalanceIsNotFallenBackOn) {
  test::FakeGateway gateway;
  gateway.inject(test::FakeEndpoint::AddTask, test::FakeFault::insufficient_balance());
  Registry registry;
  registry.add(std::make_shared<GatewayProvider>(test::client_for(gateway)));
  auto other = registry.scripted("chain-test-b", {""});
  ProviderChain chain({"robust", {{.provider = "404"}, {.provider = "chain-test-b"}}}, nullptr);
  Result<RemoteAsset> asset = run(chain);
  ASSERT_FALSE(asset.ok());
  EXPECT_EQ(asset.error().message.rfind("link 1 (provider '404'): insufficient_balance: ", 0), 0u)
      << asset.error().message;
  EXPECT_EQ(asset.error().message.find(gateway.api_key()), std::string::npos);
  EXPECT_EQ(other->calls(), 0);
  EXPECT_EQ(gateway.tasks_created(), 0);
}

TEST(ProviderChain, RetriesALinkItsAttempts) {
  Registry registry;
  auto first = registry.scripted("chain-test-a", {"connection_dropped: reset", ""});
  ChainReport report;
  ProviderChain chain({"robust", {{.provider = "chain-test-a", .attempts = 2}}}, nullptr,
                      keep(report));
  ASSERT_TRUE(run(chain).ok());
  EXPECT_EQ(first->calls(), 2);
  EXPECT_EQ(report.link, 0u);
  ASSERT_EQ(report.failures.size(), 1u);
}

TEST(ProviderChain, ALinkThatTakesTooLongTimesOutAndFallsBack) {
  Registry registry;
  registry.scripted("chain-test-a", {"hang"});
  auto other = registry.scripted("chain-test-b", {""});
  ChainReport report;
  ProviderChain chain(
      {"robust", {{.provider = "chain-test-a", .timeout = 30ms}, {.provider = "chain-test-b"}}},
      nullptr, keep(report));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(run(chain).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(other->calls(), 1);
  EXPECT_EQ(report.link, 1u);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].error, "timeout: no asset within 30 ms");
}

TEST(ProviderChain, CancellingStopsTheChain) {
  Registry registry;
  registry.scripted("chain-test-a", {"hang"});
  auto other = registry.scripted("chain-test-b", {""});
  ProviderChain chain({"robust", {{.provider = "chain-test-a"}, {.provider = "chain-test-b"}}},
                      nullptr);
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(20ms);
    cancel = true;
  });
  Result<RemoteAsset> asset = chain.generate(prompt_request(), cancel, [](double) {});
  canceller.join();
  ASSERT_FALSE(asset.ok());
  EXPECT_EQ(asset.error().message, "cancelled");
  EXPECT_EQ(other->calls(), 0);
}

TEST(ProviderChain, AnUnregisteredProviderIsNamed) {
  ProviderChain chain({"robust", {{.provider = "chain-test-nobody"}}}, nullptr);
  Result<RemoteAsset> asset = run(chain);
  ASSERT_FALSE(asset.ok());
  EXPECT_EQ(asset.error().message,
            "link 1 (provider 'chain-test-nobody'): no provider named 'chain-test-nobody' is "
            "registered");
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresAndHalfOpensAfterTheCoolDown) {
  Registry registry;
  auto flaky = registry.scripted(
      "chain-test-a", {"server_error: 500", "server_error: 500", "server_error: 500", "", ""});
  registry.scripted("chain-test-b", {""});
  ManualClock clock;
  auto breaker = std::make_shared<CircuitBreaker>(
      CircuitBreakerSettings{.failure_threshold = 2, .cool_down = 10s}, clock.clock());
  ChainReport report;
  ProviderChain chain({"robust", {{.provider = "chain-test-a"}, {.provider = "chain-test-b"}}},
                      breaker, keep(report));

  ASSERT_TRUE(run(chain).ok());
  ASSERT_TRUE(run(chain).ok());
  EXPECT_EQ(flaky->calls(), 2);
  // Open: skipped without a call.
  ASSERT_TRUE(run(chain).ok());
  EXPECT_EQ(flaky->calls(), 2);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].error, "skipped: circuit open after repeated failures");
  clock.advance(9s);
  ASSERT_TRUE(run(chain).ok());
  EXPECT_EQ(flaky->calls(), 2);

  // Half-open: one trial, which fails and opens the breaker again at once.
  clock.advance(1s);
  ASSERT_TRUE(run(chain).ok());
  EXPECT_EQ(flaky->calls(), 3);
  ASSERT_TRUE(run(chain).ok());
  EXPECT_EQ(flaky->calls(), 3);

  // The next trial succeeds and closes it.
  clock.advance(10s);
  ASSERT_TRUE(run(chain).ok());
  EXPECT_EQ(report.link, 0u);
  ASSERT_TRUE(run(chain).ok());
  EXPECT_EQ(report.link, 0u);
  EXPECT_EQ(flaky->calls(), 5);
}

TEST(CircuitBreaker, HalfOpenLetsOneCallerThrough) {
  ManualClock clock;
  CircuitBreaker breaker({.failure_threshold = 1, .cool_down = 1s}, clock.clock());
  ASSERT_TRUE(breaker.allow("p"));
  breaker.record_failure("p");
  EXPECT_FALSE(breaker.allow("p"));
  EXPECT_TRUE(breaker.allow("q"));  // per provider
  clock.advance(1s);
  EXPECT_TRUE(breaker.allow("p"));
  EXPECT_FALSE(breaker.allow("p"));
  breaker.record_cancelled("p");  // no verdict: the next caller tries
  EXPECT_TRUE(breaker.allow("p"));
  breaker.record_success("p");
  EXPECT_TRUE(breaker.allow("p"));
  EXPECT_TRUE(breaker.allow("p"));
}

TEST(CircuitBreaker, ChainsAreSafeToCallFromManyThreads) {
  Registry registry;
  auto broken = registry.scripted("chain-test-a", {"server_error: 502"});
  auto other = registry.scripted("chain-test-b", {""});
  auto breaker = std::make_shared<CircuitBreaker>(
      CircuitBreakerSettings{.failure_threshold = 3, .cool_down = 1h});
  ProviderChain chain({"robust", {{.provider = "chain-test-a"}, {.provider = "chain-test-b"}}},
                      breaker);
  constexpr int kThreads = 8, kCalls = 25;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) succeeded += run(chain).ok();
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(succeeded, kThreads * kCalls);
  EXPECT_EQ(other->calls(), kThreads * kCalls);
  // Calls already let through when the third failure opened the breaker still finish.
  EXPECT_GE(broken->calls(), 3);
  EXPECT_LE(broken->calls(), 3 + kThreads);
}

TEST(ProviderChain, FallsBackOnlyOnErrorsAnotherLinkMayCure) {
  for (const char* code :
       {"timeout", "queue_full", "rate_limited", "generation_failed", "connection_dropped",
        "unreachable", "corrupt_payload", "server_error", "not_found"})
    EXPECT_TRUE(falls_back_on(make_error(std::string(code) + ": x"))) << code;
  for (const char* message : {"bad_request: x", "unauthorized: x", "insufficient_balance: x",
                              "not_configured: x", "cancelled", "timeout", "timeouts: x"})
    EXPECT_FALSE(falls_back_on(make_error(message))) << message;
}

std::filesystem::path write_config(const std::string& text) {
  const std::filesystem::path path = test::scratch_dir() / "config.yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(ChainConfig, ReadsChainsAndTheBreakerFromTheConfigFile) {
  const auto path = write_config(R"(404:
  api_key: "k"
circuit_breaker: {failure_threshold: 5, cool_down_seconds: 2.5}
chains:
  robust-3dgs:
    - provider: "404"
      timeout_seconds: 120
    - provider: "404"
      options: {seed: 7, model: 404-3dgs, model_params: {pipeline_type: "1024"}}
      attempts: 2
    - provider: other
)");
  const auto no_environment = [](std::string_view) -> std::optional<std::string> { return {}; };
  Result<ChainConfig> config = load_chain_config(no_environment, path);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->breaker.failure_threshold, 5);
  EXPECT_EQ(config->breaker.cool_down, 2500ms);
  ASSERT_EQ(config->chains.size(), 1u);
  const ChainSpec& chain = config->chains[0];
  EXPECT_EQ(chain.name, "robust-3dgs");
  ASSERT_EQ(chain.links.size(), 3u);
  EXPECT_EQ(chain.links[0].provider, "404");
  EXPECT_EQ(chain.links[0].timeout, 120s);
  EXPECT_EQ(chain.links[0].options_json, "{}");
  EXPECT_EQ(nlohmann::json::parse(chain.links[1].options_json),
            nlohmann::json::parse(
                R"({"seed": 7, "model": "404-3dgs", "model_params": {"pipeline_type": "1024"}})"));
  EXPECT_EQ(chain.links[1].attempts, 2);
  EXPECT_EQ(chain.links[2].provider, "other");
  EXPECT_EQ(chain.links[2].timeout, 0ms);
}

TEST(ChainConfig, MalformedChainsAreNamedWithTheFile) {
  const auto no_environment = [](std::string_view) -> std::optional<std::string> { return {}; };
  const auto path = write_config("chains:\n  broken:\n    - provider: \"404\"\n      retries: 2\n");
  Result<ChainConfig> config = load_chain_config(no_environment, path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message,
            "config file " + path.string() +
                ":4: chain 'broken': unknown key 'retries' (a link takes provider, options, "
                "timeout_seconds, attempts)");
  EXPECT_FALSE(load_chain_config(no_environment, path.parent_path() / "missing.yaml").ok());
  // No file named and no default file: no chains.
  Result<ChainConfig> none = load_chain_config(no_environment, std::nullopt);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->chains.empty());
}

}  // namespace
}  // namespace atlas::providers
