#include "geometry/lscm.h"

#include <Eigen/Core>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace atlas::geometry {
namespace {

using SparseMatrix = Eigen::SparseMatrix<double>;
using Triplet = Eigen::Triplet<double>;

constexpr std::uint32_t kNone = 0xffffffffu;

// A triangle in an orthonormal frame of its own plane: corner 0 at the origin, corner 1
// on the +x axis, corner 2 above it (counter-clockwise as seen from the normal).
struct LocalTriangle {
  std::array<double, 3> x, y;
  double area;
};

LocalTriangle local_triangle(Vec3 p0, Vec3 p1, Vec3 p2) {
  const double ax = p1.x - p0.x, ay = p1.y - p0.y, az = p1.z - p0.z;
  const double bx = p2.x - p0.x, by = p2.y - p0.y, bz = p2.z - p0.z;
  const double la = std::sqrt(ax * ax + ay * ay + az * az);
  const double cx = ay * bz - az * by, cy = az * bx - ax * bz, cz = ax * by - ay * bx;
  const double twice_area = std::sqrt(cx * cx + cy * cy + cz * cz);
  LocalTriangle t;
  t.x = {0, la, la > 0 ? (ax * bx + ay * by + az * bz) / la : 0};
  t.y = {0, 0, la > 0 ? twice_area / la : 0};
  t.area = 0.5 * twice_area;
  return t;
}

std::vector<LocalTriangle> local_triangles(const std::vector<Vec3>& points,
                                           const std::vector<std::uint32_t>& corners) {
  std::vector<LocalTriangle> local(corners.size() / 3);
  for (std::size_t t = 0; t < local.size(); ++t) {
    local[t] = local_triangle(points[corners[3 * t]], points[corners[3 * t + 1]],
                              points[corners[3 * t + 2]]);
  }
  return local;
}

// The two vertices furthest apart along the longest side of the chart's bounding box.
std::pair<std::uint32_t, std::uint32_t> pick_pins(const std::vector<Vec3>& points) {
  Bounds box;
  for (Vec3 p : points) box.extend(p);
  const Vec3 size = box.size();
  int axis = size.x >= size.y && size.x >= size.z ? 0 : (size.y >= size.z ? 1 : 2);
  auto coordinate = [axis](Vec3 p) { return axis == 0 ? p.x : (axis == 1 ? p.y : p.z); };
  std::uint32_t lo = 0, hi = 0;
  for (std::uint32_t v = 1; v < points.size(); ++v) {
    if (coordinate(points[v]) < coordinate(points[lo])) lo = v;
    if (coordinate(points[v]) > coordinate(points[hi])) hi = v;
  }
  if (lo == hi) hi = lo == 0 ? 1 : 0;
  return {lo, hi};
}

std::vector<UvPoint> solve_lscm(const std::vector<Vec3>& points,
                                const std::vector<std::uint32_t>& corners,
                                const std::vector<LocalTriangle>& local) {
  const std::size_t n = points.size();
  const auto [pin0, pin1] = pick_pins(points);
  const Vec3 d = points[pin1] - points[pin0];
  const UvPoint pinned0{0, 0}, pinned1{length(d), 0};
  std::vector<int> unknown(n, -1);
  int free_count = 0;
  for (std::uint32_t v = 0; v < n; ++v) {
    if (v != pin0 && v != pin1) unknown[v] = free_count++;
  }
  if (free_count == 0) return {pinned0, pinned1};

  // Two rows a triangle (real and imaginary parts of the conformality residual), over
  // unknowns [u of free vertices, v of free vertices].
  std::vector<Triplet> triplets;
  triplets.reserve(corners.size() * 4);
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(2 * local.size()));
  for (std::size_t t = 0; t < local.size(); ++t) {
    const LocalTriangle& lt = local[t];
    const double scale = 1.0 / std::sqrt(2 * lt.area);
    const auto real_row = static_cast<int>(2 * t), imag_row = real_row + 1;
    for (int j = 0; j < 3; ++j) {
      const double wr = (lt.x[(j + 2) % 3] - lt.x[(j + 1) % 3]) * scale;
      const double wi = (lt.y[(j + 2) % 3] - lt.y[(j + 1) % 3]) * scale;
      const std::uint32_t v = corners[3 * t + j];
      if (unknown[v] >= 0) {
        const int iu = unknown[v], iv = free_count + unknown[v];
        triplets.emplace_back(real_row, iu, wr);
        triplets.emplace_back(real_row, iv, -wi);
        triplets.emplace_back(imag_row, iu, wi);
        triplets.emplace_back(imag_row, iv, wr);
      } else {
        const UvPoint p = v == pin0 ? pinned0 : pinned1;
        rhs[real_row] -= wr * p.u - wi * p.v;
        rhs[imag_row] -= wi * p.u + wr * p.v;
      }
    }
  }
  SparseMatrix a(static_cast<Eigen::Index>(2 * local.size()), 2 * free_count);
  a.setFromTriplets(triplets.begin(), triplets.end());
  const SparseMatrix at = a.transpose();
  const SparseMatrix normal = at * a;
  Eigen::SimplicialLDLT<SparseMatrix> solver(normal);
  if (solver.info() != Eigen::Success) return {};
  const Eigen::VectorXd x = solver.solve(at * rhs);
  if (solver.info() != Eigen::Success || !x.allFinite()) return {};
  std::vector<UvPoint> uv(n);
  for (std::uint32_t v = 0; v < n; ++v) {
    uv[v] = unknown[v] < 0 ? (v == pin0 ? pinned0 : pinned1)
                           : UvPoint{x[unknown[v]], x[free_count + unknown[v]]};
  }
  return uv;
}

using BorderEdges = std::vector<std::array<std::uint32_t, 2>>;

// The chart's border: the half-edges whose twin is missing, as (from, to) vertex pairs.
BorderEdges collect_border(const std::vector<std::uint32_t>& corners) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> half_edges;
  half_edges.reserve(corners.size());
  for (std::uint32_t c = 0; c < corners.size(); ++c) {
    const std::uint64_t a = corners[c], b = corners[c / 3 * 3 + (c % 3 + 1) % 3];
    half_edges.push_back({std::min(a, b) << 32 | std::max(a, b), c});
  }
  std::sort(half_edges.begin(), half_edges.end());
  BorderEdges border;
  for (std::size_t i = 0; i < half_edges.size();) {
    std::size_t j = i;
    while (j < half_edges.size() && half_edges[j].first == half_edges[i].first) ++j;
    if (j - i == 1) {
      const std::uint32_t c = half_edges[i].second;
      border.push_back({corners[c], corners[c / 3 * 3 + (c % 3 + 1) % 3]});
    }
    i = j;
  }
  return border;
}

bool any_flipped(const std::vector<std::uint32_t>& corners, const std::vector<UvPoint>& uv) {
  for (std::size_t c = 0; c < corners.size(); c += 3) {
    if (!(uv_area(uv[corners[c]], uv[corners[c + 1]], uv[corners[c + 2]]) > 0)) return true;
  }
  return false;
}

int orientation(UvPoint a, UvPoint b, UvPoint c) {
  const double o = (b.u - a.u) * (c.v - a.v) - (c.u - a.u) * (b.v - a.v);
  return (o > 0) - (o < 0);
}

bool within_box(UvPoint a, UvPoint b, UvPoint p) {
  return std::min(a.u, b.u) <= p.u && p.u <= std::max(a.u, b.u) && std::min(a.v, b.v) <= p.v &&
         p.v <= std::max(a.v, b.v);
}

bool edges_meet(const std::array<std::uint32_t, 2>& e, const std::array<std::uint32_t, 2>& f,
                const std::vector<UvPoint>& uv) {
  const UvPoint a = uv[e[0]], b = uv[e[1]], c = uv[f[0]], d = uv[f[1]];
  const bool shares_first = e[0] == f[0] || e[0] == f[1];
  if (shares_first || e[1] == f[0] || e[1] == f[1]) {
    // Consecutive edges only meet badly when they fold back onto each other.
    const UvPoint common = shares_first ? a : b;
    const UvPoint other_e = shares_first ? b : a;
    const UvPoint other_f = f[0] == e[0] || f[0] == e[1] ? d : c;
    return orientation(common, other_e, other_f) == 0 &&
           (other_e.u - common.u) * (other_f.u - common.u) +
                   (other_e.v - common.v) * (other_f.v - common.v) >
               0;
  }
  const int o1 = orientation(a, b, c), o2 = orientation(a, b, d), o3 = orientation(c, d, a),
            o4 = orientation(c, d, b);
  if (o1 != o2 && o3 != o4) return true;
  return (o1 == 0 && within_box(a, b, c)) || (o2 == 0 && within_box(a, b, d)) ||
         (o3 == 0 && within_box(c, d, a)) || (o4 == 0 && within_box(c, d, b));
}

bool self_intersects(const BorderEdges& border, const std::vector<UvPoint>& uv) {
  if (border.size() < 4) return false;
  double min_u = INFINITY, min_v = INFINITY, max_u = -INFINITY, max_v = -INFINITY, total = 0;
  for (const auto& e : border) {
    const UvPoint a = uv[e[0]], b = uv[e[1]];
    min_u = std::min({min_u, a.u, b.u});
    min_v = std::min({min_v, a.v, b.v});
    max_u = std::max({max_u, a.u, b.u});
    max_v = std::max({max_v, a.v, b.v});
    total += std::sqrt((b.u - a.u) * (b.u - a.u) + (b.v - a.v) * (b.v - a.v));
  }
  // A uniform grid of about one cell an edge, and not many more cells than edges.
  const double extent = std::max(max_u - min_u, max_v - min_v);
  const double cell = std::max(total / static_cast<double>(border.size()),
                               extent / (2 * std::sqrt(static_cast<double>(border.size())) + 1)) +
                      1e-300;
  const auto cols = static_cast<std::size_t>((max_u - min_u) / cell) + 1;
  const auto rows = static_cast<std::size_t>((max_v - min_v) / cell) + 1;
  auto col = [&](double u) {
    return std::min(cols - 1, static_cast<std::size_t>(std::max(0.0, (u - min_u) / cell)));
  };
  auto row = [&](double v) {
    return std::min(rows - 1, static_cast<std::size_t>(std::max(0.0, (v - min_v) / cell)));
  };
  // Cell ranges per edge, then the cells' edge lists in one array (counted, then filled
  // in edge order): one allocation instead of one per cell, on every ARAP step.
  std::vector<std::array<std::size_t, 4>> ranges(border.size());
  std::vector<std::uint32_t> cell_start(cols * rows + 1, 0);
  for (std::size_t i = 0; i < border.size(); ++i) {
    const UvPoint a = uv[border[i][0]], b = uv[border[i][1]];
    ranges[i] = {col(std::min(a.u, b.u)), col(std::max(a.u, b.u)), row(std::min(a.v, b.v)),
                 row(std::max(a.v, b.v))};
    for (std::size_t y = ranges[i][2]; y <= ranges[i][3]; ++y) {
      for (std::size_t x = ranges[i][0]; x <= ranges[i][1]; ++x) ++cell_start[y * cols + x + 1];
    }
  }
  for (std::size_t c = 1; c < cell_start.size(); ++c) cell_start[c] += cell_start[c - 1];
  std::vector<std::uint32_t> cell_end(cell_start.begin(), cell_start.end() - 1);
  std::vector<std::uint32_t> entries(cell_start.back());
  for (std::uint32_t i = 0; i < border.size(); ++i) {
    const auto& [x0, x1, y0, y1] = ranges[i];
    for (std::size_t y = y0; y <= y1; ++y) {
      for (std::size_t x = x0; x <= x1; ++x) {
        const std::size_t c = y * cols + x;
        // Each edge is tested against the earlier edges of its cells.
        for (std::uint32_t e = cell_start[c]; e < cell_end[c]; ++e) {
          if (edges_meet(border[i], border[entries[e]], uv)) return true;
        }
      }
    }
    for (std::size_t y = y0; y <= y1; ++y) {
      for (std::size_t x = x0; x <= x1; ++x) entries[cell_end[y * cols + x]++] = i;
    }
  }
  return false;
}

// Tutte's embedding: the border on a circle (spaced by 3D edge length, in the border's
// counter-clockwise order), every other vertex at the average of its neighbours. Never
// flips a face of a disc, so it is the fallback start when the conformal map folds.
std::vector<UvPoint> solve_tutte(const std::vector<Vec3>& points,
                                 const std::vector<std::uint32_t>& corners,
                                 const BorderEdges& border) {
  const std::size_t n = points.size();
  std::vector<std::uint32_t> next(n, kNone);
  for (const auto& e : border) next[e[0]] = e[1];
  std::vector<std::uint32_t> loop;
  for (std::uint32_t v = border.empty() ? kNone : border[0][0]; v != kNone;) {
    loop.push_back(v);
    v = next[v];
    if (v == border[0][0] || loop.size() > border.size()) break;
  }
  if (loop.size() != border.size() || loop.size() < 3) return {};
  std::vector<double> arc(loop.size() + 1, 0);
  for (std::size_t i = 0; i < loop.size(); ++i) {
    arc[i + 1] = arc[i] + length(points[loop[(i + 1) % loop.size()]] - points[loop[i]]);
  }
  if (!(arc.back() > 0)) return {};
  const double radius = arc.back() / (2 * 3.14159265358979);
  std::vector<UvPoint> uv(n);
  std::vector<int> unknown(n, 0);
  for (std::size_t i = 0; i < loop.size(); ++i) {
    const double angle = 2 * 3.14159265358979 * arc[i] / arc.back();
    uv[loop[i]] = {radius * std::cos(angle), radius * std::sin(angle)};
    unknown[loop[i]] = -1;
  }
  int count = 0;
  for (int& u : unknown) {
    if (u == 0) u = count++;
  }
  if (count == 0) return uv;
  std::vector<Triplet> triplets;
  Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(count, 2);
  for (std::size_t c = 0; c < corners.size(); ++c) {
    // Each interior edge is two half-edges: half a unit weight each.
    const std::uint32_t a = corners[c], b = corners[c / 3 * 3 + (c % 3 + 1) % 3];
    for (auto [p, q] : {std::pair{a, b}, std::pair{b, a}}) {
      if (unknown[p] < 0) continue;
      triplets.emplace_back(unknown[p], unknown[p], 0.5);
      if (unknown[q] >= 0) {
        triplets.emplace_back(unknown[p], unknown[q], -0.5);
      } else {
        rhs(unknown[p], 0) += 0.5 * uv[q].u;
        rhs(unknown[p], 1) += 0.5 * uv[q].v;
      }
    }
  }
  SparseMatrix laplacian(count, count);
  laplacian.setFromTriplets(triplets.begin(), triplets.end());
  Eigen::SimplicialLDLT<SparseMatrix> solver(laplacian);
  if (solver.info() != Eigen::Success) return {};
  const Eigen::MatrixXd x = solver.solve(rhs);
  if (solver.info() != Eigen::Success || !x.allFinite()) return {};
  for (std::uint32_t v = 0; v < n; ++v) {
    if (unknown[v] >= 0) uv[v] = {x(unknown[v], 0), x(unknown[v], 1)};
  }
  return uv;
}

// The global step of ARAP: the cotangent Laplacian with one vertex pinned, which
// depends only on the chart's 3D shape, so one factorisation serves every refinement of
// the chart.
struct ArapSystem {
  std::vector<double> cot;  // cot[3t+k]: the weight of the edge opposite corner k
  std::uint32_t pinned = 0;
  // The pinned vertex's neighbours see it through the Laplacian's dropped column:
  // (unknown, cotangent weight) in the order the right-hand side sums them.
  std::vector<std::pair<int, double>> pinned_links;
  Eigen::SimplicialLDLT<SparseMatrix> solver;
  bool factorised = false;

  int unknown(std::uint32_t v) const { return static_cast<int>(v < pinned ? v : v - 1); }
};

void build_arap_system(const std::vector<std::uint32_t>& corners,
                       const std::vector<LocalTriangle>& local, std::size_t n, ArapSystem& system) {
  std::vector<double>& cot = system.cot;
  cot.resize(corners.size());
  for (std::size_t t = 0; t < local.size(); ++t) {
    const LocalTriangle& lt = local[t];
    for (int k = 0; k < 3; ++k) {
      const int i = (k + 1) % 3, j = (k + 2) % 3;
      const double ex1 = lt.x[i] - lt.x[k], ey1 = lt.y[i] - lt.y[k];
      const double ex2 = lt.x[j] - lt.x[k], ey2 = lt.y[j] - lt.y[k];
      cot[3 * t + k] = (ex1 * ex2 + ey1 * ey2) / std::abs(ex1 * ey2 - ey1 * ex2);
    }
  }
  const std::uint32_t pinned = system.pinned = corners[0];
  std::vector<Triplet> triplets;
  triplets.reserve(corners.size() * 4);
  for (std::size_t t = 0; t < local.size(); ++t) {
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = corners[3 * t + (k + 1) % 3], b = corners[3 * t + (k + 2) % 3];
      const double w = cot[3 * t + k];
      for (auto [p, q] : {std::pair{a, b}, std::pair{b, a}}) {
        if (p == pinned) continue;
        triplets.emplace_back(system.unknown(p), system.unknown(p), w);
        if (q != pinned) triplets.emplace_back(system.unknown(p), system.unknown(q), -w);
      }
      if (a == pinned && b != pinned) {
        system.pinned_links.push_back({system.unknown(b), w});
      } else if (b == pinned && a != pinned) {
        system.pinned_links.push_back({system.unknown(a), w});
      }
    }
  }
  const auto size = static_cast<Eigen::Index>(n - 1);
  SparseMatrix laplacian(size, size);
  laplacian.setFromTriplets(triplets.begin(), triplets.end());
  system.solver.compute(laplacian);
  system.factorised = system.solver.info() == Eigen::Success;
}

// Solves the factorised system for the u and v right-hand sides together (`b` and the
// result hold one (u, v) pair a row), reading the factor once instead of once a column.
// Each column sees the operations Eigen's own solve does, in the same order (zero
// entries skipped going down as it does), so the result is the same to the bit.
void solve_pairs(const Eigen::SimplicialLDLT<SparseMatrix>& solver,
                 const std::vector<std::array<double, 2>>& b,
                 std::vector<std::array<double, 2>>& x) {
  const auto& l = solver.matrixL().nestedExpression();  // unit lower triangle, by column
  const auto& p = solver.permutationP().indices();
  const auto& p_inverse = solver.permutationPinv().indices();
  const auto& d = solver.vectorD();
  const Eigen::Index n = l.cols();
  std::vector<std::array<double, 2>> y(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) y[p[i]] = b[i];
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::array<double, 2> t = y[i];
    for (SparseMatrix::InnerIterator it(l, i); it; ++it) {
      if (it.index() <= i) continue;
      for (int c = 0; c < 2; ++c) {
        if (t[c] != 0) y[it.index()][c] -= t[c] * it.value();
      }
    }
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    const double inverse = 1.0 / d[i];
    y[i] = {inverse * y[i][0], inverse * y[i][1]};
  }
  for (Eigen::Index i = n; i-- > 0;) {
    std::array<double, 2> t = y[i];
    for (SparseMatrix::InnerIterator it(l, i); it; ++it) {
      if (it.index() <= i) continue;
      t[0] -= it.value() * y[it.index()][0];
      t[1] -= it.value() * y[it.index()][1];
    }
    y[i] = t;
  }
  x.resize(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) x[p_inverse[i]] = y[i];
}

// Local/global ARAP iterations from `uv`, each step shortened as needed for valid() to
// hold; stops when even a short step fails. Returns the last valid iterate.
template <typename Valid>
std::vector<UvPoint> refine_arap(const std::vector<std::uint32_t>& corners,
                                 const std::vector<LocalTriangle>& local, const ArapSystem& system,
                                 std::vector<UvPoint> uv, int iterations, Valid&& valid) {
  const std::size_t n = uv.size();
  if (iterations <= 0 || n < 3 || !system.factorised) return uv;
  const std::vector<double>& cot = system.cot;
  const std::uint32_t pinned = system.pinned;
  auto unknown = [&system](std::uint32_t v) { return system.unknown(v); };
  const auto size = static_cast<Eigen::Index>(n - 1);

  std::vector<UvPoint> best = uv;
  std::vector<std::array<double, 2>> rhs(size), x;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    std::fill(rhs.begin(), rhs.end(), std::array<double, 2>{0, 0});
    for (std::size_t t = 0; t < local.size(); ++t) {
      const LocalTriangle& lt = local[t];
      double s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (int k = 0; k < 3; ++k) {
        const int i = (k + 1) % 3, j = (k + 2) % 3;
        const UvPoint ui = uv[corners[3 * t + i]], uj = uv[corners[3 * t + j]];
        const double du = ui.u - uj.u, dv = ui.v - uj.v;
        const double dx = lt.x[i] - lt.x[j], dy = lt.y[i] - lt.y[j];
        const double w = cot[3 * t + k];
        s00 += w * du * dx;
        s01 += w * du * dy;
        s10 += w * dv * dx;
        s11 += w * dv * dy;
      }
      // The closest rotation to the covariance: angle atan2(s10 - s01, s00 + s11).
      const double rc = s00 + s11, rs = s10 - s01, r = std::sqrt(rc * rc + rs * rs);
      const double c = r > 0 ? rc / r : 1, s = r > 0 ? rs / r : 0;
      for (int k = 0; k < 3; ++k) {
        const int i = (k + 1) % 3, j = (k + 2) % 3;
        const double dx = lt.x[i] - lt.x[j], dy = lt.y[i] - lt.y[j];
        const double w = cot[3 * t + k];
        const double ru = w * (c * dx - s * dy), rv = w * (s * dx + c * dy);
        const std::uint32_t a = corners[3 * t + i], b = corners[3 * t + j];
        if (a != pinned) {
          rhs[unknown(a)][0] += ru;
          rhs[unknown(a)][1] += rv;
        }
        if (b != pinned) {
          rhs[unknown(b)][0] -= ru;
          rhs[unknown(b)][1] -= rv;
        }
      }
    }
    for (const auto& [row, w] : system.pinned_links) {
      rhs[row][0] += w * uv[pinned].u;
      rhs[row][1] += w * uv[pinned].v;
    }
    solve_pairs(system.solver, rhs, x);
    if (!std::all_of(x.begin(), x.end(), [](const std::array<double, 2>& p) {
          return std::isfinite(p[0]) && std::isfinite(p[1]);
        })) {
      break;
    }
    for (std::uint32_t v = 0; v < n; ++v) {
      if (v != pinned) uv[v] = {x[unknown(v)][0], x[unknown(v)][1]};
    }
    // A step that folds the chart is shortened until it does not.
    bool moved = valid(uv);
    for (double step = 0.5; !moved && step > 0.1; step *= 0.5) {
      for (std::uint32_t v = 0; v < n; ++v) {
        uv[v] = {best[v].u + step * (uv[v].u - best[v].u),
                 best[v].v + step * (uv[v].v - best[v].v)};
      }
      moved = valid(uv);
    }
    if (!moved) break;
    best = uv;
  }
  return best;
}

}  // namespace

double uv_area(UvPoint a, UvPoint b, UvPoint c) {
  return 0.5 * ((b.u - a.u) * (c.v - a.v) - (c.u - a.u) * (b.v - a.v));
}

std::vector<UvPoint> parametrise_chart(const std::vector<Vec3>& points,
                                       const std::vector<std::uint32_t>& corners,
                                       double target_stretch, int arap_iterations) {
  if (points.size() < 3 || corners.size() < 3) return {};
  const std::vector<LocalTriangle> local = local_triangles(points, corners);
  if (points.size() == 3 && corners.size() == 3) {
    std::vector<UvPoint> uv(3);
    for (int k = 0; k < 3; ++k) uv[corners[k]] = {local[0].x[k], local[0].y[k]};
    return uv;
  }
  const BorderEdges border = collect_border(corners);
  auto valid = [&](const std::vector<UvPoint>& uv) {
    return !any_flipped(corners, uv) && !self_intersects(border, uv);
  };
  auto anything = [](const std::vector<UvPoint>&) { return true; };
  // Factorised on the first refinement, shared by the others.
  ArapSystem arap;
  bool arap_built = false;
  auto refine = [&](const std::vector<UvPoint>& start, int iterations, auto&& keep_valid) {
    if (!arap_built && iterations > 0 && start.size() >= 3) {
      build_arap_system(corners, local, start.size(), arap);
      arap_built = true;
    }
    return refine_arap(corners, local, arap, start, iterations, keep_valid);
  };
  // Candidates, in order: the conformal map's ARAP refinement (kept valid at every step)
  // and the conformal map itself, or when that folds a free ARAP run from it (ARAP often
  // unfolds what LSCM folded); then the same from Tutte's embedding. The least stretched
  // valid one wins; the search stops at the first within target_stretch.
  std::vector<UvPoint> best;
  double best_stretch = INFINITY;
  auto consider = [&](std::vector<UvPoint> uv) {
    if (uv.empty() || !valid(uv)) return false;
    const double stretch = l2_stretch(points, corners, uv);
    if (stretch < best_stretch) {
      best_stretch = stretch;
      best = std::move(uv);
    }
    return best_stretch <= target_stretch;
  };
  std::vector<UvPoint> uv = solve_lscm(points, corners, local);
  if (!uv.empty()) {
    double signed_area = 0;
    for (std::size_t c = 0; c < corners.size(); c += 3) {
      signed_area += uv_area(uv[corners[c]], uv[corners[c + 1]], uv[corners[c + 2]]);
    }
    if (signed_area < 0) {
      for (UvPoint& p : uv) p.v = -p.v;
    }
    if (valid(uv)) {
      if (consider(refine(uv, arap_iterations, valid))) return best;
      if (consider(uv)) return best;
    } else if (consider(refine(uv, 2 * arap_iterations, anything))) {
      return best;
    }
  }
  std::vector<UvPoint> tutte = solve_tutte(points, corners, border);
  if (!tutte.empty() && valid(tutte)) {
    if (consider(refine(tutte, 3 * arap_iterations, anything))) return best;
    consider(refine(tutte, 3 * arap_iterations, valid));
  }
  if (best.empty()) return uv.empty() ? tutte : uv;
  return best;
}

double StretchSums::value() const {
  if (folded || !(area_3d > 0)) return INFINITY;
  return std::sqrt(weighted / area_3d) * std::sqrt(area_uv / area_3d);
}

StretchSums stretch_sums(const std::vector<Vec3>& points, const std::vector<std::uint32_t>& corners,
                         const std::vector<UvPoint>& uv) {
  StretchSums sums;
  for (std::size_t c = 0; c < corners.size(); c += 3) {
    const UvPoint q0 = uv[corners[c]], q1 = uv[corners[c + 1]], q2 = uv[corners[c + 2]];
    const double a2 = uv_area(q0, q1, q2);
    if (!(a2 > 0)) {
      sums.folded = true;
      continue;
    }
    const Vec3 p0 = points[corners[c]], p1 = points[corners[c + 1]], p2 = points[corners[c + 2]];
    const double inv = 1.0 / (2 * a2);
    double ss = 0, st = 0;
    const double p[3][3] = {{p0.x, p0.y, p0.z}, {p1.x, p1.y, p1.z}, {p2.x, p2.y, p2.z}};
    for (int axis = 0; axis < 3; ++axis) {
      const double ds =
          (p[0][axis] * (q1.v - q2.v) + p[1][axis] * (q2.v - q0.v) + p[2][axis] * (q0.v - q1.v)) *
          inv;
      const double dt =
          (p[0][axis] * (q2.u - q1.u) + p[1][axis] * (q0.u - q2.u) + p[2][axis] * (q1.u - q0.u)) *
          inv;
      ss += ds * ds;
      st += dt * dt;
    }
    const double a3 = 0.5 * length(cross(p1 - p0, p2 - p0));
    sums.weighted += a3 * 0.5 * (ss + st);
    sums.area_3d += a3;
    sums.area_uv += a2;
  }
  return sums;
}

double l2_stretch(const std::vector<Vec3>& points, const std::vector<std::uint32_t>& corners,
                  const std::vector<UvPoint>& uv) {
  return stretch_sums(points, corners, uv).value();
}

std::vector<std::array<std::uint32_t, 2>> border_edges(const std::vector<std::uint32_t>& corners) {
  return collect_border(corners);
}

bool border_edges_meet(const std::array<std::uint32_t, 2>& e, const std::array<std::uint32_t, 2>& f,
                       const std::vector<UvPoint>& uv) {
  return edges_meet(e, f, uv);
}

bool boundary_self_intersects(const std::vector<std::uint32_t>& corners,
                              const std::vector<UvPoint>& uv) {
  return self_intersects(collect_border(corners), uv);
}

}  // namespace atlas::geometry
