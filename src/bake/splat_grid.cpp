#include "bake/splat_grid.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/parallel_for.h"

namespace atlas::bake {

namespace {

constexpr float kMinAlpha = 1.0f / 255.0f;
// 3DGS clamps a splat's alpha so no single splat is fully opaque.
constexpr float kMaxAlpha = 0.99f;
constexpr float kMinScale = 1e-7f;
constexpr float kMaxScale = 1e6f;
constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
float squared_distance_to_box(Vec3 p, const Bounds& b) {
  const float dx = std::max(std::max(b.min.x - p.x, 0.0f), p.x - b.max.x);
  const float dy = std::max(std::max(b.min.y - p.y, 0.0f), p.y - b.max.y);
  const float dz = std::max(std::max(b.min.z - p.z, 0.0f), p.z - b.max.z);
  return dx * dx + dy * dy + dz * dz;
}

// Points a leaf of the nearest-splat tree holds.
constexpr std::size_t kNearestLeaf = 8;
constexpr std::size_t kPrepareChunk = 8192;

bool finite(Vec3 v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

float component(Vec3 v, int axis) { return axis == 0 ? v.x : axis == 1 ? v.y : v.z; }

// Bounds::extend without fmin/fmax's NaN handling (the inputs are finite), which
// compilers turn into library calls.
void grow(Bounds& box, Vec3 p) {
  box.min = {std::min(box.min.x, p.x), std::min(box.min.y, p.y), std::min(box.min.z, p.z)};
  box.max = {std::max(box.max.x, p.x), std::max(box.max.y, p.y), std::max(box.max.z, p.z)};
}

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
    grow(bounds_, s.position - s.half_extent);
    grow(bounds_, s.position + s.half_extent);
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
    for_each_cell(i,
                  [&](std::size_t cell_index) { ids_[cursor[cell_index]++] = std::uint32_t(i); });
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
    grow(bounds, (start(i) + end(i)) * 0.5f);
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
    grow(boxes_[bucket], start(i));
    grow(boxes_[bucket], end(i));
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

NearestSplat::NearestSplat(const std::vector<RaySplat>& splats, float min_alpha) {
  for (std::size_t i = 0; i < splats.size(); ++i) {
    if (splats[i].alpha >= min_alpha) ids_.push_back(std::uint32_t(i));
  }
  if (ids_.empty()) {
    for (std::size_t i = 0; i < splats.size(); ++i) ids_.push_back(std::uint32_t(i));
  }
  points_.reserve(ids_.size());
  for (std::uint32_t i : ids_) points_.push_back(splats[i].position);
  axis_.assign(ids_.size(), 0);
  boxes_.resize(ids_.size());
  build(0, ids_.size());
}

void NearestSplat::build(std::size_t begin, std::size_t end) {
  if (end - begin <= kNearestLeaf) return;
  Bounds bounds;
  for (std::size_t i = begin; i < end; ++i) grow(bounds, points_[i]);
  const Vec3 extent = bounds.size();
  int axis = 0;
  if (extent.y > component(extent, axis)) axis = 1;
  if (extent.z > component(extent, axis)) axis = 2;
  const std::size_t middle = begin + (end - begin) / 2;
  // Points and their ids move together: sort an index range, then apply it.
  std::vector<std::uint32_t> order(end - begin);
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = std::uint32_t(begin + i);
  std::nth_element(order.begin(), order.begin() + std::ptrdiff_t(middle - begin), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) {
                     return component(points_[a], axis) < component(points_[b], axis);
                   });
  std::vector<Vec3> points(order.size());
  std::vector<std::uint32_t> ids(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    points[i] = points_[order[i]];
    ids[i] = ids_[order[i]];
  }
  std::copy(points.begin(), points.end(), points_.begin() + std::ptrdiff_t(begin));
  std::copy(ids.begin(), ids.end(), ids_.begin() + std::ptrdiff_t(begin));
  axis_[middle] = std::uint8_t(axis);
  boxes_[middle] = bounds;
  build(begin, middle);
  build(middle + 1, end);
}

void NearestSplat::search(std::size_t begin, std::size_t end, Vec3 point, std::uint32_t& best,
                          float& best_squared) const {
  if (end - begin <= kNearestLeaf) {
    for (std::size_t i = begin; i < end; ++i) {
      const Vec3 d = points_[i] - point;
      const float squared = dot(d, d);
      if (squared < best_squared) best_squared = squared, best = std::uint32_t(i);
    }
    return;
  }
  const std::size_t middle = begin + (end - begin) / 2;
  // The whole subtree lies in its box: nothing in it is nearer than the box.
  if (!(squared_distance_to_box(point, boxes_[middle]) < best_squared)) return;
  const Vec3 d = points_[middle] - point;
  const float squared = dot(d, d);
  if (squared < best_squared) best_squared = squared, best = std::uint32_t(middle);
  const int axis = axis_[middle];
  const bool before = component(point, axis) < component(points_[middle], axis);
  if (before) {
    search(begin, middle, point, best, best_squared);
    search(middle + 1, end, point, best, best_squared);
  } else {
    search(middle + 1, end, point, best, best_squared);
    search(begin, middle, point, best, best_squared);
  }
}

std::int64_t NearestSplat::nearest(Vec3 point) const {
  if (ids_.empty() || !finite(point)) return -1;
  std::uint32_t best = 0;
  float best_squared = std::numeric_limits<float>::infinity();
  search(0, ids_.size(), point, best, best_squared);
  return ids_[best];
}

}  // namespace atlas::bake
