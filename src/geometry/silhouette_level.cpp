#include "geometry/silhouette_level.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "core/fast_exp.h"

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

// Samples a cell along each image axis. The renders see a cell as 1.5 to 4 pixels; at
// one sample a cell, clouds of splats smaller than a cell (404-robocop.spz) show a
// ragged silhouette and the fitted level comes out too low.
constexpr int kSupersample = 2;

// An orthographic view along a grid axis, sampled kSupersample times a cell.
struct View {
  int axis, u, v;     // projection axis and the image's two axes
  int width, height;  // samples
};

View view_along(int axis, const GridFrame& frame) {
  View view{axis, axis == 0 ? 1 : 0, axis == 2 ? 1 : 2, 0, 0};
  view.width = (frame.size[view.u] - 1) * kSupersample + 1;
  view.height = (frame.size[view.v] - 1) * kSupersample + 1;
  return view;
}

// A splat projected onto a view: the inverse of its 2D covariance in samples, and the
// samples it can reach.
struct Footprint {
  float cu = 0, cv = 0;          // centre
  float ia = 0, ib = 0, ic = 0;  // inverse covariance
  float alpha = 0, cut = 0;      // opacity, largest squared distance evaluated
  int u0 = 0, u1 = -1, v0 = 0, v1 = -1;
};

// Transmittance prod(1 - alpha_i g_i) of the splats along the view axis at each sample,
// with the renderer's clamps (alpha <= 0.99, contributions below 1/255 skipped). Bands of
// rows are filled in parallel, each sample's product in splat order, so the result does
// not depend on the threads.
std::vector<float> splat_transmittance(const std::vector<DensityKernel>& kernels,
                                       const GridFrame& frame, const View& view) {
  const float longest = float(*std::max_element(frame.size.begin(), frame.size.end()));
  const float pixel = longest / kRenderPixelsPerLongestSide * float(kSupersample);
  const float low_pass = kRenderLowPass * pixel * pixel;
  const float sample = frame.cell / float(kSupersample);
  const float to_samples = 1 / (sample * sample);
  const int cov_uu = view.u == 0 ? 0 : 3;
  const int cov_vv = view.v == 1 ? 3 : 5;
  const int cov_uv = view.u == 0 ? (view.v == 1 ? 1 : 2) : 4;
  const float origin_u = view.u == 0 ? frame.origin.x : frame.origin.y;
  const float origin_v = view.v == 1 ? frame.origin.y : frame.origin.z;
  std::vector<Footprint> footprints(kernels.size());
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, kernels.size(), 4096),
      [&](const tbb::blocked_range<std::size_t>& range) {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          const DensityKernel& k = kernels[i];
          Footprint& f = footprints[i];
          const float a = k.covariance[cov_uu] * to_samples + low_pass;
          const float b = k.covariance[cov_uv] * to_samples;
          const float c = k.covariance[cov_vv] * to_samples + low_pass;
          const float det = a * c - b * b;
          // 3 sigma, and no further than where alpha * g falls below 1/255.
          f.cut = std::min(9.0f, 2 * std::log(k.alpha * 255));
          if (!(det > 0) || !std::isfinite(det) || !(f.cut > 0)) continue;
          f.ia = c / det;
          f.ib = -b / det;
          f.ic = a / det;
          f.alpha = k.alpha;
          f.cu = ((view.u == 0 ? k.centre.x : k.centre.y) - origin_u) / sample;
          f.cv = ((view.v == 1 ? k.centre.y : k.centre.z) - origin_v) / sample;
          const float ru = std::sqrt(f.cut * a), rv = std::sqrt(f.cut * c);
          f.u0 = std::max(0, static_cast<int>(std::ceil(std::max(f.cu - ru, -1.0f))));
          f.u1 = std::min(view.width - 1,
                          static_cast<int>(std::floor(std::min(f.cu + ru, float(view.width)))));
          f.v0 = std::max(0, static_cast<int>(std::ceil(std::max(f.cv - rv, -1.0f))));
          f.v1 = std::min(view.height - 1,
                          static_cast<int>(std::floor(std::min(f.cv + rv, float(view.height)))));
        }
      });
  // Each band's splats, in splat order.
  constexpr int kBand = 8;
  const int bands = (view.height + kBand - 1) / kBand;
  std::vector<std::size_t> first(std::size_t(bands) + 1, 0);
  for (const Footprint& f : footprints) {
    if (f.u0 > f.u1 || f.v0 > f.v1) continue;
    for (int band = f.v0 / kBand; band <= f.v1 / kBand; ++band) ++first[std::size_t(band) + 1];
  }
  for (int band = 0; band < bands; ++band) first[band + 1] += first[band];
  std::vector<std::uint32_t> members(first.back());
  std::vector<std::size_t> fill(first.begin(), first.end() - 1);
  for (std::size_t i = 0; i < footprints.size(); ++i) {
    const Footprint& f = footprints[i];
    if (f.u0 > f.u1 || f.v0 > f.v1) continue;
    for (int band = f.v0 / kBand; band <= f.v1 / kBand; ++band)
      members[fill[band]++] = static_cast<std::uint32_t>(i);
  }
  std::vector<float> transmittance(std::size_t(view.width) * view.height, 1.0f);
  tbb::parallel_for(0, bands, [&](int band) {
    for (std::size_t m = first[band]; m < first[band + 1]; ++m) {
      const Footprint& f = footprints[members[m]];
      const int y0 = std::max(f.v0, band * kBand), y1 = std::min(f.v1, band * kBand + kBand - 1);
      for (int y = y0; y <= y1; ++y) {
        const float dv = float(y) - f.cv;
        float* row = transmittance.data() + std::size_t(y) * view.width;
        for (int x = f.u0; x <= f.u1; ++x) {
          const float du = float(x) - f.cu;
          const float power = f.ia * du * du + 2 * f.ib * du * dv + f.ic * dv * dv;
          if (power > f.cut) continue;
          const float alpha = std::min(0.99f, f.alpha * fast_exp(-0.5f * power));
          if (alpha < 1.0f / 255) continue;
          row[x] *= 1 - alpha;
        }
      }
    }
  });
  return transmittance;
}

// The maximum along the view axis of the trilinearly interpolated density, at each of the
// view's samples: trilinear interpolation is linear between grid planes, so the maximum
// is the largest bilinear interpolation of the four surrounding grid columns on any
// grid plane.
std::vector<float> column_maximum(const SparseDensityGrid& grid, const View& view) {
  const std::size_t samples = std::size_t(view.width) * view.height;
  tbb::enumerable_thread_specific<std::vector<float>> local(
      [&] { return std::vector<float>(samples, 0.0f); });
  const int size_u = grid.frame().size[view.u], size_v = grid.frame().size[view.v];
  tbb::parallel_for(std::size_t(0), grid.block_count(), [&](std::size_t block) {
    std::vector<float>& image = local.local();
    const std::array<int, 3> origin = grid.block_origin(block);
    // Each grid cell of each plane of the block: corners (u, v) .. (u + 1, v + 1).
    for (int along = 0; along < kSide; ++along)
      for (int b = 0; b < kSide; ++b)
        for (int a = 0; a < kSide; ++a) {
          int point[3];
          point[view.axis] = origin[view.axis] + along;
          point[view.u] = origin[view.u] + a;
          point[view.v] = origin[view.v] + b;
          const int u = point[view.u], v = point[view.v];
          if (u + 1 >= size_u || v + 1 >= size_v) continue;
          int next_u[3] = {point[0], point[1], point[2]};
          next_u[view.u] += 1;
          int next_v[3] = {point[0], point[1], point[2]};
          next_v[view.v] += 1;
          int next_uv[3] = {next_u[0], next_u[1], next_u[2]};
          next_uv[view.v] += 1;
          const float d00 = grid.density(point[0], point[1], point[2]);
          const float d10 = grid.density(next_u[0], next_u[1], next_u[2]);
          const float d01 = grid.density(next_v[0], next_v[1], next_v[2]);
          const float d11 = grid.density(next_uv[0], next_uv[1], next_uv[2]);
          if (std::max({d00, d10, d01, d11}) <= 0) continue;
          for (int j = 0; j <= kSupersample; ++j) {
            const float fv = float(j) / float(kSupersample);
            float* row = image.data() + std::size_t(v * kSupersample + j) * view.width +
                         std::size_t(u) * kSupersample;
            for (int i = 0; i <= kSupersample; ++i) {
              const float fu = float(i) / float(kSupersample);
              const float value =
                  (1 - fv) * ((1 - fu) * d00 + fu * d10) + fv * ((1 - fu) * d01 + fu * d11);
              row[i] = std::max(row[i], value);
            }
          }
        }
  });
  std::vector<float> maximum(samples, 0.0f);
  for (const std::vector<float>& part : local) {
    for (std::size_t p = 0; p < samples; ++p) maximum[p] = std::max(maximum[p], part[p]);
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
