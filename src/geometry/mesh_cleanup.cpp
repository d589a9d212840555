#include "geometry/mesh_cleanup.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <tuple>
#include <utility>

#include "geometry/triangle_bvh.h"

namespace atlas::geometry {
namespace {

using Triangle = std::array<std::uint32_t, 3>;
constexpr std::uint32_t kNone = UINT32_MAX;

template <typename T>
void keep_vertices(std::vector<T>& values, const std::vector<std::uint32_t>& remap,
                   std::size_t count) {
  if (values.empty()) return;
  std::vector<T> out(count);
  for (std::size_t i = 0; i < remap.size(); ++i) {
    if (remap[i] != kNone) out[remap[i]] = values[i];
  }
  values = std::move(out);
}

// Applies an old -> new vertex map (kNone: dropped) to every attribute.
void remap_vertices(Primitive& mesh, const std::vector<std::uint32_t>& remap, std::size_t count) {
  keep_vertices(mesh.positions, remap, count);
  keep_vertices(mesh.normals, remap, count);
  keep_vertices(mesh.tangents, remap, count);
  keep_vertices(mesh.uv0, remap, count);
  keep_vertices(mesh.uv1, remap, count);
  keep_vertices(mesh.colors, remap, count);
}

template <typename T>
void drop_if_mismatched(std::vector<T>& values, std::size_t count) {
  if (values.size() != count) values.clear();
}

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

float triangle_area(const std::vector<Vec3>& positions, const Triangle& t) {
  const Vec3 a = positions[t[0]];
  return 0.5f * length(cross(positions[t[1]] - a, positions[t[2]] - a));
}

// The faces whose corners are in range and finite, and their bounds. Returns how many
// faces were left out.
std::size_t usable_triangles(const Primitive& mesh, std::vector<Triangle>& triangles,
                             Bounds& bounds) {
  const std::size_t n = mesh.positions.size();
  triangles.reserve(mesh.indices.size() / 3);
  std::size_t unusable = 0;
  for (std::size_t i = 0; i + 2 < mesh.indices.size(); i += 3) {
    const Triangle t{mesh.indices[i], mesh.indices[i + 1], mesh.indices[i + 2]};
    if (t[0] >= n || t[1] >= n || t[2] >= n || !finite(mesh.positions[t[0]]) ||
        !finite(mesh.positions[t[1]]) || !finite(mesh.positions[t[2]])) {
      ++unusable;
      continue;
    }
    triangles.push_back(t);
    for (std::uint32_t v : t) bounds.extend(mesh.positions[v]);
  }
  return unusable;
}

double diagonal_of(const Bounds& bounds) {
  const Vec3 size = bounds.size();
  return std::sqrt(double(size.x) * size.x + double(size.y) * size.y + double(size.z) * size.z);
}

bool repeats_corner(const Triangle& t) { return t[0] == t[1] || t[1] == t[2] || t[0] == t[2]; }

// Merges vertices whose positions round to the same point of a grid `tolerance` wide,
// four times, the grid shifted by a quarter step each time. A pair closer than a quarter
// step along every axis straddles a rounding boundary of at most one of the grids along
// each axis, so at least one grid of the four keeps it together. Pairs up to a step
// apart usually meet.
// Returns the number of vertices merged away.
std::size_t weld(const std::vector<Vec3>& positions, std::vector<Triangle>& triangles, Vec3 origin,
                 double tolerance) {
  const std::size_t n = positions.size();
  std::vector<std::uint32_t> target(n);
  std::iota(target.begin(), target.end(), 0u);
  if (!(tolerance > 0)) return 0;
  struct Keyed {
    std::int64_t x, y, z;
    std::uint32_t vertex;
    bool same_point(const Keyed& other) const {
      return x == other.x && y == other.y && z == other.z;
    }
    bool operator<(const Keyed& other) const {
      if (x != other.x) return x < other.x;
      if (y != other.y) return y < other.y;
      if (z != other.z) return z < other.z;
      return vertex < other.vertex;
    }
  };
  std::vector<Keyed> keyed(n);
  for (const double offset : {0.0, 0.25, 0.5, 0.75}) {
    for (std::size_t i = 0; i < n; ++i) {
      // Relative to the bounds' corner, so keys stay below 1 / weld_tolerance.
      const Vec3 p = positions[target[i]];
      keyed[i] = {std::llround((double(p.x) - origin.x) / tolerance + offset),
                  std::llround((double(p.y) - origin.y) / tolerance + offset),
                  std::llround((double(p.z) - origin.z) / tolerance + offset),
                  static_cast<std::uint32_t>(i)};
    }
    std::sort(keyed.begin(), keyed.end());
    std::size_t first = 0;  // of the current run of equal keys
    for (std::size_t i = 1; i < n; ++i) {
      if (!keyed[i].same_point(keyed[first])) {
        first = i;
        continue;
      }
      // Every member of a run joins the run's first (lowest-numbered) vertex's target.
      target[keyed[i].vertex] = target[keyed[first].vertex];
    }
  }
  std::size_t welded = 0;
  for (std::size_t i = 0; i < n; ++i) welded += target[i] != i;
  for (Triangle& t : triangles) {
    for (std::uint32_t& v : t) v = target[v];
  }
  return welded;
}

// Directed edges grouped by their start vertex, to find each edge's twins.
struct EdgeIndex {
  std::vector<std::uint32_t> first;    // a vertex's outgoing corners: [first[v], first[v + 1])
  std::vector<std::uint32_t> corners;  // face * 3 + k: the edge t[k] -> t[k + 1]
};

EdgeIndex index_edges(const std::vector<Triangle>& triangles, std::size_t vertices) {
  EdgeIndex index;
  index.first.assign(vertices + 1, 0);
  for (const Triangle& t : triangles) {
    for (std::uint32_t v : t) ++index.first[v + 1];
  }
  std::partial_sum(index.first.begin(), index.first.end(), index.first.begin());
  index.corners.resize(triangles.size() * 3);
  std::vector<std::uint32_t> fill(index.first.begin(), index.first.end() - 1);
  for (std::size_t f = 0; f < triangles.size(); ++f) {
    for (int k = 0; k < 3; ++k)
      index.corners[fill[triangles[f][k]]++] = static_cast<std::uint32_t>(f * 3 + k);
  }
  return index;
}

std::uint32_t edge_end(const std::vector<Triangle>& triangles, std::uint32_t corner) {
  return triangles[corner / 3][(corner % 3 + 1) % 3];
}

// How each corner's edge (t[k] -> t[k + 1]) is shared with other faces.
struct EdgeSharing {
  std::vector<std::uint32_t> twin;           // the one other corner on the edge, or kNone
  std::vector<std::uint8_t> same_direction;  // the twin also runs t[k] -> t[k + 1]
  std::vector<std::uint8_t> boundary;        // no other face uses the edge
};

EdgeSharing share_edges(const std::vector<Triangle>& triangles, std::size_t vertices) {
  const EdgeIndex index = index_edges(triangles, vertices);
  const std::size_t corners = triangles.size() * 3;
  EdgeSharing sharing;
  sharing.twin.assign(corners, kNone);
  sharing.same_direction.assign(corners, 0);
  sharing.boundary.assign(corners, 0);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, corners, 8192),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t c = range.begin(); c != range.end(); ++c) {
                        const auto corner = static_cast<std::uint32_t>(c);
                        const std::uint32_t a = triangles[corner / 3][corner % 3];
                        const std::uint32_t b = edge_end(triangles, corner);
                        std::uint32_t twin = kNone;
                        int uses = 0;
                        bool same = false;
                        for (std::uint32_t i = index.first[a]; i < index.first[a + 1]; ++i) {
                          const std::uint32_t other = index.corners[i];
                          if (other != corner && edge_end(triangles, other) == b) {
                            twin = other;
                            same = true;
                            ++uses;
                          }
                        }
                        for (std::uint32_t i = index.first[b]; i < index.first[b + 1]; ++i) {
                          const std::uint32_t other = index.corners[i];
                          if (edge_end(triangles, other) == a) {
                            twin = other;
                            same = false;
                            ++uses;
                          }
                        }
                        sharing.boundary[c] = uses == 0;
                        if (uses == 1) {
                          sharing.twin[c] = twin;
                          sharing.same_direction[c] = same;
                        }
                      }
                    });
  return sharing;
}

void flip(Triangle& t) { std::swap(t[1], t[2]); }

// Six times the volume `faces` enclose as oriented (with `flipped` applied), about
// their centroid: positive when their normals face out.
double signed_volume(const std::vector<Vec3>& positions, const std::vector<Triangle>& triangles,
                     const std::vector<std::uint8_t>& flipped,
                     const std::vector<std::uint32_t>& faces) {
  Vec3 centre{0, 0, 0};
  for (std::uint32_t face : faces) {
    for (std::uint32_t v : triangles[face]) centre = centre + positions[v];
  }
  centre = centre * (1.0f / float(3 * faces.size()));
  double volume = 0;
  for (std::uint32_t face : faces) {
    Triangle t = triangles[face];
    if (flipped[face]) flip(t);
    volume +=
        dot(positions[t[0]] - centre, cross(positions[t[1]] - centre, positions[t[2]] - centre));
  }
  return volume;
}

// Makes winding agree across every manifold edge (breadth first from each piece's
// first face). A closed piece (every edge shared with exactly one other face of it) is
// then turned to enclose positive volume; an open one, whose volume sign means little,
// keeps the winding most of its faces had. Returns which faces to flip.
std::vector<std::uint8_t> orient(const std::vector<Vec3>& positions,
                                 const std::vector<Triangle>& triangles,
                                 const EdgeSharing& sharing) {
  std::vector<std::uint32_t> piece(triangles.size(), kNone);
  std::vector<std::uint8_t> flipped(triangles.size(), 0);
  std::vector<std::uint32_t> queue;
  for (std::size_t seed = 0; seed < triangles.size(); ++seed) {
    if (piece[seed] != kNone) continue;
    const auto id = static_cast<std::uint32_t>(seed);
    piece[seed] = id;
    queue.assign(1, id);
    bool closed = true;
    for (std::size_t q = 0; q < queue.size(); ++q) {
      const std::uint32_t face = queue[q];
      for (std::uint32_t k = 0; k < 3; ++k) {
        const std::uint32_t twin = sharing.twin[face * 3 + k];
        if (twin == kNone) {
          closed = false;
          continue;
        }
        const bool same = sharing.same_direction[face * 3 + k];
        const std::uint32_t other = twin / 3;
        if (piece[other] != kNone) continue;
        piece[other] = id;
        // Same direction in the original winding means opposite orientations.
        flipped[other] = flipped[face] ^ static_cast<std::uint8_t>(same);
        queue.push_back(other);
      }
    }
    std::uint8_t turn = 0;
    if (!closed) {
      std::size_t against = 0;
      for (std::uint32_t face : queue) against += flipped[face];
      turn = 2 * against > queue.size();
    } else {
      turn = signed_volume(positions, triangles, flipped, queue) < 0;
    }
    for (std::uint32_t face : queue) flipped[face] ^= turn;
  }
  return flipped;
}

// Components: faces connected through shared vertices.
std::vector<std::uint32_t> connected_components(const std::vector<Triangle>& triangles,
                                                std::size_t vertices, std::size_t& count) {
  std::vector<std::uint32_t> parent(vertices);
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  auto unite = [&](std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent[b] = a;
  };
  for (const Triangle& t : triangles) {
    unite(t[0], t[1]);
    unite(t[0], t[2]);
  }
  std::vector<std::uint32_t> label(vertices, kNone);
  std::vector<std::uint32_t> of_face(triangles.size());
  count = 0;
  for (std::size_t f = 0; f < triangles.size(); ++f) {
    const std::uint32_t root = find(triangles[f][0]);
    if (label[root] == kNone) label[root] = static_cast<std::uint32_t>(count++);
    of_face[f] = label[root];
  }
  return of_face;
}

// Whether `point` is inside some component of `bvh` other than `self`: the parity of the
// crossings with that component along three skewed rays, by majority (one ray can graze
// an edge). Each component is judged alone, so a shell inside two nested ones counts.
bool enclosed(const TriangleBvh& bvh, const std::vector<std::uint32_t>& component_of,
              std::size_t components, std::uint32_t self, Vec3 point, float extent) {
  const Vec3 directions[3] = {{1, 0.013f, 0.007f}, {-0.011f, 1, 0.017f}, {0.005f, -0.019f, -1}};
  std::vector<int> votes(components, 0);
  std::vector<int> crossings(components, 0);
  for (const Vec3& direction : directions) {
    std::fill(crossings.begin(), crossings.end(), 0);
    float t_min = 0;
    for (int guard = 0; guard < 4096; ++guard) {
      const RayHit hit = bvh.intersect(point, direction, t_min, 4 * extent);
      if (!hit.hit) break;
      ++crossings[component_of[hit.triangle]];
      t_min = hit.distance + 1e-6f * extent;
    }
    for (std::size_t c = 0; c < components; ++c) votes[c] += crossings[c] % 2;
  }
  for (std::size_t c = 0; c < components; ++c) {
    if (c != self && votes[c] >= 2) return true;
  }
  return false;
}

// Splits the vertices of edges that more than two faces share. Such an edge is where
// surface nets collapses a thin tunnel (and where generators weld two sheets): around
// each of its ends, the faces fall into fans joined by two-face edges, and each fan
// gets its own copy of the vertex, nudged towards the fan's faces so that the copies do
// not weld back together in a file without indices (STL). The tunnel opens; where the
// fans of the two ends pair up differently, a small hole is left for fill_holes.
// Returns the number of vertex copies made.
std::size_t split_non_manifold_vertices(Primitive& mesh, std::vector<Triangle>& triangles) {
  struct EdgeUse {
    std::uint64_t edge;  // smaller vertex << 32 | larger vertex
    std::uint32_t face;
    bool operator<(const EdgeUse& other) const {
      return edge != other.edge ? edge < other.edge : face < other.face;
    }
  };
  std::vector<EdgeUse> uses;
  uses.reserve(triangles.size() * 3);
  for (std::size_t f = 0; f < triangles.size(); ++f)
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = triangles[f][k], b = triangles[f][(k + 1) % 3];
      uses.push_back(
          {std::uint64_t(std::min(a, b)) << 32 | std::max(a, b), static_cast<std::uint32_t>(f)});
    }
  std::sort(uses.begin(), uses.end());
  std::vector<std::uint64_t> shared_edges;  // edges of exactly two faces
  // A vertex is pinched on an edge of more than two faces, or where more than two
  // boundary edges meet (two holes touching, as the split of neighbouring pinched edges
  // leaves them).
  std::vector<std::uint8_t> pinched(mesh.positions.size(), 0);
  std::vector<std::uint8_t> boundary_edges(mesh.positions.size(), 0);
  for (std::size_t i = 0, end; i < uses.size(); i = end) {
    for (end = i + 1; end < uses.size() && uses[end].edge == uses[i].edge;) ++end;
    const auto a = static_cast<std::uint32_t>(uses[i].edge >> 32);
    const auto b = static_cast<std::uint32_t>(uses[i].edge & 0xffffffffu);
    if (end - i == 2) shared_edges.push_back(uses[i].edge);
    if (end - i > 2) pinched[a] = pinched[b] = 1;
    if (end - i == 1) {
      if (++boundary_edges[a] > 2) pinched[a] = 1;
      if (++boundary_edges[b] > 2) pinched[b] = 1;
      boundary_edges[a] = std::min<std::uint8_t>(boundary_edges[a], 3);
      boundary_edges[b] = std::min<std::uint8_t>(boundary_edges[b], 3);
    }
  }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> corners;  // pinched vertex, face
  for (std::size_t f = 0; f < triangles.size(); ++f)
    for (std::uint32_t v : triangles[f])
      if (pinched[v]) corners.emplace_back(v, static_cast<std::uint32_t>(f));
  if (corners.empty()) return 0;
  std::sort(corners.begin(), corners.end());
  auto shared = [&](std::uint32_t a, std::uint32_t b) {
    return std::binary_search(shared_edges.begin(), shared_edges.end(),
                              std::uint64_t(std::min(a, b)) << 32 | std::max(a, b));
  };

  std::size_t copies = 0;
  std::vector<std::uint32_t> fan;
  for (std::size_t i = 0, end; i < corners.size(); i = end) {
    const std::uint32_t v = corners[i].first;
    for (end = i + 1; end < corners.size() && corners[end].first == v;) ++end;
    const std::size_t count = end - i;
    // Faces of v joined across two-face edges through v: union-find over [i, end).
    fan.resize(count);
    std::iota(fan.begin(), fan.end(), 0u);
    auto find = [&](std::uint32_t x) {
      while (fan[x] != x) x = fan[x] = fan[fan[x]];
      return x;
    };
    for (std::size_t a = 0; a < count; ++a)
      for (std::size_t b = a + 1; b < count; ++b) {
        const Triangle& ta = triangles[corners[i + a].second];
        const Triangle& tb = triangles[corners[i + b].second];
        for (std::uint32_t w : ta) {
          if (w == v || std::find(tb.begin(), tb.end(), w) == tb.end() || !shared(v, w)) continue;
          fan[find(static_cast<std::uint32_t>(b))] = find(static_cast<std::uint32_t>(a));
        }
      }
    // Fans in the order of their first face, so the result does not depend on hashing.
    std::vector<std::uint32_t> roots;
    for (std::uint32_t a = 0; a < count; ++a)
      if (std::find(roots.begin(), roots.end(), find(a)) == roots.end()) roots.push_back(find(a));
    if (roots.size() < 2) continue;
    const Vec3 original = mesh.positions[v];
    for (std::size_t r = 0; r < roots.size(); ++r) {
      Vec3 centre{0, 0, 0};
      float faces = 0;
      for (std::uint32_t a = 0; a < count; ++a) {
        if (find(a) != roots[r]) continue;
        const Triangle& t = triangles[corners[i + a].second];
        centre = centre +
                 (mesh.positions[t[0]] + mesh.positions[t[1]] + mesh.positions[t[2]]) * (1.0f / 3);
        faces += 1;
      }
      std::uint32_t copy = v;
      if (r > 0) {
        copy = static_cast<std::uint32_t>(mesh.positions.size());
        mesh.positions.push_back(original);
        if (!mesh.normals.empty()) mesh.normals.push_back(mesh.normals[v]);
        if (!mesh.tangents.empty()) mesh.tangents.push_back(mesh.tangents[v]);
        if (!mesh.uv0.empty()) mesh.uv0.push_back(mesh.uv0[v]);
        if (!mesh.uv1.empty()) mesh.uv1.push_back(mesh.uv1[v]);
        if (!mesh.colors.empty()) mesh.colors.push_back(mesh.colors[v]);
        ++copies;
      }
      constexpr float kNudge = 0.1f;  // of the way to the fan's centre
      mesh.positions[copy] = original + (centre * (1.0f / faces) - original) * kNudge;
      for (std::uint32_t a = 0; a < count; ++a) {
        if (find(a) != roots[r]) continue;
        for (std::uint32_t& corner : triangles[corners[i + a].second])
          if (corner == v) corner = copy;
      }
    }
  }
  return copies;
}

// Fills boundary loops of at most max_edges edges: a triangle, or a fan around a new
// centre vertex. `boundary` holds each boundary edge a -> b as its face runs it; the
// hole's loop runs b -> a.
std::size_t fill_holes(Primitive& mesh, std::vector<Triangle>& triangles,
                       const std::vector<std::pair<std::uint32_t, std::uint32_t>>& boundary,
                       int max_edges) {
  std::vector<std::uint32_t> next(mesh.positions.size(), kNone);
  std::vector<std::uint8_t> ambiguous(mesh.positions.size(), 0);
  for (const auto& [a, b] : boundary) {
    if (next[b] != kNone) ambiguous[b] = 1;
    next[b] = a;
  }
  std::size_t filled = 0;
  std::vector<std::uint8_t> visited(mesh.positions.size(), 0);
  std::vector<std::uint32_t> loop;
  const std::size_t original_vertices = mesh.positions.size();
  for (std::uint32_t start = 0; start < original_vertices; ++start) {
    if (next[start] == kNone || visited[start] || ambiguous[start]) continue;
    loop.clear();
    std::uint32_t v = start;
    bool closed = false;
    while (static_cast<int>(loop.size()) <= max_edges) {
      if (visited[v] || ambiguous[v] || next[v] == kNone) break;
      visited[v] = 1;
      loop.push_back(v);
      v = next[v];
      if (v == start) {
        closed = true;
        break;
      }
    }
    if (!closed || loop.size() < 3 || static_cast<int>(loop.size()) > max_edges) continue;
    ++filled;
    if (loop.size() == 3) {
      triangles.push_back({loop[0], loop[1], loop[2]});
      continue;
    }
    Vec3 centre{0, 0, 0};
    Vec4 colour{0, 0, 0, 0};
    Vec3 normal{0, 0, 0};
    for (std::uint32_t corner : loop) {
      centre = centre + mesh.positions[corner];
      if (!mesh.colors.empty()) {
        const Vec4 c = mesh.colors[corner];
        colour = {colour.x + c.x, colour.y + c.y, colour.z + c.z, colour.w + c.w};
      }
      if (!mesh.normals.empty()) normal = normal + mesh.normals[corner];
    }
    const float share = 1.0f / float(loop.size());
    const auto centre_index = static_cast<std::uint32_t>(mesh.positions.size());
    mesh.positions.push_back(centre * share);
    if (!mesh.normals.empty()) mesh.normals.push_back(normalize(normal));
    if (!mesh.tangents.empty()) mesh.tangents.push_back(mesh.tangents[loop[0]]);
    if (!mesh.uv0.empty()) mesh.uv0.push_back(mesh.uv0[loop[0]]);
    if (!mesh.uv1.empty()) mesh.uv1.push_back(mesh.uv1[loop[0]]);
    if (!mesh.colors.empty())
      mesh.colors.push_back(
          {colour.x * share, colour.y * share, colour.z * share, colour.w * share});
    for (std::size_t i = 0; i < loop.size(); ++i)
      triangles.push_back({loop[i], loop[(i + 1) % loop.size()], centre_index});
  }
  return filled;
}

// A few points spread over a component's faces (face centroids), to test enclosure.
std::vector<Vec3> sample_points(const std::vector<Vec3>& positions,
                                const std::vector<Triangle>& triangles,
                                const std::vector<std::uint32_t>& faces) {
  constexpr std::size_t kSamples = 7;
  std::vector<Vec3> points;
  const std::size_t step = std::max<std::size_t>(1, faces.size() / kSamples);
  for (std::size_t i = step / 2; i < faces.size() && points.size() < kSamples; i += step) {
    const Triangle& t = triangles[faces[i]];
    points.push_back((positions[t[0]] + positions[t[1]] + positions[t[2]]) * (1.0f / 3));
  }
  return points;
}

// acos to within 7e-5 radians (Abramowitz and Stegun 4.4.45), plenty for weights and
// several times faster than std::acos.
float approximate_acos(float x) {
  const float a = std::min(std::abs(x), 1.0f);
  const float root = std::sqrt(1 - a);
  const float angle = root * (1.5707288f + a * (-0.2121144f + a * (0.0742610f - 0.0187293f * a)));
  return x < 0 ? 3.14159265f - angle : angle;
}

}  // namespace

CleanupReport clean_up(Primitive& mesh, const CleanupOptions& options) {
  CleanupReport report;
  const std::size_t n = mesh.positions.size();
  drop_if_mismatched(mesh.normals, n);
  drop_if_mismatched(mesh.tangents, n);
  drop_if_mismatched(mesh.uv0, n);
  drop_if_mismatched(mesh.uv1, n);
  drop_if_mismatched(mesh.colors, n);

  std::vector<Triangle> triangles;
  Bounds bounds;
  report.degenerate_faces = usable_triangles(mesh, triangles, bounds);
  const double diagonal = diagonal_of(bounds);
  if (triangles.empty() || !(diagonal > 0) || !std::isfinite(diagonal)) {
    mesh.indices.clear();
    remap_vertices(mesh, std::vector<std::uint32_t>(n, kNone), 0);
    return report;
  }
  report.welded_vertices =
      weld(mesh.positions, triangles, bounds.min, double(options.weld_tolerance) * diagonal);

  // Degenerate (repeated corner or no area) and duplicate (same corners) faces.
  const double min_area = 1e-12 * diagonal * diagonal;
  struct Keyed {
    std::uint64_t low_pair;  // the two smallest corners
    std::uint32_t high;      // the largest corner
    std::uint32_t face;
    bool same_corners(const Keyed& other) const {
      return low_pair == other.low_pair && high == other.high;
    }
    bool operator<(const Keyed& other) const {
      if (low_pair != other.low_pair) return low_pair < other.low_pair;
      if (high != other.high) return high < other.high;
      return face < other.face;
    }
  };
  std::vector<Keyed> keyed;
  keyed.reserve(triangles.size());
  for (std::size_t f = 0; f < triangles.size(); ++f) {
    const Triangle& t = triangles[f];
    if (repeats_corner(t) || !(double(triangle_area(mesh.positions, t)) > min_area)) {
      ++report.degenerate_faces;
      continue;
    }
    Triangle key = t;
    std::sort(key.begin(), key.end());
    keyed.push_back({std::uint64_t(key[0]) << 32 | key[1], key[2], static_cast<std::uint32_t>(f)});
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::uint8_t> keep(triangles.size(), 0);
  for (std::size_t i = 0; i < keyed.size(); ++i) {
    if (i > 0 && keyed[i].same_corners(keyed[i - 1])) {
      ++report.duplicate_faces;
    } else {
      keep[keyed[i].face] = 1;
    }
  }
  std::vector<Triangle> kept;
  kept.reserve(keyed.size());
  for (std::size_t f = 0; f < triangles.size(); ++f) {
    if (keep[f]) kept.push_back(triangles[f]);
  }
  triangles = std::move(kept);
  if (triangles.empty()) {
    mesh.indices.clear();
    remap_vertices(mesh, std::vector<std::uint32_t>(mesh.positions.size(), kNone), 0);
    return report;
  }

  if (options.open_non_manifold_edges) {
    // Splitting neighbouring pinched edges can leave touching holes, pinched in turn.
    for (int pass = 0; pass < 3; ++pass) {
      const std::size_t copies = split_non_manifold_vertices(mesh, triangles);
      report.split_vertices += copies;
      if (copies == 0) break;
    }
  }

  // Edge sharing is found once: flips and removals below change neither which faces
  // share an edge nor which edges are on a boundary.
  const EdgeSharing sharing = share_edges(triangles, mesh.positions.size());
  std::vector<std::uint8_t> flipped(triangles.size(), 0);
  if (options.orient_outward) flipped = orient(mesh.positions, triangles, sharing);
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> boundary;  // face, a, b
  for (std::uint32_t corner = 0; corner < sharing.boundary.size(); ++corner) {
    if (!sharing.boundary[corner]) continue;
    const std::uint32_t face = corner / 3;
    boundary.emplace_back(face, triangles[face][corner % 3], edge_end(triangles, corner));
  }
  for (std::size_t f = 0; f < triangles.size(); ++f) {
    if (!flipped[f]) continue;
    flip(triangles[f]);
    ++report.flipped_faces;
  }

  // Floaters and interior shells, by connected component.
  std::size_t component_count = 0;
  const std::vector<std::uint32_t> component =
      connected_components(triangles, mesh.positions.size(), component_count);
  std::vector<double> area(component_count, 0);
  std::vector<std::vector<std::uint32_t>> faces_of(component_count);
  for (std::size_t f = 0; f < triangles.size(); ++f) {
    area[component[f]] += triangle_area(mesh.positions, triangles[f]);
    faces_of[component[f]].push_back(static_cast<std::uint32_t>(f));
  }
  const double largest = *std::max_element(area.begin(), area.end());
  enum class Fate : std::uint8_t { Kept, Floater, Interior };
  std::vector<Fate> fate(component_count, Fate::Kept);
  for (std::size_t c = 0; c < component_count; ++c) {
    if (area[c] < double(options.min_component_area_ratio) * largest) fate[c] = Fate::Floater;
  }
  const auto survivors = std::count(fate.begin(), fate.end(), Fate::Kept);
  if (options.remove_interior_shells && survivors > 1) {
    // Enclosure is tested against the components that survived the floater pass.
    std::vector<std::uint32_t> indices;
    std::vector<std::uint32_t> component_of;
    for (std::size_t f = 0; f < triangles.size(); ++f) {
      if (fate[component[f]] != Fate::Kept) continue;
      indices.insert(indices.end(), triangles[f].begin(), triangles[f].end());
      component_of.push_back(component[f]);
    }
    const TriangleBvh bvh(mesh.positions, indices);
    std::vector<Fate> decided = fate;
    for (std::size_t c = 0; c < component_count; ++c) {
      if (fate[c] != Fate::Kept) continue;
      const std::vector<Vec3> samples = sample_points(mesh.positions, triangles, faces_of[c]);
      std::size_t inside = 0;
      for (const Vec3& p : samples)
        inside += enclosed(bvh, component_of, component_count, static_cast<std::uint32_t>(c), p,
                           float(diagonal));
      if (2 * inside > samples.size()) decided[c] = Fate::Interior;
    }
    // The largest component is never hidden inside a smaller one.
    decided[std::max_element(area.begin(), area.end()) - area.begin()] = Fate::Kept;
    fate = decided;
  }
  kept.clear();
  for (std::size_t f = 0; f < triangles.size(); ++f) {
    const Fate what = fate[component[f]];
    if (what == Fate::Kept) {
      kept.push_back(triangles[f]);
    } else if (what == Fate::Floater) {
      ++report.floater_faces;
    } else {
      ++report.interior_faces;
    }
  }
  for (Fate what : fate) {
    report.floater_components += what == Fate::Floater;
    report.interior_components += what == Fate::Interior;
    report.components_kept += what == Fate::Kept;
  }
  triangles = std::move(kept);

  if (options.max_hole_edges >= 3) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> open_edges;
    for (const auto& [face, a, b] : boundary) {
      if (fate[component[face]] != Fate::Kept) continue;
      open_edges.emplace_back(flipped[face] ? b : a, flipped[face] ? a : b);
    }
    report.holes_filled = fill_holes(mesh, triangles, open_edges, options.max_hole_edges);
  }

  // Drop vertices no triangle uses, keep the rest in order.
  std::vector<std::uint32_t> remap(mesh.positions.size(), kNone);
  for (const Triangle& t : triangles) {
    for (std::uint32_t v : t) remap[v] = 0;
  }
  std::uint32_t count = 0;
  for (std::uint32_t& v : remap) {
    if (v != kNone) v = count++;
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

SurfaceTopology measure_topology(const Primitive& mesh, const CleanupOptions& options) {
  SurfaceTopology topology;
  std::vector<Triangle> triangles;
  Bounds bounds;
  usable_triangles(mesh, triangles, bounds);
  if (triangles.empty()) return topology;
  weld(mesh.positions, triangles, bounds.min, double(options.weld_tolerance) * diagonal_of(bounds));
  std::erase_if(triangles, repeats_corner);

  // Each undirected edge once a face that has it; equal keys sit together once sorted.
  std::vector<std::uint64_t> edges;
  edges.reserve(triangles.size() * 3);
  for (const Triangle& t : triangles) {
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = t[k], b = t[(k + 1) % 3];
      edges.push_back(std::uint64_t(std::min(a, b)) << 32 | std::max(a, b));
    }
  }
  std::sort(edges.begin(), edges.end());
  for (std::size_t first = 0; first < edges.size();) {
    std::size_t end = first + 1;
    while (end < edges.size() && edges[end] == edges[first]) ++end;
    topology.boundary_edges += end - first == 1;
    topology.non_manifold_edges += end - first > 2;
    first = end;
  }

  const std::vector<std::uint32_t> component =
      connected_components(triangles, mesh.positions.size(), topology.components);
  std::vector<double> area(topology.components, 0);
  for (std::size_t f = 0; f < triangles.size(); ++f)
    area[component[f]] += triangle_area(mesh.positions, triangles[f]);
  const double largest = *std::max_element(area.begin(), area.end());
  for (double piece : area)
    topology.floater_components += piece < double(options.min_component_area_ratio) * largest;
  return topology;
}

void compute_smooth_normals(Primitive& mesh) {
  const std::size_t n = mesh.positions.size();
  const std::size_t faces = mesh.indices.size() / 3;
  // Each corner's weighted face normal, in parallel; then summed per vertex in order.
  std::vector<Vec3> corner_normal(faces * 3);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, faces, 4096),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t f = range.begin(); f != range.end(); ++f) {
                        const std::uint32_t* corners = mesh.indices.data() + 3 * f;
                        if (corners[0] >= n || corners[1] >= n || corners[2] >= n) {
                          for (int c = 0; c < 3; ++c) corner_normal[3 * f + c] = Vec3{};
                          continue;
                        }
                        const Vec3 p[3] = {mesh.positions[corners[0]], mesh.positions[corners[1]],
                                           mesh.positions[corners[2]]};
                        const Vec3 face = normalize(cross(p[1] - p[0], p[2] - p[0]));
                        for (int c = 0; c < 3; ++c) {
                          const Vec3 e1 = normalize(p[(c + 1) % 3] - p[c]);
                          const Vec3 e2 = normalize(p[(c + 2) % 3] - p[c]);
                          const float angle = approximate_acos(dot(e1, e2));
                          corner_normal[3 * f + c] = face * angle;
                        }
                      }
                    });
  std::vector<Vec3> sums(n, Vec3{0, 0, 0});
  for (std::size_t i = 0; i < faces * 3; ++i) {
    const std::uint32_t v = mesh.indices[i];
    if (v < n) sums[v] = sums[v] + corner_normal[i];
  }
  mesh.normals.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Vec3 normal = normalize(sums[i]);
    mesh.normals[i] = length(normal) > 0 ? normal : Vec3{0, 1, 0};
  }
}

}  // namespace atlas::geometry
