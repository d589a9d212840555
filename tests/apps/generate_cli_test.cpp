// `atlas generate` end to end: the real executable against the fake 404 gateway this
// test process runs on loopback (ATLAS_404_BASE_URL points at it), whose miners answer
// at once.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

#include "cli_runner.h"
#include "core/sha256.h"
#include "fake_gateway.h"
#include "formats/asset_io.h"
#include "formats/glb_container.h"
#include "formats/splat_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using test::atlas;
using test::CliRun;
using test::FakeGateway;
using test::quoted;

// The fake gateway, and the environment that sends the CLI to it with its key and no
// config file or node cache of the machine's.
class GenerateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::scratch_dir();
    environment_.emplace(gateway_, dir_);
  }

  void expect_no_key(const CliRun& run) const {
    EXPECT_EQ(run.out.find(gateway_.api_key()), std::string::npos) << run.out;
    EXPECT_EQ(run.err.find(gateway_.api_key()), std::string::npos) << run.err;
  }

  Json generation_json() const {
    return Json::parse(test::slurp(dir_ / "out" / "generation.json"), nullptr, false);
  }

  std::string out() const { return quoted(dir_ / "out"); }

  FakeGateway gateway_;
  fs::path dir_;
  std::optional<test::FakeGatewayEnvironment> environment_;
};

std::size_t splat_count(const fs::path& file) {
  Result<SplatCloud> cloud = load_splats(file);
  EXPECT_TRUE(cloud.ok()) << (cloud.ok() ? "" : cloud.error().message);
  return cloud ? cloud->size() : 0;
}

test::FakeWorker worker(std::string splat, bool truncated = false) {
  test::FakeWorker worker;
  worker.splat = std::move(splat);
  worker.truncated = truncated;
  return worker;
}

std::size_t hamburger_splats() {
  Result<SplatCloud> cloud =
      decode_ply_splats(test::must_read(test::testdata("splats/404-hamburger.ply")));
  EXPECT_TRUE(cloud.ok());
  return cloud ? cloud->size() : 0;
}

TEST_F(GenerateCli, APromptBecomesAnSpzAndGenerationJson) {
  const CliRun run =
      atlas("generate \"a red chair\" --seed 42 --param 'quality=\"high\"' -o " + out());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_no_key(run);
  const fs::path result = dir_ / "out" / "a-red-chair.spz";
  ASSERT_TRUE(fs::exists(result)) << run.out;
  const Bytes bytes = test::must_read(result);
  ASSERT_GE(bytes.size(), 4u);
  EXPECT_EQ(bytes[0], 0x28);  // 404's zstd SPZ, as received
  EXPECT_EQ(splat_count(result), hamburger_splats());

  ASSERT_EQ(gateway_.add_task_requests(), 1);
  const test::FakeAddTask sent = gateway_.add_tasks().at(0);
  EXPECT_EQ(sent.prompt, "a red chair");
  EXPECT_EQ(sent.model, "404-3dgs");
  EXPECT_EQ(sent.seed, 42);
  EXPECT_EQ(Json::parse(sent.model_params), Json({{"quality", "high"}}));

  const Json generation = generation_json();
  ASSERT_TRUE(generation.is_object());
  EXPECT_EQ(generation["powered_by"], "404 (Bittensor subnet 17)");
  EXPECT_EQ(generation["request"]["prompt"], "a red chair");
  EXPECT_EQ(generation["request"]["seed"], 42);
  EXPECT_EQ(generation["task"]["model"], "404-3dgs");
  EXPECT_FALSE(generation["task"]["id"].get<std::string>().empty());
  EXPECT_EQ(generation["result"]["file"], "a-red-chair.spz");
  EXPECT_EQ(generation["result"]["sha256"], sha256_hex(bytes));
  EXPECT_EQ(generation["selection"]["chooser"], "first_to_arrive");
  for (const char* timing : {"total", "gateway", "selection", "orchestration_overhead"})
    EXPECT_TRUE(generation["timings_ms"][timing].is_number()) << timing;
  EXPECT_EQ(test::slurp(dir_ / "out" / "generation.json").find(gateway_.api_key()),
            std::string::npos);
}

TEST_F(GenerateCli, AllCandidatesAreScoredAndTheHamburgerWins) {
  test::FakeTaskScript script;
  script.workers = {worker("splats/404-dreamgaussian-blob.ply"),
                    worker("splats/404-hamburger.ply", /*truncated=*/true),
                    worker("splats/404-hamburger.ply")};
  gateway_.script_next_task(script);
  const CliRun run = atlas("generate \"a hamburger\" --candidates all -o " + out());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const fs::path result = dir_ / "out" / "a-hamburger.spz";
  EXPECT_EQ(splat_count(result), hamburger_splats());

  const Json generation = generation_json();
  EXPECT_EQ(generation["task"]["candidates_downloaded"], 3);
  const Json& selection = generation["selection"];
  ASSERT_EQ(selection["candidates"].size(), 3u);
  ASSERT_TRUE(selection["winner"].is_number());
  const Json& winner = selection["candidates"][selection["winner"].get<std::size_t>()];
  EXPECT_EQ(winner["sha256"], generation["result"]["sha256"]);
  EXPECT_EQ(winner["accepted"], true);
  int rejected = 0;
  for (const Json& candidate : selection["candidates"]) {
    EXPECT_TRUE(candidate["total"].is_number() || candidate["total"].is_null());
    if (candidate["accepted"] == false) {
      ++rejected;
      EXPECT_NE(candidate["rejections"][0].get<std::string>().find("could not be decoded"),
                std::string::npos);
    }
  }
  EXPECT_EQ(rejected, 1);  // the truncated file; the blob is accepted but loses
  EXPECT_FALSE(selection["why"].get<std::string>().empty());
  EXPECT_TRUE(generation["timings_ms"]["selection"].get<double>() > 0);
}

TEST_F(GenerateCli, APipelineRunsOnTheResultWithItsProvenance) {
  if (test::kSanitized) GTEST_SKIP() << "whole pipelines run in the Release suite";
  const CliRun run = atlas("generate \"a hamburger\" --pipeline mobile -o " + out());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string task_id = generation_json()["task"]["id"];
  std::optional<fs::path> glb;
  for (const auto& entry : fs::directory_iterator(dir_ / "out"))
    if (entry.path().extension() == ".glb") glb = entry.path();
  ASSERT_TRUE(glb.has_value()) << run.out;
  const Bytes bytes = test::must_read(*glb);
  Result<gltf::GlbParts> parts = gltf::split_glb(bytes);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  const Json provenance = Json::parse(parts->json)["asset"]["extras"]["atlas"];
  EXPECT_EQ(provenance["powered_by"], "404 (Bittensor subnet 17)");
  EXPECT_EQ(provenance["generation"]["provider"], "404");
  EXPECT_EQ(provenance["generation"]["task_id"], task_id);
  EXPECT_EQ(provenance["inputs"][0]["file"], "a-hamburger.spz");
}

// `atlas run` registers "404" and the config file's chains: a generate node names a
// chain, whose first link's task fails on the miners and whose second (another seed)
// gives the asset.
TEST_F(GenerateCli, AtlasRunGeneratesThroughAConfiguredChain) {
  fs::create_directories(dir_ / "config" / "atlas");
  std::ofstream(dir_ / "config" / "atlas" / "config.yaml") << R"(prices:
  "404": {404-3dgs: 0.15, 404-mesh: 0.25}
chains:
  robust-3dgs:
    - provider: "404"
      options: {seed: 1}
    - provider: "404"
      options: {seed: 2}
      timeout_seconds: 60
)";
  const fs::path pipeline = dir_ / "generated.yaml";
  std::ofstream(pipeline) << R"(pipeline: generated
inputs:
  source: file
nodes:
  generate:
    op: generate
    params: {prompt: "a hamburger", provider: robust-3dgs}
  export:
    op: export
    inputs: {model: generate}
    params: {format: spz, name: hamburger}
outputs:
  model: export
)";
  test::FakeTaskScript failing;
  failing.workers = {test::FakeWorker{}};
  failing.workers[0].failure = "NSFW content";
  gateway_.script_next_task(failing);
  const fs::path input = dir_ / "unused.txt";
  std::ofstream(input) << "the pipeline's input is not read\n";
  const CliRun run =
      atlas("run " + quoted(pipeline) + " " + quoted(input) + " --no-cache -o " + out());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(splat_count(dir_ / "out" / "hamburger.spz"), hamburger_splats());
  const std::vector<test::FakeAddTask> tasks = gateway_.add_tasks();
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].seed, 1);
  EXPECT_EQ(tasks[1].seed, 2);
  EXPECT_NE(run.err.find("chain 'robust-3dgs': link 2 (provider '404') produced the asset after "
                         "link 1 (provider '404'): generation_failed: "),
            std::string::npos)
      << run.err;
  expect_no_key(run);

  // Both tasks were created, so both are charged: 404's, passed through at the table's price.
  const Json report =
      Json::parse(test::slurp(dir_ / "out" / "pipeline_report.json"), nullptr, false);
  const Json& calls = report["usage"]["calls"];
  ASSERT_EQ(calls.size(), 2u) << report.dump(2);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(calls[i]["node"], "generate");
    EXPECT_EQ(calls[i]["provider"], "404");
    EXPECT_EQ(calls[i]["chain"], "robust-3dgs");
    EXPECT_EQ(calls[i]["model"], "404-3dgs");
    EXPECT_EQ(calls[i]["billed_by"], "404");
    EXPECT_EQ(calls[i]["cost"], 0.15);
    EXPECT_EQ(calls[i]["succeeded"], i == 1);
    EXPECT_EQ(calls[i]["task_id"].get<std::string>().size(), 36u);
  }
  EXPECT_DOUBLE_EQ(report["usage"]["billed_by"]["404"]["USD"].get<double>(), 0.30);
}

TEST_F(GenerateCli, GenerationJsonCarriesTheUsageRecordPricedFromTheConfig) {
  fs::create_directories(dir_ / "config" / "atlas");
  std::ofstream(dir_ / "config" / "atlas" / "config.yaml") << R"(prices:
  currency: EUR
  "404": {404-3dgs: 0.12}
)";
  const CliRun run = atlas("generate \"a red chair\" -o " + out());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Json generation = generation_json();
  const Json& calls = generation["usage"]["calls"];
  ASSERT_EQ(calls.size(), 1u) << generation.dump(2);
  EXPECT_EQ(calls[0]["task_id"], generation["task"]["id"]);
  EXPECT_EQ(calls[0]["cost"], 0.12);
  EXPECT_EQ(calls[0]["currency"], "EUR");
  EXPECT_EQ(calls[0]["billed_by"], "404");
  EXPECT_TRUE(calls[0]["priced"].get<bool>());
  EXPECT_GT(calls[0]["seconds"].get<double>(), 0);
  EXPECT_EQ(generation["usage"]["total"]["EUR"], 0.12);
}

TEST_F(GenerateCli, AMalformedPriceTableIsRefusedNamingTheFileAndLine) {
  fs::create_directories(dir_ / "config" / "atlas");
  const fs::path config = dir_ / "config" / "atlas" / "config.yaml";
  std::ofstream(config) << "prices:\n  \"404\":\n    404-3dgs: -1\n";
  const CliRun run = atlas("generate \"a red chair\" -o " + out());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(config.string() + ":3: prices.404.404-3dgs must be a price"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(gateway_.add_task_requests(), 0);
}

TEST_F(GenerateCli, InsufficientBalanceIsOneClearLineWithoutTheKey) {
  gateway_.inject(test::FakeEndpoint::AddTask, test::FakeFault::insufficient_balance());
  const CliRun run = atlas("generate \"a red chair\" -o " + out());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err.rfind("atlas: insufficient_balance: ", 0), 0u) << run.err;
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << run.err;  // one line
  expect_no_key(run);
  EXPECT_EQ(gateway_.tasks_created(), 0);
  EXPECT_FALSE(fs::exists(dir_ / "out" / "generation.json"));
}

TEST_F(GenerateCli, ABadPromptIsRefusedBeforeAnyRequest) {
  for (const std::string& prompt :
       std::vector<std::string>{"hi", "a chair <script>", std::string(385, 'a')}) {
    const CliRun run = atlas("generate '" + prompt + "' -o " + out());
    EXPECT_EQ(run.exit_code, 1) << prompt;
    EXPECT_NE(run.err.find("atlas: bad_request: "), std::string::npos) << run.err;
  }
  EXPECT_EQ(gateway_.add_task_requests(), 0);
}

TEST_F(GenerateCli, WithoutAKeyNothingIsSent) {
  unsetenv("ATLAS_404_API_KEY");
  const CliRun run = atlas("generate \"a red chair\" -o " + out());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("atlas: not_configured: "), std::string::npos) << run.err;
  EXPECT_EQ(gateway_.add_task_requests(), 0);
}

TEST_F(GenerateCli, CtrlCCancelsTheGenerationWithExitCode130) {
  test::FakeTaskScript slow;
  slow.workers = {test::FakeWorker{}};
  slow.workers[0].answers_after = std::chrono::milliseconds(20'000);
  gateway_.script_next_task(slow);
  // The shell runs atlas in the background, interrupts it once the task exists, and
  // exits with its exit code. (atlas installs its own SIGINT handler, which overrides
  // the shell ignoring SIGINT for background commands.)
  const fs::path err = dir_ / "err.txt";
  const std::string command = test::quoted(fs::path(test::cli_path())) +
                              " generate \"a red chair\" -o " + out() + " 2> " + quoted(err) +
                              " & pid=$!; sleep 1; kill -INT $pid; wait $pid";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_EQ(test::slurp(err), "atlas: interrupted\n");  // handled, not killed
  EXPECT_EQ(gateway_.tasks_created(), 1);
  EXPECT_FALSE(fs::exists(dir_ / "out" / "generation.json"));
}

TEST_F(GenerateCli, APromptAndAnImageTogetherAreAUsageError) {
  const CliRun run = atlas("generate \"a red chair\" --image x.png -o " + out());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(gateway_.add_task_requests(), 0);
}

}  // namespace
}  // namespace atlas
