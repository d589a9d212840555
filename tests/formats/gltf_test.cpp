#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "formats/glb_container.h"
#include "formats/image_io.h"
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

Mesh must_decode(ByteView bytes, const ResourceLoader& load = no_files(),
                 FormatDetails* details = nullptr) {
  Result<Mesh> mesh = decode_gltf(bytes, load, details);
  EXPECT_TRUE(mesh.ok()) << mesh.error().message;
  return mesh.ok() ? std::move(mesh).value() : Mesh{};
}

std::string decode_error(ByteView bytes, const ResourceLoader& load = no_files()) {
  Result<Mesh> mesh = decode_gltf(bytes, load);
  EXPECT_FALSE(mesh.ok());
  return mesh.ok() ? std::string() : mesh.error().message;
}

Mesh testdata_mesh(const std::string& name, FormatDetails* details = nullptr) {
  return must_decode(test::must_read(test::testdata("meshes/" + name)), no_files(), details);
}

// A GLB built by hand, independent of the writer under test.
Bytes make_glb(const Json& document, const Bytes& bin) {
  std::string json = document.dump();
  json.resize((json.size() + 3) / 4 * 4, ' ');
  Bytes padded = bin;
  padded.resize((padded.size() + 3) / 4 * 4, 0);
  Bytes out;
  auto put32 = [&out](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put32(0x46546C67);
  put32(2);
  put32(
      static_cast<std::uint32_t>(12 + 8 + json.size() + (padded.empty() ? 0 : 8 + padded.size())));
  put32(static_cast<std::uint32_t>(json.size()));
  put32(0x4E4F534A);
  out.insert(out.end(), json.begin(), json.end());
  if (!padded.empty()) {
    put32(static_cast<std::uint32_t>(padded.size()));
    put32(0x004E4942);
    out.insert(out.end(), padded.begin(), padded.end());
  }
  return out;
}

// Appends typed arrays to a binary buffer and describes them as bufferViews/accessors.
struct DocumentMaker {
  Json document = {{"asset", {{"version", "2.0"}}},
                   {"bufferViews", Json::array()},
                   {"accessors", Json::array()}};
  Bytes bin;

  template <typename T>
  int view(const std::vector<T>& values) {
    bin.resize((bin.size() + 3) / 4 * 4, 0);
    const std::size_t offset = bin.size();
    bin.resize(offset + values.size() * sizeof(T));
    std::memcpy(bin.data() + offset, values.data(), values.size() * sizeof(T));
    document["bufferViews"].push_back(
        {{"buffer", 0}, {"byteOffset", offset}, {"byteLength", values.size() * sizeof(T)}});
    return static_cast<int>(document["bufferViews"].size() - 1);
  }

  template <typename T>
  int accessor(const std::vector<T>& values, int component_type, const char* type,
               std::size_t count, bool normalized = false) {
    Json accessor = {{"bufferView", view(values)},
                     {"componentType", component_type},
                     {"count", count},
                     {"type", type}};
    if (normalized) accessor["normalized"] = true;
    document["accessors"].push_back(accessor);
    return static_cast<int>(document["accessors"].size() - 1);
  }

  Bytes glb() {
    document["buffers"] = Json::array({{{"byteLength", bin.size()}}});
    return make_glb(document, bin);
  }
};

// One triangle in the XY plane facing +Z, with normals.
DocumentMaker one_triangle_document() {
  DocumentMaker maker;
  const int positions =
      maker.accessor(std::vector<float>{0, 0, 0, 1, 0, 0, 0, 1, 0}, 5126, "VEC3", 3);
  const int normals =
      maker.accessor(std::vector<float>{0, 0, 1, 0, 0, 1, 0, 0, 1}, 5126, "VEC3", 3);
  const int indices = maker.accessor(std::vector<std::uint16_t>{0, 1, 2}, 5123, "SCALAR", 3);
  maker.document["meshes"] = Json::array(
      {{{"primitives", Json::array({{{"attributes", {{"POSITION", positions}, {"NORMAL", normals}}},
                                     {"indices", indices}}})}}});
  return maker;
}

void expect_same_geometry(const Mesh& a, const Mesh& b) {
  ASSERT_EQ(a.primitives.size(), b.primitives.size());
  for (std::size_t i = 0; i < a.primitives.size(); ++i) {
    const Primitive& p = a.primitives[i];
    const Primitive& q = b.primitives[i];
    ASSERT_EQ(p.positions.size(), q.positions.size());
    for (std::size_t v = 0; v < p.positions.size(); ++v)
      ASSERT_EQ(p.positions[v], q.positions[v]) << v;
    EXPECT_EQ(p.indices, q.indices);
    ASSERT_EQ(p.normals.size(), q.normals.size());
    for (std::size_t v = 0; v < p.normals.size(); ++v) ASSERT_EQ(p.normals[v], q.normals[v]) << v;
    ASSERT_EQ(p.uv0.size(), q.uv0.size());
    for (std::size_t v = 0; v < p.uv0.size(); ++v) {
      ASSERT_EQ(p.uv0[v].x, q.uv0[v].x);
      ASSERT_EQ(p.uv0[v].y, q.uv0[v].y);
    }
    EXPECT_EQ(p.material, q.material);
  }
}

void expect_same_materials(const Mesh& a, const Mesh& b) {
  ASSERT_EQ(a.materials.size(), b.materials.size());
  for (std::size_t i = 0; i < a.materials.size(); ++i) {
    const Material& m = a.materials[i];
    const Material& n = b.materials[i];
    EXPECT_EQ(m.name, n.name);
    EXPECT_EQ(m.base_color_factor, n.base_color_factor);
    EXPECT_EQ(m.metallic_factor, n.metallic_factor);
    EXPECT_EQ(m.roughness_factor, n.roughness_factor);
    EXPECT_EQ(m.emissive_factor, n.emissive_factor);
    EXPECT_EQ(m.alpha_mode, n.alpha_mode);
    EXPECT_EQ(m.double_sided, n.double_sided);
    EXPECT_EQ(m.base_color_texture.image, n.base_color_texture.image);
    EXPECT_EQ(m.metallic_roughness_texture.image, n.metallic_roughness_texture.image);
    EXPECT_EQ(m.normal_texture.image, n.normal_texture.image);
    EXPECT_EQ(m.occlusion_texture.image, n.occlusion_texture.image);
    EXPECT_EQ(m.emissive_texture.image, n.emissive_texture.image);
    EXPECT_EQ(m.base_color_texture.sampler.min_filter, n.base_color_texture.sampler.min_filter);
  }
}

TEST(GltfRead, TrellisSampleHasItsVerticesTrianglesAndTexture) {
  FormatDetails details;
  const Mesh mesh = testdata_mesh("trellis-sample.glb", &details);
  EXPECT_EQ(details.format, Format::Glb);
  EXPECT_EQ(details.description, "GLB, 1 mesh, 1 primitive");
  EXPECT_EQ(mesh.vertex_count(), 9519u);
  EXPECT_EQ(mesh.triangle_count(), 9317u);
  ASSERT_EQ(mesh.primitives.size(), 1u);
  EXPECT_TRUE(mesh.primitives[0].normals.empty());
  EXPECT_EQ(mesh.primitives[0].uv0.size(), 9519u);
  ASSERT_EQ(mesh.images.size(), 1u);
  EXPECT_EQ(mesh.images[0].mime_type, "image/png");
  EXPECT_GT(mesh.images[0].pixels.width, 0);
  EXPECT_EQ(mesh.images[0].pixels.channels, 4);
  EXPECT_EQ(mesh.images[0].pixels.pixels.size(),
            std::size_t(mesh.images[0].pixels.width) * mesh.images[0].pixels.height * 4);
  ASSERT_EQ(mesh.materials.size(), 1u);
  EXPECT_EQ(mesh.materials[0].base_color_texture.image, 0);
  // The file's POSITION accessor min/max (no node transform).
  const Bounds bounds = mesh.bounds();
  EXPECT_FLOAT_EQ(bounds.min.x, -0.15805400907993317f);
  EXPECT_FLOAT_EQ(bounds.min.y, -0.3095570504665375f);
  EXPECT_FLOAT_EQ(bounds.min.z, -0.49982118606567383f);
  EXPECT_FLOAT_EQ(bounds.max.x, 0.15616044402122498f);
  EXPECT_FLOAT_EQ(bounds.max.y, 0.2954442501068115f);
  EXPECT_FLOAT_EQ(bounds.max.z, 0.5004579424858093f);
}

TEST(GltfRead, DamagedHelmetHasFiveTexturesAndItsNodeRotationBaked) {
  const Mesh mesh = testdata_mesh("DamagedHelmet.glb");
  EXPECT_EQ(mesh.vertex_count(), 14556u);
  EXPECT_EQ(mesh.triangle_count(), 15452u);
  EXPECT_EQ(mesh.images.size(), 5u);
  ASSERT_EQ(mesh.materials.size(), 1u);
  const Material& material = mesh.materials[0];
  EXPECT_EQ(material.name, "Material_MR");
  EXPECT_TRUE(material.base_color_texture.present());
  EXPECT_TRUE(material.metallic_roughness_texture.present());
  EXPECT_TRUE(material.normal_texture.present());
  EXPECT_TRUE(material.occlusion_texture.present());
  EXPECT_TRUE(material.emissive_texture.present());
  EXPECT_EQ(material.emissive_factor, (Vec3{1, 1, 1}));
  for (const MeshImage& image : mesh.images) EXPECT_EQ(image.mime_type, "image/jpeg");
  // The node turns the model +90 degrees about X: (x, y, z) -> (x, -z, y) applied to the
  // accessor's min/max.
  const Bounds bounds = mesh.bounds();
  EXPECT_NEAR(bounds.min.x, -0.9474585652351379, 1e-5);
  EXPECT_NEAR(bounds.max.x, 0.9424954056739807, 1e-5);
  EXPECT_NEAR(bounds.min.y, -0.900973916053772, 1e-5);
  EXPECT_NEAR(bounds.max.y, 0.9009949564933777, 1e-5);
  EXPECT_NEAR(bounds.min.z, -1.18715500831604, 1e-5);
  EXPECT_NEAR(bounds.max.z, 0.8128451108932495, 1e-5);
  // Normals stay unit length after the rotation.
  for (const Vec3& n : mesh.primitives[0].normals) ASSERT_NEAR(length(n), 1.0f, 1e-4f);
}

TEST(GltfRead, FoxLoadsInBindPoseAndSaysTheSkinIsDropped) {
  FormatDetails details;
  const Mesh mesh = testdata_mesh("Fox.glb", &details);
  EXPECT_EQ(details.description, "GLB, 1 mesh, 1 primitive; skin and 3 animations not kept");
  EXPECT_EQ(mesh.vertex_count(), 1728u);
  EXPECT_EQ(mesh.triangle_count(), 576u);
  EXPECT_EQ(mesh.images.size(), 1u);
  EXPECT_EQ(mesh.materials[0].roughness_factor, 0.58f);
  EXPECT_EQ(mesh.materials[0].metallic_factor, 0.0f);
  EXPECT_EQ(mesh.materials[0].base_color_texture.sampler.min_filter, 9987);
  const Bounds bounds = mesh.bounds();
  EXPECT_FLOAT_EQ(bounds.min.y, -0.12174476683139801f);
  EXPECT_FLOAT_EQ(bounds.max.y, 78.90718841552734f);
  EXPECT_FLOAT_EQ(bounds.min.z, -88.09500122070312f);
}

TEST(GltfRoundTrip, GlbToGlbKeepsGeometryMaterialsAndImageBytesExactly) {
  for (const char* name : {"trellis-sample.glb", "DamagedHelmet.glb", "Fox.glb"}) {
    SCOPED_TRACE(name);
    const Mesh original = testdata_mesh(name);
    const std::vector<OutputFile> files = encode_gltf(original, true, "out");
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "out.glb");
    const Mesh again = must_decode(files[0].bytes);
    expect_same_geometry(original, again);
    expect_same_materials(original, again);
    ASSERT_EQ(again.images.size(), original.images.size());
    for (std::size_t i = 0; i < original.images.size(); ++i) {
      EXPECT_TRUE(again.images[i].encoded == original.images[i].encoded) << "image " << i;
    }
  }
}

TEST(GltfRoundTrip, GlbToGltfWithSidecarsAndBackToGlb) {
  const Mesh original = testdata_mesh("DamagedHelmet.glb");
  const fs::path folder = test::scratch_dir();
  const std::vector<OutputFile> files = encode_gltf(original, false, "helmet");
  ASSERT_EQ(files.size(), 7u);
  EXPECT_EQ(files[0].name, "helmet.gltf");
  EXPECT_EQ(files[1].name, "helmet.bin");
  EXPECT_EQ(files[2].name, "helmet_0.jpg");
  for (const OutputFile& file : files)
    ASSERT_TRUE(write_file_atomic(folder / file.name, file.bytes).ok());
  const Json document = Json::parse(std::string(files[0].bytes.begin(), files[0].bytes.end()));
  EXPECT_EQ(document["asset"]["generator"], "Atlas 0.1.0");
  EXPECT_EQ(document["buffers"][0]["uri"], "helmet.bin");

  std::vector<std::string> requested;
  const ResourceLoader loader = [&](std::string_view uri) -> Result<Bytes> {
    requested.emplace_back(uri);
    return read_file(folder / std::string(uri));
  };
  FormatDetails details;
  const Mesh from_gltf = must_decode(files[0].bytes, loader, &details);
  EXPECT_EQ(details.format, Format::Gltf);
  EXPECT_EQ(requested.size(), 6u);  // the .bin and five images, all through the loader
  expect_same_geometry(original, from_gltf);
  expect_same_materials(original, from_gltf);
  for (std::size_t i = 0; i < original.images.size(); ++i) {
    EXPECT_TRUE(from_gltf.images[i].encoded == original.images[i].encoded);
  }
  const Mesh back = must_decode(encode_gltf(from_gltf, true, "back")[0].bytes);
  expect_same_geometry(original, back);
  expect_same_materials(original, back);
}

TEST(GltfRoundTrip, TextureTransformIsKept) {
  Mesh mesh = testdata_mesh("trellis-sample.glb");
  TextureTransform& transform = mesh.materials[0].base_color_texture.transform;
  transform.present = true;
  transform.offset = {0.25f, 0.5f};
  transform.rotation = 0.5f;
  transform.scale = {2, 3};
  transform.texcoord = 0;
  const Bytes glb = encode_gltf(mesh, true, "t")[0].bytes;
  const Mesh again = must_decode(glb);
  const TextureTransform& read = again.materials[0].base_color_texture.transform;
  EXPECT_TRUE(read.present);
  EXPECT_EQ(read.offset.x, 0.25f);
  EXPECT_EQ(read.offset.y, 0.5f);
  EXPECT_EQ(read.rotation, 0.5f);
  EXPECT_EQ(read.scale.x, 2.0f);
  EXPECT_EQ(read.scale.y, 3.0f);
  EXPECT_EQ(read.texcoord, 0);
}

TEST(GltfRead, DracoCompressedBunnyDecodes) {
  const Bytes draco = test::must_read(test::testdata("meshes/bunny.drc"));
  Json document = {{"asset", {{"version", "2.0"}}},
                   {"extensionsUsed", {"KHR_draco_mesh_compression"}},
                   {"extensionsRequired", {"KHR_draco_mesh_compression"}},
                   {"buffers", {{{"byteLength", draco.size()}}}},
                   {"bufferViews", {{{"buffer", 0}, {"byteLength", draco.size()}}}},
                   // Counts are placeholders: the Draco data decides them.
                   {"accessors",
                    {{{"componentType", 5126}, {"count", 1}, {"type", "VEC3"}},
                     {{"componentType", 5125}, {"count", 3}, {"type", "SCALAR"}}}},
                   {"meshes",
                    {{{"primitives",
                       {{{"attributes", {{"POSITION", 0}}},
                         {"indices", 1},
                         {"extensions",
                          {{"KHR_draco_mesh_compression",
                            {{"bufferView", 0}, {"attributes", {{"POSITION", 0}}}}}}}}}}}}},
                   {"nodes", {{{"mesh", 0}}}},
                   {"scenes", {{{"nodes", {0}}}}}};
  FormatDetails details;
  const Mesh mesh = must_decode(make_glb(document, draco), no_files(), &details);
  EXPECT_EQ(details.description, "GLB, 1 mesh, 1 primitive, Draco");
  // The same Stanford bunny as stanford-bunny.obj.
  EXPECT_EQ(mesh.vertex_count(), 34834u);
  EXPECT_EQ(mesh.triangle_count(), 69451u);
  EXPECT_TRUE(mesh.validate().empty());
  const Bounds bounds = mesh.bounds();
  EXPECT_FALSE(bounds.empty());
  EXPECT_LT(bounds.longest_side(), 1.0f);

  document["meshes"][0]["primitives"][0]["extensions"]["KHR_draco_mesh_compression"]["attributes"]
          ["POSITION"] = 7;
  EXPECT_NE(decode_error(make_glb(document, draco)).find("Draco attribute id 7 does not exist"),
            std::string::npos);
  document["meshes"][0]["primitives"][0]["extensions"]["KHR_draco_mesh_compression"]["bufferView"] =
      5;
  EXPECT_NE(decode_error(make_glb(document, draco)).find("bufferView 5 does not exist"),
            std::string::npos);
  Bytes corrupt = draco;
  std::fill(corrupt.begin() + 16, corrupt.end(), 0xAB);
  document["meshes"][0]["primitives"][0]["extensions"]["KHR_draco_mesh_compression"]["bufferView"] =
      0;
  document["meshes"][0]["primitives"][0]["extensions"]["KHR_draco_mesh_compression"]["attributes"]
          ["POSITION"] = 0;
  EXPECT_NE(decode_error(make_glb(document, corrupt)).find("Draco"), std::string::npos);
}

TEST(GltfRead, SceneIsFlattenedWithNodeTransformsAndMirroringFlipsWinding) {
  DocumentMaker maker = one_triangle_document();
  // Node 0 scales by 2 and holds node 1 (translated by x + 1) and node 2 (mirrored in
  // X by a matrix); both instance mesh 0.
  maker.document["nodes"] = {
      {{"scale", {2, 2, 2}}, {"children", {1, 2}}},
      {{"translation", {1, 0, 0}}, {"mesh", 0}},
      {{"matrix", {-1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}}, {"mesh", 0}}};
  maker.document["scenes"] = {{{"nodes", {0}}}};
  maker.document["scene"] = 0;
  const Mesh mesh = must_decode(maker.glb());
  ASSERT_EQ(mesh.primitives.size(), 2u);
  const Primitive& moved = mesh.primitives[0];
  EXPECT_EQ(moved.positions[0], (Vec3{2, 0, 0}));
  EXPECT_EQ(moved.positions[1], (Vec3{4, 0, 0}));
  EXPECT_EQ(moved.positions[2], (Vec3{2, 2, 0}));
  EXPECT_EQ(moved.indices, (std::vector<std::uint32_t>{0, 1, 2}));
  const Primitive& mirrored = mesh.primitives[1];
  EXPECT_EQ(mirrored.positions[1], (Vec3{-2, 0, 0}));
  EXPECT_EQ(mirrored.indices, (std::vector<std::uint32_t>{0, 2, 1}));
  // The mirrored triangle still faces +Z after the winding flip, and so does its normal.
  const Vec3 a = mirrored.positions[mirrored.indices[0]],
             b = mirrored.positions[mirrored.indices[1]],
             c = mirrored.positions[mirrored.indices[2]];
  EXPECT_GT(cross(b - a, c - a).z, 0);
  EXPECT_EQ(mirrored.normals[0], (Vec3{0, 0, 1}));
}

TEST(GltfRead, StripsFansNonIndexedAndSkippedLines) {
  DocumentMaker maker;
  const int quad =
      maker.accessor(std::vector<float>{0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0}, 5126, "VEC3", 4);
  const int strip = maker.accessor(std::vector<std::uint8_t>{0, 1, 2, 3}, 5121, "SCALAR", 4);
  maker.document["meshes"] = {
      {{"primitives",
        {{{"attributes", {{"POSITION", quad}}}, {"indices", strip}, {"mode", 5}},
         {{"attributes", {{"POSITION", quad}}}, {"mode", 6}},
         {{"attributes", {{"POSITION", quad}}}, {"indices", strip}, {"mode", 1}},
         {{"attributes", {{"POSITION", quad}}}, {"mode", 0}}}}}};
  FormatDetails details;
  const Mesh mesh = must_decode(maker.glb(), no_files(), &details);
  ASSERT_EQ(mesh.primitives.size(), 2u);
  EXPECT_EQ(mesh.primitives[0].indices, (std::vector<std::uint32_t>{0, 1, 2, 1, 3, 2}));
  EXPECT_EQ(mesh.primitives[1].indices, (std::vector<std::uint32_t>{1, 2, 0, 2, 3, 0}));
  EXPECT_NE(details.description.find("2 point/line primitives not kept"), std::string::npos)
      << details.description;

  DocumentMaker plain;
  const int triangle =
      plain.accessor(std::vector<float>{0, 0, 0, 1, 0, 0, 0, 1, 0}, 5126, "VEC3", 3);
  plain.document["meshes"] = {{{"primitives", {{{"attributes", {{"POSITION", triangle}}}}}}}};
  EXPECT_EQ(must_decode(plain.glb()).primitives[0].indices, (std::vector<std::uint32_t>{0, 1, 2}));
}

TEST(GltfRead, IntegerAndSparseAccessorsAreConverted) {
  DocumentMaker maker;
  const int positions =
      maker.accessor(std::vector<std::int16_t>{0, 0, 0, 10, 0, 0, 0, 10, 0, 0}, 5122, "VEC3", 3);
  const int uvs = maker.accessor(std::vector<std::uint8_t>{0, 255, 255, 0, 51, 102, 0, 0}, 5121,
                                 "VEC2", 3, true);
  const int colors = maker.accessor(
      std::vector<std::uint16_t>{65535, 0, 0, 0, 65535, 0, 0, 0, 65535, 0}, 5123, "VEC3", 3, true);
  const int normals = maker.accessor(
      std::vector<std::int8_t>{0, 0, 127, 0, 0, -128, 0, 127, 0, 0, 0, 0}, 5120, "VEC3", 3, true);
  // Sparse: vertex 2's position replaced by (0, 20, 0).
  const int sparse_indices = maker.view(std::vector<std::uint16_t>{2, 0});
  const int sparse_values = maker.view(std::vector<std::int16_t>{0, 20, 0});
  maker.document["accessors"][positions]["sparse"] = {
      {"count", 1},
      {"indices", {{"bufferView", sparse_indices}, {"componentType", 5123}}},
      {"values", {{"bufferView", sparse_values}}}};
  maker.document["meshes"] = {{{"primitives",
                                {{{"attributes",
                                   {{"POSITION", positions},
                                    {"TEXCOORD_0", uvs},
                                    {"COLOR_0", colors},
                                    {"NORMAL", normals}}}}}}}};
  const Mesh mesh = must_decode(maker.glb());
  const Primitive& p = mesh.primitives[0];
  EXPECT_EQ(p.positions[1], (Vec3{10, 0, 0}));
  EXPECT_EQ(p.positions[2], (Vec3{0, 20, 0}));
  EXPECT_FLOAT_EQ(p.uv0[0].y, 1.0f);
  EXPECT_FLOAT_EQ(p.uv0[2].x, 0.2f);
  EXPECT_EQ(p.colors[1], (Vec4{0, 1, 0, 1}));
  EXPECT_EQ(p.normals[0], (Vec3{0, 0, 1}));
  EXPECT_EQ(p.normals[1], (Vec3{0, 0, -1}));
}

TEST(GltfRead, ExternalFilesGoThroughTheLoaderAndAMissingImageIsANote) {
  DocumentMaker maker = one_triangle_document();
  Image pixels(2, 2, 4);
  std::fill(pixels.pixels.begin(), pixels.pixels.end(), 200);
  const Bytes png = encode_png(pixels);
  maker.document["buffers"] = {{{"uri", "tri angle.bin"}, {"byteLength", maker.bin.size()}}};
  maker.document["images"] = {{{"uri", "tex.png"}}, {{"uri", "gone.png"}}};
  maker.document["textures"] = {{{"source", 0}}, {{"source", 1}}};
  maker.document["materials"] = {{{"pbrMetallicRoughness", {{"baseColorTexture", {{"index", 0}}}}},
                                  {"emissiveTexture", {{"index", 1}}}}};
  maker.document["meshes"][0]["primitives"][0]["material"] = 0;
  std::map<std::string, Bytes> files = {{"tri angle.bin", maker.bin}, {"tex.png", png}};
  std::vector<std::string> requested;
  const ResourceLoader loader = [&](std::string_view uri) -> Result<Bytes> {
    requested.emplace_back(uri);
    auto it = files.find(std::string(uri));
    if (it == files.end()) return make_error("not found");
    return it->second;
  };
  FormatDetails details;
  const std::string text = maker.document.dump();
  const Mesh mesh = must_decode(
      ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), loader, &details);
  EXPECT_EQ(requested, (std::vector<std::string>{"tri angle.bin", "tex.png", "gone.png"}));
  ASSERT_EQ(mesh.images.size(), 1u);
  EXPECT_EQ(mesh.images[0].encoded, png);
  EXPECT_EQ(mesh.images[0].name, "tex.png");
  EXPECT_EQ(mesh.materials[0].base_color_texture.image, 0);
  EXPECT_FALSE(mesh.materials[0].emissive_texture.present());
  EXPECT_NE(details.description.find("image 'gone.png' could not be loaded"), std::string::npos);

  // A missing buffer is an error, not a note.
  files.erase("tri angle.bin");
  EXPECT_NE(decode_error(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                         loader)
                .find("tri angle.bin"),
            std::string::npos);
}

TEST(GltfRead, DataUriBuffersAreDecoded) {
  DocumentMaker maker = one_triangle_document();
  static const char* kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  for (std::size_t i = 0; i < maker.bin.size(); i += 3) {
    const std::uint32_t chunk =
        (std::uint32_t(maker.bin[i]) << 16) |
        (i + 1 < maker.bin.size() ? std::uint32_t(maker.bin[i + 1]) << 8 : 0) |
        (i + 2 < maker.bin.size() ? maker.bin[i + 2] : 0);
    encoded += kBase64[chunk >> 18 & 63];
    encoded += kBase64[chunk >> 12 & 63];
    encoded += i + 1 < maker.bin.size() ? kBase64[chunk >> 6 & 63] : '=';
    encoded += i + 2 < maker.bin.size() ? kBase64[chunk & 63] : '=';
  }
  maker.document["buffers"] = {{{"uri", "data:application/octet-stream;base64," + encoded},
                                {"byteLength", maker.bin.size()}}};
  const std::string text = maker.document.dump();
  const Mesh mesh =
      must_decode(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  EXPECT_EQ(mesh.primitives[0].positions[1], (Vec3{1, 0, 0}));
}

// ---------------------------------------------------------------------------------
// Hostile input

TEST(GltfHostile, TruncatedGlbWrongMagicAndChunkPastTheEnd) {
  const Bytes glb = test::must_read(test::testdata("meshes/trellis-sample.glb"));
  const Bytes truncated(glb.begin(), glb.begin() + glb.size() / 2);
  EXPECT_NE(decode_error(truncated).find("truncated"), std::string::npos);
  EXPECT_NE(decode_error(Bytes(glb.begin(), glb.begin() + 10)).find("truncated header"),
            std::string::npos);

  Bytes wrong_magic = glb;
  wrong_magic[0] = 'x';
  EXPECT_FALSE(decode_error(wrong_magic).empty());

  Bytes json_too_long = glb;
  const std::uint32_t huge = 0x7FFFFFF0;
  std::memcpy(json_too_long.data() + 12, &huge, 4);
  EXPECT_NE(decode_error(json_too_long).find("JSON chunk length"), std::string::npos);

  // The BIN chunk claims more bytes than follow it.
  Bytes bin_too_long = glb;
  std::uint32_t json_length = 0;
  std::memcpy(&json_length, glb.data() + 12, 4);
  std::uint32_t bin_length = 0;
  std::memcpy(&bin_length, glb.data() + 20 + json_length, 4);
  bin_length += 8;
  std::memcpy(bin_too_long.data() + 20 + json_length, &bin_length, 4);
  EXPECT_NE(decode_error(bin_too_long).find("BIN chunk length"), std::string::npos);
}

TEST(GltfHostile, AccessorPastTheBufferIndexOutOfRangeAndNaN) {
  {
    DocumentMaker maker = one_triangle_document();
    maker.document["accessors"][0]["count"] = 1000000;
    EXPECT_NE(decode_error(maker.glb()).find("run past the end of bufferView"), std::string::npos);
  }
  {
    DocumentMaker maker = one_triangle_document();
    maker.document["bufferViews"][0]["byteLength"] = 1 << 30;
    EXPECT_NE(decode_error(maker.glb()).find("runs past the end of buffer"), std::string::npos);
  }
  {
    DocumentMaker maker = one_triangle_document();
    std::uint16_t bad = 7;
    std::memcpy(
        maker.bin.data() + maker.document["bufferViews"][2]["byteOffset"].get<std::size_t>() + 2,
        &bad, 2);
    EXPECT_NE(decode_error(maker.glb()).find("index 7 is out of range"), std::string::npos);
  }
  {
    DocumentMaker maker = one_triangle_document();
    const float nan = std::nanf("");
    std::memcpy(maker.bin.data() + 4, &nan, 4);
    EXPECT_NE(decode_error(maker.glb()).find("not finite"), std::string::npos);
  }
  {
    DocumentMaker maker = one_triangle_document();
    maker.document["accessors"][0]["bufferView"] = 99;
    EXPECT_NE(decode_error(maker.glb()).find("bufferView 99 does not exist"), std::string::npos);
  }
}

TEST(GltfHostile, InstancingBeyondTheFlatteningCapIsRefused) {
  // 65,535 vertices instanced by 1,100 nodes would flatten to 72 million vertices.
  DocumentMaker maker;
  const int positions = maker.accessor(std::vector<float>(65535 * 3, 0.0f), 5126, "VEC3", 65535);
  maker.document["meshes"] = {{{"primitives", {{{"attributes", {{"POSITION", positions}}}}}}}};
  Json nodes = Json::array();
  Json roots = Json::array();
  for (int i = 0; i < 1100; ++i) {
    nodes.push_back({{"mesh", 0}});
    roots.push_back(i);
  }
  maker.document["nodes"] = nodes;
  maker.document["scenes"] = {{{"nodes", roots}}};
  EXPECT_NE(decode_error(maker.glb()).find("flattening the scene"), std::string::npos);
}

TEST(GltfHostile, BrokenReferencesAndDocuments) {
  {
    DocumentMaker maker = one_triangle_document();
    maker.document["nodes"] = {{{"mesh", 0}, {"children", {1}}}, {{"children", {0}}}};
    maker.document["scenes"] = {{{"nodes", {0}}}};
    EXPECT_NE(decode_error(maker.glb()).find("reached twice"), std::string::npos);
  }
  {
    DocumentMaker maker = one_triangle_document();
    maker.document["extensionsRequired"] = {"KHR_texture_basisu"};
    EXPECT_NE(decode_error(maker.glb()).find("KHR_texture_basisu"), std::string::npos);
  }
  {
    DocumentMaker maker = one_triangle_document();
    maker.document["images"] = {{{"bufferView", 0}, {"mimeType", "image/png"}}};
    maker.document["bufferViews"][0]["byteOffset"] = 1 << 20;
    EXPECT_NE(decode_error(maker.glb()).find("image 0"), std::string::npos);
  }
  {
    DocumentMaker maker = one_triangle_document();
    maker.document["meshes"][0]["primitives"][0]["material"] = 3;
    EXPECT_NE(decode_error(maker.glb()).find("material 3 does not exist"), std::string::npos);
  }
  const std::string not_json = "{\"asset\": {\"version\": \"2.0\"";
  EXPECT_NE(decode_error(
                ByteView(reinterpret_cast<const std::uint8_t*>(not_json.data()), not_json.size()))
                .find("malformed"),
            std::string::npos);
}

TEST(GltfWriter, LevelsOfDetailUseMsftLodAndShareMaterials) {
  const Mesh helmet = must_decode(test::must_read(test::testdata("meshes/DamagedHelmet.glb")));
  Mesh coarse;
  coarse.primitives.push_back(helmet.primitives[0]);
  coarse.primitives[0].indices.resize(300);
  GltfWriteOptions options;
  options.lods = {&coarse};
  options.screen_coverage = {0.5f, 0.125f};
  options.asset_extras = R"({"atlas": {"pipeline": "game-ready"}})";
  const Bytes glb = encode_gltf(helmet, "lods", options)[0].bytes;
  Result<gltf::GlbParts> parts = gltf::split_glb(glb);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  const nlohmann::json document = nlohmann::json::parse(parts->json);
  ASSERT_EQ(document["nodes"].size(), 2u);
  EXPECT_EQ(document["scenes"][0]["nodes"], nlohmann::json::array({0}));
  EXPECT_EQ(document["nodes"][0]["extensions"]["MSFT_lod"]["ids"], nlohmann::json::array({1}));
  EXPECT_EQ(document["nodes"][0]["extras"]["MSFT_screencoverage"].size(), 2u);
  EXPECT_EQ(document["extensionsUsed"], nlohmann::json::array({"MSFT_lod"}));
  EXPECT_EQ(document["meshes"][1]["primitives"][0]["material"],
            document["meshes"][0]["primitives"][0]["material"]);
  EXPECT_EQ(document["asset"]["generator"].get<std::string>().rfind("Atlas", 0), 0u);
  EXPECT_EQ(document["asset"]["extras"]["atlas"]["pipeline"], "game-ready");
  // Readers that know no MSFT_lod see the scene's finest level only.
  EXPECT_EQ(must_decode(glb).triangle_count(), helmet.triangle_count());
}

}  // namespace
}  // namespace atlas
