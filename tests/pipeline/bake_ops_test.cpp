// The bake ops (bake_color, bake_normals, texture) and the LOD chain they feed, run as a
// pipeline runs them on 404's hamburger: the ops in game-ready's order make
// game-ready's asset.

#include <algorithm>
#include <cmath>
#include <variant>

#include <gtest/gtest.h>

#include "formats/asset_io.h"
#include "formats/image_io.h"
#include "pipeline/game_ready.h"
#include "pipeline/op.h"
#include "pipeline/op_test_support.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr int kTextureSize = 256;
constexpr std::int64_t kBudget = 5000;

// Share of texels the bake covered (alpha 255).
double covered_share(const Image& image) {
  std::size_t covered = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) covered += image.at(x, y)[3] == 255;
  return double(covered) / (double(image.width) * image.height);
}

double mean_channel(const Image& image, int channel) {
  double sum = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) sum += image.at(x, y)[channel];
  return sum / (double(image.width) * image.height);
}

Image gradient(int size) {
  Image image(size, size, 4);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      std::uint8_t* p = image.at(x, y);
      p[0] = static_cast<std::uint8_t>(x * 255 / (size - 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / (size - 1));
      p[2] = 40;
      p[3] = 255;
    }
  return image;
}

// The ops of game-ready's sequence, in its order, on the hamburger (settled as
// game-ready settles it): the values every test here starts from.
struct Chain {
  Value splat, surface, reduced, unwrapped, coloured, lod0, lods;
};

Chain run_chain(std::int64_t triangles, int texture_size) {
  Chain chain;
  Result<Asset> loaded = load_asset(test::testdata("splats/404-hamburger.ply"));
  if (!loaded || !std::holds_alternative<SplatCloud>(*loaded)) {
    ADD_FAILURE() << "the hamburger did not load";
    return chain;
  }
  const Value source(std::get<SplatCloud>(std::move(*loaded)));
  const Value placed = test::output(test::run_op("transform", {{"asset", source}}), "asset");
  const Value dense = test::output(
      test::run_op("splat_to_mesh", {{"source", placed}}, {{"triangles", triangles}}), "mesh");
  const Value cleaned = test::output(test::run_op("cleanup", {{"mesh", dense}}), "mesh");
  chain.surface = test::output(test::run_op("transform", {{"asset", cleaned}}), "asset");
  chain.splat =
      test::output(test::run_op("transform", {{"asset", placed}, {"reference", cleaned}}), "asset");
  chain.reduced = test::output(
      test::run_op("reduce", {{"mesh", chain.surface}}, {{"triangles", triangles}}), "mesh");
  const Params size = {{"texture_size", std::int64_t{texture_size}}};
  chain.unwrapped = test::output(test::run_op("unwrap", {{"mesh", chain.reduced}}, size), "mesh");
  chain.coloured = test::output(
      test::run_op("bake_color", {{"mesh", chain.unwrapped}, {"source", chain.splat}}, size),
      "mesh");
  chain.lod0 = test::output(
      test::run_op("bake_normals", {{"mesh", chain.coloured}, {"detail", chain.surface}}, size),
      "mesh");
  chain.lods = test::output(test::run_op("lod_chain",
                                         {{"mesh", chain.lod0},
                                          {"surface", chain.reduced},
                                          {"source", chain.splat},
                                          {"detail", chain.surface}},
                                         size),
                            "lods");
  return chain;
}

class HamburgerBake : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chain_ = run_chain(kBudget, kTextureSize); }
  void SetUp() override { ASSERT_EQ(chain_.lods.levels().size(), 3u); }
  static inline Chain chain_;
};

TEST(BakeOps, DeclareTheSpecifiedPortsAndParams) {
  struct Expected {
    const char* op;
    std::vector<std::string> inputs, outputs, params;
  };
  const Expected expected[] = {
      {"bake_color", {"mesh", "source"}, {"mesh", "image"}, {"texture_size", "dilation"}},
      {"bake_normals", {"mesh", "detail"}, {"mesh", "image"}, {"texture_size", "dilation"}},
      {"texture", {"model"}, {"lods"}, {"format", "quality", "max_size"}},
  };
  for (const Expected& e : expected) {
    const OpSpec* op = find_op(e.op);
    ASSERT_NE(op, nullptr) << e.op;
    EXPECT_EQ(op->version, 1);
    std::vector<std::string> inputs, outputs, params;
    for (const PortSpec& port : op->inputs) inputs.push_back(port.name);
    for (const PortSpec& port : op->outputs) outputs.push_back(port.name);
    for (const ParamSpec& param : op->params) params.push_back(param.name);
    EXPECT_EQ(inputs, e.inputs) << e.op;
    EXPECT_EQ(outputs, e.outputs) << e.op;
    EXPECT_EQ(params, e.params) << e.op;
  }
}

TEST_F(HamburgerBake, ColourThenNormalsMakeTheBakedLod0) {
  const Mesh& coloured = *chain_.coloured.mesh();
  ASSERT_EQ(coloured.materials.size(), 1u);
  EXPECT_EQ(coloured.materials[0].name, "baked");
  EXPECT_EQ(coloured.materials[0].base_color_texture.image, 0);
  EXPECT_FALSE(coloured.materials[0].normal_texture.present());
  EXPECT_TRUE(coloured.primitives[0].colors.empty());
  ASSERT_EQ(coloured.images.size(), 1u);
  EXPECT_EQ(coloured.images[0].pixels.width, kTextureSize);
  EXPECT_TRUE(coloured.images[0].encoded.empty());

  const Mesh& lod0 = *chain_.lod0.mesh();
  ASSERT_EQ(lod0.materials.size(), 1u);
  EXPECT_EQ(lod0.materials[0].base_color_texture.image, 0);
  EXPECT_EQ(lod0.materials[0].normal_texture.image, 1);
  ASSERT_EQ(lod0.images.size(), 2u);
  const Image& colour = lod0.images[0].pixels;
  const Image& normal = lod0.images[1].pixels;
  EXPECT_EQ(normal.width, kTextureSize);
  // Charts cover much of the atlas, and the dilation fills around them.
  EXPECT_GT(covered_share(colour), 0.5);
  // Tangent-space normals point mostly out of the surface: blue well above the others.
  EXPECT_GT(mean_channel(normal, 2), 200);
  EXPECT_NEAR(mean_channel(normal, 0), 128, 20);
  EXPECT_EQ(lod0.primitives[0].tangents.size(), lod0.primitives[0].positions.size());

  // Baking normals again replaces the map rather than leaving the old one unused.
  const Value rebaked =
      test::output(test::run_op("bake_normals", {{"mesh", chain_.lod0}, {"detail", chain_.surface}},
                                {{"texture_size", 64}}),
                   "mesh");
  ASSERT_EQ(rebaked.mesh()->images.size(), 2u);
  EXPECT_EQ(rebaked.mesh()->materials.at(0).normal_texture.image, 1);
  EXPECT_EQ(rebaked.mesh()->images[1].pixels.width, 64);
}

TEST_F(HamburgerBake, LodChainLevelsMeetTheirBudgetsWithTheirMaps) {
  const std::vector<const Mesh*> levels = chain_.lods.levels();
  const std::size_t lod0_triangles = levels[0]->primitives[0].triangle_count();
  EXPECT_LE(lod0_triangles, std::size_t(kBudget));
  EXPECT_GE(lod0_triangles, std::size_t(kBudget) * 9 / 10);
  const double ratios[] = {1, 0.25, 0.06};
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const Mesh& level = *levels[i];
    SCOPED_TRACE("LOD" + std::to_string(i));
    ASSERT_EQ(level.primitives.size(), 1u);
    const auto target = static_cast<std::size_t>(std::lround(ratios[i] * double(lod0_triangles)));
    // With the free reduction at hand, every level keeps its budget.
    EXPECT_LE(level.primitives[0].triangle_count(), target);
    EXPECT_GE(level.primitives[0].triangle_count(), target * 8 / 10);
    test::expect_uvs_in_unit_square(level.primitives[0]);
    ASSERT_EQ(level.materials.size(), 1u);
    ASSERT_EQ(level.images.size(), 2u);
    for (const MeshImage& map : level.images) EXPECT_FALSE(map.pixels.empty());
    const Material& material = level.materials[0];
    EXPECT_TRUE(material.base_color_texture.present() && material.normal_texture.present());
    // A level with its own atlas keeps LOD0's texels per triangle edge: 256 * sqrt(ratio).
    const bool own_atlas =
        i == 0 || level.images[0].pixels.pixels != levels[0]->images[0].pixels.pixels;
    if (own_atlas && i > 0) {
      const int side = level.images[0].pixels.width;
      EXPECT_EQ(side, i == 1 ? 128 : 64);
    }
  }
}

TEST_F(HamburgerBake, TextureEncodesEveryMap) {
  const Value encoded = test::output(test::run_op("texture", {{"model", chain_.lods}}), "lods");
  const std::vector<const Mesh*> before = chain_.lods.levels();
  const std::vector<const Mesh*> after = encoded.levels();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    ASSERT_EQ(after[i]->images.size(), before[i]->images.size());
    for (std::size_t k = 0; k < after[i]->images.size(); ++k) {
      const MeshImage& image = after[i]->images[k];
      EXPECT_EQ(image.mime_type, "image/png");
      Result<Image> decoded = decode_image(image.encoded);
      ASSERT_TRUE(decoded.ok()) << decoded.error().message;
      EXPECT_EQ(decoded->pixels, before[i]->images[k].pixels.pixels);
    }
  }
}

TEST(BakeOps, TextureDownsamplesAndEncodesSharedMapsOnce) {
  Mesh level;
  level.name = "lod0";
  MeshImage map;
  map.name = "base_color";
  map.pixels = gradient(256);
  level.images = {map};
  Mesh coarser = level;
  coarser.name = "lod1";
  const Value chain(LodChain{level, coarser});

  const Value encoded = test::output(
      test::run_op("texture", {{"model", chain}},
                   {{"format", std::string("jpeg")}, {"quality", 80}, {"max_size", 64}}),
      "lods");
  const std::vector<const Mesh*> levels = encoded.levels();
  ASSERT_EQ(levels.size(), 2u);
  const MeshImage& image = levels[0]->images.at(0);
  EXPECT_EQ(image.mime_type, "image/jpeg");
  EXPECT_EQ(image.pixels.width, 64);
  EXPECT_EQ(image.pixels.height, 64);
  EXPECT_EQ(levels[1]->images.at(0).encoded, image.encoded);
  Result<Image> decoded = decode_image(image.encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->width, 64);
  // A 4x4 box of the gradient: the last texel averages columns 252..255.
  EXPECT_EQ(image.pixels.at(63, 0)[0], 254);
  EXPECT_EQ(image.pixels.at(0, 0)[2], 40);

  EXPECT_EQ(test::error_of(test::run_op("texture", {{"model", chain}}, {{"max_size", 100}}, "tex")),
            "node 'tex': max_size must be a power of two, got 100");
}

TEST(BakeOps, ColourBakesFromAMeshSource) {
  Result<Mesh> spot = load_mesh(test::testdata("meshes/spot.obj"));
  ASSERT_TRUE(spot.ok()) << spot.error().message;
  const Value source(std::move(*spot));
  const Value surface = test::output(test::run_op("splat_to_mesh", {{"source", source}}), "mesh");
  const Value reduced =
      test::output(test::run_op("reduce", {{"mesh", surface}}, {{"triangles", 800}}), "mesh");
  const Params size = {{"texture_size", 128}};
  const Value unwrapped = test::output(test::run_op("unwrap", {{"mesh", reduced}}, size), "mesh");
  const Result<Values> baked =
      test::run_op("bake_color", {{"mesh", unwrapped}, {"source", source}}, size);
  const Value image = test::output(baked, "image");
  ASSERT_NE(image.image(), nullptr);
  EXPECT_EQ(image.image()->width, 128);
  EXPECT_GT(covered_share(*image.image()), 0.3);
  EXPECT_EQ(test::output(baked, "mesh").mesh()->images.at(0).pixels.pixels, image.image()->pixels);
}

TEST(BakeOps, WrongInputsAreErrorsNamingTheNodeAndPort) {
  Mesh triangle;
  Primitive surface;
  surface.positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  surface.normals = {{0, 0, 1}, {0, 0, 1}, {0, 0, 1}};
  surface.indices = {0, 1, 2};
  triangle.primitives.push_back(surface);
  const Value without_uvs(triangle);
  triangle.primitives[0].uv0 = {{0.1f, 0.1f}, {0.9f, 0.1f}, {0.1f, 0.9f}};
  const Value unwrapped(triangle);
  const Value splat(SplatCloud{});
  const Value image(Image(2, 2, 4));

  EXPECT_EQ(test::error_of(test::run_op("bake_color", {{"mesh", without_uvs}, {"source", splat}},
                                        {}, "colour")),
            "node 'colour': mesh has no UVs to bake into: unwrap it first");
  EXPECT_EQ(test::error_of(
                test::run_op("bake_color", {{"mesh", unwrapped}, {"source", image}}, {}, "colour")),
            "node 'colour': source must be a splat, a mesh or a LOD chain, got an image");
  EXPECT_EQ(test::error_of(
                test::run_op("bake_color", {{"mesh", splat}, {"source", splat}}, {}, "colour")),
            "node 'colour': mesh must be a mesh, got a splat");
  EXPECT_EQ(test::error_of(test::run_op("bake_normals", {{"mesh", unwrapped}, {"detail", splat}},
                                        {}, "normals")),
            "node 'normals': detail must be a mesh, got a splat");
  EXPECT_EQ(test::error_of(test::run_op("bake_normals", {{"mesh", unwrapped}}, {}, "normals")),
            "node 'normals': input 'detail' is not connected");
  EXPECT_EQ(test::error_of(test::run_op("texture", {{"model", splat}}, {}, "tex")),
            "node 'tex': model must be a mesh or a LOD chain, got a splat");
  // An empty splat cloud shows nothing: the bake covers nothing.
  EXPECT_EQ(test::error_of(test::run_op("bake_color", {{"mesh", unwrapped}, {"source", splat}},
                                        {{"texture_size", 64}}, "colour")),
            "node 'colour': the colour bake covered nothing: the source shows nothing on the mesh");
}

// game-ready is these ops in this order: its levels are the chain's, vertex for vertex
// and texel for texel.
TEST(BakeOps, OpsInGameReadyOrderMakeTheGameReadyAsset) {
  if (test::kSanitized) GTEST_SKIP() << "too slow under sanitizers; the Release run covers it";
  const Chain chain = run_chain(3000, 128);
  ASSERT_EQ(chain.lods.levels().size(), 3u);
  const fs::path out = test::scratch_dir();
  GameReadyOptions options;
  options.triangles = 3000;
  options.texture_size = 128;
  options.fidelity_size = 64;
  Result<GameReadyResult> result =
      run_game_ready(test::testdata("splats/404-hamburger.ply"), out, options);
  ASSERT_TRUE(result.ok()) << result.error().message;

  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE("LOD" + std::to_string(i));
    Result<Mesh> expected = load_mesh(out / ("404-hamburger_lod" + std::to_string(i) + ".glb"));
    ASSERT_TRUE(expected.ok()) << expected.error().message;
    const Mesh& level = *chain.lods.levels()[i];
    const Primitive& ours = level.primitives[0];
    const Primitive& theirs = expected->primitives.at(0);
    EXPECT_EQ(ours.indices, theirs.indices);
    ASSERT_EQ(ours.positions.size(), theirs.positions.size());
    for (std::size_t v = 0; v < ours.positions.size(); ++v) {
      ASSERT_EQ(ours.positions[v].x, theirs.positions[v].x);
      ASSERT_EQ(ours.positions[v].y, theirs.positions[v].y);
      ASSERT_EQ(ours.positions[v].z, theirs.positions[v].z);
      ASSERT_EQ(ours.uv0[v].x, theirs.uv0[v].x);
      ASSERT_EQ(ours.uv0[v].y, theirs.uv0[v].y);
    }
    ASSERT_EQ(level.images.size(), expected->images.size());
    for (std::size_t k = 0; k < level.images.size(); ++k)
      EXPECT_EQ(level.images[k].pixels.pixels, expected->images[k].pixels.pixels);
  }
}

}  // namespace
}  // namespace atlas::pipeline
