#include "geometry/merge.h"

#include <gtest/gtest.h>

#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas::geometry {
namespace {

TEST(Merge, OneSurfaceFromEveryPrimitiveOfARealMesh) {
  Result<Mesh> fox = load_mesh(test::testdata("meshes/trellis-sample.glb"));
  ASSERT_TRUE(fox.ok()) << fox.error().message;
  const Primitive merged = merge_primitives(*fox);
  EXPECT_EQ(merged.positions.size(), fox->vertex_count());
  EXPECT_EQ(merged.triangle_count(), fox->triangle_count());
  EXPECT_TRUE(merged.uv0.empty());
  EXPECT_TRUE((Mesh{"", {merged}, {}, {}}.validate().empty()));
}

TEST(Merge, SkipsPrimitivesWithBadIndices) {
  Mesh mesh;
  Primitive good, bad;
  good.positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  good.indices = {0, 1, 2};
  bad = good;
  bad.indices = {0, 1, 7};
  mesh.primitives = {bad, good, good};
  const Primitive merged = merge_primitives(mesh);
  EXPECT_EQ(merged.triangle_count(), 2u);
  EXPECT_EQ(merged.indices.back(), 5u);
}

}  // namespace
}  // namespace atlas::geometry
