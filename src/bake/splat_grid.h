#pragma once
// Gaussians prepared for evaluation along rays, and the spatial indexes the splat colour
// bake searches them with. Private to the bake layer.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "asset/splat_cloud.h"

namespace atlas::bake {

// One Gaussian ready for ray queries.
struct RaySplat {
  Vec3 position;
  // Beyond this distance from the centre the splat's alpha is below 1/255 (at most 3
  // standard deviations along the longest axis).
  float radius = 0;
  // S^-1 R^T, row-major: maps an offset from the centre into the frame where the
  // Gaussian is the unit one, so the Mahalanobis distance is a Euclidean length there.
  float to_unit[9] = {};
  Vec3 half_extent;  // the axis-aligned box of the ellipsoid where alpha reaches 1/255
  float alpha = 0;   // activated opacity
  float cutoff = 0;  // squared Mahalanobis distance beyond which alpha is below 1/255
  Vec3 colour;       // degree-0 colour, clamped to 0..1
};

// The splats that can show (finite, alpha at least 1/255), prepared, in cloud order.
// Scales are floored so needle-thin splats stay finite in float. threads: 0 all.
std::vector<RaySplat> prepare_splats(const SplatCloud& cloud, int threads = 0);

// The splats by the grid cells their boxes overlap, for box queries.
class SplatGrid {
 public:
  // cell > 0, enlarged when the splats' bounds would need more than kMaxCells cells.
  SplatGrid(const std::vector<RaySplat>& splats, float cell);

  static constexpr std::size_t kMaxCells = std::size_t(1) << 22;

  // Appends to `out` the index of every splat whose box overlaps `box`, each once.
  void overlapping(const Bounds& box, std::vector<std::uint32_t>& out) const;

 private:
  // Cell index range along one axis that [from, to] covers; false when outside the grid.
  bool range(int axis, float from, float to, int& lo, int& hi) const;

  const std::vector<RaySplat>& splats_;
  Bounds bounds_;
  float cell_ = 1;
  int dims_[3] = {0, 0, 0};
  std::vector<std::uint32_t> start_, ids_;
  std::vector<std::array<std::int32_t, 3>> first_cell_;  // per splat, its box's lowest cell
};

// Ray segments bucketed by the grid cell of their midpoint and the dominant axis of
// their direction (six ways), so a bucket's segments are close together and nearly
// parallel and the bounding box of each bucket's segments is tight.
class SegmentBuckets {
 public:
  // Segment i runs from points[i] + directions[i] * from to points[i] + directions[i] * to;
  // non-finite segments are left out. cell > 0, enlarged when the midpoints' bounds
  // would need more than kMaxCells cells.
  SegmentBuckets(const std::vector<Vec3>& points, const std::vector<Vec3>& directions, float from,
                 float to, float cell);

  static constexpr std::size_t kMaxCells = std::size_t(1) << 22;

  std::size_t bucket_count() const { return boxes_.size(); }
  std::span<const std::uint32_t> segments(std::size_t bucket) const {
    return {ids_.data() + start_[bucket], start_[bucket + 1] - start_[bucket]};
  }
  const Bounds& box(std::size_t bucket) const { return boxes_[bucket]; }

 private:
  std::vector<std::uint32_t> start_, ids_;
  std::vector<Bounds> boxes_;
};

// The splat whose centre is nearest to a point: a k-d tree over the splat centres, so
// points far from every splat (a surface beside the cloud) cost no more than near ones.
class NearestSplat {
 public:
  // Indexes the splats with alpha >= min_alpha (every splat when none has).
  NearestSplat(const std::vector<RaySplat>& splats, float min_alpha);

  // Index into the splats, or -1 when there are none or the point is not finite.
  std::int64_t nearest(Vec3 point) const;

 private:
  void build(std::size_t begin, std::size_t end);
  void search(std::size_t begin, std::size_t end, Vec3 point, std::uint32_t& best,
              float& best_squared) const;

  // The tree is implicit: the node over [begin, end) is split at its middle element,
  // whose split axis is axis_[middle] (smaller coordinates lie before it) and whose
  // boxes_[middle] bounds the whole range, so far-away points prune whole subtrees.
  std::vector<Vec3> points_;
  std::vector<std::uint32_t> ids_;  // splat index of each point
  std::vector<std::uint8_t> axis_;
  std::vector<Bounds> boxes_;
};

}  // namespace atlas::bake
