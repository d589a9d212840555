#pragma once
// UV-mapped surfaces for bake tests and benchmarks, built from real inputs without the
// surface extraction and unwrap steps: a star-shaped shell around a splat cloud.

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <tuple>
#include <vector>

#include "asset/mesh.h"
#include "asset/splat_cloud.h"

namespace atlas::test {

// Where a UV-mapped test surface lies in the atlas: u in [u0, u1], v in [v0, v1].
struct UvRect {
  float u0 = 0, v0 = 0, u1 = 1, v1 = 1;
};

// How far the clearly visible (alpha >= 0.5) splats reach from `centre` in each
// direction: the farthest splat centre in each cell of a latitude-longitude grid,
// smoothed, interpolated between cells.
class ReachByDirection {
 public:
  ReachByDirection(const SplatCloud& cloud, Vec3 centre)
      : centre_(centre), radius_(kRings * kSegments, 0.0f) {
    for (std::size_t i = 0; i < cloud.size(); ++i) {
      if (sigmoid(cloud.opacity_logits[i]) < 0.5f) continue;
      const Vec3 d = cloud.positions[i] - centre;
      const float r = length(d);
      if (!(r > 0)) continue;
      const auto [a, b] = cell(d * (1 / r));
      float& slot = radius_[std::size_t(std::clamp(int(a), 0, kRings - 1)) * kSegments +
                            std::size_t(int(b) % kSegments)];
      slot = std::max(slot, r);
    }
    // Empty cells take their neighbours' mean; two passes of light smoothing.
    for (int pass = 0; pass < 12; ++pass) {
      std::vector<float> next = radius_;
      for (int i = 0; i < kRings; ++i) {
        for (int j = 0; j < kSegments; ++j) {
          float sum = 0;
          int n = 0;
          for (int di = -1; di <= 1; ++di) {
            for (int dj = -1; dj <= 1; ++dj) {
              if (i + di < 0 || i + di >= kRings) continue;
              const float r = at(i + di, j + dj);
              if (r > 0) sum += r, ++n;
            }
          }
          float& slot = next[std::size_t(i) * kSegments + j];
          if (n > 0 && (slot == 0 || pass < 2)) slot = sum / float(n);
        }
      }
      radius_ = std::move(next);
    }
  }

  // The shell point in unit direction d.
  Vec3 point(Vec3 d) const {
    const auto [a, b] = cell(d);
    const float fa = std::clamp(a - 0.5f, 0.0f, float(kRings - 1)), fb = b - 0.5f;
    const int i = std::min(int(fa), kRings - 2);
    const int j = int(std::floor(fb));
    const float s = fa - float(i), t = fb - float(j);
    const float r = (1 - s) * ((1 - t) * at(i, j) + t * at(i, j + 1)) +
                    s * ((1 - t) * at(i + 1, j) + t * at(i + 1, j + 1));
    return centre_ + d * r;
  }

 private:
  static constexpr int kRings = 64, kSegments = 128;

  // Continuous (latitude, longitude) cell coordinates of unit direction d.
  static std::pair<float, float> cell(Vec3 d) {
    const float pi = std::numbers::pi_v<float>;
    const float theta = std::acos(std::clamp(d.y, -1.0f, 1.0f));
    float phi = std::atan2(d.z, d.x);
    if (phi < 0) phi += 2 * pi;
    return {theta / pi * kRings, phi / (2 * pi) * kSegments};
  }
  float at(int i, int j) const {
    return radius_[std::size_t(i) * kSegments +
                   std::size_t(((j % kSegments) + kSegments) % kSegments)];
  }

  Vec3 centre_;
  std::vector<float> radius_;
};

// A cube sphere (six n x n grids, each face projected onto the sphere) around the
// cloud's bounds centre, pushed out in each direction to the farthest clearly visible
// splat there: for a roughly star-shaped object (a hamburger) a shell close to its
// outer surface, with evenly sized triangles. 12 n^2 outward counter-clockwise
// triangles, smooth normals (shared across the faces' seams), and uv0 laying the six
// faces out as six charts, three by two, in `rect` with a gutter of 2 % of it between.
inline Primitive star_surface(const SplatCloud& cloud, int n, UvRect rect = {}) {
  const Vec3 centre = cloud.bounds().center();
  const ReachByDirection reach(cloud, centre);
  // Face f: direction = normal + a * s + b * t for a, b in [-1, 1].
  const Vec3 normals[6] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
  const Vec3 s_axes[6] = {{0, 0, -1}, {0, 0, 1}, {1, 0, 0}, {1, 0, 0}, {1, 0, 0}, {-1, 0, 0}};
  const Vec3 t_axes[6] = {{0, 1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}, {0, 1, 0}, {0, 1, 0}};
  const float gap_u = 0.02f * (rect.u1 - rect.u0), gap_v = 0.02f * (rect.v1 - rect.v0);
  const float chart_u = (rect.u1 - rect.u0 - 2 * gap_u) / 3;
  const float chart_v = (rect.v1 - rect.v0 - gap_v) / 2;
  Primitive mesh;
  for (int f = 0; f < 6; ++f) {
    const float u_start = rect.u0 + float(f % 3) * (chart_u + gap_u);
    const float v_start = rect.v0 + float(f / 3) * (chart_v + gap_v);
    const auto first = std::uint32_t(mesh.positions.size());
    for (int j = 0; j <= n; ++j) {
      for (int i = 0; i <= n; ++i) {
        const float a = 2 * float(i) / float(n) - 1, b = 2 * float(j) / float(n) - 1;
        mesh.positions.push_back(
            reach.point(normalize(normals[f] + s_axes[f] * a + t_axes[f] * b)));
        mesh.uv0.push_back({u_start + chart_u * float(i) / float(n),
                            v_start + chart_v * (1 - float(j) / float(n))});
      }
    }
    auto add = [&](std::uint32_t a, std::uint32_t b, std::uint32_t c) {
      const Vec3 pa = mesh.positions[a], pb = mesh.positions[b], pc = mesh.positions[c];
      if (dot(cross(pb - pa, pc - pa), (pa + pb + pc) * (1.0f / 3.0f) - centre) < 0)
        std::swap(b, c);
      mesh.indices.insert(mesh.indices.end(), {a, b, c});
    };
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < n; ++i) {
        const auto v00 = first + std::uint32_t(j * (n + 1) + i), v01 = v00 + 1;
        const auto v10 = v00 + std::uint32_t(n + 1), v11 = v10 + 1;
        add(v00, v01, v11);
        add(v00, v11, v10);
      }
    }
  }
  // Smooth normals; the copies of a seam vertex (same position, up to rounding) share one.
  std::map<std::tuple<long, long, long>, Vec3> sums;
  auto key = [](Vec3 p) {
    return std::make_tuple(std::lround(p.x * 1e5f), std::lround(p.y * 1e5f),
                           std::lround(p.z * 1e5f));
  };
  for (std::size_t t = 0; t < mesh.indices.size(); t += 3) {
    const std::uint32_t a = mesh.indices[t], b = mesh.indices[t + 1], c = mesh.indices[t + 2];
    const Vec3 normal =
        cross(mesh.positions[b] - mesh.positions[a], mesh.positions[c] - mesh.positions[a]);
    for (std::uint32_t v : {a, b, c})
      sums[key(mesh.positions[v])] = sums[key(mesh.positions[v])] + normal;
  }
  for (const Vec3& p : mesh.positions) mesh.normals.push_back(normalize(sums[key(p)]));
  return mesh;
}

}  // namespace atlas::test
