#include "bake/texel_surface.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel_for.h"

namespace atlas::bake {

namespace {

constexpr int kBandRows = 32;
// Barycentric weight given to each corner of a point taken on a triangle's border.
constexpr float kInside = 1e-3f;

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

bool usable(const Primitive& mesh, int size) {
  return size > 0 && size <= kMaxTextureSize && !mesh.positions.empty() &&
         mesh.uv0.size() == mesh.positions.size();
}

float cross2(float ax, float ay, float bx, float by) { return ax * by - ay * bx; }

// The triangle's attributes at barycentrics (l0, l1, l2).
void interpolate(const Primitive& mesh, const std::uint32_t corner[3], const float l[3],
                 Vec3 face_normal, TexelSample& out) {
  Vec3 position;
  for (int k = 0; k < 3; ++k) position = position + mesh.positions[corner[k]] * l[k];
  out.position = position;
  Vec3 normal;
  if (mesh.normals.size() == mesh.positions.size()) {
    for (int k = 0; k < 3; ++k) normal = normal + mesh.normals[corner[k]] * l[k];
    normal = normalize(normal);
  }
  out.normal = length(normal) > 0.5f && finite(normal) ? normal : face_normal;
  if (mesh.tangents.size() == mesh.positions.size()) {
    Vec3 tangent;
    float w = 0;
    for (int k = 0; k < 3; ++k) {
      const Vec4 t = mesh.tangents[corner[k]];
      tangent = tangent + Vec3{t.x, t.y, t.z} * l[k];
      w += t.w * l[k];
    }
    tangent = normalize(tangent);
    out.tangent = {tangent.x, tangent.y, tangent.z, w < 0 ? -1.0f : 1.0f};
  }
}

// Rasterises every triangle into atlas rows [first_row, first_row + rows), writing
// out[(y - first_row) * size + x]. `nearest` holds, per texel, the squared distance in
// texels from its centre to the point it shows (0 inside a triangle).
void rasterize_band(const Primitive& mesh, int size, int first_row, int rows, TexelSample* out) {
  std::vector<float> nearest(std::size_t(size) * rows, std::numeric_limits<float>::infinity());
  const std::size_t vertex_count = mesh.positions.size();
  const float scale = float(size);
  const int last_row = first_row + rows - 1;
  for (std::size_t t = 0; t + 2 < mesh.indices.size(); t += 3) {
    const std::uint32_t corner[3] = {mesh.indices[t], mesh.indices[t + 1], mesh.indices[t + 2]};
    if (corner[0] >= vertex_count || corner[1] >= vertex_count || corner[2] >= vertex_count)
      continue;
    float qx[3], qy[3];
    for (int k = 0; k < 3; ++k) {
      qx[k] = mesh.uv0[corner[k]].x * scale;
      qy[k] = mesh.uv0[corner[k]].y * scale;
    }
    const float min_y = std::min({qy[0], qy[1], qy[2]}), max_y = std::max({qy[0], qy[1], qy[2]});
    if (!(max_y >= float(first_row)) || !(min_y <= float(last_row + 1))) continue;
    const float min_x = std::min({qx[0], qx[1], qx[2]}), max_x = std::max({qx[0], qx[1], qx[2]});
    if (!std::isfinite(min_x + max_x + min_y + max_y)) continue;
    if (max_x < 0 || min_x > scale) continue;
    const float area = cross2(qx[1] - qx[0], qy[1] - qy[0], qx[2] - qx[0], qy[2] - qy[0]);
    if (!(std::fabs(area) > 0)) continue;
    const Vec3 a = mesh.positions[corner[0]], b = mesh.positions[corner[1]],
               c = mesh.positions[corner[2]];
    if (!finite(a) || !finite(b) || !finite(c)) continue;
    const Vec3 face_normal = normalize(cross(b - a, c - a));

    // Edge k runs from corner k to corner k + 1; its function is positive inside and,
    // divided by |area|, is the barycentric of the opposite corner (k + 2).
    const float sign = area > 0 ? 1.0f : -1.0f;
    float ex[3], ey[3], slack[3];
    for (int k = 0; k < 3; ++k) {
      const int next = (k + 1) % 3;
      ex[k] = qx[next] - qx[k];
      ey[k] = qy[next] - qy[k];
      // How far the edge function rises from a texel's centre to its most inside corner.
      slack[k] = 0.5f * (std::fabs(ex[k]) + std::fabs(ey[k]));
    }
    const float inverse_area = 1.0f / std::fabs(area);
    // The bounds were checked to overlap the band, so these conversions cannot overflow.
    const int x0 = int(std::max(0.0f, std::floor(min_x)));
    const int x1 = int(std::min(float(size - 1), std::floor(max_x)));
    const int y0 = int(std::max(float(first_row), std::floor(min_y)));
    const int y1 = int(std::min(float(last_row), std::floor(max_y)));
    for (int y = y0; y <= y1; ++y) {
      const float cy = float(y) + 0.5f;
      for (int x = x0; x <= x1; ++x) {
        const float cx = float(x) + 0.5f;
        float e[3];
        bool inside = true, touches = true;
        for (int k = 0; k < 3; ++k) {
          e[k] = sign * cross2(ex[k], ey[k], cx - qx[k], cy - qy[k]);
          inside = inside && e[k] >= 0;
          touches = touches && e[k] + slack[k] >= 0;
        }
        if (!touches) continue;
        float l[3] = {1, 0, 0};
        float squared = 0;
        if (inside) {
          l[0] = e[1] * inverse_area;
          l[1] = e[2] * inverse_area;
          l[2] = 1 - l[0] - l[1];
        } else {
          // The nearest point of the triangle lies on one of its edges.
          squared = std::numeric_limits<float>::infinity();
          for (int k = 0; k < 3; ++k) {
            const float length2 = ex[k] * ex[k] + ey[k] * ey[k];
            float s = length2 > 0 ? ((cx - qx[k]) * ex[k] + (cy - qy[k]) * ey[k]) / length2 : 0;
            s = std::clamp(s, 0.0f, 1.0f);
            const float dx = qx[k] + s * ex[k] - cx, dy = qy[k] + s * ey[k] - cy;
            const float d2 = dx * dx + dy * dy;
            if (d2 < squared) {
              squared = d2;
              const int next = (k + 1) % 3;
              l[k] = 1 - s;
              l[next] = s;
              l[(k + 2) % 3] = 0;
            }
          }
          // A hair inside, so the point belongs to this triangle and not also to the
          // neighbour across the edge (which may carry other normals or UVs).
          for (float& weight : l) weight = weight * (1 - 3 * kInside) + kInside;
        }
        const std::size_t index = std::size_t(y - first_row) * size + x;
        if (!(squared < nearest[index])) continue;
        nearest[index] = squared;
        TexelSample& sample = out[index];
        sample.triangle = std::int32_t(t / 3);
        interpolate(mesh, corner, l, face_normal, sample);
      }
    }
  }
}

}  // namespace

void rasterize_texel_rows(const Primitive& mesh, int size, int first_row, int rows,
                          TexelSurface& surface) {
  surface.size = surface.first_row = surface.rows = 0;
  surface.texels.clear();
  if (!usable(mesh, size)) return;
  const int begin = std::clamp(first_row, 0, size);
  const int end = std::clamp(first_row + std::max(rows, 0), begin, size);
  surface.size = size;
  surface.first_row = begin;
  surface.rows = end - begin;
  surface.texels.resize(std::size_t(size) * surface.rows);
  if (surface.rows > 0) rasterize_band(mesh, size, begin, surface.rows, surface.texels.data());
}

TexelSurface rasterize_texel_rows(const Primitive& mesh, int size, int first_row, int rows) {
  TexelSurface surface;
  rasterize_texel_rows(mesh, size, first_row, rows, surface);
  return surface;
}

TexelSurface rasterize_texels(const Primitive& mesh, int size, int threads) {
  TexelSurface surface;
  if (!usable(mesh, size)) return surface;
  surface.size = size;
  surface.rows = size;
  surface.texels.resize(std::size_t(size) * size);
  const int bands = (size + kBandRows - 1) / kBandRows;
  parallel_for_index(bands, threads, [&](int band) {
    const int first = band * kBandRows;
    const int rows = std::min(kBandRows, size - first);
    rasterize_band(mesh, size, first, rows, surface.texels.data() + std::size_t(first) * size);
  });
  return surface;
}

}  // namespace atlas::bake
