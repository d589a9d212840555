#pragma once
// The splats' opacity density field sampled on a sparse regular grid. Only blocks of
// 8^3 grid points that some splat reaches are stored and evaluated, so memory and work
// follow where the splats are rather than the bounding box. Private to surface
// extraction.
//
// The field: D(p) = sum_i alpha_i exp(-1/2 (p - mu_i)^T Sigma_i'^-1 (p - mu_i)), where
// Sigma_i' = Sigma_i + (kLowPass * cell)^2 I. The low-pass keeps the peak alpha_i
// (unlike a convolution) so a splat thinner than a cell still reaches the grid points
// beside it at nearly full strength instead of falling between them: 3DGS surfaces are
// mostly flat splats far thinner than any affordable cell. Each Gaussian is truncated
// where it adds less than kFloor, at 3 sigma at most. Alongside the density, each point
// keeps the density-weighted sum of the splats' display colours.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "asset/math.h"
#include "asset/splat_cloud.h"

namespace atlas::geometry {

// Grid point (i, j, k) lies at origin + cell * (i, j, k), 0 <= i < size[0], and so on.
// The outermost layer of points is never reached by a splat, so every level set of the
// field is closed inside the grid.
struct GridFrame {
  Vec3 origin;
  float cell = 0;
  std::array<int, 3> size{0, 0, 0};
};

// One splat as the field uses it: world units, display colour in [0, 1].
struct DensityKernel {
  Vec3 centre;
  float alpha = 0;
  std::array<float, 6> covariance{};  // xx xy xz yy yz zz
  Vec3 colour;
};

// The splats that can show (finite values, opacity >= 1/255, a finite covariance), in
// cloud order.
std::vector<DensityKernel> density_kernels(const SplatCloud& cloud);

// What building a grid over `frame` would cost, to pick a resolution within bounds
// before allocating anything.
struct GridCost {
  // Blocks some splat reaches (kBlockPoints points each); SIZE_MAX when there are more
  // than SparseDensityGrid::kMaxCountedPairs (block, splat) pairs, which are not counted.
  std::size_t blocks = 0;
  std::size_t block_splats = 0;  // (block, splat) pairs to evaluate
  std::size_t evaluations = 0;   // Gaussian evaluations, bounded above by footprint boxes
};

class SparseDensityGrid {
 public:
  static constexpr int kBlockSide = 8;
  static constexpr int kBlockPoints = kBlockSide * kBlockSide * kBlockSide;
  // Extra std-dev, in cells, added to every splat (see the file comment).
  static constexpr float kLowPass = 0.35f;
  // A Gaussian is cut where alpha * g drops below this (and at 3 sigma).
  static constexpr float kFloor = 1.0f / 255;

  static constexpr std::size_t kMaxCountedPairs = std::size_t(1) << 26;

  static GridCost estimate(const std::vector<DensityKernel>& kernels, const GridFrame& frame);

  // Evaluates the field on `threads` threads (0: all). The result does not depend on
  // the thread count: each point sums its splats in kernel order.
  static SparseDensityGrid build(const std::vector<DensityKernel>& kernels, const GridFrame& frame,
                                 int threads);

  const GridFrame& frame() const { return frame_; }
  std::array<int, 3> block_counts() const { return blocks_; }
  std::size_t block_count() const { return block_origins_.size(); }
  std::size_t point_count() const { return block_count() * kBlockPoints; }

  // The block holding grid point block_origin + (lx, ly, lz), lx in [0, kBlockSide).
  // Coordinates of the block's first point, in grid points.
  std::array<int, 3> block_origin(std::size_t block) const { return block_origins_[block]; }
  const float* block_density(std::size_t block) const {
    return density_.data() + block * kBlockPoints;
  }

  // The 8^3 densities of block (bx, by, bz), x fastest; nullptr for a block no splat
  // reaches, whose points all hold `uniform` (0, or the filled level of a cavity).
  const float* block_values(int bx, int by, int bz, float& uniform) const;

  // Density at a grid point: 0 outside the grid and in blocks no splat reaches, the
  // filled level in enclosed cavities after fill_enclosed_cavities.
  float density(int x, int y, int z) const;

  // Trilinear density and colour sum at a world position (zero outside the grid).
  void sample(Vec3 position, float& density, Vec3& colour_sum) const;

  // Raises every point below `level` that the outside of the grid cannot reach through
  // points below `level` (6-connected) to `level`, so the level set is one solid shell
  // without the inner walls of enclosed cavities.
  void fill_enclosed_cavities(float level);

 private:
  static constexpr std::int32_t kEmpty = -1;  // no splat reaches the block: density 0
  static constexpr std::int32_t kSolid = -2;  // an enclosed empty block, filled

  std::int32_t table_entry(int bx, int by, int bz) const {
    return table_[(std::size_t(bz) * blocks_[1] + by) * blocks_[0] + bx];
  }

  GridFrame frame_;
  std::array<int, 3> blocks_{0, 0, 0};
  std::vector<std::int32_t> table_;  // block index, kEmpty or kSolid, x fastest
  std::vector<std::array<int, 3>> block_origins_;
  std::vector<float> density_;  // kBlockPoints a block, x fastest
  std::vector<Vec3> colour_sum_;
  float solid_level_ = 0;
};

}  // namespace atlas::geometry
