#include "test_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace atlas::test {

std::filesystem::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "scratch";
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  const auto dir = std::filesystem::path(ATLAS_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

Bytes must_read(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  if (!bytes.ok()) {
    ADD_FAILURE() << bytes.error().message;
    return {};
  }
  return std::move(bytes).value();
}

void expect_identical(const SplatCloud& a, const SplatCloud& b) {
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.sh_degree, b.sh_degree);
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a.positions[i], b.positions[i]) << "splat " << i;
    ASSERT_EQ(a.log_scales[i], b.log_scales[i]) << "splat " << i;
    ASSERT_EQ(a.opacity_logits[i], b.opacity_logits[i]) << "splat " << i;
    ASSERT_EQ(a.sh_dc[i], b.sh_dc[i]) << "splat " << i;
    const Quat p = a.rotations[i], q = b.rotations[i];
    ASSERT_TRUE(p.w == q.w && p.x == q.x && p.y == q.y && p.z == q.z) << "splat " << i;
  }
  EXPECT_EQ(a.sh_rest, b.sh_rest);
}

namespace {
const std::filesystem::path kTools = std::filesystem::path(ATLAS_SOURCE_DIR) / "tools" / "npm";
}  // namespace

std::string shell_quoted(const std::filesystem::path& path) {
  std::string out = "'";
  for (char c : path.string()) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool gltf_validator_available() {
  return std::filesystem::exists(kTools / "node_modules" / "gltf-validator") &&
         std::system("node --version > /dev/null 2>&1") == 0;
}

CommandRun run_command(const std::string& command) {
  CommandRun run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

ValidatorRun run_gltf_validator(const std::vector<std::filesystem::path>& files) {
  std::string command = "node " + shell_quoted(kTools / "validate-gltf.mjs");
  for (const std::filesystem::path& file : files) command += " " + shell_quoted(file);
  const CommandRun command_run = run_command(command);
  ValidatorRun run;
  run.exit_code = command_run.exit_code;
  run.output = command_run.output;
  std::istringstream lines(run.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.front() == '{') run.reports.push_back(line);
  }
  return run;
}

}  // namespace atlas::test
