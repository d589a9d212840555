#include "bake/colour_bake.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "bake/bake_test_surfaces.h"
#include "bake/texel_surface.h"
#include "formats/asset_io.h"
#include "render/image_metrics.h"
#include "render/mesh_renderer.h"
#include "render/splat_renderer.h"
#include "render/texture_sampler.h"
#include "test_support.h"

namespace atlas::bake {
namespace {

constexpr float kPi = 3.14159265f;

// Flat discs (sigma 12 mm across, 1 mm thick) every 20 mm over [-0.5, 0.5]^2 in the
// plane z, coloured by `colour(x, y)`.
template <typename ColourAt>
void add_layer(SplatCloud& cloud, float z, float alpha, ColourAt colour) {
  for (int j = 0; j <= 50; ++j) {
    for (int i = 0; i <= 50; ++i) {
      const float x = -0.5f + 0.02f * float(i), y = -0.5f + 0.02f * float(j);
      const Vec3 c = colour(x, y);
      cloud.positions.push_back({x, y, z});
      cloud.log_scales.push_back({std::log(0.012f), std::log(0.012f), std::log(0.001f)});
      cloud.rotations.push_back({});
      cloud.opacity_logits.push_back(logit(alpha));
      cloud.sh_dc.push_back(
          {sh_dc_from_colour(c.x), sh_dc_from_colour(c.y), sh_dc_from_colour(c.z)});
    }
  }
}

Vec3 quadrant_colour(float x, float y) {
  if (x < 0) return y < 0 ? Vec3{0.9f, 0.1f, 0.1f} : Vec3{0.1f, 0.8f, 0.2f};
  return y < 0 ? Vec3{0.2f, 0.3f, 0.9f} : Vec3{0.95f, 0.85f, 0.3f};
}

// A square over [lo, hi]^2 in the plane z facing `facing_z` (+1 or -1), UVs filling
// the atlas with v growing downwards (-Y).
Primitive quad(float lo, float hi, float z, float facing_z = 1) {
  Primitive mesh;
  for (Vec2 p : {Vec2{lo, lo}, Vec2{hi, lo}, Vec2{hi, hi}, Vec2{lo, hi}}) {
    mesh.positions.push_back({p.x, p.y, z});
    mesh.normals.push_back({0, 0, facing_z});
    mesh.uv0.push_back({(p.x - lo) / (hi - lo), 1 - (p.y - lo) / (hi - lo)});
  }
  mesh.indices = facing_z > 0 ? std::vector<std::uint32_t>{0, 1, 2, 0, 2, 3}
                              : std::vector<std::uint32_t>{0, 2, 1, 0, 3, 2};
  return mesh;
}

// The surface point texel (x, y) of quad(lo, hi, ...) shows.
Vec2 quad_point(int x, int y, int size, float lo, float hi) {
  const float u = (float(x) + 0.5f) / float(size), v = (float(y) + 0.5f) / float(size);
  return {lo + u * (hi - lo), lo + (1 - v) * (hi - lo)};
}

int byte(float value) { return int(std::lround(std::clamp(value, 0.0f, 1.0f) * 255)); }

BakeOptions options(int size) {
  BakeOptions o;
  o.texture_size = size;
  o.threads = 2;
  return o;
}

TEST(SplatColourBake, PlanarCloudBakesToTheSplatColours) {
  SplatCloud cloud;
  add_layer(cloud, 0, 0.9f, quadrant_colour);
  ASSERT_TRUE(cloud.validate().empty());
  const Image image = bake_splat_colour(quad(-0.4f, 0.4f, 0), cloud, options(64));
  ASSERT_EQ(image.width, 64);
  ASSERT_EQ(image.channels, 4);
  int checked = 0;
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      const Vec2 p = quad_point(x, y, 64, -0.4f, 0.4f);
      const std::uint8_t* texel = image.at(x, y);
      EXPECT_EQ(texel[3], 255);
      if (std::fabs(p.x) < 0.05f || std::fabs(p.y) < 0.05f) continue;  // quadrant borders
      const Vec3 expected = quadrant_colour(p.x, p.y);
      ASSERT_NEAR(texel[0], byte(expected.x), 1) << x << "," << y;
      ASSERT_NEAR(texel[1], byte(expected.y), 1) << x << "," << y;
      ASSERT_NEAR(texel[2], byte(expected.z), 1) << x << "," << y;
      ++checked;
    }
  }
  EXPECT_GT(checked, 3000);
}

TEST(SplatColourBake, LargeAtlasesAreBakedInSlabs) {
  // At 2048^2 the atlas is baked in two slabs of rows; a chart across their border.
  SplatCloud cloud;
  add_layer(cloud, 0, 0.9f, quadrant_colour);
  Primitive chart = quad(-0.4f, 0.4f, 0);
  for (Vec2& uv : chart.uv0) uv = {0.45f + 0.1f * uv.x, 0.45f + 0.1f * uv.y};
  const Image image = bake_splat_colour(chart, cloud, options(2048));
  ASSERT_EQ(image.width, 2048);
  int checked = 0;
  for (int y = 924; y < 1124; y += 3) {
    for (int x = 924; x < 1124; x += 3) {
      // Texel centre -> chart uv -> plane point.
      const float u = ((float(x) + 0.5f) / 2048 - 0.45f) / 0.1f;
      const float v = ((float(y) + 0.5f) / 2048 - 0.45f) / 0.1f;
      const Vec2 p{-0.4f + 0.8f * u, -0.4f + 0.8f * (1 - v)};
      if (std::fabs(p.x) < 0.05f || std::fabs(p.y) < 0.05f) continue;
      const Vec3 expected = quadrant_colour(p.x, p.y);
      ASSERT_NEAR(image.at(x, y)[0], byte(expected.x), 1) << x << "," << y;
      ASSERT_NEAR(image.at(x, y)[2], byte(expected.z), 1) << x << "," << y;
      ++checked;
    }
  }
  EXPECT_GT(checked, 2000);
}

TEST(SplatColourBake, CompositesFrontToBackFromOutsideAlongTheNormal) {
  // A faint red layer in front (+Z) of an opaque blue one 10 mm behind it.
  SplatCloud cloud;
  add_layer(cloud, 0.005f, 0.3f, [](float, float) { return Vec3{1, 0, 0}; });
  add_layer(cloud, -0.005f, 0.99f, [](float, float) { return Vec3{0, 0, 1}; });
  const Image from_front = bake_splat_colour(quad(-0.3f, 0.3f, 0, 1), cloud, options(16));
  const Image from_back = bake_splat_colour(quad(-0.3f, 0.3f, 0, -1), cloud, options(16));
  ASSERT_FALSE(from_front.empty());
  ASSERT_FALSE(from_back.empty());
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x) {
      // From the front the faint red mixes over the blue; from the back the opaque blue
      // hides the red but for what leaks between its splats.
      const std::uint8_t* front = from_front.at(x, y);
      EXPECT_GT(front[0], 60) << x << "," << y;
      EXPECT_GT(front[2], 60) << x << "," << y;
      EXPECT_NEAR(front[0] + front[2], 255, 2) << x << "," << y;
      const std::uint8_t* back = from_back.at(x, y);
      EXPECT_LE(back[0], 8) << x << "," << y;
      EXPECT_GE(back[2], 247) << x << "," << y;
    }
  }
}

TEST(SplatColourBake, TexelsNoSplatReachesTakeTheNearestSplat) {
  SplatCloud cloud;
  add_layer(cloud, 0, 0.9f, quadrant_colour);
  // The quad reaches to 0.9 while the splats stop at 0.5 (plus their extent).
  const Image image = bake_splat_colour(quad(-0.4f, 0.9f, 0), cloud, options(64));
  ASSERT_FALSE(image.empty());
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      const Vec2 p = quad_point(x, y, 64, -0.4f, 0.9f);
      if (p.x < 0.7f || std::fabs(p.y) < 0.05f || p.y > 0.5f) continue;
      const Vec3 expected = quadrant_colour(0.5f, p.y);
      ASSERT_NEAR(image.at(x, y)[0], byte(expected.x), 1) << x << "," << y;
      ASSERT_NEAR(image.at(x, y)[2], byte(expected.z), 1) << x << "," << y;
    }
  }
}

// Unlit renders of the splats and of the mesh wearing the baked texture, from the same
// cameras: the bake is plausible when they agree about as well as the geometry allows.
double mean_render_psnr(const SplatCloud& cloud, const Primitive& surface, const Image& texture,
                        double* mean_iou = nullptr) {
  Mesh mesh;
  mesh.primitives.push_back(surface);
  mesh.primitives[0].material = 0;
  Material material;
  material.base_color_texture.image = 0;
  mesh.materials.push_back(material);
  mesh.images.push_back({"baked", "", {}, texture});
  const render::Framing framing = render::fit_framing(cloud.bounds());
  double psnr = 0, iou = 0;
  constexpr int kViews = 4;
  for (int view = 0; view < kViews; ++view) {
    render::OrbitCamera camera;
    camera.width = camera.height = 256;
    camera.azimuth_degrees = 45.0f + 90.0f * float(view);
    camera.elevation_degrees = 15;
    const Image splats = render::render_splats(cloud, camera, framing);
    render::MeshRenderOptions unlit;
    unlit.shading = render::Shading::Unlit;
    const Image baked = render::render_mesh(mesh, camera, framing, unlit);
    psnr += render::masked_psnr(splats, baked);
    iou += render::silhouette_iou(splats, baked);
  }
  if (mean_iou) *mean_iou = iou / kViews;
  return psnr / kViews;
}

TEST(SplatColourBake, RealCloudOnAShellAroundIt) {
  Result<SplatCloud> hamburger = load_splats(test::testdata("splats/404-hamburger.ply"));
  ASSERT_TRUE(hamburger.ok()) << hamburger.error().message;
  // The shell's charts fill part of the atlas, leaving a border to dilate into.
  const Primitive shell = test::star_surface(*hamburger, 28, {0.1f, 0.1f, 0.9f, 0.85f});
  BakeOptions o = options(256);
  o.dilation_texels = 4;
  const Image image = bake_splat_colour(shell, *hamburger, o);
  ASSERT_EQ(image.width, 256);
  // Covered texels and four rings of gutter around them are opaque, the rest
  // transparent.
  const TexelSurface surface = rasterize_texels(shell, 256);
  for (int y = 0; y < 256; ++y) {
    for (int x = 0; x < 256; ++x) {
      bool near_covered = false;
      for (int dy = -4; dy <= 4 && !near_covered; ++dy) {
        for (int dx = -4; dx <= 4 && !near_covered; ++dx) {
          const int nx = x + dx, ny = y + dy;
          near_covered =
              nx >= 0 && ny >= 0 && nx < 256 && ny < 256 && surface.at(nx, ny).triangle >= 0;
        }
      }
      ASSERT_EQ(image.at(x, y)[3], near_covered ? 255 : 0) << x << "," << y;
    }
  }
  // Texel by texel, the baked colour is close to that of the opaque splats near the
  // point the texel shows (the nearest of them, on a sample of texels), much closer
  // than the object's mean colour is.
  const std::uint8_t* mean = image.at(2, 2);  // the background holds the mean colour
  double baked_error = 0, mean_error = 0;
  int samples = 0;
  for (std::size_t i = 0; i < surface.texels.size(); i += 47) {
    const TexelSample& texel = surface.texels[i];
    if (texel.triangle < 0) continue;
    float best = INFINITY;
    Vec3 colour;
    for (std::size_t s = 0; s < hamburger->size(); ++s) {
      if (sigmoid(hamburger->opacity_logits[s]) < 0.5f) continue;
      const Vec3 d = hamburger->positions[s] - texel.position;
      if (dot(d, d) < best) {
        best = dot(d, d);
        const Vec3 dc = hamburger->sh_dc[s];
        colour = {colour_from_sh_dc(dc.x), colour_from_sh_dc(dc.y), colour_from_sh_dc(dc.z)};
      }
    }
    const std::uint8_t* baked = &image.pixels[i * 4];
    for (int c = 0; c < 3; ++c) {
      const float expected = c == 0 ? colour.x : c == 1 ? colour.y : colour.z;
      baked_error += std::fabs(baked[c] - byte(expected));
      mean_error += std::fabs(mean[c] - byte(expected));
    }
    ++samples;
  }
  baked_error /= 3.0 * samples;
  mean_error /= 3.0 * samples;
  // And renders of the shell wearing the texture look like the splats, clearly more
  // than the shell in the mean colour does (the shell's geometry limits both).
  double iou = 0;
  const double psnr = mean_render_psnr(*hamburger, shell, image, &iou);
  Image flat = image;
  for (std::size_t i = 0; i < flat.pixels.size(); i += 4)
    std::copy(mean, mean + 3, &flat.pixels[i]);
  const double flat_psnr = mean_render_psnr(*hamburger, shell, flat);
  std::printf(
      "hamburger shell: mean error to the nearest splat %.1f levels (mean colour %.1f); "
      "renders IoU %.3f, PSNR %.2f dB (mean colour %.2f dB)\n",
      baked_error, mean_error, iou, psnr, flat_psnr);
  EXPECT_GT(samples, 500);
  EXPECT_LT(baked_error, 0.4 * mean_error);
  EXPECT_GT(iou, 0.85);
  EXPECT_GT(psnr, flat_psnr + 1.5);
}

TEST(SplatColourBake, SameResultOnAnyNumberOfThreads) {
  Result<SplatCloud> hamburger = load_splats(test::testdata("splats/404-hamburger.ply"));
  ASSERT_TRUE(hamburger.ok()) << hamburger.error().message;
  const Primitive shell = test::star_surface(*hamburger, 14);
  BakeOptions one = options(128), many = options(128);
  one.threads = 1;
  many.threads = 0;
  EXPECT_EQ(bake_splat_colour(shell, *hamburger, one).pixels,
            bake_splat_colour(shell, *hamburger, many).pixels);
}

TEST(SplatColourBake, OnePreparedSourceServesSeveralBakesAsTheCloudWould) {
  Result<SplatCloud> hamburger = load_splats(test::testdata("splats/404-hamburger.ply"));
  ASSERT_TRUE(hamburger.ok()) << hamburger.error().message;
  const SplatBakeSource source(*hamburger, 2);
  // Two levels of different detail and atlas size, as a LOD chain bakes them.
  for (const auto& [detail, size] : {std::pair{14, 128}, std::pair{8, 64}}) {
    const Primitive shell = test::star_surface(*hamburger, detail);
    const Image direct = bake_splat_colour(shell, *hamburger, options(size));
    ASSERT_EQ(direct.width, size);
    EXPECT_EQ(bake_splat_colour(shell, source, options(size)).pixels, direct.pixels);
  }
  // A cloud with no splat that can show prepares to a source that bakes nothing.
  SplatCloud faint;
  add_layer(faint, 0, 0.001f, quadrant_colour);
  EXPECT_TRUE(bake_splat_colour(quad(-0.4f, 0.4f, 0), SplatBakeSource(faint), options(16)).empty());
}

TEST(SplatColourBake, HostileInputGivesAnEmptyImage) {
  SplatCloud cloud;
  add_layer(cloud, 0, 0.9f, quadrant_colour);
  const Primitive good = quad(-0.4f, 0.4f, 0);
  EXPECT_TRUE(bake_splat_colour(good, cloud, options(0)).empty());
  EXPECT_TRUE(bake_splat_colour(good, cloud, options(-5)).empty());
  EXPECT_TRUE(bake_splat_colour(good, cloud, options(8193)).empty());
  EXPECT_TRUE(bake_splat_colour(Primitive{}, cloud, options(16)).empty());
  Primitive no_uv = good;
  no_uv.uv0.clear();
  EXPECT_TRUE(bake_splat_colour(no_uv, cloud, options(16)).empty());
  EXPECT_TRUE(bake_splat_colour(good, SplatCloud{}, options(16)).empty());

  // Without normals the face normal serves.
  Primitive no_normals = good;
  no_normals.normals.clear();
  EXPECT_EQ(bake_splat_colour(no_normals, cloud, options(16)).pixels,
            bake_splat_colour(good, cloud, options(16)).pixels);

  SplatCloud invisible = cloud;
  for (float& o : invisible.opacity_logits) o = -30;
  EXPECT_TRUE(bake_splat_colour(good, invisible, options(16)).empty());
  SplatCloud broken = cloud;
  broken.positions[3] = {NAN, 0, 0};
  broken.log_scales[4] = {INFINITY, 0, 0};
  broken.rotations[5] = {0, 0, 0, 0};
  broken.sh_dc[6] = {NAN, 0, 0};
  EXPECT_FALSE(bake_splat_colour(good, broken, options(16)).empty());
  broken.opacity_logits.pop_back();  // inconsistent arrays
  EXPECT_TRUE(bake_splat_colour(good, broken, options(16)).empty());
}

// A plane over [0, 1]^2 at z with uv = (x, 1 - y): an n x n grid.
Primitive textured_plane(int n, float z) {
  Primitive mesh;
  for (int j = 0; j <= n; ++j) {
    for (int i = 0; i <= n; ++i) {
      const float x = float(i) / float(n), y = float(j) / float(n);
      mesh.positions.push_back({x, y, z});
      mesh.normals.push_back({0, 0, 1});
      mesh.uv0.push_back({x, 1 - y});
    }
  }
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) {
      const auto a = std::uint32_t(j * (n + 1) + i), b = a + 1, c = a + std::uint32_t(n) + 1,
                 d = c + 1;
      mesh.indices.insert(mesh.indices.end(), {a, b, d, a, d, c});
    }
  }
  return mesh;
}

TEST(MeshColourBake, OwnAtlasReproducesTheSourceTexture) {
  Result<Mesh> trellis = load_mesh(test::testdata("meshes/trellis-sample.glb"));
  ASSERT_TRUE(trellis.ok()) << trellis.error().message;
  const Image& source = trellis->images.at(0).pixels;
  ASSERT_EQ(source.width, 1024);
  // At half the texture's size each texel centre falls between four source texels, so
  // the bake reads their mean (in linear light).
  constexpr int kSize = 512;
  BakeOptions o = options(kSize);
  o.threads = 0;
  const Image baked = bake_mesh_colour(trellis->primitives.at(0), *trellis, o);
  ASSERT_EQ(baked.width, kSize);
  // Over the texels the atlas covers it is a near-copy, up to seams where the surface
  // point's other chart answers.
  const TexelSurface surface = rasterize_texels(trellis->primitives[0], kSize);
  double squared = 0;
  std::size_t count = 0;
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      if (surface.at(x, y).triangle < 0) continue;
      for (int c = 0; c < 3; ++c) {
        float mean = 0;
        for (int k = 0; k < 4; ++k)
          mean += render::srgb_to_linear(source.at(2 * x + k % 2, 2 * y + k / 2)[c]) / 4;
        const double d = double(baked.at(x, y)[c]) - render::linear_to_srgb(mean);
        squared += d * d;
      }
      ++count;
    }
  }
  ASSERT_GT(count, 50000u);
  const double psnr = 10 * std::log10(255.0 * 255.0 / (squared / (3.0 * double(count))));
  std::printf("trellis own atlas: PSNR %.2f dB over %zu texels\n", psnr, count);
  EXPECT_GT(psnr, 40);
}

TEST(MeshColourBake, OnePreparedSourceServesSeveralBakesAsTheMeshWould) {
  Result<Mesh> trellis = load_mesh(test::testdata("meshes/trellis-sample.glb"));
  ASSERT_TRUE(trellis.ok()) << trellis.error().message;
  const MeshBakeSource source(*trellis);
  for (const int size : {64, 128}) {
    const Image direct = bake_mesh_colour(trellis->primitives.at(0), *trellis, options(size));
    ASSERT_EQ(direct.width, size);
    EXPECT_EQ(bake_mesh_colour(trellis->primitives.at(0), source, options(size)).pixels,
              direct.pixels);
  }
}

TEST(MeshColourBake, FactorTextureTransformAndVertexColoursMultiply) {
  // High: a plane with a 2 x 2 texture scaled by KHR_texture_transform, a factor and a
  // red-to-white vertex ramp along x; low: a smaller plane 5 mm above it facing down.
  Mesh high;
  Primitive plane = textured_plane(4, 0);
  for (const Vec3& p : plane.positions) plane.colors.push_back({1, p.x, p.x, 1});
  plane.uv1 = plane.uv0;
  plane.material = 0;
  high.primitives.push_back(plane);
  Material material;
  material.base_color_factor = {0.5f, 1, 1, 1};
  material.base_color_texture.image = 0;
  material.base_color_texture.sampler.mag_filter = 9728;  // nearest
  material.base_color_texture.transform.present = true;
  material.base_color_texture.transform.scale = {2, 1};  // the texture repeats twice in u
  material.base_color_texture.transform.texcoord = 1;
  high.materials.push_back(material);
  Image texture(2, 2, 4);
  const std::uint8_t texels[16] = {255, 255, 255, 255, 188, 188, 188, 255,
                                   255, 255, 255, 255, 188, 188, 188, 255};
  std::copy(texels, texels + 16, texture.pixels.begin());
  high.images.push_back({"", "", {}, texture});

  Primitive low = textured_plane(2, 0.005f);
  for (Vec3& n : low.normals) n = {0, 0, -1};
  const Image baked = bake_mesh_colour(low, high, options(32));
  ASSERT_EQ(baked.width, 32);
  for (int y = 0; y < 32; ++y) {
    for (int x = 0; x < 32; ++x) {
      const float u = (float(x) + 0.5f) / 32;
      // Texture u' = 2u: texel column floor(2 * 2u) % 2.
      const float texture_value =
          render::srgb_to_linear((int(std::floor(4 * u)) % 2) == 0 ? 255 : 188);
      const float px = u;  // the plane's x
      const std::uint8_t* texel = baked.at(x, y);
      EXPECT_EQ(texel[0], render::linear_to_srgb(0.5f * texture_value)) << x << "," << y;
      EXPECT_NEAR(texel[1], render::linear_to_srgb(texture_value * px), 1) << x << "," << y;
      EXPECT_EQ(texel[3], 255);
    }
  }
}

TEST(MeshColourBake, TexelsBeyondTheSourceTakeItsClosestPoint) {
  Mesh high;
  Primitive plane = textured_plane(1, 0);
  for (const Vec3& p : plane.positions) plane.colors.push_back({p.x, 0, 1 - p.x, 1});
  high.primitives.push_back(plane);
  // Low reaches to x = 2, far beyond the 2 % search distance along its normal.
  Primitive low = textured_plane(1, 0);
  for (Vec3& p : low.positions) p.x *= 2;
  const Image baked = bake_mesh_colour(low, high, options(16));
  ASSERT_FALSE(baked.empty());
  for (int y = 0; y < 16; ++y) {
    for (int x = 8; x < 16; ++x) {
      EXPECT_EQ(baked.at(x, y)[0], 255) << x << "," << y;
      EXPECT_EQ(baked.at(x, y)[2], 0) << x << "," << y;
    }
  }
}

TEST(MeshColourBake, HostileInputGivesAnEmptyImageOrDefaults) {
  Mesh high;
  high.primitives.push_back(textured_plane(2, 0));
  const Primitive low = textured_plane(2, 0);
  EXPECT_TRUE(bake_mesh_colour(low, high, options(0)).empty());
  EXPECT_TRUE(bake_mesh_colour(low, high, options(9000)).empty());
  EXPECT_TRUE(bake_mesh_colour(low, Mesh{}, options(16)).empty());
  EXPECT_TRUE(bake_mesh_colour(Primitive{}, high, options(16)).empty());
  Primitive no_uv = low;
  no_uv.uv0.clear();
  EXPECT_TRUE(bake_mesh_colour(no_uv, high, options(16)).empty());

  // Bad material and image indices, a texture naming a missing UV set, out-of-range
  // triangles: the glTF default white where nothing valid is said.
  Mesh odd = high;
  odd.primitives[0].material = 7;
  odd.primitives[0].indices.insert(odd.primitives[0].indices.end(), {0, 1, 500});
  Primitive second = textured_plane(1, 0.5f);
  second.material = 0;
  second.uv0.clear();
  odd.primitives.push_back(second);
  Material material;
  material.base_color_texture.image = 3;
  odd.materials.push_back(material);
  const Image baked = bake_mesh_colour(low, odd, options(16));
  ASSERT_FALSE(baked.empty());
  for (std::size_t i = 0; i < baked.pixels.size(); ++i) EXPECT_EQ(baked.pixels[i], 255);
}

}  // namespace
}  // namespace atlas::bake
