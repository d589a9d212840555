#include "geometry/surface_extraction.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "geometry/mesh_cleanup.h"
#include "geometry/silhouette_level.h"
#include "geometry/sparse_density_grid.h"
#include "geometry/surface_nets.h"

namespace atlas::geometry {
namespace {

// Work bounds, whatever the input: at most this many grid points are stored (blocks
// some splat reaches, 8^3 points each), Gaussian evaluations and (block, splat) pairs.
// A cloud that would exceed them at the chosen resolution gets a coarser grid; one that
// exceeds them even at kMinResolution is refused.
constexpr std::size_t kMaxGridPoints = std::size_t(1) << 24;
constexpr std::size_t kMaxEvaluations = std::size_t(1) << 28;
constexpr std::size_t kMaxBlockSplats = std::size_t(1) << 25;
constexpr int kMinResolution = 16;
constexpr int kMaxResolution = 1024;

// Empty grid points kept around the splats' reach, beyond the outermost layer.
constexpr int kPadding = 2;

// The range the silhouette fit searches, and the level used when the cloud shows no
// silhouette to fit (too faint: no grid column reaches half coverage).
constexpr float kMinLevel = 0.02f;
constexpr float kMaxLevel = 64.0f;
constexpr float kDefaultLevel = 0.15f;

// Splat colours are display values (rendered without a transfer curve, like sRGB
// bytes); Primitive::colors are linear.
float linear_from_display(float value) {
  value = std::clamp(value, 0.0f, 1.0f);
  return value <= 0.04045f ? value / 12.92f : std::pow((value + 0.055f) / 1.055f, 2.4f);
}

// The box the surface can reach: every splat centre, grown by how far each splat's
// density stays above kMinLevel, but by no more than a tenth of the centres' extent or
// the 90th percentile of the splats' reach, whichever is larger (a few huge faint splats
// must not stretch the grid; a cloud of a single splat still has its size).
Bounds reach_bounds(const std::vector<DensityKernel>& kernels) {
  Bounds centres;
  for (const DensityKernel& k : kernels) centres.extend(k.centre);
  Bounds reach = centres;
  std::vector<float> radii;
  radii.reserve(kernels.size());
  for (const DensityKernel& k : kernels) {
    const float cut = std::min(9.0f, 2 * std::log(k.alpha / kMinLevel));
    if (!(cut > 0)) continue;
    const Vec3 r{std::sqrt(cut * k.covariance[0]), std::sqrt(cut * k.covariance[3]),
                 std::sqrt(cut * k.covariance[5])};
    reach.extend(k.centre - r);
    reach.extend(k.centre + r);
    radii.push_back(std::max({r.x, r.y, r.z}));
  }
  float margin = 0.1f * centres.longest_side();
  if (!radii.empty()) {
    const auto percentile = radii.begin() + std::ptrdiff_t(radii.size() * 9 / 10);
    std::nth_element(radii.begin(), percentile, radii.end());
    margin = std::max(margin, *percentile);
  }
  Bounds out;
  out.extend(Vec3{std::max(reach.min.x, centres.min.x - margin),
                  std::max(reach.min.y, centres.min.y - margin),
                  std::max(reach.min.z, centres.min.z - margin)});
  out.extend(Vec3{std::min(reach.max.x, centres.max.x + margin),
                  std::min(reach.max.y, centres.max.y + margin),
                  std::min(reach.max.z, centres.max.z + margin)});
  return out;
}

// The dense surface should hold about kDenseFactor times the triangle budget, so that
// reduction has detail to choose from (7 times left the 404 monkey's LOD0 at 21.8 dB,
// 10 times gives 22.5 dB for 0.1 s more); a first grid whose surface falls outside
// [kMinDenseFactor, kMaxDenseFactor] times the budget is rebuilt at a corrected resolution.
constexpr double kDenseFactor = 10;
constexpr double kMinDenseFactor = 3;
constexpr double kMaxDenseFactor = 18;
constexpr int kMinAutomaticResolution = 48;
constexpr int kMaxAutomaticResolution = 512;

// Surface cells grow with the square of the resolution, so one coarse count of the
// cells that opaque splat centres occupy (they sit on or near the surface) predicts the
// resolution that gives the wanted number of triangles, whatever the object's shape: a
// tall thin robot needs a finer grid than a round burger for the same detail. Surface
// nets made 3.3 to 5 triangles an occupied probe cell (scaled to the final resolution)
// on the 404 test splats. The probe is coarsened until there are at least two splats an
// occupied cell, so a sparse cloud does not leave surface cells unseen.
int automatic_resolution(const std::vector<DensityKernel>& kernels, const Bounds& bounds,
                         std::size_t target_triangles) {
  constexpr double kTrianglesPerProbeCell = 3.5;
  std::vector<std::uint32_t> occupied;
  occupied.reserve(kernels.size());
  for (int probe = 64;; probe /= 2) {
    const float cell = bounds.longest_side() / float(probe);
    occupied.clear();
    for (const DensityKernel& k : kernels) {
      if (k.alpha < 0.1f) continue;
      const Vec3 p = (k.centre - bounds.min) * (1 / cell);
      const auto x = std::uint32_t(std::clamp(p.x, 0.0f, float(probe)));
      const auto y = std::uint32_t(std::clamp(p.y, 0.0f, float(probe)));
      const auto z = std::uint32_t(std::clamp(p.z, 0.0f, float(probe)));
      occupied.push_back((z * std::uint32_t(probe + 1) + y) * std::uint32_t(probe + 1) + x);
    }
    std::sort(occupied.begin(), occupied.end());
    const auto cells = double(std::unique(occupied.begin(), occupied.end()) - occupied.begin());
    if (cells < 1) return 128;
    if (2 * cells > double(occupied.size()) && probe > 8) continue;
    const double wanted = kDenseFactor * double(target_triangles);
    return std::clamp(
        static_cast<int>(std::lround(probe * std::sqrt(wanted / (kTrianglesPerProbeCell * cells)))),
        kMinAutomaticResolution, kMaxAutomaticResolution);
  }
}

GridFrame frame_for(const Bounds& bounds, int resolution) {
  GridFrame frame;
  frame.cell = bounds.longest_side() / float(resolution);
  const Vec3 size = bounds.size();
  const float sides[3] = {size.x, size.y, size.z};
  for (int axis = 0; axis < 3; ++axis)
    frame.size[axis] =
        static_cast<int>(std::ceil(sides[axis] / frame.cell)) + 1 + 2 * (kPadding + 1);
  const float pad = float(kPadding + 1) * frame.cell;
  frame.origin = bounds.min - Vec3{pad, pad, pad};
  return frame;
}

bool within_budget(const GridCost& cost) {
  return cost.blocks <= kMaxGridPoints / SparseDensityGrid::kBlockPoints &&
         cost.evaluations <= kMaxEvaluations && cost.block_splats <= kMaxBlockSplats;
}

// Each vertex takes the density-weighted mean colour of the splats around it.
void colour_vertices(const SparseDensityGrid& grid, Primitive& mesh) {
  mesh.colors.resize(mesh.positions.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, mesh.positions.size(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        float density = 0;
                        Vec3 sum;
                        grid.sample(mesh.positions[i], density, sum);
                        const Vec3 c = density > 0 ? sum * (1 / density) : Vec3{0.5f, 0.5f, 0.5f};
                        mesh.colors[i] = {linear_from_display(c.x), linear_from_display(c.y),
                                          linear_from_display(c.z), 1};
                      }
                    });
}

}  // namespace

Result<Primitive> extract_surface(const SplatCloud& cloud, const SurfaceOptions& options,
                                  SurfaceStats* stats) {
  if (cloud.empty()) return make_error("no splats to extract a surface from");
  if (!cloud.consistent()) return make_error("the splat cloud's attribute arrays disagree");
  const std::vector<DensityKernel> kernels = density_kernels(cloud);
  if (kernels.empty())
    return make_error("no visible splat to extract a surface from (all transparent or not finite)");
  const Bounds bounds = reach_bounds(kernels);
  if (!(bounds.longest_side() > 0) || !std::isfinite(bounds.longest_side()))
    return make_error("the splats have no extent to extract a surface from");

  const bool automatic = options.resolution <= 0;
  const double budget = double(std::max<std::size_t>(options.target_triangles, 1));
  int resolution = automatic ? automatic_resolution(kernels, bounds, options.target_triangles)
                             : std::clamp(options.resolution, kMinResolution, kMaxResolution);
  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  for (int attempt = 0;; ++attempt) {
    GridFrame frame = frame_for(bounds, resolution);
    while (!within_budget(SparseDensityGrid::estimate(kernels, frame))) {
      if (resolution == kMinResolution)
        return make_error("the splats are too large or too many for a surface grid (over " +
                          std::to_string(kMaxEvaluations) + " density evaluations)");
      resolution = std::max(kMinResolution, resolution * 4 / 5);
      frame = frame_for(bounds, resolution);
    }
    SparseDensityGrid grid = SparseDensityGrid::build(kernels, frame, options.threads);
    float level = options.iso_level;
    if (!(level > 0)) {
      level =
          fit_silhouette_level(kernels, grid, kMinLevel, kMaxLevel, kDefaultLevel, options.threads)
              .level;
    }
    if (options.watertight) grid.fill_enclosed_cavities(level);
    Primitive mesh = surface_nets(grid, level, options.threads);
    if (mesh.indices.empty())
      return make_error("the splats' density never reaches the surface level " +
                        std::to_string(level) + " (too faint or too sparse)");

    // One correction of an automatic resolution whose surface missed the wanted size.
    const double triangles = double(mesh.triangle_count());
    const int corrected = std::clamp(
        static_cast<int>(std::lround(resolution * std::sqrt(kDenseFactor * budget / triangles))),
        kMinAutomaticResolution, kMaxAutomaticResolution);
    if (automatic && attempt == 0 &&
        (triangles < kMinDenseFactor * budget || triangles > kMaxDenseFactor * budget) &&
        std::abs(corrected - resolution) * 10 > resolution) {
      resolution = corrected;
      continue;
    }

    arena.execute([&] {
      compute_smooth_normals(mesh);
      colour_vertices(grid, mesh);
    });
    if (stats) {
      stats->resolution = resolution;
      stats->cell_size = frame.cell;
      stats->iso_level = level;
      stats->grid_points = grid.point_count();
    }
    return mesh;
  }
}

}  // namespace atlas::geometry
