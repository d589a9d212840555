#include "geometry/triangle_bvh.h"

#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>

namespace atlas::geometry {

namespace {

constexpr int kBins = 12;
constexpr std::uint32_t kLeafSize = 4;      // split anything larger when SAH says so
constexpr std::uint32_t kMaxLeafSize = 16;  // split anything larger regardless
// Past this depth splits are by count, so the tree depth stays below kStackSize.
constexpr int kMaxSahDepth = 64;
constexpr int kStackSize = 128;
// Subtrees at least this large are built on another task.
constexpr std::uint32_t kParallelBuild = 8192;
// Barycentric slack so rays through a shared edge hit one of its two triangles.
constexpr float kEdgeSlack = 1e-6f;

float component(Vec3 v, int axis) { return axis == 0 ? v.x : axis == 1 ? v.y : v.z; }

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

float half_area(const Bounds& b) {
  if (b.empty()) return 0;
  const Vec3 s = b.max - b.min;
  return s.x * s.y + s.y * s.z + s.z * s.x;
}

// Bounds::extend without fmin/fmax's NaN handling (the inputs are finite), which
// compilers turn into library calls.
void grow(Bounds& box, Vec3 p) {
  box.min = {std::min(box.min.x, p.x), std::min(box.min.y, p.y), std::min(box.min.z, p.z)};
  box.max = {std::max(box.max.x, p.x), std::max(box.max.y, p.y), std::max(box.max.z, p.z)};
}

void merge_into(Bounds& into, const Bounds& other) {
  if (other.empty()) return;
  grow(into, other.min);
  grow(into, other.max);
}

template <typename Node>
float squared_distance_to_box(Vec3 p, const Node& b) {
  const float dx = std::max(std::max(b.min[0] - p.x, 0.0f), p.x - b.max[0]);
  const float dy = std::max(std::max(b.min[1] - p.y, 0.0f), p.y - b.max[1]);
  const float dz = std::max(std::max(b.min[2] - p.z, 0.0f), p.z - b.max[2]);
  return dx * dx + dy * dy + dz * dz;
}

struct Ray {
  Vec3 origin;
  Vec3 inverse;  // 1 / direction, zero components replaced by a huge finite value
};

// The part [near, far] of [t_min, t_max] where the ray is inside the box; false when
// there is none.
template <typename Node>
[[gnu::always_inline]] inline bool clip_to_box(const Ray& ray, const Node& b, float t_min,
                                               float t_max, float& near, float& far) {
  const float x0 = (b.min[0] - ray.origin.x) * ray.inverse.x;
  const float x1 = (b.max[0] - ray.origin.x) * ray.inverse.x;
  const float y0 = (b.min[1] - ray.origin.y) * ray.inverse.y;
  const float y1 = (b.max[1] - ray.origin.y) * ray.inverse.y;
  const float z0 = (b.min[2] - ray.origin.z) * ray.inverse.z;
  const float z1 = (b.max[2] - ray.origin.z) * ray.inverse.z;
  near = std::max({std::min(x0, x1), std::min(y0, y1), std::min(z0, z1), t_min});
  far = std::min({std::max(x0, x1), std::max(y0, y1), std::max(z0, z1), t_max});
  return near <= far;
}

float safe_inverse(float d) { return d != 0 ? 1.0f / d : std::copysign(1e30f, d); }

// Closest point of triangle (a, a + ab, a + ac) to p as barycentrics (u for b, v for c)
// (Ericson, Real-Time Collision Detection, 5.1.5).
void closest_on_triangle(Vec3 p, Vec3 a, Vec3 ab, Vec3 ac, float& u, float& v) {
  const Vec3 ap = p - a;
  const float d1 = dot(ab, ap), d2 = dot(ac, ap);
  if (d1 <= 0 && d2 <= 0) {
    u = 0, v = 0;
    return;
  }
  const Vec3 bp = ap - ab;
  const float d3 = dot(ab, bp), d4 = dot(ac, bp);
  if (d3 >= 0 && d4 <= d3) {
    u = 1, v = 0;
    return;
  }
  const float vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) {
    u = d1 / (d1 - d3), v = 0;
    return;
  }
  const Vec3 cp = ap - ac;
  const float d5 = dot(ab, cp), d6 = dot(ac, cp);
  if (d6 >= 0 && d5 <= d6) {
    u = 0, v = 1;
    return;
  }
  const float vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) {
    u = 0, v = d2 / (d2 - d6);
    return;
  }
  const float va = d3 * d6 - d5 * d4;
  if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) {
    v = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    u = 1 - v;
    return;
  }
  const float sum = va + vb + vc;
  if (!(sum > 0) || !std::isfinite(sum)) {
    // A sliver too thin for float: its nearest corner is as good as any point.
    const float da = dot(ap, ap), db = dot(bp, bp), dc = dot(cp, cp);
    u = db < da && db <= dc ? 1.0f : 0.0f;
    v = dc < da && dc < db ? 1.0f : 0.0f;
    return;
  }
  u = vb / sum, v = vc / sum;
}

struct BuildRef {
  Bounds box;
  Vec3 centroid;               // of the box
  std::uint32_t triangle = 0;  // index in the input
};

template <typename Node>
struct Builder {
  std::vector<BuildRef>& refs;
  Node* nodes;  // room for 2 refs.size() nodes
  std::atomic<std::uint32_t> next_node{1};

  void leaf(std::uint32_t node, std::uint32_t begin, std::uint32_t end) {
    nodes[node].first = begin;
    nodes[node].count = end - begin;
  }

  // Where to split [begin, end) so both halves are non-empty, or `begin` for a leaf.
  std::uint32_t split(const Bounds& box, const Bounds& centroids, std::uint32_t begin,
                      std::uint32_t end, int depth) {
    const std::uint32_t n = end - begin;
    const Vec3 extent = centroids.size();
    int axis = 0;
    if (extent.y > component(extent, axis)) axis = 1;
    if (extent.z > component(extent, axis)) axis = 2;
    auto by_count = [&] {
      const std::uint32_t mid = begin + n / 2;
      if (component(extent, axis) > 0) {
        std::nth_element(refs.begin() + begin, refs.begin() + mid, refs.begin() + end,
                         [axis](const BuildRef& a, const BuildRef& b) {
                           return component(a.centroid, axis) < component(b.centroid, axis);
                         });
      }
      return mid;
    };
    if (component(extent, axis) <= 0) return n > kMaxLeafSize ? by_count() : begin;
    if (depth >= kMaxSahDepth) return by_count();

    // Binned SAH along the centroids' longest axis (binning all three costs three
    // times as much for trees barely better).
    std::array<Bounds, kBins> bin_box;
    std::array<std::uint32_t, kBins> bin_count{};
    const float lo = component(centroids.min, axis);
    const float scale = kBins / component(extent, axis);
    for (std::uint32_t i = begin; i < end; ++i) {
      const int b = std::min(kBins - 1, int((component(refs[i].centroid, axis) - lo) * scale));
      ++bin_count[b];
      merge_into(bin_box[b], refs[i].box);
    }
    std::array<float, kBins> right_cost{};
    Bounds right;
    std::uint32_t right_count = 0;
    for (int b = kBins - 1; b > 0; --b) {
      merge_into(right, bin_box[b]);
      right_count += bin_count[b];
      right_cost[b] = half_area(right) * float(right_count);
    }
    float best_cost = std::numeric_limits<float>::infinity();
    int best_bin = 0;
    Bounds left;
    std::uint32_t left_count = 0;
    for (int b = 1; b < kBins; ++b) {
      merge_into(left, bin_box[b - 1]);
      left_count += bin_count[b - 1];
      const float cost = half_area(left) * float(left_count) + right_cost[b];
      if (left_count > 0 && left_count < n && cost < best_cost) best_cost = cost, best_bin = b;
    }
    if (best_bin == 0) return by_count();
    if (best_cost >= half_area(box) * float(n) && n <= kMaxLeafSize) return begin;
    const auto middle =
        std::partition(refs.begin() + begin, refs.begin() + end, [&](const BuildRef& r) {
          return std::min(kBins - 1, int((component(r.centroid, axis) - lo) * scale)) < best_bin;
        });
    const auto mid = std::uint32_t(middle - refs.begin());
    return mid == begin || mid == end ? by_count() : mid;
  }

  void build(std::uint32_t node, std::uint32_t begin, std::uint32_t end, int depth) {
    Bounds box, centroids;
    for (std::uint32_t i = begin; i < end; ++i) {
      merge_into(box, refs[i].box);
      grow(centroids, refs[i].centroid);
    }
    nodes[node].min[0] = box.min.x, nodes[node].min[1] = box.min.y, nodes[node].min[2] = box.min.z;
    nodes[node].max[0] = box.max.x, nodes[node].max[1] = box.max.y, nodes[node].max[2] = box.max.z;
    if (end - begin <= kLeafSize) return leaf(node, begin, end);
    const std::uint32_t mid = split(box, centroids, begin, end, depth);
    if (mid == begin) return leaf(node, begin, end);
    const std::uint32_t left = next_node.fetch_add(2);
    nodes[node].first = left;
    nodes[node].count = 0;
    if (end - begin >= kParallelBuild) {
      tbb::parallel_invoke([&] { build(left, begin, mid, depth + 1); },
                           [&] { build(left + 1, mid, end, depth + 1); });
    } else {
      build(left, begin, mid, depth + 1);
      build(left + 1, mid, end, depth + 1);
    }
  }
};

}  // namespace

TriangleBvh::TriangleBvh(const std::vector<Vec3>& positions,
                         const std::vector<std::uint32_t>& indices)
    : input_triangles_(indices.size() / 3) {
  auto corners = [&](std::size_t t, Vec3& a, Vec3& b, Vec3& c) {
    a = positions[indices[3 * t]], b = positions[indices[3 * t + 1]];
    c = positions[indices[3 * t + 2]];
  };
  std::vector<BuildRef> refs;
  refs.reserve(input_triangles_);
  for (std::size_t t = 0; t < input_triangles_; ++t) {
    const std::uint32_t i0 = indices[3 * t], i1 = indices[3 * t + 1], i2 = indices[3 * t + 2];
    if (i0 >= positions.size() || i1 >= positions.size() || i2 >= positions.size()) continue;
    Vec3 a, b, c;
    corners(t, a, b, c);
    if (!finite(a) || !finite(b) || !finite(c)) continue;
    const Vec3 n = cross(b - a, c - a);
    if (!(dot(n, n) > 0) || !std::isfinite(dot(n, n))) continue;
    BuildRef ref;
    grow(ref.box, a);
    grow(ref.box, b);
    grow(ref.box, c);
    ref.centroid = (ref.box.min + ref.box.max) * 0.5f;
    ref.triangle = std::uint32_t(t);
    refs.push_back(ref);
  }
  if (refs.empty()) return;

  // Room for the largest possible tree; pages never written cost nothing.
  nodes_.reset(new Node[2 * refs.size()]);
  Builder<Node> builder{refs, nodes_.get()};
  builder.build(0, 0, std::uint32_t(refs.size()), 0);
  node_count_ = builder.next_node.load();
  triangles_.reserve(refs.size());
  for (const BuildRef& ref : refs) {
    Vec3 a, b, c;
    corners(ref.triangle, a, b, c);
    triangles_.push_back({a, b - a, c - a, ref.triangle});
  }
}

namespace {

// The ray traversal both queries share. kNearestToOrigin: the hit with the least |t|
// for t in [-limit, limit]; otherwise the least t in [t_min, t_max].
template <bool kNearestToOrigin, typename Node, typename Triangle>
RayHit cast(const Node* nodes, const Triangle* triangles, Vec3 origin, Vec3 direction, float t_min,
            float t_max) {
  RayHit best;
  if (!finite(origin) || !finite(direction) || !(dot(direction, direction) > 0)) return best;
  if (!(t_min <= t_max)) return best;
  const Ray ray{origin,
                {safe_inverse(direction.x), safe_inverse(direction.y), safe_inverse(direction.z)}};
  // The part of the line still worth searching, and how near a box's part of it comes.
  float lo = t_min, hi = t_max;
  // Infinity when the box misses [lo, hi]. One clip gives both ends of the box's part
  // of the line: its distance to t = 0 is the entry either way along the line.
  auto key = [&](const Node& box) {
    float near, far;
    if (!clip_to_box(ray, box, lo, hi, near, far)) return std::numeric_limits<float>::infinity();
    if (!kNearestToOrigin || near >= 0) return near;
    return far <= 0 ? -far : 0.0f;
  };
  std::array<std::uint32_t, kStackSize> stack;
  int top = 0;
  std::uint32_t node = 0;
  if (!std::isfinite(key(nodes[0]))) return best;
  for (;;) {
    const Node& n = nodes[node];
    if (n.count > 0) {
      for (std::uint32_t i = n.first; i < n.first + n.count; ++i) {
        const Triangle& tri = triangles[i];
        const Vec3 p = cross(direction, tri.edge2);
        const float det = dot(tri.edge1, p);
        if (det == 0) continue;
        const float inverse_det = 1.0f / det;
        const Vec3 s = origin - tri.a;
        const float u = dot(s, p) * inverse_det;
        if (u < -kEdgeSlack || u > 1 + kEdgeSlack) continue;
        const Vec3 q = cross(s, tri.edge1);
        const float v = dot(direction, q) * inverse_det;
        if (v < -kEdgeSlack || u + v > 1 + kEdgeSlack) continue;
        const float t = dot(tri.edge2, q) * inverse_det;
        if (!(t >= lo && t <= hi)) continue;
        if (kNearestToOrigin) {
          lo = -std::fabs(t), hi = std::fabs(t);
        } else {
          hi = t;
        }
        best.hit = true;
        best.distance = t;
        best.triangle = tri.id;
        best.u = std::clamp(u, 0.0f, 1.0f);
        best.v = std::clamp(v, 0.0f, 1.0f - best.u);
      }
    } else {
      const float left = key(nodes[n.first]);
      const float right = key(nodes[n.first + 1]);
      const bool hit_left = std::isfinite(left), hit_right = std::isfinite(right);
      if (hit_left && hit_right) {
        const bool left_first = left <= right;
        stack[top++] = left_first ? n.first + 1 : n.first;
        node = left_first ? n.first : n.first + 1;
        continue;
      }
      if (hit_left || hit_right) {
        node = hit_left ? n.first : n.first + 1;
        continue;
      }
    }
    // Pop, skipping subtrees the hits found since have put out of reach.
    for (;;) {
      if (top == 0) return best;
      node = stack[--top];
      if (std::isfinite(key(nodes[node]))) break;
    }
  }
}

}  // namespace

RayHit TriangleBvh::intersect(Vec3 origin, Vec3 direction, float t_min, float t_max) const {
  if (node_count_ == 0) return {};
  return cast<false>(nodes_.get(), triangles_.data(), origin, direction, t_min, t_max);
}

RayHit TriangleBvh::nearest_on_line(Vec3 origin, Vec3 direction, float max_distance) const {
  if (node_count_ == 0 || !(max_distance >= 0)) return {};
  return cast<true>(nodes_.get(), triangles_.data(), origin, direction, -max_distance,
                    max_distance);
}

RayHit TriangleBvh::closest_point(Vec3 point, float max_distance) const {
  RayHit best;
  if (node_count_ == 0 || !finite(point) || !(max_distance >= 0)) return best;
  float best_squared = max_distance * max_distance;
  struct Entry {
    std::uint32_t node;
    float squared;
  };
  std::array<Entry, kStackSize> stack;
  int top = 0;
  const float root = squared_distance_to_box(point, nodes_[0]);
  if (!(root <= best_squared)) return best;
  stack[top++] = {0, root};
  while (top > 0) {
    const Entry entry = stack[--top];
    if (!(entry.squared <= best_squared)) continue;
    std::uint32_t node = entry.node;
    for (;;) {
      const Node& n = nodes_[node];
      if (n.count > 0) {
        for (std::uint32_t i = n.first; i < n.first + n.count; ++i) {
          const Triangle& tri = triangles_[i];
          float u = 0, v = 0;
          closest_on_triangle(point, tri.a, tri.edge1, tri.edge2, u, v);
          const Vec3 d = tri.a + tri.edge1 * u + tri.edge2 * v - point;
          const float squared = dot(d, d);
          if (squared <= best_squared) {
            best_squared = squared;
            best.hit = true;
            best.triangle = tri.id;
            best.u = u;
            best.v = v;
          }
        }
        break;
      }
      const float left = squared_distance_to_box(point, nodes_[n.first]);
      const float right = squared_distance_to_box(point, nodes_[n.first + 1]);
      const bool left_first = left <= right;
      const float near = left_first ? left : right, far = left_first ? right : left;
      if (far <= best_squared) stack[top++] = {left_first ? n.first + 1 : n.first, far};
      if (!(near <= best_squared)) break;
      node = left_first ? n.first : n.first + 1;
    }
  }
  if (best.hit) best.distance = std::sqrt(best_squared);
  return best;
}

}  // namespace atlas::geometry
