#pragma once
// Internal to the pipeline layer: the levels of a LOD chain below LOD0 and which atlas
// each samples. The game-ready package and the lod_chain op make their levels here, so
// both decide the same way.

#include <cstddef>
#include <optional>

#include "asset/image.h"
#include "asset/mesh.h"
#include "core/result.h"
#include "geometry/simplify.h"
#include "geometry/uv_atlas.h"
#include "pipeline/texturing.h"

namespace atlas::pipeline {

// A level shares LOD0's atlas only if keeping LOD0's seams costs at most this factor
// of geometric error over a free reduction: on the 404 monkey, the seam-keeping LOD1
// reached its budget at twice the error (16 vs 8 mm) and lost 1.5 dB.
inline constexpr float kSharedAtlasErrorAllowance = 1.5f;

// Levels a chain may have, LOD0 included: one limit for game-ready's --lods and the
// lod_chain op's ratios.
inline constexpr std::size_t kMaxLodLevels = 8;

struct LodLevel {
  geometry::SimplifyResult reduced;
  // Set when the level has an atlas of its own, whose maps are then `colour` and
  // `normal`; unset when the level samples LOD0's atlas.
  std::optional<geometry::UnwrapStats> unwrap;
  Image colour, normal;
};

// What a level that cannot share LOD0's atlas is made from. Pointers stay owned by the
// caller.
struct OwnAtlasSources {
  const Primitive* lod0_surface = nullptr;  // LOD0 before unwrapping, reduced freely
  // Colour from the cloud or the source mesh, normals from the detail surface.
  const PreparedBakeSources* bake = nullptr;
  int lod0_texture_size = 1024;  // the level's atlas is level_texture_size(this, ratio)
};

// `lod0` (unwrapped) reduced to `ratio` of its triangles, at least one. The level keeps
// LOD0's seams and samples its atlas when that reaches the budget at no more than
// kSharedAtlasErrorAllowance times the error of reducing `own_atlas->lod0_surface`
// freely; otherwise it is that free reduction, unwrapped and baked at
// level_texture_size (gutters of kGutterTexels, dilation of kDilationTexels). Without
// `own_atlas` the level always samples LOD0's atlas, and stays above the budget where
// LOD0's seams stop the reduction. Errors name the step that failed (the unwrap, or a
// bake that covered nothing). threads: 0 for all hardware threads.
Result<LodLevel> reduce_lod_level(const Primitive& lod0, double ratio,
                                  const OwnAtlasSources* own_atlas, int threads);

}  // namespace atlas::pipeline
