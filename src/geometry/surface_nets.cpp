#include "geometry/surface_nets.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace atlas::geometry {
namespace {

constexpr int kSide = SparseDensityGrid::kBlockSide;
constexpr int kPadded = kSide + 1;  // a block's points and the first layer of the next ones

// The densities of a block's points and of the next layer along +x, +y and +z.
using PaddedBlock = std::array<float, kPadded * kPadded * kPadded>;

int padded_index(int x, int y, int z) { return (z * kPadded + y) * kPadded + x; }

void gather(const SparseDensityGrid& grid, const std::array<int, 3>& block, PaddedBlock& values) {
  for (int nz = 0; nz < 2; ++nz)
    for (int ny = 0; ny < 2; ++ny)
      for (int nx = 0; nx < 2; ++nx) {
        float uniform = 0;
        const float* source =
            grid.block_values(block[0] + nx, block[1] + ny, block[2] + nz, uniform);
        const int zn = nz ? 1 : kSide, yn = ny ? 1 : kSide, xn = nx ? 1 : kSide;
        for (int z = 0; z < zn; ++z)
          for (int y = 0; y < yn; ++y) {
            float* out = values.data() + padded_index(nx * kSide, ny * kSide + y, nz * kSide + z);
            if (source) {
              const float* in = source + (z * kSide + y) * kSide;
              for (int x = 0; x < xn; ++x) out[x] = in[x];
            } else {
              for (int x = 0; x < xn; ++x) out[x] = uniform;
            }
          }
      }
}

constexpr int kCorners[8][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0},
                                {0, 0, 1}, {1, 0, 1}, {0, 1, 1}, {1, 1, 1}};
constexpr int kEdges[12][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {0, 2}, {1, 3},
                               {4, 6}, {5, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};

// A cell's faces, each as its corners in the face's own (u, v) order (0,0) (1,0) (1,1)
// (0,1), u and v its two axes in x, y, z order, and the edges joining consecutive
// corners. The two cells sharing a face list its corners in the same order, so they
// compute the same decision for it.
constexpr int kFaceCorners[6][4] = {{0, 2, 6, 4}, {1, 3, 7, 5}, {0, 1, 5, 4},
                                    {2, 3, 7, 6}, {0, 1, 3, 2}, {4, 5, 7, 6}};
constexpr int kFaceEdges[6][4] = {{4, 10, 6, 8},  {5, 11, 7, 9}, {0, 9, 2, 8},
                                  {1, 11, 3, 10}, {0, 5, 1, 4},  {2, 7, 3, 6}};

// Which surface patch each crossed edge of a cell belongs to: crossed edges on a common
// face are joined where the level set's curve on that face joins them. A face with all
// four edges crossed is ambiguous; the asymptotic decider (the value of the face's
// bilinear interpolant at its saddle) chooses whether its inside corners connect, the
// same way in both cells that share the face, so every mesh edge has two faces.
// Returns the patch count; patch[e] is the patch of edge e (crossed edges only).
int cell_patches(const float corner[8], float level, std::array<std::uint8_t, 12>& patch) {
  std::array<std::uint8_t, 12> parent;
  for (std::uint8_t e = 0; e < 12; ++e) parent[e] = e;
  auto find = [&](std::uint8_t e) {
    while (parent[e] != e) e = parent[e];
    return e;
  };
  auto unite = [&](int a, int b) { parent[find(std::uint8_t(a))] = find(std::uint8_t(b)); };
  auto crossed = [&](int e) {
    return (corner[kEdges[e][0]] >= level) != (corner[kEdges[e][1]] >= level);
  };
  for (int f = 0; f < 6; ++f) {
    const int* e = kFaceEdges[f];
    int count = 0;
    int pair[2] = {0, 0};
    for (int k = 0; k < 4; ++k) {
      if (crossed(e[k]) && count++ < 2) pair[count - 1] = e[k];
    }
    if (count == 2) {
      unite(pair[0], pair[1]);
    } else if (count == 4) {
      const float a0 = corner[kFaceCorners[f][0]], a1 = corner[kFaceCorners[f][1]],
                  a2 = corner[kFaceCorners[f][2]], a3 = corner[kFaceCorners[f][3]];
      const float denominator = a0 + a2 - a1 - a3;
      const float saddle =
          denominator != 0 ? (a0 * a2 - a1 * a3) / denominator : 0.25f * (a0 + a1 + a2 + a3);
      // The curves cut off corners 1 and 3, or corners 0 and 2: the outside pair when the
      // saddle is inside (inside corners connected), else the inside pair.
      if ((a0 >= level) == (saddle >= level)) {
        unite(e[0], e[1]);
        unite(e[2], e[3]);
      } else {
        unite(e[3], e[0]);
        unite(e[1], e[2]);
      }
    }
  }
  int patches = 0;
  std::array<int, 12> id;
  id.fill(-1);
  for (int e = 0; e < 12; ++e) {
    if (!crossed(e)) continue;
    const std::uint8_t root = find(std::uint8_t(e));
    if (id[root] < 0) id[root] = patches++;
    patch[e] = static_cast<std::uint8_t>(id[root]);
  }
  return patches;
}

struct CellBlock {
  std::array<int, 3> block;  // block coordinates
  // A cell's first local vertex (one a surface patch in the cell), or -1.
  std::array<std::int32_t, kSide * kSide * kSide> vertex;
  // A cell's patch of each of its 12 edges, 2 bits an edge (a cell has at most 4 patches).
  std::array<std::uint32_t, kSide * kSide * kSide> edge_patch;
  std::vector<Vec3> positions;
  std::vector<std::uint32_t> indices;
  std::uint32_t first_vertex = 0;
};

}  // namespace

Primitive surface_nets(const SparseDensityGrid& grid, float level, int threads) {
  Primitive mesh;
  const GridFrame& frame = grid.frame();
  const std::array<int, 3> counts = grid.block_counts();
  auto table_index = [&](int bx, int by, int bz) {
    return (std::size_t(bz) * counts[1] + by) * counts[0] + bx;
  };
  // Cells belong to the block of their lowest corner, so the cells crossing into a
  // reached block from below start in its -x, -y, -z neighbours: those are visited too.
  std::vector<std::int32_t> cell_block_of(std::size_t(counts[0]) * counts[1] * counts[2], -1);
  for (std::size_t b = 0; b < grid.block_count(); ++b) {
    const std::array<int, 3> origin = grid.block_origin(b);
    const int bx = origin[0] / kSide, by = origin[1] / kSide, bz = origin[2] / kSide;
    for (int corner = 0; corner < 8; ++corner) {
      const int x = bx - kCorners[corner][0], y = by - kCorners[corner][1],
                z = bz - kCorners[corner][2];
      if (x >= 0 && y >= 0 && z >= 0) cell_block_of[table_index(x, y, z)] = 0;
    }
  }
  std::vector<CellBlock> blocks;
  for (std::size_t t = 0; t < cell_block_of.size(); ++t) {
    if (cell_block_of[t] < 0) continue;
    cell_block_of[t] = static_cast<std::int32_t>(blocks.size());
    CellBlock& block = blocks.emplace_back();
    block.block = {static_cast<int>(t % counts[0]), static_cast<int>(t / counts[0] % counts[1]),
                   static_cast<int>(t / (std::size_t(counts[0]) * counts[1]))};
  }

  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    // Vertices: one a crossed cell.
    tbb::parallel_for(std::size_t(0), blocks.size(), [&](std::size_t b) {
      CellBlock& block = blocks[b];
      block.vertex.fill(-1);
      PaddedBlock values;
      gather(grid, block.block, values);
      const int x0 = block.block[0] * kSide, y0 = block.block[1] * kSide,
                z0 = block.block[2] * kSide;
      for (int z = 0; z < kSide && z0 + z < frame.size[2] - 1; ++z)
        for (int y = 0; y < kSide && y0 + y < frame.size[1] - 1; ++y)
          for (int x = 0; x < kSide && x0 + x < frame.size[0] - 1; ++x) {
            float corner[8];
            int inside = 0;
            for (int c = 0; c < 8; ++c) {
              corner[c] =
                  values[padded_index(x + kCorners[c][0], y + kCorners[c][1], z + kCorners[c][2])];
              inside += corner[c] >= level;
            }
            if (inside == 0 || inside == 8) continue;
            std::array<std::uint8_t, 12> patch;
            const int patches = cell_patches(corner, level, patch);
            float sum[4][3] = {};
            int crossings[4] = {0, 0, 0, 0};
            std::uint32_t bits = 0;
            for (int e = 0; e < 12; ++e) {
              const float a = corner[kEdges[e][0]], b = corner[kEdges[e][1]];
              if ((a >= level) == (b >= level)) continue;
              const float t = (level - a) / (b - a);
              const int k = patch[e];
              for (int axis = 0; axis < 3; ++axis)
                sum[k][axis] +=
                    float(kCorners[kEdges[e][0]][axis]) +
                    t * float(kCorners[kEdges[e][1]][axis] - kCorners[kEdges[e][0]][axis]);
              ++crossings[k];
              bits |= std::uint32_t(k) << (2 * e);
            }
            const int cell = (z * kSide + y) * kSide + x;
            block.vertex[cell] = static_cast<std::int32_t>(block.positions.size());
            block.edge_patch[cell] = bits;
            for (int k = 0; k < patches; ++k) {
              const float share = 1.0f / float(crossings[k]);
              block.positions.push_back(frame.origin + Vec3{float(x0 + x) + sum[k][0] * share,
                                                            float(y0 + y) + sum[k][1] * share,
                                                            float(z0 + z) + sum[k][2] * share} *
                                                           frame.cell);
            }
          }
    });
    std::size_t total = 0;
    for (CellBlock& block : blocks) {
      block.first_vertex = static_cast<std::uint32_t>(total);
      total += block.positions.size();
    }
    mesh.positions.resize(total);
    tbb::parallel_for(std::size_t(0), blocks.size(), [&](std::size_t b) {
      std::copy(blocks[b].positions.begin(), blocks[b].positions.end(),
                mesh.positions.begin() + blocks[b].first_vertex);
      blocks[b].positions = {};
    });
    // The vertex of cell (x, y, z) on the patch holding the cell's local edge `edge`.
    auto cell_vertex = [&](int x, int y, int z, int edge) -> std::int64_t {
      const std::int32_t b = cell_block_of[table_index(x / kSide, y / kSide, z / kSide)];
      if (b < 0) return -1;
      const int cell = ((z % kSide) * kSide + (y % kSide)) * kSide + (x % kSide);
      const std::int32_t first = blocks[b].vertex[cell];
      if (first < 0) return -1;
      const auto patch = static_cast<std::int32_t>(blocks[b].edge_patch[cell] >> (2 * edge) & 3);
      return std::int64_t(blocks[b].first_vertex) + first + patch;
    };
    // Quads: one a crossed grid edge, from point p to p + e_axis.
    tbb::parallel_for(std::size_t(0), blocks.size(), [&](std::size_t b) {
      CellBlock& block = blocks[b];
      PaddedBlock values;
      gather(grid, block.block, values);
      const int x0 = block.block[0] * kSide, y0 = block.block[1] * kSide,
                z0 = block.block[2] * kSide;
      for (int z = 0; z < kSide; ++z)
        for (int y = 0; y < kSide; ++y)
          for (int x = 0; x < kSide; ++x) {
            const bool here = values[padded_index(x, y, z)] >= level;
            const int gx = x0 + x, gy = y0 + y, gz = z0 + z;
            for (int axis = 0; axis < 3; ++axis) {
              const bool there =
                  values[padded_index(x + (axis == 0), y + (axis == 1), z + (axis == 2))] >= level;
              if (here == there || gx < 1 || gy < 1 || gz < 1) continue;
              // The four cells around the edge, counter-clockwise seen from +axis, and the
              // edge's local number in each (see kEdges: x edges 0-3, y 4-7, z 8-11).
              std::array<std::int64_t, 4> quad;
              if (axis == 0) {
                quad = {cell_vertex(gx, gy - 1, gz - 1, 3), cell_vertex(gx, gy, gz - 1, 2),
                        cell_vertex(gx, gy, gz, 0), cell_vertex(gx, gy - 1, gz, 1)};
              } else if (axis == 1) {
                quad = {cell_vertex(gx - 1, gy, gz - 1, 7), cell_vertex(gx - 1, gy, gz, 5),
                        cell_vertex(gx, gy, gz, 4), cell_vertex(gx, gy, gz - 1, 6)};
              } else {
                quad = {cell_vertex(gx - 1, gy - 1, gz, 11), cell_vertex(gx, gy - 1, gz, 10),
                        cell_vertex(gx, gy, gz, 8), cell_vertex(gx - 1, gy, gz, 9)};
              }
              if (quad[0] < 0 || quad[1] < 0 || quad[2] < 0 || quad[3] < 0) continue;
              // Outward is +axis when p is inside; otherwise reverse the quad.
              if (!here) std::swap(quad[1], quad[3]);
              const Vec3 p0 = mesh.positions[quad[0]], p1 = mesh.positions[quad[1]];
              const Vec3 p2 = mesh.positions[quad[2]], p3 = mesh.positions[quad[3]];
              // Split along the shorter diagonal: better-shaped triangles.
              const auto q = [&](int i) { return static_cast<std::uint32_t>(quad[i]); };
              if (dot(p0 - p2, p0 - p2) <= dot(p1 - p3, p1 - p3)) {
                block.indices.insert(block.indices.end(), {q(0), q(1), q(2), q(0), q(2), q(3)});
              } else {
                block.indices.insert(block.indices.end(), {q(0), q(1), q(3), q(1), q(2), q(3)});
              }
            }
          }
    });
  });
  std::size_t index_total = 0;
  for (const CellBlock& block : blocks) index_total += block.indices.size();
  mesh.indices.reserve(index_total);
  for (const CellBlock& block : blocks)
    mesh.indices.insert(mesh.indices.end(), block.indices.begin(), block.indices.end());
  return mesh;
}

}  // namespace atlas::geometry
