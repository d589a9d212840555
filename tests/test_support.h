#pragma once
// Paths the tests use: the shared real-world test data and a scratch folder.

#include <filesystem>
#include <string>

#include "asset/splat_cloud.h"
#include "core/file_io.h"

namespace atlas::test {

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

}  // namespace atlas::test
