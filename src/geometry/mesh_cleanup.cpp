#include "geometry/mesh_cleanup.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <set>
#include <unordered_map>

#include "geometry/triangle_bvh.h"

namespace atlas::geometry {
namespace {

using Triangle = std::array<std::uint32_t, 3>;

template <typename T>
void keep_vertices(std::vector<T>& values, const std::vector<std::uint32_t>& remap,
                   std::size_t count) {
  if (values.empty()) return;
  std::vector<T> out(count);
  for (std::size_t i = 0; i < remap.size(); ++i) {
    if (remap[i] != UINT32_MAX) out[remap[i]] = values[i];
  }
  values = std::move(out);
}

// Applies an old -> new vertex map (UINT32_MAX: dropped) to every attribute.
void remap_vertices(Primitive& mesh, const std::vector<std::uint32_t>& remap, std::size_t count) {
  keep_vertices(mesh.positions, remap, count);
  keep_vertices(mesh.normals, remap, count);
  keep_vertices(mesh.tangents, remap, count);
  keep_vertices(mesh.uv0, remap, count);
  keep_vertices(mesh.uv1, remap, count);
  keep_vertices(mesh.colors, remap, count);
}

std::vector<Triangle> triangles_of(const Primitive& mesh) {
  std::vector<Triangle> triangles;
  const std::size_t n = mesh.positions.size();
  for (std::size_t i = 0; i + 2 < mesh.indices.size(); i += 3) {
    const Triangle t{mesh.indices[i], mesh.indices[i + 1], mesh.indices[i + 2]};
    if (t[0] < n && t[1] < n && t[2] < n) triangles.push_back(t);
  }
  return triangles;
}

float triangle_area(const Primitive& mesh, const Triangle& t) {
  const Vec3 a = mesh.positions[t[0]];
  return 0.5f * length(cross(mesh.positions[t[1]] - a, mesh.positions[t[2]] - a));
}

// Merges vertices that fall in the same cell of a grid `tolerance` wide.
std::size_t weld(Primitive& mesh, std::vector<Triangle>& triangles, float tolerance) {
  if (!(tolerance > 0)) return 0;
  struct KeyHash {
    std::size_t operator()(const std::array<std::int64_t, 3>& k) const {
      return std::size_t(k[0] * 73856093) ^ std::size_t(k[1] * 19349663) ^
             std::size_t(k[2] * 83492791);
    }
  };
  std::unordered_map<std::array<std::int64_t, 3>, std::uint32_t, KeyHash> first;
  first.reserve(mesh.positions.size());
  std::vector<std::uint32_t> target(mesh.positions.size());
  std::size_t welded = 0;
  for (std::size_t i = 0; i < mesh.positions.size(); ++i) {
    const Vec3 p = mesh.positions[i];
    const std::array<std::int64_t, 3> key{std::llround(p.x / tolerance),
                                          std::llround(p.y / tolerance),
                                          std::llround(p.z / tolerance)};
    auto [it, inserted] = first.emplace(key, static_cast<std::uint32_t>(i));
    target[i] = it->second;
    welded += !inserted;
  }
  for (Triangle& t : triangles) {
    for (std::uint32_t& v : t) v = target[v];
  }
  return welded;
}

struct Components {
  std::vector<std::uint32_t> of_triangle;
  std::size_t count = 0;
};

// Triangles sharing a vertex belong to one component.
Components connected_components(const std::vector<Triangle>& triangles, std::size_t vertices) {
  std::vector<std::uint32_t> parent(vertices);
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  for (const Triangle& t : triangles) {
    const std::uint32_t a = find(t[0]);
    parent[find(t[1])] = a;
    parent[find(t[2])] = a;
  }
  Components components;
  std::unordered_map<std::uint32_t, std::uint32_t> label;
  for (const Triangle& t : triangles) {
    auto [it, inserted] = label.emplace(find(t[0]), static_cast<std::uint32_t>(label.size()));
    components.of_triangle.push_back(it->second);
  }
  components.count = label.size();
  return components;
}

// Whether `point` is inside the closed surface of `bvh`: crossings of three rays, the
// majority of their parities decides (one ray can graze an edge).
bool enclosed(const TriangleBvh& bvh, Vec3 point, float extent) {
  const Vec3 directions[3] = {{1, 0.013f, 0.007f}, {-0.011f, 1, 0.017f}, {0.005f, -0.019f, -1}};
  int inside_votes = 0;
  for (const Vec3& direction : directions) {
    int crossings = 0;
    float t_min = 0;
    for (int guard = 0; guard < 256; ++guard) {
      const RayHit hit = bvh.intersect(point, direction, t_min, 4 * extent);
      if (!hit.hit) break;
      ++crossings;
      t_min = hit.distance + 1e-5f * extent;
    }
    inside_votes += crossings % 2;
  }
  return inside_votes >= 2;
}

// Fills boundary loops of at most max_edges edges with a fan around a new centre vertex.
std::size_t fill_holes(Primitive& mesh, std::vector<Triangle>& triangles, int max_edges) {
  auto key = [](std::uint32_t a, std::uint32_t b) { return std::uint64_t(a) << 32 | b; };
  std::vector<std::uint64_t> edges;
  edges.reserve(triangles.size() * 3);
  for (const Triangle& t : triangles) {
    for (int e = 0; e < 3; ++e) edges.push_back(key(t[e], t[(e + 1) % 3]));
  }
  std::sort(edges.begin(), edges.end());
  auto uses = [&](std::uint64_t edge) {
    const auto range = std::equal_range(edges.begin(), edges.end(), edge);
    return range.second - range.first;
  };
  // A boundary edge a->b is used once and has no twin b->a; the hole's loop runs b->a.
  std::unordered_map<std::uint32_t, std::uint32_t> next;
  std::set<std::uint32_t> ambiguous;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if ((i > 0 && edges[i] == edges[i - 1]) || (i + 1 < edges.size() && edges[i] == edges[i + 1]))
      continue;
    const auto a = static_cast<std::uint32_t>(edges[i] >> 32);
    const auto b = static_cast<std::uint32_t>(edges[i] & 0xffffffffu);
    if (uses(key(b, a)) != 0) continue;
    if (!next.emplace(b, a).second) ambiguous.insert(b);
  }
  std::size_t filled = 0;
  std::set<std::uint32_t> visited;
  for (const auto& [start, unused] : next) {
    if (visited.count(start) || ambiguous.count(start)) continue;
    std::vector<std::uint32_t> loop;
    std::uint32_t v = start;
    bool closed = false;
    while (static_cast<int>(loop.size()) <= max_edges) {
      if (visited.count(v) || ambiguous.count(v)) break;
      visited.insert(v);
      loop.push_back(v);
      auto it = next.find(v);
      if (it == next.end()) break;
      v = it->second;
      if (v == start) {
        closed = true;
        break;
      }
    }
    if (!closed || loop.size() < 3) continue;
    Vec3 centre{0, 0, 0};
    Vec4 colour{0, 0, 0, 0};
    for (std::uint32_t corner : loop) {
      centre = centre + mesh.positions[corner];
      if (!mesh.colors.empty()) {
        const Vec4 c = mesh.colors[corner];
        colour = {colour.x + c.x, colour.y + c.y, colour.z + c.z, colour.w + c.w};
      }
    }
    const float share = 1.0f / loop.size();
    const auto centre_index = static_cast<std::uint32_t>(mesh.positions.size());
    mesh.positions.push_back(centre * share);
    if (!mesh.normals.empty()) mesh.normals.push_back({0, 1, 0});
    if (!mesh.tangents.empty()) mesh.tangents.push_back({1, 0, 0, 1});
    if (!mesh.uv0.empty()) mesh.uv0.push_back(mesh.uv0[loop[0]]);
    if (!mesh.uv1.empty()) mesh.uv1.push_back(mesh.uv1[loop[0]]);
    if (!mesh.colors.empty())
      mesh.colors.push_back({colour.x * share, colour.y * share, colour.z * share, colour.w * share});
    for (std::size_t i = 0; i < loop.size(); ++i)
      triangles.push_back({loop[i], loop[(i + 1) % loop.size()], centre_index});
    ++filled;
  }
  return filled;
}

}  // namespace

CleanupReport clean_up(Primitive& mesh, const CleanupOptions& options) {
  CleanupReport report;
  std::vector<Triangle> triangles = triangles_of(mesh);
  const Bounds bounds = Mesh{"", {mesh}, {}, {}}.bounds();
  const float diagonal = length(bounds.size());
  if (triangles.empty() || !(diagonal > 0) || !std::isfinite(diagonal)) {
    mesh.indices.clear();
    remap_vertices(mesh, std::vector<std::uint32_t>(mesh.positions.size(), UINT32_MAX), 0);
    return report;
  }
  report.welded_vertices = weld(mesh, triangles, options.weld_tolerance * diagonal);

  // Degenerate (repeated corner or no area) and duplicate (same corners) faces.
  const float min_area = 1e-12f * diagonal * diagonal;
  std::vector<std::pair<Triangle, std::uint32_t>> keyed;
  keyed.reserve(triangles.size());
  for (std::size_t i = 0; i < triangles.size(); ++i) {
    const Triangle& t = triangles[i];
    if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2] || !(triangle_area(mesh, t) > min_area)) {
      ++report.degenerate_faces;
      continue;
    }
    Triangle key = t;
    std::sort(key.begin(), key.end());
    keyed.push_back({key, static_cast<std::uint32_t>(i)});
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<bool> keep(triangles.size(), false);
  for (std::size_t i = 0; i < keyed.size(); ++i) {
    if (i > 0 && keyed[i].first == keyed[i - 1].first) {
      ++report.duplicate_faces;
    } else {
      keep[keyed[i].second] = true;
    }
  }
  std::vector<Triangle> kept;
  for (std::size_t i = 0; i < triangles.size(); ++i) {
    if (keep[i]) kept.push_back(triangles[i]);
  }
  triangles = std::move(kept);

  // Floaters and interior shells, by connected component.
  const Components components = connected_components(triangles, mesh.positions.size());
  std::vector<double> area(components.count, 0);
  for (std::size_t i = 0; i < triangles.size(); ++i)
    area[components.of_triangle[i]] += triangle_area(mesh, triangles[i]);
  const std::size_t largest =
      std::max_element(area.begin(), area.end()) - area.begin();
  std::vector<bool> removed(components.count, false);
  for (std::size_t c = 0; c < components.count; ++c) {
    if (area[c] < options.min_component_area_ratio * area[largest]) {
      removed[c] = true;
      ++report.floater_components;
    }
  }
  const bool other_components =
      std::count(removed.begin(), removed.end(), false) > 1;
  if (options.remove_interior_shells && other_components) {
    std::vector<std::uint32_t> shell;
    std::vector<std::uint32_t> sample_vertex(components.count, UINT32_MAX);
    for (std::size_t i = 0; i < triangles.size(); ++i) {
      if (components.of_triangle[i] == largest) shell.insert(shell.end(), triangles[i].begin(), triangles[i].end());
      sample_vertex[components.of_triangle[i]] = triangles[i][0];
    }
    const TriangleBvh bvh(mesh.positions, shell);
    for (std::size_t c = 0; c < components.count; ++c) {
      if (c == largest || removed[c]) continue;
      if (enclosed(bvh, mesh.positions[sample_vertex[c]], diagonal)) {
        removed[c] = true;
        ++report.interior_components;
      }
    }
  }
  kept.clear();
  for (std::size_t i = 0; i < triangles.size(); ++i) {
    if (removed[components.of_triangle[i]]) {
      ++report.floater_faces;
    } else {
      kept.push_back(triangles[i]);
    }
  }
  report.components_kept =
      components.count - std::count(removed.begin(), removed.end(), true);
  triangles = std::move(kept);

  if (options.max_hole_edges >= 3)
    report.holes_filled = fill_holes(mesh, triangles, options.max_hole_edges);

  // Drop vertices no triangle uses, keep the rest in order.
  std::vector<std::uint32_t> remap(mesh.positions.size(), UINT32_MAX);
  for (const Triangle& t : triangles) {
    for (std::uint32_t v : t) remap[v] = 0;
  }
  std::uint32_t count = 0;
  for (std::uint32_t& v : remap) {
    if (v != UINT32_MAX) v = count++;
  }
  remap_vertices(mesh, remap, count);
  mesh.indices.clear();
  mesh.indices.reserve(triangles.size() * 3);
  for (const Triangle& t : triangles) {
    for (std::uint32_t v : t) mesh.indices.push_back(remap[v]);
  }
  compute_smooth_normals(mesh);
  return report;
}

void compute_smooth_normals(Primitive& mesh) {
  std::vector<Vec3> sums(mesh.positions.size(), Vec3{0, 0, 0});
  const std::size_t n = mesh.positions.size();
  for (std::size_t i = 0; i + 2 < mesh.indices.size(); i += 3) {
    const std::uint32_t corners[3] = {mesh.indices[i], mesh.indices[i + 1], mesh.indices[i + 2]};
    if (corners[0] >= n || corners[1] >= n || corners[2] >= n) continue;
    const Vec3 p[3] = {mesh.positions[corners[0]], mesh.positions[corners[1]],
                       mesh.positions[corners[2]]};
    const Vec3 face = normalize(cross(p[1] - p[0], p[2] - p[0]));
    for (int c = 0; c < 3; ++c) {
      const Vec3 e1 = normalize(p[(c + 1) % 3] - p[c]);
      const Vec3 e2 = normalize(p[(c + 2) % 3] - p[c]);
      const float angle = std::acos(std::clamp(dot(e1, e2), -1.0f, 1.0f));
      sums[corners[c]] = sums[corners[c]] + face * angle;
    }
  }
  mesh.normals.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Vec3 normal = normalize(sums[i]);
    mesh.normals[i] = length(normal) > 0 ? normal : Vec3{0, 1, 0};
  }
}

}  // namespace atlas::geometry
