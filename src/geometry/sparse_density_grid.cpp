#include "geometry/sparse_density_grid.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/fast_exp.h"

namespace atlas::geometry {
namespace {

constexpr int kSide = SparseDensityGrid::kBlockSide;
constexpr int kShift = 3;  // log2(kBlockSide)
static_assert(1 << kShift == kSide);

// A kernel in grid units (one cell = 1), ready to evaluate.
struct GridKernel {
  float centre[3];
  float inverse[6];  // xx xy xz yy yz zz of the low-passed covariance's inverse
  float cut = 0;     // largest squared Mahalanobis distance evaluated
  float alpha = 0;
  Vec3 colour;
  int lo[3], hi[3];  // footprint box in grid points, inclusive; empty when lo > hi
};

bool empty_box(const GridKernel& kernel) {
  return kernel.lo[0] > kernel.hi[0] || kernel.lo[1] > kernel.hi[1] || kernel.lo[2] > kernel.hi[2];
}

GridKernel grid_kernel(const DensityKernel& kernel, const GridFrame& frame) {
  GridKernel out;
  out.alpha = kernel.alpha;
  out.colour = kernel.colour;
  const double scale = 1.0 / (double(frame.cell) * frame.cell);
  const double low_pass = double(SparseDensityGrid::kLowPass) * SparseDensityGrid::kLowPass;
  const double a = kernel.covariance[0] * scale + low_pass, b = kernel.covariance[1] * scale,
               c = kernel.covariance[2] * scale, d = kernel.covariance[3] * scale + low_pass,
               e = kernel.covariance[4] * scale, f = kernel.covariance[5] * scale + low_pass;
  // Inverse of [[a b c] [b d e] [c e f]] by cofactors.
  const double co_a = d * f - e * e, co_b = c * e - b * f, co_c = b * e - c * d;
  const double det = a * co_a + b * co_b + c * co_c;
  const double cut =
      std::min(9.0, 2.0 * std::log(double(kernel.alpha) / SparseDensityGrid::kFloor));
  const Vec3 centre = (kernel.centre - frame.origin) * (1 / frame.cell);
  out.centre[0] = centre.x;
  out.centre[1] = centre.y;
  out.centre[2] = centre.z;
  for (int axis = 0; axis < 3; ++axis) {
    out.lo[axis] = 1;
    out.hi[axis] = 0;
  }
  if (!(det > 0) || !std::isfinite(det) || !(cut > 0) ||
      !std::isfinite(centre.x + centre.y + centre.z))
    return out;
  out.inverse[0] = float(co_a / det);
  out.inverse[1] = float(co_b / det);
  out.inverse[2] = float(co_c / det);
  out.inverse[3] = float((a * f - c * c) / det);
  out.inverse[4] = float((b * c - a * e) / det);
  out.inverse[5] = float((a * d - b * b) / det);
  out.cut = float(cut);
  const double variance[3] = {a, d, f};
  for (int axis = 0; axis < 3; ++axis) {
    const double reach = std::sqrt(cut * variance[axis]);
    // The outermost layer of points stays empty, so the level sets close.
    const double lo =
        std::clamp(std::ceil(out.centre[axis] - reach), 1.0, double(frame.size[axis]) - 1);
    const double hi =
        std::clamp(std::floor(out.centre[axis] + reach), 0.0, double(frame.size[axis]) - 2);
    out.lo[axis] = static_cast<int>(lo);
    out.hi[axis] = static_cast<int>(hi);
  }
  return out;
}

std::array<int, 3> block_counts_of(const GridFrame& frame) {
  return {(frame.size[0] + kSide - 1) / kSide, (frame.size[1] + kSide - 1) / kSide,
          (frame.size[2] + kSide - 1) / kSide};
}

std::vector<GridKernel> grid_kernels(const std::vector<DensityKernel>& kernels,
                                     const GridFrame& frame) {
  std::vector<GridKernel> out(kernels.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, kernels.size(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i)
                        out[i] = grid_kernel(kernels[i], frame);
                    });
  return out;
}

// Adds one kernel to the points of one block.
void evaluate(const GridKernel& k, const std::array<int, 3>& origin, float* density,
              Vec3* colour_sum) {
  const int x0 = std::max(k.lo[0], origin[0]), x1 = std::min(k.hi[0], origin[0] + kSide - 1);
  const int y0 = std::max(k.lo[1], origin[1]), y1 = std::min(k.hi[1], origin[1] + kSide - 1);
  const int z0 = std::max(k.lo[2], origin[2]), z1 = std::min(k.hi[2], origin[2] + kSide - 1);
  const float* m = k.inverse;
  for (int z = z0; z <= z1; ++z) {
    const float dz = float(z) - k.centre[2];
    for (int y = y0; y <= y1; ++y) {
      const float dy = float(y) - k.centre[1];
      // Along the row the squared distance is m0 dx^2 + 2 b dx + c: solve for the span
      // inside the cut instead of testing every point.
      const float b = m[1] * dy + m[2] * dz;
      const float c = m[3] * dy * dy + 2 * m[4] * dy * dz + m[5] * dz * dz;
      const float disc = b * b - m[0] * (c - k.cut);
      if (!(disc >= 0)) continue;
      const float root = std::sqrt(disc);
      const float from = k.centre[0] + (-b - root) / m[0];
      const float to = k.centre[0] + (-b + root) / m[0];
      // from and to clamped to [x0 - 1, x1 + 1] >= 0, where truncation is floor.
      const float lo = std::max(from, float(x0) - 1), hi = std::min(to, float(x1) + 1);
      const int xa = std::max(x0, static_cast<int>(lo) + (float(static_cast<int>(lo)) < lo));
      const int xb = std::min(x1, static_cast<int>(hi));
      if (xa > xb) continue;
      const int row = ((z - origin[2]) * kSide + (y - origin[1])) * kSide - origin[0];
      for (int x = xa; x <= xb; ++x) {
        const float dx = float(x) - k.centre[0];
        const float g = k.alpha * fast_exp(-0.5f * (m[0] * dx * dx + 2 * b * dx + c));
        density[row + x] += g;
        colour_sum[row + x] = colour_sum[row + x] + k.colour * g;
      }
    }
  }
}

// The kernel of splat i; false when it cannot show.
bool make_kernel(const SplatCloud& cloud, std::size_t i, DensityKernel& kernel) {
  kernel.alpha = sigmoid(cloud.opacity_logits[i]);
  kernel.centre = cloud.positions[i];
  const Vec3 s = cloud.log_scales[i];
  const Vec3 scale{std::exp(s.x), std::exp(s.y), std::exp(s.z)};
  if (!(kernel.alpha >= 1.0f / 255) || !std::isfinite(dot(kernel.centre, kernel.centre)) ||
      !std::isfinite(dot(scale, scale)))
    return false;
  // Sigma = R S^2 R^T.
  const Quat q = normalized(cloud.rotations[i]);
  const float r[3][3] = {
      {1 - 2 * (q.y * q.y + q.z * q.z), 2 * (q.x * q.y - q.w * q.z), 2 * (q.x * q.z + q.w * q.y)},
      {2 * (q.x * q.y + q.w * q.z), 1 - 2 * (q.x * q.x + q.z * q.z), 2 * (q.y * q.z - q.w * q.x)},
      {2 * (q.x * q.z - q.w * q.y), 2 * (q.y * q.z + q.w * q.x), 1 - 2 * (q.x * q.x + q.y * q.y)}};
  const float v[3] = {scale.x * scale.x, scale.y * scale.y, scale.z * scale.z};
  auto entry = [&](int a, int b) {
    return r[a][0] * v[0] * r[b][0] + r[a][1] * v[1] * r[b][1] + r[a][2] * v[2] * r[b][2];
  };
  kernel.covariance = {entry(0, 0), entry(0, 1), entry(0, 2),
                       entry(1, 1), entry(1, 2), entry(2, 2)};
  const Vec3 dc = cloud.sh_dc[i];
  kernel.colour = {std::clamp(colour_from_sh_dc(dc.x), 0.0f, 1.0f),
                   std::clamp(colour_from_sh_dc(dc.y), 0.0f, 1.0f),
                   std::clamp(colour_from_sh_dc(dc.z), 0.0f, 1.0f)};
  return std::isfinite(kernel.colour.x + kernel.colour.y + kernel.colour.z);
}

}  // namespace

std::vector<DensityKernel> density_kernels(const SplatCloud& cloud) {
  std::vector<DensityKernel> kernels;
  if (!cloud.consistent()) return kernels;
  kernels.resize(cloud.size());
  std::vector<std::uint8_t> shows(cloud.size(), 0);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, cloud.size(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i)
                        shows[i] = make_kernel(cloud, i, kernels[i]);
                    });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    if (shows[i]) kernels[kept++] = kernels[i];
  }
  kernels.resize(kept);
  return kernels;
}

GridCost SparseDensityGrid::estimate(const std::vector<DensityKernel>& kernels,
                                     const GridFrame& frame) {
  GridCost cost;
  const std::vector<GridKernel> prepared = grid_kernels(kernels, frame);
  for (const GridKernel& k : prepared) {
    if (empty_box(k)) continue;
    std::size_t box = 1, block_box = 1;
    for (int axis = 0; axis < 3; ++axis) {
      box *= std::size_t(k.hi[axis] - k.lo[axis] + 1);
      block_box *= std::size_t((k.hi[axis] >> kShift) - (k.lo[axis] >> kShift) + 1);
    }
    cost.evaluations += box;
    cost.block_splats += block_box;
  }
  // Counting the blocks takes one step a pair: not done beyond kMaxCountedPairs.
  if (cost.block_splats > kMaxCountedPairs) {
    cost.blocks = SIZE_MAX;
    return cost;
  }
  const std::array<int, 3> blocks = block_counts_of(frame);
  std::vector<std::uint8_t> touched(std::size_t(blocks[0]) * blocks[1] * blocks[2], 0);
  for (const GridKernel& k : prepared) {
    if (empty_box(k)) continue;
    for (int bz = k.lo[2] >> kShift; bz <= k.hi[2] >> kShift; ++bz)
      for (int by = k.lo[1] >> kShift; by <= k.hi[1] >> kShift; ++by)
        for (int bx = k.lo[0] >> kShift; bx <= k.hi[0] >> kShift; ++bx)
          touched[(std::size_t(bz) * blocks[1] + by) * blocks[0] + bx] = 1;
  }
  cost.blocks = std::size_t(std::count(touched.begin(), touched.end(), 1));
  return cost;
}

SparseDensityGrid SparseDensityGrid::build(const std::vector<DensityKernel>& kernels,
                                           const GridFrame& frame, int threads) {
  SparseDensityGrid grid;
  grid.frame_ = frame;
  grid.blocks_ = block_counts_of(frame);
  const std::array<int, 3> counts = grid.blocks_;
  grid.table_.assign(std::size_t(counts[0]) * counts[1] * counts[2], kEmpty);
  auto table_index = [&](int bx, int by, int bz) {
    return (std::size_t(bz) * counts[1] + by) * counts[0] + bx;
  };
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    const std::vector<GridKernel> prepared = grid_kernels(kernels, frame);
    // Blocks reached, numbered in table order; then each block's kernels, in kernel order.
    std::vector<std::uint32_t> per_block(grid.table_.size(), 0);
    for (const GridKernel& k : prepared) {
      if (empty_box(k)) continue;
      for (int bz = k.lo[2] >> kShift; bz <= k.hi[2] >> kShift; ++bz)
        for (int by = k.lo[1] >> kShift; by <= k.hi[1] >> kShift; ++by)
          for (int bx = k.lo[0] >> kShift; bx <= k.hi[0] >> kShift; ++bx)
            ++per_block[table_index(bx, by, bz)];
    }
    std::vector<std::size_t> first{0};
    for (std::size_t t = 0; t < grid.table_.size(); ++t) {
      if (per_block[t] == 0) continue;
      grid.table_[t] = static_cast<std::int32_t>(grid.block_origins_.size());
      const int bx = static_cast<int>(t % counts[0]);
      const int by = static_cast<int>(t / counts[0] % counts[1]);
      const int bz = static_cast<int>(t / (std::size_t(counts[0]) * counts[1]));
      grid.block_origins_.push_back({bx * kSide, by * kSide, bz * kSide});
      first.push_back(first.back() + per_block[t]);
    }
    std::vector<std::uint32_t> members(first.back());
    std::vector<std::size_t> fill(first.begin(), first.end() - 1);
    for (std::size_t i = 0; i < prepared.size(); ++i) {
      const GridKernel& k = prepared[i];
      if (empty_box(k)) continue;
      for (int bz = k.lo[2] >> kShift; bz <= k.hi[2] >> kShift; ++bz)
        for (int by = k.lo[1] >> kShift; by <= k.hi[1] >> kShift; ++by)
          for (int bx = k.lo[0] >> kShift; bx <= k.hi[0] >> kShift; ++bx)
            members[fill[grid.table_[table_index(bx, by, bz)]]++] = static_cast<std::uint32_t>(i);
    }
    const std::size_t block_total = grid.block_origins_.size();
    grid.density_.assign(block_total * kBlockPoints, 0.0f);
    grid.colour_sum_.assign(block_total * kBlockPoints, Vec3{});
    tbb::parallel_for(std::size_t(0), block_total, [&](std::size_t block) {
      float* density = grid.density_.data() + block * kBlockPoints;
      Vec3* colour_sum = grid.colour_sum_.data() + block * kBlockPoints;
      for (std::size_t m = first[block]; m < first[block + 1]; ++m)
        evaluate(prepared[members[m]], grid.block_origins_[block], density, colour_sum);
    });
  });
  return grid;
}

float SparseDensityGrid::density(int x, int y, int z) const {
  if (x < 0 || y < 0 || z < 0 || x >= frame_.size[0] || y >= frame_.size[1] || z >= frame_.size[2])
    return 0;
  const std::int32_t entry = table_entry(x >> kShift, y >> kShift, z >> kShift);
  if (entry == kEmpty) return 0;
  if (entry == kSolid) return solid_level_;
  return density_[std::size_t(entry) * kBlockPoints +
                  ((z & (kSide - 1)) * kSide + (y & (kSide - 1))) * kSide + (x & (kSide - 1))];
}

const float* SparseDensityGrid::block_values(int bx, int by, int bz, float& uniform) const {
  uniform = 0;
  if (bx < 0 || by < 0 || bz < 0 || bx >= blocks_[0] || by >= blocks_[1] || bz >= blocks_[2])
    return nullptr;
  const std::int32_t entry = table_entry(bx, by, bz);
  if (entry == kSolid) uniform = solid_level_;
  return entry >= 0 ? density_.data() + std::size_t(entry) * kBlockPoints : nullptr;
}

void SparseDensityGrid::sample(Vec3 position, float& density, Vec3& colour_sum) const {
  density = 0;
  colour_sum = Vec3{};
  const Vec3 g = (position - frame_.origin) * (1 / frame_.cell);
  if (!(g.x >= 0 && g.y >= 0 && g.z >= 0 && g.x < float(frame_.size[0] - 1) &&
        g.y < float(frame_.size[1] - 1) && g.z < float(frame_.size[2] - 1)))
    return;
  const int x = static_cast<int>(g.x), y = static_cast<int>(g.y), z = static_cast<int>(g.z);
  const float f[3] = {g.x - float(x), g.y - float(y), g.z - float(z)};
  for (int corner = 0; corner < 8; ++corner) {
    const int cx = x + (corner & 1), cy = y + (corner >> 1 & 1), cz = z + (corner >> 2);
    const float weight = ((corner & 1) ? f[0] : 1 - f[0]) * ((corner >> 1 & 1) ? f[1] : 1 - f[1]) *
                         ((corner >> 2) ? f[2] : 1 - f[2]);
    const std::int32_t entry = table_entry(cx >> kShift, cy >> kShift, cz >> kShift);
    if (entry == kEmpty) continue;
    if (entry == kSolid) {
      density += weight * solid_level_;
      continue;
    }
    const std::size_t index = std::size_t(entry) * kBlockPoints +
                              ((cz & (kSide - 1)) * kSide + (cy & (kSide - 1))) * kSide +
                              (cx & (kSide - 1));
    density += weight * density_[index];
    colour_sum = colour_sum + colour_sum_[index] * weight;
  }
}

void SparseDensityGrid::fill_enclosed_cavities(float level) {
  // Flood the outside from the grid's border through points below `level`, at two
  // scales: a block no splat reaches is one node (all of it is 0), a point of a
  // reached block is one node. Whatever the flood misses is enclosed.
  const std::array<int, 3> counts = blocks_;
  std::vector<std::uint8_t> block_seen(table_.size(), 0);
  std::vector<std::uint8_t> point_seen(density_.size(), 0);
  // Items: an empty block's table index (tagged), or a reached block's point index.
  constexpr std::uint64_t kBlockTag = std::uint64_t(1) << 63;
  std::vector<std::uint64_t> stack;
  auto table_index = [&](int bx, int by, int bz) {
    return (std::size_t(bz) * counts[1] + by) * counts[0] + bx;
  };
  auto visit_point = [&](int x, int y, int z) {
    if (x < 0 || y < 0 || z < 0 || x >= counts[0] * kSide || y >= counts[1] * kSide ||
        z >= counts[2] * kSide)
      return;
    const std::size_t t = table_index(x >> kShift, y >> kShift, z >> kShift);
    const std::int32_t entry = table_[t];
    if (entry < 0) {
      if (!block_seen[t]) {
        block_seen[t] = 1;
        stack.push_back(kBlockTag | t);
      }
      return;
    }
    const std::size_t index = std::size_t(entry) * kBlockPoints +
                              ((z & (kSide - 1)) * kSide + (y & (kSide - 1))) * kSide +
                              (x & (kSide - 1));
    if (point_seen[index] || density_[index] >= level) return;
    point_seen[index] = 1;
    stack.push_back(index);
  };
  // Seeds: the grid's outer layer of points is never reached by a splat.
  for (int bz = 0; bz < counts[2]; ++bz)
    for (int by = 0; by < counts[1]; ++by)
      for (int bx = 0; bx < counts[0]; ++bx) {
        if (bx > 0 && by > 0 && bz > 0 && bx < counts[0] - 1 && by < counts[1] - 1 &&
            bz < counts[2] - 1)
          continue;
        const int x0 = bx * kSide, y0 = by * kSide, z0 = bz * kSide;
        for (int z = z0; z < z0 + kSide; ++z)
          for (int y = y0; y < y0 + kSide; ++y)
            for (int x = x0; x < x0 + kSide; ++x) {
              if (x == 0 || y == 0 || z == 0 || x >= frame_.size[0] - 1 ||
                  y >= frame_.size[1] - 1 || z >= frame_.size[2] - 1)
                visit_point(x, y, z);
            }
      }
  while (!stack.empty()) {
    const std::uint64_t item = stack.back();
    stack.pop_back();
    if (item & kBlockTag) {
      const std::size_t t = item & ~kBlockTag;
      const int bx = static_cast<int>(t % counts[0]);
      const int by = static_cast<int>(t / counts[0] % counts[1]);
      const int bz = static_cast<int>(t / (std::size_t(counts[0]) * counts[1]));
      // The points just across each face of the block.
      const int x0 = bx * kSide, y0 = by * kSide, z0 = bz * kSide;
      for (int a = 0; a < kSide; ++a)
        for (int b = 0; b < kSide; ++b) {
          visit_point(x0 - 1, y0 + a, z0 + b);
          visit_point(x0 + kSide, y0 + a, z0 + b);
          visit_point(x0 + a, y0 - 1, z0 + b);
          visit_point(x0 + a, y0 + kSide, z0 + b);
          visit_point(x0 + a, y0 + b, z0 - 1);
          visit_point(x0 + a, y0 + b, z0 + kSide);
        }
      continue;
    }
    const std::size_t block = item / kBlockPoints;
    const int local = static_cast<int>(item % kBlockPoints);
    const std::array<int, 3>& origin = block_origins_[block];
    const int x = origin[0] + (local & (kSide - 1));
    const int y = origin[1] + (local >> kShift & (kSide - 1));
    const int z = origin[2] + (local >> (2 * kShift));
    visit_point(x - 1, y, z);
    visit_point(x + 1, y, z);
    visit_point(x, y - 1, z);
    visit_point(x, y + 1, z);
    visit_point(x, y, z - 1);
    visit_point(x, y, z + 1);
  }
  for (std::size_t t = 0; t < table_.size(); ++t) {
    if (table_[t] == kEmpty && !block_seen[t]) table_[t] = kSolid;
  }
  for (std::size_t i = 0; i < density_.size(); ++i) {
    if (!point_seen[i] && density_[i] < level) density_[i] = level;
  }
  solid_level_ = level;
}

}  // namespace atlas::geometry
