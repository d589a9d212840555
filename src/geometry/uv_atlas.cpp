#include "geometry/uv_atlas.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "geometry/chart_flattening.h"
#include "geometry/chart_packing.h"
#include "geometry/lscm.h"
#include "geometry/uv_charts.h"

namespace atlas::geometry {
namespace {

// Charts below this share of the surface's area are merged into a neighbour when the
// union flattens well; charts of at most this many faces are glued onto a neighbour.
constexpr double kSmallChartShare = 0.01;
constexpr std::size_t kTinyChartFaces = 4;
// Packing may cut a chart into pieces (each cut a seam) to fill the atlas: branching
// charts before packing, up to this many cuts deep, and then a quarter of the charts'
// count more where nothing else fits.
constexpr int kPrecutDepth = 5;

std::string check_input(const Primitive& mesh, const UnwrapOptions& options) {
  if (options.texture_size < 16 || options.texture_size > 16384) {
    return "texture size " + std::to_string(options.texture_size) + " is not in 16..16384";
  }
  if (options.gutter_texels < 0 || 4 * options.gutter_texels >= options.texture_size) {
    return "a gutter of " + std::to_string(options.gutter_texels) + " texels does not suit a " +
           std::to_string(options.texture_size) + "-texel atlas";
  }
  if (!(options.max_stretch >= 1) || !std::isfinite(options.max_stretch)) {
    return "max stretch must be a number >= 1";
  }
  const std::size_t n = mesh.positions.size();
  if (mesh.indices.empty()) return "the mesh has no triangles";
  if (mesh.indices.size() % 3 != 0) return "the index count is not a multiple of 3";
  for (std::size_t i = 0; i < mesh.indices.size(); ++i) {
    if (mesh.indices[i] >= n) return "index " + std::to_string(i) + " is out of range";
  }
  for (std::size_t v = 0; v < n; ++v) {
    const Vec3 p = mesh.positions[v];
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.z)) {
      return "vertex " + std::to_string(v) + " has a non-finite position";
    }
  }
  auto bad_size = [n](std::size_t size) { return size != 0 && size != n; };
  if (bad_size(mesh.normals.size()) || bad_size(mesh.tangents.size()) ||
      bad_size(mesh.uv1.size()) || bad_size(mesh.colors.size())) {
    return "a vertex attribute's length differs from the vertex count";
  }
  return {};
}

// Scales each chart so its UV area equals its 3D area: one texel density everywhere.
void equalise_density(const ChartSurface& surface, std::vector<FlatChart>& charts) {
  tbb::parallel_for(std::size_t{0}, charts.size(), [&](std::size_t i) {
    FlatChart& chart = charts[i];
    double area_3d = 0, area_uv = 0;
    for (std::size_t t = 0; t < chart.mesh.triangles.size(); ++t) {
      area_3d += surface.areas[chart.mesh.triangles[t]];
      const auto* c = &chart.mesh.corners[3 * t];
      area_uv += uv_area(chart.uv[c[0]], chart.uv[c[1]], chart.uv[c[2]]);
    }
    const double scale = area_uv > 0 ? std::sqrt(area_3d / area_uv) : 1;
    for (UvPoint& p : chart.uv) p = {p.u * scale, p.v * scale};
  });
}

template <typename T>
void append_copies(std::vector<T>& values, const std::vector<std::uint32_t>& sources) {
  if (values.empty()) return;
  values.reserve(values.size() + sources.size());
  for (std::uint32_t v : sources) values.push_back(values[v]);
}

}  // namespace

Result<UnwrapStats> unwrap_uv_atlas(Primitive& mesh, const UnwrapOptions& options) {
  if (const std::string problem = check_input(mesh, options); !problem.empty()) {
    return make_error("UV unwrap: " + problem);
  }
  const ChartSurface surface = build_chart_surface(mesh.positions, mesh.indices);
  const std::size_t triangle_count = surface.triangle_count();
  std::size_t usable = 0;
  for (std::uint32_t t = 0; t < triangle_count; ++t) usable += !surface.degenerate(t);
  if (usable == 0) return make_error("UV unwrap: every triangle is degenerate");

  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  std::vector<FlatChart> charts;
  Result<PackingResult> packed = PackingResult{};
  arena.execute([&] {
    charts = flatten_charts(surface, grow_charts(surface), options.max_stretch);
    merge_small_charts(surface, charts, options.max_stretch, kSmallChartShare);
    attach_tiny_charts(surface, charts, kTinyChartFaces, options.max_stretch);
    equalise_density(surface, charts);
    std::vector<PackingChart> packing(charts.size());
    for (std::size_t i = 0; i < charts.size(); ++i) {
      packing[i].uv = charts[i].uv;
      packing[i].corners = charts[i].mesh.corners;
    }
    packed = pack_charts(packing, {options.texture_size, options.gutter_texels,
                                   static_cast<int>(charts.size() / 4) + 8, kPrecutDepth});
  });
  if (!packed.ok()) return with_context("UV unwrap", packed.error());
  const std::vector<PackedPiece>& pieces = packed->pieces;

  // Piece vertices numbered across pieces ("classes"), with their texel positions.
  std::vector<std::uint32_t> class_offset(pieces.size() + 1, 0);
  for (std::size_t c = 0; c < pieces.size(); ++c) {
    class_offset[c + 1] = class_offset[c] + static_cast<std::uint32_t>(pieces[c].uv.size());
  }
  std::vector<UvPoint> class_uv(class_offset.back());
  std::vector<Vec3> class_points(class_offset.back());
  std::vector<std::uint32_t> point_class(surface.points.size(), kNoTriangle);
  for (std::size_t c = 0; c < pieces.size(); ++c) {
    const ChartMesh& chart = charts[pieces[c].chart].mesh;
    for (std::size_t v = 0; v < pieces[c].uv.size(); ++v) {
      const std::uint32_t id = class_offset[c] + static_cast<std::uint32_t>(v);
      const std::uint32_t point = chart.vertex_points[pieces[c].vertices[v]];
      class_uv[id] = pieces[c].uv[v];
      class_points[id] = surface.points[point];
      if (point_class[point] == kNoTriangle) point_class[point] = id;
    }
  }

  // An input vertex keeps its index for the first piece vertex it serves; each further
  // one gets a copy appended.
  const std::size_t vertex_count = mesh.positions.size();
  std::vector<std::uint32_t> owner(vertex_count, kNoTriangle);
  std::vector<std::uint32_t> sources;
  std::vector<std::uint32_t> vertex_class(vertex_count, 0);
  std::unordered_map<std::uint64_t, std::uint32_t> copies;
  auto output_vertex = [&](std::uint32_t v, std::uint32_t id) -> std::uint32_t {
    if (owner[v] == kNoTriangle) {
      owner[v] = id;
      vertex_class[v] = id;
      return v;
    }
    if (owner[v] == id) return v;
    const std::uint64_t key = std::uint64_t{v} << 32 | id;
    const auto [it, inserted] =
        copies.try_emplace(key, static_cast<std::uint32_t>(vertex_count + sources.size()));
    if (inserted) {
      sources.push_back(v);
      vertex_class.push_back(id);
    }
    return it->second;
  };
  std::vector<std::uint32_t> indices(mesh.indices.size());
  std::vector<std::uint32_t> all_corners;
  all_corners.reserve(3 * usable);
  for (std::size_t c = 0; c < pieces.size(); ++c) {
    const PackedPiece& piece = pieces[c];
    const ChartMesh& chart = charts[piece.chart].mesh;
    for (std::size_t i = 0; i < piece.triangles.size(); ++i) {
      const std::uint32_t t = chart.triangles[piece.triangles[i]];
      for (int k = 0; k < 3; ++k) {
        const std::uint32_t id = class_offset[c] + piece.corners[3 * i + k];
        indices[3 * t + k] = output_vertex(mesh.indices[3 * t + k], id);
        all_corners.push_back(id);
      }
    }
  }
  // Degenerate triangles cover no area: all three corners go to one piece vertex they
  // share a position with (any piece vertex when they share none).
  for (std::uint32_t t = 0; t < triangle_count; ++t) {
    if (!surface.degenerate(t)) continue;
    std::uint32_t anchor = 0;
    for (std::uint32_t point : surface.triangles[t]) {
      if (point_class[point] != kNoTriangle) {
        anchor = point_class[point];
        break;
      }
    }
    for (int k = 0; k < 3; ++k) indices[3 * t + k] = output_vertex(mesh.indices[3 * t + k], anchor);
  }

  UnwrapStats stats;
  stats.charts = pieces.size();
  stats.packing_efficiency = packed->efficiency;
  stats.seam_vertices_added = sources.size();
  stats.mean_stretch = l2_stretch(class_points, all_corners, class_uv);
  for (const FlatChart& chart : charts) {
    stats.max_chart_stretch = std::max(stats.max_chart_stretch, chart.stretch);
  }

  mesh.indices = std::move(indices);
  append_copies(mesh.positions, sources);
  append_copies(mesh.normals, sources);
  append_copies(mesh.tangents, sources);
  append_copies(mesh.uv1, sources);
  append_copies(mesh.colors, sources);
  // Texels to glTF UVs with v pointing down, so a face counter-clockwise on the model is
  // counter-clockwise in the image seen with v up (the convention of DCC tools).
  const double size = options.texture_size;
  mesh.uv0.resize(mesh.positions.size());
  for (std::size_t v = 0; v < mesh.uv0.size(); ++v) {
    const UvPoint p = class_uv[vertex_class[v]];
    mesh.uv0[v] = {static_cast<float>(p.u / size), static_cast<float>(1.0 - p.v / size)};
  }
  return stats;
}

}  // namespace atlas::geometry
