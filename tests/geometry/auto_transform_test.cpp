#include "geometry/auto_transform.h"

#include <gtest/gtest.h>

#include <cmath>

#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas::geometry {
namespace {

TEST(AutoTransform, PivotAtTheBottomCentreOfARealSplat) {
  Result<SplatCloud> cloud = load_splats(test::testdata("splats/404-hamburger.ply"));
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  const Placement placement = placement_for(cloud->bounds(), std::nullopt);
  apply(placement, *cloud);
  const Bounds placed = cloud->bounds();
  EXPECT_NEAR(placed.min.y, 0, 1e-5);
  EXPECT_NEAR(placed.center().x, 0, 1e-5);
  EXPECT_NEAR(placed.center().z, 0, 1e-5);
  EXPECT_EQ(placement.scale, 1);
}

TEST(AutoTransform, ScalesToARealWorldHeight) {
  Result<Mesh> mesh = load_mesh(test::testdata("meshes/DamagedHelmet.glb"));
  ASSERT_TRUE(mesh.ok()) << mesh.error().message;
  const Placement placement = placement_for(mesh->bounds(), 0.3f);
  apply(placement, *mesh);
  EXPECT_NEAR(mesh->bounds().size().y, 0.3f, 1e-5);
  EXPECT_NEAR(mesh->bounds().min.y, 0, 1e-6);
}

TEST(AutoTransform, CombinedPlacementEqualsTheTwoInTurn) {
  const Placement first{{1, -2, 3}, 2.0f}, second{{0.5f, 4, -1}, 0.25f};
  const Placement both = combined(first, second);
  for (const Vec3 p : {Vec3{0, 0, 0}, Vec3{1, 2, 3}, Vec3{-7, 0.5f, 9}}) {
    const Vec3 in_turn = ((p - first.pivot) * first.scale - second.pivot) * second.scale;
    const Vec3 at_once = (p - both.pivot) * both.scale;
    EXPECT_NEAR(at_once.x, in_turn.x, 1e-5f);
    EXPECT_NEAR(at_once.y, in_turn.y, 1e-5f);
    EXPECT_NEAR(at_once.z, in_turn.z, 1e-5f);
  }
}

TEST(AutoTransform, SplatSizesFollowTheScale) {
  SplatCloud cloud;
  cloud.resize(2);
  cloud.positions = {{0, 1, 0}, {0, 3, 0}};
  cloud.log_scales = {{0, 0, 0}, {-1, -1, -1}};
  const Placement placement = placement_for(cloud.bounds(), 4.0f);
  EXPECT_FLOAT_EQ(placement.scale, 2);
  apply(placement, cloud);
  EXPECT_FLOAT_EQ(cloud.positions[1].y, 4);
  EXPECT_NEAR(std::exp(cloud.log_scales[0].x), 2, 1e-5);
}

TEST(AutoTransform, BadHeightsAndEmptyBoundsLeaveTheAssetAlone) {
  const Bounds flat{{0, 1, 0}, {1, 1, 1}};
  EXPECT_EQ(placement_for(flat, 2.0f).scale, 1);  // no height to scale
  EXPECT_EQ(placement_for(flat, NAN).scale, 1);
  EXPECT_EQ(placement_for(Bounds{}, 2.0f).scale, 1);
}

}  // namespace
}  // namespace atlas::geometry
