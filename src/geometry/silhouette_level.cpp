#include "geometry/silhouette_level.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "geometry/fast_exp.h"

namespace atlas::geometry {
namespace {

constexpr int kSide = SparseDensityGrid::kBlockSide;

// The views: along x and z (the side views the fidelity cameras see, at +-15 degrees
// elevation, carry the weight) and along y (top and bottom, seen only obliquely).
constexpr int kViewAxes[3] = {0, 2, 1};
constexpr double kViewWeights[3] = {1, 1, 0.5};

// The renderers' EWA low-pass adds 0.3 squared pixels to every projected splat. A
// render pixel is about 1/336 of the object's longest side in the fidelity framing
// (longest side 1.5 at radius 2.5, 49.1 degree field of view, 512 pixels).
constexpr float kRenderPixelsPerLongestSide = 336;
constexpr float kRenderLowPass = 0.3f;

struct View {
  int axis, u, v;  // projection axis and the image's two axes
  int width, height;
};

View view_along(int axis, const GridFrame& frame) {
  View view{axis, axis == 0 ? 1 : 0, axis == 2 ? 1 : 2, 0, 0};
  view.width = frame.size[view.u];
  view.height = frame.size[view.v];
  return view;
}

// Transmittance prod(1 - alpha_i g_i) of the splats along the view axis at each grid
// column, with the renderer's clamps (alpha <= 0.99, contributions below 1/255 skipped).
std::vector<float> splat_transmittance(const std::vector<DensityKernel>& kernels,
                                       const GridFrame& frame, const View& view) {
  const std::size_t pixels = std::size_t(view.width) * view.height;
  tbb::enumerable_thread_specific<std::vector<float>> local(
      [&] { return std::vector<float>(pixels, 1.0f); });
  const float longest = float(*std::max_element(frame.size.begin(), frame.size.end()));
  const float pixel = longest / kRenderPixelsPerLongestSide;
  const float low_pass = kRenderLowPass * pixel * pixel;
  const float to_cells = 1 / (frame.cell * frame.cell);
  const int cov_uu = view.u == 0 ? 0 : 3;
  const int cov_vv = view.v == 1 ? 3 : 5;
  const int cov_uv = view.u == 0 ? (view.v == 1 ? 1 : 2) : 4;
  const float origin_u = view.u == 0 ? frame.origin.x : frame.origin.y;
  const float origin_v = view.v == 1 ? frame.origin.y : frame.origin.z;
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, kernels.size(), 1024),
      [&](const tbb::blocked_range<std::size_t>& range) {
        std::vector<float>& transmittance = local.local();
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          const DensityKernel& k = kernels[i];
          const float a = k.covariance[cov_uu] * to_cells + low_pass;
          const float b = k.covariance[cov_uv] * to_cells;
          const float c = k.covariance[cov_vv] * to_cells + low_pass;
          const float det = a * c - b * b;
          if (!(det > 0) || !std::isfinite(det)) continue;
          const float ia = c / det, ib = -b / det, ic = a / det;
          const float cu = ((view.u == 0 ? k.centre.x : k.centre.y) - origin_u) / frame.cell;
          const float cv = ((view.v == 1 ? k.centre.y : k.centre.z) - origin_v) / frame.cell;
          // 3 sigma, and no further than where alpha * g falls below 1/255.
          const float cut = std::min(9.0f, 2 * std::log(k.alpha * 255));
          if (!(cut > 0)) continue;
          const float ru = std::sqrt(cut * a), rv = std::sqrt(cut * c);
          const int u0 = std::max(0, static_cast<int>(std::ceil(std::max(cu - ru, -1.0f))));
          const int u1 = std::min(
              view.width - 1, static_cast<int>(std::floor(std::min(cu + ru, float(view.width)))));
          const int v0 = std::max(0, static_cast<int>(std::ceil(std::max(cv - rv, -1.0f))));
          const int v1 = std::min(
              view.height - 1, static_cast<int>(std::floor(std::min(cv + rv, float(view.height)))));
          for (int y = v0; y <= v1; ++y) {
            const float dv = float(y) - cv;
            float* row = transmittance.data() + std::size_t(y) * view.width;
            for (int x = u0; x <= u1; ++x) {
              const float du = float(x) - cu;
              const float power = ia * du * du + 2 * ib * du * dv + ic * dv * dv;
              if (power > cut) continue;
              const float alpha = std::min(0.99f, k.alpha * fast_exp(-0.5f * power));
              if (alpha < 1.0f / 255) continue;
              row[x] *= 1 - alpha;
            }
          }
        }
      });
  std::vector<float> transmittance(pixels, 1.0f);
  for (const std::vector<float>& part : local) {
    for (std::size_t p = 0; p < pixels; ++p) transmittance[p] *= part[p];
  }
  return transmittance;
}

// The density's maximum over each grid column along the view axis.
std::vector<float> column_maximum(const SparseDensityGrid& grid, const View& view) {
  const std::size_t pixels = std::size_t(view.width) * view.height;
  tbb::enumerable_thread_specific<std::vector<float>> local(
      [&] { return std::vector<float>(pixels, 0.0f); });
  tbb::parallel_for(std::size_t(0), grid.block_count(), [&](std::size_t block) {
    std::vector<float>& image = local.local();
    const std::array<int, 3> origin = grid.block_origin(block);
    const float* values = grid.block_density(block);
    for (int z = 0; z < kSide; ++z)
      for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x) {
          const int point[3] = {origin[0] + x, origin[1] + y, origin[2] + z};
          const int u = point[view.u], v = point[view.v];
          if (u >= view.width || v >= view.height) continue;
          float& pixel = image[std::size_t(v) * view.width + u];
          pixel = std::max(pixel, values[(z * kSide + y) * kSide + x]);
        }
  });
  std::vector<float> maximum(pixels, 0.0f);
  for (const std::vector<float>& part : local) {
    for (std::size_t p = 0; p < pixels; ++p) maximum[p] = std::max(maximum[p], part[p]);
  }
  return maximum;
}

}  // namespace

SilhouetteFit fit_silhouette_level(const std::vector<DensityKernel>& kernels,
                                   const SparseDensityGrid& grid, float min_level, float max_level,
                                   float fallback, int threads) {
  SilhouetteFit fit;
  fit.level = fallback;
  if (kernels.empty() || grid.block_count() == 0 || !(min_level > 0) || !(max_level > min_level))
    return fit;
  // Candidate levels, evenly spaced in log(level).
  constexpr int kSteps = 240;
  std::vector<float> levels(kSteps + 1);
  for (int s = 0; s <= kSteps; ++s)
    levels[s] = min_level * std::pow(max_level / min_level, float(s) / kSteps);
  std::vector<double> score(levels.size(), 0);
  double weight_sum = 0;
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    for (int v = 0; v < 3; ++v) {
      const View view = view_along(kViewAxes[v], grid.frame());
      const std::vector<float> transmittance = splat_transmittance(kernels, grid.frame(), view);
      const std::vector<float> maximum = column_maximum(grid, view);
      // Column maxima inside and outside the splat silhouette, sorted, so each
      // candidate level's intersection and union are two binary searches.
      std::vector<float> in, out;
      for (std::size_t p = 0; p < transmittance.size(); ++p) {
        if (transmittance[p] <= 0.5f) {
          in.push_back(maximum[p]);
        } else if (maximum[p] >= min_level) {
          out.push_back(maximum[p]);
        }
      }
      if (in.empty()) continue;
      std::sort(in.begin(), in.end());
      std::sort(out.begin(), out.end());
      for (std::size_t s = 0; s < levels.size(); ++s) {
        const auto covered = double(in.end() - std::lower_bound(in.begin(), in.end(), levels[s]));
        const auto extra = double(out.end() - std::lower_bound(out.begin(), out.end(), levels[s]));
        score[s] += kViewWeights[v] * covered / (double(in.size()) + extra);
      }
      weight_sum += kViewWeights[v];
    }
  });
  if (!(weight_sum > 0)) return fit;
  const std::size_t best = std::max_element(score.begin(), score.end()) - score.begin();
  fit.level = levels[best];
  fit.iou = score[best] / weight_sum;
  fit.calibrated = true;
  return fit;
}

}  // namespace atlas::geometry
