// USDZ packages (the zip container and the USDA layer) on the real trellis sample.

#include <gtest/gtest.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/compression.h"
#include "formats/mesh_formats.h"
#include "formats/zip_store.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;

std::uint32_t read_le(const Bytes& bytes, std::size_t at, int size) {
  std::uint32_t value = 0;
  for (int i = size - 1; i >= 0; --i) value = value << 8 | bytes.at(at + i);
  return value;
}

struct ZipFile {
  std::string name;
  std::size_t data_offset = 0;
  std::uint32_t size = 0;
  std::uint32_t crc = 0;
};

// Reads the archive through its central directory, as zip readers do, checking each
// local header agrees with it. Bounds are checked by at().
std::vector<ZipFile> parse_zip(const Bytes& zip) {
  std::vector<ZipFile> files;
  EXPECT_GE(zip.size(), 22u);
  if (zip.size() < 22) return files;
  const std::size_t end = zip.size() - 22;
  EXPECT_EQ(read_le(zip, end, 4), 0x06054b50u);
  const std::uint32_t count = read_le(zip, end + 10, 2);
  std::size_t at = read_le(zip, end + 16, 4);
  for (std::uint32_t i = 0; i < count; ++i) {
    EXPECT_EQ(read_le(zip, at, 4), 0x02014b50u);
    EXPECT_EQ(read_le(zip, at + 10, 2), 0u) << "stored";
    ZipFile file;
    file.crc = read_le(zip, at + 16, 4);
    file.size = read_le(zip, at + 20, 4);
    EXPECT_EQ(read_le(zip, at + 24, 4), file.size);
    const std::uint32_t name_bytes = read_le(zip, at + 28, 2);
    const std::uint32_t extra = read_le(zip, at + 30, 2), comment = read_le(zip, at + 32, 2);
    const std::size_t local = read_le(zip, at + 42, 4);
    file.name.assign(zip.begin() + at + 46, zip.begin() + at + 46 + name_bytes);
    EXPECT_EQ(read_le(zip, local, 4), 0x04034b50u);
    EXPECT_EQ(read_le(zip, local + 14, 4), file.crc);
    EXPECT_EQ(read_le(zip, local + 26, 2), name_bytes);
    file.data_offset = local + 30 + name_bytes + read_le(zip, local + 28, 2);
    EXPECT_LE(file.data_offset + file.size, zip.size());
    files.push_back(file);
    at += 46 + name_bytes + extra + comment;
  }
  return files;
}

const Mesh& trellis() {
  static const Mesh mesh = [] {
    Result<Mesh> decoded =
        decode_gltf(test::must_read(test::testdata("meshes/trellis-sample.glb")),
                    [](std::string_view) -> Result<Bytes> { return make_error("no files"); });
    EXPECT_TRUE(decoded.ok()) << decoded.error().message;
    return decoded.ok() ? std::move(decoded).value() : Mesh{};
  }();
  return mesh;
}

TEST(ZipStore, EveryFileIsAlignedWithRightCrcs) {
  std::vector<OutputFile> files;
  for (std::size_t size : {0u, 1u, 63u, 64u, 65u, 1000u}) {
    Bytes bytes(size);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + size);
    files.push_back({"f" + std::string(size % 5 + 1, 'x') + std::to_string(size), bytes});
  }
  Result<Bytes> zip = build_stored_zip(files, 64);
  ASSERT_TRUE(zip.ok()) << zip.error().message;
  const std::vector<ZipFile> parsed = parse_zip(*zip);
  ASSERT_EQ(parsed.size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(parsed[i].name, files[i].name);
    EXPECT_EQ(parsed[i].data_offset % 64, 0u) << files[i].name;
    EXPECT_EQ(parsed[i].crc, crc32(files[i].bytes));
    EXPECT_TRUE(std::equal(files[i].bytes.begin(), files[i].bytes.end(),
                           zip->begin() + parsed[i].data_offset));
  }
  EXPECT_EQ(*build_stored_zip(files, 64), *zip);
}

TEST(ZipStore, BadArgumentsAreErrors) {
  EXPECT_FALSE(build_stored_zip({{"a", {}}}, 48).ok());
  EXPECT_FALSE(build_stored_zip({{"a", {}}}, 0).ok());
  EXPECT_FALSE(build_stored_zip({{"", {}}}, 64).ok());
  EXPECT_FALSE(build_stored_zip({{std::string(70000, 'n'), {}}}, 64).ok());
}

TEST(Usdz, TrellisPackageHasALayerAndItsTexturesAligned) {
  Result<Bytes> usdz = encode_usdz(trellis());
  ASSERT_TRUE(usdz.ok()) << usdz.error().message;
  const std::vector<ZipFile> files = parse_zip(*usdz);
  ASSERT_EQ(files.size(), 1 + trellis().images.size());
  EXPECT_EQ(files[0].name, "scene.usda");
  for (const ZipFile& file : files) {
    EXPECT_EQ(file.data_offset % 64, 0u) << file.name;
    EXPECT_EQ(file.crc, crc32(ByteView(*usdz).subspan(file.data_offset, file.size))) << file.name;
  }
  EXPECT_EQ(files[1].name, "textures/image_0.png");
  const Bytes& png = trellis().images[0].encoded;
  ASSERT_EQ(files[1].size, png.size());
  EXPECT_EQ(std::memcmp(usdz->data() + files[1].data_offset, png.data(), png.size()), 0);

  const std::string layer(usdz->begin() + files[0].data_offset,
                          usdz->begin() + files[0].data_offset + files[0].size);
  for (const char* expected :
       {"#usda 1.0", "metersPerUnit = 1", "upAxis = \"Y\"", "defaultPrim = \"Root\"",
        "point3f[] points = [(", "int[] faceVertexCounts = [3, 3", "texCoord2f[] primvars:st",
        "uniform token info:id = \"UsdPreviewSurface\"", "uniform token info:id = \"UsdUVTexture\"",
        "asset inputs:file = @textures/image_0.png@", "color3f inputs:diffuseColor.connect",
        "rel material:binding = </Root/Materials/"}) {
    EXPECT_NE(layer.find(expected), std::string::npos) << expected;
  }
  EXPECT_EQ(layer.find("nan"), std::string::npos);
  // V flipped: USD's st origin is the texture's bottom-left, glTF's its top-left.
  const Primitive& primitive = trellis().primitives[0];
  auto shortest = [](float value) {
    char text[32];
    return std::string(text, std::to_chars(text, text + sizeof text, value).ptr);
  };
  const std::string first_st = "primvars:st = [(" + shortest(primitive.uv0[0].x) + ", " +
                               shortest(1 - primitive.uv0[0].y) + ")";
  EXPECT_NE(layer.find(first_st), std::string::npos) << first_st;
  EXPECT_EQ(layer.find("normal3f[] normals") != std::string::npos, !primitive.normals.empty());
  EXPECT_EQ(*encode_usdz(trellis()), *usdz);
}

TEST(Usdz, PythonZipfileReadsThePackage) {
  if (std::system("python3 --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  Result<Bytes> usdz = encode_usdz(trellis());
  ASSERT_TRUE(usdz.ok()) << usdz.error().message;
  const fs::path path = test::scratch_dir() / "trellis.usdz";
  ASSERT_TRUE(write_file_atomic(path, *usdz).ok());
  // testzip() checks every CRC; the loop checks each file's data offset.
  const std::string script =
      "import sys, zipfile, struct\n"
      "z = zipfile.ZipFile(sys.argv[1])\n"
      "assert z.testzip() is None\n"
      "assert z.namelist()[0] == 'scene.usda'\n"
      "f = open(sys.argv[1], 'rb')\n"
      "for i in z.infolist():\n"
      "    assert i.compress_type == zipfile.ZIP_STORED\n"
      "    f.seek(i.header_offset)\n"
      "    h = f.read(30)\n"
      "    n, e = struct.unpack('<HH', h[26:30])\n"
      "    assert (i.header_offset + 30 + n + e) % 64 == 0, i.filename\n"
      "print('ok', len(z.infolist()))\n";
  const fs::path script_path = path.parent_path() / "check.py";
  ASSERT_TRUE(write_file_atomic(script_path, Bytes(script.begin(), script.end())).ok());
  const std::string command =
      "python3 " + test::shell_quoted(script_path) + " " + test::shell_quoted(path) + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  EXPECT_EQ(pclose(pipe), 0) << output;
  EXPECT_EQ(output, "ok 2\n");
}

TEST(Usdz, VertexColoursAndMaterialsWithoutTextures) {
  Mesh mesh;
  Primitive primitive;
  primitive.positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  primitive.colors = {{1, 0, 0, 1}, {0, 1, 0, 1}, {0, 0, 1, 1}};
  primitive.normals = {{0, 0, 1}, {0, 0, NAN}, {0, 0, 1}};
  primitive.indices = {0, 1, 2};
  primitive.name = "3 bad/name";
  mesh.primitives.push_back(primitive);
  primitive.material = 0;
  mesh.primitives.push_back(primitive);
  Material material;
  material.name = "red paint";
  material.base_color_factor = {0.8f, 0.1f, 0.1f, 0.5f};
  material.alpha_mode = AlphaMode::Mask;
  mesh.materials.push_back(material);
  Result<Bytes> usdz = encode_usdz(mesh);
  ASSERT_TRUE(usdz.ok()) << usdz.error().message;
  const std::vector<ZipFile> files = parse_zip(*usdz);
  ASSERT_EQ(files.size(), 1u);
  const std::string layer(usdz->begin() + files[0].data_offset, usdz->end());
  EXPECT_NE(layer.find("def Mesh \"_3_bad_name\""), std::string::npos);
  EXPECT_NE(layer.find("def Mesh \"_3_bad_name_1\""), std::string::npos);
  EXPECT_NE(layer.find("def Material \"red_paint\""), std::string::npos);
  EXPECT_NE(layer.find("color3f inputs:diffuseColor = (0.8, 0.1, 0.1)"), std::string::npos);
  EXPECT_NE(layer.find("float inputs:opacityThreshold = 0.5"), std::string::npos);
  EXPECT_NE(layer.find("primvars:displayColor = [(1, 0, 0)"), std::string::npos);
  EXPECT_EQ(layer.find("nan"), std::string::npos);

  mesh.primitives[0].indices = {0, 1, 7};
  Result<Bytes> broken = encode_usdz(mesh);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message.rfind("USDZ: ", 0), 0u);
}

}  // namespace
}  // namespace atlas
