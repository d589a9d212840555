// The geometry ops (splat_to_mesh, cleanup, transform, reduce, unwrap, lod_chain) run
// as a pipeline runs them, on 404's hamburger and on small made-up meshes.

#include <algorithm>
#include <atomic>
#include <variant>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/asset_io.h"
#include "pipeline/op.h"
#include "pipeline/op_test_support.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

std::vector<std::string> names(const std::vector<PortSpec>& ports) {
  std::vector<std::string> result;
  for (const PortSpec& port : ports) result.push_back(port.name);
  return result;
}

std::vector<std::string> names(const std::vector<ParamSpec>& params) {
  std::vector<std::string> result;
  for (const ParamSpec& param : params) result.push_back(param.name);
  return result;
}

// An axis-aligned box from `low` to `high` as one closed surface.
Mesh box(Vec3 low, Vec3 high) {
  Primitive surface;
  for (int corner = 0; corner < 8; ++corner)
    surface.positions.push_back(
        {corner & 1 ? high.x : low.x, corner & 2 ? high.y : low.y, corner & 4 ? high.z : low.z});
  surface.indices = {0, 2, 1, 1, 2, 3, 4, 5, 6, 5, 7, 6, 0, 1, 4, 1, 5, 4,
                     2, 6, 3, 3, 6, 7, 0, 4, 2, 2, 4, 6, 1, 3, 5, 3, 7, 5};
  Mesh mesh;
  mesh.name = "box";
  mesh.primitives.push_back(std::move(surface));
  return mesh;
}

void expect_near(Vec3 a, Vec3 b, float tolerance = 1e-5f) {
  EXPECT_NEAR(a.x, b.x, tolerance);
  EXPECT_NEAR(a.y, b.y, tolerance);
  EXPECT_NEAR(a.z, b.z, tolerance);
}

// The hamburger through splat_to_mesh, cleanup, reduce and unwrap once for every test:
// the extraction is the slow part.
class HamburgerGeometry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<Asset> loaded = load_asset(test::testdata("splats/404-hamburger.ply"));
    if (!loaded || !std::holds_alternative<SplatCloud>(*loaded)) return;
    splat_ = Value(std::get<SplatCloud>(std::move(*loaded)));
    dense_ = test::output(
        test::run_op("splat_to_mesh", {{"source", splat_}}, {{"triangles", 5000}}), "mesh");
    cleaned_ = test::output(test::run_op("cleanup", {{"mesh", dense_}}), "mesh");
    reduced_ =
        test::output(test::run_op("reduce", {{"mesh", cleaned_}}, {{"triangles", 5000}}), "mesh");
    unwrapped_ =
        test::output(test::run_op("unwrap", {{"mesh", reduced_}}, {{"texture_size", 256}}), "mesh");
  }

  void SetUp() override { ASSERT_NE(unwrapped_.mesh(), nullptr) << "the hamburger did not load"; }

  static inline Value splat_, dense_, cleaned_, reduced_, unwrapped_;
};

TEST(GeometryOps, DeclareTheSpecifiedPortsAndParams) {
  struct Expected {
    const char* op;
    std::vector<std::string> inputs, outputs, params;
    int version = 1;
  };
  const Expected expected[] = {
      {"splat_to_mesh", {"source"}, {"mesh"}, {"triangles", "watertight"}},
      {"cleanup",
       {"mesh"},
       {"mesh"},
       {"weld_tolerance", "min_component_area_ratio", "open_non_manifold_edges",
        "remove_interior_shells", "orient_outward", "max_hole_edges"},
       2},
      {"transform",
       {"asset", "reference"},
       {"asset", "placement"},
       {"pivot", "height", "scale"},
       2},
      {"reduce", {"mesh"}, {"mesh"}, {"triangles", "keep_seams"}},
      {"unwrap", {"mesh"}, {"mesh"}, {"texture_size", "gutter"}},
      {"lod_chain", {"mesh", "surface", "source", "detail"}, {"lods"}, {"ratios", "texture_size"}},
  };
  for (const Expected& e : expected) {
    const OpSpec* op = find_op(e.op);
    ASSERT_NE(op, nullptr) << e.op;
    EXPECT_EQ(op->version, e.version) << e.op;
    EXPECT_FALSE(op->purpose.empty()) << e.op;
    EXPECT_EQ(names(op->inputs), e.inputs) << e.op;
    EXPECT_EQ(names(op->outputs), e.outputs) << e.op;
    EXPECT_EQ(names(op->params), e.params) << e.op;
  }
  const OpSpec* cleanup = find_op("cleanup");
  EXPECT_EQ(std::get<double>(cleanup->params[1].default_value), 0.02);
  EXPECT_EQ(std::get<double>(cleanup->params[0].default_value), 1e-6);
  const OpSpec* chain = find_op("lod_chain");
  EXPECT_EQ(std::get<std::vector<double>>(chain->params[0].default_value),
            (std::vector<double>{1, 0.25, 0.06}));
  EXPECT_TRUE(chain->inputs[1].optional && chain->inputs[2].optional && chain->inputs[3].optional);
}

TEST_F(HamburgerGeometry, SurfaceIsExtractedCleanedReducedAndUnwrapped) {
  const Primitive& dense = dense_.mesh()->primitives.at(0);
  // The grid is chosen for several times the LOD0 budget, so reduction has detail to keep.
  EXPECT_GT(dense.triangle_count(), 3u * 5000);
  EXPECT_EQ(dense.colors.size(), dense.positions.size());

  const Primitive& cleaned = cleaned_.mesh()->primitives.at(0);
  EXPECT_GT(cleaned.triangle_count(), 3u * 5000);
  EXPECT_LE(cleaned.triangle_count(), dense.triangle_count() + 100);
  EXPECT_EQ(cleaned.normals.size(), cleaned.positions.size());

  const Primitive& reduced = reduced_.mesh()->primitives.at(0);
  EXPECT_LE(reduced.triangle_count(), 5000u);
  EXPECT_GE(reduced.triangle_count(), 4500u);

  const Mesh& unwrapped = *unwrapped_.mesh();
  ASSERT_EQ(unwrapped.primitives.size(), 1u);
  const Primitive& surface = unwrapped.primitives[0];
  EXPECT_EQ(surface.triangle_count(), reduced.triangle_count());
  test::expect_uvs_in_unit_square(surface);
  EXPECT_EQ(surface.tangents.size(), surface.positions.size());
  EXPECT_TRUE(unwrapped.materials.empty());
  EXPECT_EQ(surface.material, -1);
}

TEST_F(HamburgerGeometry, SettlePlacesTheSplatsAndTheSurfaceAlike) {
  const Params params = {{"height", 2.0}};
  const auto placed_surface = test::run_op("transform", {{"asset", cleaned_}}, params);
  const Value surface = test::output(placed_surface, "asset");
  const Value splat = test::output(
      test::run_op("transform", {{"asset", splat_}, {"reference", cleaned_}}, params), "asset");
  ASSERT_NE(surface.mesh(), nullptr);
  ASSERT_NE(splat.splat(), nullptr);

  const Bounds placed = surface.mesh()->bounds();
  EXPECT_NEAR(placed.min.y, 0, 1e-5);
  EXPECT_NEAR(placed.size().y, 2, 1e-4);
  EXPECT_NEAR(placed.center().x, 0, 1e-5);
  EXPECT_NEAR(placed.center().z, 0, 1e-5);

  // Both moved by the surface's placement: the same point lands in the same place.
  const Bounds before = cleaned_.mesh()->bounds();
  const Vec3 pivot{before.center().x, before.min.y, before.center().z};
  const float scale = 2 / before.size().y;
  for (std::size_t i : {std::size_t(0), splat_.splat()->size() / 2}) {
    expect_near(splat.splat()->positions[i], (splat_.splat()->positions[i] - pivot) * scale, 1e-4f);
  }
  // The move is reported, for a viewer to put the unplaced splats where the surface is.
  const Value placement = test::output(placed_surface, "placement");
  const Report* moved = placement.report();
  ASSERT_NE(moved, nullptr);
  const auto reported = nlohmann::json::parse(moved->details_json)["placement"];
  EXPECT_NEAR(reported["pivot"][0].get<double>(), pivot.x, 1e-5);
  EXPECT_NEAR(reported["pivot"][1].get<double>(), pivot.y, 1e-5);
  EXPECT_NEAR(reported["pivot"][2].get<double>(), pivot.z, 1e-5);
  EXPECT_NEAR(reported["scale"].get<double>(), scale, 1e-5);
}

TEST(GeometryOps, TransformPivotsAndScales) {
  const Value mesh(box({1, 2, 3}, {3, 6, 5}));

  const Value centred = test::output(
      test::run_op("transform", {{"asset", mesh}}, {{"pivot", std::string("center")}}), "asset");
  ASSERT_EQ(centred.type(), ValueType::Mesh);
  expect_near(centred.mesh()->bounds().min, {-1, -2, -1});

  const Value kept = test::output(test::run_op("transform", {{"asset", mesh}},
                                               {{"pivot", std::string("keep")}, {"scale", 2.0}}),
                                  "asset");
  expect_near(kept.mesh()->bounds().min, {2, 4, 6});

  const Value standing =
      test::output(test::run_op("transform", {{"asset", mesh}}, {{"height", 1.0}}), "asset");
  expect_near(standing.mesh()->bounds().min, {-0.25f, 0, -0.25f});
  expect_near(standing.mesh()->bounds().max, {0.25f, 1, 0.25f});

  // A chain moves every level by LOD0's placement and stays a chain.
  const Value chain(LodChain{box({1, 2, 3}, {3, 6, 5}), box({1, 2, 3}, {2, 3, 4})});
  const Value moved = test::output(test::run_op("transform", {{"asset", chain}}), "asset");
  ASSERT_EQ(moved.type(), ValueType::Lods);
  ASSERT_EQ(moved.levels().size(), 2u);
  expect_near(moved.levels()[1]->bounds().min, {-1, 0, -1});
  expect_near(moved.levels()[1]->bounds().max, {0, 1, 0});
}

TEST_F(HamburgerGeometry, LodChainWithoutSourcesSharesLod0sAtlas) {
  // LOD0 as bake_color would leave it: one material sampling one map.
  Mesh lod0 = *unwrapped_.mesh();
  Material material;
  material.name = "baked";
  material.base_color_texture.image = 0;
  lod0.materials.push_back(material);
  lod0.primitives[0].material = 0;
  MeshImage map;
  map.name = "base_color";
  map.pixels = Image(4, 4, 4);
  lod0.images.push_back(map);

  const Value lods = test::output(test::run_op("lod_chain", {{"mesh", Value(lod0)}}), "lods");
  ASSERT_EQ(lods.type(), ValueType::Lods);
  const std::vector<const Mesh*> levels = lods.levels();
  ASSERT_EQ(levels.size(), 3u);
  const std::size_t lod0_triangles = lod0.primitives[0].triangle_count();
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const Mesh& level = *levels[i];
    EXPECT_EQ(level.name, "lod" + std::to_string(i));
    ASSERT_EQ(level.primitives.size(), 1u);
    EXPECT_EQ(level.primitives[0].material, 0);
    ASSERT_EQ(level.images.size(), 1u);
    EXPECT_EQ(level.images[0].pixels.pixels, map.pixels.pixels);
    EXPECT_EQ(level.materials[0].name, "baked");
    test::expect_uvs_in_unit_square(level.primitives[0]);
  }
  EXPECT_EQ(levels[0]->primitives[0].triangle_count(), lod0_triangles);
  // Keeping LOD0's seams may stop short of a level's budget, never at LOD0's size.
  EXPECT_LT(levels[1]->primitives[0].triangle_count(), lod0_triangles / 2);
  EXPECT_LT(levels[2]->primitives[0].triangle_count(), levels[1]->primitives[0].triangle_count());
}

TEST_F(HamburgerGeometry, ReduceCanKeepSeams) {
  const Value free =
      test::output(test::run_op("reduce", {{"mesh", unwrapped_}}, {{"triangles", 100}}), "mesh");
  EXPECT_LE(free.mesh()->primitives[0].triangle_count(), 100u);
  const Value seams_kept = test::output(
      test::run_op("reduce", {{"mesh", unwrapped_}}, {{"triangles", 100}, {"keep_seams", true}}),
      "mesh");
  // The atlas's seams hold the reduction well above so small a budget, but the UVs stay.
  EXPECT_GT(seams_kept.mesh()->primitives[0].triangle_count(), 100u);
  test::expect_uvs_in_unit_square(seams_kept.mesh()->primitives[0]);
}

TEST(GeometryOps, WrongInputsAreErrorsNamingTheNodeAndPort) {
  const Value image(Image(2, 2, 4));
  const Value splat(SplatCloud{});
  const Value mesh(box({0, 0, 0}, {1, 1, 1}));

  EXPECT_EQ(test::error_of(test::run_op("splat_to_mesh", {{"source", image}}, {}, "surface")),
            "node 'surface': source must be a splat, a mesh or a LOD chain, got an image");
  EXPECT_EQ(test::error_of(test::run_op("cleanup", {{"mesh", splat}}, {}, "clean")),
            "node 'clean': mesh must be a mesh, got a splat");
  EXPECT_EQ(test::error_of(test::run_op("reduce", {}, {}, "lod0")),
            "node 'lod0': input 'mesh' is not connected");
  EXPECT_EQ(test::error_of(
                test::run_op("transform", {{"asset", mesh}, {"reference", image}}, {}, "place")),
            "node 'place': reference must be a splat, a mesh or a LOD chain, got an image");
  EXPECT_EQ(test::error_of(test::run_op("transform", {{"asset", Value(Mesh{})}}, {}, "place")),
            "node 'place': asset has no points to place by");

  Mesh two_parts = box({0, 0, 0}, {1, 1, 1});
  two_parts.primitives.push_back(two_parts.primitives[0]);
  EXPECT_EQ(test::error_of(test::run_op("unwrap", {{"mesh", Value(two_parts)}}, {}, "uv")),
            "node 'uv': mesh must be one surface (a mesh of one primitive), got a mesh of 2 "
            "primitives; splat_to_mesh merges a mesh into one surface");
  EXPECT_EQ(
      test::error_of(test::run_op("unwrap", {{"mesh", mesh}}, {{"texture_size", 1000}}, "uv")),
      "node 'uv': texture_size must be a power of two, got 1000");
  EXPECT_EQ(test::error_of(test::run_op("lod_chain", {{"mesh", mesh}},
                                        {{"ratios", std::vector<double>{0.5}}}, "lods")),
            "node 'lods': ratios must start with 1 (LOD0 is the full budget)");
  EXPECT_EQ(test::error_of(test::run_op("lod_chain", {{"mesh", mesh}},
                                        {{"ratios", std::vector<double>{1, 0.5, 0.6}}}, "lods")),
            "node 'lods': ratios must decrease, each in (0, 1]");
  EXPECT_EQ(
      test::error_of(test::run_op("lod_chain", {{"mesh", mesh}, {"detail", mesh}}, {}, "lods")),
      "node 'lods': surface, source and detail go together: connect all three to let "
      "levels have their own atlas, or none to have every level share LOD0's");

  // A surface the clean-up leaves nothing of.
  Mesh flat = box({0, 0, 0}, {1, 1, 1});
  flat.primitives[0].indices = {0, 0, 1};
  EXPECT_EQ(test::error_of(test::run_op("cleanup", {{"mesh", Value(flat)}}, {}, "clean")),
            "node 'clean': no surface left after clean-up");
}

TEST(GeometryOps, LodChainStopsWhenCancelled) {
  const OpSpec* op = find_op("lod_chain");
  ASSERT_NE(op, nullptr);
  OpContext context = test::op_context(*op, {{"mesh", Value(box({0, 0, 0}, {1, 1, 1}))}});
  const std::atomic<bool> cancel{true};
  context.cancel_flag = &cancel;
  EXPECT_EQ(test::error_of(op->run(context)), "cancelled");
}

}  // namespace
}  // namespace atlas::pipeline
