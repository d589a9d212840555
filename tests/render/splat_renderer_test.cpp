#include "render/splat_renderer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "formats/asset_io.h"
#include "formats/image_io.h"
#include "render/image_metrics.h"
#include "test_support.h"

namespace atlas::render {
namespace {

struct TestSplat {
  Vec3 position;
  float sigma = 0.05f;   // isotropic std-dev, metres
  Vec3 colour{1, 1, 1};  // degree-0 colour
  float opacity = 0.999f;
};

SplatCloud make_cloud(const std::vector<TestSplat>& splats, int sh_degree = 0) {
  SplatCloud cloud;
  cloud.sh_degree = sh_degree;
  cloud.resize(splats.size());
  for (std::size_t i = 0; i < splats.size(); ++i) {
    const TestSplat& s = splats[i];
    cloud.positions[i] = s.position;
    const float log_sigma = std::log(s.sigma);
    cloud.log_scales[i] = {log_sigma, log_sigma, log_sigma};
    cloud.rotations[i] = Quat{};
    cloud.opacity_logits[i] = logit(s.opacity);
    cloud.sh_dc[i] = {sh_dc_from_colour(s.colour.x), sh_dc_from_colour(s.colour.y),
                      sh_dc_from_colour(s.colour.z)};
  }
  return cloud;
}

SplatRenderOptions black_background() {
  SplatRenderOptions options;
  options.background = {0, 0, 0};
  return options;
}

float alpha_at(const Image& image, int x, int y) { return image.at(x, y)[3] / 255.0f; }

// Alpha-weighted centroid of the image, in pixels.
Vec2 centroid(const Image& image) {
  double sx = 0, sy = 0, total = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const double a = image.at(x, y)[3];
      sx += a * (x + 0.5);
      sy += a * (y + 0.5);
      total += a;
    }
  }
  if (total == 0) return {NAN, NAN};
  return {static_cast<float>(sx / total), static_cast<float>(sy / total)};
}

TEST(SplatRenderer, IsotropicGaussianIsRoundBlobOfProjectedSigma) {
  const OrbitCamera camera;  // 512 x 512, radius 2.5, azimuth 0
  const float focal = camera_matrices(camera).focal_y;
  const float pixel_sigma = 20.0f;
  const float sigma = pixel_sigma * camera.radius / focal;
  const Image image =
      render_splats(make_cloud({{{0, 0, 0}, sigma}}), camera, Framing{}, black_background());
  ASSERT_EQ(image.width, 512);
  ASSERT_EQ(image.height, 512);
  // The image centre (256, 256) lies between pixels 255 and 256; the 2D variance gets
  // the 0.3 px^2 low-pass.
  const float variance = pixel_sigma * pixel_sigma + 0.3f;
  for (int offset : {0, 10, 20, 35, 50}) {
    const float d = offset + 0.5f;
    const float expected = std::min(0.99f, 0.999f * std::exp(-0.5f * d * d / variance));
    const float tolerance = 1.5f / 255.0f;
    const float want = expected < 1.0f / 255.0f ? 0.0f : expected;
    EXPECT_NEAR(alpha_at(image, 256 + offset, 256), want, tolerance) << "right " << offset;
    EXPECT_NEAR(alpha_at(image, 255 - offset, 256), want, tolerance) << "left " << offset;
    EXPECT_NEAR(alpha_at(image, 256, 256 + offset), want, tolerance) << "down " << offset;
    EXPECT_NEAR(alpha_at(image, 256, 255 - offset), want, tolerance) << "up " << offset;
  }
  // Diagonal as well: round, not square.
  const float d = std::hypot(20.5f, 20.5f);
  EXPECT_NEAR(alpha_at(image, 276, 276), 0.999f * std::exp(-0.5f * d * d / variance), 1.5f / 255);
  // Nothing past the 3-sigma extent.
  EXPECT_EQ(alpha_at(image, 256 + 62, 256), 0.0f);
  EXPECT_EQ(alpha_at(image, 256, 256 + 62), 0.0f);
  const Vec2 c = centroid(image);
  EXPECT_NEAR(c.x, 256.0f, 0.01f);
  EXPECT_NEAR(c.y, 256.0f, 0.01f);
}

TEST(SplatRenderer, ColourMatchesShDcAndBackgroundShowsElsewhere) {
  SplatRenderOptions options;
  options.background = {0.25f, 0.5f, 0.75f};
  const Vec3 colour{0.2f, 0.6f, 0.9f};
  const Image image =
      render_splats(make_cloud({{{0, 0, 0}, 0.2f, colour}}), OrbitCamera{}, Framing{}, options);
  // Centre: alpha 0.99 (the clamp), so 1 % of the background shows through.
  const std::uint8_t* centre = image.at(256, 256);
  EXPECT_NEAR(centre[0], (0.99f * colour.x + 0.01f * 0.25f) * 255, 1.0);
  EXPECT_NEAR(centre[1], (0.99f * colour.y + 0.01f * 0.5f) * 255, 1.0);
  EXPECT_NEAR(centre[2], (0.99f * colour.z + 0.01f * 0.75f) * 255, 1.0);
  EXPECT_EQ(centre[3], 252);  // round(0.99 * 255)
  const std::uint8_t* corner = image.at(3, 3);
  EXPECT_EQ(corner[0], 64);
  EXPECT_EQ(corner[1], 128);
  EXPECT_EQ(corner[2], 191);
  EXPECT_EQ(corner[3], 0);
}

TEST(SplatRenderer, NearerSplatHidesFartherOneWhateverTheOrder) {
  const TestSplat blue{{0, 0, -0.5f}, 0.2f, {0, 0, 1}};
  const TestSplat red{{0, 0, 0.5f}, 0.2f, {1, 0, 0}};  // nearer to the camera on +Z
  for (const auto& splats :
       {std::vector<TestSplat>{blue, red}, std::vector<TestSplat>{red, blue}}) {
    const Image image = render_splats(make_cloud(splats), OrbitCamera{}, Framing{});
    const std::uint8_t* centre = image.at(256, 256);
    EXPECT_GE(centre[0], 250);
    EXPECT_LE(centre[2], 5);
    EXPECT_GE(centre[3], 252);
  }
  // From behind (azimuth 180) the blue one is in front.
  OrbitCamera behind;
  behind.azimuth_degrees = 180;
  const Image image = render_splats(make_cloud({red, blue}), behind, Framing{});
  EXPECT_LE(image.at(256, 256)[0], 5);
  EXPECT_GE(image.at(256, 256)[2], 250);
}

TEST(SplatRenderer, OpaqueStackStopsAtTransmittanceLimit) {
  // Alpha is clamped to 0.99, so the second splat would take transmittance to 1e-4 (a
  // hair under it in float): as in the reference kernel, the pixel stops there without
  // adding that splat, and the third (green, farthest) never shows.
  const Image image = render_splats(make_cloud({{{0, 0, 0.2f}, 0.2f, {1, 0, 0}},
                                                {{0, 0, 0.1f}, 0.2f, {1, 0, 0}},
                                                {{0, 0, 0.0f}, 0.2f, {0, 1, 0}}}),
                                    OrbitCamera{}, Framing{}, black_background());
  EXPECT_EQ(image.at(256, 256)[1], 0);
  EXPECT_EQ(image.at(256, 256)[0], 252);
  EXPECT_EQ(image.at(256, 256)[3], 252);
}

TEST(SplatRenderer, ShDegreeOneColourFollowsViewDirection) {
  SplatCloud cloud = make_cloud({{{0, 0, 0}, 0.2f, {0.5f, 0.5f, 0.5f}}}, 1);
  // Coefficient 1 of degree 1 multiplies +C1 * z of the direction from the eye to the
  // splat; put it on the red channel only.
  const float coefficient = 0.4f;
  cloud.sh_rest[1 * 3 + 0] = coefficient;
  constexpr float kShC1 = 0.4886025119029199f;
  const auto red_at = [&](float azimuth) {
    OrbitCamera camera;
    camera.azimuth_degrees = azimuth;
    const Image image = render_splats(cloud, camera, Framing{}, black_background());
    return image.at(256, 256)[0] / 255.0f;
  };
  // Azimuth 0: the eye is on +Z, the direction to the splat is -Z.
  EXPECT_NEAR(red_at(0), 0.99f * (0.5f - kShC1 * coefficient), 1.0f / 255);
  EXPECT_NEAR(red_at(180), 0.99f * (0.5f + kShC1 * coefficient), 1.0f / 255);
  EXPECT_NEAR(red_at(90), 0.99f * 0.5f, 1.0f / 255);
}

TEST(SplatRenderer, ShDegreesTwoAndThreeUseTheReferenceBasisAndLayout) {
  const auto green_at = [](const SplatCloud& cloud, float azimuth) {
    OrbitCamera camera;
    camera.azimuth_degrees = azimuth;
    return render_splats(cloud, camera, Framing{}, black_background()).at(256, 256)[1] / 255.0f;
  };
  const float coefficient = 0.5f;
  // Degree 2, coefficient 5 (the third degree-2 one): C2[2] (2 z^2 - x^2 - y^2).
  SplatCloud two = make_cloud({{{0, 0, 0}, 0.2f, {0.5f, 0.5f, 0.5f}}}, 2);
  ASSERT_EQ(two.sh_rest.size(), 8u * 3);
  two.sh_rest[5 * 3 + 1] = coefficient;
  EXPECT_NEAR(green_at(two, 0), 0.99f * (0.5f + 0.31539157f * 2 * coefficient), 1.0f / 255);
  EXPECT_NEAR(green_at(two, 90), 0.99f * (0.5f - 0.31539157f * coefficient), 1.0f / 255);
  // Degree 3, coefficient 12 (the fifth degree-3 one): C3[4] x (4 z^2 - x^2 - y^2).
  SplatCloud three = make_cloud({{{0, 0, 0}, 0.2f, {0.5f, 0.5f, 0.5f}}}, 3);
  ASSERT_EQ(three.sh_rest.size(), 15u * 3);
  three.sh_rest[12 * 3 + 1] = coefficient;
  EXPECT_NEAR(green_at(three, 0), 0.99f * 0.5f, 1.0f / 255);
  // From +X the direction is -X: x (4 z^2 - x^2 - y^2) = 1.
  EXPECT_NEAR(green_at(three, 90), 0.99f * (0.5f - 0.4570458f * coefficient), 1.0f / 255);
  // Negative results clamp at 0.
  three.sh_rest[12 * 3 + 1] = 10;
  EXPECT_EQ(green_at(three, 90), 0.0f);
}

TEST(SplatRenderer, SplatBehindCameraIsCulled) {
  const OrbitCamera camera;  // eye at (0, 0, 2.5), looking towards -Z
  SplatRenderOptions options;
  options.background = {0, 0, 0};
  for (const float z : {3.0f, 2.5f, 2.495f}) {
    const Image image = render_splats(make_cloud({{{0, 0, z}, 0.2f}}), camera, Framing{}, options);
    for (std::size_t i = 0; i < image.pixels.size(); ++i) ASSERT_EQ(image.pixels[i], 0) << z;
  }
}

TEST(SplatRenderer, CameraConventions) {
  const SplatCloud cloud = make_cloud({{{0.5f, 0, 0}, 0.03f}});
  OrbitCamera camera;
  // Azimuth 0 looks at the +Z face: +X is on the right, seen from behind on the left.
  EXPECT_GT(centroid(render_splats(cloud, camera, Framing{})).x, 300);
  camera.azimuth_degrees = 180;
  EXPECT_LT(centroid(render_splats(cloud, camera, Framing{})).x, 212);
  // Azimuth 90 puts the camera on +X: the splat is straight ahead.
  camera.azimuth_degrees = 90;
  EXPECT_NEAR(centroid(render_splats(cloud, camera, Framing{})).x, 256, 0.5);
  // +Y is up.
  camera.azimuth_degrees = 0;
  EXPECT_LT(centroid(render_splats(make_cloud({{{0, 0.5f, 0}, 0.03f}}), camera, Framing{})).y, 212);

  // Straight down and straight up: defined, no NaN, +X still on the right at azimuth 0.
  for (const float elevation : {90.0f, -90.0f}) {
    camera.elevation_degrees = elevation;
    const Image image = render_splats(cloud, camera, Framing{});
    const Vec2 c = centroid(image);
    EXPECT_GT(c.x, 300) << elevation;
    EXPECT_NEAR(c.y, 256, 0.5) << elevation;
  }
}

TEST(SplatRenderer, FramingCentresAndScales) {
  const SplatCloud cloud = make_cloud({{{10, 20, 30}, 0.01f}});
  const OrbitCamera camera;
  const Image small = render_splats(cloud, camera, Framing{{10, 20, 30}, 1}, black_background());
  const Image large = render_splats(cloud, camera, Framing{{10, 20, 30}, 2}, black_background());
  EXPECT_NEAR(centroid(small).x, 256, 0.01);
  EXPECT_NEAR(centroid(large).y, 256, 0.01);
  const auto coverage = [](const Image& image) {
    int n = 0;
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) n += image.at(x, y)[3] > 0;
    }
    return n;
  };
  // Twice the std-dev: about four times the area.
  EXPECT_NEAR(coverage(large) / double(coverage(small)), 4.0, 0.5);
}

TEST(SplatRenderer, ThreadCountDoesNotChangeTheImage) {
  std::vector<TestSplat> splats;
  for (int i = 0; i < 400; ++i) {
    const float t = i * 0.1f;
    splats.push_back({{0.6f * std::sin(t), 0.5f * std::cos(1.3f * t), 0.4f * std::sin(0.7f * t)},
                      0.02f + 0.0001f * i,
                      {0.5f + 0.5f * std::sin(t), 0.5f, 0.5f + 0.5f * std::cos(t)},
                      0.3f + 0.0017f * i});
  }
  const SplatCloud cloud = make_cloud(splats);
  SplatRenderOptions one;
  one.threads = 1;
  SplatRenderOptions two;
  two.threads = 2;
  const Image a = render_splats(cloud, OrbitCamera{}, Framing{}, one);
  const Image b = render_splats(cloud, OrbitCamera{}, Framing{}, two);
  EXPECT_EQ(a.pixels, b.pixels);
}

TEST(SplatRenderer, AScratchKeptAcrossViewsGivesTheSameImages) {
  Result<SplatCloud> hamburger = load_splats(test::testdata("splats/404-hamburger.ply"));
  ASSERT_TRUE(hamburger.ok()) << hamburger.error().message;
  const Framing framing = fit_framing(hamburger->bounds());
  SplatRenderOptions options;
  options.threads = 1;
  SplatRenderScratch scratch;
  // Larger, then smaller: entries left over from the previous view must not show.
  OrbitCamera camera;
  for (const auto& [azimuth, size] : {std::pair{0.0f, 256}, std::pair{135.0f, 96}}) {
    camera.azimuth_degrees = azimuth;
    camera.width = camera.height = size;
    EXPECT_EQ(render_splats(*hamburger, camera, framing, options, scratch).pixels,
              render_splats(*hamburger, camera, framing, options).pixels);
  }
  // An empty cloud after a full one renders as background only.
  EXPECT_EQ(render_splats(SplatCloud{}, camera, framing, options, scratch).pixels,
            render_splats(SplatCloud{}, camera, framing, options).pixels);
}

TEST(SplatRenderer, HostileInputsRenderSafely) {
  SplatRenderOptions options = black_background();
  // Empty cloud, inconsistent arrays, non-finite values and degenerate scales.
  EXPECT_EQ(render_splats(SplatCloud{}, OrbitCamera{}, Framing{}, options).pixels,
            std::vector<std::uint8_t>(512 * 512 * 4, 0));
  SplatCloud inconsistent = make_cloud({{{0, 0, 0}, 0.2f}});
  inconsistent.opacity_logits.clear();
  EXPECT_EQ(render_splats(inconsistent, OrbitCamera{}, Framing{}, options).pixels,
            std::vector<std::uint8_t>(512 * 512 * 4, 0));
  SplatCloud hostile = make_cloud({{{0, 0, 0}, 0.2f},
                                   {{0, 0, 0}, 0.2f},
                                   {{0, 0, 0}, 0.2f},
                                   {{0, 0, 0}, 0.2f},
                                   {{0, 0, 0}, 0.2f}});
  hostile.positions[0].x = NAN;
  hostile.log_scales[1] = {INFINITY, INFINITY, INFINITY};
  hostile.log_scales[2] = {-INFINITY, -INFINITY, -INFINITY};
  hostile.rotations[3] = {0, 0, 0, 0};
  hostile.opacity_logits[4] = NAN;
  hostile.log_scales[3] = {-200, -200, -200};
  const Image image = render_splats(hostile, OrbitCamera{}, Framing{}, options);
  // Splat 2 and 3 collapse to the 0.3 px^2 low-pass: a dot in the middle, nothing else.
  EXPECT_GT(image.at(256, 256)[3], 0);
  EXPECT_EQ(image.at(200, 200)[3], 0);
  OrbitCamera no_pixels;
  no_pixels.width = 0;
  EXPECT_TRUE(render_splats(hostile, no_pixels, Framing{}).empty());
  OrbitCamera too_many_pixels;
  too_many_pixels.width = kMaxRenderSide + 1;
  EXPECT_TRUE(render_splats(hostile, too_many_pixels, Framing{}).empty());
}

TEST(SplatRenderer, NonSquareImageKeepsSquarePixels) {
  OrbitCamera camera;
  camera.width = 300;
  camera.height = 200;
  const Image image = render_splats(make_cloud({{{0, 0, 0}, 0.05f}}), camera, Framing{});
  ASSERT_EQ(image.width, 300);
  ASSERT_EQ(image.height, 200);
  const Vec2 c = centroid(image);
  EXPECT_NEAR(c.x, 150, 0.01);
  EXPECT_NEAR(c.y, 100, 0.01);
  EXPECT_EQ(image.at(150 + 5, 100)[3], image.at(150, 100 + 5)[3]);
}

// Silhouette share and centroid of a real 404 output, from the validator's viewpoints.
TEST(SplatRenderer, RealHamburgerRendersCentredAndCovered) {
  auto cloud = load_splats(test::testdata("splats/404-hamburger.ply"));
  if (!cloud.ok() && cloud.error().message.find("not implemented") != std::string::npos) {
    GTEST_SKIP() << cloud.error().message;
  }
  ASSERT_TRUE(cloud.ok()) << cloud.error().message;
  ASSERT_EQ(cloud->size(), 52709u);
  const Framing framing = fit_framing(cloud->bounds());
  OrbitCamera camera;
  camera.elevation_degrees = -15;
  const auto dir = test::scratch_dir();
  for (const float azimuth : {0.0f, 90.0f, 180.0f, 270.0f}) {
    camera.azimuth_degrees = azimuth;
    const Image image = render_splats(*cloud, camera, framing);
    int covered = 0;
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) covered += image.at(x, y)[3] >= kSilhouetteAlpha;
    }
    const double share = covered / double(image.width * image.height);
    EXPECT_GT(share, 0.2) << azimuth;
    EXPECT_LT(share, 0.6) << azimuth;
    const Vec2 c = centroid(image);
    EXPECT_NEAR(c.x, 256, 40) << azimuth;
    EXPECT_NEAR(c.y, 256, 40) << azimuth;
    // Not a flat blob: dark patties, a light bun, warm colours overall (red above blue,
    // which also catches swapped channels).
    int dark = 0, light = 0;
    double red = 0, blue = 0;
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) {
        const std::uint8_t* p = image.at(x, y);
        if (p[3] < 250) continue;
        dark += p[0] + p[1] + p[2] < 250;
        light += p[0] + p[1] + p[2] > 400;
        red += p[0];
        blue += p[2];
      }
    }
    EXPECT_GT(dark, 1000) << azimuth;
    EXPECT_GT(light, 5000) << azimuth;
    EXPECT_GT(red, 1.3 * blue) << azimuth;
    ASSERT_TRUE(save_png(image, dir / ("hamburger_" + std::to_string(int(azimuth)) + ".png")).ok());
  }
}

}  // namespace
}  // namespace atlas::render
