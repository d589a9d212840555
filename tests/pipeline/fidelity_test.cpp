#include "pipeline/fidelity.h"

#include <gtest/gtest.h>

#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas::pipeline {
namespace {

TEST(Fidelity, SixteenViewsAtPlusAndMinusFifteenDegrees) {
  const auto cameras = fidelity_cameras();
  ASSERT_EQ(cameras.size(), 16u);
  for (std::size_t i = 0; i < cameras.size(); ++i) {
    EXPECT_FLOAT_EQ(cameras[i].azimuth_degrees, 45.0f * (i % 8));
    EXPECT_FLOAT_EQ(cameras[i].elevation_degrees, i < 8 ? 15.0f : -15.0f);
    EXPECT_EQ(cameras[i].width, 512);
    EXPECT_FLOAT_EQ(cameras[i].radius, 2.5f);
  }
}

TEST(Fidelity, AMeshMatchesItselfAndNotAnotherMesh) {
  Result<Mesh> helmet = load_mesh(test::testdata("meshes/DamagedHelmet.glb"));
  Result<Mesh> spot = load_mesh(test::testdata("meshes/spot.obj"));
  ASSERT_TRUE(helmet.ok() && spot.ok());
  const auto cameras = fidelity_cameras(128);
  const render::Framing framing = render::fit_framing(helmet->bounds());
  const auto reference = render_source(SourceAsset{&*helmet}, cameras, framing);
  ASSERT_EQ(reference.size(), 16u);
  std::vector<Image> renders;
  const Fidelity same = measure_fidelity(reference, cameras, framing, *helmet, &renders);
  EXPECT_EQ(renders.size(), 16u);
  EXPECT_DOUBLE_EQ(same.mean_iou, 1.0);
  EXPECT_DOUBLE_EQ(same.mean_psnr, 99.0);
  EXPECT_DOUBLE_EQ(same.mean_ssim, 1.0);
  const Fidelity other = measure_fidelity(reference, cameras, framing, *spot);
  EXPECT_LT(other.mean_iou, 0.8);
  EXPECT_LT(other.min_iou, other.mean_iou + 1e-9);
}

TEST(Fidelity, NoReferenceMeansNoViews) {
  const Fidelity none = measure_fidelity({}, fidelity_cameras(), {}, Mesh{});
  EXPECT_TRUE(none.views.empty());
}

}  // namespace
}  // namespace atlas::pipeline
