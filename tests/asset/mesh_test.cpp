#include "asset/mesh.h"

#include <gtest/gtest.h>

#include <limits>

#include "asset/statistics.h"

namespace atlas {
namespace {

Mesh triangle() {
  Mesh mesh;
  Primitive p;
  p.positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  p.indices = {0, 1, 2};
  mesh.primitives.push_back(p);
  return mesh;
}

TEST(Mesh, CountsAndBounds) {
  Mesh mesh = triangle();
  mesh.primitives.push_back(mesh.primitives[0]);
  mesh.primitives[1].positions[2] = {0, 5, -2};
  EXPECT_EQ(mesh.vertex_count(), 6u);
  EXPECT_EQ(mesh.triangle_count(), 2u);
  EXPECT_EQ(mesh.bounds().max.y, 5);
  EXPECT_EQ(mesh.bounds().min.z, -2);
  const MeshStatistics s = compute_statistics(mesh);
  EXPECT_EQ(s.primitives, 2u);
  EXPECT_EQ(s.triangles, 2u);
}

TEST(Mesh, ValidateFindsEachKindOfDefect) {
  EXPECT_EQ(triangle().validate(), "");

  Mesh bad = triangle();
  bad.primitives[0].indices[2] = 3;
  EXPECT_NE(bad.validate().find("index 3 out of range"), std::string::npos);

  bad = triangle();
  bad.primitives[0].uv0.resize(2);
  EXPECT_NE(bad.validate().find("length"), std::string::npos);

  bad = triangle();
  bad.primitives[0].positions[1].x = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(bad.validate().find("vertex 1 position is not finite"), std::string::npos);

  bad = triangle();
  bad.primitives[0].material = 0;
  EXPECT_NE(bad.validate().find("material"), std::string::npos);

  bad = triangle();
  bad.materials.push_back({});
  bad.materials[0].base_color_texture.image = 0;
  EXPECT_NE(bad.validate().find("image out of range"), std::string::npos);
}

}  // namespace
}  // namespace atlas
