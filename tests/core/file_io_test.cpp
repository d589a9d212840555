#include "core/file_io.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace atlas {
namespace {

TEST(FileIo, WriteAtomicallyThenRead) {
  const auto dir = test::scratch_dir();
  const Bytes bytes{1, 2, 3, 255};
  ASSERT_TRUE(write_file_atomic(dir / "a.bin", bytes).ok());
  auto read = read_file(dir / "a.bin");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  EXPECT_FALSE(std::filesystem::exists(dir / "a.bin.tmp"));
}

TEST(FileIo, ErrorsNameThePath) {
  const auto dir = test::scratch_dir();
  auto missing = read_file(dir / "missing.ply");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, (dir / "missing.ply").string() + ": no such file");
  auto folder = read_file(dir);
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.error().message.find("not a regular file"), std::string::npos);
  ASSERT_TRUE(write_file_atomic(dir / "big", Bytes(100)).ok());
  EXPECT_FALSE(read_file(dir / "big", 10).ok());
  EXPECT_FALSE(write_file_atomic(dir / "no-such-dir" / "x", Bytes(1)).ok());
}

TEST(FileIo, LowerExtension) {
  EXPECT_EQ(lower_extension("a/b/Model.GLB"), "glb");
  EXPECT_EQ(lower_extension("noext"), "");
}

}  // namespace
}  // namespace atlas
