#include "geometry/surface_extraction.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "geometry/mesh_cleanup.h"

namespace atlas::geometry {
namespace {

// Work bounds: the grid never has more cells than this, and one splat never touches
// more than kMaxSplatRadius cells either side of its centre (a huge, faint splat only
// adds haze, and unbounded footprints would let one hostile splat cost the whole grid).
constexpr std::size_t kMaxCells = std::size_t(1) << 24;
constexpr int kMaxSplatRadius = 12;
constexpr int kPadding = 2;  // empty cells around the object so the surface closes
// Splats fainter than this add nothing visible.
constexpr float kMinOpacity = 1.0f / 255;

// The density level whose surface matches the splat renders' silhouettes (accumulated
// alpha 0.5). Calibrated on the 404 test splats by silhouette IoU against the splat
// renders: lower levels inflate the object, higher ones erode thin parts.
constexpr float kDefaultIsoLevel = 0.35f;

struct Grid {
  int nx = 0, ny = 0, nz = 0;  // points along each axis
  Vec3 origin;
  float cell = 0;
  std::vector<float> density;   // one value a grid point
  std::vector<Vec3> colour_sum;  // density-weighted splat colour a grid point

  std::size_t index(int x, int y, int z) const { return (std::size_t(z) * ny + y) * nx + x; }
  Vec3 point(int x, int y, int z) const {
    return {origin.x + x * cell, origin.y + y * cell, origin.z + z * cell};
  }
};

// Splat colours are display values (rendered without a transfer curve, like sRGB
// bytes); Primitive::colors are linear.
float linear_from_display(float value) {
  value = std::clamp(value, 0.0f, 1.0f);
  return value <= 0.04045f ? value / 12.92f : std::pow((value + 0.055f) / 1.055f, 2.4f);
}

int choose_resolution(const SurfaceOptions& options) {
  if (options.resolution > 0) return std::clamp(options.resolution, 8, 1024);
  // A surface-nets surface has about 2 triangles a surface cell and a compact object
  // has about 6 R^2 surface cells; aim at a few times the budget.
  const double cells = std::sqrt(double(options.target_triangles) * 4 / 12);
  return std::clamp(static_cast<int>(std::lround(cells * 1.35)), 48, 320);
}

// Inverse covariance of a splat (R S^2 R^T)^-1 = R S^-2 R^T, row-major symmetric.
std::array<float, 6> inverse_covariance(const Quat& rotation, const Vec3& scale) {
  const Quat q = normalized(rotation);
  const float r[3][3] = {
      {1 - 2 * (q.y * q.y + q.z * q.z), 2 * (q.x * q.y - q.w * q.z), 2 * (q.x * q.z + q.w * q.y)},
      {2 * (q.x * q.y + q.w * q.z), 1 - 2 * (q.x * q.x + q.z * q.z), 2 * (q.y * q.z - q.w * q.x)},
      {2 * (q.x * q.z - q.w * q.y), 2 * (q.y * q.z + q.w * q.x), 1 - 2 * (q.x * q.x + q.y * q.y)}};
  const float inv[3] = {1 / (scale.x * scale.x), 1 / (scale.y * scale.y), 1 / (scale.z * scale.z)};
  auto entry = [&](int i, int j) {
    return r[i][0] * inv[0] * r[j][0] + r[i][1] * inv[1] * r[j][1] + r[i][2] * inv[2] * r[j][2];
  };
  return {entry(0, 0), entry(0, 1), entry(0, 2), entry(1, 1), entry(1, 2), entry(2, 2)};
}

// Evaluates every splat's Gaussian on the grid points within 3 sigma, in z slabs so
// threads never write the same point.
void splat_density(const SplatCloud& cloud, Grid& grid, int threads) {
  const std::size_t count = cloud.size();
  struct Footprint {
    int z0, z1;
  };
  std::vector<Footprint> footprints(count, {1, 0});
  const int slab_depth = 4;
  const int slabs = (grid.nz + slab_depth - 1) / slab_depth;
  std::vector<std::vector<std::uint32_t>> by_slab(slabs);
  for (std::size_t i = 0; i < count; ++i) {
    const float alpha = sigmoid(cloud.opacity_logits[i]);
    const Vec3 s = cloud.log_scales[i];
    const float sigma = std::exp(std::max({s.x, s.y, s.z}));
    const Vec3 p = cloud.positions[i];
    if (!(alpha >= kMinOpacity) || !std::isfinite(sigma) || !std::isfinite(p.x + p.y + p.z))
      continue;
    const int radius = std::min(kMaxSplatRadius, static_cast<int>(std::ceil(3 * sigma / grid.cell)));
    const int cz = static_cast<int>(std::lround((p.z - grid.origin.z) / grid.cell));
    const int z0 = std::max(0, cz - radius), z1 = std::min(grid.nz - 1, cz + radius);
    if (z0 > z1) continue;
    footprints[i] = {z0, z1};
    for (int slab = z0 / slab_depth; slab <= z1 / slab_depth; ++slab)
      by_slab[slab].push_back(static_cast<std::uint32_t>(i));
  }
  auto fill_slab = [&](int slab) {
    const int slab_z0 = slab * slab_depth, slab_z1 = std::min(grid.nz - 1, slab_z0 + slab_depth - 1);
    for (std::uint32_t i : by_slab[slab]) {
      const Vec3 p = cloud.positions[i];
      const Vec3 s = cloud.log_scales[i];
      const Vec3 scale{std::exp(s.x), std::exp(s.y), std::exp(s.z)};
      const float sigma = std::max({scale.x, scale.y, scale.z});
      const float alpha = sigmoid(cloud.opacity_logits[i]);
      const std::array<float, 6> m = inverse_covariance(cloud.rotations[i], scale);
      const Vec3 colour{std::clamp(colour_from_sh_dc(cloud.sh_dc[i].x), 0.0f, 1.0f),
                        std::clamp(colour_from_sh_dc(cloud.sh_dc[i].y), 0.0f, 1.0f),
                        std::clamp(colour_from_sh_dc(cloud.sh_dc[i].z), 0.0f, 1.0f)};
      const int radius =
          std::min(kMaxSplatRadius, static_cast<int>(std::ceil(3 * sigma / grid.cell)));
      const int cx = static_cast<int>(std::lround((p.x - grid.origin.x) / grid.cell));
      const int cy = static_cast<int>(std::lround((p.y - grid.origin.y) / grid.cell));
      const int z0 = std::max(footprints[i].z0, slab_z0), z1 = std::min(footprints[i].z1, slab_z1);
      const int x0 = std::max(0, cx - radius), x1 = std::min(grid.nx - 1, cx + radius);
      const int y0 = std::max(0, cy - radius), y1 = std::min(grid.ny - 1, cy + radius);
      for (int z = z0; z <= z1; ++z) {
        const float dz = grid.origin.z + z * grid.cell - p.z;
        for (int y = y0; y <= y1; ++y) {
          const float dy = grid.origin.y + y * grid.cell - p.y;
          const float partial = m[3] * dy * dy + 2 * m[4] * dy * dz + m[5] * dz * dz;
          std::size_t index = grid.index(x0, y, z);
          for (int x = x0; x <= x1; ++x, ++index) {
            const float dx = grid.origin.x + x * grid.cell - p.x;
            const float mahalanobis = m[0] * dx * dx + 2 * (m[1] * dx * dy + m[2] * dx * dz) + partial;
            if (mahalanobis > 9) continue;
            const float weight = alpha * std::exp(-0.5f * mahalanobis);
            grid.density[index] += weight;
            grid.colour_sum[index] = grid.colour_sum[index] + colour * weight;
          }
        }
      }
    }
  };
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] { tbb::parallel_for(0, slabs, fill_slab); });
}

// Marks as inside every outside point that the outside cannot reach (enclosed
// cavities), so the surface is one closed shell without inner walls.
void fill_cavities(Grid& grid, float iso) {
  std::vector<std::uint8_t> reached(grid.density.size(), 0);
  std::vector<std::size_t> stack = {0};
  reached[0] = 1;
  while (!stack.empty()) {
    const std::size_t index = stack.back();
    stack.pop_back();
    const int x = static_cast<int>(index % grid.nx);
    const int y = static_cast<int>(index / grid.nx % grid.ny);
    const int z = static_cast<int>(index / (std::size_t(grid.nx) * grid.ny));
    const int neighbours[6][3] = {{x - 1, y, z}, {x + 1, y, z}, {x, y - 1, z},
                                  {x, y + 1, z}, {x, y, z - 1}, {x, y, z + 1}};
    for (const auto& n : neighbours) {
      if (n[0] < 0 || n[1] < 0 || n[2] < 0 || n[0] >= grid.nx || n[1] >= grid.ny || n[2] >= grid.nz)
        continue;
      const std::size_t next = grid.index(n[0], n[1], n[2]);
      if (reached[next] || grid.density[next] >= iso) continue;
      reached[next] = 1;
      stack.push_back(next);
    }
  }
  for (std::size_t i = 0; i < grid.density.size(); ++i) {
    if (!reached[i] && grid.density[i] < iso) grid.density[i] = iso;
  }
}

// Surface nets (Gibson 1998): one vertex in each cell the level set crosses, at the
// mean of the crossings on the cell's edges; one quad for each crossed grid edge,
// joining the four cells around it. The result is a closed, consistently wound mesh
// whenever the border of the grid is outside.
Primitive surface_nets(const Grid& grid, float iso) {
  Primitive mesh;
  const int cx = grid.nx - 1, cy = grid.ny - 1, cz = grid.nz - 1;
  std::vector<std::int32_t> cell_vertex(std::size_t(cx) * cy * cz, -1);
  auto cell_index = [&](int x, int y, int z) { return (std::size_t(z) * cy + y) * cx + x; };
  static const int kCorners[8][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0},
                                     {0, 0, 1}, {1, 0, 1}, {0, 1, 1}, {1, 1, 1}};
  static const int kEdges[12][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {0, 2}, {1, 3},
                                    {4, 6}, {5, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};
  for (int z = 0; z < cz; ++z) {
    for (int y = 0; y < cy; ++y) {
      for (int x = 0; x < cx; ++x) {
        float values[8];
        int inside = 0;
        for (int c = 0; c < 8; ++c) {
          values[c] = grid.density[grid.index(x + kCorners[c][0], y + kCorners[c][1],
                                              z + kCorners[c][2])];
          inside += values[c] >= iso;
        }
        if (inside == 0 || inside == 8) continue;
        Vec3 sum{0, 0, 0};
        Vec3 colour{0, 0, 0};
        float colour_weight = 0;
        int crossings = 0;
        for (const auto& edge : kEdges) {
          const float a = values[edge[0]], b = values[edge[1]];
          if ((a >= iso) == (b >= iso)) continue;
          const float t = (iso - a) / (b - a);
          const int* ca = kCorners[edge[0]];
          const int* cb = kCorners[edge[1]];
          sum = sum + Vec3{ca[0] + t * (cb[0] - ca[0]), ca[1] + t * (cb[1] - ca[1]),
                           ca[2] + t * (cb[2] - ca[2])};
          ++crossings;
        }
        for (int c = 0; c < 8; ++c) {
          const std::size_t index =
              grid.index(x + kCorners[c][0], y + kCorners[c][1], z + kCorners[c][2]);
          colour = colour + grid.colour_sum[index];
          colour_weight += grid.density[index];
        }
        const Vec3 local = sum * (1.0f / crossings);
        cell_vertex[cell_index(x, y, z)] = static_cast<std::int32_t>(mesh.positions.size());
        mesh.positions.push_back(grid.point(x, y, z) + local * grid.cell);
        const Vec3 c = colour_weight > 0 ? colour * (1 / colour_weight) : Vec3{0.5f, 0.5f, 0.5f};
        mesh.colors.push_back({linear_from_display(c.x), linear_from_display(c.y),
                               linear_from_display(c.z), 1});
      }
    }
  }
  // Quads: the edge from grid point (x, y, z) along `axis`; the four cells around it
  // lie at offsets 0/-1 along the other two axes, listed counter-clockwise around +axis.
  auto emit = [&](std::array<std::int32_t, 4> quad, bool flip) {
    if (flip) std::swap(quad[1], quad[3]);
    const Vec3 a = mesh.positions[quad[0]], b = mesh.positions[quad[1]];
    const Vec3 c = mesh.positions[quad[2]], d = mesh.positions[quad[3]];
    // Split along the shorter diagonal for better-shaped triangles.
    if (dot(a - c, a - c) <= dot(b - d, b - d)) {
      mesh.indices.insert(mesh.indices.end(), {std::uint32_t(quad[0]), std::uint32_t(quad[1]),
                                               std::uint32_t(quad[2]), std::uint32_t(quad[0]),
                                               std::uint32_t(quad[2]), std::uint32_t(quad[3])});
    } else {
      mesh.indices.insert(mesh.indices.end(), {std::uint32_t(quad[0]), std::uint32_t(quad[1]),
                                               std::uint32_t(quad[3]), std::uint32_t(quad[1]),
                                               std::uint32_t(quad[2]), std::uint32_t(quad[3])});
    }
  };
  for (int z = 1; z < cz; ++z) {
    for (int y = 1; y < cy; ++y) {
      for (int x = 1; x < cx; ++x) {
        const bool here = grid.density[grid.index(x, y, z)] >= iso;
        for (int axis = 0; axis < 3; ++axis) {
          const int nx = x + (axis == 0), ny = y + (axis == 1), nz = z + (axis == 2);
          if (nx > cx || ny > cy || nz > cz) continue;
          const bool there = grid.density[grid.index(nx, ny, nz)] >= iso;
          if (here == there) continue;
          std::array<std::int32_t, 4> quad;
          if (axis == 0) {
            quad = {cell_vertex[cell_index(x, y - 1, z - 1)], cell_vertex[cell_index(x, y, z - 1)],
                    cell_vertex[cell_index(x, y, z)], cell_vertex[cell_index(x, y - 1, z)]};
          } else if (axis == 1) {
            quad = {cell_vertex[cell_index(x - 1, y, z - 1)], cell_vertex[cell_index(x - 1, y, z)],
                    cell_vertex[cell_index(x, y, z)], cell_vertex[cell_index(x, y, z - 1)]};
          } else {
            quad = {cell_vertex[cell_index(x - 1, y - 1, z)], cell_vertex[cell_index(x, y - 1, z)],
                    cell_vertex[cell_index(x, y, z)], cell_vertex[cell_index(x - 1, y, z)]};
          }
          if (std::any_of(quad.begin(), quad.end(), [](std::int32_t v) { return v < 0; })) continue;
          // The quad faces +axis as listed; outward is +axis when this point is inside.
          emit(quad, !here);
        }
      }
    }
  }
  return mesh;
}

}  // namespace

Result<Primitive> extract_surface(const SplatCloud& cloud, const SurfaceOptions& options,
                                  SurfaceStats* stats) {
  if (cloud.empty()) return make_error("no splats to extract a surface from");
  if (!cloud.consistent()) return make_error("the splat cloud's attribute arrays disagree");
  const Bounds bounds = cloud.bounds();
  const float extent = bounds.longest_side();
  if (bounds.empty() || !(extent > 0) || !std::isfinite(extent))
    return make_error("the splats have no extent to extract a surface from");

  const int resolution = choose_resolution(options);
  Grid grid;
  grid.cell = extent / resolution;
  const Vec3 size = bounds.size();
  grid.nx = static_cast<int>(std::ceil(size.x / grid.cell)) + 1 + 2 * kPadding;
  grid.ny = static_cast<int>(std::ceil(size.y / grid.cell)) + 1 + 2 * kPadding;
  grid.nz = static_cast<int>(std::ceil(size.z / grid.cell)) + 1 + 2 * kPadding;
  if (std::size_t(grid.nx) * grid.ny * grid.nz > kMaxCells)
    return make_error("the surface grid would exceed " + std::to_string(kMaxCells) + " cells");
  grid.origin = bounds.min - Vec3{1, 1, 1} * (kPadding * grid.cell);
  grid.density.assign(std::size_t(grid.nx) * grid.ny * grid.nz, 0);
  grid.colour_sum.assign(grid.density.size(), Vec3{});
  splat_density(cloud, grid, options.threads);

  // The padding stays outside whatever the splats do, so every level set closes.
  const float iso = options.iso_level > 0 ? options.iso_level : kDefaultIsoLevel;
  for (int z = 0; z < grid.nz; ++z) {
    for (int y = 0; y < grid.ny; ++y) {
      for (int x = 0; x < grid.nx; ++x) {
        if (x == 0 || y == 0 || z == 0 || x == grid.nx - 1 || y == grid.ny - 1 || z == grid.nz - 1)
          grid.density[grid.index(x, y, z)] = 0;
      }
    }
  }
  if (options.watertight) fill_cavities(grid, iso);

  Primitive mesh = surface_nets(grid, iso);
  compute_smooth_normals(mesh);
  if (mesh.indices.empty())
    return make_error("the splats' density never reaches the surface level " + std::to_string(iso) +
                      " (too faint or too sparse)");
  if (stats) {
    stats->resolution = resolution;
    stats->cell_size = grid.cell;
    stats->iso_level = iso;
    stats->grid_points = grid.density.size();
  }
  return mesh;
}

}  // namespace atlas::geometry
