#include "render/mesh_renderer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "formats/asset_io.h"
#include "formats/image_io.h"
#include "render/image_metrics.h"
#include "test_support.h"

namespace atlas::render {
namespace {

// An axis-aligned square in the plane z = `z`, facing +Z (counter-clockwise seen from
// +Z), uv (0, 0) at its top-left corner.
Primitive square(float half, float z = 0, int material = -1) {
  Primitive p;
  p.positions = {{-half, half, z}, {-half, -half, z}, {half, -half, z}, {half, half, z}};
  p.uv0 = {{0, 0}, {0, 1}, {1, 1}, {1, 0}};
  p.indices = {0, 1, 2, 0, 2, 3};
  p.material = material;
  return p;
}

MeshRenderOptions unlit() {
  MeshRenderOptions options;
  options.shading = Shading::Unlit;
  return options;
}

float focal() { return camera_matrices(OrbitCamera{}).focal_y; }

bool covered(const Image& image, int x, int y) { return image.at(x, y)[3] == 255; }

// A 2x2 RGBA texture: black, white / white, black.
MeshImage checker() {
  MeshImage image;
  image.pixels = Image(2, 2, 4);
  const std::uint8_t values[4] = {0, 255, 255, 0};
  for (int i = 0; i < 4; ++i) {
    std::uint8_t* p = image.pixels.pixels.data() + i * 4;
    p[0] = p[1] = p[2] = values[i];
    p[3] = 255;
  }
  return image;
}

Mesh textured_square(int mag_filter) {
  Mesh mesh;
  mesh.primitives.push_back(square(0.5f, 0, 0));
  mesh.images.push_back(checker());
  Material material;
  material.base_color_texture.image = 0;
  material.base_color_texture.sampler.mag_filter = mag_filter;
  mesh.materials.push_back(material);
  return mesh;
}

TEST(MeshRenderer, SquareFacingCameraCoversExpectedRectangle) {
  Mesh mesh;
  mesh.primitives.push_back(square(0.5f));
  const Image image = render_mesh(mesh, OrbitCamera{}, Framing{}, unlit());
  ASSERT_EQ(image.width, 512);
  // Pixel i is covered when its centre i + 0.5 is within 256 +- 0.5 f / 2.5.
  const float half = 0.5f * focal() / 2.5f;
  const int first = static_cast<int>(std::ceil(256 - half - 0.5f));
  const int last = static_cast<int>(std::floor(256 + half - 0.5f));
  int mismatches = 0;
  for (int y = 0; y < 512; ++y) {
    for (int x = 0; x < 512; ++x) {
      const bool want = x >= first && x <= last && y >= first && y <= last;
      mismatches += covered(image, x, y) != want;
    }
  }
  EXPECT_EQ(mismatches, 0);
  // Default material: white; background white with alpha 0.
  EXPECT_EQ(image.at(256, 256)[0], 255);
  EXPECT_EQ(image.at(5, 5)[3], 0);
}

TEST(MeshRenderer, SupersamplingAveragesCoverageAndColourAtEdges) {
  // A square rotated 30 degrees about the view axis: its edges cross pixels at every
  // phase. Coverage is the share of 2x2 samples inside it; colour is blended with the
  // background in the same share; inside and outside pixels stay pure.
  Mesh mesh;
  Primitive rotated = square(0.5f);
  const float c = std::cos(0.5236f), s = std::sin(0.5236f);
  for (Vec3& p : rotated.positions) p = {c * p.x - s * p.y, s * p.x + c * p.y, p.z};
  rotated.colors.assign(4, Vec4{0, 0, 0, 1});
  mesh.primitives.push_back(rotated);
  MeshRenderOptions options = unlit();
  const Image single = render_mesh(mesh, OrbitCamera{}, Framing{}, options);
  options.samples_per_side = 2;
  const Image smooth = render_mesh(mesh, OrbitCamera{}, Framing{}, options);
  ASSERT_EQ(smooth.width, 512);
  ASSERT_EQ(smooth.height, 512);
  double single_area = 0, smooth_area = 0;
  int partial = 0;
  for (int y = 0; y < 512; ++y) {
    for (int x = 0; x < 512; ++x) {
      const std::uint8_t* pixel = smooth.at(x, y);
      single_area += single.at(x, y)[3] / 255.0;
      smooth_area += pixel[3] / 255.0;
      EXPECT_NEAR(pixel[0] + pixel[3], 255, 1) << x << "," << y;  // black over white
      if (pixel[3] != 0 && pixel[3] != 255) {
        ++partial;
        EXPECT_TRUE(pixel[3] == 64 || pixel[3] == 128 || pixel[3] == 191) << int(pixel[3]);
      }
    }
  }
  EXPECT_GT(partial, 200);  // the edges, about 4 x 100 pixels long
  EXPECT_NEAR(smooth_area, single_area, 0.01 * single_area);
  EXPECT_EQ(smooth.at(256, 256)[3], 255);
  EXPECT_EQ(smooth.at(5, 5)[3], 0);
}

TEST(MeshRenderer, NearerSurfaceWins) {
  Mesh mesh;
  mesh.primitives.push_back(square(0.2f, 0.3f, 0));  // red, small, nearer
  mesh.primitives.push_back(square(0.5f, 0.0f, 1));  // blue, large, behind
  Material red, blue;
  red.base_color_factor = {1, 0, 0, 1};
  blue.base_color_factor = {0, 0, 1, 1};
  mesh.materials = {red, blue};
  for (int pass = 0; pass < 2; ++pass) {
    const Image image = render_mesh(mesh, OrbitCamera{}, Framing{}, unlit());
    EXPECT_EQ(image.at(256, 256)[0], 255);
    EXPECT_EQ(image.at(256, 256)[2], 0);
    EXPECT_EQ(image.at(256, 160)[0], 0);
    EXPECT_EQ(image.at(256, 160)[2], 255);
    std::swap(mesh.primitives[0], mesh.primitives[1]);
  }
}

TEST(MeshRenderer, NearestCheckerTextureLandsInTheRightQuadrants) {
  const Image image = render_mesh(textured_square(9728), OrbitCamera{}, Framing{}, unlit());
  const int near = 256 - 50, far = 256 + 50;
  EXPECT_EQ(image.at(near, near)[0], 0);   // top-left texel: black
  EXPECT_EQ(image.at(far, near)[0], 255);  // top-right: white
  EXPECT_EQ(image.at(near, far)[0], 255);  // bottom-left: white
  EXPECT_EQ(image.at(far, far)[0], 0);     // bottom-right: black
}

TEST(MeshRenderer, LinearCheckerTextureBlendsInLinearLight) {
  const Image image = render_mesh(textured_square(9729), OrbitCamera{}, Framing{}, unlit());
  const float quarter = 0.25f * focal() / 2.5f;  // a quadrant's centre: a texel centre
  const int near = static_cast<int>(256 - quarter), far = static_cast<int>(256 + quarter);
  EXPECT_LE(image.at(near, near)[0], 40);
  EXPECT_GE(image.at(far, near)[0], 250);
  EXPECT_GE(image.at(near, far)[0], 250);
  EXPECT_LE(image.at(far, far)[0], 40);
  // The centre mixes all four texels: linear 0.5, which sRGB encodes as 188.
  EXPECT_NEAR(image.at(256, 256)[0], 188, 3);
}

TEST(MeshRenderer, TextureTransformOffsetMovesTheTexture) {
  Mesh mesh = textured_square(9728);
  TextureTransform& transform = mesh.materials[0].base_color_texture.transform;
  transform.present = true;
  transform.offset = {0.5f, 0};
  const Image image = render_mesh(mesh, OrbitCamera{}, Framing{}, unlit());
  const int near = 256 - 50, far = 256 + 50;
  EXPECT_EQ(image.at(near, near)[0], 255);
  EXPECT_EQ(image.at(far, near)[0], 0);

  // Its texcoord override picks the second UV set.
  transform.offset = {0, 0};
  transform.texcoord = 1;
  Primitive& primitive = mesh.primitives[0];
  primitive.uv1 = primitive.uv0;
  for (Vec2& uv : primitive.uv1) uv.x = 1 - uv.x;  // mirrored left to right
  const Image mirrored = render_mesh(mesh, OrbitCamera{}, Framing{}, unlit());
  EXPECT_EQ(mirrored.at(near, near)[0], 255);
  EXPECT_EQ(mirrored.at(far, near)[0], 0);
}

TEST(MeshRenderer, WrapModesRepeatClampAndMirror) {
  Mesh mesh = textured_square(9728);
  for (Vec2& uv : mesh.primitives[0].uv0) uv = {uv.x * 2, uv.y};  // u from 0 to 2
  Sampler& sampler = mesh.materials[0].base_color_texture.sampler;
  const int row = 256 - 50;
  const auto quarter_colours = [&]() {
    const Image image = render_mesh(mesh, OrbitCamera{}, Framing{}, unlit());
    const float step = 0.25f * focal() / 2.5f;  // a quarter of the square's width
    std::vector<int> colours;
    for (int q = 0; q < 4; ++q)
      colours.push_back(image.at(int(256 - 1.5f * step + q * step), row)[0]);
    return colours;
  };
  sampler.wrap_s = 10497;  // repeat: u 0..2 shows black, white, black, white
  EXPECT_EQ(quarter_colours(), (std::vector<int>{0, 255, 0, 255}));
  sampler.wrap_s = 33071;  // clamp: u > 1 keeps the last column (white)
  EXPECT_EQ(quarter_colours(), (std::vector<int>{0, 255, 255, 255}));
  sampler.wrap_s = 33648;  // mirrored: 1..2 runs backwards
  EXPECT_EQ(quarter_colours(), (std::vector<int>{0, 255, 255, 0}));
}

TEST(MeshRenderer, VertexColoursInterpolatePerspectiveCorrectly) {
  // A square turned 60 degrees about Y: its left edge (red) comes nearer the camera
  // than its right edge (blue). The world-space middle (the origin) is at the image
  // centre and must be an even mix; screen-linear interpolation would not give that.
  Mesh mesh;
  Primitive p = square(0.5f);
  const float c = std::cos(1.0472f), s = std::sin(1.0472f);
  for (Vec3& v : p.positions) v = {v.x * c, v.y, -v.x * s};
  p.colors = {{1, 0, 0, 1}, {1, 0, 0, 1}, {0, 0, 1, 1}, {0, 0, 1, 1}};
  mesh.primitives.push_back(p);
  const Image image = render_mesh(mesh, OrbitCamera{}, Framing{}, unlit());
  // Pixel 256 is half a pixel right of the centre; allow for that.
  EXPECT_NEAR(image.at(256, 256)[0], 188, 4);
  EXPECT_NEAR(image.at(256, 256)[2], 188, 4);
  EXPECT_EQ(image.at(256, 256)[1], 0);
}

TEST(MeshRenderer, LitShadingDarkensTiltedSurfaces) {
  Mesh mesh;
  Primitive p = square(0.5f);
  const float c = std::cos(1.0472f), s = std::sin(1.0472f);  // 60 degrees
  for (Vec3& v : p.positions) v = {v.x * c, v.y, -v.x * s};
  mesh.primitives.push_back(p);
  const Image flat = render_mesh(mesh, OrbitCamera{}, Framing{}, unlit());
  const Image lit = render_mesh(mesh, OrbitCamera{}, Framing{});
  EXPECT_EQ(flat.at(256, 256)[0], 255);
  // 0.3 + 0.7 cos(60 deg) = 0.65 linear, 0.83 sRGB: about 211, the light being along the
  // camera axis.
  EXPECT_NEAR(lit.at(256, 256)[0], 211, 3);

  // Vertex normals, when present, replace the face normal.
  mesh.primitives[0].normals.assign(4, Vec3{0, 0, 1});
  const Image smooth = render_mesh(mesh, OrbitCamera{}, Framing{});
  EXPECT_EQ(smooth.at(256, 256)[0], 255);
}

TEST(MeshRenderer, BackFacesAreDrawn) {
  Mesh mesh;
  Primitive p = square(0.5f);
  p.indices = {0, 2, 1, 0, 3, 2};  // clockwise seen from the camera
  mesh.primitives.push_back(p);
  Material single_sided;
  single_sided.double_sided = false;
  mesh.materials.push_back(single_sided);
  mesh.primitives[0].material = 0;
  EXPECT_TRUE(covered(render_mesh(mesh, OrbitCamera{}, Framing{}), 256, 256));
}

TEST(MeshRenderer, AlphaMaskDiscardsAndBlendIsOpaque) {
  Mesh mesh;
  mesh.primitives.push_back(square(0.2f, 0.3f, 0));  // translucent red in front
  mesh.primitives.push_back(square(0.5f, 0.0f, 1));  // blue behind
  Material front, back;
  front.base_color_factor = {1, 0, 0, 0.3f};
  front.alpha_mode = AlphaMode::Mask;
  back.base_color_factor = {0, 0, 1, 1};
  mesh.materials = {front, back};
  EXPECT_EQ(render_mesh(mesh, OrbitCamera{}, Framing{}, unlit()).at(256, 256)[2], 255);
  mesh.materials[0].alpha_cutoff = 0.25f;
  EXPECT_EQ(render_mesh(mesh, OrbitCamera{}, Framing{}, unlit()).at(256, 256)[0], 255);
  mesh.materials[0].alpha_mode = AlphaMode::Blend;
  mesh.materials[0].alpha_cutoff = 0.5f;
  const Image blended = render_mesh(mesh, OrbitCamera{}, Framing{}, unlit());
  EXPECT_EQ(blended.at(256, 256)[0], 255);
  EXPECT_EQ(blended.at(256, 256)[3], 255);
}

TEST(MeshRenderer, TrianglesThroughTheCameraAreClippedAtTheNearPlane) {
  // A floor under the camera reaching far behind it and far in front.
  Mesh mesh;
  Primitive floor;
  floor.positions = {{-50, -0.5f, -50}, {-50, -0.5f, 50}, {50, -0.5f, 50}, {50, -0.5f, -50}};
  floor.indices = {0, 1, 2, 0, 2, 3};
  mesh.primitives.push_back(floor);
  const Image image = render_mesh(mesh, OrbitCamera{}, Framing{}, unlit());
  // Below the horizon (image centre row) everything is floor; above, nothing.
  EXPECT_TRUE(covered(image, 10, 500));
  EXPECT_TRUE(covered(image, 256, 300));
  EXPECT_FALSE(covered(image, 256, 200));
  EXPECT_FALSE(covered(image, 10, 10));
}

TEST(MeshRenderer, FramingAndThreadsAndHostileInput) {
  Mesh mesh;
  Primitive p = square(5.0f, 100.0f);
  for (Vec3& v : p.positions) v = v + Vec3{100, 0, 0};
  mesh.primitives.push_back(p);
  // Centred on (100, 0, 100) and shrunk ten times: the same picture as a 0.5 square.
  const Framing framing{{100, 0, 100}, 0.1f};
  MeshRenderOptions one = unlit(), two = unlit();
  one.threads = 1;
  two.threads = 2;
  const Image a = render_mesh(mesh, OrbitCamera{}, framing, one);
  const Image b = render_mesh(mesh, OrbitCamera{}, framing, two);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_TRUE(covered(a, 150, 150));
  EXPECT_FALSE(covered(a, 140, 140));

  // Bad primitives are skipped, not drawn and not crashed on.
  Mesh hostile;
  Primitive out_of_range = square(0.5f);
  out_of_range.indices = {0, 1, 7};
  Primitive mismatched = square(0.5f);
  mismatched.uv0.pop_back();
  Primitive non_finite = square(0.5f);
  non_finite.positions[0].x = NAN;
  non_finite.indices = {0, 1, 2};
  Primitive missing_image = square(0.1f, 0, 0);
  missing_image.uv0[0] = {INFINITY, NAN};
  const Primitive missing_material = square(0.05f, 0.1f, 42);
  hostile.primitives = {out_of_range, mismatched, non_finite, missing_image, missing_material};
  hostile.materials.resize(1);
  hostile.materials[0].base_color_texture.image = 5;  // no such image
  const Image image = render_mesh(hostile, OrbitCamera{}, Framing{}, unlit());
  // The last two draw white: without their texture, and with the default material.
  EXPECT_EQ(image.at(256, 256)[0], 255);
  EXPECT_TRUE(covered(image, 256, 256));
  EXPECT_TRUE(covered(image, 270, 270));
  EXPECT_FALSE(covered(image, 180, 180));  // the others are gone
  OrbitCamera no_pixels;
  no_pixels.height = -3;
  EXPECT_TRUE(render_mesh(hostile, no_pixels, Framing{}).empty());
  OrbitCamera too_many_pixels;
  too_many_pixels.height = kMaxRenderSide + 1;
  EXPECT_TRUE(render_mesh(hostile, too_many_pixels, Framing{}).empty());
}

double coverage_share(const Image& image) {
  int n = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) n += covered(image, x, y);
  }
  return n / double(image.width * image.height);
}

TEST(MeshRenderer, RealTrellisMeshRendersCentredAndCovered) {
  auto mesh = load_mesh(test::testdata("meshes/trellis-sample.glb"));
  if (!mesh.ok() && mesh.error().message.find("not implemented") != std::string::npos) {
    GTEST_SKIP() << mesh.error().message;
  }
  ASSERT_TRUE(mesh.ok()) << mesh.error().message;
  const Framing framing = fit_framing(mesh->bounds());
  OrbitCamera camera;
  camera.elevation_degrees = -15;
  const auto dir = test::scratch_dir();
  // The model is a bicycle facing +Z: thin from the front, wide from the side.
  camera.azimuth_degrees = 0;
  const double front_share = coverage_share(render_mesh(*mesh, camera, framing));
  EXPECT_GT(front_share, 0.01);
  EXPECT_LT(front_share, 0.1);
  camera.azimuth_degrees = 90;
  for (const Shading shading : {Shading::Lit, Shading::Unlit}) {
    MeshRenderOptions options;
    options.shading = shading;
    const Image image = render_mesh(*mesh, camera, framing, options);
    const double share = coverage_share(image);
    EXPECT_GT(share, 0.1);
    EXPECT_LT(share, 0.7);
    double sx = 0, sy = 0, n = 0;
    int distinct_colours = 0;
    std::vector<char> seen(1 << 15, 0);
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) {
        if (!covered(image, x, y)) continue;
        sx += x + 0.5;
        sy += y + 0.5;
        ++n;
        const std::uint8_t* p = image.at(x, y);
        const int key = (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | (p[2] >> 3);
        distinct_colours += !seen[key];
        seen[key] = 1;
      }
    }
    EXPECT_NEAR(sx / n, 256, 40);
    EXPECT_NEAR(sy / n, 256, 40);
    EXPECT_GT(distinct_colours, 50);  // textured, not a flat silhouette
    const std::string name = shading == Shading::Lit ? "trellis_lit.png" : "trellis_unlit.png";
    ASSERT_TRUE(save_png(image, dir / name).ok());
  }
}

}  // namespace
}  // namespace atlas::render
