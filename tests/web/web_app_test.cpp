// The web app end to end (tests/web/app.spec.mjs): a real `atlas serve` serving the built
// app and the API, 404 played by the fake gateway in this process, Debian's Chromium
// driven by Playwright. Skipped when node, Chromium, playwright-core (web/node_modules) or
// the built app are missing, and under the sanitizers: the job pipelines it waits for
// would take most of the suite's time there, and the server's part of it (static_files)
// has its own tests that do run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "../service/atlas_process.h"
#include "fake_gateway.h"
#include "test_support.h"

namespace atlas::test {
namespace {

namespace fs = std::filesystem;

std::string chromium_path() {
  const char* configured = std::getenv("ATLAS_CHROMIUM");
  return configured != nullptr ? configured : "/usr/bin/chromium";
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

class WebApp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kSanitized) GTEST_SKIP() << "the browser test runs in the Release suite";
    web_ = fs::path(ATLAS_BINARY_DIR) / "apps" / "web";
    playwright_ =
        fs::path(ATLAS_SOURCE_DIR) / "web" / "node_modules" / "playwright-core" / "index.mjs";
    if (run_command("node --version").exit_code != 0) GTEST_SKIP() << "node is not installed";
    if (!fs::exists(chromium_path())) GTEST_SKIP() << "no Chromium at " << chromium_path();
    if (!fs::exists(playwright_)) GTEST_SKIP() << "web/node_modules has no playwright-core";
    if (!fs::exists(web_ / "index.html")) GTEST_SKIP() << "the web app is not built";
    dir_ = scratch_dir();
    environment_.emplace(gateway_, dir_);
  }

  std::string create_key(const std::string& tenant) {
    // The key is stdout's only line; the note on stderr is left out.
    const CommandRun run =
        run_command("(" + shell_quoted(atlas_binary()) + " keys create --tenant " + tenant +
                    " --data " + shell_quoted(dir_ / "data") + " 2>/dev/null)");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return first_line(run.output);
  }

  FakeGateway gateway_;
  fs::path dir_;
  std::optional<FakeGatewayEnvironment> environment_;
  fs::path web_;
  fs::path playwright_;
};

TEST_F(WebApp, APersonSignsInRunsJobsViewsAndDownloadsTheResults) {
  const std::string key1 = create_key("acme");
  const std::string key2 = create_key("globex");
  ASSERT_FALSE(key1.empty());
  ASSERT_FALSE(key2.empty());
  // One worker: a second job waits in the queue, where the test cancels it.
  AtlasProcess server(dir_, "serve",
                      {"serve", "--listen", "127.0.0.1:0", "--data", (dir_ / "data").string(),
                       "--workers", "1", "--web", web_.string()});
  const int port = std::atoi(server.wait_for("listening on http://127.0.0.1:").c_str());
  ASSERT_GT(port, 0);

  const fs::path shots = dir_ / "screenshots";
  const std::string command =
      "ATLAS_PLAYWRIGHT=" + shell_quoted(playwright_) +
      " ATLAS_CHROMIUM=" + shell_quoted(chromium_path()) +
      " ATLAS_HAMBURGER=" + shell_quoted(testdata("splats/404-hamburger.ply")) + " node " +
      shell_quoted(fs::path(ATLAS_SOURCE_DIR) / "tests" / "web" / "app.spec.mjs") +
      " http://127.0.0.1:" + std::to_string(port) + " " + key1 + " " + key2 + " " +
      shell_quoted(shots) + " 2>&1";
  const CommandRun run = run_command(command);
  EXPECT_EQ(run.exit_code, 0) << run.output << "\nserver: " << read_text(dir_ / "serve.err");
  std::printf("%s", run.output.c_str());
  EXPECT_TRUE(fs::exists(shots / "05-viewer.png"));

  // The `atlas` command the app showed for the upload job is one the CLI takes: its preset
  // and --set flags, as the shell splits them, load (`atlas pipeline show` applies them
  // without running the pipeline) and set what the job overrode.
  const std::string cli = read_text(shots / "atlas-cli.txt");
  const std::string run_part = "atlas run game-ready 404-hamburger.ply -o out";
  ASSERT_EQ(cli.rfind(run_part, 0), 0u) << cli;
  const CommandRun shown = run_command(shell_quoted(atlas_binary()) + " pipeline show game-ready" +
                                       cli.substr(run_part.size()) + " 2>&1");
  EXPECT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("triangles=5000"), std::string::npos) << shown.output;
}

// The app's modules that need no browser, under node: the event-stream client (the SSE
// parser, resuming with Last-Event-ID after a dropped connection) and the input checks.
TEST(WebAppClient, EventStreamResumesAndBadInputIsExplained) {
  if (run_command("node --version").exit_code != 0) GTEST_SKIP() << "node is not installed";
  const CommandRun run = run_command(
      "node " + shell_quoted(fs::path(ATLAS_SOURCE_DIR) / "tests" / "web" / "client.spec.mjs"));
  EXPECT_EQ(run.exit_code, 0) << run.output;
}

}  // namespace
}  // namespace atlas::test
