#pragma once
// UV-mapped surfaces for bake tests and benchmarks, built from real inputs without the
// surface extraction and unwrap steps: a star-shaped shell around a splat cloud.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "asset/mesh.h"
#include "asset/splat_cloud.h"

namespace atlas::test {

// Where a UV-mapped test surface lies in the atlas: u in [u0, u1], v in [v0, v1].
struct UvRect {
  float u0 = 0, v0 = 0, u1 = 1, v1 = 1;
};

// A latitude-longitude sphere around the cloud's bounds centre whose radius in each
// direction is the farthest clearly visible (alpha >= 0.5) splat centre there, smoothed:
// for a roughly star-shaped object (a hamburger) a shell close to its outer surface.
// Outward counter-clockwise triangles, smooth normals, uv0 the (longitude, latitude)
// grid mapped into `rect`.
inline Primitive star_surface(const SplatCloud& cloud, int rings, int segments, UvRect rect = {}) {
  const Vec3 centre = cloud.bounds().center();
  const float pi = std::numbers::pi_v<float>;
  std::vector<float> bin(std::size_t(rings) * segments, 0.0f);
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    if (sigmoid(cloud.opacity_logits[i]) < 0.5f) continue;
    const Vec3 d = cloud.positions[i] - centre;
    const float r = length(d);
    if (!(r > 0)) continue;
    const float theta = std::acos(std::clamp(d.y / r, -1.0f, 1.0f));
    float phi = std::atan2(d.z, d.x);
    if (phi < 0) phi += 2 * pi;
    const int a = std::min(rings - 1, int(theta / pi * float(rings)));
    const int b = std::min(segments - 1, int(phi / (2 * pi) * float(segments)));
    float& slot = bin[std::size_t(a) * segments + b];
    slot = std::max(slot, r);
  }
  // Vertex (i, j) of the (rings + 1) x (segments + 1) grid touches bins (i - 1 .. i, j - 1 .. j).
  const int columns = segments + 1;
  std::vector<float> radius(std::size_t(rings + 1) * columns, 0.0f);
  for (int i = 0; i <= rings; ++i) {
    for (int j = 0; j <= segments; ++j) {
      float r = 0;
      for (int a = std::max(0, i - 1); a <= std::min(rings - 1, i); ++a) {
        for (int b : {(j + segments - 1) % segments, j % segments}) {
          r = std::max(r, bin[std::size_t(a) * segments + b]);
        }
      }
      radius[std::size_t(i) * columns + j] = r;
    }
  }
  // Empty directions, poles (one point each) and a light smoothing.
  for (int pass = 0; pass < 8; ++pass) {
    std::vector<float> next = radius;
    for (int i = 0; i <= rings; ++i) {
      for (int j = 0; j <= segments; ++j) {
        float sum = 0;
        int n = 0;
        for (int di = -1; di <= 1; ++di) {
          for (int dj = -1; dj <= 1; ++dj) {
            const int a = i + di;
            if (a < 0 || a > rings) continue;
            const int b = ((j + dj) % segments + segments) % segments;
            const float r = radius[std::size_t(a) * columns + b];
            if (r > 0) sum += r, ++n;
          }
        }
        float& slot = next[std::size_t(i) * columns + j];
        if (n > 0 && (slot == 0 || pass < 2)) slot = sum / float(n);
      }
    }
    radius = std::move(next);
  }
  for (int i : {0, rings}) {
    float mean = 0;
    for (int j = 0; j < segments; ++j) mean += radius[std::size_t(i) * columns + j];
    for (int j = 0; j <= segments; ++j) radius[std::size_t(i) * columns + j] = mean / float(segments);
  }
  for (int i = 0; i <= rings; ++i) radius[std::size_t(i) * columns + segments] = radius[std::size_t(i) * columns];

  Primitive mesh;
  for (int i = 0; i <= rings; ++i) {
    const float theta = pi * float(i) / float(rings);
    for (int j = 0; j <= segments; ++j) {
      const float phi = 2 * pi * float(j) / float(segments);
      const Vec3 d{std::sin(theta) * std::cos(phi), std::cos(theta), std::sin(theta) * std::sin(phi)};
      mesh.positions.push_back(centre + d * radius[std::size_t(i) * columns + j]);
      mesh.uv0.push_back({rect.u0 + (rect.u1 - rect.u0) * float(j) / float(segments),
                          rect.v0 + (rect.v1 - rect.v0) * float(i) / float(rings)});
    }
  }
  auto add = [&](std::uint32_t a, std::uint32_t b, std::uint32_t c) {
    const Vec3 pa = mesh.positions[a], pb = mesh.positions[b], pc = mesh.positions[c];
    const Vec3 n = cross(pb - pa, pc - pa);
    if (dot(n, (pa + pb + pc) * (1.0f / 3.0f) - centre) < 0) std::swap(b, c);
    mesh.indices.insert(mesh.indices.end(), {a, b, c});
  };
  for (int i = 0; i < rings; ++i) {
    for (int j = 0; j < segments; ++j) {
      const auto v00 = std::uint32_t(i * columns + j), v01 = v00 + 1;
      const auto v10 = std::uint32_t((i + 1) * columns + j), v11 = v10 + 1;
      if (i > 0) add(v00, v10, v01);
      if (i + 1 < rings) add(v01, v10, v11);
    }
  }
  // Smooth normals, shared across the longitude seam and at the poles.
  std::vector<Vec3> sum(mesh.positions.size());
  for (std::size_t t = 0; t < mesh.indices.size(); t += 3) {
    const std::uint32_t a = mesh.indices[t], b = mesh.indices[t + 1], c = mesh.indices[t + 2];
    const Vec3 n = cross(mesh.positions[b] - mesh.positions[a], mesh.positions[c] - mesh.positions[a]);
    for (std::uint32_t v : {a, b, c}) sum[v] = sum[v] + n;
  }
  for (int i = 0; i <= rings; ++i) {
    const std::size_t first = std::size_t(i) * columns, last = first + segments;
    if (i == 0 || i == rings) {
      Vec3 pole;
      for (int j = 0; j <= segments; ++j) pole = pole + sum[first + j];
      for (int j = 0; j <= segments; ++j) sum[first + j] = pole;
    } else {
      sum[first] = sum[last] = sum[first] + sum[last];
    }
  }
  for (const Vec3& n : sum) mesh.normals.push_back(normalize(n));
  return mesh;
}

}  // namespace atlas::test
