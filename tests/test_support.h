#pragma once
// Paths the tests use: the shared real-world test data and a scratch folder.

#include <filesystem>
#include <string>
#include <vector>

#include "asset/splat_cloud.h"
#include "core/file_io.h"

namespace atlas::test {

// True in the sanitizer build (ATLAS_SANITIZE), where tests of whole pipelines on large
// inputs skip themselves (the Release run covers them). The tests' own code is not
// instrumented there, so the build says so rather than the compiler.
#if defined(ATLAS_SANITIZED_BUILD)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

inline std::filesystem::path testdata(const std::string& relative) {
  return std::filesystem::path(ATLAS_TESTDATA_DIR) / relative;
}

// A fresh empty folder under the build tree, unique to the running test.
std::filesystem::path scratch_dir();

// Reads a file the test depends on; fails the calling test when it cannot.
Bytes must_read(const std::filesystem::path& path);

// Fails the calling test, naming the first differing splat, unless both clouds hold
// bit-identical values.
void expect_identical(const SplatCloud& a, const SplatCloud& b);

// The Khronos glTF validator (tools/npm/validate-gltf.mjs, run with node).
bool gltf_validator_available();

// One line of the validator's output a file: {file, numErrors, numWarnings, numInfos,
// errors, warnings} as JSON text; empty when the validator could not run. exit_code is
// the validator's (non-zero when any file has an error).
struct ValidatorRun {
  int exit_code = -1;
  std::vector<std::string> reports;
  std::string output;
};
ValidatorRun run_gltf_validator(const std::vector<std::filesystem::path>& files);

// Runs a /bin/sh command line, capturing its exit code and its output (stdout and
// stderr together).
struct CommandRun {
  int exit_code = -1;
  std::string output;
};
CommandRun run_command(const std::string& command);

// A path quoted for /bin/sh.
std::string shell_quoted(const std::filesystem::path& path);

}  // namespace atlas::test
