#include "geometry/chart_flattening.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace atlas::geometry {
namespace {

std::vector<Vec3> chart_points(const std::vector<Vec3>& surface_points, const ChartMesh& mesh) {
  std::vector<Vec3> points(mesh.vertex_points.size());
  for (std::size_t v = 0; v < points.size(); ++v) points[v] = surface_points[mesh.vertex_points[v]];
  return points;
}

// The chart flattened, when it is a disc (after cuts) whose map neither folds nor
// stretches more than allowed; a single triangle always passes.
std::optional<FlatChart> try_flatten(const ChartSurface& surface,
                                     const std::vector<std::uint32_t>& triangles,
                                     double max_stretch) {
  FlatChart chart;
  chart.mesh = build_chart_mesh(surface, triangles);
  if (!chart.mesh.disc) return std::nullopt;
  const std::vector<Vec3> points = chart_points(surface.points, chart.mesh);
  chart.uv = parametrise_chart(points, chart.mesh.corners, max_stretch);
  if (chart.uv.empty()) return std::nullopt;
  chart.stretch = l2_stretch(points, chart.mesh.corners, chart.uv);
  if (triangles.size() > 1 &&
      (!(chart.stretch <= max_stretch) || boundary_self_intersects(chart.mesh.corners, chart.uv))) {
    return std::nullopt;
  }
  return chart;
}

}  // namespace

std::vector<FlatChart> flatten_charts(const ChartSurface& surface,
                                      std::vector<std::vector<std::uint32_t>> pending,
                                      double max_stretch) {
  std::vector<FlatChart> done;
  while (!pending.empty()) {
    std::vector<std::optional<FlatChart>> flat(pending.size());
    std::vector<std::vector<std::vector<std::uint32_t>>> parts(pending.size());
    tbb::parallel_for(std::size_t{0}, pending.size(), [&](std::size_t i) {
      flat[i] = try_flatten(surface, pending[i], max_stretch);
      if (!flat[i]) parts[i] = split_chart(surface, pending[i]);
    });
    std::vector<std::vector<std::uint32_t>> next;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (flat[i]) done.push_back(std::move(*flat[i]));
      for (auto& part : parts[i]) next.push_back(std::move(part));
    }
    pending = std::move(next);
  }
  return done;
}

// Pairs with the longest shared border (relative to the smaller outline) go first; each
// round tries disjoint pairs in parallel.
void merge_small_charts(const ChartSurface& surface, std::vector<FlatChart>& charts,
                        double max_stretch, double small_share) {
  // Later rounds merge little (a few charts) for as much work as the first.
  constexpr int kRounds = 4;
  // Re-flattening a large chart for every small neighbour costs more than it saves.
  constexpr std::size_t kMaxMergedFaces = 3000;
  // Pairs sharing less of the smaller chart's outline gain too little from merging.
  constexpr double kMinShare = 0.05;
  std::vector<std::uint32_t> id(charts.size());
  std::iota(id.begin(), id.end(), 0u);
  std::uint32_t next_id = static_cast<std::uint32_t>(charts.size());
  std::unordered_set<std::uint64_t> failed;
  std::vector<std::uint32_t> chart_of(surface.triangle_count());
  double total_area = 0;
  for (double a : surface.areas) total_area += a;
  const double small_area = small_share * total_area;
  for (int round = 0; round < kRounds; ++round) {
    std::fill(chart_of.begin(), chart_of.end(), kNoTriangle);
    for (std::uint32_t c = 0; c < charts.size(); ++c) {
      for (std::uint32_t t : charts[c].mesh.triangles) chart_of[t] = c;
    }
    std::vector<double> perimeter(charts.size(), 0);
    std::unordered_map<std::uint64_t, double> shared;
    for (std::uint32_t t = 0; t < chart_of.size(); ++t) {
      const std::uint32_t c = chart_of[t];
      if (c == kNoTriangle) continue;
      for (int k = 0; k < 3; ++k) {
        const std::uint32_t n = surface.neighbours[t][k];
        const std::uint32_t d = n == kNoTriangle ? kNoTriangle : chart_of[n];
        if (d == c) continue;
        const double l = length(surface.points[surface.triangles[t][k]] -
                                surface.points[surface.triangles[t][(k + 1) % 3]]);
        perimeter[c] += l;
        if (d != kNoTriangle && c < d) shared[std::uint64_t{c} << 32 | d] += l;
      }
    }
    std::vector<double> area(charts.size(), 0);
    for (std::uint32_t t = 0; t < chart_of.size(); ++t) {
      if (chart_of[t] != kNoTriangle) area[chart_of[t]] += surface.areas[t];
    }
    std::vector<std::tuple<double, std::uint32_t, std::uint32_t>> candidates;
    for (const auto& [key, l] : shared) {
      const auto a = static_cast<std::uint32_t>(key >> 32), b = static_cast<std::uint32_t>(key);
      if (std::min(area[a], area[b]) > small_area ||
          charts[a].mesh.triangles.size() + charts[b].mesh.triangles.size() > kMaxMergedFaces) {
        continue;
      }
      const double share = l / std::min(perimeter[a], perimeter[b]);
      const std::uint64_t pair =
          std::uint64_t{std::min(id[a], id[b])} << 32 | std::max(id[a], id[b]);
      if (share >= kMinShare && !failed.count(pair)) candidates.push_back({-share, a, b});
    }
    std::sort(candidates.begin(), candidates.end());
    std::vector<std::uint8_t> busy(charts.size(), 0);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> batch;
    for (const auto& [score, a, b] : candidates) {
      if (busy[a] || busy[b]) continue;
      busy[a] = busy[b] = 1;
      batch.push_back({a, b});
    }
    if (batch.empty()) break;
    std::vector<std::optional<FlatChart>> merged(batch.size());
    tbb::parallel_for(std::size_t{0}, batch.size(), [&](std::size_t i) {
      std::vector<std::uint32_t> triangles = charts[batch[i].first].mesh.triangles;
      const auto& more = charts[batch[i].second].mesh.triangles;
      triangles.insert(triangles.end(), more.begin(), more.end());
      merged[i] = try_flatten(surface, triangles, max_stretch);
    });
    std::vector<std::uint8_t> gone(charts.size(), 0);
    bool any = false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto [a, b] = batch[i];
      if (!merged[i]) {
        failed.insert(std::uint64_t{std::min(id[a], id[b])} << 32 | std::max(id[a], id[b]));
        continue;
      }
      any = true;
      charts[a] = std::move(*merged[i]);
      id[a] = next_id++;
      gone[b] = 1;
    }
    if (!any && batch.size() == candidates.size()) break;
    std::size_t kept = 0;
    for (std::size_t c = 0; c < charts.size(); ++c) {
      if (gone[c]) continue;
      if (kept != c) {
        charts[kept] = std::move(charts[c]);
        id[kept] = id[c];
      }
      ++kept;
    }
    charts.resize(kept);
    id.resize(kept);
  }
}

namespace {

// A chart vertex pair in the chart's own numbering.
using Edge = std::array<std::uint32_t, 2>;

// Glues chart `small` onto `target` along the edge where small's face `face` (edge k)
// meets target's face `other`. Returns false, changing nothing, when the edge is not on
// target's border or the glued faces would overlap target.
bool glue(const ChartSurface& surface, FlatChart& target, std::vector<Edge>& target_border,
          StretchSums& target_sums, const FlatChart& small, const StretchSums& small_sums,
          double max_stretch, std::uint32_t face, int k, std::uint32_t other_local) {
  const auto& tri = surface.triangles[small.mesh.triangles[face]];
  const std::uint32_t p = tri[k], q = tri[(k + 1) % 3];
  const auto& other = surface.triangles[target.mesh.triangles[other_local]];
  int ko = -1;
  for (int o = 0; o < 3; ++o) {
    if (other[o] == q && other[(o + 1) % 3] == p) ko = o;
  }
  if (ko < 0) return false;
  const std::uint32_t target_p = target.mesh.corners[3 * other_local + (ko + 1) % 3];
  const std::uint32_t target_q = target.mesh.corners[3 * other_local + ko];
  const auto shared =
      std::find(target_border.begin(), target_border.end(), Edge{target_q, target_p});
  if (shared == target_border.end()) return false;
  const std::uint32_t small_p = small.mesh.corners[3 * face + k];
  const std::uint32_t small_q = small.mesh.corners[3 * face + (k + 1) % 3];

  // The similarity z -> a z + b taking small's edge onto target's (complex numbers).
  const UvPoint sp = small.uv[small_p], sq = small.uv[small_q];
  const UvPoint tp = target.uv[target_p], tq = target.uv[target_q];
  const double ex = sq.u - sp.u, ey = sq.v - sp.v, fx = tq.u - tp.u, fy = tq.v - tp.v;
  const double norm = ex * ex + ey * ey;
  if (!(norm > 0)) return false;
  const double ar = (fx * ex + fy * ey) / norm, ai = (fy * ex - fx * ey) / norm;
  // Scaling the small chart changes its texel density: the union must stay within the
  // stretch limit.
  const double scale2 = ar * ar + ai * ai;
  if (!(scale2 > 0)) return false;
  StretchSums sums = target_sums;
  sums.weighted += small_sums.weighted / scale2;
  sums.area_3d += small_sums.area_3d;
  sums.area_uv += small_sums.area_uv * scale2;
  if (!(sums.value() <= max_stretch)) return false;

  const auto base = static_cast<std::uint32_t>(target.uv.size());
  std::vector<std::uint32_t> renumber(small.uv.size());
  // The small chart's new vertices go after the target's, removed again on failure.
  std::vector<UvPoint>& uv = target.uv;
  for (std::uint32_t v = 0; v < small.uv.size(); ++v) {
    if (v == small_p) {
      renumber[v] = target_p;
    } else if (v == small_q) {
      renumber[v] = target_q;
    } else {
      renumber[v] = static_cast<std::uint32_t>(uv.size());
      const double du = small.uv[v].u - sp.u, dv = small.uv[v].v - sp.v;
      uv.push_back({tp.u + ar * du - ai * dv, tp.v + ai * du + ar * dv});
    }
  }
  std::vector<Edge> added;
  for (const Edge& e : border_edges(small.mesh.corners)) {
    if (e[0] == small_p && e[1] == small_q) continue;
    added.push_back({renumber[e[0]], renumber[e[1]]});
  }
  for (const Edge& e : added) {
    for (const Edge& f : target_border) {
      if (f == *shared) continue;
      if (border_edges_meet(e, f, uv)) {
        uv.resize(base);
        return false;
      }
    }
  }
  target_sums = sums;
  target_border.erase(shared);
  target_border.insert(target_border.end(), added.begin(), added.end());
  for (std::uint32_t v = 0; v < small.uv.size(); ++v) {
    if (renumber[v] >= base) target.mesh.vertex_points.push_back(small.mesh.vertex_points[v]);
  }
  target.mesh.triangles.insert(target.mesh.triangles.end(), small.mesh.triangles.begin(),
                               small.mesh.triangles.end());
  for (std::uint32_t c : small.mesh.corners) target.mesh.corners.push_back(renumber[c]);
  return true;
}

}  // namespace

void attach_tiny_charts(const ChartSurface& surface, std::vector<FlatChart>& charts,
                        std::size_t max_faces, double max_stretch) {
  std::vector<std::uint32_t> chart_of(surface.triangle_count(), kNoTriangle);
  std::vector<std::uint32_t> local_of(surface.triangle_count(), kNoTriangle);
  for (std::uint32_t c = 0; c < charts.size(); ++c) {
    for (std::uint32_t i = 0; i < charts[c].mesh.triangles.size(); ++i) {
      chart_of[charts[c].mesh.triangles[i]] = c;
      local_of[charts[c].mesh.triangles[i]] = i;
    }
  }
  auto sums_of = [&](const FlatChart& chart) {
    return stretch_sums(chart_points(surface.points, chart.mesh), chart.mesh.corners, chart.uv);
  };
  std::vector<std::vector<Edge>> borders(charts.size());
  std::vector<StretchSums> sums(charts.size());
  std::vector<std::uint8_t> have_border(charts.size(), 0), gone(charts.size(), 0),
      grown(charts.size(), 0);
  for (std::uint32_t c = 0; c < charts.size(); ++c) {
    const FlatChart& small = charts[c];
    if (small.mesh.triangles.size() > max_faces || grown[c]) continue;
    // Neighbouring charts across each border edge, biggest first.
    std::vector<std::tuple<std::size_t, std::uint32_t, std::uint32_t, int, std::uint32_t>> options;
    for (std::uint32_t i = 0; i < small.mesh.triangles.size(); ++i) {
      const std::uint32_t t = small.mesh.triangles[i];
      for (int k = 0; k < 3; ++k) {
        for (std::uint32_t other : {surface.neighbours[t][k], surface.folds[t][k]}) {
          if (other == kNoTriangle || chart_of[other] == c || chart_of[other] == kNoTriangle) {
            continue;
          }
          const std::uint32_t d = chart_of[other];
          options.push_back({charts[d].mesh.triangles.size(), d, i, k, local_of[other]});
        }
      }
    }
    const StretchSums small_sums = sums_of(small);
    std::sort(options.begin(), options.end(), [](const auto& a, const auto& b) {
      return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b) : a < b;
    });
    for (const auto& [size, d, i, k, other_local] : options) {
      if (!have_border[d]) {
        borders[d] = border_edges(charts[d].mesh.corners);
        sums[d] = sums_of(charts[d]);
        have_border[d] = 1;
      }
      const auto first = static_cast<std::uint32_t>(charts[d].mesh.triangles.size());
      if (!glue(surface, charts[d], borders[d], sums[d], small, small_sums, max_stretch, i, k,
                other_local)) {
        continue;
      }
      for (std::uint32_t j = 0; j < small.mesh.triangles.size(); ++j) {
        chart_of[small.mesh.triangles[j]] = d;
        local_of[small.mesh.triangles[j]] = first + j;
      }
      gone[c] = 1;
      grown[d] = 1;
      break;
    }
  }
  std::size_t kept = 0;
  for (std::size_t c = 0; c < charts.size(); ++c) {
    if (gone[c]) continue;
    if (grown[c]) charts[c].stretch = sums[c].value();
    if (kept != c) charts[kept] = std::move(charts[c]);
    ++kept;
  }
  charts.resize(kept);
}

}  // namespace atlas::geometry
