#include "bake/normal_bake.h"

#include <algorithm>
#include <cmath>

#include <tbb/enumerable_thread_specific.h>

#include "bake/mesh_surface.h"
#include "bake/texel_surface.h"
#include "core/parallel_for.h"
#include "geometry/tangents.h"

namespace atlas::bake {

namespace {

constexpr int kBandRows = 16;
constexpr std::uint8_t kFlat[4] = {128, 128, 255, 255};

std::uint8_t encode(float component) {
  return std::uint8_t(std::lround(std::clamp(component * 0.5f + 0.5f, 0.0f, 1.0f) * 255.0f));
}

// A unit vector orthogonal to n.
Vec3 any_orthogonal(Vec3 n) {
  const Vec3 axis = std::fabs(n.x) < 0.9f ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
  return normalize(axis - n * dot(axis, n));
}

}  // namespace

Image bake_normal_map(const Primitive& low, const Mesh& high, const BakeOptions& options) {
  if (!bakeable(low, options.texture_size)) return {};
  return bake_normal_map(low, MeshBakeSource(high), options);
}

Image bake_normal_map(const Primitive& low, const MeshBakeSource& high_source,
                      const BakeOptions& options) {
  const int size = options.texture_size;
  if (!bakeable(low, size) || low.normals.size() != low.positions.size()) return {};
  Primitive with_tangents;
  const Primitive* target = &low;
  if (low.tangents.size() != low.positions.size()) {
    with_tangents = low;
    geometry::compute_tangents(with_tangents);
    target = &with_tangents;
  }
  const Mesh& high = high_source.mesh();
  const MeshSurface& source = high_source.surface();
  if (source.empty()) return {};
  const float max_distance = kSearchFraction * source.diagonal();
  Image image(size, size, 4);
  std::vector<std::uint8_t> coverage(std::size_t(size) * size, 0);
  const int bands = (size + kBandRows - 1) / kBandRows;
  tbb::enumerable_thread_specific<TexelSurface> surfaces;  // one band a thread, reused
  parallel_for_index(bands, options.threads, [&](int band) {
    TexelSurface& surface = surfaces.local();
    rasterize_texel_rows(*target, size, band * kBandRows, kBandRows, surface);
    for (int y = surface.first_row; y < surface.first_row + surface.rows; ++y) {
      for (int x = 0; x < size; ++x) {
        const TexelSample& texel = surface.at(x, y);
        if (texel.triangle < 0) continue;
        std::uint8_t* pixel = image.at(x, y);
        std::copy(kFlat, kFlat + 4, pixel);
        coverage[texel_index(size, x, y)] = 1;
        const Vec3 n = texel.normal;
        const Vec3 t = {texel.tangent.x, texel.tangent.y, texel.tangent.z};
        Vec3 tangent = normalize(t - n * dot(t, n));
        if (!(length(tangent) > 0.5f)) tangent = any_orthogonal(n);
        const Vec3 bitangent = cross(n, tangent) * (texel.tangent.w < 0 ? -1.0f : 1.0f);
        const SurfacePoint point = source.find(texel.position, n, max_distance, false);
        if (!point.found) continue;
        const Vec3 detail = normal_at(high, point);
        // A detail normal facing away from the texel's means the search reached the far
        // side of a thin part: no detail is better than an inverted one.
        if (!(dot(detail, n) > 0)) continue;
        pixel[0] = encode(dot(detail, tangent));
        pixel[1] = encode(dot(detail, bitangent));
        pixel[2] = encode(dot(detail, n));
      }
    }
  });
  finish_texture(image, coverage, options.dilation_texels, kFlat);
  return image;
}

}  // namespace atlas::bake
