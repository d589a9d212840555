#include "test_support.h"

#include <gtest/gtest.h>

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

}  // namespace atlas::test
