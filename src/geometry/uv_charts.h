#pragma once
// Cutting a triangle surface into charts for UV unwrapping (part of uv_atlas): the
// surface's topology over welded positions, chart growing, chart splitting, and the
// per-chart mesh whose vertices a parametrisation solves for.

#include <array>
#include <cstdint>
#include <vector>

#include "asset/math.h"

namespace atlas::geometry {

inline constexpr std::uint32_t kNoTriangle = 0xffffffffu;

// The triangles of a primitive over welded positions (vertices with bit-identical
// positions are one point, so attribute seams in the input do not cut charts).
struct ChartSurface {
  std::vector<Vec3> points;
  std::vector<std::uint32_t> vertex_point;              // input vertex -> point
  std::vector<std::array<std::uint32_t, 3>> triangles;  // point ids, input order
  // The triangle across edge (corner k, corner k+1), or kNoTriangle when that edge is a
  // border, a sharp fold, or joins faces of opposite winding. At an edge of more than two
  // faces the flattest pairs are neighbours.
  std::vector<std::array<std::uint32_t, 3>> neighbours;
  // Where edge k has no neighbour: a face running the other way along it that was not
  // joined (folded sharply back, or left over at a non-manifold edge), or kNoTriangle.
  // Charts never grow across folds; a tiny chart may be attached across one.
  std::vector<std::array<std::uint32_t, 3>> folds;
  std::vector<Vec3> normals;  // unit; zero for degenerate triangles
  std::vector<double> areas;  // zero for degenerate triangles
  std::vector<Vec3> centroids;

  std::size_t triangle_count() const { return triangles.size(); }
  // Degenerate triangles (a repeated point, or too thin to have a stable normal) belong
  // to no chart and never join two faces.
  bool degenerate(std::uint32_t triangle) const { return !(areas[triangle] > 0); }
};

// Precondition: indices.size() % 3 == 0, every index < positions.size(), every
// position finite.
ChartSurface build_chart_surface(const std::vector<Vec3>& positions,
                                 const std::vector<std::uint32_t>& indices);

struct ChartingOptions {
  // A chart takes no face whose normal is further than this from the chart's mean
  // normal: it bounds the curvature one flattening has to absorb.
  float max_normal_angle_degrees = 70;
  // Rounds of moving each seed to its chart's centre and regrowing, for rounder charts.
  int relocation_rounds = 2;
  // Charts with less than this share of the surface's area are dissolved into their
  // neighbours: each chart costs a gutter all round in the atlas.
  double min_chart_area_share = 0.002;
};

// Partitions the non-degenerate triangles into connected charts (lists of triangle
// ids, each connected across neighbours). Degenerate triangles are in no chart.
std::vector<std::vector<std::uint32_t>> grow_charts(const ChartSurface& surface,
                                                    const ChartingOptions& options = {});

// Splits a connected chart of at least two triangles into connected parts (two,
// unless the input was not connected), growing them from its two most distant faces.
std::vector<std::vector<std::uint32_t>> split_chart(const ChartSurface& surface,
                                                    const std::vector<std::uint32_t>& chart);

// A chart as a mesh of its own: a chart vertex is one point together with the chart's
// faces around it that are joined across chart edges, so a point where the chart
// touches itself only at a vertex (or across a non-manifold edge) becomes several
// chart vertices. A chart with holes (or handles) is cut open along the shortest edges
// that make it a disc; the cut's vertices are then several chart vertices too.
struct ChartMesh {
  std::vector<std::uint32_t> triangles;      // surface triangle ids, the chart's order
  std::vector<std::uint32_t> vertex_points;  // chart vertex -> surface point
  std::vector<std::uint32_t> corners;        // 3 chart vertices per triangle
  int boundary_loops = 0;
  bool connected_manifold = false;
  // Connected, one boundary loop and Euler characteristic 1: a topological disc, which
  // a conformal map can flatten. False for closed pieces, which must be split.
  bool disc = false;
};

ChartMesh build_chart_mesh(const ChartSurface& surface, const std::vector<std::uint32_t>& chart);

}  // namespace atlas::geometry
