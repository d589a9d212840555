#include "geometry/chart_packing.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <deque>
#include <numeric>
#include <string>

namespace atlas::geometry {
namespace {

// Texels a triangle touches are found with its edges grown by this much, so the final
// UVs (floats, divided by the atlas size) cover no texel the packer did not reserve.
constexpr double kRasterMargin = 0.01;
// Where a chart's bounding box starts inside its bitmap (more than the margin, so no
// triangle touches a texel left of or below the bitmap).
constexpr double kOrigin = 0.02;
// Charts are cut before packing while a cut wastes less than this share of what the
// uncut chart's convex hull wastes.
constexpr double kPrecutGain = 0.8;
// The share of the atlas the first packing attempt aims at.
constexpr double kFirstEfficiency = 0.68;

double cross(UvPoint o, UvPoint a, UvPoint b) {
  return (a.u - o.u) * (b.v - o.v) - (a.v - o.v) * (b.u - o.u);
}

// The order the convex hull takes points in: by u, then v.
bool hull_order(UvPoint a, UvPoint b) { return a.u < b.u || (a.u == b.u && a.v < b.v); }

// Andrew's monotone chain over points already in hull_order (repeated points change
// nothing).
std::vector<UvPoint> convex_hull_of_sorted(const std::vector<UvPoint>& points) {
  if (points.size() < 3) return points;
  std::vector<UvPoint> hull(2 * points.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    while (k >= 2 && cross(hull[k - 2], hull[k - 1], points[i]) <= 0) --k;
    hull[k++] = points[i];
  }
  for (std::size_t i = points.size() - 1, lower = k + 1; i-- > 0;) {
    while (k >= lower && cross(hull[k - 2], hull[k - 1], points[i]) <= 0) --k;
    hull[k++] = points[i];
  }
  hull.resize(k - 1);
  return hull;
}

std::vector<UvPoint> convex_hull(std::vector<UvPoint> points) {
  std::sort(points.begin(), points.end(), hull_order);
  return convex_hull_of_sorted(points);
}

// Turns the chart so its minimum-area bounding rectangle is axis-aligned with the long
// side along u, and moves that rectangle's corner to the origin.
void orient(std::vector<UvPoint>& uv) {
  const std::vector<UvPoint> hull = convex_hull(uv);
  double best_area = INFINITY, best_c = 1, best_s = 0;
  for (std::size_t i = 0; i < hull.size(); ++i) {
    const UvPoint a = hull[i], b = hull[(i + 1) % hull.size()];
    const double len = std::sqrt((b.u - a.u) * (b.u - a.u) + (b.v - a.v) * (b.v - a.v));
    if (!(len > 0)) continue;
    const double c = (b.u - a.u) / len, s = (b.v - a.v) / len;
    double lo_u = INFINITY, hi_u = -INFINITY, lo_v = INFINITY, hi_v = -INFINITY;
    for (UvPoint p : hull) {
      const double u = c * p.u + s * p.v, v = -s * p.u + c * p.v;
      lo_u = std::min(lo_u, u);
      hi_u = std::max(hi_u, u);
      lo_v = std::min(lo_v, v);
      hi_v = std::max(hi_v, v);
    }
    const double area = (hi_u - lo_u) * (hi_v - lo_v);
    if (area < best_area) {
      best_area = area;
      // Long side along u: a quarter turn more when the rectangle stands upright.
      if (hi_v - lo_v > hi_u - lo_u) {
        best_c = s;
        best_s = -c;
      } else {
        best_c = c;
        best_s = s;
      }
    }
  }
  double lo_u = INFINITY, lo_v = INFINITY;
  for (UvPoint& p : uv) {
    p = {best_c * p.u + best_s * p.v, -best_s * p.u + best_c * p.v};
    lo_u = std::min(lo_u, p.u);
    lo_v = std::min(lo_v, p.v);
  }
  for (UvPoint& p : uv) p = {p.u - lo_u, p.v - lo_v};
}

class Bitmap {
 public:
  Bitmap(int width, int height)
      : width_(width),
        height_(height),
        words_((width + 63) / 64),
        bits_(static_cast<std::size_t>(words_) * static_cast<std::size_t>(height), 0) {}
  int width() const { return width_; }
  int height() const { return height_; }
  bool get(int x, int y) const { return row(y)[x >> 6] >> (x & 63) & 1; }
  void set(int x, int y) { row(y)[x >> 6] |= std::uint64_t{1} << (x & 63); }
  // Sets bits [left, right] of row y.
  void set_range(int y, int left, int right) {
    std::uint64_t* r = row(y);
    for (int w = left >> 6; w <= right >> 6; ++w) {
      const int lo = std::max(left, w * 64) - w * 64, hi = std::min(right, w * 64 + 63) - w * 64;
      const std::uint64_t mask =
          (hi == 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (hi + 1)) - 1) &
          ~((std::uint64_t{1} << lo) - 1);
      r[w] |= mask;
    }
  }
  // First set (or clear) bit at or after x in row y; words * 64 when there is none.
  int next_set(int y, int x) const { return next(y, x, 0); }
  int next_clear(int y, int x) const { return next(y, x, ~std::uint64_t{0}); }
  // Last set bit in [left, right] of row y; left - 1 when there is none.
  int last_set(int y, int left, int right) const {
    const std::uint64_t* r = row(y);
    const int first = left >> 6;
    int w = right >> 6;
    std::uint64_t bits = r[w] & (~std::uint64_t{0} >> (63 - (right & 63)));
    for (;;) {
      if (w == first) bits &= ~std::uint64_t{0} << (left & 63);
      if (bits != 0) return w * 64 + 63 - std::countl_zero(bits);
      if (w == first) return left - 1;
      bits = r[--w];
    }
  }
  int padded_width() const { return words_ * 64; }
  // Sets bit x of `fits` when texels [x + left, x + left + length - 1] of row y are all
  // clear (texels past the padded width count as set).
  void fit_positions(int y, int left, int length, std::vector<std::uint64_t>& fits) const {
    const std::uint64_t* r = row(y);
    fits.resize(static_cast<std::size_t>(words_));
    for (int w = 0; w < words_; ++w) fits[w] = ~r[w];
    // Bit p says whether `run` texels from p are clear; each pass doubles the run.
    for (int run = 1; run < length;) {
      const int step = std::min(run, length - run);
      shift_down(fits, step, true);
      run += step;
    }
    shift_down(fits, left, false);
  }

 private:
  std::uint64_t* row(int y) { return bits_.data() + static_cast<std::size_t>(y) * words_; }
  const std::uint64_t* row(int y) const {
    return bits_.data() + static_cast<std::size_t>(y) * words_;
  }
  // bits[p] = bits[p + shift], and-ed with the old bits[p] when `keep` is set; zeros
  // come in past the end. In place: each word reads only itself and later words.
  static void shift_down(std::vector<std::uint64_t>& bits, int shift, bool keep) {
    const std::size_t n = bits.size(), q = static_cast<std::size_t>(shift) >> 6;
    const int b = shift & 63;
    for (std::size_t w = 0; w < n; ++w) {
      const std::uint64_t lo = w + q < n ? bits[w + q] : 0;
      const std::uint64_t hi = w + q + 1 < n ? bits[w + q + 1] : 0;
      const std::uint64_t moved = b == 0 ? lo : (lo >> b) | (hi << (64 - b));
      bits[w] = keep ? bits[w] & moved : moved;
    }
  }
  int next(int y, int x, std::uint64_t flip) const {
    if (x >= words_ * 64) return words_ * 64;
    const std::uint64_t* r = row(y);
    int w = x >> 6;
    std::uint64_t bits = (r[w] ^ flip) & (~std::uint64_t{0} << (x & 63));
    while (bits == 0) {
      if (++w == words_) return words_ * 64;
      bits = r[w] ^ flip;
    }
    return w * 64 + std::countr_zero(bits);
  }

  int width_, height_, words_;
  std::vector<std::uint64_t> bits_;
};

// The x-extent of the triangle's part between y0 and y1; false when it has none.
bool slab_extent(const std::array<UvPoint, 3>& t, double y0, double y1, double& lo, double& hi) {
  lo = INFINITY;
  hi = -INFINITY;
  for (int k = 0; k < 3; ++k) {
    const UvPoint p = t[k], q = t[(k + 1) % 3];
    if (p.v >= y0 && p.v <= y1) {
      lo = std::min(lo, p.u);
      hi = std::max(hi, p.u);
    }
    for (double y : {y0, y1}) {
      if ((p.v - y) * (q.v - y) < 0) {
        const double x = p.u + (y - p.v) * (q.u - p.u) / (q.v - p.v);
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    }
  }
  return lo <= hi;
}

struct Span {
  int row, left, right;
};

// A chart's texels in one of four quarter turns.
struct Footprint {
  int width = 0, height = 0;
  std::vector<Span> spans;  // by row, bottom first
  std::vector<int> widest;  // per row, the longest span: the free run the row needs
  int widest_row = 0;
};

Footprint footprint_of(const Bitmap& bitmap) {
  Footprint f{bitmap.width(), bitmap.height(), {}, std::vector<int>(bitmap.height(), 0), 0};
  for (int y = 0; y < bitmap.height(); ++y) {
    for (int x = bitmap.next_set(y, 0); x < bitmap.width();) {
      const int end = std::min(bitmap.next_clear(y, x), bitmap.width());
      f.spans.push_back({y, x, end - 1});
      f.widest[y] = std::max(f.widest[y], end - x);
      x = end >= bitmap.width() ? bitmap.width() : bitmap.next_set(y, end);
    }
    if (f.widest[y] > f.widest[f.widest_row]) f.widest_row = y;
  }
  return f;
}

UvPoint turn_point(int turn, UvPoint p, int width, int height) {
  switch (turn) {
    case 1:
      return {height - p.v, p.u};
    case 2:
      return {width - p.u, height - p.v};
    case 3:
      return {p.v, width - p.u};
    default:
      return p;
  }
}

// A part of a chart packed as one: the whole chart, or a piece of it cut off to fill
// a gap no whole chart fits.
struct Piece {
  std::size_t chart = 0;
  std::vector<std::uint32_t> triangles;  // the chart's triangle ids
  std::vector<std::uint32_t> vertices;   // the chart vertex each piece vertex copies
  std::vector<std::uint32_t> corners;    // 3 piece vertices per triangle
  std::vector<UvPoint> uv;               // oriented by orient()
  double area = 0;
};

double piece_area(const Piece& piece) {
  double area = 0;
  for (std::size_t c = 0; c + 2 < piece.corners.size(); c += 3) {
    area += std::abs(uv_area(piece.uv[piece.corners[c]], piece.uv[piece.corners[c + 1]],
                             piece.uv[piece.corners[c + 2]]));
  }
  return area;
}

Piece whole_chart(const PackingChart& chart, std::size_t index) {
  Piece piece;
  piece.chart = index;
  piece.triangles.resize(chart.corners.size() / 3);
  std::iota(piece.triangles.begin(), piece.triangles.end(), 0u);
  piece.vertices.resize(chart.uv.size());
  std::iota(piece.vertices.begin(), piece.vertices.end(), 0u);
  piece.corners.assign(chart.corners.begin(), chart.corners.end());
  piece.uv = chart.uv;
  orient(piece.uv);
  piece.area = piece_area(piece);
  return piece;
}

double polygon_area(const std::vector<UvPoint>& hull) {
  double area = 0;
  for (std::size_t k = 1; k + 1 < hull.size(); ++k) area += cross(hull[0], hull[k], hull[k + 1]);
  return 0.5 * area;
}

// The piece's interior edges: the two faces on either side and the edge's UV length.
struct InnerEdge {
  std::uint32_t a, b;  // faces
  std::uint32_t p, q;  // vertices
  double length;
};

std::vector<InnerEdge> inner_edges(const Piece& piece) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> half_edges;
  half_edges.reserve(piece.corners.size());
  for (std::uint32_t c = 0; c < piece.corners.size(); ++c) {
    const std::uint64_t a = piece.corners[c], b = piece.corners[c / 3 * 3 + (c % 3 + 1) % 3];
    half_edges.push_back({std::min(a, b) << 32 | std::max(a, b), c / 3});
  }
  std::sort(half_edges.begin(), half_edges.end());
  std::vector<InnerEdge> edges;
  for (std::size_t i = 1; i < half_edges.size(); ++i) {
    if (half_edges[i - 1].first != half_edges[i].first) continue;
    const auto p = static_cast<std::uint32_t>(half_edges[i].first >> 32);
    const auto q = static_cast<std::uint32_t>(half_edges[i].first & 0xffffffffu);
    const UvPoint a = piece.uv[p], b = piece.uv[q];
    edges.push_back({half_edges[i - 1].second, half_edges[i].second, p, q,
                     std::sqrt((b.u - a.u) * (b.u - a.u) + (b.v - a.v) * (b.v - a.v))});
  }
  return edges;
}

// The edge-connected parts of each side of a cut (side: 0 or 1 a face), as new pieces,
// largest first.
std::vector<Piece> split_by_side(const Piece& piece, const std::vector<std::uint8_t>& side,
                                 const std::vector<InnerEdge>& edges) {
  const std::size_t m = piece.triangles.size();
  std::vector<std::uint32_t> parent(m);
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const InnerEdge& e : edges) {
    if (side[e.a] != side[e.b]) continue;
    const std::uint32_t ra = find(e.a), rb = find(e.b);
    if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
  }
  std::vector<std::uint32_t> part_of(m, 0xffffffffu);
  std::vector<Piece> parts;
  std::vector<std::uint32_t> local(piece.uv.size());
  std::vector<std::uint32_t> stamp(piece.uv.size(), 0xffffffffu);
  for (std::uint32_t t = 0; t < m; ++t) {
    const std::uint32_t root = find(t);
    if (part_of[root] == 0xffffffffu) {
      part_of[root] = static_cast<std::uint32_t>(parts.size());
      parts.emplace_back();
      parts.back().chart = piece.chart;
    }
    const std::uint32_t p = part_of[root];
    Piece& part = parts[p];
    part.triangles.push_back(piece.triangles[t]);
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t v = piece.corners[3 * t + k];
      if (stamp[v] != p) {
        stamp[v] = p;
        local[v] = static_cast<std::uint32_t>(part.vertices.size());
        part.vertices.push_back(piece.vertices[v]);
        part.uv.push_back(piece.uv[v]);
      }
      part.corners.push_back(local[v]);
    }
  }
  for (Piece& part : parts) {
    orient(part.uv);
    part.area = piece_area(part);
  }
  std::sort(parts.begin(), parts.end(),
            [](const Piece& a, const Piece& b) { return a.area > b.area; });
  return parts;
}

// Texels a piece wastes at `scale`: its convex hull beyond its own area, the atlas space
// other pieces can rarely use.
double hull_waste(const Piece& piece, double scale) {
  return (polygon_area(convex_hull(piece.uv)) - piece.area) * scale * scale;
}

struct Cut {
  std::vector<std::uint8_t> side;
  double waste = INFINITY;  // the parts' hull waste plus the new gutters along the cut
};

// The straight cut (four directions, five area quantiles) that wastes least: what the
// parts' hulls leave empty plus a gutter on both sides of the cut, in texels at `scale`.
Cut best_cut(const Piece& piece, const std::vector<InnerEdge>& edges, double scale, int gutter) {
  const std::size_t m = piece.triangles.size();
  std::vector<UvPoint> centre(m);
  std::vector<double> area(m);
  for (std::size_t t = 0; t < m; ++t) {
    const UvPoint a = piece.uv[piece.corners[3 * t]], b = piece.uv[piece.corners[3 * t + 1]],
                  c = piece.uv[piece.corners[3 * t + 2]];
    centre[t] = {(a.u + b.u + c.u) / 3, (a.v + b.v + c.v) / 3};
    area[t] = std::abs(uv_area(a, b, c));
  }
  // A side's hull is the hull of its vertices on the piece's border or on the cut.
  std::vector<std::uint8_t> border(piece.uv.size(), 1);
  {
    std::vector<int> inner_count(piece.uv.size(), 0), corner_count(piece.uv.size(), 0);
    for (std::uint32_t v : piece.corners) ++corner_count[v];
    for (const InnerEdge& e : edges) {
      ++inner_count[e.p];
      ++inner_count[e.q];
    }
    // An interior vertex has as many interior edges as face corners.
    for (std::size_t v = 0; v < border.size(); ++v) border[v] = inner_count[v] < corner_count[v];
  }
  // The vertices in hull order once, so each side's hull points come out sorted.
  std::vector<std::uint32_t> in_hull_order(piece.uv.size());
  std::iota(in_hull_order.begin(), in_hull_order.end(), 0u);
  std::sort(in_hull_order.begin(), in_hull_order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return hull_order(piece.uv[a], piece.uv[b]); });
  std::vector<std::uint8_t> sides_of(piece.uv.size());  // bit s: a corner on side s
  std::vector<std::uint8_t> on_cut(piece.uv.size(), 0);
  Cut best;
  std::vector<std::uint32_t> order(m);
  std::vector<double> key(m);
  std::vector<UvPoint> points[2];
  for (int direction = 0; direction < 4; ++direction) {
    const double angle = direction * 3.14159265358979 / 4;
    const double du = std::cos(angle), dv = std::sin(angle);
    for (std::size_t t = 0; t < m; ++t) key[t] = centre[t].u * du + centre[t].v * dv;
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return key[a] < key[b]; });
    for (double quantile : {0.25, 0.35, 0.5, 0.65, 0.75}) {
      std::vector<std::uint8_t> side(m, 1);
      double sum = 0;
      std::size_t first = 0;
      for (; first + 1 < m && sum < quantile * piece.area; ++first) {
        side[order[first]] = 0;
        sum += area[order[first]];
      }
      if (first == 0) continue;
      double cut_length = 0;
      for (const InnerEdge& e : edges) {
        if (side[e.a] == side[e.b]) continue;
        cut_length += e.length;
        on_cut[e.p] = on_cut[e.q] = 1;
      }
      double side_area[2] = {0, 0};
      std::fill(sides_of.begin(), sides_of.end(), 0);
      for (std::size_t t = 0; t < m; ++t) {
        side_area[side[t]] += area[t];
        for (int k = 0; k < 3; ++k) sides_of[piece.corners[3 * t + k]] |= 1 << side[t];
      }
      points[0].clear();
      points[1].clear();
      for (std::uint32_t v : in_hull_order) {
        if (!border[v] && !on_cut[v]) continue;
        for (int s = 0; s < 2; ++s) {
          if (sides_of[v] >> s & 1) points[s].push_back(piece.uv[v]);
        }
      }
      for (const InnerEdge& e : edges) on_cut[e.p] = on_cut[e.q] = 0;
      const double waste = (polygon_area(convex_hull_of_sorted(points[0])) - side_area[0] +
                            polygon_area(convex_hull_of_sorted(points[1])) - side_area[1]) *
                               scale * scale +
                           2.0 * gutter * cut_length * scale;
      if (waste < best.waste) {
        best.waste = waste;
        best.side = std::move(side);
      }
    }
  }
  return best;
}

// Cuts a piece in two (or more, where a side falls apart) at its best straight cut.
std::vector<Piece> cut_piece(const Piece& piece, double scale, int gutter) {
  if (piece.triangles.size() < 2) return {};
  const std::vector<InnerEdge> edges = inner_edges(piece);
  const Cut cut = best_cut(piece, edges, scale, gutter);
  if (cut.side.empty()) return {};
  return split_by_side(piece, cut.side, edges);
}

// Cuts branching and hollow charts before packing, while a cut saves more atlas space
// (hull waste) than its gutters cost at the expected scale.
std::vector<Piece> precut(Piece piece, double scale, int gutter, int depth) {
  if (depth == 0 || piece.triangles.size() < 8) return {std::move(piece)};
  const std::vector<InnerEdge> edges = inner_edges(piece);
  const Cut cut = best_cut(piece, edges, scale, gutter);
  if (cut.side.empty() || !(cut.waste < kPrecutGain * hull_waste(piece, scale)))
    return {std::move(piece)};
  std::vector<Piece> result;
  for (Piece& part : split_by_side(piece, cut.side, edges)) {
    for (Piece& p : precut(std::move(part), scale, gutter, depth - 1))
      result.push_back(std::move(p));
  }
  return result;
}

std::array<Footprint, 4> footprints(const Piece& chart, double scale) {
  double max_u = 0, max_v = 0;
  for (UvPoint p : chart.uv) {
    max_u = std::max(max_u, p.u);
    max_v = std::max(max_v, p.v);
  }
  const int width = static_cast<int>(max_u * scale + kOrigin + kRasterMargin) + 1;
  const int height = static_cast<int>(max_v * scale + kOrigin + kRasterMargin) + 1;
  Bitmap bitmap(width, height);
  for (std::size_t c = 0; c + 2 < chart.corners.size(); c += 3) {
    std::array<UvPoint, 3> t;
    for (int k = 0; k < 3; ++k) {
      const UvPoint p = chart.uv[chart.corners[c + k]];
      t[k] = {p.u * scale + kOrigin, p.v * scale + kOrigin};
    }
    const double lo_v = std::min({t[0].v, t[1].v, t[2].v});
    const double hi_v = std::max({t[0].v, t[1].v, t[2].v});
    const int y0 = std::max(0, static_cast<int>(std::floor(lo_v - kRasterMargin)));
    const int y1 = std::min(height - 1, static_cast<int>(std::floor(hi_v + kRasterMargin)));
    for (int y = y0; y <= y1; ++y) {
      double lo, hi;
      if (!slab_extent(t, y - kRasterMargin, y + 1 + kRasterMargin, lo, hi)) continue;
      const int x0 = std::max(0, static_cast<int>(std::floor(lo - kRasterMargin)));
      const int x1 = std::min(width - 1, static_cast<int>(std::floor(hi + kRasterMargin)));
      if (x0 <= x1) bitmap.set_range(y, x0, x1);
    }
  }
  std::array<Footprint, 4> result;
  result[0] = footprint_of(bitmap);
  // A quarter turn counter-clockwise moves texel (x, y) to (height - 1 - y, x).
  Bitmap quarter(height, width);
  for (const Span& s : result[0].spans) {
    for (int x = s.left; x <= s.right; ++x) quarter.set(height - 1 - s.row, x);
  }
  result[1] = footprint_of(quarter);
  // The other two are half turns of these, which take spans to spans.
  for (int turn = 2; turn < 4; ++turn) {
    const Footprint& from = result[turn - 2];
    Bitmap half(from.width, from.height);
    for (const Span& s : from.spans) {
      half.set_range(from.height - 1 - s.row, from.width - 1 - s.right, from.width - 1 - s.left);
    }
    result[turn] = footprint_of(half);
  }
  return result;
}

// The atlas as a bitmap of reserved texels: the border band and every placed chart's
// texels grown by the gutter.
class AtlasBitmap {
 public:
  AtlasBitmap(int size, int gutter) : size_(size), gutter_(gutter), bits_(size, size) {
    for (int y = 0; y < size; ++y) {
      if (y < gutter || y >= size - gutter) {
        bits_.set_range(y, 0, bits_.padded_width() - 1);
        continue;
      }
      if (gutter > 0) {
        bits_.set_range(y, 0, gutter - 1);
        bits_.set_range(y, size - gutter, size - 1);
      }
      if (bits_.padded_width() > size) bits_.set_range(y, size, bits_.padded_width() - 1);
    }
    longest_.resize(size);
    for (int y = 0; y < size; ++y) longest_[y] = longest_run(y);
  }

  // The lowest, then leftmost, position where the footprint touches no reserved texel,
  // considering only positions whose top is at most max_top. Searches of other turns
  // may lower max_top meanwhile, and it is read again for every row.
  bool find(const Footprint& f, const std::atomic<int>& max_top, int& out_x, int& out_y) const {
    if (f.spans.empty()) return false;
    std::size_t hint = 0;
    int short_row = f.widest_row;
    // Only positions where the longest span fits in its row are checked further.
    const Span& key = *std::max_element(f.spans.begin(), f.spans.end(), [](Span a, Span b) {
      return a.right - a.left < b.right - b.left;
    });
    std::vector<std::uint64_t> fits;
    for (int y = 0; y + f.height <= std::min(max_top.load(std::memory_order_relaxed), size_); ++y) {
      // Rows without a free run as long as the footprint's row need no scan.
      if (longest_[y + short_row] < f.widest[short_row]) continue;
      bool possible = true;
      for (int r = 0; r < f.height && possible; ++r) {
        if (longest_[y + r] < f.widest[r]) {
          short_row = r;
          possible = false;
        }
      }
      if (!possible) continue;
      bits_.fit_positions(y + key.row, key.left, key.right - key.left + 1, fits);
      int x = next_fit(fits, 0);
      while (x + f.width <= size_) {
        // The span that blocked last is checked first: it usually blocks again. A
        // blocked span moves on past the run holding its last reserved texel, all at
        // once: every position skipped still covers a reserved texel, so neither this
        // nor the order of the checks changes the result.
        std::size_t k = hint, checked = 0;
        for (; checked < f.spans.size(); ++checked) {
          const Span& s = f.spans[k];
          const int hit = bits_.last_set(y + s.row, x + s.left, x + s.right);
          if (hit >= x + s.left) {
            x = next_fit(fits, bits_.next_clear(y + s.row, hit) - s.left);
            hint = k;
            break;
          }
          if (++k == f.spans.size()) k = 0;
        }
        if (checked == f.spans.size()) {
          out_x = x;
          out_y = y;
          return true;
        }
      }
    }
    return false;
  }

  void reserve(const Footprint& f, int x, int y) {
    for (const Span& s : f.spans) {
      const int left = std::max(0, x + s.left - gutter_);
      const int right = std::min(size_ - 1, x + s.right + gutter_);
      for (int r = std::max(0, y + s.row - gutter_); r <= std::min(size_ - 1, y + s.row + gutter_);
           ++r) {
        bits_.set_range(r, left, right);
      }
    }
    const int last = std::min(size_ - 1, y + f.height - 1 + gutter_);
    for (int r = std::max(0, y - gutter_); r <= last; ++r) longest_[r] = longest_run(r);
  }

 private:
  // The first position at or after x whose bit is set in fits; past the atlas when none.
  int next_fit(const std::vector<std::uint64_t>& fits, int x) const {
    std::size_t w = static_cast<std::size_t>(x) >> 6;
    if (w >= fits.size()) return bits_.padded_width();
    std::uint64_t bits = fits[w] & (~std::uint64_t{0} << (x & 63));
    while (bits == 0) {
      if (++w == fits.size()) return bits_.padded_width();
      bits = fits[w];
    }
    return static_cast<int>(w * 64) + std::countr_zero(bits);
  }

  int longest_run(int y) const {
    int longest = 0;
    for (int x = bits_.next_clear(y, 0); x < size_;) {
      const int end = std::min(bits_.next_set(y, x), size_);
      longest = std::max(longest, end - x);
      x = end >= size_ ? size_ : bits_.next_clear(y, end);
    }
    return longest;
  }

  int size_, gutter_;
  Bitmap bits_;
  std::vector<int> longest_;  // per row, the longest run of free texels
};

struct Placement {
  int turn = 0, x = 0, y = 0, width = 0, height = 0;
};

struct Probe {
  bool fits = false;
  double placed_area = 0;  // share of the total chart area placed before one did not fit
  std::vector<Piece> cut;  // pieces cut during the probe, numbered after the charts
  std::vector<std::pair<std::size_t, Placement>> placed;
};

// Packs at one scale: pieces largest first, each at the lowest (then leftmost) place in
// the turn that keeps its top lowest. A piece that fits nowhere is halved while the
// budget of cuts lasts.
Probe probe(const std::vector<Piece>& pieces, double total_area, double scale,
            const PackingOptions& options) {
  std::vector<std::array<Footprint, 4>> prints(pieces.size());
  tbb::parallel_for(std::size_t{0}, pieces.size(),
                    [&](std::size_t i) { prints[i] = footprints(pieces[i], scale); });
  AtlasBitmap atlas(options.size, options.gutter);
  Probe result;
  std::deque<std::size_t> queue(pieces.size());
  std::iota(queue.begin(), queue.end(), std::size_t{0});
  int cuts_left = options.max_cuts;
  while (!queue.empty()) {
    const std::size_t id = queue.front();
    queue.pop_front();
    const Piece& piece = id < pieces.size() ? pieces[id] : result.cut[id - pieces.size()];
    const auto& turns = prints[id];
    // The four turns are searched in parallel; each prunes with the lowest top found so
    // far, which never discards the winner, so the choice does not depend on timing.
    std::atomic<int> bound{options.size + 1};
    std::array<Placement, 4> found;
    std::array<int, 4> tops;
    tbb::parallel_for(0, 4, [&](int turn) {
      const Footprint& f = turns[turn];
      int x, y;
      tops[turn] = options.size + 1;
      if (!atlas.find(f, bound, x, y)) return;
      tops[turn] = y + f.height;
      found[turn] = {turn, x, y, f.width, f.height};
      int current = bound.load();
      while (tops[turn] < current && !bound.compare_exchange_weak(current, tops[turn])) {
      }
    });
    Placement best;
    int best_top = options.size + 1;
    for (int turn = 0; turn < 4; ++turn) {
      if (tops[turn] < best_top || (tops[turn] == best_top && found[turn].x < best.x)) {
        best_top = tops[turn];
        best = found[turn];
      }
    }
    if (best_top <= options.size) {
      atlas.reserve(turns[best.turn], best.x, best.y);
      result.placed.push_back({id, best});
      result.placed_area += piece.area / total_area;
      continue;
    }
    if (cuts_left <= 0 || piece.triangles.size() < 2) return result;
    std::vector<Piece> parts = cut_piece(piece, scale, options.gutter);
    if (parts.size() < 2) return result;
    --cuts_left;
    for (std::size_t p = parts.size(); p-- > 0;) {
      prints.push_back(footprints(parts[p], scale));
      result.cut.push_back(std::move(parts[p]));
      queue.push_front(pieces.size() + result.cut.size() - 1);
    }
  }
  result.fits = true;
  return result;
}

}  // namespace

Result<PackingResult> pack_charts(const std::vector<PackingChart>& charts,
                                  const PackingOptions& options) {
  if (options.size < 1 || options.gutter < 0 || options.size <= 2 * options.gutter) {
    return make_error("atlas of " + std::to_string(options.size) + " texels cannot hold " +
                      std::to_string(options.gutter) + "-texel gutters");
  }
  if (charts.empty()) return PackingResult{};
  // Each chart takes at least one texel and its gutter.
  const double usable = options.size - 2.0 * options.gutter;
  const double cell = options.gutter + 1.0;
  if (static_cast<double>(charts.size()) * cell * cell >
      (usable + options.gutter) * (usable + options.gutter)) {
    return make_error(std::to_string(charts.size()) + " charts do not fit a " +
                      std::to_string(options.size) + "-texel atlas with " +
                      std::to_string(options.gutter) + "-texel gutters");
  }

  std::vector<Piece> whole(charts.size());
  tbb::parallel_for(std::size_t{0}, charts.size(),
                    [&](std::size_t i) { whole[i] = whole_chart(charts[i], i); });
  double chart_area = 0;
  for (const Piece& piece : whole) chart_area += piece.area;
  const double expected_scale = options.size * std::sqrt(0.65 / chart_area);
  std::vector<std::vector<Piece>> precuts(whole.size());
  tbb::parallel_for(std::size_t{0}, whole.size(), [&](std::size_t i) {
    precuts[i] = precut(std::move(whole[i]), expected_scale, options.gutter, options.precut_depth);
  });
  std::vector<Piece> pieces;
  for (auto& list : precuts) {
    for (Piece& piece : list) pieces.push_back(std::move(piece));
  }
  std::stable_sort(pieces.begin(), pieces.end(),
                   [](const Piece& a, const Piece& b) { return a.area > b.area; });
  double total_area = 0;
  for (const Piece& piece : pieces) total_area += piece.area;
  if (!(total_area > 0) || !std::isfinite(total_area)) {
    return make_error("the charts have no area to pack");
  }

  // Search the efficiency (the scale squared) for the largest that fits: first-fit
  // packing is not monotonic in scale, so this finds a good scale, not the best.
  const double side = options.size;
  auto scale_for = [&](double efficiency) { return side * std::sqrt(efficiency / total_area); };
  double fits = 0, fails = 1.0;
  double efficiency = kFirstEfficiency;
  Probe best;
  for (int attempt = 0; attempt < 48; ++attempt) {
    Probe p = probe(pieces, total_area, scale_for(efficiency), options);
    if (p.fits) {
      fits = efficiency;
      best = std::move(p);
    } else {
      fails = efficiency;
    }
    if (fits > 0 && fails < 1.01 * fits) break;
    if (fits > 0 && fails < 1) {
      efficiency = std::sqrt(fits * fails);
    } else if (fits > 0) {
      efficiency = std::min(0.99, efficiency * 1.06);
    } else {
      efficiency *= std::clamp(p.placed_area, 0.3, 0.92);
    }
  }
  if (!best.fits) {
    return make_error(std::to_string(charts.size()) + " charts do not fit a " +
                      std::to_string(options.size) + "-texel atlas");
  }

  const double scale = scale_for(fits);
  PackingResult result{fits, scale, {}};
  result.pieces.reserve(best.placed.size());
  for (const auto& [id, at] : best.placed) {
    Piece& piece = id < pieces.size() ? pieces[id] : best.cut[id - pieces.size()];
    // The bitmap's own size before the turn.
    const int width = at.turn % 2 ? at.height : at.width;
    const int height = at.turn % 2 ? at.width : at.height;
    for (UvPoint& p : piece.uv) {
      const UvPoint local =
          turn_point(at.turn, {p.u * scale + kOrigin, p.v * scale + kOrigin}, width, height);
      p = {local.u + at.x, local.v + at.y};
    }
    result.pieces.push_back({piece.chart, std::move(piece.triangles), std::move(piece.vertices),
                             std::move(piece.corners), std::move(piece.uv)});
  }
  return result;
}

}  // namespace atlas::geometry
