#include "geometry/simplify.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "formats/asset_io.h"
#include "geometry/merge.h"
#include "test_support.h"

namespace atlas::geometry {
namespace {

Mesh must_load(const char* name) {
  Result<Mesh> mesh = load_mesh(test::testdata(std::string("meshes/") + name));
  EXPECT_TRUE(mesh.ok()) << mesh.error().message;
  return mesh.ok() ? std::move(mesh).value() : Mesh{};
}

TEST(Simplify, ReachesTheBudgetOnARealScan) {
  const Primitive bunny = merge_primitives(must_load("stanford-bunny.obj"));
  ASSERT_GT(bunny.triangle_count(), 60000u);
  const float extent = Mesh{"", {bunny}, {}, {}}.bounds().longest_side();
  for (std::size_t budget : {20000u, 5000u, 500u}) {
    const SimplifyResult result = simplify(bunny, budget);
    EXPECT_LE(result.mesh.triangle_count(), budget);
    EXPECT_GT(result.mesh.triangle_count(), budget * 8 / 10) << budget;
    EXPECT_LT(result.mesh.positions.size(), bunny.positions.size());
    EXPECT_TRUE((Mesh{"", {result.mesh}, {}, {}}.validate().empty()));
    EXPECT_FALSE(result.used_sloppy);
    EXPECT_LT(result.error_metres, 0.02f * extent) << budget;
  }
}

TEST(Simplify, KeepsEveryVertexAndItsUvAsInTheInput) {
  // The helmet's UV atlas has many seams: collapses move vertices onto existing vertices
  // only, so each output (position, uv) pair is one of the input's, never a blend of
  // two charts.
  const Mesh helmet = must_load("DamagedHelmet.glb");
  const Primitive& source = helmet.primitives.at(0);
  ASSERT_FALSE(source.uv0.empty());
  std::set<std::tuple<float, float, float, float, float>> pairs;
  for (std::size_t i = 0; i < source.positions.size(); ++i) {
    const Vec3 p = source.positions[i];
    pairs.insert({p.x, p.y, p.z, source.uv0[i].x, source.uv0[i].y});
  }
  const SimplifyResult result = simplify(source, source.triangle_count() / 5);
  EXPECT_LE(result.mesh.triangle_count(), source.triangle_count() / 5);
  ASSERT_EQ(result.mesh.uv0.size(), result.mesh.positions.size());
  ASSERT_EQ(result.mesh.normals.size(), result.mesh.positions.size());
  for (std::size_t i = 0; i < result.mesh.positions.size(); ++i) {
    const Vec3 p = result.mesh.positions[i];
    ASSERT_TRUE(pairs.count({p.x, p.y, p.z, result.mesh.uv0[i].x, result.mesh.uv0[i].y}))
        << "vertex " << i;
  }
}

TEST(Simplify, WithoutAFallbackSeamsStayAndTheShortfallIsReported) {
  // The helmet's seams cannot all survive a 50-triangle budget: without the sloppy
  // fallback the result stays above the target, keeps its (position, uv) pairs, and
  // says so; with it the budget holds.
  const Mesh helmet = must_load("DamagedHelmet.glb");
  const Primitive& source = helmet.primitives.at(0);
  const SimplifyResult kept = simplify(source, 50, SimplifyFallback::None);
  EXPECT_FALSE(kept.reached_target);
  EXPECT_FALSE(kept.used_sloppy);
  EXPECT_GT(kept.mesh.triangle_count(), 50u);
  EXPECT_LT(kept.mesh.triangle_count(), source.triangle_count());
  EXPECT_EQ(kept.mesh.indices.size() % 3, 0u);
  for (std::uint32_t index : kept.mesh.indices) ASSERT_LT(index, kept.mesh.positions.size());
  const SimplifyResult sloppy = simplify(source, 50);
  EXPECT_TRUE(sloppy.reached_target);
  EXPECT_TRUE(sloppy.used_sloppy);
  EXPECT_LE(sloppy.mesh.triangle_count(), 50u);
}

TEST(Simplify, UnderBudgetMeshesAreOnlyReordered) {
  const Primitive spot = merge_primitives(must_load("spot.obj"));
  const SimplifyResult result = simplify(spot, spot.triangle_count() + 10);
  EXPECT_EQ(result.mesh.triangle_count(), spot.triangle_count());
  EXPECT_EQ(result.relative_error, 0);
}

TEST(Simplify, EmptyAndDegenerateInputsAreSafe) {
  EXPECT_EQ(simplify(Primitive{}, 100).mesh.triangle_count(), 0u);
  Primitive flat;
  flat.positions.assign(3, Vec3{1, 1, 1});
  flat.indices = {0, 1, 2, 0, 1, 2};
  EXPECT_LE(simplify(flat, 1).mesh.triangle_count(), 1u);
}

}  // namespace
}  // namespace atlas::geometry
