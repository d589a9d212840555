#pragma once
// Which surface point each texel of a UV atlas shows: the atlas's triangles rasterised
// in UV space (texel centres, conservative at triangle edges so seams get colour).

#include <cstdint>
#include <vector>

#include "asset/mesh.h"

namespace atlas::bake {

// Largest atlas side the bakes accept; larger (or non-positive) sizes give empty results.
inline constexpr int kMaxTextureSize = 8192;

struct TexelSample {
  std::int32_t triangle = -1;  // -1: the texel is not covered (gutter)
  Vec3 position;               // interpolated, in the mesh's space
  Vec3 normal;                 // interpolated and normalised (the face normal without normals)
  Vec4 tangent;                // interpolated (xyz normalised, w +1 or -1) if tangents exist
};

// A band of rows of the atlas (the whole atlas from rasterize_texels).
struct TexelSurface {
  int size = 0;       // the atlas's side; 0 when nothing was rasterised
  int first_row = 0;  // rows [first_row, first_row + rows) of the atlas
  int rows = 0;
  std::vector<TexelSample> texels;  // size * rows, row-major, atlas row 0 = v 0 (top)
  const TexelSample& at(int x, int y) const {
    return texels[std::size_t(y - first_row) * size + x];
  }
};

// Rasterises every triangle of `mesh` into a size x size grid (texel (x, y) covers
// u in [x, x + 1) / size, v in [y, y + 1) / size). A texel whose centre lies in a
// triangle shows that triangle's point under the centre; a texel that a triangle only
// touches (a chart border crossing it) shows the triangle's point nearest the centre
// (moved a hair, 0.1 % of the way to each corner, inside the triangle so it is not on
// the neighbour's border too), so bilinear lookups along seams read surface colour. Where triangles
// overlap in UV the lowest-numbered one containing the centre (else the nearest) wins. Triangles
// with an index out of range, a non-finite position or UV, or no UV area are skipped.
// Returns size 0 when size is outside 1..kMaxTextureSize or uv0 does not match the
// positions. threads: 0 all hardware threads.
TexelSurface rasterize_texels(const Primitive& mesh, int size, int threads = 0);

// The same for atlas rows [first_row, first_row + rows) only (clipped to the atlas), so
// a bake can go through a large atlas band by band. Single-threaded.
TexelSurface rasterize_texel_rows(const Primitive& mesh, int size, int first_row, int rows);

// The same into `surface`, reusing its storage (a bake's thread goes through many bands).
void rasterize_texel_rows(const Primitive& mesh, int size, int first_row, int rows,
                          TexelSurface& surface);

}  // namespace atlas::bake
