#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "formats/mesh_formats.h"
#include "formats/ply_parser.h"
#include "test_support.h"

namespace atlas {
namespace {

Bytes to_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::string decode_error(const Bytes& bytes) {
  auto result = decode_ply_mesh(bytes);
  EXPECT_FALSE(result.ok());
  return result.ok() ? std::string() : result.error().message;
}

// The Stanford bunny's positions and triangles, read from its OBJ here (only v and f
// lines), with per-vertex normals, UVs on a 1/1024 grid and colours on the 8-bit grid
// added so every attribute the PLY writer knows is exercised.
Primitive bunny() {
  const Bytes bytes = test::must_read(test::testdata("meshes/stanford-bunny.obj"));
  std::istringstream lines(std::string(bytes.begin(), bytes.end()));
  Primitive p;
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string keyword;
    words >> keyword;
    if (keyword == "v") {
      Vec3 v;
      words >> v.x >> v.y >> v.z;
      p.positions.push_back(v);
    } else if (keyword == "f") {
      for (int k = 0; k < 3; ++k) {
        std::uint32_t index;
        words >> index;
        p.indices.push_back(index - 1);
      }
    }
  }
  p.normals.assign(p.positions.size(), Vec3{});
  for (std::size_t t = 0; t < p.indices.size(); t += 3) {
    const Vec3 a = p.positions[p.indices[t]], b = p.positions[p.indices[t + 1]],
               c = p.positions[p.indices[t + 2]];
    const Vec3 n = cross(b - a, c - a);
    for (int k = 0; k < 3; ++k) p.normals[p.indices[t + k]] = p.normals[p.indices[t + k]] + n;
  }
  for (Vec3& n : p.normals) n = normalize(n);
  for (std::size_t v = 0; v < p.positions.size(); ++v) {
    p.uv0.push_back(
        {static_cast<float>(v % 1024) / 1024.0f, static_cast<float>((v / 1024) % 1024) / 1024.0f});
    p.colors.push_back(
        {static_cast<float>(v % 256) / 255.0f, static_cast<float>((v / 3) % 256) / 255.0f,
         static_cast<float>((v / 7) % 256) / 255.0f, static_cast<float>((v / 11) % 256) / 255.0f});
  }
  return p;
}

void expect_same_primitive(const Primitive& a, const Primitive& b) {
  ASSERT_EQ(a.positions.size(), b.positions.size());
  for (std::size_t v = 0; v < a.positions.size(); ++v) {
    ASSERT_EQ(a.positions[v], b.positions[v]) << v;
    ASSERT_EQ(a.normals[v], b.normals[v]) << v;
    ASSERT_EQ(a.uv0[v].x, b.uv0[v].x) << v;
    ASSERT_EQ(a.uv0[v].y, b.uv0[v].y) << v;
    ASSERT_EQ(a.colors[v], b.colors[v]) << v;
  }
  EXPECT_EQ(a.indices, b.indices);
}

TEST(PlyMesh, BunnyRoundTripsExactlyInBinary) {
  Mesh mesh;
  mesh.primitives.push_back(bunny());
  ASSERT_EQ(mesh.primitives[0].positions.size(), 35947u);
  ASSERT_EQ(mesh.primitives[0].triangle_count(), 69451u);
  const Bytes written = encode_ply_mesh(mesh);
  FormatDetails details;
  auto reread = decode_ply_mesh(written, &details);
  ASSERT_TRUE(reread.ok()) << reread.error().message;
  EXPECT_EQ(details.format, Format::PlyMesh);
  EXPECT_EQ(details.description, "PLY binary little-endian mesh");
  ASSERT_EQ(reread->primitives.size(), 1u);
  expect_same_primitive(mesh.primitives[0], reread->primitives[0]);
  EXPECT_EQ(encode_ply_mesh(*reread), written);
}

TEST(PlyMesh, BunnyRoundTripsInAscii) {
  Mesh mesh;
  mesh.primitives.push_back(bunny());
  const Bytes written = encode_ply_mesh(mesh, true);
  EXPECT_TRUE(std::string_view(reinterpret_cast<const char*>(written.data()), 20)
                  .starts_with("ply\nformat ascii 1.0"));
  FormatDetails details;
  auto reread = decode_ply_mesh(written, &details);
  ASSERT_TRUE(reread.ok()) << reread.error().message;
  EXPECT_EQ(details.description, "PLY ASCII mesh");
  // Shortest round-trip printing makes ASCII exact as well.
  expect_same_primitive(mesh.primitives[0], reread->primitives[0]);
}

TEST(PlyMesh, PrimitivesAreConcatenated) {
  Primitive first;
  first.positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  first.indices = {0, 1, 2};
  Primitive second;
  second.positions = {{0, 0, 1}, {1, 0, 1}, {0, 1, 1}, {1, 1, 1}};
  second.indices = {0, 1, 2, 2, 1, 3};
  second.colors.assign(4, Vec4{1, 0, 0, 1});
  Mesh mesh;
  mesh.primitives = {first, second};
  auto reread = decode_ply_mesh(encode_ply_mesh(mesh));
  ASSERT_TRUE(reread.ok()) << reread.error().message;
  ASSERT_EQ(reread->primitives.size(), 1u);
  const Primitive& p = reread->primitives[0];
  EXPECT_EQ(p.positions.size(), 7u);
  EXPECT_EQ(p.indices, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 5, 4, 6}));
  ASSERT_EQ(p.colors.size(), 7u);
  EXPECT_EQ(p.colors[0], (Vec4{1, 1, 1, 1}));  // the primitive without colours gets white
  EXPECT_EQ(p.colors[3], (Vec4{1, 0, 0, 1}));
  EXPECT_TRUE(p.normals.empty());
  EXPECT_TRUE(p.uv0.empty());
}

TEST(PlyMesh, PolygonsAreFanTriangulated) {
  const std::string text =
      "ply\nformat ascii 1.0\ncomment a quad and a pentagon\nelement vertex 6\n"
      "property float x\nproperty float y\nproperty float z\n"
      "property float u\nproperty float v\n"
      "property uchar red\nproperty uchar green\nproperty uchar blue\n"
      "element face 3\nproperty list uchar uint vertex_index\nproperty uchar flags\n"
      "end_header\n"
      "0 0 0 0 0 255 0 0\n1 0 0 1 0 0 255 0\n1 1 0 1 1 0 0 255\n0 1 0 0 1 255 255 255\n"
      "0.5 1.5 0 0.5 0.25 0 0 0\n2 2 2 0.75 0.75 51 102 153\n"
      "4 0 1 2 3 7\n5 0 1 2 4 3 0\n2 4 5 1\n";
  auto mesh = decode_ply_mesh(to_bytes(text));
  ASSERT_TRUE(mesh.ok()) << mesh.error().message;
  const Primitive& p = mesh->primitives[0];
  EXPECT_EQ(p.indices, (std::vector<std::uint32_t>{0, 1, 2, 0, 2, 3, 0, 1, 2, 0, 2, 4, 0, 4, 3}));
  ASSERT_EQ(p.uv0.size(), 6u);
  EXPECT_EQ(p.uv0[4].x, 0.5f);
  EXPECT_EQ(p.uv0[4].y, 0.75f);  // PLY v = 0.25 from the bottom is 0.75 from the top
  EXPECT_EQ(p.colors[5], (Vec4{0.2f, 0.4f, 0.6f, 1.0f}));
  EXPECT_TRUE(p.normals.empty());
}

TEST(PlyMesh, BigEndianWithOtherNamesAndTypes) {
  ply::Writer writer(ply::Encoding::BinaryBigEndian);
  writer.element("vertex", 4);
  writer.property(ply::ScalarType::Float64, "x");
  writer.property(ply::ScalarType::Float32, "y");
  writer.property(ply::ScalarType::Int16, "z");
  writer.property(ply::ScalarType::Float32, "nx");
  writer.property(ply::ScalarType::Float32, "ny");
  writer.property(ply::ScalarType::Float32, "nz");
  writer.property(ply::ScalarType::Float32, "texture_u");
  writer.property(ply::ScalarType::Float32, "texture_v");
  writer.property(ply::ScalarType::Float32, "red");
  writer.property(ply::ScalarType::Float32, "green");
  writer.property(ply::ScalarType::Float32, "blue");
  writer.property(ply::ScalarType::UInt16, "alpha");
  writer.element("face", 1);
  writer.list_property(ply::ScalarType::Int32, ply::ScalarType::UInt16, "vertex_indices");
  writer.end_header();
  for (int v = 0; v < 4; ++v) {
    const double row[] = {v * 0.5, -v * 0.25, v - 2.0, 0, 0, 1, v / 4.0, 0.5, 0.25, 0.5, 1, 65535};
    const ply::ScalarType types[] = {
        ply::ScalarType::Float64, ply::ScalarType::Float32, ply::ScalarType::Int16,
        ply::ScalarType::Float32, ply::ScalarType::Float32, ply::ScalarType::Float32,
        ply::ScalarType::Float32, ply::ScalarType::Float32, ply::ScalarType::Float32,
        ply::ScalarType::Float32, ply::ScalarType::Float32, ply::ScalarType::UInt16};
    for (int k = 0; k < 12; ++k) writer.value(types[k], row[k]);
    writer.end_row();
  }
  writer.value(ply::ScalarType::Int32, 4);
  for (int k : {3, 2, 1, 0}) writer.value(ply::ScalarType::UInt16, k);
  writer.end_row();
  FormatDetails details;
  auto mesh = decode_ply_mesh(writer.finish(), &details);
  ASSERT_TRUE(mesh.ok()) << mesh.error().message;
  EXPECT_EQ(details.description, "PLY binary big-endian mesh");
  const Primitive& p = mesh->primitives[0];
  EXPECT_EQ(p.positions[3], (Vec3{1.5f, -0.75f, 1.0f}));
  EXPECT_EQ(p.normals[2], (Vec3{0, 0, 1}));
  EXPECT_EQ(p.uv0[2].x, 0.5f);
  EXPECT_EQ(p.uv0[2].y, 0.5f);
  EXPECT_EQ(p.colors[1], (Vec4{0.25f, 0.5f, 1.0f, 1.0f}));
  EXPECT_EQ(p.indices, (std::vector<std::uint32_t>{3, 2, 1, 3, 1, 0}));
}

TEST(PlyMesh, SplatPlyWithoutFacesIsAPointSet) {
  auto mesh = decode_ply_mesh(test::must_read(test::testdata("splats/404-hamburger.ply")));
  ASSERT_TRUE(mesh.ok()) << mesh.error().message;
  EXPECT_EQ(mesh->vertex_count(), 52709u);
  EXPECT_EQ(mesh->triangle_count(), 0u);
  EXPECT_TRUE(mesh->primitives[0].colors.empty());
}

TEST(PlyMesh, HostileInputsAreRefused) {
  const std::string vertex_header =
      "ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
      "property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n";
  Bytes body(36, 0);
  Bytes bytes = to_bytes(vertex_header);
  bytes.insert(bytes.end(), body.begin(), body.end());
  bytes.push_back(255);  // 255 indices, 8 bytes present
  bytes.insert(bytes.end(), 8, 0);
  std::string message = decode_error(bytes);
  EXPECT_NE(message.find("'face' row 0: data ends early"), std::string::npos) << message;

  bytes.resize(bytes.size() - 9);
  bytes.push_back(3);
  for (std::int32_t index : {0, 1, 7}) {
    const auto* raw = reinterpret_cast<const std::uint8_t*>(&index);
    bytes.insert(bytes.end(), raw, raw + 4);
  }
  message = decode_error(bytes);
  EXPECT_NE(message.find("face 0 refers to vertex 7 but there are only 3"), std::string::npos)
      << message;

  bytes.resize(bytes.size() - 4);
  const std::int32_t negative = -1;
  const auto* raw = reinterpret_cast<const std::uint8_t*>(&negative);
  bytes.insert(bytes.end(), raw, raw + 4);
  EXPECT_NE(decode_error(bytes).find("not a non-negative 32-bit integer"), std::string::npos);

  const std::string huge =
      "ply\nformat binary_little_endian 1.0\nelement vertex 4000000000\nproperty float x\nproperty "
      "float y\n"
      "property float z\nend_header\n";
  EXPECT_NE(decode_error(to_bytes(huge + std::string(64, '\0'))).find("declares 4000000000 rows"),
            std::string::npos);
  const std::string huge_faces =
      "ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
      "property float z\nelement face 4000000000\nproperty list uchar int "
      "vertex_indices\nend_header\n";
  EXPECT_NE(
      decode_error(to_bytes(huge_faces + std::string(64, '\0'))).find("declares 4000000000 rows"),
      std::string::npos);

  const std::string no_y =
      "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float z\nend_header\n0 "
      "0\n";
  EXPECT_NE(decode_error(to_bytes(no_y)).find("missing property 'y'"), std::string::npos);
  const std::string nan_position =
      "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float "
      "z\nend_header\n"
      "0 0 0\n0 nan 0\n";
  EXPECT_NE(decode_error(to_bytes(nan_position)).find("vertex 1: position is not finite"),
            std::string::npos);
  const std::string no_vertices = "ply\nformat ascii 1.0\nelement face 0\nend_header\n";
  EXPECT_NE(decode_error(to_bytes(no_vertices)).find("no 'vertex' element"), std::string::npos);
  EXPECT_NE(
      decode_error(to_bytes("ply\nformat ascii 1.0\nelement vertex 1\n")).find("no end_header"),
      std::string::npos);
}

}  // namespace
}  // namespace atlas
