#pragma once
// Runs the `atlas` executable the build made, capturing its exit code and output.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace atlas::test {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string cli_path() { return std::string(ATLAS_BINARY_DIR) + "/apps/atlas"; }

inline std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// `atlas ARGUMENTS` through the shell; output files are named after the running test.
inline CliRun atlas(const std::string& arguments) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(ATLAS_BINARY_DIR) / "test-scratch" / "cli-output";
  fs::create_directories(dir);
  const std::string tag = std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path out = dir / (tag + ".out"), err = dir / (tag + ".err");
  const std::string command =
      "'" + cli_path() + "' " + arguments + " > '" + out.string() + "' 2> '" + err.string() + "'";
  const int status = std::system(command.c_str());
  CliRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = slurp(out);
  run.err = slurp(err);
  return run;
}

}  // namespace atlas::test
