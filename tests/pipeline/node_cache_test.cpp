// The node cache's value codec (lossless, refuses damaged entries without crashing)
// and the cache on disk (hits, misses, least-recently-used eviction).

#include <gtest/gtest.h>

#include <thread>

#include "formats/asset_io.h"
#include "pipeline/node_cache.h"
#include "pipeline/value_codec.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

Values sample_values() {
  Result<Mesh> mesh = load_mesh(test::testdata("meshes/Fox.glb"));
  EXPECT_TRUE(mesh) << mesh.error().message;
  Result<SplatCloud> cloud = load_splats(test::testdata("splats/fixture-minimal-v3.spz"));
  EXPECT_TRUE(cloud) << cloud.error().message;
  Report report;
  report.metrics = {{"mean_iou", 0.97}, {"triangles", 20000}};
  report.details_json = R"({"views": 16})";
  report.warnings = {"faint splats"};
  Image image(3, 2, 4);
  for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = std::uint8_t(i * 7);
  return {{"mesh", Value(*mesh)},   {"lods", Value(LodChain{*mesh, *mesh})},
          {"splat", Value(*cloud)}, {"report", Value(report)},
          {"image", Value(image)},  {"files", Value(FileSet{{"a.glb", {1, 2, 3}}, {"b.png", {}}})},
          {"skipped", Value()}};
}

TEST(ValueCodec, RoundTripIsExact) {
  const Values values = sample_values();
  const Bytes encoded = encode_values(values);
  Result<Values> decoded = decode_values(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  // Encoding is a function of the values, so equal bytes mean equal values.
  EXPECT_EQ(encode_values(*decoded), encoded);
  EXPECT_TRUE(decoded->at("skipped").empty());
  EXPECT_EQ(decoded->at("lods").levels().size(), 2u);
  EXPECT_EQ(decoded->at("mesh").mesh()->images.size(), values.at("mesh").mesh()->images.size());
  EXPECT_EQ(decoded->at("report").report()->warnings.front(), "faint splats");
}

TEST(ValueCodec, TruncatedOrDamagedEntriesAreRefused) {
  Values small;
  small["report"] = Value(Report{{{"a", 1}}, "{}", {}});
  small["image"] = Value(Image(2, 2, 4));
  const Bytes encoded = encode_values(small);
  for (std::size_t length = 0; length < encoded.size(); ++length)
    EXPECT_FALSE(decode_values(ByteView(encoded.data(), length))) << length;
  Bytes huge_count = encoded;
  huge_count[8] = 0xff;  // the value count's low byte
  huge_count[15] = 0x7f;
  EXPECT_FALSE(decode_values(huge_count));
  EXPECT_FALSE(decode_values(Bytes{'n', 'o', 'p', 'e', 0, 0, 0, 0}));
}

TEST(NodeCache, StoresLoadsAndEvictsTheLeastRecentlyUsed) {
  const std::filesystem::path dir = test::scratch_dir() / "cache";
  Values entry;
  entry["files"] = Value(FileSet{{"x.bin", Bytes(4000, 7)}});
  const std::string key_a(64, 'a'), key_b(64, 'b'), key_c(64, 'c');
  NodeCache cache(dir, 10000);  // room for two entries
  EXPECT_FALSE(cache.load(key_a));
  cache.store(key_a, entry);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  cache.store(key_b, entry);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(cache.load(key_a));  // now a is more recent than b
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  cache.store(key_c, entry);
  EXPECT_TRUE(cache.contains(key_a));
  EXPECT_FALSE(cache.contains(key_b));
  EXPECT_TRUE(cache.contains(key_c));
  EXPECT_EQ(cache.load(key_c)->at("files").files()->front().bytes.size(), 4000u);
}

TEST(NodeCache, DamagedEntryIsAMissAndRemoved) {
  const std::filesystem::path dir = test::scratch_dir() / "cache";
  NodeCache cache(dir, 1 << 20);
  const std::string key(64, 'd');
  cache.store(key, {{"report", Value(Report{})}});
  const std::filesystem::path entry = dir / "dd" / (key + ".atv");
  ASSERT_TRUE(std::filesystem::exists(entry));
  ASSERT_TRUE(write_file_atomic(entry, Bytes{1, 2, 3}));
  EXPECT_FALSE(cache.load(key));
  EXPECT_FALSE(std::filesystem::exists(entry));
}

}  // namespace
}  // namespace atlas::pipeline
