#include "formats/format.h"

#include <gtest/gtest.h>

#include "core/compression.h"
#include "test_support.h"

namespace atlas {
namespace {

Format detect_file(const std::string& relative, std::string_view extension) {
  return detect_format(test::must_read(test::testdata(relative)), extension);
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(FormatDetection, RealFilesByContent) {
  EXPECT_EQ(detect_file("splats/404-hamburger.ply", "ply"), Format::PlySplats);
  EXPECT_EQ(detect_file("splats/train-1000-sh3.ply", "ply"), Format::PlySplats);
  EXPECT_EQ(detect_file("splats/404-monkey.base64.ply", "ply"), Format::Base64PlySplats);
  EXPECT_EQ(detect_file("splats/404-robocop.spz", "spz"), Format::Spz);
  EXPECT_EQ(detect_file("splats/fixture-minimal-v2.spz", "spz"), Format::Spz);
  EXPECT_EQ(detect_file("splats/fixture-minimal-raw.spz", "spz"), Format::Spz);
  EXPECT_EQ(detect_file("meshes/trellis-sample.glb", "glb"), Format::Glb);
  EXPECT_EQ(detect_file("meshes/spot.obj", "obj"), Format::Obj);
}

TEST(FormatDetection, ContentWinsOverAMisleadingExtension) {
  EXPECT_EQ(detect_file("splats/404-robocop.spz", "ply"), Format::Spz);
  EXPECT_EQ(detect_file("splats/404-hamburger.ply", "spz"), Format::PlySplats);
  EXPECT_EQ(detect_file("meshes/trellis-sample.glb", "obj"), Format::Glb);
  EXPECT_EQ(detect_file("meshes/suzanne.obj", "txt"), Format::Obj);
}

TEST(FormatDetection, MagiclessFormatsNeedTheirExtension) {
  EXPECT_EQ(detect_file("splats/fixture-minimal.splat", "splat"), Format::AntimatterSplat);
  EXPECT_EQ(detect_file("splats/fixture-minimal.ksplat", "ksplat"), Format::Ksplat);
  EXPECT_EQ(detect_file("splats/fixture-minimal.splat", "bin"), Format::Unknown);
}

TEST(FormatDetection, PlyMeshesAreNotSplats) {
  EXPECT_EQ(
      detect_format(text("ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"
                         "element face 1\nproperty list uchar int vertex_indices\nend_header\n"),
                    "ply"),
      Format::PlyMesh);
}

TEST(FormatDetection, StlBinaryAndAscii) {
  Bytes binary(84 + 50, 0);
  binary[80] = 1;
  EXPECT_EQ(detect_format(binary, "bin"), Format::Stl);
  EXPECT_EQ(detect_format(text("solid cube\n facet normal 0 0 1\n"), ""), Format::Stl);
}

TEST(FormatDetection, GltfJson) {
  EXPECT_EQ(detect_format(text("\xEF\xBB\xBF  {\"asset\": {\"version\": \"2.0\"}}"), "json"),
            Format::Gltf);
}

TEST(FormatDetection, GarbageIsUnknown) {
  EXPECT_EQ(detect_format(text("hello world"), "dat"), Format::Unknown);
  EXPECT_EQ(detect_format({}, ""), Format::Unknown);
}

TEST(FormatDetection, WriterFormatFromExtension) {
  EXPECT_EQ(format_for_extension("ply", AssetKind::Splats), Format::PlySplats);
  EXPECT_EQ(format_for_extension("ply", AssetKind::Mesh), Format::PlyMesh);
  EXPECT_EQ(format_for_extension("spz", AssetKind::Splats), Format::Spz);
  EXPECT_EQ(format_for_extension("glb", AssetKind::Mesh), Format::Glb);
  EXPECT_EQ(format_for_extension("fbx", AssetKind::Mesh), Format::Unknown);
}

}  // namespace
}  // namespace atlas
