#include "geometry/uv_charts.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <queue>
#include <tuple>

namespace atlas::geometry {
namespace {

// A triangle whose height is below this share of its longest edge has no stable normal
// (float positions carry about 7 significant digits).
constexpr double kThinTriangle = 1e-7;
// How much a face that turns away from its chart's normal costs to reach, relative to
// its distance: charts grow round on flat parts and stop at creases.
constexpr double kNormalCost = 4;
// Faces folded against each other further than this (cosine of the angle between their
// normals) never share a chart: no flattening can open such a fold without distortion.
constexpr double kCrease = -0.2;
// Small charts dissolve into neighbours whose mean normal is within 90 degrees.
constexpr double kAbsorbCos = 0;

std::uint32_t float_bits(float value) {
  value += 0.0f;  // -0 and +0 weld
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

struct Vec3d {
  double x, y, z;
};
Vec3d to_d(Vec3 v) { return {v.x, v.y, v.z}; }
Vec3d sub(Vec3d a, Vec3d b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
Vec3d cross(Vec3d a, Vec3d b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
double dot(Vec3d a, Vec3d b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

double distance(Vec3 a, Vec3 b) { return length(a - b); }

struct Step {
  double cost;
  std::uint32_t triangle;
  std::uint32_t chart;
  bool operator>(const Step& other) const { return cost > other.cost; }
};
using StepQueue = std::priority_queue<Step, std::vector<Step>, std::greater<>>;

// Triangle ids of one chart, for membership tests without a surface-sized array.
class ChartIndex {
 public:
  explicit ChartIndex(const std::vector<std::uint32_t>& chart) : sorted_(chart.size()) {
    std::iota(sorted_.begin(), sorted_.end(), 0u);
    std::sort(sorted_.begin(), sorted_.end(),
              [&](std::uint32_t a, std::uint32_t b) { return chart[a] < chart[b]; });
    ids_.reserve(chart.size());
    for (std::uint32_t local : sorted_) ids_.push_back(chart[local]);
  }
  // The triangle's position in the chart, or kNoTriangle.
  std::uint32_t find(std::uint32_t triangle) const {
    const auto it = std::lower_bound(ids_.begin(), ids_.end(), triangle);
    if (it == ids_.end() || *it != triangle) return kNoTriangle;
    return sorted_[static_cast<std::size_t>(it - ids_.begin())];
  }

 private:
  std::vector<std::uint32_t> sorted_;
  std::vector<std::uint32_t> ids_;
};

class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0u); }
  std::uint32_t find(std::uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void unite(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<std::uint32_t> parent_;
};

// Chart growing state over the whole surface.
class ChartGrower {
 public:
  ChartGrower(const ChartSurface& surface, const ChartingOptions& options)
      : surface_(surface),
        cos_limit_(std::cos(options.max_normal_angle_degrees * 3.14159265358979 / 180.0)),
        chart_of_(surface.triangle_count(), kNoTriangle),
        normals_(smoothed_normals(surface)) {
    double total = 0;
    for (double a : surface.areas) total += a;
    min_area_ = total * options.min_chart_area_share;
  }

  void run(int relocation_rounds) {
    seed_leftovers();
    absorb_small_charts();
    for (int round = 0; round < relocation_rounds; ++round) {
      relocate_seeds();
      std::fill(chart_of_.begin(), chart_of_.end(), kNoTriangle);
      StepQueue queue;
      for (std::uint32_t c = 0; c < seeds_.size(); ++c) queue.push({0, seeds_[c], c});
      grow(queue, cos_limit_);
      seed_leftovers();
      absorb_small_charts();
    }
    remove_arms();
    smooth_borders();
  }

  std::vector<std::vector<std::uint32_t>> charts() const {
    std::vector<std::vector<std::uint32_t>> charts(seeds_.size());
    for (std::uint32_t t = 0; t < chart_of_.size(); ++t) {
      if (chart_of_[t] != kNoTriangle) charts[chart_of_[t]].push_back(t);
    }
    charts.erase(std::remove_if(charts.begin(), charts.end(),
                                [](const auto& chart) { return chart.empty(); }),
                 charts.end());
    return charts;
  }

 private:
  // Face normals averaged with those of the faces around their corners that turn less
  // than 60 degrees from them: scanned and generated surfaces are noisy, and single
  // faces that stick out would each start a chart; real creases stay sharp.
  static std::vector<Vec3> smoothed_normals(const ChartSurface& surface) {
    const std::size_t n = surface.triangle_count();
    std::vector<std::uint32_t> start(surface.points.size() + 1, 0);
    for (const auto& tri : surface.triangles) {
      for (std::uint32_t p : tri) ++start[p + 1];
    }
    for (std::size_t p = 0; p < surface.points.size(); ++p) start[p + 1] += start[p];
    std::vector<std::uint32_t> faces(start.back()), fill(start.begin(), start.end() - 1);
    for (std::uint32_t t = 0; t < n; ++t) {
      for (std::uint32_t p : surface.triangles[t]) faces[fill[p]++] = t;
    }
    std::vector<Vec3> normals(n);
    for (std::uint32_t t = 0; t < n; ++t) {
      const Vec3 own = surface.normals[t];
      Vec3d sum{0, 0, 0};
      for (std::uint32_t p : surface.triangles[t]) {
        for (std::uint32_t k = start[p]; k < start[p + 1]; ++k) {
          const std::uint32_t u = faces[k];
          const Vec3 other = surface.normals[u];
          if (dot(own, other) < 0.5f) continue;
          const double a = surface.areas[u];
          sum = {sum.x + other.x * a, sum.y + other.y * a, sum.z + other.z * a};
        }
      }
      const double l = std::sqrt(dot(sum, sum));
      normals[t] = l > 0 ? Vec3{static_cast<float>(sum.x / l), static_cast<float>(sum.y / l),
                                static_cast<float>(sum.z / l)}
                         : own;
    }
    return normals;
  }

  // Starts a chart at each face no chart reached, in face order, and grows it.
  void seed_leftovers() {
    for (std::uint32_t t = 0; t < chart_of_.size(); ++t) {
      if (chart_of_[t] != kNoTriangle || surface_.degenerate(t)) continue;
      const auto c = static_cast<std::uint32_t>(seeds_.size());
      seeds_.push_back(t);
      proxies_.push_back(normals_[t]);
      StepQueue queue;
      queue.push({0, t, c});
      grow(queue, cos_limit_);
    }
  }

  // Grows charts from the queued faces, taking faces whose normal is within
  // acos(cos_limit) of the chart's proxy normal.
  void grow(StepQueue& queue, double cos_limit) {
    while (!queue.empty()) {
      const Step step = queue.top();
      queue.pop();
      if (chart_of_[step.triangle] != kNoTriangle) continue;
      const Vec3 proxy = proxies_[step.chart];
      if (step.cost > 0 && dot(normals_[step.triangle], proxy) < cos_limit) {
        continue;
      }
      chart_of_[step.triangle] = step.chart;
      for (std::uint32_t next : surface_.neighbours[step.triangle]) {
        if (next == kNoTriangle || chart_of_[next] != kNoTriangle) continue;
        queue.push({step.cost + step_cost(step.triangle, next, proxy), next, step.chart});
      }
    }
  }

  double step_cost(std::uint32_t from, std::uint32_t to, Vec3 proxy) const {
    const double deviation = 1.0 - dot(normals_[to], proxy);
    return distance(surface_.centroids[from], surface_.centroids[to]) *
               (1 + kNormalCost * deviation) +
           1e-12;
  }

  // Charts smaller than the minimum give their faces to the charts around them, beyond
  // the normal cone but not past 90 degrees (flattening checks the result); pieces no
  // other chart takes stay.
  void absorb_small_charts() {
    std::vector<double> area(seeds_.size(), 0);
    for (std::uint32_t t = 0; t < chart_of_.size(); ++t) {
      if (chart_of_[t] != kNoTriangle) area[chart_of_[t]] += surface_.areas[t];
    }
    std::vector<std::uint8_t> small(seeds_.size(), 0);
    bool any = false;
    for (std::size_t c = 0; c < seeds_.size(); ++c) any |= (small[c] = area[c] < min_area_);
    if (!any) return;
    const std::vector<std::uint32_t> before = chart_of_;
    for (std::uint32_t& c : chart_of_) {
      if (c != kNoTriangle && small[c]) c = kNoTriangle;
    }
    StepQueue queue;
    for (std::uint32_t t = 0; t < chart_of_.size(); ++t) {
      const std::uint32_t c = chart_of_[t];
      if (c == kNoTriangle) continue;
      for (std::uint32_t next : surface_.neighbours[t]) {
        if (next != kNoTriangle && chart_of_[next] == kNoTriangle) {
          queue.push({step_cost(t, next, proxies_[c]), next, c});
        }
      }
    }
    grow(queue, kAbsorbCos);
    // Small charts nothing reached keep their faces.
    for (std::uint32_t t = 0; t < chart_of_.size(); ++t) {
      if (chart_of_[t] == kNoTriangle) chart_of_[t] = before[t];
    }
    compact();
  }

  // Strips of faces one or two wide that a chart grew along a ridge (an opening of each
  // chart: faces further than one step from its interior) go back to whichever chart
  // reaches them first; they would poke out of the flattened chart and cost gutters.
  void remove_arms() {
    const std::size_t n = chart_of_.size();
    std::vector<int> depth(n, -1);
    std::vector<std::uint32_t> frontier;
    for (std::uint32_t t = 0; t < n; ++t) {
      const std::uint32_t c = chart_of_[t];
      if (c == kNoTriangle) continue;
      for (std::uint32_t next : surface_.neighbours[t]) {
        if (next == kNoTriangle || chart_of_[next] != c) {
          depth[t] = 0;
          frontier.push_back(t);
          break;
        }
      }
    }
    for (std::size_t head = 0; head < frontier.size(); ++head) {
      const std::uint32_t t = frontier[head];
      for (std::uint32_t next : surface_.neighbours[t]) {
        if (next != kNoTriangle && chart_of_[next] == chart_of_[t] && depth[next] < 0) {
          depth[next] = depth[t] + 1;
          frontier.push_back(next);
        }
      }
    }
    // Keep the interior (depth >= 1) and the faces next to it; charts without interior
    // (all of them a strip) stay as they are.
    std::vector<std::uint8_t> keep(n, 0), has_core(seeds_.size(), 0);
    for (std::uint32_t t = 0; t < n; ++t) {
      if (depth[t] >= 1) has_core[chart_of_[t]] = 1;
    }
    for (std::uint32_t t = 0; t < n; ++t) {
      if (chart_of_[t] != kNoTriangle && !has_core[chart_of_[t]]) keep[t] = 1;
      if (depth[t] < 1) continue;
      keep[t] = 1;
      for (std::uint32_t next : surface_.neighbours[t]) {
        if (next != kNoTriangle && chart_of_[next] == chart_of_[t]) keep[next] = 1;
      }
    }
    StepQueue queue;
    for (std::uint32_t t = 0; t < n; ++t) {
      if (chart_of_[t] != kNoTriangle && !keep[t]) chart_of_[t] = kNoTriangle;
    }
    for (std::uint32_t t = 0; t < n; ++t) {
      const std::uint32_t c = chart_of_[t];
      if (c == kNoTriangle) continue;
      for (std::uint32_t next : surface_.neighbours[t]) {
        if (next != kNoTriangle && chart_of_[next] == kNoTriangle && !surface_.degenerate(next)) {
          queue.push({step_cost(t, next, proxies_[c]), next, c});
        }
      }
    }
    grow(queue, kAbsorbCos);
    seed_leftovers();
    compact();
  }

  // Shortens chart borders: a face moves to the neighbouring chart it shares more border
  // length with, when its own chart stays connected without it. Ragged outlines (and
  // slivers poking out by their short side) waste atlas space in gutters.
  void smooth_borders() {
    for (int pass = 0; pass < 8; ++pass) {
      bool changed = false;
      for (std::uint32_t t = 0; t < chart_of_.size(); ++t) {
        const std::uint32_t own = chart_of_[t];
        if (own == kNoTriangle) continue;
        int same = 0;
        double own_length = 0;
        std::array<std::uint32_t, 3> other{kNoTriangle, kNoTriangle, kNoTriangle};
        std::array<double, 3> other_length{0, 0, 0};
        std::array<int, 2> same_edges{0, 0};
        for (int k = 0; k < 3; ++k) {
          const std::uint32_t next = surface_.neighbours[t][k];
          if (next == kNoTriangle) continue;
          const std::uint32_t c = chart_of_[next];
          const double l = distance(surface_.points[surface_.triangles[t][k]],
                                    surface_.points[surface_.triangles[t][(k + 1) % 3]]);
          if (c == own) {
            if (same < 2) same_edges[same] = k;
            ++same;
            own_length += l;
            continue;
          }
          for (int o = 0; o < 3; ++o) {
            if (other[o] == kNoTriangle || other[o] == c) {
              other[o] = c;
              other_length[o] += l;
              break;
            }
          }
        }
        const int best = static_cast<int>(
            std::max_element(other_length.begin(), other_length.end()) - other_length.begin());
        if (other[best] == kNoTriangle || !(other_length[best] > own_length)) continue;
        if (same == 2 && !fan_stays_in_chart(t, same_edges[0], same_edges[1])) continue;
        chart_of_[t] = other[best];
        changed = true;
      }
      if (!changed) break;
    }
    compact();
  }

  // Whether t's two same-chart neighbours (across edges k1 and k2) stay joined through
  // the other faces around their shared corner, all in t's chart.
  bool fan_stays_in_chart(std::uint32_t t, int k1, int k2) const {
    const auto& tri = surface_.triangles[t];
    // The corner both edges touch.
    const std::uint32_t corner = (k1 + 1) % 3 == k2 ? tri[k2] : tri[k1];
    const std::uint32_t target = surface_.neighbours[t][k2];
    std::uint32_t previous = t, current = surface_.neighbours[t][k1];
    for (int steps = 0; steps < 64; ++steps) {
      if (current == target) return true;
      if (current == kNoTriangle || chart_of_[current] != chart_of_[t]) return false;
      const auto& c = surface_.triangles[current];
      std::uint32_t next = kNoTriangle;
      for (int k = 0; k < 3; ++k) {
        const bool touches = c[k] == corner || c[(k + 1) % 3] == corner;
        if (touches && surface_.neighbours[current][k] != previous)
          next = surface_.neighbours[current][k];
      }
      previous = current;
      current = next;
    }
    return false;
  }

  // Drops empty charts, renumbering the rest; each keeps a seed inside it.
  void compact() {
    std::vector<std::uint32_t> renumber(seeds_.size(), kNoTriangle);
    std::vector<std::uint32_t> seeds;
    std::vector<Vec3> proxies;
    for (std::uint32_t t = 0; t < chart_of_.size(); ++t) {
      const std::uint32_t c = chart_of_[t];
      if (c == kNoTriangle) continue;
      if (renumber[c] == kNoTriangle) {
        renumber[c] = static_cast<std::uint32_t>(seeds.size());
        seeds.push_back(chart_of_[seeds_[c]] == c ? seeds_[c] : t);
        proxies.push_back(proxies_[c]);
      }
      chart_of_[t] = renumber[c];
    }
    seeds_ = std::move(seeds);
    proxies_ = std::move(proxies);
  }

  // Each chart's new seed is its face furthest from the chart's border, and its proxy
  // the area-weighted mean normal.
  void relocate_seeds() {
    std::vector<Vec3d> sums(seeds_.size(), Vec3d{0, 0, 0});
    for (std::uint32_t t = 0; t < chart_of_.size(); ++t) {
      const std::uint32_t c = chart_of_[t];
      if (c == kNoTriangle) continue;
      const Vec3 n = normals_[t];
      const double a = surface_.areas[t];
      sums[c] = {sums[c].x + n.x * a, sums[c].y + n.y * a, sums[c].z + n.z * a};
    }
    for (std::size_t c = 0; c < seeds_.size(); ++c) {
      const double l = std::sqrt(dot(sums[c], sums[c]));
      if (l > 0) {
        proxies_[c] = {static_cast<float>(sums[c].x / l), static_cast<float>(sums[c].y / l),
                       static_cast<float>(sums[c].z / l)};
      }
    }
    std::vector<double> depth(chart_of_.size(), INFINITY);
    StepQueue queue;
    for (std::uint32_t t = 0; t < chart_of_.size(); ++t) {
      const std::uint32_t c = chart_of_[t];
      if (c == kNoTriangle) continue;
      for (std::uint32_t next : surface_.neighbours[t]) {
        if (next == kNoTriangle || chart_of_[next] != c) {
          queue.push({0, t, c});
          break;
        }
      }
    }
    std::vector<double> best(seeds_.size(), -1);
    while (!queue.empty()) {
      const Step step = queue.top();
      queue.pop();
      if (depth[step.triangle] <= step.cost) continue;
      depth[step.triangle] = step.cost;
      if (step.cost > best[step.chart]) {
        best[step.chart] = step.cost;
        seeds_[step.chart] = step.triangle;
      }
      for (std::uint32_t next : surface_.neighbours[step.triangle]) {
        if (next == kNoTriangle || chart_of_[next] != step.chart) continue;
        const double d =
            step.cost + distance(surface_.centroids[step.triangle], surface_.centroids[next]);
        if (d < depth[next]) queue.push({d, next, step.chart});
      }
    }
  }

  const ChartSurface& surface_;
  double cos_limit_;
  double min_area_ = 0;
  std::vector<std::uint32_t> chart_of_;
  std::vector<Vec3> normals_;
  std::vector<std::uint32_t> seeds_;
  std::vector<Vec3> proxies_;
};

// Geodesic-ish distances (between face centroids, across neighbours) from `source` to
// every face of the chart; INFINITY where unreachable.
std::vector<double> distances_in_chart(const ChartSurface& surface,
                                       const std::vector<std::uint32_t>& chart,
                                       const ChartIndex& index, std::uint32_t source) {
  std::vector<double> dist(chart.size(), INFINITY);
  StepQueue queue;
  queue.push({0, source, 0});
  while (!queue.empty()) {
    const Step step = queue.top();
    queue.pop();
    if (dist[step.triangle] <= step.cost) continue;
    dist[step.triangle] = step.cost;
    const std::uint32_t t = chart[step.triangle];
    for (std::uint32_t next : surface.neighbours[t]) {
      const std::uint32_t local = next == kNoTriangle ? kNoTriangle : index.find(next);
      if (local == kNoTriangle) continue;
      const double d = step.cost + distance(surface.centroids[t], surface.centroids[next]);
      if (d < dist[local]) queue.push({d, local, 0});
    }
  }
  return dist;
}

std::uint32_t furthest(const std::vector<double>& dist, std::uint32_t other_than) {
  std::uint32_t best = other_than == 0 ? 1 : 0;
  for (std::uint32_t i = 0; i < dist.size(); ++i) {
    if (i != other_than && std::isfinite(dist[i]) &&
        (dist[i] > dist[best] || !std::isfinite(dist[best]))) {
      best = i;
    }
  }
  return best;
}

}  // namespace

ChartSurface build_chart_surface(const std::vector<Vec3>& positions,
                                 const std::vector<std::uint32_t>& indices) {
  ChartSurface surface;
  const std::size_t vertex_count = positions.size();
  std::vector<std::uint32_t> order(vertex_count);
  std::iota(order.begin(), order.end(), 0u);
  auto key = [&](std::uint32_t v) {
    return std::make_tuple(float_bits(positions[v].x), float_bits(positions[v].y),
                           float_bits(positions[v].z));
  };
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return key(a) < key(b); });
  surface.vertex_point.resize(vertex_count);
  for (std::size_t i = 0; i < vertex_count; ++i) {
    if (i == 0 || key(order[i]) != key(order[i - 1])) surface.points.push_back(positions[order[i]]);
    surface.vertex_point[order[i]] = static_cast<std::uint32_t>(surface.points.size() - 1);
  }

  const std::size_t triangle_count = indices.size() / 3;
  surface.triangles.resize(triangle_count);
  surface.neighbours.assign(triangle_count, {kNoTriangle, kNoTriangle, kNoTriangle});
  surface.folds.assign(triangle_count, {kNoTriangle, kNoTriangle, kNoTriangle});
  surface.normals.assign(triangle_count, Vec3{});
  surface.areas.assign(triangle_count, 0);
  surface.centroids.resize(triangle_count);
  // Half-edges of usable faces keyed by their unordered point pair.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> edges;
  edges.reserve(indices.size());
  for (std::uint32_t t = 0; t < triangle_count; ++t) {
    auto& tri = surface.triangles[t];
    for (int k = 0; k < 3; ++k) tri[k] = surface.vertex_point[indices[3 * t + k]];
    const Vec3 p0 = surface.points[tri[0]], p1 = surface.points[tri[1]],
               p2 = surface.points[tri[2]];
    surface.centroids[t] = (p0 + p1 + p2) * (1.0f / 3.0f);
    if (tri[0] == tri[1] || tri[1] == tri[2] || tri[2] == tri[0]) continue;
    const Vec3d e1 = sub(to_d(p1), to_d(p0)), e2 = sub(to_d(p2), to_d(p0)),
                e3 = sub(to_d(p2), to_d(p1));
    const Vec3d n = cross(e1, e2);
    const double twice_area = std::sqrt(dot(n, n));
    const double longest = std::max({dot(e1, e1), dot(e2, e2), dot(e3, e3)});
    if (!(twice_area > kThinTriangle * longest)) continue;
    surface.areas[t] = 0.5 * twice_area;
    surface.normals[t] = {static_cast<float>(n.x / twice_area),
                          static_cast<float>(n.y / twice_area),
                          static_cast<float>(n.z / twice_area)};
    for (std::uint32_t k = 0; k < 3; ++k) {
      const std::uint64_t a = tri[k], b = tri[(k + 1) % 3];
      edges.push_back({std::min(a, b) << 32 | std::max(a, b), 3 * t + k});
    }
  }
  std::sort(edges.begin(), edges.end());
  // Faces meet across an edge when they run along it in opposite directions and do not
  // fold back onto each other. Where more than two faces share an edge (fins, touching
  // sheets), the flattest such pairs meet. A face left without a neighbour across an
  // edge keeps the flattest face running the other way there as its fold partner.
  std::vector<std::tuple<float, std::uint32_t, std::uint32_t>> candidates;
  std::vector<std::uint32_t> used;
  for (std::size_t i = 0; i < edges.size();) {
    std::size_t j = i;
    while (j < edges.size() && edges[j].first == edges[i].first) ++j;
    candidates.clear();
    for (std::size_t a = i; a < j && j - i <= 16; ++a) {
      for (std::size_t b = a + 1; b < j; ++b) {
        const std::uint32_t h1 = edges[a].second, h2 = edges[b].second;
        if (surface.triangles[h1 / 3][h1 % 3] != surface.triangles[h2 / 3][(h2 % 3 + 1) % 3]) {
          continue;
        }
        candidates.push_back({-dot(surface.normals[h1 / 3], surface.normals[h2 / 3]), h1, h2});
      }
    }
    std::sort(candidates.begin(), candidates.end());
    used.clear();
    auto taken = [&](std::uint32_t h) {
      return std::find(used.begin(), used.end(), h) != used.end();
    };
    for (const auto& [score, h1, h2] : candidates) {
      if (-score <= kCrease || taken(h1) || taken(h2)) continue;
      used.push_back(h1);
      used.push_back(h2);
      surface.neighbours[h1 / 3][h1 % 3] = h2 / 3;
      surface.neighbours[h2 / 3][h2 % 3] = h1 / 3;
    }
    for (const auto& [score, h1, h2] : candidates) {
      for (auto [h, other] : {std::pair{h1, h2}, std::pair{h2, h1}}) {
        if (!taken(h) && surface.folds[h / 3][h % 3] == kNoTriangle) {
          surface.folds[h / 3][h % 3] = other / 3;
        }
      }
    }
    i = j;
  }
  return surface;
}

std::vector<std::vector<std::uint32_t>> grow_charts(const ChartSurface& surface,
                                                    const ChartingOptions& options) {
  ChartGrower grower(surface, options);
  grower.run(options.relocation_rounds);
  return grower.charts();
}

std::vector<std::vector<std::uint32_t>> split_chart(const ChartSurface& surface,
                                                    const std::vector<std::uint32_t>& chart) {
  if (chart.size() < 2) return {chart};
  const ChartIndex index(chart);
  const std::uint32_t a = furthest(distances_in_chart(surface, chart, index, 0), kNoTriangle);
  const std::uint32_t b = furthest(distances_in_chart(surface, chart, index, a), a);
  const std::uint32_t seeds[2] = {a, b};
  std::vector<std::uint32_t> part(chart.size(), kNoTriangle);
  StepQueue queue;
  queue.push({0, a, 0});
  queue.push({0, b, 1});
  while (!queue.empty()) {
    const Step step = queue.top();
    queue.pop();
    if (part[step.triangle] != kNoTriangle) continue;
    part[step.triangle] = step.chart;
    const std::uint32_t t = chart[step.triangle];
    const Vec3 proxy = surface.normals[chart[seeds[step.chart]]];
    for (std::uint32_t next : surface.neighbours[t]) {
      const std::uint32_t local = next == kNoTriangle ? kNoTriangle : index.find(next);
      if (local == kNoTriangle || part[local] != kNoTriangle) continue;
      const double deviation = 1.0 - dot(surface.normals[next], proxy);
      const double length = distance(surface.centroids[t], surface.centroids[next]);
      queue.push({step.cost + length * (1 + kNormalCost * deviation) + 1e-12, local, step.chart});
    }
  }
  // Faces neither seed reached (the input was not connected) form parts of their own,
  // one a connected piece.
  std::vector<std::vector<std::uint32_t>> parts(2);
  for (std::uint32_t i = 0; i < chart.size(); ++i) {
    if (part[i] != kNoTriangle) parts[part[i]].push_back(chart[i]);
  }
  for (std::uint32_t i = 0; i < chart.size(); ++i) {
    if (part[i] != kNoTriangle) continue;
    const std::vector<double> dist = distances_in_chart(surface, chart, index, i);
    parts.emplace_back();
    for (std::uint32_t j = 0; j < chart.size(); ++j) {
      if (std::isfinite(dist[j]) && part[j] == kNoTriangle) {
        part[j] = 2;
        parts.back().push_back(chart[j]);
      }
    }
  }
  parts.erase(std::remove_if(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); }),
              parts.end());
  return parts;
}

namespace {

// A chart's faces and how they meet: twin[3i+k] is the half-edge (3j+k') of chart face
// j running along edge k of face i the other way, or kNoTriangle on the chart's border.
struct ChartTopology {
  std::vector<std::uint32_t> twin;
  std::vector<std::uint8_t> cut;  // interior half-edges treated as border
};

ChartTopology chart_topology(const ChartSurface& surface, const std::vector<std::uint32_t>& chart) {
  const ChartIndex index(chart);
  ChartTopology topology;
  topology.twin.assign(3 * chart.size(), kNoTriangle);
  topology.cut.assign(3 * chart.size(), 0);
  for (std::uint32_t i = 0; i < chart.size(); ++i) {
    const auto& tri = surface.triangles[chart[i]];
    for (std::uint32_t k = 0; k < 3; ++k) {
      const std::uint32_t next = surface.neighbours[chart[i]][k];
      const std::uint32_t j = next == kNoTriangle ? kNoTriangle : index.find(next);
      if (j == kNoTriangle) continue;
      const auto& other = surface.triangles[next];
      for (std::uint32_t o = 0; o < 3; ++o) {
        if (other[o] == tri[(k + 1) % 3] && other[(o + 1) % 3] == tri[k]) {
          topology.twin[3 * i + k] = 3 * j + o;
        }
      }
    }
  }
  return topology;
}

// Chart vertices (corner classes joined across uncut interior edges) and the topology
// figures of the result.
void classify(const ChartSurface& surface, const ChartTopology& topology, ChartMesh& mesh) {
  const std::size_t m = mesh.triangles.size();
  UnionFind corners(3 * m);
  UnionFind faces(m);
  std::size_t interior_half_edges = 0;
  for (std::uint32_t h = 0; h < 3 * m; ++h) {
    const std::uint32_t t = topology.twin[h];
    if (t == kNoTriangle || topology.cut[h]) continue;
    ++interior_half_edges;
    faces.unite(h / 3, t / 3);
    corners.unite(h, t / 3 * 3 + (t % 3 + 1) % 3);
    corners.unite(h / 3 * 3 + (h % 3 + 1) % 3, t);
  }
  std::vector<std::uint32_t> class_id(3 * m, kNoTriangle);
  mesh.vertex_points.clear();
  mesh.corners.resize(3 * m);
  for (std::uint32_t c = 0; c < 3 * m; ++c) {
    const std::uint32_t root = corners.find(c);
    if (class_id[root] == kNoTriangle) {
      class_id[root] = static_cast<std::uint32_t>(mesh.vertex_points.size());
      mesh.vertex_points.push_back(surface.triangles[mesh.triangles[c / 3]][c % 3]);
    }
    mesh.corners[c] = class_id[root];
  }
  const std::size_t vertex_count = mesh.vertex_points.size();
  std::vector<std::uint32_t> boundary_next(vertex_count, kNoTriangle);
  std::size_t boundary_edges = 0;
  bool manifold = true;
  for (std::uint32_t h = 0; h < 3 * m; ++h) {
    if (topology.twin[h] != kNoTriangle && !topology.cut[h]) continue;
    ++boundary_edges;
    const std::uint32_t from = mesh.corners[h];
    if (boundary_next[from] != kNoTriangle) manifold = false;
    boundary_next[from] = mesh.corners[h / 3 * 3 + (h % 3 + 1) % 3];
  }
  mesh.boundary_loops = 0;
  std::vector<std::uint8_t> visited(vertex_count, 0);
  for (std::uint32_t v = 0; v < vertex_count; ++v) {
    if (boundary_next[v] == kNoTriangle || visited[v]) continue;
    ++mesh.boundary_loops;
    for (std::uint32_t w = v; w != kNoTriangle && !visited[w]; w = boundary_next[w]) visited[w] = 1;
  }
  bool connected = true;
  for (std::uint32_t i = 1; i < m; ++i) connected &= faces.find(i) == faces.find(0);
  const auto euler = static_cast<long long>(vertex_count) -
                     static_cast<long long>(interior_half_edges / 2 + boundary_edges) +
                     static_cast<long long>(m);
  mesh.connected_manifold = connected && manifold;
  mesh.disc = mesh.connected_manifold && mesh.boundary_loops == 1 && euler == 1;
}

std::vector<std::uint32_t> breadth_first_order(const ChartTopology& topology, std::size_t m,
                                               std::vector<std::uint32_t> sources,
                                               std::vector<std::uint32_t>* via) {
  std::vector<std::uint8_t> seen(m, 0);
  for (std::uint32_t s : sources) seen[s] = 1;
  if (via) via->assign(m, kNoTriangle);
  for (std::size_t head = 0; head < sources.size(); ++head) {
    const std::uint32_t i = sources[head];
    for (std::uint32_t k = 0; k < 3; ++k) {
      const std::uint32_t t = topology.twin[3 * i + k];
      if (t == kNoTriangle || seen[t / 3]) continue;
      seen[t / 3] = 1;
      if (via) (*via)[t / 3] = t;
      sources.push_back(t / 3);
    }
  }
  return sources;
}

// Cuts a connected chart with borders but more than one border loop (or handles) open
// into a disc: the edges a spanning tree of faces does not cross, less the dangling
// ones, are the shortest set of cuts that leaves one tree of faces (Gu et al. 2002).
void cut_to_disc(ChartTopology& topology, const ChartMesh& mesh) {
  const std::size_t m = mesh.triangles.size();
  std::vector<std::uint32_t> border_faces;
  for (std::uint32_t h = 0; h < 3 * m; ++h) {
    if (topology.twin[h] == kNoTriangle && (border_faces.empty() || border_faces.back() != h / 3)) {
      border_faces.push_back(h / 3);
    }
  }
  // Grow the tree from the face deepest inside, so cuts run outwards from holes.
  const std::uint32_t root = breadth_first_order(topology, m, border_faces, nullptr).back();
  std::vector<std::uint32_t> via;
  breadth_first_order(topology, m, {root}, &via);
  std::vector<std::uint8_t> in_tree(3 * m, 0);
  for (std::uint32_t i = 0; i < m; ++i) {
    if (via[i] == kNoTriangle) continue;
    in_tree[via[i]] = 1;
    in_tree[topology.twin[via[i]]] = 1;
  }
  const std::size_t vertex_count = mesh.vertex_points.size();
  std::vector<int> degree(vertex_count, 0);
  std::vector<std::vector<std::uint32_t>> incident(vertex_count);
  std::vector<std::uint8_t> alive(3 * m, 0);
  auto ends = [&](std::uint32_t h) {
    return std::array<std::uint32_t, 2>{mesh.corners[h], mesh.corners[h / 3 * 3 + (h % 3 + 1) % 3]};
  };
  for (std::uint32_t h = 0; h < 3 * m; ++h) {
    const std::uint32_t t = topology.twin[h];
    const bool border = t == kNoTriangle;
    if (!border && (in_tree[h] || t < h)) continue;
    for (std::uint32_t v : ends(h)) {
      ++degree[v];
      if (!border) incident[v].push_back(h);
    }
    alive[h] = !border;
  }
  std::vector<std::uint32_t> stack;
  for (std::uint32_t v = 0; v < vertex_count; ++v) {
    if (degree[v] == 1) stack.push_back(v);
  }
  while (!stack.empty()) {
    const std::uint32_t v = stack.back();
    stack.pop_back();
    if (degree[v] != 1) continue;
    for (std::uint32_t h : incident[v]) {
      if (!alive[h]) continue;
      alive[h] = 0;
      for (std::uint32_t w : ends(h)) {
        if (--degree[w] == 1) stack.push_back(w);
      }
      break;
    }
  }
  for (std::uint32_t h = 0; h < 3 * m; ++h) {
    if (!alive[h]) continue;
    topology.cut[h] = 1;
    topology.cut[topology.twin[h]] = 1;
  }
}

}  // namespace

ChartMesh build_chart_mesh(const ChartSurface& surface, const std::vector<std::uint32_t>& chart) {
  ChartMesh mesh;
  mesh.triangles = chart;
  if (chart.empty()) return mesh;
  ChartTopology topology = chart_topology(surface, chart);
  classify(surface, topology, mesh);
  if (!mesh.disc && mesh.connected_manifold && mesh.boundary_loops >= 1) {
    cut_to_disc(topology, mesh);
    classify(surface, topology, mesh);
  }
  return mesh;
}

}  // namespace atlas::geometry
