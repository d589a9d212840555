#include "bake/normal_bake.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bake/texel_surface.h"
#include "formats/asset_io.h"
#include "geometry/tangents.h"
#include "test_support.h"

namespace atlas::bake {
namespace {

// Ridges along y: h(x) = A sin(k x), on [0, 1]^2.
constexpr float kAmplitude = 0.01f, kWave = 12.0f;
float height(float x) { return kAmplitude * std::sin(kWave * x); }
Vec3 ridge_normal(float x) { return normalize({-kAmplitude * kWave * std::cos(kWave * x), 0, 1}); }

// An n x n grid over [0, 1]^2, z = height(x) when bumpy else 0, uv = (x, 1 - y),
// counter-clockwise seen from +Z.
Primitive grid(int n, bool bumpy, bool with_normals) {
  Primitive mesh;
  for (int j = 0; j <= n; ++j) {
    for (int i = 0; i <= n; ++i) {
      const float x = float(i) / float(n), y = float(j) / float(n);
      mesh.positions.push_back({x, y, bumpy ? height(x) : 0});
      if (with_normals) mesh.normals.push_back(bumpy ? ridge_normal(x) : Vec3{0, 0, 1});
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

BakeOptions options(int size) {
  BakeOptions o;
  o.texture_size = size;
  o.threads = 2;
  return o;
}

float decode(std::uint8_t value) { return float(value) / 255.0f * 2 - 1; }

TEST(NormalBake, FlatLowOverBumpyHighTiltsWithTheBumps) {
  Primitive low = grid(1, false, true);
  geometry::compute_tangents(low);
  Mesh high;
  high.primitives.push_back(grid(256, true, true));
  const Image map = bake_normal_map(low, high, options(64));
  ASSERT_EQ(map.width, 64);
  ASSERT_EQ(map.channels, 4);
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      // Tangent +X (u), bitangent +Y (image up), normal +Z: the ridge normal as is.
      const float px = (float(x) + 0.5f) / 64;
      const Vec3 expected = ridge_normal(px);
      const std::uint8_t* texel = map.at(x, y);
      ASSERT_NEAR(decode(texel[0]), expected.x, 0.02) << x << "," << y;
      ASSERT_NEAR(decode(texel[1]), 0, 0.01) << x << "," << y;
      ASSERT_NEAR(decode(texel[2]), expected.z, 0.02) << x << "," << y;
      ASSERT_EQ(texel[3], 255);
    }
  }
}

TEST(NormalBake, OnePreparedSourceServesSeveralBakesAsTheMeshWould) {
  Mesh high;
  high.primitives.push_back(grid(256, true, true));
  const MeshBakeSource source(high);
  for (const int cells : {1, 4}) {
    Primitive low = grid(cells, false, true);
    geometry::compute_tangents(low);
    const Image direct = bake_normal_map(low, high, options(64));
    ASSERT_EQ(direct.width, 64);
    EXPECT_EQ(bake_normal_map(low, source, options(64)).pixels, direct.pixels);
  }
}

TEST(NormalBake, FaceNormalsWhenTheSourceHasNone) {
  Primitive low = grid(1, false, true);
  Mesh high;
  high.primitives.push_back(grid(128, true, false));
  // Without tangents on low they are computed.
  const Image map = bake_normal_map(low, high, options(32));
  ASSERT_FALSE(map.empty());
  for (int x = 0; x < 32; ++x) {
    const float px = (float(x) + 0.5f) / 32;
    // The slope's sign decides which way the normal leans.
    const float slope = std::cos(kWave * px);
    if (std::fabs(slope) < 0.3f) continue;
    const float red = decode(map.at(x, 10)[0]);
    EXPECT_LT(red * slope, 0) << x;
    EXPECT_NEAR(red, ridge_normal(px).x, 0.05) << x;
  }
}

TEST(NormalBake, MirroredUvsFlipTheBitangentChannel) {
  // Ridges along x now (the grid transposed), so the normal leans in y; with v mirrored
  // the bitangent points down -Y and the green channel's sign flips.
  auto transposed = [](Primitive mesh) {
    for (Vec3& p : mesh.positions) std::swap(p.x, p.y);
    for (Vec3& n : mesh.normals) std::swap(n.x, n.y);
    for (std::size_t t = 0; t < mesh.indices.size(); t += 3)
      std::swap(mesh.indices[t + 1], mesh.indices[t + 2]);
    return mesh;
  };
  Mesh high;
  high.primitives.push_back(transposed(grid(128, true, true)));
  Primitive low = grid(1, false, true);
  Primitive mirrored = low;
  for (Vec2& uv : mirrored.uv0) uv.y = 1 - uv.y;
  const Image plain = bake_normal_map(low, high, options(32));
  const Image flipped = bake_normal_map(mirrored, high, options(32));
  ASSERT_FALSE(plain.empty());
  ASSERT_FALSE(flipped.empty());
  // Texel (x, y) of `plain` and (x, 31 - y) of `flipped` show the same point.
  for (int y = 0; y < 32; ++y) {
    const float py = 1 - (float(y) + 0.5f) / 32;
    const float expected = ridge_normal(py).x;  // the lean along +Y
    EXPECT_NEAR(decode(plain.at(5, y)[1]), expected, 0.03) << y;
    EXPECT_NEAR(decode(flipped.at(5, 31 - y)[1]), -expected, 0.03) << y;
  }
}

TEST(NormalBake, LowEqualToHighIsFlatOnARealMesh) {
  Result<Mesh> helmet = load_mesh(test::testdata("meshes/DamagedHelmet.glb"));
  ASSERT_TRUE(helmet.ok()) << helmet.error().message;
  // Its UVs sit in v in [1, 2] (the sampler repeats); the atlas wants them in [0, 1].
  Primitive low = helmet->primitives.at(0);
  for (Vec2& uv : low.uv0) uv.y -= 1;
  const Image map = bake_normal_map(low, *helmet, options(256));
  ASSERT_EQ(map.width, 256);
  const TexelSurface surface = rasterize_texels(low, 256);
  std::size_t covered = 0, flat = 0;
  for (std::size_t i = 0; i < surface.texels.size(); ++i) {
    if (surface.texels[i].triangle < 0) continue;
    ++covered;
    const std::uint8_t* texel = &map.pixels[i * 4];
    if (std::abs(texel[0] - 128) <= 3 && std::abs(texel[1] - 128) <= 3 && texel[2] >= 252) ++flat;
  }
  ASSERT_GT(covered, 20000u);
  std::printf("helmet onto itself: %.2f %% of %zu texels flat\n",
              100.0 * double(flat) / double(covered), covered);
  EXPECT_GT(double(flat) / double(covered), 0.999);
}

TEST(NormalBake, BackgroundAndMissesAreFlat) {
  // Low covers a quarter of the atlas; high lies far away, so every ray misses.
  Primitive low = grid(1, false, true);
  for (Vec2& uv : low.uv0) uv = {uv.x * 0.5f, uv.y * 0.5f};
  Mesh high;
  Primitive far = grid(8, true, true);
  for (Vec3& p : far.positions) p.z += 10;
  high.primitives.push_back(far);
  const Image map = bake_normal_map(low, high, options(32));
  ASSERT_FALSE(map.empty());
  for (std::size_t i = 0; i < map.pixels.size(); i += 4) {
    EXPECT_EQ(map.pixels[i], 128);
    EXPECT_EQ(map.pixels[i + 1], 128);
    EXPECT_EQ(map.pixels[i + 2], 255);
    EXPECT_EQ(map.pixels[i + 3], 255);
  }
}

TEST(NormalBake, HostileInputGivesAnEmptyImage) {
  const Primitive low = grid(2, false, true);
  Mesh high;
  high.primitives.push_back(grid(4, true, true));
  EXPECT_TRUE(bake_normal_map(low, high, options(0)).empty());
  EXPECT_TRUE(bake_normal_map(low, high, options(8193)).empty());
  EXPECT_TRUE(bake_normal_map(low, Mesh{}, options(16)).empty());
  EXPECT_TRUE(bake_normal_map(Primitive{}, high, options(16)).empty());
  Primitive no_normals = low;
  no_normals.normals.clear();
  EXPECT_TRUE(bake_normal_map(no_normals, high, options(16)).empty());
  Primitive no_uv = low;
  no_uv.uv0.clear();
  EXPECT_TRUE(bake_normal_map(no_uv, high, options(16)).empty());
  Mesh broken = high;
  broken.primitives[0].positions[3] = {NAN, NAN, NAN};
  broken.primitives[0].normals[4] = {0, 0, 0};
  EXPECT_FALSE(bake_normal_map(low, broken, options(16)).empty());
}

}  // namespace
}  // namespace atlas::bake
