#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "formats/mesh_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

ByteView text_bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Mesh testdata_bunny() {
  const std::filesystem::path path = test::testdata("meshes/stanford-bunny.obj");
  Result<Mesh> mesh = decode_obj(test::must_read(path), [](std::string_view) -> Result<Bytes> {
    return make_error("no sidecars");
  });
  EXPECT_TRUE(mesh.ok()) << mesh.error().message;
  return mesh.ok() ? std::move(mesh).value() : Mesh{};
}

Mesh must_decode(ByteView bytes, FormatDetails* details = nullptr) {
  Result<Mesh> mesh = decode_stl(bytes, details);
  EXPECT_TRUE(mesh.ok()) << mesh.error().message;
  return mesh.ok() ? std::move(mesh).value() : Mesh{};
}

std::string decode_error(ByteView bytes) {
  Result<Mesh> mesh = decode_stl(bytes);
  EXPECT_FALSE(mesh.ok());
  return mesh.ok() ? std::string() : mesh.error().message;
}

// The triangles of a mesh as position triples, in order.
std::vector<std::array<Vec3, 3>> triangles(const Mesh& mesh) {
  std::vector<std::array<Vec3, 3>> out;
  for (const Primitive& p : mesh.primitives) {
    for (std::size_t t = 0; t < p.indices.size(); t += 3) {
      out.push_back({p.positions[p.indices[t]], p.positions[p.indices[t + 1]],
                     p.positions[p.indices[t + 2]]});
    }
  }
  return out;
}

TEST(StlRoundTrip, BinaryBunnyIsExactAndWelded) {
  const Mesh bunny = testdata_bunny();
  const Bytes stl = encode_stl(bunny);
  EXPECT_EQ(stl.size(), 84 + 50 * bunny.triangle_count());
  EXPECT_NE(std::memcmp(stl.data(), "solid", 5), 0);
  std::uint32_t count = 0;
  std::memcpy(&count, stl.data() + 80, 4);
  EXPECT_EQ(count, 69451u);
  FormatDetails details;
  const Mesh again = must_decode(stl, &details);
  EXPECT_EQ(details.format, Format::Stl);
  EXPECT_EQ(details.description, "STL binary, 69451 triangles");
  // Welding by exact position gives back the OBJ's referenced vertices.
  EXPECT_EQ(again.vertex_count(), bunny.vertex_count());
  EXPECT_EQ(triangles(again), triangles(bunny));
  // Facet normals are computed from the winding.
  float normal[3];
  std::memcpy(normal, stl.data() + 84, 12);
  const auto first = triangles(bunny)[0];
  const Vec3 expected = normalize(cross(first[1] - first[0], first[2] - first[0]));
  EXPECT_NEAR(normal[0], expected.x, 1e-6);
  EXPECT_NEAR(normal[1], expected.y, 1e-6);
  EXPECT_NEAR(normal[2], expected.z, 1e-6);
}

TEST(StlRoundTrip, AsciiBunnyIsExactToPrintPrecision) {
  Mesh bunny = testdata_bunny();
  bunny.name = "bunny";
  const Bytes stl = encode_stl(bunny, true);
  const std::string text(stl.begin(), stl.end());
  EXPECT_TRUE(text.starts_with("solid bunny\n"));
  EXPECT_TRUE(text.ends_with("endsolid bunny\n"));
  FormatDetails details;
  const Mesh again = must_decode(stl, &details);
  EXPECT_EQ(details.description, "STL ASCII, 69451 triangles");
  EXPECT_EQ(again.name, "bunny");
  EXPECT_EQ(again.vertex_count(), bunny.vertex_count());
  EXPECT_EQ(triangles(again), triangles(bunny));
}

TEST(StlRead, AsciiIsTolerantOfCaseAndWhitespaceAndBinaryMayStartWithSolid) {
  const std::string ascii =
      "  SOLID  cube part \r\n FACET NORMAL 0 0 1\n\tOuter Loop\n vertex 0 0 0\nVERTEX 1 0 0\n  "
      "vertex 0 1 0 \n"
      "ENDLOOP\nendfacet\nfacet normal 0 0 0 outer loop vertex 1 0 0 vertex 1 1 0 vertex 0 1 0 "
      "endloop endfacet\n"
      "endsolid cube part\nsolid second\nendsolid\n";
  const Mesh mesh = must_decode(text_bytes(ascii));
  EXPECT_EQ(mesh.name, "cube part");
  EXPECT_EQ(mesh.triangle_count(), 2u);
  EXPECT_EQ(mesh.vertex_count(), 4u);  // the shared edge is welded

  Mesh triangle;
  triangle.primitives.push_back({});
  triangle.primitives[0].positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  triangle.primitives[0].indices = {0, 1, 2};
  Bytes binary = encode_stl(triangle);
  std::memcpy(binary.data(), "solid but binary", 16);
  EXPECT_EQ(must_decode(binary).triangle_count(), 1u);
}

TEST(StlHostile, CountsTruncationAndGarbageAreClearErrors) {
  Bytes huge(84, 0);
  const std::uint32_t count = 4000000000u;
  std::memcpy(huge.data() + 80, &count, 4);
  EXPECT_NE(decode_error(huge).find("header says 4000000000 triangles"), std::string::npos);
  EXPECT_NE(decode_error(Bytes(40, 7)).find("shorter than the 84-byte header"), std::string::npos);
  Bytes zero(84, 0);
  EXPECT_NE(decode_error(zero).find("no triangles"), std::string::npos);

  Mesh triangle;
  triangle.primitives.push_back({});
  triangle.primitives[0].positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  triangle.primitives[0].indices = {0, 1, 2};
  Bytes truncated = encode_stl(triangle);
  truncated.pop_back();
  EXPECT_NE(decode_error(truncated).find("header says 1 triangles"), std::string::npos);
  Bytes nan = encode_stl(triangle);
  const float not_a_number = std::nanf("");
  std::memcpy(nan.data() + 84 + 12, &not_a_number, 4);
  EXPECT_NE(decode_error(nan).find("not finite"), std::string::npos);

  EXPECT_NE(
      decode_error(text_bytes("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0\nendloop\n"))
          .find("vertex needs three numbers"),
      std::string::npos);
  EXPECT_NE(decode_error(
                text_bytes(
                    "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\n"
                    "endfacet\nendsolid\n"))
                .find("facet with 2 vertices"),
            std::string::npos);
  EXPECT_NE(decode_error(text_bytes("solid x\nfacet normal 0 0 1\n")).find("expected 'outer'"),
            std::string::npos);
  EXPECT_NE(decode_error(text_bytes("solid x\n")).find("missing 'endsolid'"), std::string::npos);
}

}  // namespace
}  // namespace atlas
