#include "bake/texel_surface.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas::bake {
namespace {

// A square in the z = 0 plane (position = (u, v, 0) * 2) covering u, v in [lo, hi].
Primitive uv_square(float lo, float hi) {
  Primitive mesh;
  for (Vec2 uv : {Vec2{lo, lo}, Vec2{hi, lo}, Vec2{hi, hi}, Vec2{lo, hi}}) {
    mesh.positions.push_back({uv.x * 2, uv.y * 2, 0});
    mesh.normals.push_back({0, 0, 1});
    mesh.uv0.push_back(uv);
  }
  mesh.indices = {0, 1, 2, 0, 2, 3};
  return mesh;
}

TEST(TexelSurface, CentresInsideAndEdgeCrossedTexelsAreCovered) {
  constexpr int kSize = 16;
  // Texel space [4.6, 11.4]: centres 5.5 .. 10.5 inside, texels 4 and 11 only crossed.
  const Primitive square = uv_square(4.6f / kSize, 11.4f / kSize);
  const TexelSurface surface = rasterize_texels(square, kSize);
  ASSERT_EQ(surface.size, kSize);
  ASSERT_EQ(surface.rows, kSize);
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      const TexelSample& texel = surface.at(x, y);
      const bool crossed = x >= 4 && x <= 11 && y >= 4 && y <= 11;
      ASSERT_EQ(texel.triangle >= 0, crossed) << x << "," << y;
      if (!crossed) continue;
      // The point shown: the centre, clamped onto the square for edge texels (and then
      // a hair inside).
      const float u = std::clamp((float(x) + 0.5f) / kSize, 4.6f / kSize, 11.4f / kSize);
      const float v = std::clamp((float(y) + 0.5f) / kSize, 4.6f / kSize, 11.4f / kSize);
      const bool edge = x == 4 || x == 11 || y == 4 || y == 11;
      EXPECT_NEAR(texel.position.x, u * 2, edge ? 2e-3 : 1e-5) << x << "," << y;
      EXPECT_NEAR(texel.position.y, v * 2, edge ? 2e-3 : 1e-5) << x << "," << y;
      EXPECT_NEAR(texel.normal.z, 1, 1e-6);
    }
  }
}

TEST(TexelSurface, RowsMatchTheWholeAtlas) {
  const Primitive square = uv_square(0.1f, 0.83f);
  const TexelSurface whole = rasterize_texels(square, 64, 2);
  const TexelSurface band = rasterize_texel_rows(square, 64, 20, 7);
  ASSERT_EQ(band.first_row, 20);
  ASSERT_EQ(band.rows, 7);
  for (int y = 20; y < 27; ++y) {
    for (int x = 0; x < 64; ++x) {
      EXPECT_EQ(band.at(x, y).triangle, whole.at(x, y).triangle);
      EXPECT_EQ(band.at(x, y).position, whole.at(x, y).position);
    }
  }
  // Clipped to the atlas.
  const TexelSurface tail = rasterize_texel_rows(square, 64, 60, 10);
  EXPECT_EQ(tail.rows, 4);
  EXPECT_EQ(rasterize_texel_rows(square, 64, 70, 10).rows, 0);
}

TEST(TexelSurface, AttributesAreInterpolatedAndFaceNormalsStandIn) {
  Primitive square = uv_square(0, 1);
  square.normals = {{0, 0, 1}, {1, 0, 1}, {1, 0, 1}, {0, 0, 1}};
  square.tangents = {{1, 0, 0, -1}, {1, 0, 0, -1}, {1, 0, 0, -1}, {1, 0, 0, -1}};
  const TexelSurface surface = rasterize_texels(square, 8);
  const TexelSample& middle = surface.at(4, 4);  // centre u = 0.5625
  EXPECT_NEAR(length(middle.normal), 1, 1e-6);
  EXPECT_NEAR(middle.normal.x / middle.normal.z, 0.5625, 1e-5);
  EXPECT_EQ(middle.tangent, (Vec4{1, 0, 0, -1}));

  square.normals.clear();
  const TexelSurface flat = rasterize_texels(square, 8);
  for (const TexelSample& texel : flat.texels) {
    ASSERT_GE(texel.triangle, 0);
    // Counter-clockwise seen from +Z in position space: the face normal is +Z.
    EXPECT_NEAR(texel.normal.z, 1, 1e-6);
  }
}

TEST(TexelSurface, OverlappingTrianglesTheLowestNumberedWins) {
  Primitive mesh = uv_square(0, 1);
  Primitive shifted = uv_square(0, 1);
  for (Vec3& p : shifted.positions) p.z = 5;
  for (std::uint32_t& i : shifted.indices) i += 4;
  mesh.positions.insert(mesh.positions.end(), shifted.positions.begin(), shifted.positions.end());
  mesh.normals.insert(mesh.normals.end(), shifted.normals.begin(), shifted.normals.end());
  mesh.uv0.insert(mesh.uv0.end(), shifted.uv0.begin(), shifted.uv0.end());
  mesh.indices.insert(mesh.indices.end(), shifted.indices.begin(), shifted.indices.end());
  const TexelSurface surface = rasterize_texels(mesh, 16);
  for (const TexelSample& texel : surface.texels) {
    ASSERT_TRUE(texel.triangle == 0 || texel.triangle == 1);
    EXPECT_EQ(texel.position.z, 0);
  }
}

TEST(TexelSurface, RealAtlasEveryTexelShowsAPointOfItsTriangle) {
  Result<Mesh> trellis = load_mesh(test::testdata("meshes/trellis-sample.glb"));
  ASSERT_TRUE(trellis.ok()) << trellis.error().message;
  const Primitive& mesh = trellis->primitives.at(0);
  constexpr int kSize = 256;
  const TexelSurface surface = rasterize_texels(mesh, kSize);
  // Coverage is at least the UV area (centres) and at most it plus a texel-wide rim.
  double uv_area = 0, uv_perimeter = 0;
  for (std::size_t t = 0; t < mesh.indices.size(); t += 3) {
    const Vec2 a = mesh.uv0[mesh.indices[t]], b = mesh.uv0[mesh.indices[t + 1]],
               c = mesh.uv0[mesh.indices[t + 2]];
    uv_area += 0.5 * std::fabs((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x));
    uv_perimeter += std::hypot(b.x - a.x, b.y - a.y) + std::hypot(c.x - b.x, c.y - b.y) +
                    std::hypot(a.x - c.x, a.y - c.y);
  }
  std::size_t covered = 0;
  for (const TexelSample& texel : surface.texels) covered += texel.triangle >= 0;
  EXPECT_GT(double(covered), 0.95 * uv_area * kSize * kSize);
  EXPECT_LT(double(covered), uv_area * kSize * kSize + uv_perimeter * kSize);
  // Each texel's point lies on the triangle it names.
  for (const TexelSample& texel : surface.texels) {
    if (texel.triangle < 0) continue;
    const std::size_t t = std::size_t(texel.triangle) * 3;
    const Vec3 a = mesh.positions[mesh.indices[t]], b = mesh.positions[mesh.indices[t + 1]],
               c = mesh.positions[mesh.indices[t + 2]];
    const Vec3 n = cross(b - a, c - a);
    const float area2 = dot(n, n);
    if (!(area2 > 1e-20f)) continue;
    const Vec3 p = texel.position;
    // Barycentrics from sub-triangle areas; all in [0, 1] and the point in the plane.
    const float wa = dot(cross(b - p, c - p), n) / area2, wb = dot(cross(c - p, a - p), n) / area2;
    const float wc = 1 - wa - wb;
    ASSERT_NEAR(dot(p - a, n) / std::sqrt(area2), 0, 1e-5);
    ASSERT_GT(std::min({wa, wb, wc}), -1e-3);
    ASSERT_NEAR(length(texel.normal), 1, 1e-4);
  }
}

TEST(TexelSurface, HostileInputGivesNothingAndNoCrash) {
  const Primitive square = uv_square(0.2f, 0.8f);
  EXPECT_EQ(rasterize_texels(square, 0).size, 0);
  EXPECT_EQ(rasterize_texels(square, -3).size, 0);
  EXPECT_EQ(rasterize_texels(square, kMaxTextureSize + 1).size, 0);
  Primitive no_uv = square;
  no_uv.uv0.clear();
  EXPECT_EQ(rasterize_texels(no_uv, 16).size, 0);
  EXPECT_EQ(rasterize_texels(Primitive{}, 16).size, 0);

  Primitive broken = square;
  broken.uv0[1] = {NAN, 0.5f};
  broken.uv0[3] = {1e30f, -1e30f};
  broken.indices.insert(broken.indices.end(), {0, 1, 77, 2});  // out of range, partial
  const TexelSurface surface = rasterize_texels(broken, 16);
  ASSERT_EQ(surface.size, 16);
  for (const TexelSample& texel : surface.texels) EXPECT_EQ(texel.triangle, -1);
}

}  // namespace
}  // namespace atlas::bake
