#include "bake/splat_grid.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "bake/parallel_for.h"

namespace atlas::bake {

namespace {

constexpr float kMinAlpha = 1.0f / 255.0f;
// 3DGS clamps a splat's alpha so no single splat is fully opaque.
constexpr float kMaxAlpha = 0.99f;
constexpr float kMinScale = 1e-7f;
constexpr float kMaxScale = 1e6f;
constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
constexpr int kMaxNearestDims = 256;
constexpr std::size_t kPrepareChunk = 8192;

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

float component(Vec3 v, int axis) { return axis == 0 ? v.x : axis == 1 ? v.y : v.z; }

// Cell index range [lo, hi] along one axis covered by [from, to], clamped to [0, n - 1];
// false when it lies outside the grid.
bool cell_range(float from, float to, float origin, float cell, int n, int& lo, int& hi) {
  const float a = (from - origin) / cell, b = (to - origin) / cell;
  if (!(b >= 0) || !(a < float(n))) return false;
  lo = int(std::max(0.0f, std::floor(a)));
  hi = int(std::min(float(n - 1), std::floor(b)));
  return lo <= hi;
}

// Splat i prepared, or false when it cannot show.
bool prepare_splat(const SplatCloud& cloud, std::size_t i, RaySplat& s) {
  const float alpha = sigmoid(cloud.opacity_logits[i]);
  if (!(alpha >= kMinAlpha) || !finite(cloud.positions[i])) return false;
  const Vec3 log_scale = cloud.log_scales[i];
  const float scale[3] = {std::exp(log_scale.x), std::exp(log_scale.y), std::exp(log_scale.z)};
  if (!(scale[0] <= kMaxScale && scale[1] <= kMaxScale && scale[2] <= kMaxScale)) return false;
  const Vec3 dc = cloud.sh_dc[i];
  if (!finite(dc)) return false;
  const Quat q = normalized(cloud.rotations[i]);
  // Columns are the splat's axes in world space.
  const float r[3][3] = {
      {1 - 2 * (q.y * q.y + q.z * q.z), 2 * (q.x * q.y - q.w * q.z), 2 * (q.x * q.z + q.w * q.y)},
      {2 * (q.x * q.y + q.w * q.z), 1 - 2 * (q.x * q.x + q.z * q.z), 2 * (q.y * q.z - q.w * q.x)},
      {2 * (q.x * q.z - q.w * q.y), 2 * (q.y * q.z + q.w * q.x), 1 - 2 * (q.x * q.x + q.y * q.y)}};
  s.position = cloud.positions[i];
  s.alpha = std::min(alpha, kMaxAlpha);
  // Mahalanobis radius where alpha falls to 1/255, as 3DGS renderers cut splats.
  const float cutoff = std::min(3.0f, std::sqrt(std::max(0.0f, 2 * std::log(alpha / kMinAlpha))));
  float longest = 0;
  for (int k = 0; k < 3; ++k) {
    const float sk = std::max(scale[k], kMinScale);
    longest = std::max(longest, sk);
    for (int j = 0; j < 3; ++j) s.to_unit[3 * k + j] = r[j][k] / sk;
  }
  s.radius = cutoff * longest;
  s.cutoff = cutoff * cutoff;
  float extent[3];
  for (int j = 0; j < 3; ++j) {
    float sum = 0;
    for (int k = 0; k < 3; ++k) {
      const float a = r[j][k] * std::max(scale[k], kMinScale);
      sum += a * a;
    }
    extent[j] = cutoff * std::sqrt(sum);
  }
  s.half_extent = {extent[0], extent[1], extent[2]};
  s.colour = {std::clamp(colour_from_sh_dc(dc.x), 0.0f, 1.0f),
              std::clamp(colour_from_sh_dc(dc.y), 0.0f, 1.0f),
              std::clamp(colour_from_sh_dc(dc.z), 0.0f, 1.0f)};
  return true;
}

}  // namespace

std::vector<RaySplat> prepare_splats(const SplatCloud& cloud, int threads) {
  std::vector<RaySplat> out;
  if (!cloud.consistent()) return out;
  out.resize(cloud.size());
  std::vector<std::uint8_t> keep(cloud.size(), 0);
  const int chunks = int((cloud.size() + kPrepareChunk - 1) / kPrepareChunk);
  parallel_for_index(chunks, threads, [&](int chunk) {
    const std::size_t begin = std::size_t(chunk) * kPrepareChunk;
    const std::size_t end = std::min(cloud.size(), begin + kPrepareChunk);
    for (std::size_t i = begin; i < end; ++i) keep[i] = prepare_splat(cloud, i, out[i]) ? 1 : 0;
  });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (keep[i]) out[kept++] = out[i];
  }
  out.resize(kept);
  return out;
}

SplatGrid::SplatGrid(const std::vector<RaySplat>& splats, float cell) : splats_(splats) {
  for (const RaySplat& s : splats) {
    bounds_.extend(s.position - s.half_extent);
    bounds_.extend(s.position + s.half_extent);
  }
  if (bounds_.empty() || !(cell > 0)) return;
  const Vec3 size = bounds_.size();
  for (;;) {
    std::size_t total = 1;
    for (int k = 0; k < 3; ++k) {
      dims_[k] = std::max(1, int(std::ceil(std::min(component(size, k) / cell, 1e6f))));
      total *= std::size_t(dims_[k]);
    }
    if (total <= kMaxCells) break;
    cell *= 1.25f;
  }
  cell_ = cell;
  const std::size_t total = std::size_t(dims_[0]) * dims_[1] * dims_[2];
  first_cell_.resize(splats.size());
  auto for_each_cell = [&](std::size_t i, auto&& visit) {
    const RaySplat& s = splats[i];
    int lo[3], hi[3];
    for (int k = 0; k < 3; ++k) {
      const float centre = component(s.position, k), half = component(s.half_extent, k);
      if (!range(k, centre - half, centre + half, lo[k], hi[k])) return;
    }
    for (int z = lo[2]; z <= hi[2]; ++z) {
      for (int y = lo[1]; y <= hi[1]; ++y) {
        const std::size_t row = (std::size_t(z) * dims_[1] + std::size_t(y)) * dims_[0];
        for (int x = lo[0]; x <= hi[0]; ++x) visit(row + std::size_t(x));
      }
    }
  };
  start_.assign(total + 1, 0);
  for (std::size_t i = 0; i < splats.size(); ++i) {
    for_each_cell(i, [&](std::size_t cell_index) { ++start_[cell_index + 1]; });
  }
  for (std::size_t c = 0; c < total; ++c) start_[c + 1] += start_[c];
  ids_.resize(start_[total]);
  std::vector<std::uint32_t> cursor(start_.begin(), start_.end() - 1);
  for (std::size_t i = 0; i < splats.size(); ++i) {
    for_each_cell(i, [&](std::size_t cell_index) { ids_[cursor[cell_index]++] = std::uint32_t(i); });
    const RaySplat& s = splats[i];
    for (int k = 0; k < 3; ++k) {
      int lo = 0, hi = 0;
      const float centre = component(s.position, k), half = component(s.half_extent, k);
      first_cell_[i][k] = range(k, centre - half, centre + half, lo, hi) ? lo : 0;
    }
  }
}

bool SplatGrid::range(int axis, float from, float to, int& lo, int& hi) const {
  return cell_range(from, to, component(bounds_.min, axis), cell_, dims_[axis], lo, hi);
}

void SplatGrid::overlapping(const Bounds& box, std::vector<std::uint32_t>& out) const {
  if (start_.empty() || box.empty()) return;
  int lo[3], hi[3];
  for (int k = 0; k < 3; ++k) {
    if (!range(k, component(box.min, k), component(box.max, k), lo[k], hi[k])) return;
  }
  for (int z = lo[2]; z <= hi[2]; ++z) {
    for (int y = lo[1]; y <= hi[1]; ++y) {
      const std::size_t row = (std::size_t(z) * dims_[1] + std::size_t(y)) * dims_[0];
      for (int x = lo[0]; x <= hi[0]; ++x) {
        const std::size_t cell = row + std::size_t(x);
        for (std::uint32_t e = start_[cell]; e < start_[cell + 1]; ++e) {
          const std::uint32_t i = ids_[e];
          // A splat spanning several cells of the query is reported from the first
          // cell both cover only.
          const std::array<std::int32_t, 3>& first = first_cell_[i];
          if (x != std::max(lo[0], first[0]) || y != std::max(lo[1], first[1]) ||
              z != std::max(lo[2], first[2]))
            continue;
          const RaySplat& s = splats_[i];
          const Vec3 low = s.position - s.half_extent, high = s.position + s.half_extent;
          if (low.x <= box.max.x && high.x >= box.min.x && low.y <= box.max.y &&
              high.y >= box.min.y && low.z <= box.max.z && high.z >= box.min.z)
            out.push_back(i);
        }
      }
    }
  }
}

SegmentBuckets::SegmentBuckets(const std::vector<Vec3>& points, const std::vector<Vec3>& directions,
                               float from, float to, float cell) {
  const std::size_t count = std::min(points.size(), directions.size());
  auto start = [&](std::size_t i) { return points[i] + directions[i] * from; };
  auto end = [&](std::size_t i) { return points[i] + directions[i] * to; };
  Bounds bounds;
  std::vector<std::uint8_t> valid(count, 0);
  for (std::size_t i = 0; i < count; ++i) {
    if (!finite(start(i)) || !finite(end(i))) continue;
    valid[i] = 1;
    bounds.extend((start(i) + end(i)) * 0.5f);
  }
  if (bounds.empty() || !(cell > 0)) return;
  const Vec3 size = bounds.size();
  int dims[3];
  for (;;) {
    std::size_t total = 1;
    for (int k = 0; k < 3; ++k) {
      dims[k] = std::max(1, int(std::ceil(std::min(component(size, k) / cell, 1e6f))));
      total *= std::size_t(dims[k]);
    }
    if (total <= kMaxCells) break;
    cell *= 1.25f;
  }
  // Per occupied cell, the bucket of each of the six directions, numbered as first seen.
  std::vector<std::uint32_t> occupied(std::size_t(dims[0]) * dims[1] * dims[2], kEmpty);
  std::vector<std::array<std::uint32_t, 6>> cell_buckets;
  std::vector<std::uint32_t> bucket_of(count, kEmpty);
  for (std::size_t i = 0; i < count; ++i) {
    if (!valid[i]) continue;
    const Vec3 middle = (start(i) + end(i)) * 0.5f;
    std::size_t index = 0, stride = 1;
    for (int k = 0; k < 3; ++k) {
      const float f = (component(middle, k) - component(bounds.min, k)) / cell;
      index += stride * std::size_t(std::clamp(int(f), 0, dims[k] - 1));
      stride *= std::size_t(dims[k]);
    }
    const Vec3 d = end(i) - start(i);
    int axis = 0;
    if (std::fabs(d.y) > std::fabs(component(d, axis))) axis = 1;
    if (std::fabs(d.z) > std::fabs(component(d, axis))) axis = 2;
    std::uint32_t& slot = occupied[index];
    if (slot == kEmpty) {
      slot = std::uint32_t(cell_buckets.size());
      cell_buckets.emplace_back();
      cell_buckets.back().fill(kEmpty);
    }
    std::uint32_t& bucket = cell_buckets[slot][2 * axis + (component(d, axis) < 0 ? 1 : 0)];
    if (bucket == kEmpty) {
      bucket = std::uint32_t(boxes_.size());
      boxes_.emplace_back();
    }
    boxes_[bucket].extend(start(i));
    boxes_[bucket].extend(end(i));
    bucket_of[i] = bucket;
  }
  const std::size_t buckets = boxes_.size();
  start_.assign(buckets + 1, 0);
  for (std::uint32_t b : bucket_of) {
    if (b != kEmpty) ++start_[b + 1];
  }
  for (std::size_t b = 0; b < buckets; ++b) start_[b + 1] += start_[b];
  ids_.resize(start_[buckets]);
  std::vector<std::uint32_t> cursor(start_.begin(), start_.end() - 1);
  for (std::size_t i = 0; i < count; ++i) {
    if (bucket_of[i] != kEmpty) ids_[cursor[bucket_of[i]]++] = std::uint32_t(i);
  }
}

NearestSplat::NearestSplat(const std::vector<RaySplat>& splats, float min_alpha) : splats_(splats) {
  std::vector<std::uint32_t> chosen;
  for (std::size_t i = 0; i < splats.size(); ++i) {
    if (splats[i].alpha >= min_alpha) chosen.push_back(std::uint32_t(i));
  }
  if (chosen.empty()) {
    for (std::size_t i = 0; i < splats.size(); ++i) chosen.push_back(std::uint32_t(i));
  }
  if (chosen.empty()) return;
  for (std::uint32_t i : chosen) bounds_.extend(splats[i].position);
  const Vec3 size = bounds_.size();
  // About two centres a cell in a volume-filling cloud; flat clouds get fewer cells.
  const float volume = std::max(size.x, 1e-6f) * std::max(size.y, 1e-6f) * std::max(size.z, 1e-6f);
  cell_ = std::cbrt(volume / (0.5f * float(chosen.size())));
  cell_ = std::max({cell_, bounds_.longest_side() / kMaxNearestDims, 1e-9f});
  for (int k = 0; k < 3; ++k)
    dims_[k] = std::clamp(int(std::ceil(component(size, k) / cell_)), 1, kMaxNearestDims);
  const std::size_t total = std::size_t(dims_[0]) * dims_[1] * dims_[2];
  std::vector<std::uint32_t> cell_ids(chosen.size());
  start_.assign(total + 1, 0);
  for (std::size_t c = 0; c < chosen.size(); ++c) {
    const Vec3 p = splats[chosen[c]].position;
    std::size_t index = 0, stride = 1;
    for (int k = 0; k < 3; ++k) {
      const float f = (component(p, k) - component(bounds_.min, k)) / cell_;
      index += stride * std::size_t(std::clamp(int(f), 0, dims_[k] - 1));
      stride *= std::size_t(dims_[k]);
    }
    cell_ids[c] = std::uint32_t(index);
    ++start_[index + 1];
  }
  for (std::size_t i = 0; i < total; ++i) start_[i + 1] += start_[i];
  ids_.resize(chosen.size());
  std::vector<std::uint32_t> cursor(start_.begin(), start_.end() - 1);
  for (std::size_t c = 0; c < chosen.size(); ++c) ids_[cursor[cell_ids[c]]++] = chosen[c];
}

std::int64_t NearestSplat::nearest(Vec3 point) const {
  if (ids_.empty() || !finite(point)) return -1;
  // The clamped point is no farther from any centre than the point itself is, so ring
  // distances measured from it are lower bounds for the point too.
  const Vec3 q{std::clamp(point.x, bounds_.min.x, bounds_.max.x),
               std::clamp(point.y, bounds_.min.y, bounds_.max.y),
               std::clamp(point.z, bounds_.min.z, bounds_.max.z)};
  int home[3];
  for (int k = 0; k < 3; ++k) {
    const float f = (component(q, k) - component(bounds_.min, k)) / cell_;
    home[k] = std::clamp(int(f), 0, dims_[k] - 1);
  }
  std::int64_t best = -1;
  float best_squared = std::numeric_limits<float>::infinity();
  const int max_ring = std::max({dims_[0], dims_[1], dims_[2]});
  for (int ring = 0; ring <= max_ring; ++ring) {
    if (best >= 0) {
      const float gap = float(ring - 1) * cell_;
      if (gap > 0 && gap * gap > best_squared) break;
    }
    auto visit = [&](int x, int y, int z) {
      const std::size_t cell = (std::size_t(z) * dims_[1] + std::size_t(y)) * dims_[0] + std::size_t(x);
      for (std::uint32_t i = start_[cell]; i < start_[cell + 1]; ++i) {
        const Vec3 d = splats_[ids_[i]].position - point;
        const float squared = dot(d, d);
        if (squared < best_squared) best_squared = squared, best = ids_[i];
      }
    };
    for (int z = std::max(0, home[2] - ring); z <= std::min(dims_[2] - 1, home[2] + ring); ++z) {
      for (int y = std::max(0, home[1] - ring); y <= std::min(dims_[1] - 1, home[1] + ring); ++y) {
        if (std::abs(z - home[2]) < ring && std::abs(y - home[1]) < ring) {
          // Inside the shell only its two x faces belong to this ring.
          if (home[0] - ring >= 0) visit(home[0] - ring, y, z);
          if (home[0] + ring < dims_[0]) visit(home[0] + ring, y, z);
          continue;
        }
        for (int x = std::max(0, home[0] - ring); x <= std::min(dims_[0] - 1, home[0] + ring); ++x)
          visit(x, y, z);
      }
    }
  }
  return best;
}

}  // namespace atlas::bake
