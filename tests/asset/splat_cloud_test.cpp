#include "asset/splat_cloud.h"

#include <gtest/gtest.h>

#include <limits>

#include "asset/statistics.h"

namespace atlas {
namespace {

SplatCloud two_splats(int sh_degree) {
  SplatCloud cloud;
  cloud.sh_degree = sh_degree;
  cloud.resize(2);
  cloud.positions = {{-1, 0, 0}, {1, 2, 3}};
  cloud.log_scales = {{std::log(0.01f), std::log(0.02f), std::log(0.03f)}, {0, 0, 0}};
  cloud.opacity_logits = {logit(0.0005f), logit(0.9f)};
  return cloud;
}

TEST(SplatCloud, ResizeKeepsEveryArrayInStep) {
  for (int degree = 0; degree <= 3; ++degree) {
    SplatCloud cloud = two_splats(degree);
    EXPECT_TRUE(cloud.consistent());
    EXPECT_EQ(cloud.sh_rest.size(), 2u * sh_rest_coefficients(degree) * 3);
    EXPECT_EQ(cloud.validate(), "");
  }
  EXPECT_EQ(sh_rest_coefficients(3), 15);
}

TEST(SplatCloud, ValidateNamesTheSplatAndAttribute) {
  SplatCloud cloud = two_splats(1);
  cloud.positions[1].y = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(cloud.validate(), "splat 1: position is not finite");
  cloud = two_splats(1);
  cloud.sh_rest[7] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(cloud.validate(), "splat 0: spherical harmonic is not finite");
  cloud.opacity_logits.pop_back();
  EXPECT_EQ(cloud.validate(), "attribute arrays have inconsistent lengths");
}

TEST(SplatCloud, ActivationsInvertEachOther) {
  for (float alpha : {0.001f, 0.25f, 0.5f, 0.99f}) EXPECT_NEAR(sigmoid(logit(alpha)), alpha, 1e-6);
  EXPECT_TRUE(std::isfinite(logit(0.0f)));
  EXPECT_TRUE(std::isfinite(logit(1.0f)));
  EXPECT_NEAR(colour_from_sh_dc(sh_dc_from_colour(0.3f)), 0.3f, 1e-6);
}

TEST(SplatStatistics, Summaries) {
  const SplatStatistics s = compute_statistics(two_splats(0));
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.bounds.min.x, -1);
  EXPECT_EQ(s.bounds.max.z, 3);
  EXPECT_NEAR(s.opacity.max, 0.9, 1e-5);
  EXPECT_NEAR(s.scale.min, 0.03, 1e-6);  // the largest axis of the first splat
  EXPECT_DOUBLE_EQ(s.share_nearly_transparent, 0.5);
  EXPECT_EQ(s.identity_rotations, 2u);
}

TEST(SplatStatistics, IdentityRotationsCountAnyScaleOfTheIdentity) {
  SplatCloud cloud = two_splats(0);
  cloud.rotations = {{-3, 0, 0, 0}, {1, 0.01f, 0, 0}};
  EXPECT_EQ(compute_statistics(cloud).identity_rotations, 1u);
}

}  // namespace
}  // namespace atlas
