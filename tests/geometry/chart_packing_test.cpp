#include "geometry/chart_packing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace atlas::geometry {
namespace {

struct Shape {
  std::vector<UvPoint> uv;
  std::vector<std::uint32_t> corners;
};

// A closed polygon fan around its first point (counter-clockwise).
Shape polygon(const std::vector<UvPoint>& outline) {
  Shape shape;
  UvPoint centre{0, 0};
  for (UvPoint p : outline)
    centre = {centre.u + p.u / outline.size(), centre.v + p.v / outline.size()};
  shape.uv.push_back(centre);
  shape.uv.insert(shape.uv.end(), outline.begin(), outline.end());
  for (std::uint32_t k = 0; k < outline.size(); ++k) {
    shape.corners.insert(shape.corners.end(),
                         {0, 1 + k, 1 + (k + 1) % std::uint32_t(outline.size())});
  }
  return shape;
}

Shape rectangle(double w, double h) { return polygon({{0, 0}, {w, 0}, {w, h}, {0, h}}); }

// An L: a square with a quarter cut away, which packs badly whole.
Shape ell(double s) {
  Shape shape;
  shape.uv = {{0, 0}, {s, 0}, {s, s / 2}, {s / 2, s / 2}, {s / 2, s}, {0, s}, {0, s / 2}};
  shape.corners = {0, 1, 2, 0, 2, 3, 0, 3, 6, 6, 3, 4, 6, 4, 5};
  return shape;
}

bool texel_meets(int x, int y, UvPoint a, UvPoint b, UvPoint c) {
  const UvPoint p[3] = {a, b, c};
  for (int axis = 0; axis < 2; ++axis) {
    const double lo = std::min({axis ? a.v : a.u, axis ? b.v : b.u, axis ? c.v : c.u});
    const double hi = std::max({axis ? a.v : a.u, axis ? b.v : b.u, axis ? c.v : c.u});
    const int at = axis ? y : x;
    if (at + 1 < lo || at > hi) return false;
  }
  for (int k = 0; k < 3; ++k) {
    const UvPoint e0 = p[k], e1 = p[(k + 1) % 3], o = p[(k + 2) % 3];
    const double nx = -(e1.v - e0.v), ny = e1.u - e0.u;
    const double side = nx * (o.u - e0.u) + ny * (o.v - e0.v);
    if (side == 0) continue;
    double best = -INFINITY;
    for (int corner = 0; corner < 4; ++corner) {
      const double cx = x + (corner & 1), cy = y + (corner >> 1);
      best = std::max(best, (side > 0 ? 1 : -1) * (nx * (cx - e0.u) + ny * (cy - e0.v)));
    }
    if (best < 0) return false;
  }
  return true;
}

// Rasterises every piece conservatively; fails on texels shared by pieces, pieces
// closer than the gutter or touching the border band. Returns the covered area share.
double check_layout(const PackingResult& result, int size, int gutter) {
  std::vector<int> owner(std::size_t(size) * size, -1);
  double area = 0;
  for (std::size_t p = 0; p < result.pieces.size(); ++p) {
    const PackedPiece& piece = result.pieces[p];
    for (std::size_t c = 0; c < piece.corners.size(); c += 3) {
      const UvPoint a = piece.uv[piece.corners[c]], b = piece.uv[piece.corners[c + 1]],
                    d = piece.uv[piece.corners[c + 2]];
      const double twice = (b.u - a.u) * (d.v - a.v) - (d.u - a.u) * (b.v - a.v);
      EXPECT_GT(twice, 0) << "piece " << p << " face " << c / 3 << " flipped";
      area += 0.5 * twice;
      const int x0 = std::max(0, int(std::floor(std::min({a.u, b.u, d.u}))) - 1);
      const int x1 = std::min(size - 1, int(std::floor(std::max({a.u, b.u, d.u}))));
      const int y0 = std::max(0, int(std::floor(std::min({a.v, b.v, d.v}))) - 1);
      const int y1 = std::min(size - 1, int(std::floor(std::max({a.v, b.v, d.v}))));
      for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) {
          if (!texel_meets(x, y, a, b, d)) continue;
          int& o = owner[std::size_t(y) * size + x];
          EXPECT_TRUE(o == -1 || o == int(p)) << "texel " << x << "," << y;
          o = int(p);
        }
      }
    }
  }
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const int o = owner[std::size_t(y) * size + x];
      if (o < 0) continue;
      EXPECT_TRUE(x >= gutter && y >= gutter && x < size - gutter && y < size - gutter);
      for (int dy = -gutter; dy <= gutter; ++dy) {
        for (int dx = -gutter; dx <= gutter; ++dx) {
          const int xx = x + dx, yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= size || yy >= size) continue;
          const int other = owner[std::size_t(yy) * size + xx];
          if (other >= 0 && other != o) {
            ADD_FAILURE() << "pieces " << o << " and " << other << " closer than the gutter";
            return 0;
          }
        }
      }
    }
  }
  return area / (double(size) * size);
}

std::vector<PackingChart> as_charts(const std::vector<Shape>& shapes) {
  std::vector<PackingChart> charts;
  for (const Shape& shape : shapes) charts.push_back({shape.uv, shape.corners});
  return charts;
}

TEST(ChartPacking, PacksRectanglesTightlyWithGutters) {
  std::vector<Shape> shapes;
  for (int i = 0; i < 40; ++i) shapes.push_back(rectangle(1 + (i % 7) * 0.5, 1 + (i % 5) * 0.3));
  const Result<PackingResult> packed = pack_charts(as_charts(shapes), {256, 4, 0});
  ASSERT_TRUE(packed.ok()) << packed.error().message;
  EXPECT_EQ(packed->pieces.size(), shapes.size());
  const double covered = check_layout(*packed, 256, 4);
  EXPECT_NEAR(covered, packed->efficiency, 1e-9);
  EXPECT_GT(packed->efficiency, 0.55);
  // One density: every piece keeps its area ratio to the others.
  for (const PackedPiece& piece : packed->pieces) {
    double area = 0;
    for (std::size_t c = 0; c < piece.corners.size(); c += 3) {
      area += uv_area(piece.uv[piece.corners[c]], piece.uv[piece.corners[c + 1]],
                      piece.uv[piece.corners[c + 2]]);
    }
    double original = 0;
    const Shape& shape = shapes[piece.chart];
    for (std::size_t c = 0; c < shape.corners.size(); c += 3) {
      original += uv_area(shape.uv[shape.corners[c]], shape.uv[shape.corners[c + 1]],
                          shape.uv[shape.corners[c + 2]]);
    }
    EXPECT_NEAR(area / original, packed->texels_per_unit * packed->texels_per_unit,
                1e-6 * area / original);
  }
}

TEST(ChartPacking, CutsPiecesToFillGapsWhenAllowed) {
  std::vector<Shape> shapes;
  for (int i = 0; i < 12; ++i) {
    shapes.push_back(i % 2 ? ell(2 + i * 0.1) : rectangle(2.5, 0.8 + 0.1 * i));
  }
  const Result<PackingResult> whole = pack_charts(as_charts(shapes), {256, 4, 0, 0});
  const Result<PackingResult> cut = pack_charts(as_charts(shapes), {256, 4, 32, 5});
  ASSERT_TRUE(whole.ok() && cut.ok());
  EXPECT_EQ(whole->pieces.size(), shapes.size());
  check_layout(*whole, 256, 4);
  check_layout(*cut, 256, 4);
  EXPECT_GE(cut->efficiency, whole->efficiency);
  // Every face of every chart is in exactly one piece.
  std::set<std::pair<std::size_t, std::uint32_t>> faces;
  for (const PackedPiece& piece : cut->pieces) {
    for (std::uint32_t t : piece.triangles) EXPECT_TRUE(faces.insert({piece.chart, t}).second);
  }
  std::size_t total = 0;
  for (const Shape& shape : shapes) total += shape.corners.size() / 3;
  EXPECT_EQ(faces.size(), total);
}

TEST(ChartPacking, RefusesWhatCannotFit) {
  std::vector<Shape> shapes(2000, rectangle(1, 1));
  const Result<PackingResult> crowded = pack_charts(as_charts(shapes), {64, 4, 0});
  EXPECT_FALSE(crowded.ok());
  EXPECT_FALSE(pack_charts(as_charts({rectangle(1, 1)}), {8, 4, 0}).ok());
  EXPECT_FALSE(pack_charts(as_charts({rectangle(1, 1)}), {64, -1, 0}).ok());
  const Result<PackingResult> nothing = pack_charts({}, {64, 4, 0});
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->pieces.empty());
}

}  // namespace
}  // namespace atlas::geometry
