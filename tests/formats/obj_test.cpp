#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "formats/image_io.h"
#include "formats/mesh_formats.h"
#include "test_support.h"

namespace atlas {
namespace {

namespace fs = std::filesystem;

ByteView text_bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

ResourceLoader files_in(const fs::path& folder) {
  return [folder](std::string_view uri) -> Result<Bytes> {
    return read_file(folder / std::string(uri));
  };
}

// Serves files from memory and records what was asked for.
struct MemoryFiles {
  std::map<std::string, Bytes> files;
  std::vector<std::string> requested;

  ResourceLoader loader() {
    return [this](std::string_view uri) -> Result<Bytes> {
      requested.emplace_back(uri);
      const auto it = files.find(std::string(uri));
      if (it == files.end()) return make_error("not found: " + std::string(uri));
      return it->second;
    };
  }
  void add(const std::string& name, const std::string& text) {
    files[name] = Bytes(text.begin(), text.end());
  }
};

Mesh must_decode(ByteView bytes, const ResourceLoader& load, FormatDetails* details = nullptr) {
  Result<Mesh> mesh = decode_obj(bytes, load, details);
  EXPECT_TRUE(mesh.ok()) << mesh.error().message;
  return mesh.ok() ? std::move(mesh).value() : Mesh{};
}

Mesh testdata_obj(const std::string& name, FormatDetails* details = nullptr) {
  const fs::path path = test::testdata("meshes/" + name);
  return must_decode(test::must_read(path), files_in(path.parent_path()), details);
}

std::string decode_error(const std::string& text) {
  Result<Mesh> mesh = decode_obj(text_bytes(text), MemoryFiles().loader());
  EXPECT_FALSE(mesh.ok());
  return mesh.ok() ? std::string() : mesh.error().message;
}

TEST(ObjRead, SpotHasUvsWeldedPerCorner) {
  FormatDetails details;
  const Mesh mesh = testdata_obj("spot.obj", &details);
  EXPECT_EQ(details.format, Format::Obj);
  EXPECT_EQ(details.description, "OBJ, 1 primitive, 0 materials");
  // 2,930 positions, 3,225 distinct position/UV pairs.
  EXPECT_EQ(mesh.vertex_count(), 3225u);
  EXPECT_EQ(mesh.triangle_count(), 5856u);
  EXPECT_EQ(mesh.primitives[0].uv0.size(), 3225u);
  EXPECT_TRUE(mesh.primitives[0].normals.empty());
  EXPECT_EQ(mesh.primitives[0].material, -1);
  const Bounds bounds = mesh.bounds();
  EXPECT_FLOAT_EQ(bounds.min.x, -0.471552f);
  EXPECT_FLOAT_EQ(bounds.max.y, 0.953646f);
  EXPECT_FLOAT_EQ(bounds.max.z, 1.049f);
  // spot's vt values lie in [0, 1] up to rounding; flipped they still do.
  for (const Vec2& uv : mesh.primitives[0].uv0) {
    ASSERT_GE(uv.y, -0.001f);
    ASSERT_LE(uv.y, 1.001f);
  }
}

TEST(ObjRead, SuzanneQuadsAreFanTriangulatedWithNormals) {
  const Mesh mesh = testdata_obj("suzanne.obj");
  EXPECT_EQ(mesh.vertex_count(), 507u);
  EXPECT_EQ(mesh.triangle_count(), 968u);
  EXPECT_EQ(mesh.primitives[0].normals.size(), 507u);
  const Bounds bounds = mesh.bounds();
  EXPECT_FLOAT_EQ(bounds.min.x, -3.86125f);
  EXPECT_FLOAT_EQ(bounds.max.z, 4.955455f);
}

TEST(ObjRead, StanfordBunnyKeepsOnlyReferencedVertices) {
  const Mesh mesh = testdata_obj("stanford-bunny.obj");
  // 35,947 positions, of which 34,834 are used by the 69,451 triangles.
  EXPECT_EQ(mesh.vertex_count(), 34834u);
  EXPECT_EQ(mesh.triangle_count(), 69451u);
  const Bounds bounds = mesh.bounds();
  EXPECT_GE(bounds.min.x, -0.09469f);
  EXPECT_LE(bounds.max.y, 0.187321f);
  EXPECT_GT(bounds.longest_side(), 0.15f);
}

TEST(ObjRead, FaceFormsNegativeIndicesColoursAndMaterials) {
  MemoryFiles files;
  Image red(2, 2, 4);
  for (std::size_t i = 0; i < red.pixels.size(); i += 4) red.pixels[i] = red.pixels[i + 3] = 255;
  files.files["tex/red.png"] = encode_png(red);
  files.add(
      "lib/m.mtl",
      "newmtl shiny\nKd 0.5 0.25 1\nKs 1 1 1\nNs 98\nd 0.5\nillum 2\nKe 0.1 0.2 0.3\n"
      "map_Kd -s 2 2 1 -o 0.25 0.5 0 -clamp on ../tex/red.png\n"
      "newmtl pbr\nKd 1 1 1\nPr 0.3\nPm 0.7\nnorm ../tex/red.png\nmap_Bump -bm 0.5 ../tex/red.png\n"
      "map_Pr ../tex/red.png\nmap_Pm ../tex/red.png\nmap_Ke missing.png\n");
  const std::string obj =
      "# test\nmtllib lib/m.mtl\n"
      "v 0 0 0 1 0 0\nv 1 0 0 0 1 0\nv 1 1 0 0 0 1\nv 0 1 0 1 1 1\n"
      "vt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\nvn 0 0 1\n"
      "o quad\nusemtl shiny\nf 1/1/1 2/2/1 3/3/1 4/4/1\n"
      "g second\nusemtl pbr\nf -4//-1 -3//-1 -2//-1\nf 1 3 4\n"
      "usemtl shiny\nf 1/1 3/3 4/4\n";
  FormatDetails details;
  const Mesh mesh = must_decode(text_bytes(obj), files.loader(), &details);
  ASSERT_EQ(mesh.primitives.size(), 2u);  // one per material
  const Primitive& shiny = mesh.primitives[0];
  EXPECT_EQ(shiny.name, "quad");
  EXPECT_EQ(shiny.triangle_count(), 3u);
  EXPECT_EQ(shiny.positions.size(), 7u);  // 4 corners with a normal, 3 more without
  EXPECT_TRUE(shiny.normals.empty());     // not every corner has one
  EXPECT_EQ(shiny.colors[1], (Vec4{0, 1, 0, 1}));
  EXPECT_EQ(shiny.uv0[0].y, 1.0f);  // bottom-left origin flipped to top-left
  EXPECT_EQ(shiny.uv0[2].y, 0.0f);
  const Primitive& pbr = mesh.primitives[1];
  EXPECT_EQ(pbr.name, "second");
  EXPECT_EQ(pbr.triangle_count(), 2u);
  EXPECT_TRUE(pbr.uv0.empty());
  EXPECT_TRUE(pbr.normals.empty());
  EXPECT_EQ(pbr.positions[0], (Vec3{0, 0, 0}));

  ASSERT_EQ(mesh.materials.size(), 2u);
  const Material& a = mesh.materials[0];
  EXPECT_EQ(a.name, "shiny");
  EXPECT_EQ(a.base_color_factor, (Vec4{1, 1, 1, 0.5f}));  // Kd replaced by the texture
  EXPECT_EQ(a.alpha_mode, AlphaMode::Blend);
  EXPECT_EQ(a.metallic_factor, 0.0f);
  EXPECT_NEAR(a.roughness_factor, std::sqrt(2.0f / 100.0f), 1e-6);
  EXPECT_EQ(a.emissive_factor, (Vec3{0.1f, 0.2f, 0.3f}));
  ASSERT_EQ(a.base_color_texture.image, 0);
  EXPECT_EQ(a.base_color_texture.sampler.wrap_s, 33071);
  const TextureTransform& t = a.base_color_texture.transform;
  EXPECT_TRUE(t.present);
  EXPECT_EQ(t.scale.x, 2.0f);
  EXPECT_EQ(t.offset.x, 0.25f);
  EXPECT_EQ(t.offset.y, 1 - 2 - 0.5f);
  const Material& b = mesh.materials[1];
  EXPECT_EQ(b.roughness_factor, 0.3f);
  EXPECT_EQ(b.metallic_factor, 0.7f);
  EXPECT_EQ(b.normal_texture.image, 0);
  EXPECT_EQ(b.normal_scale, 0.5f);
  EXPECT_EQ(b.metallic_roughness_texture.image, 0);  // same file for Pr and Pm: packed
  EXPECT_FALSE(b.emissive_texture.present());
  ASSERT_EQ(mesh.images.size(), 1u);
  EXPECT_EQ(mesh.images[0].encoded, files.files["tex/red.png"]);
  EXPECT_NE(details.description.find("texture 'lib/missing.png' not found"), std::string::npos)
      << details.description;
}

TEST(ObjRead, SeparateRoughnessAndMetallicMapsArePacked) {
  MemoryFiles files;
  Image rough(2, 1, 4), metal(2, 1, 4);
  rough.pixels = {10, 10, 10, 255, 20, 20, 20, 255};
  metal.pixels = {30, 30, 30, 255, 40, 40, 40, 255};
  files.files["r.png"] = encode_png(rough);
  files.files["m.png"] = encode_png(metal);
  files.add("a.mtl", "newmtl x\nmap_Pr r.png\nmap_Pm m.png\n");
  const Mesh mesh = must_decode(
      text_bytes("mtllib a.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl x\nf 1 2 3\n"), files.loader());
  const int packed = mesh.materials[0].metallic_roughness_texture.image;
  ASSERT_GE(packed, 0);
  const Image& pixels = mesh.images[packed].pixels;
  EXPECT_EQ(pixels.at(0, 0)[1], 10);
  EXPECT_EQ(pixels.at(1, 0)[1], 20);
  EXPECT_EQ(pixels.at(0, 0)[2], 30);
  EXPECT_EQ(pixels.at(1, 0)[2], 40);
}

TEST(ObjRead, MissingMaterialLibraryIsANoteNotAnError) {
  MemoryFiles files;
  FormatDetails details;
  const Mesh mesh =
      must_decode(text_bytes("mtllib gone.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl skin\nf 1 2 3\n"),
                  files.loader(), &details);
  EXPECT_EQ(files.requested, (std::vector<std::string>{"gone.mtl"}));
  EXPECT_EQ(mesh.materials.size(), 1u);
  EXPECT_EQ(mesh.materials[0].name, "skin");
  EXPECT_NE(details.description.find("material library 'gone.mtl' not found"), std::string::npos);
  EXPECT_NE(details.description.find("material 'skin' not defined"), std::string::npos);
}

TEST(ObjRoundTrip, SpotAndSuzanneSurviveWithinPrintPrecision) {
  for (const char* name : {"spot.obj", "suzanne.obj"}) {
    SCOPED_TRACE(name);
    const Mesh original = testdata_obj(name);
    const std::vector<OutputFile> files = encode_obj(original, "copy");
    ASSERT_GE(files.size(), 1u);
    EXPECT_EQ(files[0].name, "copy.obj");
    const Mesh again = must_decode(files[0].bytes, MemoryFiles().loader());
    ASSERT_EQ(again.primitives.size(), 1u);
    const Primitive& p = original.primitives[0];
    const Primitive& q = again.primitives[0];
    ASSERT_EQ(p.positions.size(), q.positions.size());
    EXPECT_EQ(p.indices, q.indices);
    for (std::size_t i = 0; i < p.positions.size(); ++i) ASSERT_EQ(p.positions[i], q.positions[i]);
    ASSERT_EQ(p.uv0.size(), q.uv0.size());
    for (std::size_t i = 0; i < p.uv0.size(); ++i) {
      ASSERT_NEAR(p.uv0[i].x, q.uv0[i].x, 1e-6);
      ASSERT_NEAR(p.uv0[i].y, q.uv0[i].y, 1e-6);
    }
    ASSERT_EQ(p.normals.size(), q.normals.size());
    for (std::size_t i = 0; i < p.normals.size(); ++i) ASSERT_EQ(p.normals[i], q.normals[i]);
  }
}

TEST(ObjRoundTrip, MaterialsTexturesAndTransformsAreWrittenBeside) {
  const Mesh original = testdata_obj("spot.obj");
  Mesh mesh = original;
  Image checker(4, 4, 4);
  for (std::size_t i = 0; i < checker.pixels.size(); ++i)
    checker.pixels[i] = static_cast<std::uint8_t>(i * 7);
  MeshImage image;
  image.mime_type = "image/png";
  image.encoded = encode_png(checker);
  image.pixels = checker;
  mesh.images.push_back(image);
  Material material;
  material.name = "spot skin";
  material.base_color_texture.image = 0;
  material.base_color_texture.transform = {true, {0.5f, 0.25f}, 0, {2, 4}, -1};
  material.roughness_factor = 0.4f;
  material.metallic_factor = 0.1f;
  material.emissive_factor = {0.5f, 0, 0};
  mesh.materials.push_back(material);
  mesh.primitives[0].material = 0;

  const fs::path folder = test::scratch_dir();
  const std::vector<OutputFile> files = encode_obj(mesh, "spot");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[1].name, "spot.mtl");
  EXPECT_EQ(files[2].name, "spot_0.png");
  EXPECT_EQ(files[2].bytes, image.encoded);
  for (const OutputFile& file : files)
    ASSERT_TRUE(write_file_atomic(folder / file.name, file.bytes).ok());
  const Mesh again = must_decode(files[0].bytes, files_in(folder));
  ASSERT_EQ(again.materials.size(), 1u);
  const Material& m = again.materials[0];
  EXPECT_EQ(m.name, "spot_skin");
  EXPECT_EQ(m.roughness_factor, 0.4f);
  EXPECT_EQ(m.metallic_factor, 0.1f);
  EXPECT_EQ(m.emissive_factor, (Vec3{0.5f, 0, 0}));
  ASSERT_EQ(m.base_color_texture.image, 0);
  EXPECT_EQ(again.images[0].encoded, image.encoded);
  const TextureTransform& t = m.base_color_texture.transform;
  EXPECT_TRUE(t.present);
  EXPECT_NEAR(t.offset.x, 0.5f, 1e-6);
  EXPECT_NEAR(t.offset.y, 0.25f, 1e-6);
  EXPECT_NEAR(t.scale.x, 2.0f, 1e-6);
  EXPECT_NEAR(t.scale.y, 4.0f, 1e-6);
  EXPECT_EQ(again.primitives[0].material, 0);
  EXPECT_EQ(again.vertex_count(), original.vertex_count());
}

TEST(ObjHostile, BadFacesAndIndicesAreClearErrors) {
  EXPECT_NE(decode_error("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 1000000000 2\n")
                .find("line 4: vertex index 1000000000 is out of range"),
            std::string::npos);
  EXPECT_NE(decode_error("v 0 0 0\nv 1 0 0\nf 1 2\n").find("line 3: face with 2 vertices"),
            std::string::npos);
  EXPECT_NE(decode_error("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 -9\n").find("out of range"),
            std::string::npos);
  EXPECT_NE(decode_error("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 0\n").find("bad vertex index"),
            std::string::npos);
  EXPECT_NE(
      decode_error("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1/5 2 3\n").find("texture coordinate index 5"),
      std::string::npos);
  EXPECT_NE(decode_error("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 99999999999999999999999\n")
                .find("bad vertex index"),
            std::string::npos);
  EXPECT_NE(decode_error("v 0 0 nan\nv 1 0 0\nv 0 1 0\nf 1 2 3\n").find("not finite"),
            std::string::npos);
  EXPECT_NE(decode_error("v 0 0\n").find("vertex needs x y z"), std::string::npos);
  EXPECT_NE(decode_error("v 0 0 0\nv 1 0 0\nv 0 1 0\n").find("no faces"), std::string::npos);
  EXPECT_NE(decode_error("").find("no faces"), std::string::npos);
}

}  // namespace
}  // namespace atlas
