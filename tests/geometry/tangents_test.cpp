#include "geometry/tangents.h"

#include <gtest/gtest.h>

#include <cmath>

#include "formats/asset_io.h"
#include "test_support.h"

namespace atlas::geometry {
namespace {

// An n x n grid in the z = 0 plane facing +Z, u along +X (or -X when mirrored) and
// glTF's v growing down the image, so the image's top is +Y.
Primitive grid_plane(int n, bool mirrored) {
  Primitive mesh;
  for (int j = 0; j <= n; ++j) {
    for (int i = 0; i <= n; ++i) {
      const float x = float(i) / float(n), y = float(j) / float(n);
      mesh.positions.push_back({x, y, 0.01f * std::sin(7 * x + 3 * y)});
      mesh.normals.push_back({0, 0, 1});
      mesh.uv0.push_back({mirrored ? 1 - x : x, 1 - y});
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

Vec3 xyz(Vec4 v) { return {v.x, v.y, v.z}; }

TEST(Tangents, PlanarMapTangentsFollowPlusUWithRightHandedness) {
  Primitive plane = grid_plane(8, false);
  compute_tangents(plane);
  ASSERT_EQ(plane.tangents.size(), plane.positions.size());
  for (std::size_t i = 0; i < plane.tangents.size(); ++i) {
    const Vec4 t = plane.tangents[i];
    EXPECT_NEAR(t.x, 1, 1e-3) << i;
    EXPECT_NEAR(length(xyz(t)), 1, 1e-5) << i;
    EXPECT_NEAR(dot(xyz(t), plane.normals[i]), 0, 1e-5) << i;
    EXPECT_EQ(t.w, 1) << i;
    // The bitangent glTF rebuilds points to the top of the image, +Y here.
    const Vec3 bitangent = cross(plane.normals[i], xyz(t)) * t.w;
    EXPECT_NEAR(bitangent.y, 1, 1e-3) << i;
  }
}

TEST(Tangents, MirroredMapFlipsHandedness) {
  Primitive plane = grid_plane(4, true);
  compute_tangents(plane);
  ASSERT_EQ(plane.tangents.size(), plane.positions.size());
  for (std::size_t i = 0; i < plane.tangents.size(); ++i) {
    const Vec4 t = plane.tangents[i];
    EXPECT_NEAR(t.x, -1, 1e-3) << i;
    EXPECT_EQ(t.w, -1) << i;
    const Vec3 bitangent = cross(plane.normals[i], xyz(t)) * t.w;
    EXPECT_NEAR(bitangent.y, 1, 1e-3) << i;
  }
}

TEST(Tangents, RealMeshFramesAreOrthonormalAndFollowTheUvGradient) {
  Result<Mesh> helmet = load_mesh(test::testdata("meshes/DamagedHelmet.glb"));
  ASSERT_TRUE(helmet.ok()) << helmet.error().message;
  Primitive mesh = helmet->primitives.at(0);
  ASSERT_FALSE(mesh.uv0.empty());
  ASSERT_FALSE(mesh.normals.empty());
  compute_tangents(mesh);
  ASSERT_EQ(mesh.tangents.size(), mesh.positions.size());
  for (std::size_t i = 0; i < mesh.tangents.size(); ++i) {
    const Vec4 t = mesh.tangents[i];
    ASSERT_NEAR(length(xyz(t)), 1, 1e-4) << i;
    ASSERT_NEAR(dot(xyz(t), normalize(mesh.normals[i])), 0, 1e-3) << i;
    ASSERT_TRUE(t.w == 1 || t.w == -1) << i;
  }
  // Each triangle's own dP/du and image-up direction agree with its corners' frames.
  std::size_t checked = 0, agreeing = 0, same_hand = 0;
  for (std::size_t t = 0; t < mesh.indices.size(); t += 3) {
    const std::uint32_t a = mesh.indices[t], b = mesh.indices[t + 1], c = mesh.indices[t + 2];
    const Vec3 e1 = mesh.positions[b] - mesh.positions[a],
               e2 = mesh.positions[c] - mesh.positions[a];
    const float du1 = mesh.uv0[b].x - mesh.uv0[a].x, dv1 = mesh.uv0[b].y - mesh.uv0[a].y;
    const float du2 = mesh.uv0[c].x - mesh.uv0[a].x, dv2 = mesh.uv0[c].y - mesh.uv0[a].y;
    const float det = du1 * dv2 - du2 * dv1;
    if (std::fabs(det) < 1e-9f) continue;
    const Vec3 along_u = (e1 * dv2 - e2 * dv1) * (1 / det);
    const Vec3 image_up = (e1 * du2 - e2 * du1) * (1 / det);
    for (std::uint32_t v : {a, b, c}) {
      ++checked;
      const Vec3 tangent = xyz(mesh.tangents[v]);
      if (dot(tangent, along_u) > 0) ++agreeing;
      const Vec3 bitangent = cross(mesh.normals[v], tangent) * mesh.tangents[v].w;
      if (dot(bitangent, image_up) > 0) ++same_hand;
    }
  }
  ASSERT_GT(checked, 30000u);
  EXPECT_GT(double(agreeing) / double(checked), 0.97);
  EXPECT_GT(double(same_hand) / double(checked), 0.97);
}

TEST(Tangents, NothingHappensWithoutUvsOrNormals) {
  Primitive plane = grid_plane(2, false);
  plane.uv0.clear();
  compute_tangents(plane);
  EXPECT_TRUE(plane.tangents.empty());
  plane = grid_plane(2, false);
  plane.normals.pop_back();
  compute_tangents(plane);
  EXPECT_TRUE(plane.tangents.empty());
}

TEST(Tangents, DegenerateUvsGetAnOrthogonalUnitTangent) {
  Primitive plane = grid_plane(2, false);
  for (Vec2& uv : plane.uv0) uv = {0.5f, 0.5f};
  plane.indices.push_back(99);  // a partial, out-of-range triangle is ignored
  compute_tangents(plane);
  ASSERT_EQ(plane.tangents.size(), plane.positions.size());
  for (std::size_t i = 0; i < plane.tangents.size(); ++i) {
    EXPECT_NEAR(length(xyz(plane.tangents[i])), 1, 1e-5);
    EXPECT_NEAR(dot(xyz(plane.tangents[i]), plane.normals[i]), 0, 1e-5);
    EXPECT_EQ(plane.tangents[i].w, 1);
  }
}

}  // namespace
}  // namespace atlas::geometry
