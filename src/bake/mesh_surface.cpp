#include "bake/mesh_surface.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "bake/dilation.h"
#include "bake/texel_surface.h"
#include "render/texture_sampler.h"

namespace atlas::bake {

namespace {

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

}  // namespace

MeshSurface::Merged MeshSurface::merge(const Mesh& mesh) {
  Merged merged;
  Bounds bounds;
  constexpr std::uint32_t kSkipped = std::numeric_limits<std::uint32_t>::max();
  for (const Primitive& primitive : mesh.primitives) {
    merged.first_triangle.push_back(std::uint32_t(merged.indices.size() / 3));
    const auto offset = std::uint32_t(merged.positions.size());
    const std::size_t count = primitive.positions.size();
    for (std::size_t t = 0; t + 2 < primitive.indices.size(); t += 3) {
      const std::uint32_t a = primitive.indices[t], b = primitive.indices[t + 1],
                          c = primitive.indices[t + 2];
      if (a >= count || b >= count || c >= count) {
        // Kept as an unusable triangle so the numbering stays the primitive's.
        merged.indices.insert(merged.indices.end(), {kSkipped, kSkipped, kSkipped});
        continue;
      }
      merged.indices.insert(merged.indices.end(), {a + offset, b + offset, c + offset});
      for (std::uint32_t i : {a, b, c}) {
        if (finite(primitive.positions[i])) bounds.extend(primitive.positions[i]);
      }
      ++merged.searchable;
    }
    merged.positions.insert(merged.positions.end(), primitive.positions.begin(),
                            primitive.positions.end());
  }
  merged.diagonal = length(bounds.size());
  return merged;
}

MeshSurface::MeshSurface(const Mesh& mesh) : MeshSurface(merge(mesh)) {}

MeshSurface::MeshSurface(Merged merged)
    : first_triangle_(std::move(merged.first_triangle)),
      searchable_(merged.searchable),
      diagonal_(merged.diagonal),
      bvh_(merged.positions, merged.indices) {}

SurfacePoint MeshSurface::locate(const geometry::RayHit& hit) const {
  SurfacePoint point;
  if (!hit.hit) return point;
  const auto next = std::upper_bound(first_triangle_.begin(), first_triangle_.end(), hit.triangle);
  point.found = true;
  point.primitive = int(next - first_triangle_.begin()) - 1;
  point.triangle = hit.triangle - first_triangle_[point.primitive];
  point.u = hit.u;
  point.v = hit.v;
  return point;
}

SurfacePoint MeshSurface::find(Vec3 position, Vec3 normal, float max_distance,
                               bool closest_when_missed) const {
  const geometry::RayHit hit = bvh_.nearest_on_line(position, normal, max_distance);
  if (hit.hit) return locate(hit);
  if (!closest_when_missed) return {};
  return locate(bvh_.closest_point(position, std::numeric_limits<float>::infinity()));
}

Vec4 base_colour_at(const Mesh& mesh, const SurfacePoint& point) {
  const Primitive& primitive = mesh.primitives[std::size_t(point.primitive)];
  const std::uint32_t* corner = primitive.indices.data() + 3 * std::size_t(point.triangle);
  const float weight[3] = {1 - point.u - point.v, point.u, point.v};
  static const Material kDefaultMaterial;
  const bool has_material =
      primitive.material >= 0 && std::size_t(primitive.material) < mesh.materials.size();
  const Material& material = has_material ? mesh.materials[primitive.material] : kDefaultMaterial;
  Vec4 colour = material.base_color_factor;
  const TextureRef& texture = material.base_color_texture;
  if (texture.present() && std::size_t(texture.image) < mesh.images.size()) {
    const int set = texture.transform.texcoord >= 0 ? texture.transform.texcoord : texture.texcoord;
    const std::vector<Vec2>* uvs = set == 0 ? &primitive.uv0 : set == 1 ? &primitive.uv1 : nullptr;
    if (uvs && uvs->size() == primitive.positions.size()) {
      Vec2 uv;
      for (int k = 0; k < 3; ++k) {
        uv.x += (*uvs)[corner[k]].x * weight[k];
        uv.y += (*uvs)[corner[k]].y * weight[k];
      }
      const Vec4 texel =
          render::sample_texture(mesh.images[std::size_t(texture.image)].pixels, texture.sampler,
                                 render::apply_texture_transform(texture.transform, uv));
      colour = {colour.x * texel.x, colour.y * texel.y, colour.z * texel.z, colour.w * texel.w};
    }
  }
  if (primitive.colors.size() == primitive.positions.size()) {
    Vec4 vertex;
    for (int k = 0; k < 3; ++k) {
      const Vec4 c = primitive.colors[corner[k]];
      vertex = {vertex.x + c.x * weight[k], vertex.y + c.y * weight[k], vertex.z + c.z * weight[k],
                vertex.w + c.w * weight[k]};
    }
    colour = {colour.x * vertex.x, colour.y * vertex.y, colour.z * vertex.z, colour.w * vertex.w};
  }
  return colour;
}

Vec3 normal_at(const Mesh& mesh, const SurfacePoint& point) {
  const Primitive& primitive = mesh.primitives[std::size_t(point.primitive)];
  const std::uint32_t* corner = primitive.indices.data() + 3 * std::size_t(point.triangle);
  if (primitive.normals.size() == primitive.positions.size()) {
    const float weight[3] = {1 - point.u - point.v, point.u, point.v};
    Vec3 sum;
    for (int k = 0; k < 3; ++k) sum = sum + primitive.normals[corner[k]] * weight[k];
    const Vec3 n = normalize(sum);
    if (length(n) > 0.5f && finite(n)) return n;
  }
  const Vec3 a = primitive.positions[corner[0]];
  return normalize(cross(primitive.positions[corner[1]] - a, primitive.positions[corner[2]] - a));
}

bool bakeable(const Primitive& low, int size) {
  return size > 0 && size <= kMaxTextureSize && low.triangle_count() > 0 &&
         !low.positions.empty() && low.uv0.size() == low.positions.size();
}

void finish_texture(Image& image, const std::vector<std::uint8_t>& coverage, int dilation_texels,
                    const std::uint8_t background[4]) {
  dilate(image, coverage, dilation_texels);
  for (std::size_t i = 0; i < coverage.size(); ++i) {
    std::uint8_t* pixel = image.pixels.data() + i * 4;
    if (pixel[3] == 0) std::copy(background, background + 4, pixel);
  }
}

}  // namespace atlas::bake
