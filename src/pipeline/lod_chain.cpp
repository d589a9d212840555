#include "pipeline/lod_chain.h"

#include <algorithm>
#include <cmath>

namespace atlas::pipeline {

Result<LodLevel> reduce_lod_level(const Primitive& lod0, double ratio,
                                  const OwnAtlasSources* own_atlas, int threads) {
  const auto target =
      static_cast<std::size_t>(std::max(1.0, std::round(ratio * double(lod0.triangle_count()))));
  LodLevel level;
  level.reduced = geometry::simplify(lod0, target, geometry::SimplifyFallback::None);
  if (!own_atlas) return level;
  geometry::SimplifyResult free = geometry::simplify(*own_atlas->lod0_surface, target);
  const bool seams_cost_too_much =
      !level.reduced.reached_target ||
      level.reduced.relative_error > kSharedAtlasErrorAllowance * free.relative_error;
  if (!seams_cost_too_much) return level;

  level.reduced = std::move(free);
  const int size = level_texture_size(own_atlas->lod0_texture_size, ratio);
  Result<geometry::UnwrapStats> stats =
      unwrap_with_tangents(level.reduced.mesh, size, kGutterTexels, threads);
  if (!stats) return with_context("UV unwrap", stats.error());
  level.unwrap = *stats;
  const bake::BakeOptions settings = bake_options(size, threads);
  level.colour = own_atlas->bake->colour(level.reduced.mesh, settings);
  level.normal = own_atlas->bake->normals(level.reduced.mesh, settings);
  if (level.colour.empty() || level.normal.empty()) return make_error("baking produced no texture");
  return level;
}

}  // namespace atlas::pipeline
