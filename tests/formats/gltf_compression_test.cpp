// The glTF writer's compression options read back by the reader, on the real trellis
// sample: EXT_meshopt_compression (exact, plus hostile variations of a compressed file)
// and KHR_draco_mesh_compression (quantised).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "formats/glb_container.h"
#include "formats/mesh_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

ResourceLoader no_files() {
  return [](std::string_view uri) -> Result<Bytes> {
    return make_error("no such file: " + std::string(uri));
  };
}

const Mesh& trellis() {
  static const Mesh mesh = [] {
    Result<Mesh> decoded =
        decode_gltf(test::must_read(test::testdata("meshes/trellis-sample.glb")), no_files());
    EXPECT_TRUE(decoded.ok()) << decoded.error().message;
    return decoded.ok() ? std::move(decoded).value() : Mesh{};
  }();
  return mesh;
}

std::vector<OutputFile> encode(const Mesh& mesh, bool binary) {
  GltfWriteOptions options;
  options.binary = binary;
  options.compression = GltfCompression::Meshopt;
  return encode_gltf(mesh, "packed", options);
}

// meshoptimizer's index codec may start a triangle at another corner (same winding).
std::vector<std::uint32_t> canonical_triangles(std::vector<std::uint32_t> indices) {
  for (std::size_t t = 0; t + 2 < indices.size(); t += 3) {
    while (indices[t] > indices[t + 1] || indices[t] > indices[t + 2])
      std::rotate(indices.begin() + t, indices.begin() + t + 1, indices.begin() + t + 3);
  }
  return indices;
}

void expect_same_geometry(const Mesh& a, const Mesh& b) {
  ASSERT_EQ(a.primitives.size(), b.primitives.size());
  for (std::size_t p = 0; p < a.primitives.size(); ++p) {
    const Primitive& x = a.primitives[p];
    const Primitive& y = b.primitives[p];
    EXPECT_EQ(canonical_triangles(x.indices), canonical_triangles(y.indices));
    ASSERT_EQ(x.positions.size(), y.positions.size());
    for (std::size_t i = 0; i < x.positions.size(); ++i) ASSERT_EQ(x.positions[i], y.positions[i]);
    ASSERT_EQ(x.normals.size(), y.normals.size());
    for (std::size_t i = 0; i < x.normals.size(); ++i) ASSERT_EQ(x.normals[i], y.normals[i]);
    ASSERT_EQ(x.uv0.size(), y.uv0.size());
    for (std::size_t i = 0; i < x.uv0.size(); ++i)
      ASSERT_TRUE(x.uv0[i].x == y.uv0[i].x && x.uv0[i].y == y.uv0[i].y) << i;
    EXPECT_EQ(x.material, y.material);
  }
  ASSERT_EQ(a.images.size(), b.images.size());
  for (std::size_t i = 0; i < a.images.size(); ++i)
    EXPECT_EQ(a.images[i].encoded, b.images[i].encoded);
}

Json glb_json(const Bytes& glb) {
  Result<gltf::GlbParts> parts = gltf::split_glb(glb);
  EXPECT_TRUE(parts.ok());
  return parts.ok() ? Json::parse(parts->json) : Json();
}

Bytes glb_bin(const Bytes& glb) {
  Result<gltf::GlbParts> parts = gltf::split_glb(glb);
  return parts.ok() ? Bytes(parts->bin.begin(), parts->bin.end()) : Bytes();
}

TEST(GltfMeshopt, GlbRoundTripIsExactAndSmaller) {
  const Bytes plain = encode_gltf(trellis(), true, "plain")[0].bytes;
  const std::vector<OutputFile> files = encode(trellis(), true);
  ASSERT_EQ(files.size(), 1u);
  const Bytes& packed = files[0].bytes;
  FormatDetails details;
  Result<Mesh> decoded = decode_gltf(packed, no_files(), &details);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  expect_same_geometry(trellis(), *decoded);
  EXPECT_NE(details.description.find(", meshopt"), std::string::npos) << details.description;
  EXPECT_LT(packed.size(), plain.size());
  Mesh geometry = trellis();
  geometry.images.clear();
  for (Material& material : geometry.materials) material = Material{};
  std::printf(
      "trellis-sample GLB: plain %zu bytes, meshopt %zu bytes; without textures %zu and %zu\n",
      plain.size(), packed.size(), encode_gltf(geometry, true, "plain")[0].bytes.size(),
      encode(geometry, true)[0].bytes.size());

  const Json document = glb_json(packed);
  EXPECT_EQ(document["extensionsRequired"], Json::array({"EXT_meshopt_compression"}));
  ASSERT_EQ(document["buffers"].size(), 2u);
  EXPECT_EQ(document["buffers"][1]["extensions"]["EXT_meshopt_compression"]["fallback"], true);
  EXPECT_FALSE(document["buffers"][1].contains("uri"));
  // Every vertex and index view is compressed; only the images stay plain.
  std::size_t compressed = 0;
  for (const Json& view : document["bufferViews"])
    if (view.contains("extensions")) ++compressed;
  EXPECT_EQ(compressed + document["images"].size(), document["bufferViews"].size());
}

TEST(GltfMeshopt, GltfWithSidecarsRoundTrips) {
  std::vector<OutputFile> files = encode(trellis(), false);
  ASSERT_GE(files.size(), 2u);
  EXPECT_EQ(files[1].name, "packed.bin");
  const ResourceLoader load = [&files](std::string_view uri) -> Result<Bytes> {
    for (const OutputFile& file : files)
      if (file.name == uri) return file.bytes;
    return make_error("no such file: " + std::string(uri));
  };
  Result<Mesh> decoded = decode_gltf(files[0].bytes, load);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  expect_same_geometry(trellis(), *decoded);
}

TEST(GltfMeshopt, WideIndicesAndSeveralPrimitives) {
  Mesh mesh;
  Primitive big;
  const int side = 300;  // 90,000 vertices: 32-bit indices
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) big.positions.push_back({float(x), float(y), float(x ^ y)});
  for (int y = 0; y + 1 < side; ++y)
    for (int x = 0; x + 1 < side; ++x) {
      const std::uint32_t i = y * side + x;
      big.indices.insert(big.indices.end(), {i, i + 1, i + side, i + 1, i + side + 1, i + side});
    }
  mesh.primitives.push_back(big);
  mesh.primitives.push_back(trellis().primitives[0]);
  mesh.primitives.back().material = -1;
  Result<Mesh> decoded = decode_gltf(encode(mesh, true)[0].bytes, no_files());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  expect_same_geometry(mesh, *decoded);
}

// Rebuilds the compressed GLB with `edit` applied to its JSON.
template <typename Edit>
std::string error_after(Edit edit) {
  const Bytes packed = encode(trellis(), true)[0].bytes;
  Json document = glb_json(packed);
  Bytes bin = glb_bin(packed);
  edit(document, bin);
  Result<Mesh> decoded = decode_gltf(gltf::assemble_glb(document.dump(), bin), no_files());
  EXPECT_FALSE(decoded.ok());
  return decoded.ok() ? std::string() : decoded.error().message;
}

Json& first_compressed(Json& document) {
  for (Json& view : document["bufferViews"])
    if (view.contains("extensions")) return view;
  return document["bufferViews"][0];
}

TEST(GltfMeshoptHostile, MalformedExtensionsAreErrorsNotCrashes) {
  auto extension = [](Json& document) -> Json& {
    return first_compressed(document)["extensions"]["EXT_meshopt_compression"];
  };
  EXPECT_NE(error_after([&](Json& d, Bytes&) {
              extension(d)["count"] = 1ull << 40;
            }).find("do not fit the bufferView"),
            std::string::npos);
  EXPECT_NE(
      error_after([&](Json& d, Bytes&) { extension(d)["byteStride"] = 6; }).find("multiple of 4"),
      std::string::npos);
  EXPECT_NE(
      error_after([&](Json& d, Bytes&) { extension(d)["mode"] = "POINTS"; }).find("unknown mode"),
      std::string::npos);
  EXPECT_NE(error_after([&](Json& d, Bytes&) {
              extension(d)["byteOffset"] = 1ull << 33;
            }).find("run past the end"),
            std::string::npos);
  EXPECT_NE(
      error_after([&](Json& d, Bytes&) { extension(d)["buffer"] = 7; }).find("does not exist"),
      std::string::npos);
  EXPECT_NE(
      error_after([&](Json& d, Bytes&) { extension(d).erase("count"); }).find("needs integer"),
      std::string::npos);
  EXPECT_NE(error_after([&](Json& d, Bytes&) {
              extension(d)["filter"] = "QUATERNION";
            }).find("does not fit byteStride"),
            std::string::npos);
  // A view that claims far more data than its compressed bytes could hold.
  EXPECT_NE(error_after([&](Json& d, Bytes&) {
              Json& view = first_compressed(d);
              view["byteLength"] = 1ull << 32;
              view["extensions"]["EXT_meshopt_compression"]["count"] = 1ull << 28;
            }).find("cannot hold"),
            std::string::npos);
  // Corrupt compressed bytes: the codec refuses them or they decode to other values,
  // never a crash.
  for (std::size_t step : {1u, 7u, 101u}) {
    const Bytes packed = encode(trellis(), true)[0].bytes;
    Json document = glb_json(packed);
    Bytes bin = glb_bin(packed);
    const Json& compressed = first_compressed(document)["extensions"]["EXT_meshopt_compression"];
    const std::size_t offset = compressed["byteOffset"], length = compressed["byteLength"];
    for (std::size_t i = offset; i < offset + length; i += step) bin[i] ^= 0x5a;
    (void)decode_gltf(gltf::assemble_glb(document.dump(), bin), no_files());
  }
}

TEST(GltfDraco, TrellisRoundTripsWithinItsQuantisation) {
  GltfWriteOptions options;
  options.compression = GltfCompression::Draco;
  const Bytes packed = encode_gltf(trellis(), "draco", options)[0].bytes;
  const Json document = glb_json(packed);
  EXPECT_EQ(document["extensionsRequired"], Json::array({"KHR_draco_mesh_compression"}));
  Result<Mesh> decoded = decode_gltf(packed, no_files());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->primitives.size(), trellis().primitives.size());
  EXPECT_EQ(decoded->triangle_count(), trellis().triangle_count());
  EXPECT_EQ(decoded->images[0].encoded, trellis().images[0].encoded);
  // 14 bits over the sample's 1 m extent: under 0.1 mm.
  const Bounds a = trellis().bounds(), b = decoded->bounds();
  EXPECT_NEAR(a.min.y, b.min.y, 1e-4);
  EXPECT_NEAR(a.max.z, b.max.z, 1e-4);
  const Primitive& primitive = decoded->primitives[0];
  EXPECT_EQ(primitive.uv0.size(), primitive.positions.size());
  Mesh geometry = trellis();
  geometry.images.clear();
  geometry.materials.clear();
  geometry.primitives[0].material = -1;
  std::printf("trellis-sample GLB: plain %zu bytes, draco %zu bytes; without textures %zu\n",
              encode_gltf(trellis(), true, "plain")[0].bytes.size(), packed.size(),
              encode_gltf(geometry, "draco", options)[0].bytes.size());
}

// Files from gltfpack (tools/npm): quantised attributes (KHR_mesh_quantization) and
// filtered streams (-cc: octahedral normals), which Atlas's writer does not produce.
TEST(GltfMeshopt, GltfpackOutputDecodes) {
  const fs::path cli =
      fs::path(ATLAS_SOURCE_DIR) / "tools" / "npm" / "node_modules" / "gltfpack" / "cli.js";
  if (!fs::exists(cli) || std::system("node --version > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "node or tools/npm/node_modules is missing (run npm ci in tools/npm)";
  // The trellis sample without its texture (decoding it would dominate the test) and
  // with normals, so gltfpack has a stream to filter.
  Mesh source = trellis();
  source.images.clear();
  source.materials.clear();
  for (Primitive& primitive : source.primitives) {
    primitive.material = -1;
    primitive.normals.clear();
    for (const Vec3& p : primitive.positions)
      primitive.normals.push_back(normalize(p + Vec3{0.01f, 0.02f, 0.03f}));
  }
  const fs::path folder = test::scratch_dir();
  const fs::path input = folder / "source.glb", output = folder / "packed_cc.glb";
  ASSERT_TRUE(write_file_atomic(input, encode_gltf(source, true, "source")[0].bytes).ok());
  const std::string command = "node " + test::shell_quoted(cli) + " -i " +
                              test::shell_quoted(input) + " -o " + test::shell_quoted(output) +
                              " -cc > /dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const Bytes packed = test::must_read(output);
  const Json document = glb_json(packed);
  bool filtered = false;
  for (const Json& view : document["bufferViews"])
    if (view.contains("extensions") &&
        view["extensions"]["EXT_meshopt_compression"].value("filter", "NONE") != "NONE")
      filtered = true;
  EXPECT_TRUE(filtered);
  Result<Mesh> decoded = decode_gltf(packed, no_files());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->triangle_count(), source.triangle_count());
  const Bounds a = source.bounds(), b = decoded->bounds();
  EXPECT_NEAR(a.min.x, b.min.x, 1e-3);
  EXPECT_NEAR(a.max.y, b.max.y, 1e-3);
  EXPECT_NEAR(a.max.z, b.max.z, 1e-3);
  ASSERT_FALSE(decoded->primitives[0].normals.empty());
  for (const Vec3& n : decoded->primitives[0].normals)
    ASSERT_NEAR(std::sqrt(dot(n, n)), 1.0f, 0.02f);
}

}  // namespace
}  // namespace atlas
