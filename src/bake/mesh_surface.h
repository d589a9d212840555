#pragma once
// What the bakes share: finding the point of a source mesh a texel corresponds to, and
// finishing a baked texture (gutters, background). Private to the bake layer.

#include <cstdint>
#include <vector>

#include "asset/image.h"
#include "asset/mesh.h"
#include "geometry/triangle_bvh.h"

namespace atlas::bake {

// How far from a texel, as a share of the source's bounding-box diagonal, the bakes
// look for the source surface along the texel's normal.
inline constexpr float kSearchFraction = 0.02f;

// A point on one triangle of a mesh primitive.
struct SurfacePoint {
  bool found = false;
  int primitive = 0;
  std::uint32_t triangle = 0;  // within the primitive
  float u = 0, v = 0;          // barycentrics of the triangle's second and third corners
};

// Every primitive of a mesh as one searchable surface (triangles with an index out of
// range are left out), numbered as the mesh numbers them.
class MeshSurface {
 public:
  explicit MeshSurface(const Mesh& mesh);

  bool empty() const { return searchable_ == 0; }
  // The bounding box diagonal of the searchable triangles.
  float diagonal() const { return diagonal_; }

  // The surface point a texel at `position` with normal `normal` shows: the nearest hit
  // of the line through it along the normal, either way, within max_distance; when the
  // line misses, the closest surface point if `closest_when_missed`.
  SurfacePoint find(Vec3 position, Vec3 normal, float max_distance, bool closest_when_missed) const;

 private:
  struct Merged {
    std::vector<Vec3> positions;
    std::vector<std::uint32_t> indices;
    std::vector<std::uint32_t> first_triangle;
    std::size_t searchable = 0;
    float diagonal = 0;
  };
  static Merged merge(const Mesh& mesh);
  explicit MeshSurface(Merged merged);
  SurfacePoint locate(const geometry::RayHit& hit) const;

  std::vector<std::uint32_t> first_triangle_;  // per primitive, in the merged numbering
  std::size_t searchable_ = 0;
  float diagonal_ = 0;
  geometry::TriangleBvh bvh_;
};

// The base colour (linear RGBA) of `mesh` at a found point, by glTF's rules as the
// mesh renderer applies them: material factor x base-colour texture (its sampler,
// transform and texcoord set) x vertex colour.
Vec4 base_colour_at(const Mesh& mesh, const SurfacePoint& point);

// The unit normal of `mesh` at a found point: interpolated vertex normals, or the face
// normal (counter-clockwise front) when the primitive has none or they cancel out.
Vec3 normal_at(const Mesh& mesh, const SurfacePoint& point);

// Whether a primitive can be baked onto at `size`: uv0 for every vertex, a triangle,
// and a size in 1..kMaxTextureSize.
bool bakeable(const Primitive& low, int size);

// The texel (x, y) of the atlas as a flat index.
inline std::size_t texel_index(int size, int x, int y) { return std::size_t(y) * size + x; }

// For an RGBA image whose covered texels (coverage != 0) have alpha 255 and the rest
// alpha 0: dilates the covered texels by `dilation_texels` rings, then gives every
// texel still at alpha 0 `background`.
void finish_texture(Image& image, const std::vector<std::uint8_t>& coverage, int dilation_texels,
                    const std::uint8_t background[4]);

}  // namespace atlas::bake
